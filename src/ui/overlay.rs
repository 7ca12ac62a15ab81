//! Overlays: the help screen, generated from the live keymap, and the detail view of a row.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::domain::PaneId;

use super::text::sanitize;

/// A centred rectangle of the given share of `area`, never outside it.
fn centered(area: Rect, width_pct: u16, height_pct: u16) -> Rect {
    let width = (u32::from(area.width) * u32::from(width_pct) / 100) as u16;
    let height = (u32::from(area.height) * u32::from(height_pct) / 100) as u16;
    let width = width.max(area.width.min(40));
    let height = height.max(area.height.min(10));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

pub fn draw_help(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: u16) {
    let lines = help_lines(app);
    draw_box(
        frame,
        area,
        app,
        " Help · keys from the active keymap ".to_string(),
        lines,
        scroll,
    );
}

/// The lines of the help screen, generated from the live keymap.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines: Vec<Line> = Vec::new();
    for (context, bindings) in app.keymap.help_sections() {
        lines.push(Line::styled(
            format!("{} keys", context.name()),
            theme.header,
        ));
        for (action, keys) in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<20}", keys.join(", ")), theme.help_key),
                Span::raw(action.describe()),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("commands (after :)", theme.header));
    for (usage, what) in [
        ("alerts|tasks|triage|metrics", "focus a pane"),
        (
            "filter <terms>",
            "field=value, field!=value, field>n, field<n, words; empty clears",
        ),
        (
            "sort <column> [asc|desc]",
            "sort the focused pane (Tab completes columns)",
        ),
        ("theme <name>", "switch theme"),
        (
            "queue <name>",
            "show a part of the Triage queue (tab lists them: unreviewed, known, …)",
        ),
        ("undo", "take back the last Triage decision (asks first)"),
        (
            "sources",
            "every source of every pane, with its whole state and reason",
        ),
        ("zoom, help, refresh, quit", "as the keys"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {usage:<30}"), theme.help_key),
            Span::raw(what),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Every time shown is UTC. ctrl-z suspends; fg resumes.",
        theme.muted,
    ));
    lines.push(Line::styled(
        "Pasted text goes into the filter, the command line or the edit form as text.",
        theme.muted,
    ));
    lines.push(Line::styled(
        "In tmux, `set -sg escape-time 10` makes Esc answer at once.",
        theme.muted,
    ));
    lines
}

pub fn draw_sources(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: u16) {
    let lines = source_lines(app);
    draw_box(frame, area, app, " Sources ".to_string(), lines, scroll);
}

/// Each pane's sources with their whole health: a title cuts a long reason, this never does.
pub fn source_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    for pane in PaneId::ALL {
        lines.push(Line::styled(pane.title().to_string(), theme.header));
        match app.health.get(&pane) {
            Some(sources) if !sources.is_empty() => {
                for (name, health) in sources {
                    let text = super::health_text(name, health, app.now);
                    lines.push(Line::styled(
                        format!("  {}", text.trim_start()),
                        super::health_style(app, health),
                    ));
                }
            }
            _ => lines.push(Line::styled("  no source has reported yet", theme.muted)),
        }
        lines.push(Line::raw(""));
    }
    lines
}

/// A centred box over the panes with a title and scrollable, wrapped lines.
fn draw_box(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    title: String,
    lines: Vec<Line<'_>>,
    scroll: u16,
) {
    let theme = &app.theme;
    let rect = centered(area, 80, 80);
    let last_line = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(1);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title_focused));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(last_line), 0)),
        rect,
    );
}

pub fn draw_detail(frame: &mut Frame<'_>, area: Rect, app: &App, pane: PaneId, scroll: u16) {
    let theme = &app.theme;
    let fields = app.details(pane);
    let label_width = fields
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let lines: Vec<Line> = fields
        .iter()
        .map(|(key, value)| {
            Line::from(vec![
                Span::styled(format!("{:<label_width$}  ", sanitize(key)), theme.header),
                Span::raw(sanitize(value).into_owned()),
            ])
        })
        .collect();

    let title = format!(" {} · detail ", sanitize(&app.detail_title(pane)));
    draw_box(frame, area, app, title, lines, scroll);
}
