//! Drawing. Reads the app state, never changes it, never awaits.
//!
//! Only the rows on screen are formatted; every string from a source goes through
//! [`text::sanitize`] (inside [`text::fit`] or before a paragraph) on its way to a cell.

pub mod layout;
pub mod metrics;
pub mod overlay;
mod review;
mod silence;
pub mod table;
pub mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::action::Action;
use crate::app::format::{clock, event_time};
use crate::app::{AlertsView, App, InputKind, Overlay};
use crate::domain::{PaneId, SourceHealth};
use crate::keymap::Context;

use self::text::{fit, sanitize};

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    // The theme's base style (its background, for themes that set one) under everything.
    frame.render_widget(Block::default().style(app.theme.base), area);
    let screen = layout::screen(area, app.focus, app.zoomed);
    if screen.too_small {
        draw_too_small(frame, area, app);
        return;
    }

    if let Some(tabs) = screen.tabs {
        draw_tabs(frame, tabs, app);
    }
    for (pane, rect) in &screen.panes {
        draw_pane(frame, *pane, *rect, app);
    }
    draw_status(frame, screen.status, app);

    match app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => overlay::draw_help(frame, area, app, scroll),
        Overlay::Detail { pane, scroll } => overlay::draw_detail(frame, area, app, pane, scroll),
        Overlay::Sources { scroll } => overlay::draw_sources(frame, area, app, scroll),
    }
    if let Some(form) = &app.edit {
        review::draw_edit(frame, area, app, form);
    }
    if let Some(form) = &app.silence_form {
        silence::draw_silence_form(frame, area, app, form);
    }
    if let Some(dialog) = &app.dialog {
        review::draw_dialog(frame, area, app, dialog);
    }
}

fn draw_too_small(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let message = format!(
        "terminal too small: {}x{}, pandaops needs at least {}x{}",
        area.width,
        area.height,
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT
    );
    let paragraph = Paragraph::new(message)
        .style(app.theme.warn)
        .wrap(Wrap { trim: true });
    frame.render_widget(paragraph, area);
}

fn draw_tabs(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let mut spans = Vec::new();
    for pane in PaneId::ALL {
        let label = format!("{} {}", pane.index() + 1, pane.title());
        if pane == app.focus {
            spans.push(Span::styled(
                format!("[{label}]"),
                app.theme.title_focused.add_modifier(Modifier::BOLD),
            ));
        } else {
            spans.push(Span::styled(format!(" {label} "), app.theme.muted));
        }
        spans.push(Span::raw(" "));
    }
    if app.zoomed {
        spans.push(Span::styled("zoomed", app.theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A pane's title: its number and name and the row count, then the filter, then the sort, each
/// added only while it fits in `room` cells.
fn pane_title(app: &App, pane: PaneId, room: usize) -> String {
    let silences = pane == PaneId::Alerts && app.alerts_view == AlertsView::Silences;
    let (shown, total, sort, descending) = match pane {
        PaneId::Alerts if silences => (
            app.silences.len(),
            app.silences.total(),
            app.silences.sort_column().name,
            app.silences.descending(),
        ),
        PaneId::Alerts => (
            app.alerts.len(),
            app.alerts.total(),
            app.alerts.sort_column().name,
            app.alerts.descending(),
        ),
        PaneId::Tasks => (
            app.tasks.len(),
            app.tasks.total(),
            app.tasks.sort_column().name,
            app.tasks.descending(),
        ),
        PaneId::Triage => (
            app.triage.len(),
            app.triage.total(),
            app.triage.sort_column().name,
            app.triage.descending(),
        ),
        PaneId::Metrics => (
            app.metrics.len(),
            app.metrics.total(),
            app.metrics.sort_column().name,
            app.metrics.descending(),
        ),
    };
    let count = if shown == total {
        total.to_string()
    } else {
        format!("{shown}/{total}")
    };
    let noun = match pane {
        PaneId::Alerts if silences => " silences",
        PaneId::Triage => " groups",
        PaneId::Metrics => " series",
        _ => "",
    };
    let mut title = format!(" {} {} {count}{noun} ", pane.index() + 1, pane.title());
    if pane == PaneId::Triage && app.triage_grouping {
        title.push_str("… grouping ");
    }
    if pane == PaneId::Triage
        && let crate::app::JournalStatus::Failed(reason) = &app.journal
    {
        // "locked by pid 42 on host gw1 since …" is what the operator needs; the path is not.
        let holder = reason
            .find("locked by ")
            .map(|at| &reason[at..])
            .map(|rest| rest.split(';').next().unwrap_or(rest));
        match holder {
            Some(holder) => title.push_str(&format!("· READ-ONLY, {} ", sanitize(holder))),
            None => title.push_str("· READ-ONLY "),
        }
    }
    if pane == PaneId::Triage && app.queue != crate::app::Queue::All {
        title.push_str(&format!("· queue {} ", app.queue.name()));
    }
    let filter = app.filter_text(pane);
    if !filter.is_empty() {
        let part = format!("/{} ", sanitize(&filter));
        let left = room.saturating_sub(text::width(&title));
        title.push_str(&text::truncate(&part, left.max(4)));
    }
    // The model's state comes after the filter and only when it fits: the filter matters more.
    let model = match (&app.model, pane) {
        (crate::app::ModelStatus::Loading(note), PaneId::Tasks) => format!("… {} ", sanitize(note)),
        (crate::app::ModelStatus::Ready(info), PaneId::Tasks) if info.simulated => {
            "· model: simulated data ".to_string()
        }
        (crate::app::ModelStatus::Ready(_), PaneId::Tasks) => "· model ready ".to_string(),
        (crate::app::ModelStatus::Failed(_), PaneId::Tasks) => "· no model ".to_string(),
        _ => String::new(),
    };
    if text::width(&title) + text::width(&model) <= room {
        title.push_str(&model);
    }
    let sort = format!("· {sort}{} ", if descending { "↓" } else { "↑" });
    if text::width(&title) + text::width(&sort) <= room {
        title.push_str(&sort);
    }
    title
}

/// A source's health in words and a symbol, so it never depends on colour.
pub fn health_text(name: &str, health: &SourceHealth, now: jiff::Timestamp) -> String {
    let name = sanitize(name);
    match health {
        SourceHealth::Loading { progress: None } => format!("{name} … loading"),
        SourceHealth::Loading {
            progress: Some(progress),
        } => format!("{name} … loading {}", sanitize(progress)),
        SourceHealth::Fresh { at, note: None } => format!("{name} ● fresh {}", clock(*at)),
        SourceHealth::Fresh {
            at,
            note: Some(note),
        } => format!("{name} ● fresh {} · {}", clock(*at), sanitize(note)),
        SourceHealth::Stale {
            since,
            reason,
            retry_at,
        } => {
            let retry = retry_at
                .map(|at| {
                    format!(
                        ", retrying in {}s",
                        (at.as_second() - now.as_second()).max(0)
                    )
                })
                .unwrap_or_default();
            format!(
                "{name} ▲ STALE since {} UTC: {}{retry}",
                clock(*since),
                sanitize(reason)
            )
        }
        SourceHealth::Failing { reason } => format!("{name} ✖ FAILING: {}", sanitize(reason)),
        SourceHealth::Unconfigured => {
            "○ no source configured (see config.example.toml)".to_string()
        }
    }
}

pub(crate) fn health_style(app: &App, health: &SourceHealth) -> Style {
    match health {
        SourceHealth::Loading { .. } | SourceHealth::Unconfigured => app.theme.loading,
        SourceHealth::Fresh { .. } => app.theme.ok,
        SourceHealth::Stale { .. } => app.theme.stale,
        SourceHealth::Failing { .. } => app.theme.failing,
    }
}

/// Worse health ranks higher; a pane with several sources shows its worst in the border colour.
fn health_rank(health: &SourceHealth) -> u8 {
    match health {
        SourceHealth::Fresh { .. } | SourceHealth::Unconfigured => 0,
        SourceHealth::Loading { .. } => 1,
        SourceHealth::Stale { .. } => 2,
        SourceHealth::Failing { .. } => 3,
    }
}

fn draw_pane(frame: &mut Frame<'_>, pane: PaneId, area: Rect, app: &App) {
    let focused = pane == app.focus;
    let theme = &app.theme;

    // The health goes on the right and gets at most half the border; the pane's own title takes
    // the rest, so the two never overlap.
    let border = usize::from(area.width.saturating_sub(2));
    let healths = app.pane_health(pane);
    let (health_line, health_style) = match healths.as_slice() {
        [] => (" no source ".to_string(), theme.muted),
        // One source: its name is left out, as the status line says where the data comes from.
        [(_, health)] => (
            format!(" {} ", health_text("", health, app.now).trim_start()),
            health_style(app, health),
        ),
        many => {
            let worst = many
                .iter()
                .map(|(_, h)| *h)
                .max_by_key(|h| health_rank(h))
                .unwrap_or(many[0].1);
            let joined: Vec<String> = many
                .iter()
                .map(|(name, health)| health_text(name, health, app.now))
                .collect();
            (
                format!(" {} ", joined.join(" │ ")),
                health_style(app, worst),
            )
        }
    };
    let health_line = text::truncate(&health_line, border / 2).into_owned();
    let room = border.saturating_sub(text::width(&health_line) + 1);
    let title = text::truncate(&pane_title(app, pane, room), room).into_owned();

    let block = Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Line::styled(
            title,
            if focused {
                theme.title_focused
            } else {
                theme.title
            },
        ))
        .title_top(Line::styled(health_line, health_style).right_aligned());
    frame.render_widget(block, area);

    let inner = layout::inner(area);
    let context = app.cell_context();
    let buf = frame.buffer_mut();
    match pane {
        PaneId::Alerts => {
            let (table_area, events_area) = layout::alerts_split(inner);
            match app.alerts_view {
                AlertsView::Alerts => table::draw_table(
                    buf,
                    table_area,
                    &app.alerts,
                    theme,
                    focused,
                    &context,
                    "no alerts",
                ),
                AlertsView::Silences => {
                    let empty = match app
                        .keymap
                        .first_key_label(Context::Table, Action::NewSilence)
                    {
                        Some(key) => format!("no silences ({key} on an alert creates one)"),
                        None => "no silences".to_string(),
                    };
                    table::draw_table(
                        buf,
                        table_area,
                        &app.silences,
                        theme,
                        focused,
                        &context,
                        &empty,
                    )
                }
            }
            if let Some(events_area) = events_area {
                draw_events(buf, events_area, app);
            }
        }
        PaneId::Tasks => {
            table::draw_table(buf, inner, &app.tasks, theme, focused, &context, "no tasks")
        }
        PaneId::Triage => {
            let empty = if app.triage_grouping {
                "grouping failed and holding jobs…".to_string()
            } else if app.triage.total() > 0 {
                format!(
                    "{} groups, none in queue {} matching the filter (v or :queue all)",
                    app.triage.total(),
                    app.queue.name()
                )
            } else {
                "no failed or holding jobs".to_string()
            };
            table::draw_table(buf, inner, &app.triage, theme, focused, &context, &empty)
        }
        PaneId::Metrics => metrics::draw_metrics(buf, inner, app, focused),
    }
}

/// "panda-server@master upgrade on aipanda123 by jdoe (1a2b3c4d)", leaving out the parts an
/// event lacks rather than printing them empty.
pub fn event_words(event: &crate::domain::DeploymentEvent) -> String {
    let mut text = event.component.clone();
    if !event.branch.is_empty() {
        text.push('@');
        text.push_str(&event.branch);
    }
    text.push_str(" upgrade");
    if !event.host.is_empty() {
        text.push_str(" on ");
        text.push_str(&event.host);
    }
    if !event.user.is_empty() {
        text.push_str(" by ");
        text.push_str(&event.user);
    }
    if let Some(commit) = event.commit.as_deref().filter(|c| !c.is_empty()) {
        text.push_str(&format!(
            " ({})",
            commit.chars().take(8).collect::<String>()
        ));
    }
    text
}

fn draw_events(buf: &mut ratatui::buffer::Buffer, area: Rect, app: &App) {
    let width = usize::from(area.width);
    let heading = format!("Deployments ({})", app.events.len());
    buf.set_line(
        area.x,
        area.y,
        &Line::styled(fit(&heading, width), app.theme.header),
        area.width,
    );
    for (line, event) in app
        .events
        .iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        let Ok(offset) = u16::try_from(line + 1) else {
            break;
        };
        let text = format!("{} {}", event_time(app.now, event.at), event_words(event));
        buf.set_line(
            area.x,
            area.y + offset,
            &Line::raw(fit(&text, width)),
            area.width,
        );
    }
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.theme;
    if let Some(input) = &app.input {
        let prompt = match input.kind {
            InputKind::Filter(pane) => format!("/{} ", pane.title().to_lowercase()),
            InputKind::Command => ":".to_string(),
        };
        let prompt_width = u16::try_from(text::width(&prompt))
            .unwrap_or(area.width)
            .min(area.width);
        frame.render_widget(
            Paragraph::new(Span::styled(prompt, theme.command)),
            Rect {
                width: prompt_width,
                ..area
            },
        );
        // Completion candidates and errors show at the right while typing.
        let note = app.status.as_ref().map(|message| {
            let room = usize::from(area.width.saturating_sub(prompt_width)) / 2;
            let text = text::truncate(&format!(" {} ", sanitize(&message.text)), room).into_owned();
            (
                text,
                if message.is_error {
                    theme.error_text
                } else {
                    theme.status_bar
                },
            )
        });
        let note_width = note
            .as_ref()
            .map_or(0, |(text, _)| u16::try_from(text::width(text)).unwrap_or(0));
        let field = Rect {
            x: area.x + prompt_width,
            width: area
                .width
                .saturating_sub(prompt_width)
                .saturating_sub(note_width),
            ..area
        };
        if let Some((text, style)) = note {
            frame.render_widget(
                Paragraph::new(Span::styled(text, style)),
                Rect {
                    x: field.x + field.width,
                    width: note_width,
                    ..area
                },
            );
        }
        let mut textarea = input.text.clone();
        textarea.set_style(theme.input);
        textarea.set_cursor_line_style(Style::default());
        frame.render_widget(&textarea, field);
        return;
    }

    let mut right = String::new();
    // Said at all times, so an operator never wonders why a key refuses.
    if app.read_only {
        right.push_str("READ-ONLY ");
    }
    if app.simulated {
        if !right.is_empty() {
            right.push_str("· ");
        }
        right.push_str("DEMO · simulated data ");
    }
    if app.show_clock {
        if !right.is_empty() {
            right.push_str("· ");
        }
        right.push_str(&format!("{} UTC ", clock(app.now)));
    }
    let right_width = u16::try_from(text::width(&right))
        .unwrap_or(0)
        .min(area.width);
    let left_width = area.width - right_width;

    let left = match &app.status {
        Some(message) => Line::styled(
            fit(&format!(" {}", message.text), usize::from(left_width)),
            if message.is_error {
                theme.error_text
            } else {
                theme.status_bar
            },
        ),
        None => Line::styled(
            fit(
                &hints(app, usize::from(left_width)),
                usize::from(left_width),
            ),
            theme.status_bar,
        ),
    };
    frame.render_widget(
        Paragraph::new(left),
        Rect {
            width: left_width,
            ..area
        },
    );
    frame.render_widget(
        Paragraph::new(Span::styled(right, theme.status_bar)).alignment(Alignment::Right),
        Rect {
            x: area.x + left_width,
            width: right_width,
            ..area
        },
    );
}

/// Key hints for the status line, from the live keymap.
/// The key hints that fit in `width` cells. Help and quit are always kept, so a newcomer on a
/// narrow terminal still learns how to find the rest and how to leave; the others are kept in
/// order (the pane's own keys first) while they fit.
fn hints(app: &App, width: usize) -> String {
    let hint = |context: Context, action: Action, label: &str| {
        app.keymap
            .first_key_label(context, action)
            .map(|key| format!("{key} {label}"))
    };
    // A key that changes something is not offered where read-only mode refuses it.
    let change = |action: Action, label: &str| {
        if app.read_only {
            None
        } else {
            hint(Context::Table, action, label)
        }
    };
    // In Triage its own keys come first, so a narrow terminal still shows them.
    let mut parts: Vec<String> = Vec::new();
    if app.focus == PaneId::Alerts {
        let view = match app.alerts_view {
            AlertsView::Alerts => "silences",
            AlertsView::Silences => "alerts",
        };
        parts.extend(
            [
                change(Action::NewSilence, "silence"),
                change(Action::ExpireSilence, "expire"),
                hint(Context::Table, Action::QueueNext, view),
            ]
            .into_iter()
            .flatten(),
        );
    }
    if app.focus == PaneId::Triage {
        parts.extend(
            [
                change(Action::Confirm, "confirm"),
                change(Action::Reject, "reject"),
                change(Action::Edit, "edit"),
                change(Action::BulkApply, "bulk"),
                change(Action::Undo, "undo"),
                hint(Context::Table, Action::QueueNext, "queue"),
            ]
            .into_iter()
            .flatten(),
        );
    }
    parts.extend(
        [
            hint(Context::Global, Action::Help, "help"),
            hint(Context::Global, Action::Command, "command"),
            hint(Context::Table, Action::Filter, "filter"),
            hint(Context::Table, Action::Open, "detail"),
            hint(Context::Table, Action::SortNext, "sort"),
        ]
        .into_iter()
        .flatten(),
    );
    let help = hint(Context::Global, Action::Help, "help");
    let quit = hint(Context::Global, Action::Quit, "quit");
    parts.extend(hint(Context::Global, Action::FocusNext, "next pane"));
    parts.extend(quit.clone());
    let kept_always = |part: &String| Some(part) == help.as_ref() || Some(part) == quit.as_ref();
    // Two spaces lead and separate every hint.
    let cost = |part: &String| text::width(part) + 2;
    let mut room = width.saturating_sub(parts.iter().filter(|p| kept_always(p)).map(cost).sum());
    // Once one hint does not fit, the later (less important) ones are left out too.
    let mut full = false;
    let shown: Vec<&String> = parts
        .iter()
        .filter(|part| {
            if kept_always(part) {
                return true;
            }
            full |= cost(part) > room;
            if !full {
                room -= cost(part);
            }
            !full
        })
        .collect();
    shown.iter().map(|part| format!("  {part}")).collect()
}
