//! Drawing a table: choosing the columns that fit, the header, and only the visible rows.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::table::{CellContext, Column, TableRow, TableView, Tone};

use super::text::{fit, fit_right};
use super::theme::Theme;

/// The columns that fit in `width` cells, in screen order, with their widths.
///
/// Columns are kept by priority (0 first); the flexible column takes what is left. A single space
/// separates columns.
pub fn fit_columns(columns: &[Column], width: u16) -> Vec<(usize, u16)> {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| (columns[i].priority, i));

    let mut kept: Vec<usize> = Vec::new();
    let mut used: u16 = 0;
    for index in order {
        let separator = u16::from(!kept.is_empty());
        let need = columns[index].width.saturating_add(separator);
        if used.saturating_add(need) > width {
            // The flexible column shrinks rather than vanish, while a few cells are left for it.
            let left = width.saturating_sub(used).saturating_sub(separator);
            if columns[index].flex && left >= 3 {
                used = width;
                kept.push(index);
                continue;
            }
            if columns[index].priority == 0 {
                continue;
            }
            break;
        }
        used = used.saturating_add(need);
        kept.push(index);
    }
    kept.sort_unstable();

    let spare = width.saturating_sub(used);
    let flex = kept.iter().position(|&i| columns[i].flex);
    kept.iter()
        .enumerate()
        .map(|(position, &i)| {
            let column = &columns[i];
            let own = if column.flex {
                column
                    .width
                    .min(width.saturating_sub(used_without(columns, &kept, i)))
            } else {
                column.width
            };
            let extra = if Some(position) == flex { spare } else { 0 };
            (i, own.saturating_add(extra))
        })
        .collect()
}

/// The cells taken by the kept columns other than `skip`, separators included.
fn used_without(columns: &[Column], kept: &[usize], skip: usize) -> u16 {
    let others: u16 = kept
        .iter()
        .filter(|&&i| i != skip)
        .map(|&i| columns[i].width)
        .sum();
    others.saturating_add(u16::try_from(kept.len().saturating_sub(1)).unwrap_or(u16::MAX))
}

pub fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::default(),
        Tone::Crit => theme.crit,
        Tone::Warn => theme.warn,
        Tone::Info => theme.info,
        Tone::Ok => theme.ok,
        Tone::Muted => theme.muted,
        Tone::Anomaly => theme.anomaly,
    }
}

/// Draws the header and the visible rows of `table` into `area`.
pub fn draw_table<R: TableRow>(
    buf: &mut Buffer,
    area: Rect,
    table: &TableView<R>,
    theme: &Theme,
    focused: bool,
    context: &CellContext,
    empty_note: &str,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let columns = R::columns();
    let fitted = fit_columns(columns, area.width);
    let sort = table.sort_column().name;

    let header: Vec<Span> = fitted
        .iter()
        .enumerate()
        .flat_map(|(position, &(i, width))| {
            let column = &columns[i];
            let arrow = if column.name == sort {
                if table.descending() { "↓" } else { "↑" }
            } else {
                ""
            };
            // The arrow is kept whole and the title cut before it, so the sort always shows.
            let room = usize::from(width).saturating_sub(super::text::width(arrow));
            let title = format!("{}{arrow}", super::text::truncate(column.title, room));
            let text = if column.align_right {
                fit_right(&title, usize::from(width))
            } else {
                fit(&title, usize::from(width))
            };
            let separator = (position > 0).then(|| Span::raw(" "));
            separator
                .into_iter()
                .chain(std::iter::once(Span::styled(text, theme.header)))
        })
        .collect();
    buf.set_line(area.x, area.y, &Line::from(header), area.width);

    if table.is_empty() {
        if area.height > 1 {
            // Rows hidden by the filter are not "no data": say which it is.
            let filtered = format!("{} rows, none matching the filter", table.total());
            let empty_note = if table.total() > 0 && !empty_note.contains("queue") {
                filtered.as_str()
            } else {
                empty_note
            };
            let note = fit(empty_note, usize::from(area.width));
            buf.set_line(
                area.x,
                area.y + 1,
                &Line::styled(note, theme.muted),
                area.width,
            );
        }
        return;
    }

    let rows_area = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    for (line, (position, row)) in table.visible().enumerate() {
        let Ok(offset) = u16::try_from(line) else {
            break;
        };
        if offset >= rows_area.height {
            break;
        }
        let selected = position == table.cursor();
        let spans: Vec<Span> = fitted
            .iter()
            .enumerate()
            .flat_map(|(index, &(i, width))| {
                let column = &columns[i];
                let (text, tone) = row.cell(column.name, context);
                let text = if column.flex && table.text_shift() > 0 {
                    super::text::skip_cells(&super::text::sanitize(&text), table.text_shift())
                } else {
                    text
                };
                let text = if column.align_right {
                    fit_right(&text, usize::from(width))
                } else {
                    fit(&text, usize::from(width))
                };
                let separator = (index > 0).then(|| Span::raw(" "));
                separator
                    .into_iter()
                    .chain(std::iter::once(Span::styled(text, tone_style(theme, tone))))
            })
            .collect();
        let mut line = Line::from(spans);
        if selected {
            line = line.style(if focused {
                theme.selected
            } else {
                theme.selected_unfocused
            });
        }
        buf.set_line(rows_area.x, rows_area.y + offset, &line, rows_area.width);
        if selected {
            let row_rect = Rect {
                y: rows_area.y + offset,
                height: 1,
                ..rows_area
            };
            buf.set_style(
                row_rect,
                if focused {
                    theme.selected
                } else {
                    theme.selected_unfocused
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn col(name: &'static str, width: u16, priority: u8, flex: bool) -> Column {
        Column {
            name,
            title: name,
            width,
            priority,
            flex,
            align_right: false,
        }
    }

    const COLUMNS: [Column; 4] = [
        col("id", 5, 0, false),
        col("name", 10, 0, true),
        col("site", 8, 2, false),
        col("user", 6, 1, false),
    ];

    #[test]
    fn narrow_tables_drop_low_priority_columns_and_the_flexible_column_fills() {
        assert_eq!(
            fit_columns(&COLUMNS, 60),
            vec![(0, 5), (1, 38), (2, 8), (3, 6)]
        );
        assert_eq!(fit_columns(&COLUMNS, 24), vec![(0, 5), (1, 11), (3, 6)]);
        assert_eq!(fit_columns(&COLUMNS, 16), vec![(0, 5), (1, 10)]);
        assert_eq!(fit_columns(&COLUMNS, 6), vec![(0, 5)]);
        assert_eq!(fit_columns(&COLUMNS, 10), vec![(0, 5), (1, 4)]);
        assert!(fit_columns(&COLUMNS, 0).is_empty());
    }

    #[test]
    fn fitted_widths_never_exceed_the_space() {
        for width in 0..80u16 {
            let fitted = fit_columns(&COLUMNS, width);
            let total: u16 =
                fitted.iter().map(|(_, w)| *w).sum::<u16>() + fitted.len().saturating_sub(1) as u16;
            assert!(total <= width, "width {width}: {fitted:?}");
        }
    }
}
