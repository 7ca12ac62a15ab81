//! Reading one keymap file into entries (context, action, keys), with the position of every
//! name and key so that later checks can point at them.
//!
//! A bad entry is reported and skipped as a whole, so a typo in one key never leaves the
//! action with fewer keys than the operator wrote; the base map's keys stay instead.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::source::{SourceFile, did_you_mean, type_with_article};
use super::{Context, KeyChord, KeymapError, Problem, Severity};
use crate::action::Action;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

/// A key as written in a file.
#[derive(Debug, Clone)]
pub(super) struct PlacedKey {
    pub(super) chord: KeyChord,
    /// `file:line:column` of the key string.
    pub(super) location: String,
}

/// One `action = [keys]` line of one context.
#[derive(Debug, Clone)]
pub(super) struct FileEntry {
    pub(super) context: Context,
    pub(super) action: Action,
    pub(super) keys: Vec<PlacedKey>,
    /// `file:line:column` of the action name.
    pub(super) location: String,
    /// Byte offset of the action name, to keep file order.
    pub(super) offset: usize,
}

/// Reads every valid entry of `source`, in file order. Bad entries go to `problems`.
pub(super) fn read_entries(
    source: &SourceFile<'_>,
    problems: &mut Vec<Problem>,
) -> Result<Vec<FileEntry>, KeymapError> {
    let root = DeTable::parse(source.text).map_err(|error| KeymapError::Syntax {
        position: error
            .span()
            .map_or_else(|| source.label.clone(), |span| source.position(&span)),
        message: error.message().trim_end().to_owned(),
    })?;

    let mut entries = Vec::new();
    let mut found_problems: Vec<(usize, Problem)> = Vec::new();
    for (context_name, context_value) in root.get_ref().iter() {
        read_context(
            source,
            context_name,
            context_value,
            &mut entries,
            &mut found_problems,
        );
    }

    // The parsed table is ordered by name; report and merge in the order of the file.
    entries.sort_by_key(|entry| entry.offset);
    found_problems.sort_by_key(|(offset, _)| *offset);
    problems.extend(found_problems.into_iter().map(|(_, problem)| problem));
    Ok(entries)
}

fn read_context(
    source: &SourceFile<'_>,
    name: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    entries: &mut Vec<FileEntry>,
    problems: &mut Vec<(usize, Problem)>,
) {
    let span = name.span();
    let Some(context) = Context::from_name(name.get_ref()) else {
        let problem = Problem::error(source.position(&span), unknown_context_text(name.get_ref()));
        problems.push((span.start, problem));
        return;
    };
    let DeValue::Table(table) = value.get_ref() else {
        let text = format!(
            "\"{context}\" is {}; expected a table [{context}] of action = [\"key\", ...] lines",
            type_with_article(value.get_ref())
        );
        problems.push((span.start, Problem::error(source.position(&span), text)));
        return;
    };

    for (action_name, keys_value) in table.iter() {
        match read_entry(source, context, action_name, keys_value, problems) {
            Ok(entry) => entries.push(entry),
            Err(problem) => problems.push(problem),
        }
    }
}

fn read_entry(
    source: &SourceFile<'_>,
    context: Context,
    name: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    problems: &mut Vec<(usize, Problem)>,
) -> Result<FileEntry, (usize, Problem)> {
    let span = name.span();
    let location = source.position(&span);
    let Some(action) = Action::from_name(name.get_ref()) else {
        return Err((
            span.start,
            Problem::error(location, unknown_action_text(name.get_ref())),
        ));
    };

    if !action.works_in(context) {
        let text = format!(
            "\"{action}\" cannot work in [{context}]: {}",
            match context {
                Context::Input => {
                    "text input only runs submit, cancel, complete, history_prev and history_next"
                }
                Context::Edit => {
                    "the edit form only runs save, back, next_field, prev_field, choice_next and \
                     choice_prev"
                }
                Context::Dialog => {
                    "dialogs only run yes, no, toggle, the moves up to page_down, and quit"
                }
                _ => {
                    "submit, cancel, complete and history keys belong in [input], save and field \
                     keys in [edit], yes, no and toggle in [dialog]"
                }
            },
            action = action.name()
        );
        return Err((span.start, Problem::error(location, text)));
    }

    let key_values: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
        DeValue::Array(items) => items.iter().collect(),
        // A single key may be written without brackets.
        DeValue::String(_) => vec![value],
        other => {
            let text = format!(
                "keys of \"{action}\" in [{context}] are {}; expected a list of keys like \
                 [\"q\", \"ctrl-c\"]",
                type_with_article(other),
                action = action.name()
            );
            return Err((
                span.start,
                Problem::error(source.position(&value.span()), text),
            ));
        }
    };

    let mut keys: Vec<PlacedKey> = Vec::new();
    for key_value in key_values {
        let key_span = key_value.span();
        let key_location = source.position(&key_span);
        let chord = parse_key(key_value.get_ref()).map_err(|text| {
            let text = format!(
                "{text}; the line \"{action}\" in [{context}] is ignored",
                action = action.name()
            );
            (key_span.start, Problem::error(key_location.clone(), text))
        })?;

        // Ctrl+Z always suspends, as in every terminal program.
        if chord == KeyChord::new(KeyCode::Char('z'), KeyModifiers::CONTROL) {
            let text = format!(
                "`ctrl-z` is kept for suspending pandaops; the line \"{action}\" in [{context}] is \
                 ignored",
                action = action.name()
            );
            return Err((key_span.start, Problem::error(key_location, text)));
        }

        if keys.iter().any(|placed| placed.chord == chord) {
            let text = format!(
                "`{chord}` is listed twice for \"{action}\" in [{context}]",
                action = action.name()
            );
            let note = Problem::new(Severity::Note, Some(key_location), text);
            problems.push((key_span.start, note));
            continue;
        }
        keys.push(PlacedKey {
            chord,
            location: key_location,
        });
    }

    Ok(FileEntry {
        context,
        action,
        keys,
        location,
        offset: span.start,
    })
}

fn parse_key(value: &DeValue<'_>) -> Result<KeyChord, String> {
    match value {
        DeValue::String(text) => text.parse::<KeyChord>().map_err(|error| error.to_string()),
        other => Err(format!(
            "a key is {}; expected a string like \"j\" or \"ctrl-r\"",
            type_with_article(other)
        )),
    }
}

fn unknown_context_text(found: &str) -> String {
    if Action::from_name(found).is_some() {
        return format!(
            "\"{found}\" is an action outside any context; expected it under a context header \
             such as [global]"
        );
    }
    let names = Context::ALL.map(Context::name);
    match did_you_mean(found, names) {
        Some(name) => format!("unknown context \"{found}\" (did you mean \"{name}\"?)"),
        None => format!(
            "unknown context \"{found}\"; expected one of: {}",
            names.join(", ")
        ),
    }
}

fn unknown_action_text(found: &str) -> String {
    let names = Action::ALL.map(Action::name);
    match did_you_mean(found, names) {
        Some(name) => format!("unknown action \"{found}\" (did you mean \"{name}\"?)"),
        None => format!(
            "unknown action \"{found}\"; expected one of: {}",
            names.join(", ")
        ),
    }
}
