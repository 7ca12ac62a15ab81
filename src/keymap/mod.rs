//! Keymaps: which key runs which [`Action`] in which [`Context`].
//!
//! A keymap is data. A built-in base map (`keymaps/default.toml` or `keymaps/emacs.toml`,
//! embedded in the binary) is loaded first; the operator's `keymap.toml` is merged over it per
//! action and context: an action listed in the user file gets exactly the keys listed there.
//! Every conflict left after the merge is resolved in a fixed, reported way (the user's
//! binding wins over the base map's) so that which action a key runs never depends on focus
//! history or iteration order. Loading never fails on a bad entry: the entry is skipped and
//! reported as a [`Problem`] with its file, line and column.
//!
//! Lookup is by context. Text input gets keys first and never falls back, so typing `q` in a
//! filter types `q`; tables and overlays fall back to the global map.
//!
//! Rules checked at load time (field reports on escape sequences split over slow links and
//! tmux Esc/Alt ambiguity): a destructive action is never bound to a bare `esc`, to the second
//! or final byte of an arrow-key sequence, or to an `alt-` key; every action bound to `esc`
//! also has another key.

mod chord;
mod file;
mod resolve;
pub(crate) mod source;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyEvent, KeyEventKind};

use crate::action::Action;

pub use chord::{KeyChord, KeyParseError};

use source::SourceFile;

/// The built-in base maps, by name, embedded at compile time.
const BUILT_IN: [(&str, &str); 2] = [
    ("default", include_str!("../../keymaps/default.toml")),
    ("emacs", include_str!("../../keymaps/emacs.toml")),
];

/// Actions that lose work or state when run by accident. They may not be bound to keys that
/// a split escape sequence or a delayed Esc can produce.
pub const DESTRUCTIVE: &[Action] = &[Action::Quit, Action::Yes];

/// Where the operator is, which decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Always active, unless a text input or an overlay binds the key itself.
    Global,
    /// The focused pane's list.
    Table,
    /// A detail overlay.
    Detail,
    /// The help overlay.
    Help,
    /// The `/` filter and `:` command line. Unbound keys are typed into the text.
    Input,
    /// The Triage edit form. Unbound keys are typed into the focused text field.
    Edit,
    /// A question that needs an answer before anything else happens (undo, bulk apply).
    Dialog,
}

/// How many contexts there are.
const CONTEXTS: usize = Context::ALL.len();

impl Context {
    /// Every context, in the order the help screen lists them.
    pub const ALL: [Context; 7] = [
        Context::Global,
        Context::Table,
        Context::Detail,
        Context::Help,
        Context::Input,
        Context::Edit,
        Context::Dialog,
    ];

    /// The name used as a table header in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Table => "table",
            Context::Detail => "detail",
            Context::Help => "help",
            Context::Input => "input",
            Context::Edit => "edit",
            Context::Dialog => "dialog",
        }
    }

    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL
            .into_iter()
            .find(|context| context.name() == name)
    }

    /// The contexts searched, in order, for a key pressed in this context.
    pub fn lookup_order(self) -> &'static [Context] {
        match self {
            Context::Global => &[Context::Global],
            Context::Table => &[Context::Table, Context::Global],
            Context::Detail => &[Context::Detail, Context::Global],
            Context::Help => &[Context::Help, Context::Global],
            Context::Input => &[Context::Input],
            Context::Edit => &[Context::Edit],
            // A dialog must be answered: nothing behind it runs while it is open.
            Context::Dialog => &[Context::Dialog],
        }
    }

    fn index(self) -> usize {
        match self {
            Context::Global => 0,
            Context::Table => 1,
            Context::Detail => 2,
            Context::Help => 3,
            Context::Input => 4,
            Context::Edit => 5,
            Context::Dialog => 6,
        }
    }
}

impl fmt::Display for Context {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// The bindings of one context after merging and conflict resolution.
#[derive(Debug, Clone, Default)]
struct ContextKeys {
    /// Bound actions in [`Action::ALL`] order, each with its keys, first key first.
    actions: Vec<(Action, Vec<KeyChord>)>,
    /// The reverse index; every key appears at most once per context.
    by_key: HashMap<KeyChord, Action>,
}

impl ContextKeys {
    fn keys(&self, action: Action) -> &[KeyChord] {
        self.actions
            .iter()
            .find(|(bound, _)| *bound == action)
            .map_or(&[], |(_, keys)| keys.as_slice())
    }
}

/// One context's part of the help screen: each bound action with its key labels.
pub type HelpSection = (Context, Vec<(Action, Vec<String>)>);

/// A resolved keymap: at most one action per key and context. Built only by [`load`].
#[derive(Debug, Clone)]
pub struct Keymap {
    contexts: [ContextKeys; CONTEXTS],
}

impl Keymap {
    /// The action a key event runs in `context`, following [`Context::lookup_order`].
    /// Key releases run nothing (some terminals report them besides the press).
    pub fn action_for(&self, context: Context, key: &KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        self.action_for_chord(context, &KeyChord::from_event(key))
    }

    /// The action a chord runs in `context`, following [`Context::lookup_order`].
    pub fn action_for_chord(&self, context: Context, chord: &KeyChord) -> Option<Action> {
        context
            .lookup_order()
            .iter()
            .find_map(|searched| self.context(*searched).by_key.get(chord).copied())
    }

    /// The keys that run `action` when the operator is in `context`: the context's own keys,
    /// then the fallback contexts' keys that the context does not take over for itself.
    pub fn keys_for(&self, context: Context, action: Action) -> Vec<KeyChord> {
        let order = context.lookup_order();
        let mut keys: Vec<KeyChord> = Vec::new();
        for (position, searched) in order.iter().enumerate() {
            for key in self.context(*searched).keys(action) {
                let taken_earlier = order
                    .iter()
                    .take(position)
                    .any(|earlier| self.context(*earlier).by_key.contains_key(key));
                if !taken_earlier && !keys.contains(key) {
                    keys.push(*key);
                }
            }
        }
        keys
    }

    /// The label of the first key that runs `action` in `context`, for status-line hints.
    pub fn first_key_label(&self, context: Context, action: Action) -> Option<String> {
        self.keys_for(context, action)
            .first()
            .map(ToString::to_string)
    }

    /// Every context's own bindings, for the generated help screen. Contexts and actions
    /// without keys are left out; keys are in canonical text form, first key first.
    pub fn help_sections(&self) -> Vec<HelpSection> {
        Context::ALL
            .into_iter()
            .map(|context| {
                let actions = self
                    .context(context)
                    .actions
                    .iter()
                    .filter(|(_, keys)| !keys.is_empty())
                    .map(|(action, keys)| (*action, keys.iter().map(ToString::to_string).collect()))
                    .collect::<Vec<_>>();
                (context, actions)
            })
            .filter(|(_, actions)| !actions.is_empty())
            .collect()
    }

    fn context(&self, context: Context) -> &ContextKeys {
        &self.contexts[context.index()]
    }
}

/// How serious a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// An entry was skipped: the map works, but not as the file says.
    Error,
    /// The map works as resolved, but probably not as intended (a conflict, an unbound action).
    Warning,
    /// For information: a user binding hides a global key in one context.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// Something found while loading a keymap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// `file:line:column` when the problem has a place in a file.
    pub location: Option<String>,
    /// The whole message, starting with the location when there is one.
    pub message: String,
}

impl Problem {
    fn new(severity: Severity, location: Option<String>, text: impl fmt::Display) -> Problem {
        let message = match &location {
            Some(location) => format!("{location}: {text}"),
            None => text.to_string(),
        };
        Problem {
            severity,
            location,
            message,
        }
    }

    fn error(location: String, text: impl fmt::Display) -> Problem {
        Problem::new(Severity::Error, Some(location), text)
    }

    /// The message without its location.
    pub fn text(&self) -> &str {
        let prefix = self
            .location
            .as_ref()
            .map_or(0, |location| location.len() + 2);
        self.message.get(prefix..).unwrap_or(&self.message)
    }
}

impl fmt::Display for Problem {
    /// One line in compiler style: `file:line:column: severity: text`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(formatter, "{location}: {}: {}", self.severity, self.text()),
            None => write!(formatter, "{}: {}", self.severity, self.text()),
        }
    }
}

/// A keymap and everything found while building it.
#[derive(Debug, Clone)]
pub struct LoadedKeymap {
    pub keymap: Keymap,
    pub problems: Vec<Problem>,
}

impl LoadedKeymap {
    pub fn has_errors(&self) -> bool {
        self.problems
            .iter()
            .any(|problem| problem.severity == Severity::Error)
    }
}

/// Why no keymap could be built at all.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("unknown keymap \"{found}\"; expected one of: {}", .available.join(", "))]
    UnknownBase {
        found: String,
        available: Vec<String>,
    },
    #[error("cannot read keymap file {}: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "{position}: {message}; expected TOML with [context] tables of action = [\"key\", ...] \
         lines"
    )]
    Syntax { position: String, message: String },
}

/// The names of the built-in base maps.
pub fn base_names() -> Vec<String> {
    BUILT_IN
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

/// Loads the built-in map `base` and merges `user_file` over it.
///
/// A `user_file` that does not exist counts as absent, so callers can pass the conventional
/// path unconditionally. Bad entries in either file are skipped and listed in
/// [`LoadedKeymap::problems`]; only an unknown base name, an unreadable file or a file that is
/// not TOML make loading fail.
pub fn load(base: &str, user_file: Option<&Path>) -> Result<LoadedKeymap, KeymapError> {
    let base_text = BUILT_IN
        .iter()
        .find(|(name, _)| *name == base)
        .map(|(_, text)| *text)
        .ok_or_else(|| KeymapError::UnknownBase {
            found: base.to_owned(),
            available: base_names(),
        })?;
    let base_source = SourceFile {
        label: format!("keymaps/{base}.toml (built-in)"),
        text: base_text,
    };

    let user_text = match user_file {
        Some(path) => read_optional(path)?,
        None => None,
    };

    let mut problems = Vec::new();
    let base_entries = file::read_entries(&base_source, &mut problems)?;
    let user_entries = match (&user_text, user_file) {
        (Some(text), Some(path)) => {
            let user_source = SourceFile {
                label: path.display().to_string(),
                text,
            };
            file::read_entries(&user_source, &mut problems)?
        }
        _ => Vec::new(),
    };

    let keymap = resolve::resolve(base, base_entries, user_entries, &mut problems);
    Ok(LoadedKeymap { keymap, problems })
}

fn read_optional(path: &Path) -> Result<Option<String>, KeymapError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeymapError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The keymap part of `pandaops config check`: one line per problem, then a summary line.
/// The exit code is 1 when the keymap has errors or cannot be loaded, else 0.
pub fn check_report(base: &str, user_file: Option<&Path>) -> (String, i32) {
    let user_label = match user_file {
        Some(path) if path.exists() => format!("user file {}", path.display()),
        Some(path) => format!("no user file at {}", path.display()),
        None => "no user file".to_owned(),
    };

    let loaded = match load(base, user_file) {
        Ok(loaded) => loaded,
        Err(error) => return (format!("error: {error}\nkeymap: cannot be loaded\n"), 1),
    };

    let mut report = String::new();
    for problem in &loaded.problems {
        report.push_str(&problem.to_string());
        report.push('\n');
    }

    let count = |severity: Severity| {
        loaded
            .problems
            .iter()
            .filter(|problem| problem.severity == severity)
            .count()
    };
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    if loaded.problems.is_empty() {
        report.push_str(&format!("keymap: ok (base {base}, {user_label})\n"));
    } else {
        report.push_str(&format!(
            "keymap (base {base}, {user_label}): {errors} error(s), {warnings} warning(s), \
             {notes} note(s)\n"
        ));
    }

    (report, i32::from(errors > 0))
}
