//! The Triage edit form: an operator's own classification of one error group.
//!
//! The form is filled from the group's draft if it has one, else its standing decision, else the
//! suggestion. It holds copies of what it needs (the group's diagnostics and its siblings'), so a
//! refresh of the table never changes an edit in progress. Every change of the regex is checked
//! at once against those diagnostics: "matches N of M".

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea};

use crate::domain::ErrorSource;
use crate::triage::diag_regex::{self, Coverage, MAX_REGEX_BYTES};
use crate::triage::journal::{
    Decision, Draft, ErrorClass, Permanence, RetryAction, SavedDecision, Verdict,
};
use crate::triage::suggest::Suggestion;

use super::rows::GroupRow;
use crate::ui::text::sanitize;

/// `ERROR_CLASSIFICATION.DESCRIPTION` is `VARCHAR2(250)`: 250 bytes, as Oracle counts by default.
pub const MAX_DESCRIPTION_BYTES: usize = 250;
/// The most attempts a `limit_retry` rule may allow; PanDA's own defaults are far below.
pub const MAX_ATTEMPTS: u32 = 100;

/// The fields of the form, in the order Tab visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Class,
    Permanence,
    Retry,
    MaxAttempt,
    Description,
    Regex,
    Note,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::Class,
        Field::Permanence,
        Field::Retry,
        Field::MaxAttempt,
        Field::Description,
        Field::Regex,
        Field::Note,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Class => "class",
            Field::Permanence => "permanence",
            Field::Retry => "retry action",
            Field::MaxAttempt => "max attempts",
            Field::Description => "description",
            Field::Regex => "ERROR_DIAG regex",
            Field::Note => "note",
        }
    }

    pub fn is_choice(self) -> bool {
        matches!(self, Field::Class | Field::Permanence | Field::Retry)
    }
}

pub const CLASSES: [ErrorClass; 3] = [ErrorClass::System, ErrorClass::User, ErrorClass::Unknown];
pub const PERMANENCES: [Permanence; 3] = [
    Permanence::Transient,
    Permanence::Permanent,
    Permanence::Unknown,
];

/// The retry choices, `None` first: leave retries to PanDA's defaults.
pub const RETRY_CHOICES: [Option<RetryAction>; 7] = [
    None,
    Some(RetryAction::NoRetry),
    Some(RetryAction::LimitRetry { max_attempt: 3 }),
    Some(RetryAction::IncreaseMemory),
    Some(RetryAction::IncreaseMemoryXtimes),
    Some(RetryAction::IncreaseCputime),
    Some(RetryAction::ReduceInputPerJob),
];

pub fn retry_name(action: Option<RetryAction>) -> &'static str {
    action.map_or("none (PanDA's defaults)", RetryAction::as_str)
}

/// The edit in progress on one group.
pub struct EditForm {
    pub group_id: String,
    /// `pilot:1099`.
    pub key: String,
    pub source: ErrorSource,
    pub code: i64,
    pub pattern: String,
    pub jobs: usize,
    /// Distinct diagnostics of the group, as sampled when the form opened.
    pub members: Vec<String>,
    /// Diagnostics of the sibling groups (same source and code, another pattern).
    pub siblings: Vec<String>,
    pub sibling_groups: usize,
    pub focus: Field,
    pub class: ErrorClass,
    pub permanence: Permanence,
    /// Index into [`RETRY_CHOICES`].
    pub retry: usize,
    pub max_attempt: TextArea<'static>,
    pub description: TextArea<'static>,
    pub regex: TextArea<'static>,
    pub note: TextArea<'static>,
    /// What the regex matches now, or why it cannot be used.
    pub check: Result<Coverage, String>,
    /// Where the values came from: "draft of 12:03 UTC", "decision of …", "suggestion".
    pub origin: String,
    /// Changed since the form opened or the last draft was written.
    pub unsaved_draft: bool,
    /// Changed since the form opened.
    pub changed: bool,
}

impl EditForm {
    /// A form for a row, from its draft, its standing decision or its suggestion.
    pub fn open(
        row: &GroupRow,
        draft: Option<&Draft>,
        standing: Option<&SavedDecision>,
        siblings: Vec<String>,
        sibling_groups: usize,
    ) -> EditForm {
        let group = &row.group;
        let members = group.samples.clone();
        let sibling_refs: Vec<&str> = siblings.iter().map(String::as_str).collect();
        let member_refs: Vec<&str> = members.iter().map(String::as_str).collect();
        let suggested_regex =
            diag_regex::diag_regex_for(&group.pattern, &member_refs, &sibling_refs).regex;

        let (class, permanence, action, description, regex, note, origin) = match (draft, standing)
        {
            (Some(draft), _) => (
                draft.error_class,
                draft.permanence,
                draft.retry_action,
                draft.description.clone(),
                draft.diag_regex.clone(),
                draft.note.clone(),
                format!("draft of {}", super::format::datetime(draft.updated_at)),
            ),
            (None, Some(saved)) => (
                saved.decision.error_class,
                saved.decision.permanence,
                saved.decision.retry_action,
                saved.decision.description.clone(),
                saved.decision.diag_regex.clone(),
                saved.decision.note.clone(),
                format!(
                    "{} decision of {}",
                    verdict_word(saved.decision.verdict),
                    super::format::datetime(saved.decision.decided_at)
                ),
            ),
            (None, None) => {
                let (class, permanence, action) = label_values(&row.suggestion);
                (
                    class,
                    permanence,
                    action,
                    default_description(row),
                    suggested_regex,
                    String::new(),
                    "suggestion".to_string(),
                )
            }
        };

        let retry = retry_index(action);
        let attempts = match action {
            Some(RetryAction::LimitRetry { max_attempt }) => max_attempt.to_string(),
            _ => "3".to_string(),
        };
        let mut form = EditForm {
            group_id: group.id.clone(),
            key: group.key(),
            source: group.source,
            code: group.code,
            pattern: group.pattern.clone(),
            jobs: group.jobs,
            members,
            siblings,
            sibling_groups,
            focus: Field::Class,
            class,
            permanence,
            retry,
            max_attempt: line_area(&attempts),
            description: line_area(&description),
            regex: line_area(&regex),
            note: note_area(&note),
            check: Ok(Coverage::default()),
            origin,
            unsaved_draft: false,
            changed: false,
        };
        form.recheck();
        form.style_fields();
        form
    }

    /// Shows the cursor in the focused text field only.
    pub fn style_fields(&mut self) {
        let focus = self.focus;
        for field in [
            Field::MaxAttempt,
            Field::Description,
            Field::Regex,
            Field::Note,
        ] {
            if let Some(area) = self.text_mut(field) {
                area.set_cursor_line_style(Style::default());
                area.set_cursor_style(if field == focus {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                });
            }
        }
    }

    /// The text field that has the focus, if a text field has it.
    pub fn text_mut(&mut self, field: Field) -> Option<&mut TextArea<'static>> {
        match field {
            Field::MaxAttempt => Some(&mut self.max_attempt),
            Field::Description => Some(&mut self.description),
            Field::Regex => Some(&mut self.regex),
            Field::Note => Some(&mut self.note),
            Field::Class | Field::Permanence | Field::Retry => None,
        }
    }

    pub fn regex_text(&self) -> String {
        first_line(&self.regex)
    }

    pub fn retry_action(&self) -> Result<Option<RetryAction>, String> {
        match RETRY_CHOICES.get(self.retry).copied().flatten() {
            Some(RetryAction::LimitRetry { .. }) => {
                let text = first_line(&self.max_attempt);
                let attempts: u32 = text.trim().parse().map_err(|_| {
                    format!(
                        "max attempts {text:?} is not a whole number; expected 1 to {MAX_ATTEMPTS}"
                    )
                })?;
                if !(1..=MAX_ATTEMPTS).contains(&attempts) {
                    return Err(format!(
                        "max attempts {attempts} is out of range; expected 1 to {MAX_ATTEMPTS}"
                    ));
                }
                Ok(Some(RetryAction::LimitRetry {
                    max_attempt: attempts,
                }))
            }
            other => Ok(other),
        }
    }

    /// Moves the focus to the next or previous field; max attempts is skipped unless the action
    /// is `limit_retry`.
    pub fn move_focus(&mut self, forward: bool) {
        let fields = Field::ALL;
        let mut index = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        loop {
            index = if forward {
                (index + 1) % fields.len()
            } else {
                (index + fields.len() - 1) % fields.len()
            };
            let field = fields[index];
            if field != Field::MaxAttempt || self.is_limit_retry() {
                self.focus = field;
                self.style_fields();
                return;
            }
        }
    }

    pub fn is_limit_retry(&self) -> bool {
        matches!(
            RETRY_CHOICES.get(self.retry).copied().flatten(),
            Some(RetryAction::LimitRetry { .. })
        )
    }

    /// Steps the focused choice field forward or back.
    pub fn step_choice(&mut self, forward: bool) -> bool {
        fn step<T: Copy + PartialEq>(all: &[T], current: T, forward: bool) -> T {
            let index = all.iter().position(|v| *v == current).unwrap_or(0);
            let next = if forward {
                (index + 1) % all.len()
            } else {
                (index + all.len() - 1) % all.len()
            };
            all[next]
        }
        match self.focus {
            Field::Class => self.class = step(&CLASSES, self.class, forward),
            Field::Permanence => self.permanence = step(&PERMANENCES, self.permanence, forward),
            Field::Retry => {
                self.retry = if forward {
                    (self.retry + 1) % RETRY_CHOICES.len()
                } else {
                    (self.retry + RETRY_CHOICES.len() - 1) % RETRY_CHOICES.len()
                }
            }
            _ => return false,
        }
        self.touch();
        true
    }

    /// Gives a key to the focused text field. Enter moves on from a one-line field and starts a
    /// new line in the note.
    pub fn type_key(&mut self, key: KeyEvent) {
        let focus = self.focus;
        let enter = key.code == KeyCode::Enter
            || (key.modifiers.contains(KeyModifiers::CONTROL)
                && matches!(key.code, KeyCode::Char('m' | 'j')));
        if enter && focus != Field::Note {
            self.move_focus(true);
            return;
        }
        // A tab character has no place in any field.
        if key.code == KeyCode::Tab {
            return;
        }
        let Some(area) = self.text_mut(focus) else {
            return;
        };
        if area.input(key) {
            self.touch();
            if focus == Field::Regex {
                self.recheck();
            }
        }
    }

    /// Whether the up or down arrow should move within the note rather than between fields.
    pub fn arrow_stays_in_note(&self, down: bool) -> bool {
        if self.focus != Field::Note {
            return false;
        }
        arrow_stays_in(&self.note, down)
    }

    /// Types pasted text into the focused field: kept as lines in the note, one line elsewhere;
    /// control characters are dropped either way.
    pub fn paste(&mut self, text: &str) {
        let focus = self.focus;
        let cleaned: String = if focus == Field::Note {
            text.replace("\r\n", "\n")
                .split('\n')
                .map(clean_line)
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            clean_line(text)
        };
        let Some(area) = self.text_mut(focus) else {
            return;
        };
        if area.insert_str(cleaned) {
            self.touch();
            if focus == Field::Regex {
                self.recheck();
            }
        }
    }

    fn touch(&mut self) {
        self.changed = true;
        self.unsaved_draft = true;
    }

    /// Checks the regex against the group's diagnostics and its siblings'.
    pub fn recheck(&mut self) {
        let regex = self.regex_text();
        self.check = check_regex(&regex, &self.members, &self.siblings);
    }

    /// The draft to journal for this form.
    pub fn draft(&self, operator: &str, now: Timestamp) -> Draft {
        Draft {
            group_id: self.group_id.clone(),
            diag_regex: self.regex_text(),
            description: first_line(&self.description),
            error_class: self.class,
            permanence: self.permanence,
            retry_action: self.retry_action().ok().flatten(),
            note: self.note.lines().join("\n"),
            operator: operator.to_string(),
            updated_at: now,
        }
    }

    /// The decision this form makes, or what stops it from being saved.
    pub fn decision(&self, operator: &str, now: Timestamp) -> Result<Decision, String> {
        let regex = self.regex_text();
        let coverage = self.check.clone()?;
        if !self.members.is_empty() && coverage.matched_members == 0 {
            return Err(format!(
                "the regex matches none of the {} diagnostics of {}; it would classify nothing \
                 of this group",
                self.members.len(),
                self.key
            ));
        }
        let description = first_line(&self.description);
        if description.len() > MAX_DESCRIPTION_BYTES {
            return Err(format!(
                "the description is {} bytes; ERROR_CLASSIFICATION holds at most \
                 {MAX_DESCRIPTION_BYTES}",
                description.len()
            ));
        }
        Ok(Decision {
            group_id: self.group_id.clone(),
            error_source: self.source.server_field().to_string(),
            error_code: self.code,
            diag_regex: regex,
            description,
            error_class: self.class,
            permanence: self.permanence,
            retry_action: self.retry_action()?,
            verdict: Verdict::Edited,
            note: self.note.lines().join("\n").trim_end().to_string(),
            operator: operator.to_string(),
            decided_at: now,
            batch: None,
        })
    }
}

/// What a regex does on the group's diagnostics, or why it cannot be used as `ERROR_DIAG`.
pub fn check_regex(
    regex: &str,
    members: &[String],
    siblings: &[String],
) -> Result<Coverage, String> {
    if regex.trim().is_empty() {
        return Err("the regex is empty; ERROR_DIAG needs one".to_string());
    }
    if regex.len() > MAX_REGEX_BYTES {
        return Err(format!(
            "the regex is {} bytes; ERROR_DIAG holds at most {MAX_REGEX_BYTES}",
            regex.len()
        ));
    }
    if let Some(c) = regex.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the regex holds the control character U+{:04X}; write it as an escape",
            u32::from(c)
        ));
    }
    if let Some(why) = diag_regex::python_incompatibility(regex) {
        return Err(format!("PanDA's Python could not use it: {why}"));
    }
    // Alone too, not only inside the matcher's group: a stray `)` could pair up with it.
    if let Err(why) = crate::triage::rules::check_diag_regex(regex) {
        return Err(why.replace("ERROR_DIAG does not compile", "the regex does not compile"));
    }
    let member_refs: Vec<&str> = members.iter().map(String::as_str).collect();
    let sibling_refs: Vec<&str> = siblings.iter().map(String::as_str).collect();
    diag_regex::check_group(regex, &member_refs, &sibling_refs).map_err(|error| {
        // The regex crate's message spans lines; the first says what is wrong.
        let detail = error.source.to_string();
        let last = detail
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("");
        let last = last.trim();
        format!(
            "the regex does not compile: {}",
            last.strip_prefix("error: ").unwrap_or(last)
        )
    })
}

/// `confirmed`, `rejected` or `edited`.
pub(super) fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Confirmed => "confirmed",
        Verdict::Rejected => "rejected",
        Verdict::Edited => "edited",
    }
}

/// The class, permanence and retry action a suggestion stands for.
pub fn label_values(suggestion: &Suggestion) -> (ErrorClass, Permanence, Option<RetryAction>) {
    let label = suggestion.label;
    let class = match label.error_class {
        "system" => ErrorClass::System,
        "user" => ErrorClass::User,
        _ => ErrorClass::Unknown,
    };
    let permanence = match label.permanence {
        "transient" => Permanence::Transient,
        "permanent" => Permanence::Permanent,
        _ => Permanence::Unknown,
    };
    let action = match label.retry_action {
        "no_retry" => Some(RetryAction::NoRetry),
        "limit_retry" => Some(RetryAction::LimitRetry { max_attempt: 3 }),
        "increase_memory" => Some(RetryAction::IncreaseMemory),
        "increase_memory_xtimes" => Some(RetryAction::IncreaseMemoryXtimes),
        "increase_cputime" => Some(RetryAction::IncreaseCputime),
        "reduce_input_per_job" => Some(RetryAction::ReduceInputPerJob),
        _ => None,
    };
    (class, permanence, action)
}

/// The description a decision on a row starts with: the code's short name and the pattern.
pub fn default_description(row: &GroupRow) -> String {
    let group = &row.group;
    // A code without a diagnostic (transform exit codes) is described by its catalogue message.
    let text = match crate::catalogue::lookup(group.source, group.code) {
        Some(info) if group.pattern.is_empty() => format!("{}: {}", info.short_name, info.message),
        Some(info) => format!("{}: {}", info.short_name, group.pattern),
        None => group.pattern.clone(),
    };
    let mut text = clean_line(&text);
    if text.len() > MAX_DESCRIPTION_BYTES {
        let mut end = MAX_DESCRIPTION_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

fn retry_index(action: Option<RetryAction>) -> usize {
    RETRY_CHOICES
        .iter()
        .position(|choice| match (choice, action) {
            (None, None) => true,
            (Some(a), Some(b)) => a.as_str() == b.as_str(),
            _ => false,
        })
        .unwrap_or(0)
}

/// One line of text fit for a field: whitespace as spaces, control characters dropped.
pub(super) fn clean_line(text: &str) -> String {
    // Escape sequences go whole (`ESC [ 31 m`), so no stray `[31m` is left in the text.
    let without_escapes = strip_escape_sequences(text);
    let spaced: String = without_escapes
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    // What is left that would not show (bidi controls, zero-width characters) goes too.
    sanitize(&spaced).into_owned()
}

/// Text without its terminal escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or
/// `ESC \`) and two-character escapes.
pub(crate) fn strip_escape_sequences(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for next in chars.by_ref() {
                    if ('@'..='~').contains(&next) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(next) = chars.next() {
                    if next == '\u{7}' {
                        break;
                    }
                    if next == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(super) fn line_area(text: &str) -> TextArea<'static> {
    // The cursor starts at the head, so a long value shows its beginning.
    TextArea::new(vec![clean_line(text)])
}

pub(super) fn note_area(text: &str) -> TextArea<'static> {
    let lines: Vec<String> = text.lines().map(clean_line).collect();
    let mut area = TextArea::new(if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    });
    area.move_cursor(CursorMove::Bottom);
    area.move_cursor(CursorMove::End);
    area
}

pub(super) fn first_line(area: &TextArea<'_>) -> String {
    area.lines().first().cloned().unwrap_or_default()
}
/// Whether the up or down arrow moves within a multi-line text area (there is a line that way)
/// rather than to the next or previous field.
pub fn arrow_stays_in(area: &TextArea<'_>, down: bool) -> bool {
    let row = area.cursor().0;
    if down {
        row + 1 < area.lines().len()
    } else {
        row > 0
    }
}
