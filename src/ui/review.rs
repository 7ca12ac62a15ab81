//! The Triage edit form and the dialogs (undo, bulk apply, discard a draft, send or expire a
//! silence).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::action::Action;
use crate::app::edit::{
    CLASSES, EditForm, Field, MAX_DESCRIPTION_BYTES, PERMANENCES, RETRY_CHOICES, retry_name,
};
use crate::app::{App, Dialog};
use crate::keymap::Context;
use crate::triage::diag_regex::MAX_REGEX_BYTES;

use super::text::{fit, sanitize, width};

/// Width of the label column of the form.
const LABEL: u16 = 20;

/// A centred rectangle of at most `width` x `height` cells inside `area`.
pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

pub(super) fn key_label(app: &App, context: Context, action: Action) -> String {
    app.keymap
        .first_key_label(context, action)
        .unwrap_or_else(|| format!("({} unbound)", action.name()))
}

pub fn draw_edit(frame: &mut Frame<'_>, area: Rect, app: &App, form: &EditForm) {
    let theme = &app.theme;
    let width = (u32::from(area.width) * 9 / 10).clamp(58, 140) as u16;
    let rect = centered(area, width, 18);
    let title = format!(
        " Edit {} · {} jobs · from {} ",
        sanitize(&form.key),
        form.jobs,
        sanitize(&form.origin)
    );
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Line::styled(
            super::text::truncate(&title, usize::from(rect.width.saturating_sub(4))),
            theme.title_focused,
        ));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    if inner.height < 3 || inner.width <= LABEL + 4 {
        return;
    }

    let value_width = inner.width - LABEL;
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let row = |y: u16| Rect::new(inner.x, y, inner.width, 1);
    let value_rect = |y: u16, height: u16| Rect::new(inner.x + LABEL, y, value_width, height);

    // What the group is, for reference.
    let pattern = if form.pattern.is_empty() {
        "(no diagnostic)".to_string()
    } else {
        form.pattern.clone()
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!("{:<w$}", "pattern", w = usize::from(LABEL)),
                theme.muted,
            ),
            Span::styled(fit(&pattern, usize::from(value_width)), theme.muted),
        ])),
        row(y),
    );
    y += 2;

    let label = |field: Field| -> Span<'static> {
        let focused = form.focus == field;
        let text = format!(
            "{}{:<w$}",
            if focused { "▶ " } else { "  " },
            field.label(),
            w = usize::from(LABEL) - 2
        );
        if focused {
            Span::styled(text, theme.header.add_modifier(Modifier::BOLD))
        } else {
            Span::styled(text, theme.header)
        }
    };
    let chosen = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);

    // The three choices: every option shown, the chosen one bracketed and reversed.
    let choice_line = |field: Field, options: Vec<(String, bool)>| -> Line<'static> {
        let mut spans = vec![label(field)];
        for (text, selected) in options {
            if selected {
                spans.push(Span::styled(format!("[{text}]"), chosen));
            } else {
                spans.push(Span::styled(format!(" {text} "), theme.muted));
            }
            spans.push(Span::raw(" "));
        }
        Line::from(spans)
    };
    let lines = [
        choice_line(
            Field::Class,
            CLASSES
                .iter()
                .map(|c| (c.as_str().to_string(), *c == form.class))
                .collect(),
        ),
        choice_line(
            Field::Permanence,
            PERMANENCES
                .iter()
                .map(|p| (p.as_str().to_string(), *p == form.permanence))
                .collect(),
        ),
        {
            // Seven actions do not fit side by side: the chosen one with arrows around it.
            let action = RETRY_CHOICES.get(form.retry).copied().flatten();
            Line::from(vec![
                label(Field::Retry),
                Span::styled(format!("◂ {} ▸", retry_name(action)), chosen),
                Span::styled(
                    format!("  {}/{}", form.retry + 1, RETRY_CHOICES.len()),
                    theme.muted,
                ),
            ])
        },
    ];
    for line in lines {
        if y >= bottom {
            return;
        }
        frame.render_widget(Paragraph::new(line), row(y));
        y += 1;
    }

    // Max attempts: only for limit_retry.
    if y < bottom {
        frame.render_widget(Paragraph::new(label(Field::MaxAttempt)), row(y));
        if form.is_limit_retry() {
            frame.render_widget(&form.max_attempt, value_rect(y, 1));
        } else {
            frame.render_widget(
                Paragraph::new(Span::styled("— (limit_retry only)", theme.muted)),
                value_rect(y, 1),
            );
        }
        y += 1;
    }
    for (field, area) in [
        (Field::Description, &form.description),
        (Field::Regex, &form.regex),
    ] {
        if y >= bottom {
            return;
        }
        frame.render_widget(Paragraph::new(label(field)), row(y));
        frame.render_widget(area, value_rect(y, 1));
        y += 1;
    }

    // The live check of the regex, and the sizes the database's columns allow.
    if y < bottom {
        let sizes = format!(
            "regex {}/{MAX_REGEX_BYTES} B · description {}/{MAX_DESCRIPTION_BYTES} B",
            form.regex_text().len(),
            form.description.lines().first().map_or(0, String::len)
        );
        let (text, style) = match &form.check {
            Ok(coverage) => {
                let clean = coverage.matched_members == coverage.total_members
                    && coverage.matched_siblings == 0;
                let mark = if clean { "✓" } else { "!" };
                let siblings = if form.sibling_groups == 0 {
                    "no sibling groups".to_string()
                } else {
                    format!(
                        "{}/{} of {} sibling group(s)",
                        coverage.matched_siblings,
                        form.siblings.len(),
                        form.sibling_groups
                    )
                };
                (
                    format!(
                        "{mark} matches {}/{} of this group · {siblings} · {sizes}",
                        coverage.matched_members, coverage.total_members
                    ),
                    if clean { theme.ok } else { theme.warn },
                )
            }
            Err(reason) => (
                format!("✗ {} · {sizes}", sanitize(reason)),
                theme.error_text,
            ),
        };
        // Two lines when one is not enough: nothing of the check may be cut off.
        let room = usize::from(value_width);
        let (first, second) = split_at_width(&text, room);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(first, style))),
            value_rect(y, 1),
        );
        y += 1;
        if !second.is_empty() && y < bottom {
            frame.render_widget(
                Paragraph::new(Line::from(Span::styled(fit(&second, room), style))),
                value_rect(y, 1),
            );
            y += 1;
        }
    }

    // The note takes what is left above the key line.
    let note_rows = bottom.saturating_sub(y + 2).min(5);
    if note_rows > 0 {
        frame.render_widget(Paragraph::new(label(Field::Note)), row(y));
        frame.render_widget(&form.note, value_rect(y, note_rows));
        y += note_rows;
    }

    let keys = format!(
        "{} save decision · {} close (edits kept as a draft) · {}/{} field · {}/{} change choice",
        key_label(app, Context::Edit, Action::Save),
        key_label(app, Context::Edit, Action::Back),
        key_label(app, Context::Edit, Action::NextField),
        key_label(app, Context::Edit, Action::PrevField),
        key_label(app, Context::Edit, Action::ChoicePrev),
        key_label(app, Context::Edit, Action::ChoiceNext),
    );
    let last = bottom.saturating_sub(1);
    if last > y {
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(&keys, usize::from(inner.width)),
                theme.muted,
            )),
            row(last),
        );
    }
}

pub fn draw_dialog(frame: &mut Frame<'_>, area: Rect, app: &App, dialog: &Dialog) {
    let theme = &app.theme;
    let yes = key_label(app, Context::Dialog, Action::Yes);
    let no = key_label(app, Context::Dialog, Action::No);
    let (title, mut lines, footer): (String, Vec<Line>, String) = match dialog {
        Dialog::Undo { targets, lines } => {
            let mut body: Vec<Line> = vec![Line::raw(if targets.len() == 1 {
                "Take back this decision? The journal keeps it, marked undone.".to_string()
            } else {
                format!(
                    "Take back these {} decisions? The journal keeps them, marked undone.",
                    targets.len()
                )
            })];
            body.push(Line::raw(""));
            body.extend(lines.iter().map(|l| Line::raw(sanitize(l).into_owned())));
            if targets.len() > lines.len() {
                body.push(Line::styled(
                    format!("… and {} more", targets.len() - lines.len()),
                    theme.muted,
                ));
            }
            (
                " Undo ".to_string(),
                body,
                format!("{yes} undo · {no} keep"),
            )
        }
        Dialog::Quit { unsaved, reason } => (
            " Quit? ".to_string(),
            vec![
                Line::styled(
                    format!(
                        "{unsaved} decision(s) are NOT saved: the journal refused them ({}).",
                        sanitize(reason)
                    ),
                    theme.error_text,
                ),
                Line::raw("Quitting now loses them. Press c or x on them again to retry saving."),
            ],
            format!("{yes} quit and lose them · {no} stay"),
        ),
        Dialog::NewSilence {
            alertmanager,
            lines,
            ..
        } => {
            let mut body = vec![
                Line::raw(format!(
                    "Create this silence on Alertmanager \"{}\"?",
                    sanitize(alertmanager)
                )),
                Line::raw(""),
            ];
            body.extend(lines.iter().map(|l| Line::raw(sanitize(l).into_owned())));
            (
                " Send silence ".to_string(),
                body,
                format!("{yes} send · {no} back to the form"),
            )
        }
        Dialog::ExpireSilence {
            alertmanager,
            id,
            lines,
        } => {
            let mut body = vec![
                Line::raw(format!(
                    "Expire silence {} on Alertmanager \"{}\" now?",
                    sanitize(id),
                    sanitize(alertmanager)
                )),
                Line::raw(""),
            ];
            body.extend(lines.iter().map(|l| Line::raw(sanitize(l).into_owned())));
            (
                " Expire silence ".to_string(),
                body,
                format!("{yes} expire · {no} keep it"),
            )
        }
        Dialog::DiscardDraft { key, .. } => (
            " Discard draft ".to_string(),
            vec![Line::raw(format!(
                "Discard the draft of {}? Its edits are lost.",
                sanitize(key)
            ))],
            format!("{yes} discard · {no} keep"),
        ),
        Dialog::Bulk {
            from_key,
            summary,
            candidates,
            selected,
        } => {
            let included = candidates.iter().filter(|c| c.include).count();
            let mut body = vec![
                Line::raw(format!("Apply {}", sanitize(summary))),
                Line::raw(format!(
                    "from {} to {included} of {} undecided similar group(s):",
                    sanitize(from_key),
                    candidates.len()
                )),
                Line::styled(
                    "Each gets its own ERROR_DIAG regex and description.".to_string(),
                    theme.muted,
                ),
                Line::raw(""),
            ];
            // Patterns that start alike differ later: past a long shared start, show their tails.
            let shared = shared_start(candidates.iter().map(|c| c.pattern.as_str()));
            let skip = shared.saturating_sub(8);
            let shown_pattern = |pattern: &str| -> String {
                if skip > 16 {
                    format!("…{}", pattern.chars().skip(skip).collect::<String>())
                } else {
                    pattern.to_string()
                }
            };
            // A window of the list around the selection.
            let room = usize::from(area.height.saturating_sub(12)).max(3);
            let start = selected.saturating_sub(room.saturating_sub(1));
            for (index, candidate) in candidates.iter().enumerate().skip(start).take(room) {
                let mark = if candidate.include { "[x]" } else { "[ ]" };
                let text = format!(
                    "{mark} {:<16} {:>6} jobs  {:<19} {}",
                    sanitize(&candidate.key),
                    candidate.jobs,
                    candidate.why,
                    sanitize(&shown_pattern(&candidate.pattern))
                );
                let style = if index == *selected {
                    theme.selected
                } else if candidate.include {
                    Style::default()
                } else {
                    theme.muted
                };
                body.push(Line::styled(text, style));
            }
            (
                " Bulk apply ".to_string(),
                body,
                format!(
                    "{yes} apply to the {included} marked · {} include/leave out · {no} cancel",
                    key_label(app, Context::Dialog, Action::Toggle)
                ),
            )
        }
    };
    lines.push(Line::raw(""));
    lines.push(Line::styled(footer, theme.help_key));

    let longest = lines.iter().map(|l| l.width()).max().unwrap_or(20);
    let box_width = u16::try_from(longest + 4)
        .unwrap_or(u16::MAX)
        .clamp(40, area.width.saturating_sub(4).max(40));
    let box_height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, box_width, box_height);
    let inner_width = usize::from(rect.width.saturating_sub(2));
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|line| {
            let style = line.style;
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            if width(&text) > inner_width {
                Line::styled(fit(&text, inner_width), style)
            } else {
                Line::styled(text, style)
            }
        })
        .collect();
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title_focused));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// `text` cut where it reaches `width` cells, at a ` · ` when there is one in its second half:
/// the first line and the rest.
pub(super) fn split_at_width(text: &str, width: usize) -> (String, String) {
    if super::text::width(text) <= width {
        return (text.to_string(), String::new());
    }
    let mut cut = 0;
    let mut used = 0;
    for (index, ch) in text.char_indices() {
        let cells = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + cells > width {
            break;
        }
        used += cells;
        cut = index + ch.len_utf8();
    }
    let at = text[..cut]
        .rfind(" · ")
        .filter(|&at| at > cut / 2)
        .unwrap_or(cut);
    (
        text[..at].to_string(),
        text[at..]
            .trim_start_matches(" · ")
            .trim_start()
            .to_string(),
    )
}

/// How many characters all the texts start with alike.
fn shared_start<'a>(mut texts: impl Iterator<Item = &'a str>) -> usize {
    let Some(first) = texts.next() else {
        return 0;
    };
    let mut shared = first.chars().count();
    let mut any_other = false;
    for text in texts {
        any_other = true;
        shared = shared.min(
            first
                .chars()
                .zip(text.chars())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    if any_other { shared } else { 0 }
}
