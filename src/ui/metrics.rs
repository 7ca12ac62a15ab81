//! The Metrics pane: one heading, one sparkline and one marker line per series.
//!
//! Gaps (`NaN`) are drawn as `·`, infinities as `↑`/`↓` at the edge of the scale, and anomalies in
//! the anomaly style with `▲`/`▼` underneath, so none of them depends on colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::app::format::number;
use crate::app::rows::SeriesRow;
use crate::metrics::scale::{Bar, bars_excluding};

use super::layout::SERIES_LINES;
use super::text::fit;

const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn draw_metrics(buf: &mut Buffer, area: Rect, app: &App, focused: bool) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    if app.metrics.is_empty() {
        buf.set_line(
            area.x,
            area.y,
            &Line::styled(fit("no series", usize::from(area.width)), app.theme.muted),
            area.width,
        );
        return;
    }
    for (slot, (position, row)) in app.metrics.visible().enumerate() {
        let Ok(slot) = u16::try_from(slot) else { break };
        let y = area.y + slot * SERIES_LINES;
        if y + SERIES_LINES > area.y + area.height {
            break;
        }
        draw_series(
            buf,
            Rect {
                y,
                height: SERIES_LINES,
                ..area
            },
            app,
            row,
            focused && position == app.metrics.cursor(),
        );
    }
}

fn draw_series(buf: &mut Buffer, area: Rect, app: &App, row: &SeriesRow, selected: bool) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let series = &row.series;
    let range = crate::metrics::scale::finite_range(&series.values);

    let marker = if selected { "▶ " } else { "  " };
    let anomalies = match row.anomalies.len() {
        0 => String::new(),
        n => format!("  ▲ {n} anomal{}", if n == 1 { "y" } else { "ies" }),
    };
    let summary = match range {
        Some((low, high)) => format!(
            "{marker}{}  last {} {}  min {} max {}{anomalies}",
            series.title,
            number(row.last()),
            series.unit,
            number(Some(low)),
            number(Some(high))
        ),
        // Infinities are data too: an all-+Inf series says so rather than "no data".
        None if series.values.iter().any(|v| v.is_infinite()) => format!(
            "{marker}{}  last {} {}  no finite value{anomalies}",
            series.title,
            number(row.last()),
            series.unit
        ),
        None => format!("{marker}{}  no data", series.title),
    };
    let heading_style = if selected {
        theme.selected
    } else {
        theme.title
    };
    buf.set_line(
        area.x,
        area.y,
        &Line::styled(fit(&summary, width), heading_style),
        area.width,
    );

    // The newest samples that fit, right-aligned so "now" is always at the right edge.
    let start = series.values.len().saturating_sub(width);
    let shown = &series.values[start..];
    let outliers: Vec<usize> = row
        .anomalies
        .iter()
        .filter_map(|a| a.index.checked_sub(start))
        .collect();
    let scaled = bars_excluding(shown, 8, &outliers);
    let pad = width - shown.len();

    let mut spark: Vec<Span> = vec![Span::raw(" ".repeat(pad))];
    let mut marks: Vec<Span> = vec![Span::raw(" ".repeat(pad))];
    for (offset, bar) in scaled.iter().enumerate() {
        let index = start + offset;
        let anomaly = row.anomalies.iter().find(|a| a.index == index);
        let (glyph, style) = match bar {
            Bar::Gap => ('·', theme.sparkline_gap),
            Bar::ClippedHigh => ('↑', theme.anomaly),
            Bar::ClippedLow => ('↓', theme.anomaly),
            Bar::Level(level) => {
                let glyph = LEVELS[usize::try_from(*level).unwrap_or(8).min(8)];
                (
                    if glyph == ' ' { '▁' } else { glyph },
                    if anomaly.is_some() {
                        theme.anomaly
                    } else {
                        theme.sparkline
                    },
                )
            }
        };
        spark.push(Span::styled(glyph.to_string(), style));
        let mark = match anomaly {
            Some(found) if found.score > 0.0 => Span::styled("▲", theme.anomaly),
            Some(_) => Span::styled("▼", theme.anomaly),
            None => Span::raw(" "),
        };
        marks.push(mark);
    }
    buf.set_line(area.x, area.y + 1, &Line::from(spark), area.width);
    buf.set_line(area.x, area.y + 2, &Line::from(marks), area.width);
}
