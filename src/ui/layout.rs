//! Where each pane goes. Pure functions of the terminal size, shared by the renderer and by the
//! app (which needs to know how many rows each table shows, to scroll).

use ratatui::layout::{Constraint, Layout, Rect};

use crate::domain::PaneId;

/// Below this the console says the terminal is too small.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this size up all four panes are shown at once.
pub const GRID_WIDTH: u16 = 120;
pub const GRID_HEIGHT: u16 = 35;

/// Events the deployment strip at the bottom of the Alerts pane shows at least; a taller pane
/// gives it up to a third of its height.
pub const EVENT_LINES: u16 = 4;
/// Lines one series takes in the Metrics pane: a heading, the sparkline and the marker line.
pub const SERIES_LINES: u16 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenLayout {
    pub too_small: bool,
    /// Whether one pane fills the screen (zoomed, or the terminal is below the grid size).
    pub single: bool,
    /// The pane tabs line, shown when one pane fills the screen.
    pub tabs: Option<Rect>,
    pub panes: Vec<(PaneId, Rect)>,
    pub status: Rect,
}

pub fn screen(area: Rect, focus: PaneId, zoomed: bool) -> ScreenLayout {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return ScreenLayout {
            too_small: true,
            single: true,
            tabs: None,
            panes: Vec::new(),
            status: area,
        };
    }

    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let single = zoomed || area.width < GRID_WIDTH || area.height < GRID_HEIGHT;
    if single {
        let [tabs, pane] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        return ScreenLayout {
            too_small: false,
            single,
            tabs: Some(tabs),
            panes: vec![(focus, pane)],
            status,
        };
    }

    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(42), Constraint::Percentage(58)]).areas(body);
    let [alerts, metrics] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
    let [tasks, triage] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    ScreenLayout {
        too_small: false,
        single,
        tabs: None,
        panes: vec![
            (PaneId::Alerts, alerts),
            (PaneId::Metrics, metrics),
            (PaneId::Tasks, tasks),
            (PaneId::Triage, triage),
        ],
        status,
    }
}

/// The inside of a pane's border.
pub fn inner(area: Rect) -> Rect {
    Rect {
        x: area.x.saturating_add(1),
        y: area.y.saturating_add(1),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

/// Splits the inside of the Alerts pane into the alert table and the event strip (a heading and
/// its events). The table comes first: it keeps two thirds of the height, and the strip grows
/// beyond [`EVENT_LINES`] events only into the third left.
pub fn alerts_split(inner: Rect) -> (Rect, Option<Rect>) {
    if inner.height < EVENT_LINES + 6 {
        return (inner, None);
    }
    let events = (inner.height / 3).saturating_sub(1).max(EVENT_LINES);
    let [table, strip] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(events + 1)]).areas(inner);
    (table, Some(strip))
}

/// How many rows a pane's list shows: what the app scrolls by.
pub fn viewport_rows(pane: PaneId, area: Rect) -> usize {
    let inner = inner(area);
    let rows = match pane {
        PaneId::Alerts => alerts_split(inner).0.height.saturating_sub(1),
        PaneId::Metrics => inner.height / SERIES_LINES,
        PaneId::Tasks | PaneId::Triage => inner.height.saturating_sub(1),
    };
    usize::from(rows).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_strip_grows_with_the_pane_but_the_table_keeps_two_thirds() {
        let split = |height| {
            let (table, strip) = alerts_split(Rect::new(0, 0, 80, height));
            (table.height, strip.map(|strip| strip.height))
        };
        assert_eq!(split(9), (9, None));
        assert_eq!(split(10), (5, Some(5)));
        assert_eq!(split(17), (12, Some(5)));
        assert_eq!(split(36), (24, Some(12)));
        assert_eq!(split(60), (40, Some(20)));
    }

    #[test]
    fn every_size_gives_a_layout_without_overflow() {
        for width in [0, 1, 20, 59, 60, 80, 119, 120, 200, u16::MAX] {
            for height in [0, 1, 5, 14, 15, 24, 34, 35, 60, u16::MAX] {
                let area = Rect::new(0, 0, width, height);
                let layout = screen(area, PaneId::Tasks, false);
                for (pane, rect) in &layout.panes {
                    assert!(rect.right() <= area.right() && rect.bottom() <= area.bottom());
                    assert!(viewport_rows(*pane, *rect) >= 1);
                }
                assert_eq!(layout.too_small, width < MIN_WIDTH || height < MIN_HEIGHT);
            }
        }
    }

    #[test]
    fn the_grid_shows_four_panes_and_smaller_terminals_one() {
        assert_eq!(
            screen(Rect::new(0, 0, 120, 35), PaneId::Tasks, false)
                .panes
                .len(),
            4
        );
        let single = screen(Rect::new(0, 0, 100, 30), PaneId::Triage, false);
        assert_eq!(single.panes.len(), 1);
        assert_eq!(single.panes[0].0, PaneId::Triage);
        assert_eq!(
            screen(Rect::new(0, 0, 200, 60), PaneId::Alerts, true)
                .panes
                .len(),
            1
        );
    }
}
