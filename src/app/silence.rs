//! Silences in the Alerts pane: the silences view, the new-silence form, expiring a silence, and
//! what the Alertmanager answers.
//!
//! The form is filled from the selected alert's labels and keeps its own copies, so a refresh
//! never changes it. Nothing is sent from here: a silence the operator confirmed becomes an
//! [`Effect`] that the event loop carries out off the UI task, and the Alertmanager's answer comes
//! back as a [`super::Message`]. In read-only mode neither the form nor a question is offered.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::TextArea;

use crate::action::Action;
use crate::domain::{Alert, AlertOrigin, AlertState, Matcher, PaneId, SilenceState};
use crate::keymap::Context;
use crate::sources::alertmanager::NewSilence;
use crate::ui::text::sanitize;

use super::edit::{clean_line, first_line, line_area, note_area};
use super::rows::SilenceRow;
use super::{App, Dialog, Effect};

/// What a silence key answers in read-only mode.
pub const READ_ONLY: &str = "read-only: silences cannot be changed";
/// The duration a new silence starts with.
pub const DEFAULT_DURATION: &str = "2h";
/// Alertmanager needs an end after the start; a silence shorter than this is a typo.
const MIN_DURATION_SECS: i64 = 60;
/// A silence longer than a year is a typo too, and far-off ends overflow some tools.
const MAX_DURATION_SECS: i64 = 366 * 86_400;
/// Labels that say how bad an alert is rather than which one it is: left out of the prefill, so
/// a silence keeps working when the alert changes severity.
const DESCRIPTIVE_LABELS: [&str; 1] = ["severity"];
/// A server's answer is cut to this many characters in the status line.
const ANSWER_CHARS: usize = 300;

/// The matcher operators, in the order the choice cycles through them.
pub const OPERATORS: [&str; 4] = ["=", "!=", "=~", "!~"];

/// What the Alerts pane lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertsView {
    Alerts,
    Silences,
}

/// One matcher of the form: a label name, an operator and a value.
pub struct MatcherRow {
    pub name: TextArea<'static>,
    /// Index into [`OPERATORS`].
    pub operator: usize,
    pub value: TextArea<'static>,
    /// The alert's own value when the field cannot hold it as it is (control or invisible
    /// characters): the field shows it made visible, and this is what is sent until the
    /// operator edits the field.
    pub label_value: Option<String>,
}

impl MatcherRow {
    fn new(name: &str, operator: usize, value: &str) -> MatcherRow {
        MatcherRow {
            name: line_area(name),
            operator,
            value: line_area(value),
            label_value: None,
        }
    }

    /// A `name = value` matcher for one label of an alert. The value is shown as the screen
    /// shows it elsewhere (ESC as `␛`), and kept whole when that differs from the value itself.
    fn from_label(name: &str, value: &str) -> MatcherRow {
        let shown = sanitize(value);
        let label_value = (shown != value).then(|| value.to_string());
        MatcherRow {
            name: line_area(name),
            operator: 0,
            value: TextArea::new(vec![shown.into_owned()]),
            label_value,
        }
    }

    /// The value to match: the alert's own while the field still shows it unedited, else as
    /// typed.
    pub fn value_text(&self) -> String {
        let typed = first_line(&self.value);
        match &self.label_value {
            Some(value) if sanitize(value) == typed => value.clone(),
            _ => typed,
        }
    }

    /// Whether the value sent differs from what the field shows: the alert's own value, with
    /// characters the screen cannot show.
    pub fn keeps_label_value(&self) -> bool {
        self.label_value
            .as_ref()
            .is_some_and(|value| sanitize(value) == first_line(&self.value))
    }

    pub fn operator_text(&self) -> &'static str {
        OPERATORS.get(self.operator).copied().unwrap_or("=")
    }

    /// The matcher as Alertmanager takes it. A label name has no spaces, so the name is trimmed;
    /// the value is kept as typed.
    pub fn matcher(&self) -> Matcher {
        Matcher {
            name: first_line(&self.name).trim().to_string(),
            value: self.value_text(),
            is_regex: matches!(self.operator_text(), "=~" | "!~"),
            is_equal: matches!(self.operator_text(), "=" | "=~"),
        }
    }
}

/// The fields of the form, in the order Tab visits them: each matcher's name, operator and
/// value, then the duration, who creates it and the comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceField {
    Name(usize),
    Operator(usize),
    Value(usize),
    Duration,
    CreatedBy,
    Comment,
}

impl SilenceField {
    /// The matcher the field belongs to, if it belongs to one.
    pub fn matcher(self) -> Option<usize> {
        match self {
            SilenceField::Name(index)
            | SilenceField::Operator(index)
            | SilenceField::Value(index) => Some(index),
            _ => None,
        }
    }
}

/// A new silence being written, from one alert.
pub struct SilenceForm {
    /// The Alertmanager the alert came from; the silence goes there.
    pub alertmanager: String,
    pub alert_name: String,
    pub fingerprint: String,
    /// The labels of the alert the form was opened on, to warn when the silence would not
    /// silence it.
    pub alert_labels: BTreeMap<String, String>,
    pub matchers: Vec<MatcherRow>,
    pub duration: TextArea<'static>,
    pub created_by: TextArea<'static>,
    pub comment: TextArea<'static>,
    pub focus: SilenceField,
    /// What the silence would be now, or the first thing that stops it: for the form's last line.
    pub check: Result<String, String>,
}

impl SilenceForm {
    /// A form for an alert of `alertmanager`: a matcher for its `alertname`, then one for each
    /// label that names it (every label but severity), a duration of [`DEFAULT_DURATION`], the
    /// author given, and an empty comment, which has the focus.
    pub fn open(alert: &Alert, alertmanager: &str, author: &str) -> SilenceForm {
        let mut matchers = Vec::new();
        if let Some(name) = alert.labels.get("alertname") {
            matchers.push(MatcherRow::from_label("alertname", name));
        }
        for (name, value) in &alert.labels {
            if name != "alertname" && !DESCRIPTIVE_LABELS.contains(&name.as_str()) {
                matchers.push(MatcherRow::from_label(name, value));
            }
        }
        let mut form = SilenceForm {
            alertmanager: alertmanager.to_string(),
            alert_name: alert.name.clone(),
            fingerprint: alert.fingerprint.clone(),
            alert_labels: alert.labels.clone(),
            matchers,
            duration: line_area(DEFAULT_DURATION),
            created_by: line_area(author),
            comment: note_area(""),
            focus: SilenceField::Comment,
            check: Err(String::new()),
        };
        form.style_fields();
        form
    }

    /// Every field, in Tab order.
    pub fn fields(&self) -> Vec<SilenceField> {
        let mut fields: Vec<SilenceField> = (0..self.matchers.len())
            .flat_map(|index| {
                [
                    SilenceField::Name(index),
                    SilenceField::Operator(index),
                    SilenceField::Value(index),
                ]
            })
            .collect();
        fields.extend([
            SilenceField::Duration,
            SilenceField::CreatedBy,
            SilenceField::Comment,
        ]);
        fields
    }

    /// The text area of a field; the operator is a choice and has none.
    pub fn text_mut(&mut self, field: SilenceField) -> Option<&mut TextArea<'static>> {
        match field {
            SilenceField::Name(index) => self.matchers.get_mut(index).map(|row| &mut row.name),
            SilenceField::Value(index) => self.matchers.get_mut(index).map(|row| &mut row.value),
            SilenceField::Operator(_) => None,
            SilenceField::Duration => Some(&mut self.duration),
            SilenceField::CreatedBy => Some(&mut self.created_by),
            SilenceField::Comment => Some(&mut self.comment),
        }
    }

    /// Shows the cursor in the focused text field only.
    pub fn style_fields(&mut self) {
        let focus = self.focus;
        for field in self.fields() {
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

    pub fn move_focus(&mut self, forward: bool) {
        let fields = self.fields();
        let index = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = if forward {
            (index + 1) % fields.len()
        } else {
            (index + fields.len() - 1) % fields.len()
        };
        self.focus = fields[next];
        self.style_fields();
    }

    /// Steps the focused matcher's operator; false when the focus is not on an operator.
    pub fn step_operator(&mut self, forward: bool) -> bool {
        let SilenceField::Operator(index) = self.focus else {
            return false;
        };
        let Some(row) = self.matchers.get_mut(index) else {
            return false;
        };
        row.operator = if forward {
            (row.operator + 1) % OPERATORS.len()
        } else {
            (row.operator + OPERATORS.len() - 1) % OPERATORS.len()
        };
        true
    }

    /// Adds an empty matcher below the focused one (at the end when the focus is elsewhere) and
    /// focuses its name.
    pub fn add_matcher(&mut self) {
        let at = self
            .focus
            .matcher()
            .map_or(self.matchers.len(), |index| index + 1);
        self.matchers.insert(at, MatcherRow::new("", 0, ""));
        self.focus = SilenceField::Name(at);
        self.style_fields();
    }

    /// Removes the focused matcher; false when the focus is not on a matcher.
    pub fn remove_matcher(&mut self) -> bool {
        let Some(index) = self.focus.matcher() else {
            return false;
        };
        if index >= self.matchers.len() {
            return false;
        }
        self.matchers.remove(index);
        self.focus = if self.matchers.is_empty() {
            SilenceField::Duration
        } else {
            SilenceField::Name(index.min(self.matchers.len() - 1))
        };
        self.style_fields();
        true
    }

    /// Gives a key to the focused text field. Enter moves on from a one-line field and starts a
    /// new line in the comment; a tab character has no place in any field.
    pub fn type_key(&mut self, key: KeyEvent) {
        let enter = key.code == KeyCode::Enter
            || (key.modifiers.contains(KeyModifiers::CONTROL)
                && matches!(key.code, KeyCode::Char('m' | 'j')));
        if enter && self.focus != SilenceField::Comment {
            self.move_focus(true);
            return;
        }
        if key.code == KeyCode::Tab {
            return;
        }
        let focus = self.focus;
        if let Some(area) = self.text_mut(focus) {
            area.input(key);
        }
    }

    /// Whether up or down should move within the comment rather than between fields.
    pub fn arrow_stays_in_comment(&self, down: bool) -> bool {
        if self.focus != SilenceField::Comment {
            return false;
        }
        super::edit::arrow_stays_in(&self.comment, down)
    }

    /// Types pasted text into the focused field: kept as lines in the comment, one line
    /// elsewhere; control characters and escape sequences are dropped either way.
    pub fn paste(&mut self, text: &str) {
        let cleaned = if self.focus == SilenceField::Comment {
            text.replace("\r\n", "\n")
                .split('\n')
                .map(clean_line)
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            clean_line(text)
        };
        let focus = self.focus;
        if let Some(area) = self.text_mut(focus) {
            area.insert_str(cleaned);
        }
    }

    /// What is wrong with one matcher, if anything.
    pub fn matcher_problem(&self, index: usize) -> Option<String> {
        let row = self.matchers.get(index)?;
        check_matcher(&row.matcher())
            .err()
            .map(|why| format!("matcher {}: {why}", index + 1))
    }

    /// How long the silence lasts, or why the duration cannot be used.
    pub fn duration_secs(&self) -> Result<i64, String> {
        parse_duration(&first_line(&self.duration))
    }

    /// The silence the form describes, starting `now`, or the first thing that stops it, in the
    /// order of the form.
    pub fn silence(&self, now: Timestamp) -> Result<NewSilence, String> {
        if self.matchers.is_empty() {
            return Err("a silence needs at least one matcher".to_string());
        }
        if let Some(problem) = (0..self.matchers.len()).find_map(|i| self.matcher_problem(i)) {
            return Err(problem);
        }
        let matchers: Vec<Matcher> = self.matchers.iter().map(MatcherRow::matcher).collect();
        if matchers.iter().all(|matcher| matcher.matches_value("")) {
            return Err(
                "every matcher also matches alerts without its label, which Alertmanager refuses: \
                 give one a value to match"
                    .to_string(),
            );
        }
        let secs = self.duration_secs()?;
        let created_by = first_line(&self.created_by).trim().to_string();
        // Alertmanager itself takes a silence from nobody, for no reason; the console does not,
        // as amtool does not by default.
        if created_by.is_empty() {
            return Err("created by is empty: say who silences these alerts".to_string());
        }
        let comment = self.comment.lines().join("\n").trim().to_string();
        if comment.is_empty() {
            return Err("the comment is empty: say why these alerts are silenced".to_string());
        }
        Ok(NewSilence {
            matchers,
            starts_at: now,
            ends_at: now
                .checked_add(SignedDuration::from_secs(secs))
                .unwrap_or(now),
            created_by,
            comment,
        })
    }
}

/// Why a matcher cannot be sent, if it cannot: a label name as Prometheus allows them, and a
/// regex that compiles (Alertmanager anchors it at both ends, as here).
pub fn check_matcher(matcher: &Matcher) -> Result<(), String> {
    let name = &matcher.name;
    if name.is_empty() {
        return Err("no label name".to_string());
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "{name:?} is not a label name (letters, digits and _, not starting with a digit)"
        ));
    }
    if matcher.is_regex
        && let Err(error) = regex::Regex::new(&format!("^(?:{})$", matcher.value))
    {
        // The regex crate's message spans lines; the last says what is wrong.
        let detail = error.to_string();
        let last = detail
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("")
            .trim();
        return Err(format!(
            "the regex {:?} does not compile: {}",
            matcher.value,
            last.strip_prefix("error: ").unwrap_or(last)
        ));
    }
    Ok(())
}

/// Seconds in a duration such as `2h`, `30m`, `1d`, `1h30m` or `1w` (units `w`, `d`, `h`, `m`,
/// `s`; spaces between parts allowed), from one minute to 366 days.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    const EXAMPLES: &str = "write it like 2h, 30m, 1d or 1h30m";
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(format!("the duration is empty; {EXAMPLES}"));
    }
    let not_a_duration = || format!("duration {:?} is not one; {EXAMPLES}", text.trim());
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in compact.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c.to_ascii_lowercase() {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(not_a_duration()),
        };
        let amount: i64 = digits.parse().map_err(|_| not_a_duration())?;
        total = amount
            .checked_mul(unit)
            .and_then(|part| total.checked_add(part))
            .unwrap_or(i64::MAX);
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "duration {:?} needs a unit after {digits}; {EXAMPLES}",
            text.trim()
        ));
    }
    if total < MIN_DURATION_SECS {
        return Err(format!(
            "duration {:?} is shorter than a minute",
            text.trim()
        ));
    }
    if total > MAX_DURATION_SECS {
        return Err(format!("duration {:?} is over 366 days", text.trim()));
    }
    Ok(total)
}

/// A duration in the largest units that say it exactly: `2h`, `1h30m`, `1d`.
pub fn duration_text(secs: i64) -> String {
    let mut left = secs;
    let mut text = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if left >= size {
            text.push_str(&format!("{}{unit}", left / size));
            left %= size;
        }
    }
    if text.is_empty() {
        "0s".to_string()
    } else {
        text
    }
}

/// A server's answer fit for the status line: one line, no control characters or escape
/// sequences, at most [`ANSWER_CHARS`] characters.
fn one_line(text: &str) -> String {
    let line = clean_line(text);
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > ANSWER_CHARS {
        let cut: String = line.chars().take(ANSWER_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// The first 8 characters of a silence id, as the table shows it.
fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

impl App {
    /// The silences of every Alertmanager, each with the alerts it silences now.
    pub(super) fn rebuild_silences(&mut self) {
        let mut rows = Vec::new();
        for (source, silences) in &self.source_silences {
            let alerts = self.source_alerts.get(source);
            for silence in silences {
                let silencing = alerts
                    .into_iter()
                    .flatten()
                    .filter(|alert| {
                        matches!(&alert.state, AlertState::Silenced(ids) if ids.contains(&silence.id))
                    })
                    .map(|alert| alert.name.clone())
                    .collect();
                rows.push(SilenceRow {
                    silence: silence.clone(),
                    source: source.clone(),
                    silencing,
                });
            }
        }
        if self.silences.rows() != rows.as_slice() {
            self.silences.set_rows(rows);
            self.dirty = true;
        }
    }

    /// Shows silences instead of alerts in the Alerts pane, or alerts again.
    pub(super) fn toggle_alerts_view(&mut self) {
        self.alerts_view = match self.alerts_view {
            AlertsView::Alerts => AlertsView::Silences,
            AlertsView::Silences => AlertsView::Alerts,
        };
        self.update_viewports();
        match self.alerts_view {
            AlertsView::Silences => self.info(format!(
                "Alerts: {} silence(s); {} shows the alerts again",
                self.silences.total(),
                self.key_hint(Action::QueueNext)
            )),
            AlertsView::Alerts => self.info(format!("Alerts: {} alert(s)", self.alerts.total())),
        }
    }

    /// The first key of a table action, for messages.
    fn key_hint(&self, action: Action) -> String {
        self.keymap
            .first_key_label(Context::Table, action)
            .unwrap_or_else(|| format!(":{}", action.name()))
    }

    /// Opens the new-silence form on the selected alert; says why not when it cannot.
    pub(super) fn open_silence_form(&mut self) {
        if self.read_only {
            self.error(READ_ONLY.to_string());
            return;
        }
        if self.focus != PaneId::Alerts {
            self.error("a new silence starts from an alert: focus Alerts first".to_string());
            return;
        }
        if self.alerts_view == AlertsView::Silences {
            self.error(format!(
                "a new silence starts from an alert: {} shows the alerts",
                self.key_hint(Action::QueueNext)
            ));
            return;
        }
        let Some(alert) = self.alerts.selected().cloned() else {
            self.error("no alert to silence".to_string());
            return;
        };
        let AlertOrigin::Alertmanager(alertmanager) = &alert.origin else {
            self.error(format!(
                "{} is raised by pandaops itself, not by an Alertmanager: there is nothing to \
                 silence it in",
                alert.name
            ));
            return;
        };
        let mut form = match self.kept_silence_form.take() {
            Some(kept) if kept.fingerprint == alert.fingerprint => {
                self.info("the silence form as you left it".to_string());
                kept
            }
            other => {
                self.kept_silence_form = other;
                let author = self.operator.split('@').next().unwrap_or("").to_string();
                SilenceForm::open(&alert, alertmanager, &author)
            }
        };
        form.check = self.silence_check(&form);
        self.silence_form = Some(form);
    }

    /// What the form's silence would do now ("matches 2 of the 9 alerts of am shown now"), or
    /// the first thing that stops it.
    fn silence_check(&self, form: &SilenceForm) -> Result<String, String> {
        let silence = form.silence(self.now)?;
        let alerts: Vec<&Alert> = self
            .alerts
            .rows()
            .iter()
            .filter(|alert| {
                matches!(&alert.origin, AlertOrigin::Alertmanager(name) if *name == form.alertmanager)
            })
            .collect();
        let matched = alerts
            .iter()
            .filter(|alert| silence.matchers.iter().all(|m| m.matches(&alert.labels)))
            .count();
        let summary = format!(
            "until {} ({}) · matches {matched} of the {} alert(s) of {} shown now",
            super::format::datetime(silence.ends_at),
            duration_text(silence.ends_at.as_second() - silence.starts_at.as_second()),
            alerts.len(),
            form.alertmanager
        );
        // Sendable, but most likely not what was meant: the operator started from this alert.
        if !silence
            .matchers
            .iter()
            .all(|m| m.matches(&form.alert_labels))
        {
            return Err(format!(
                "it does not match {}, the alert it was made from · {summary}",
                form.alert_name
            ));
        }
        Ok(summary)
    }

    pub(super) fn on_silence_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.status = None;
        let action = self.keymap.action_for(Context::Edit, &key);
        let Some(form) = self.silence_form.as_mut() else {
            return Vec::new();
        };
        match action {
            Some(Action::Save) => return self.submit_silence(),
            Some(Action::Back) => {
                self.kept_silence_form = self.silence_form.take();
                self.info(format!(
                    "silence form closed, nothing sent; {} on the alert reopens it",
                    self.key_hint(Action::NewSilence)
                ));
                return Vec::new();
            }
            Some(Action::NextField | Action::PrevField) => {
                let forward = action == Some(Action::NextField);
                // In the comment, the arrows move between its lines until its first or last.
                let arrow = matches!(key.code, KeyCode::Up | KeyCode::Down);
                if arrow && form.arrow_stays_in_comment(key.code == KeyCode::Down) {
                    form.type_key(key);
                } else {
                    form.move_focus(forward);
                }
            }
            Some(Action::ChoiceNext | Action::ChoicePrev)
                if matches!(form.focus, SilenceField::Operator(_)) =>
            {
                form.step_operator(action == Some(Action::ChoiceNext));
            }
            Some(Action::AddMatcher) => form.add_matcher(),
            Some(Action::RemoveMatcher) => {
                if !form.remove_matcher() {
                    self.error("move to a matcher to remove it".to_string());
                }
            }
            _ => form.type_key(key),
        }
        self.recheck_silence_form();
        Vec::new()
    }

    /// Types pasted text into the open silence form.
    pub(super) fn paste_into_silence_form(&mut self, text: &str) {
        if let Some(form) = self.silence_form.as_mut() {
            form.paste(text);
        }
        self.recheck_silence_form();
    }

    fn recheck_silence_form(&mut self) {
        let Some(form) = self.silence_form.as_ref() else {
            return;
        };
        let check = self.silence_check(form);
        if let Some(form) = self.silence_form.as_mut() {
            form.check = check;
        }
    }

    /// Asks before a complete silence is sent; says what is missing otherwise.
    fn submit_silence(&mut self) -> Vec<Effect> {
        let Some(form) = self.silence_form.as_ref() else {
            return Vec::new();
        };
        if self.read_only {
            self.error(READ_ONLY.to_string());
            return Vec::new();
        }
        let silence = match form.silence(self.now) {
            Ok(silence) => silence,
            Err(reason) => {
                self.error(format!("not sent: {reason}"));
                return Vec::new();
            }
        };
        let mut lines: Vec<String> = silence
            .matchers
            .iter()
            .map(|matcher| format!("  {matcher}"))
            .collect();
        lines.push(format!(
            "from  {}",
            super::format::datetime(silence.starts_at)
        ));
        lines.push(format!(
            "until {} ({})",
            super::format::datetime(silence.ends_at),
            duration_text(silence.ends_at.as_second() - silence.starts_at.as_second())
        ));
        lines.push(format!("created by {}", silence.created_by));
        let mut comment = silence.comment.lines();
        let first = comment.next().unwrap_or("");
        let more = comment.count();
        lines.push(if more == 0 {
            format!("comment: {first}")
        } else {
            format!("comment: {first} (and {more} more line(s))")
        });
        match &form.check {
            Ok(check) => {
                if let Some((_, matched)) = check.split_once(" · ") {
                    lines.push(matched.to_string());
                }
            }
            // The silence is whole, so what the check holds against it is a warning.
            Err(warning) => {
                let mut parts = warning.split(" · ");
                let why = parts.next().unwrap_or("");
                if let Some(matched) = parts.nth(1) {
                    lines.push(matched.to_string());
                }
                lines.push(format!("✗ {why}"));
            }
        }
        self.dialog = Some(Dialog::NewSilence {
            alertmanager: form.alertmanager.clone(),
            silence,
            lines,
        });
        Vec::new()
    }

    /// Asks before expiring the selected silence, or the one silencing the selected alert.
    pub(super) fn open_expire(&mut self) {
        if self.read_only {
            self.error(READ_ONLY.to_string());
            return;
        }
        if self.focus != PaneId::Alerts {
            self.error("expiring works on silences: focus Alerts first".to_string());
            return;
        }
        let row = match self.alerts_view {
            AlertsView::Silences => match self.silences.selected() {
                Some(row) => row.clone(),
                None => {
                    self.error("no silence to expire".to_string());
                    return;
                }
            },
            AlertsView::Alerts => match self.silence_of_selected_alert() {
                Ok(row) => row,
                Err(reason) => {
                    self.error(reason);
                    return;
                }
            },
        };
        if row.silence.state == SilenceState::Expired {
            self.info(format!(
                "silence {} has already expired",
                short_id(&row.silence.id)
            ));
            return;
        }
        let mut lines: Vec<String> = row
            .silence
            .matchers
            .iter()
            .map(|matcher| format!("  {matcher}"))
            .collect();
        let ends = if row.silence.state == SilenceState::Pending {
            format!(
                "pending: would start {}",
                super::format::datetime(row.silence.starts_at)
            )
        } else {
            format!("ends {}", super::format::datetime(row.silence.ends_at))
        };
        lines.push(format!("created by {} · {ends}", row.silence.created_by));
        lines.push(format!(
            "comment: {}",
            row.silence.comment.lines().next().unwrap_or("")
        ));
        lines.push(if row.silencing.is_empty() {
            "it silences no alert shown now".to_string()
        } else {
            format!(
                "the {} alert(s) it silences fire again: {}",
                row.silencing.len(),
                row.silencing.join(", ")
            )
        });
        self.dialog = Some(Dialog::ExpireSilence {
            alertmanager: row.source.clone(),
            id: row.silence.id.clone(),
            lines,
        });
    }

    /// The one silence that silences the selected alert, or why there is not one.
    fn silence_of_selected_alert(&self) -> Result<SilenceRow, String> {
        let Some(alert) = self.alerts.selected() else {
            return Err("no alert selected".to_string());
        };
        let view = self.key_hint(Action::QueueNext);
        let AlertState::Silenced(ids) = &alert.state else {
            return Err(format!(
                "{} is not silenced; {view} lists the silences to expire one",
                alert.name
            ));
        };
        let AlertOrigin::Alertmanager(source) = &alert.origin else {
            return Err(format!("{} has no Alertmanager", alert.name));
        };
        if ids.len() > 1 {
            return Err(format!(
                "{} is silenced by {} silences; {view} lists them to expire one",
                alert.name,
                ids.len()
            ));
        }
        let id = ids.first().cloned().unwrap_or_default();
        self.silences
            .rows()
            .iter()
            .find(|row| row.source == *source && row.silence.id == id)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "silence {} of {} is not listed yet; ctrl-r asks {source} again",
                    short_id(&id),
                    alert.name
                )
            })
    }

    /// The operator said yes to a silence dialog: the request goes to the event loop.
    pub(super) fn send_silence_change(&mut self, dialog: Dialog) -> Vec<Effect> {
        if self.read_only {
            self.error(READ_ONLY.to_string());
            return Vec::new();
        }
        match dialog {
            Dialog::NewSilence {
                alertmanager,
                silence,
                ..
            } => {
                // Kept until the answer: if the Alertmanager refuses, the form comes back as it was.
                self.kept_silence_form = self.silence_form.take();
                self.info(format!("sending the silence to {alertmanager}…"));
                vec![Effect::CreateSilence {
                    alertmanager,
                    silence,
                }]
            }
            Dialog::ExpireSilence {
                alertmanager, id, ..
            } => {
                self.info(format!(
                    "expiring silence {} on {alertmanager}…",
                    short_id(&id)
                ));
                vec![Effect::ExpireSilence { alertmanager, id }]
            }
            _ => Vec::new(),
        }
    }

    /// The Alertmanager's answer to a new silence: its id, or why it was refused.
    pub(super) fn on_silence_created(
        &mut self,
        alertmanager: &str,
        result: Result<String, String>,
    ) -> Vec<Effect> {
        self.dirty = true;
        match result {
            Ok(id) => {
                self.kept_silence_form = None;
                self.info(format!(
                    "silence {} created on {alertmanager}",
                    one_line(&id)
                ));
                vec![Effect::Refresh(PaneId::Alerts)]
            }
            Err(reason) => {
                self.error(format!(
                    "silence NOT created on {alertmanager}: {}; {} on the alert reopens the form",
                    one_line(&reason),
                    self.key_hint(Action::NewSilence)
                ));
                Vec::new()
            }
        }
    }

    /// The Alertmanager's answer to expiring a silence.
    pub(super) fn on_silence_expired(
        &mut self,
        alertmanager: &str,
        id: &str,
        result: Result<(), String>,
    ) -> Vec<Effect> {
        self.dirty = true;
        match result {
            Ok(()) => {
                self.info(format!(
                    "silence {} expired on {alertmanager}",
                    short_id(id)
                ));
                vec![Effect::Refresh(PaneId::Alerts)]
            }
            Err(reason) => {
                self.error(format!(
                    "silence {} NOT expired on {alertmanager}: {}",
                    short_id(id),
                    one_line(&reason)
                ));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn alert() -> Alert {
        let mut labels = BTreeMap::new();
        for (name, value) in [
            ("alertname", "HarvesterWorkersStuck"),
            ("severity", "warning"),
            ("service", "harvester"),
            ("instance", "aipanda171.cern.ch"),
            ("site", "CERN-PROD"),
        ] {
            labels.insert(name.to_string(), value.to_string());
        }
        Alert {
            fingerprint: "f1".into(),
            name: "HarvesterWorkersStuck".into(),
            severity: crate::domain::Severity::Warning,
            state: AlertState::Active,
            labels,
            summary: String::new(),
            description: String::new(),
            starts_at: at(0),
            ends_at: None,
            origin: AlertOrigin::Alertmanager("cern".into()),
        }
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn typed(form: &mut SilenceForm, text: &str) {
        for c in text.chars() {
            form.type_key(key(KeyCode::Char(c)));
        }
    }

    fn clear(form: &mut SilenceForm) {
        let focus = form.focus;
        if let Some(area) = form.text_mut(focus) {
            area.select_all();
            area.cut();
        }
    }

    #[test]
    fn the_form_is_prefilled_from_the_alert_labels_but_severity() {
        let form = SilenceForm::open(&alert(), "cern", "jdoe");
        let matchers: Vec<String> = form
            .matchers
            .iter()
            .map(|row| row.matcher().to_string())
            .collect();
        assert_eq!(
            matchers,
            vec![
                r#"alertname="HarvesterWorkersStuck""#,
                r#"instance="aipanda171.cern.ch""#,
                r#"service="harvester""#,
                r#"site="CERN-PROD""#,
            ]
        );
        assert_eq!(form.alertmanager, "cern");
        assert_eq!(first_line(&form.duration), "2h");
        assert_eq!(first_line(&form.created_by), "jdoe");
        assert_eq!(form.focus, SilenceField::Comment);
        assert_eq!(
            form.silence(at(0)).unwrap_err(),
            "the comment is empty: say why these alerts are silenced"
        );
    }

    #[test]
    fn a_complete_form_gives_the_silence_to_send() {
        let mut form = SilenceForm::open(&alert(), "cern", "jdoe");
        typed(&mut form, "site drained for the upgrade");
        form.type_key(key(KeyCode::Enter));
        typed(&mut form, "ticket 42");
        let silence = form.silence(at(1000)).unwrap();
        assert_eq!(silence.starts_at, at(1000));
        assert_eq!(silence.ends_at, at(1000 + 7200));
        assert_eq!(silence.created_by, "jdoe");
        assert_eq!(silence.comment, "site drained for the upgrade\nticket 42");
        assert_eq!(silence.matchers.len(), 4);
    }

    #[test]
    fn durations_read_units_and_refuse_what_is_not_one() {
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration(" 1h 30m "), Ok(5400));
        assert_eq!(parse_duration("1w"), Ok(7 * 86_400));
        assert_eq!(parse_duration("90S"), Ok(90));
        assert_eq!(
            parse_duration(""),
            Err("the duration is empty; write it like 2h, 30m, 1d or 1h30m".to_string())
        );
        assert_eq!(
            parse_duration("2x"),
            Err(r#"duration "2x" is not one; write it like 2h, 30m, 1d or 1h30m"#.to_string())
        );
        assert_eq!(
            parse_duration("h"),
            Err(r#"duration "h" is not one; write it like 2h, 30m, 1d or 1h30m"#.to_string())
        );
        assert_eq!(
            parse_duration("90"),
            Err(
                r#"duration "90" needs a unit after 90; write it like 2h, 30m, 1d or 1h30m"#
                    .to_string()
            )
        );
        assert_eq!(
            parse_duration("30s"),
            Err(r#"duration "30s" is shorter than a minute"#.to_string())
        );
        assert_eq!(
            parse_duration("400d"),
            Err(r#"duration "400d" is over 366 days"#.to_string())
        );
        assert_eq!(
            parse_duration("99999999999999999999w"),
            Err(
                r#"duration "99999999999999999999w" is not one; write it like 2h, 30m, 1d or 1h30m"#
                    .to_string()
            )
        );
        assert_eq!(
            parse_duration("9999999999999w"),
            Err(r#"duration "9999999999999w" is over 366 days"#.to_string())
        );
        assert_eq!(duration_text(5400), "1h30m");
        assert_eq!(duration_text(7200), "2h");
        assert_eq!(duration_text(86_400 + 60), "1d1m");
    }

    #[test]
    fn matchers_are_validated_with_their_number() {
        let mut form = SilenceForm::open(&alert(), "cern", "jdoe");
        typed(&mut form, "drained");

        // The instance matcher (number 2) becomes a regex that does not compile.
        form.focus = SilenceField::Operator(1);
        assert!(form.step_operator(true));
        assert!(form.step_operator(true));
        assert_eq!(form.matchers[1].operator_text(), "=~");
        form.focus = SilenceField::Value(1);
        clear(&mut form);
        typed(&mut form, "aipanda17(1|2");
        assert_eq!(
            form.silence(at(0)).unwrap_err(),
            r#"matcher 2: the regex "aipanda17(1|2" does not compile: unclosed group"#
        );
        typed(&mut form, r")\.cern\.ch");
        assert_eq!(form.matcher_problem(1), None);

        // A label name that Prometheus would not take.
        form.focus = SilenceField::Name(3);
        clear(&mut form);
        typed(&mut form, "9site");
        assert_eq!(
            form.silence(at(0)).unwrap_err(),
            r#"matcher 4: "9site" is not a label name (letters, digits and _, not starting with a digit)"#
        );
        clear(&mut form);
        assert_eq!(form.silence(at(0)).unwrap_err(), "matcher 4: no label name");

        // Removed, the form is whole again; the focus stays on the matcher that took its place.
        assert!(form.remove_matcher());
        assert_eq!(form.matchers.len(), 3);
        assert_eq!(form.focus, SilenceField::Name(2));
        let silence = form.silence(at(0)).unwrap();
        assert_eq!(
            silence.matchers[1].to_string(),
            r#"instance=~"aipanda17(1|2)\.cern\.ch""#
        );
    }

    #[test]
    fn a_silence_must_not_match_everything() {
        let mut form = SilenceForm::open(&alert(), "cern", "jdoe");
        typed(&mut form, "everything");
        for _ in 0..3 {
            form.focus = SilenceField::Name(0);
            assert!(form.remove_matcher());
        }
        form.focus = SilenceField::Value(0);
        clear(&mut form);
        form.focus = SilenceField::Operator(0);
        form.step_operator(true);
        form.step_operator(true);
        form.focus = SilenceField::Value(0);
        typed(&mut form, ".*");
        assert_eq!(
            form.silence(at(0)).unwrap_err(),
            "every matcher also matches alerts without its label, which Alertmanager refuses: \
             give one a value to match"
        );

        form.focus = SilenceField::Name(0);
        assert!(form.remove_matcher());
        assert_eq!(form.focus, SilenceField::Duration);
        assert_eq!(
            form.silence(at(0)).unwrap_err(),
            "a silence needs at least one matcher"
        );
        form.add_matcher();
        assert_eq!(form.focus, SilenceField::Name(0));
        typed(&mut form, "site");
        form.type_key(key(KeyCode::Enter));
        form.type_key(key(KeyCode::Enter));
        typed(&mut form, "CERN-PROD");
        assert_eq!(
            form.silence(at(0)).map(|s| s.matchers[0].to_string()),
            Ok(r#"site="CERN-PROD""#.to_string())
        );
    }

    #[test]
    fn tab_visits_every_field_in_order_and_the_comment_takes_lines() {
        let mut form = SilenceForm::open(&alert(), "cern", "jdoe");
        form.focus = SilenceField::Name(0);
        let mut seen = vec![form.focus];
        for _ in 0..form.fields().len() {
            form.move_focus(true);
            seen.push(form.focus);
        }
        assert_eq!(seen.len(), 16);
        assert_eq!(seen[1], SilenceField::Operator(0));
        assert_eq!(seen[2], SilenceField::Value(0));
        assert_eq!(seen[12], SilenceField::Duration);
        assert_eq!(seen[13], SilenceField::CreatedBy);
        assert_eq!(seen[14], SilenceField::Comment);
        assert_eq!(seen[15], SilenceField::Name(0));

        form.focus = SilenceField::Comment;
        form.paste("first\r\nsecond \u{1b}[31mred\u{1b}[0m\tline");
        assert_eq!(form.comment.lines(), ["first", "second red line"]);
        assert!(form.arrow_stays_in_comment(false));
        assert!(!form.arrow_stays_in_comment(true));

        form.focus = SilenceField::Duration;
        clear(&mut form);
        form.paste("1h\n30m");
        assert_eq!(first_line(&form.duration), "1h 30m");
        assert_eq!(form.duration_secs(), Ok(5400));
    }

    #[test]
    fn a_label_value_the_field_cannot_hold_is_kept_until_edited() {
        let mut weird = alert();
        weird
            .labels
            .insert("alertname".into(), "Weird\u{1b}]0;x\u{7}".into());
        let mut form = SilenceForm::open(&weird, "cern", "jdoe");
        assert_eq!(first_line(&form.matchers[0].value), "Weird␛]0;x\u{fffd}");
        assert!(form.matchers[0].keeps_label_value());
        assert_eq!(form.matchers[0].matcher().value, "Weird\u{1b}]0;x\u{7}");
        assert!(form.matchers[0].matcher().matches(&weird.labels));
        // A plain value is sent as shown.
        assert!(!form.matchers[1].keeps_label_value());

        form.focus = SilenceField::Value(0);
        clear(&mut form);
        typed(&mut form, "Weird");
        assert!(!form.matchers[0].keeps_label_value());
        assert_eq!(form.matchers[0].matcher().value, "Weird");
    }

    #[test]
    fn server_answers_become_one_short_line() {
        assert_eq!(
            one_line("silence invalid:\n\u{1b}[31mbad\u{1b}[0m  matcher"),
            "silence invalid: bad matcher"
        );
        let long = "x".repeat(400);
        assert_eq!(one_line(&long).chars().count(), ANSWER_CHARS);
        assert!(one_line(&long).ends_with('…'));
    }
}
