//! The new-silence form: the matchers, one line each, then the duration with the end it gives,
//! who creates it, the comment, the live check and the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::action::Action;
use crate::app::App;
use crate::app::format::datetime;
use crate::app::silence::{SilenceField, SilenceForm};
use crate::keymap::Context;

use super::review::{centered, key_label, split_at_width};
use super::text::{fit, sanitize, truncate};

/// Width of the label column.
const LABEL: u16 = 14;
/// Width of a matcher's label name.
const NAME: u16 = 18;
/// Width of the duration field.
const DURATION: u16 = 12;
/// Lines the comment gets.
const COMMENT_ROWS: u16 = 4;

pub fn draw_silence_form(frame: &mut Frame<'_>, area: Rect, app: &App, form: &SilenceForm) {
    let theme = &app.theme;
    let width = (u32::from(area.width) * 9 / 10).clamp(60, 120) as u16;
    // Borders, the heading, the matchers, a gap, three fields, the comment, the check (up to
    // two lines), a gap and the keys.
    let matcher_rows = u16::try_from(form.matchers.len().max(1)).unwrap_or(u16::MAX);
    let wanted = 2 + 1 + matcher_rows + 1 + 2 + COMMENT_ROWS + 2 + 1 + 1;
    let rect = centered(area, width, wanted);
    let title = format!(
        " New silence · {} · to Alertmanager {} ",
        sanitize(&form.alert_name),
        sanitize(&form.alertmanager)
    );
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Line::styled(
            truncate(&title, usize::from(rect.width.saturating_sub(4))).into_owned(),
            theme.title_focused,
        ));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    if inner.height < 4 || inner.width <= LABEL + NAME + 8 {
        return;
    }
    let bottom = inner.y + inner.height;
    let row = |y: u16| Rect::new(inner.x, y, inner.width, 1);
    let mut y = inner.y;

    let label = |text: &str, focused: bool| -> Span<'static> {
        let text = format!(
            "{}{:<w$}",
            if focused { "▶ " } else { "  " },
            text,
            w = usize::from(LABEL) - 2
        );
        if focused {
            Span::styled(text, theme.header.add_modifier(Modifier::BOLD))
        } else {
            Span::styled(text, theme.header)
        }
    };

    frame.render_widget(
        Paragraph::new(Span::styled(
            fit(
                "Alerts with every one of these labels are silenced (a regex must match the whole \
                 value):",
                usize::from(inner.width),
            ),
            theme.muted,
        )),
        row(y),
    );
    y += 1;

    // The matchers that fit above the other fields, as a window that follows the focus.
    let reserved = 1 + 2 + COMMENT_ROWS + 2 + 1 + 1;
    let room = usize::from(bottom.saturating_sub(y).saturating_sub(reserved).max(1));
    let focused_matcher = form.focus.matcher().unwrap_or(0);
    let first = focused_matcher.saturating_sub(room.saturating_sub(1));
    if form.matchers.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "  no matcher: {} adds one",
                    key_label(app, Context::Edit, Action::AddMatcher)
                ),
                theme.error_text,
            )),
            row(y),
        );
        y += 1;
    }
    let value_x = inner.x + LABEL + NAME + 6;
    let value_width = inner.width.saturating_sub(LABEL + NAME + 6);
    for (index, matcher) in form.matchers.iter().enumerate().skip(first).take(room) {
        if y >= bottom {
            return;
        }
        let focused = form.focus.matcher() == Some(index);
        let mark = if form.matcher_problem(index).is_some() {
            "✗"
        } else {
            ""
        };
        frame.render_widget(
            Paragraph::new(label(&format!("matcher {}{mark}", index + 1), focused)),
            row(y),
        );
        frame.render_widget(&matcher.name, Rect::new(inner.x + LABEL, y, NAME, 1));
        let operator = matcher.operator_text();
        let operator_span = if form.focus == SilenceField::Operator(index) {
            Span::styled(
                format!("[{operator:^2}]"),
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            Span::raw(format!(" {operator:^2} "))
        };
        frame.render_widget(
            Paragraph::new(operator_span),
            Rect::new(inner.x + LABEL + NAME + 1, y, 4, 1),
        );
        frame.render_widget(&matcher.value, Rect::new(value_x, y, value_width, 1));
        y += 1;
    }
    if first + room < form.matchers.len() && y < bottom {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("  … {} more", form.matchers.len() - first - room),
                theme.muted,
            )),
            row(y),
        );
        y += 1;
    }
    y += 1;

    // The duration, with the end it gives or why it cannot be used.
    if y < bottom {
        frame.render_widget(
            Paragraph::new(label("duration", form.focus == SilenceField::Duration)),
            row(y),
        );
        frame.render_widget(&form.duration, Rect::new(inner.x + LABEL, y, DURATION, 1));
        let (text, style) = match form.duration_secs() {
            Ok(secs) => (
                format!(
                    "→ until {}",
                    datetime(
                        app.now
                            .checked_add(jiff::SignedDuration::from_secs(secs))
                            .unwrap_or(app.now)
                    )
                ),
                theme.muted,
            ),
            Err(reason) => (format!("✗ {reason}"), theme.error_text),
        };
        let note_x = inner.x + LABEL + DURATION + 1;
        let note_width = inner.width.saturating_sub(LABEL + DURATION + 1);
        frame.render_widget(
            Paragraph::new(Span::styled(fit(&text, usize::from(note_width)), style)),
            Rect::new(note_x, y, note_width, 1),
        );
        y += 1;
    }
    if y < bottom {
        frame.render_widget(
            Paragraph::new(label("created by", form.focus == SilenceField::CreatedBy)),
            row(y),
        );
        frame.render_widget(
            &form.created_by,
            Rect::new(inner.x + LABEL, y, inner.width - LABEL, 1),
        );
        y += 1;
    }

    // The comment takes what is left above the check and the keys.
    let comment_rows = bottom.saturating_sub(y + 4).min(COMMENT_ROWS);
    if comment_rows > 0 {
        frame.render_widget(
            Paragraph::new(label("comment", form.focus == SilenceField::Comment)),
            row(y),
        );
        frame.render_widget(
            &form.comment,
            Rect::new(inner.x + LABEL, y, inner.width - LABEL, comment_rows),
        );
        y += comment_rows;
    }

    // What the silence would do, or the first thing that stops it; two lines when needed.
    if y < bottom {
        let (text, style) = match &form.check {
            Ok(summary) => (format!("✓ {}", sanitize(summary)), theme.ok),
            Err(reason) => (format!("✗ {}", sanitize(reason)), theme.error_text),
        };
        let room = usize::from(inner.width);
        let (first_line, second) = split_at_width(&text, room);
        frame.render_widget(Paragraph::new(Span::styled(first_line, style)), row(y));
        y += 1;
        if !second.is_empty() && y + 1 < bottom {
            frame.render_widget(
                Paragraph::new(Span::styled(fit(&format!("  {second}"), room), style)),
                row(y),
            );
        }
    }

    let keys = format!(
        "{} send · {} close · {}/{} field · {}/{} operator · {} add, {} remove a matcher",
        key_label(app, Context::Edit, Action::Save),
        key_label(app, Context::Edit, Action::Back),
        key_label(app, Context::Edit, Action::NextField),
        key_label(app, Context::Edit, Action::PrevField),
        key_label(app, Context::Edit, Action::ChoicePrev),
        key_label(app, Context::Edit, Action::ChoiceNext),
        key_label(app, Context::Edit, Action::AddMatcher),
        key_label(app, Context::Edit, Action::RemoveMatcher),
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            fit(&keys, usize::from(inner.width)),
            theme.muted,
        )),
        row(bottom - 1),
    );
}
