//! A table's state: rows keyed by id, the filtered and sorted view, the selection and the scroll.
//!
//! The selection is an id, not an index: new data, a new sort or a new filter never moves it to
//! another row. When the selected row disappears, the cursor stays where it was on screen. Sorting
//! and filtering happen here when the data or the filter change, never while drawing.

use std::cmp::Ordering;
use std::hash::Hash;

use jiff::Timestamp;

use super::filter::{Filter, Filterable};

/// A column as the table knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The name used by `:sort` and in filters.
    pub name: &'static str,
    pub title: &'static str,
    /// Cells the column needs to be useful.
    pub width: u16,
    /// Columns are dropped from the highest priority number down when the pane is narrow; 0 stays.
    pub priority: u8,
    /// The one column that takes the spare width.
    pub flex: bool,
    pub align_right: bool,
}

/// A style a cell asks for; the theme says what it looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Crit,
    Warn,
    Info,
    Ok,
    Muted,
    Anomaly,
}

/// What a row needs to know to format its cells.
#[derive(Debug, Clone, Copy)]
pub struct CellContext {
    pub now: Timestamp,
}

/// What sorting compares. Missing values sort last in both directions.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Missing,
    Number(f64),
    Text(String),
}

impl SortKey {
    fn compare(&self, other: &SortKey, descending: bool) -> Ordering {
        let ordered = |ord: Ordering| if descending { ord.reverse() } else { ord };
        match (self, other) {
            (SortKey::Missing, SortKey::Missing) => Ordering::Equal,
            (SortKey::Missing, _) => Ordering::Greater,
            (_, SortKey::Missing) => Ordering::Less,
            (SortKey::Number(a), SortKey::Number(b)) => ordered(a.total_cmp(b)),
            (SortKey::Text(a), SortKey::Text(b)) => ordered(a.cmp(b)),
            (SortKey::Number(_), SortKey::Text(_)) => ordered(Ordering::Less),
            (SortKey::Text(_), SortKey::Number(_)) => ordered(Ordering::Greater),
        }
    }
}

/// A row of a table.
pub trait TableRow: Filterable {
    type Id: Clone + Eq + Hash + std::fmt::Debug;

    fn id(&self) -> Self::Id;
    fn columns() -> &'static [Column];
    /// The text of a cell (unsanitised; the UI sanitises) and its tone.
    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone);
    fn sort_key(&self, column: &str) -> SortKey;
    /// Every field, for the detail view.
    fn details(&self, context: &CellContext) -> Vec<(String, String)>;
}

pub struct TableView<R: TableRow> {
    rows: Vec<R>,
    view: Vec<usize>,
    selected: Option<R::Id>,
    cursor: usize,
    offset: usize,
    sort_column: usize,
    descending: bool,
    filter: Filter,
    /// Rows that fit on screen, as the last layout said.
    viewport: usize,
    /// Cells the flexible column's text is scrolled left by, to read long names.
    text_shift: usize,
}

impl<R: TableRow> TableView<R> {
    pub fn new(sort_column: &str, descending: bool) -> TableView<R> {
        let sort_column = R::columns()
            .iter()
            .position(|c| c.name == sort_column)
            .unwrap_or(0);
        TableView {
            rows: Vec::new(),
            view: Vec::new(),
            selected: None,
            cursor: 0,
            offset: 0,
            sort_column,
            descending,
            filter: Filter::default(),
            viewport: 10,
            text_shift: 0,
        }
    }

    /// Replaces the rows with a new snapshot, keeping the selection on the same id.
    pub fn set_rows(&mut self, rows: Vec<R>) {
        self.rows = rows;
        self.rebuild();
    }

    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn set_filter(&mut self, filter: Filter) {
        self.filter = filter;
        self.rebuild();
    }

    pub fn sort_column(&self) -> &'static Column {
        let columns = R::columns();
        &columns[self.sort_column.min(columns.len().saturating_sub(1))]
    }

    pub fn descending(&self) -> bool {
        self.descending
    }

    /// Sorts by the named column; returns false when the table has no such column.
    pub fn sort_by(&mut self, column: &str, descending: Option<bool>) -> bool {
        let Some(index) = R::columns().iter().position(|c| c.name == column) else {
            return false;
        };
        self.sort_column = index;
        if let Some(descending) = descending {
            self.descending = descending;
        }
        self.rebuild();
        true
    }

    /// Moves the sort to the next (or previous) column.
    pub fn cycle_sort(&mut self, forward: bool) {
        let count = R::columns().len();
        if count == 0 {
            return;
        }
        self.sort_column = if forward {
            (self.sort_column + 1) % count
        } else {
            (self.sort_column + count - 1) % count
        };
        self.rebuild();
    }

    pub fn reverse_sort(&mut self) {
        self.descending = !self.descending;
        self.rebuild();
    }

    /// How far the flexible column's text is scrolled, in cells.
    pub fn text_shift(&self) -> usize {
        self.text_shift
    }

    /// Scrolls the flexible column's text by a step; never past the longest visible text.
    pub fn shift_text(&mut self, right: bool, context: &CellContext) {
        const STEP: usize = 8;
        let Some(flex) = R::columns().iter().find(|c| c.flex) else {
            return;
        };
        let longest = self
            .visible()
            .map(|(_, row)| {
                crate::ui::text::width(&crate::ui::text::sanitize(&row.cell(flex.name, context).0))
            })
            .max()
            .unwrap_or(0);
        self.text_shift = if right {
            (self.text_shift + STEP).min(longest.saturating_sub(STEP))
        } else {
            self.text_shift.saturating_sub(STEP)
        };
    }

    pub fn set_viewport(&mut self, rows: usize) {
        self.viewport = rows.max(1);
        self.keep_cursor_visible();
    }

    pub fn selected(&self) -> Option<&R> {
        self.view.get(self.cursor).and_then(|&i| self.rows.get(i))
    }

    pub fn selected_id(&self) -> Option<&R::Id> {
        self.selected.as_ref()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The rows on screen, with their position in the view.
    pub fn visible(&self) -> impl Iterator<Item = (usize, &R)> {
        let end = (self.offset + self.viewport).min(self.view.len());
        let start = self.offset.min(end);
        self.view[start..end]
            .iter()
            .enumerate()
            .filter_map(move |(i, &row)| self.rows.get(row).map(|r| (start + i, r)))
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        let target = if delta < 0 {
            self.cursor.saturating_sub(delta.unsigned_abs())
        } else {
            self.cursor.saturating_add(delta.unsigned_abs()).min(last)
        };
        self.select_position(target);
    }

    pub fn page(&mut self, down: bool) {
        let step = self.viewport.saturating_sub(1).max(1) as isize;
        self.move_by(if down { step } else { -step });
    }

    pub fn top(&mut self) {
        self.select_position(0);
    }

    pub fn bottom(&mut self) {
        self.select_position(self.view.len().saturating_sub(1));
    }

    /// Selects a row by id, if it is in the view.
    pub fn select_id(&mut self, id: &R::Id) -> bool {
        let found = self
            .view
            .iter()
            .position(|&i| self.rows.get(i).is_some_and(|r| &r.id() == id));
        if let Some(position) = found {
            self.select_position(position);
        }
        found.is_some()
    }

    fn select_position(&mut self, position: usize) {
        self.cursor = position.min(self.view.len().saturating_sub(1));
        self.selected = self.selected().map(TableRow::id);
        self.keep_cursor_visible();
    }

    fn keep_cursor_visible(&mut self) {
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.viewport {
            self.offset = self.cursor + 1 - self.viewport;
        }
        let max_offset = self.view.len().saturating_sub(self.viewport);
        self.offset = self.offset.min(max_offset);
    }

    fn rebuild(&mut self) {
        let column = self.sort_column().name;
        let descending = self.descending;
        let mut keyed: Vec<(usize, SortKey)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| self.filter.matches(*row))
            .map(|(i, row)| (i, row.sort_key(column)))
            .collect();
        keyed.sort_by(|a, b| a.1.compare(&b.1, descending).then(a.0.cmp(&b.0)));
        self.view = keyed.into_iter().map(|(i, _)| i).collect();

        let position = self
            .selected
            .as_ref()
            .and_then(|id| {
                self.view
                    .iter()
                    .position(|&i| self.rows.get(i).is_some_and(|r| &r.id() == id))
            })
            .unwrap_or(self.cursor);
        self.select_position(position);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct Item {
        id: u32,
        size: Option<f64>,
    }

    impl Filterable for Item {
        fn field_text(&self, field: &str) -> Option<String> {
            (field == "id").then(|| self.id.to_string())
        }
        fn field_number(&self, field: &str) -> Option<f64> {
            if field == "size" { self.size } else { None }
        }
        fn haystack(&self) -> String {
            self.id.to_string()
        }
    }

    const COLUMNS: [Column; 2] = [
        Column {
            name: "id",
            title: "ID",
            width: 4,
            priority: 0,
            flex: false,
            align_right: true,
        },
        Column {
            name: "size",
            title: "SIZE",
            width: 4,
            priority: 0,
            flex: false,
            align_right: true,
        },
    ];

    impl TableRow for Item {
        type Id = u32;
        fn id(&self) -> u32 {
            self.id
        }
        fn columns() -> &'static [Column] {
            &COLUMNS
        }
        fn cell(&self, _: &str, _: &CellContext) -> (String, Tone) {
            (self.id.to_string(), Tone::Plain)
        }
        fn sort_key(&self, column: &str) -> SortKey {
            match column {
                "id" => SortKey::Number(f64::from(self.id)),
                _ => self.size.map_or(SortKey::Missing, SortKey::Number),
            }
        }
        fn details(&self, _: &CellContext) -> Vec<(String, String)> {
            Vec::new()
        }
    }

    fn items(ids: &[u32]) -> Vec<Item> {
        ids.iter()
            .map(|&id| Item {
                id,
                size: Some(f64::from(id % 7)),
            })
            .collect()
    }

    #[test]
    fn a_refresh_keeps_the_selection_on_the_same_row() {
        let mut table = TableView::<Item>::new("id", false);
        table.set_rows(items(&[1, 2, 3, 4, 5]));
        table.move_by(2);
        assert_eq!(table.selected().map(|r| r.id), Some(3));

        table.set_rows(items(&[0, 1, 2, 3, 4, 5]));
        assert_eq!(table.selected().map(|r| r.id), Some(3));
        assert_eq!(table.cursor(), 3);
    }

    #[test]
    fn when_the_selected_row_goes_the_cursor_stays_in_place() {
        let mut table = TableView::<Item>::new("id", false);
        table.set_rows(items(&[1, 2, 3, 4, 5]));
        table.move_by(2);
        table.set_rows(items(&[1, 2, 4, 5]));
        assert_eq!(table.selected().map(|r| r.id), Some(4));
        table.set_rows(Vec::new());
        assert!(table.selected().is_none());
        table.set_rows(items(&[9]));
        assert_eq!(table.selected().map(|r| r.id), Some(9));
    }

    #[test]
    fn sorting_puts_missing_values_last_both_ways() {
        let mut table = TableView::<Item>::new("size", false);
        let mut rows = items(&[1, 2, 3]);
        rows[1].size = None;
        table.set_rows(rows);
        let order = |t: &TableView<Item>| t.visible().map(|(_, r)| r.id).collect::<Vec<_>>();
        assert_eq!(order(&table), vec![1, 3, 2]);
        table.reverse_sort();
        assert_eq!(order(&table), vec![3, 1, 2]);
    }

    #[test]
    fn the_viewport_follows_the_cursor() {
        let mut table = TableView::<Item>::new("id", false);
        table.set_rows(items(&(0..100).collect::<Vec<_>>()));
        table.set_viewport(10);
        table.page(true);
        assert_eq!(table.cursor(), 9);
        assert_eq!(table.offset(), 0);
        table.move_by(1);
        assert_eq!(table.offset(), 1);
        table.bottom();
        assert_eq!(table.cursor(), 99);
        assert_eq!(table.offset(), 90);
        assert_eq!(table.visible().count(), 10);
        table.top();
        assert_eq!(table.offset(), 0);
    }

    #[test]
    fn filtering_keeps_the_selection_when_it_still_matches() {
        let mut table = TableView::<Item>::new("id", false);
        table.set_rows(items(&[1, 2, 3, 4]));
        table.move_by(3);
        table.set_filter(Filter::parse("size>2"));
        assert_eq!(table.len(), 2);
        assert_eq!(table.selected().map(|r| r.id), Some(4));
    }
}
