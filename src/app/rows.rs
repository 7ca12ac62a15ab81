//! The rows of the four panes: which columns they have, how their cells read, how they sort and
//! filter, and what their detail view lists.

use std::sync::Arc;

use crate::catalogue;
use crate::domain::{
    Alert, AlertOrigin, AlertState, Series, Severity, Silence, SilenceState, Task, TaskStatus,
};
use crate::metrics::anomaly::{self, Anomaly};
use crate::predict::{Estimate, Prediction};
use crate::triage::ErrorGroup;
use crate::triage::journal::{Decision, RetryAction, Verdict};
use crate::triage::rules::KnownRule;
use crate::triage::suggest::Suggestion;

use super::filter::Filterable;
use super::format::{age, count, datetime, number};
use super::table::{CellContext, Column, SortKey, TableRow, Tone};

const fn column(name: &'static str, title: &'static str, width: u16, priority: u8) -> Column {
    Column {
        name,
        title,
        width,
        priority,
        flex: false,
        align_right: false,
    }
}

const fn numeric(name: &'static str, title: &'static str, width: u16, priority: u8) -> Column {
    Column {
        name,
        title,
        width,
        priority,
        flex: false,
        align_right: true,
    }
}

const fn flexible(name: &'static str, title: &'static str, width: u16) -> Column {
    Column {
        name,
        title,
        width,
        priority: 0,
        flex: true,
        align_right: false,
    }
}

fn text_key(text: &str) -> SortKey {
    SortKey::Text(text.to_lowercase())
}

fn number_key(value: Option<f64>) -> SortKey {
    value.map_or(SortKey::Missing, SortKey::Number)
}

// ---------------------------------------------------------------------------------------------
// Alerts

const ALERT_COLUMNS: [Column; 7] = [
    column("severity", "SEV", 4, 0),
    column("state", "STATE", 9, 0),
    column("alertname", "ALERT", 20, 0),
    flexible("summary", "SUMMARY", 12),
    column("instance", "INSTANCE", 16, 3),
    numeric("since", "SINCE", 6, 1),
    column("source", "SOURCE", 8, 5),
];

fn severity_rank(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 0.0,
        Severity::Warning => 1.0,
        Severity::Info => 2.0,
        Severity::Other => 3.0,
    }
}

fn state_rank(state: &AlertState) -> f64 {
    match state {
        AlertState::Active => 0.0,
        AlertState::Unprocessed => 1.0,
        AlertState::Inhibited(_) => 2.0,
        AlertState::Silenced(_) => 3.0,
        AlertState::Resolved => 4.0,
    }
}

fn alert_source(alert: &Alert) -> &str {
    match &alert.origin {
        AlertOrigin::Alertmanager(name) => name,
        AlertOrigin::Console => "console",
    }
}

fn alert_instance(alert: &Alert) -> &str {
    ["instance", "host", "site", "series"]
        .iter()
        .find_map(|label| alert.labels.get(*label))
        .map_or("", String::as_str)
}

impl Filterable for Alert {
    fn field_text(&self, field: &str) -> Option<String> {
        match field {
            "severity" | "sev" => Some(self.severity.tag().to_string()),
            "state" => Some(self.state.tag().to_string()),
            "alertname" | "alert" | "name" => Some(self.name.clone()),
            "summary" => Some(self.summary.clone()),
            "instance" => Some(alert_instance(self).to_string()),
            "source" => Some(alert_source(self).to_string()),
            label => self.labels.get(label).cloned(),
        }
    }

    fn field_number(&self, _field: &str) -> Option<f64> {
        None
    }

    fn haystack(&self) -> String {
        let mut text = format!(
            "{} {} {} {} {}",
            self.severity.tag(),
            self.state.tag(),
            self.name,
            self.summary,
            alert_source(self)
        );
        for (name, value) in &self.labels {
            text.push(' ');
            text.push_str(name);
            text.push('=');
            text.push_str(value);
        }
        text.to_lowercase()
    }
}

impl TableRow for Alert {
    type Id = String;

    fn id(&self) -> String {
        self.fingerprint.clone()
    }

    fn columns() -> &'static [Column] {
        &ALERT_COLUMNS
    }

    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone) {
        let tone = match (&self.state, self.severity) {
            (AlertState::Resolved, _)
            | (AlertState::Silenced(_), _)
            | (AlertState::Inhibited(_), _) => Tone::Muted,
            (_, Severity::Critical) => Tone::Crit,
            (_, Severity::Warning) => Tone::Warn,
            _ => Tone::Info,
        };
        match column {
            "severity" => (self.severity.tag().to_string(), tone),
            "state" => (self.state.tag().to_string(), tone),
            "alertname" => (self.name.clone(), Tone::Plain),
            "summary" => (self.summary.clone(), Tone::Plain),
            "instance" => (alert_instance(self).to_string(), Tone::Muted),
            "since" => (age(context.now, self.starts_at), Tone::Plain),
            "source" => (alert_source(self).to_string(), Tone::Muted),
            _ => (String::new(), Tone::Plain),
        }
    }

    fn sort_key(&self, column: &str) -> SortKey {
        match column {
            // Severity first, then what needs attention, then the newest.
            "severity" => SortKey::Number(
                severity_rank(self.severity) * 10.0 + state_rank(&self.state)
                    - (self.starts_at.as_second() as f64) * 1e-12,
            ),
            "state" => SortKey::Number(state_rank(&self.state)),
            "since" => SortKey::Number(-(self.starts_at.as_second() as f64)),
            "alertname" => text_key(&self.name),
            "summary" => text_key(&self.summary),
            "instance" => text_key(alert_instance(self)),
            "source" => text_key(alert_source(self)),
            _ => SortKey::Missing,
        }
    }

    fn details(&self, context: &CellContext) -> Vec<(String, String)> {
        let mut fields = vec![
            ("alert".to_string(), self.name.clone()),
            ("severity".to_string(), self.severity.tag().to_string()),
            ("state".to_string(), self.state.tag().to_string()),
        ];
        match &self.state {
            AlertState::Silenced(ids) => fields.push(("silenced by".into(), ids.join(", "))),
            AlertState::Inhibited(ids) => fields.push(("inhibited by".into(), ids.join(", "))),
            _ => {}
        }
        fields.push(("summary".into(), self.summary.clone()));
        if !self.description.is_empty() {
            fields.push(("description".into(), self.description.clone()));
        }
        fields.push((
            "started".into(),
            format!(
                "{} ({} ago)",
                datetime(self.starts_at),
                age(context.now, self.starts_at)
            ),
        ));
        if let Some(ends) = self.ends_at {
            // For a firing alert this is the lease Alertmanager holds it for, not a resolution.
            let label = if self.state == AlertState::Resolved {
                "resolved"
            } else {
                "lease until"
            };
            fields.push((label.into(), datetime(ends)));
        }
        fields.push(("source".into(), alert_source(self).to_string()));
        fields.push(("fingerprint".into(), self.fingerprint.clone()));
        for (name, value) in &self.labels {
            fields.push((format!("label {name}"), value.clone()));
        }
        fields
    }
}

// ---------------------------------------------------------------------------------------------
// Silences

const SILENCE_COLUMNS: [Column; 8] = [
    column("state", "STATE", 7, 0),
    flexible("matchers", "MATCHERS", 16),
    numeric("ends", "ENDS", 8, 0),
    numeric("alerts", "ALERTS", 6, 1),
    column("by", "BY", 10, 2),
    column("comment", "COMMENT", 24, 3),
    column("source", "SOURCE", 8, 5),
    column("id", "ID", 8, 6),
];

/// A silence of the Alerts pane's silences view, with the Alertmanager that keeps it and the
/// alerts it silences now.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceRow {
    pub silence: Silence,
    /// The Alertmanager's configured name (`demo` on the demo).
    pub source: String,
    /// The names of the alerts shown now as silenced by it.
    pub silencing: Vec<String>,
}

impl SilenceRow {
    /// `ACTIVE`, `PENDING` or `EXPIRED`.
    pub fn state_tag(&self) -> &'static str {
        match self.silence.state {
            SilenceState::Active => "ACTIVE",
            SilenceState::Pending => "PENDING",
            SilenceState::Expired => "EXPIRED",
        }
    }

    /// `alertname="X", instance=~"a|b"`.
    pub fn matchers_text(&self) -> String {
        self.silence
            .matchers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn state_rank(&self) -> f64 {
        match self.silence.state {
            SilenceState::Active => 0.0,
            SilenceState::Pending => 1.0,
            SilenceState::Expired => 2.0,
        }
    }
}

impl Filterable for SilenceRow {
    fn field_text(&self, field: &str) -> Option<String> {
        match field {
            "state" => Some(self.state_tag().to_string()),
            "matchers" | "matcher" => Some(self.matchers_text()),
            "by" | "createdby" => Some(self.silence.created_by.clone()),
            "comment" => Some(self.silence.comment.clone()),
            "source" => Some(self.source.clone()),
            "id" => Some(self.silence.id.clone()),
            "alertname" | "alert" => Some(self.silencing.join(" ")),
            _ => None,
        }
    }

    fn field_number(&self, field: &str) -> Option<f64> {
        (field == "alerts").then_some(self.silencing.len() as f64)
    }

    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.state_tag(),
            self.matchers_text(),
            self.silence.created_by,
            self.silence.comment,
            self.source,
            self.silence.id,
            self.silencing.join(" ")
        )
        .to_lowercase()
    }
}

impl TableRow for SilenceRow {
    /// The Alertmanager's name and the silence id: two servers may hand out the same id.
    type Id = (String, String);

    fn id(&self) -> (String, String) {
        (self.source.clone(), self.silence.id.clone())
    }

    fn columns() -> &'static [Column] {
        &SILENCE_COLUMNS
    }

    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone) {
        let tone = match self.silence.state {
            SilenceState::Active => Tone::Ok,
            SilenceState::Pending => Tone::Info,
            SilenceState::Expired => Tone::Muted,
        };
        match column {
            "state" => (self.state_tag().to_string(), tone),
            "matchers" => (self.matchers_text(), Tone::Plain),
            "ends" => (relative(context, self.silence.ends_at), Tone::Plain),
            "alerts" => (self.silencing.len().to_string(), Tone::Plain),
            "by" => (self.silence.created_by.clone(), Tone::Muted),
            "comment" => (self.silence.comment.clone(), Tone::Plain),
            "source" => (self.source.clone(), Tone::Muted),
            "id" => (self.silence.id.chars().take(8).collect(), Tone::Muted),
            _ => (String::new(), Tone::Plain),
        }
    }

    fn sort_key(&self, column: &str) -> SortKey {
        match column {
            // Active first, then pending, then expired; within each, the soonest end first.
            "state" => {
                SortKey::Number(self.state_rank() * 1e12 + self.silence.ends_at.as_second() as f64)
            }
            "matchers" => text_key(&self.matchers_text()),
            "ends" => SortKey::Number(self.silence.ends_at.as_second() as f64),
            "alerts" => SortKey::Number(self.silencing.len() as f64),
            "by" => text_key(&self.silence.created_by),
            "comment" => text_key(&self.silence.comment),
            "source" => text_key(&self.source),
            "id" => text_key(&self.silence.id),
            _ => SortKey::Missing,
        }
    }

    fn details(&self, context: &CellContext) -> Vec<(String, String)> {
        let silence = &self.silence;
        let mut fields = vec![
            ("silence".to_string(), silence.id.clone()),
            ("state".to_string(), self.state_tag().to_string()),
        ];
        for (number, matcher) in silence.matchers.iter().enumerate() {
            fields.push((format!("matcher {}", number + 1), matcher.to_string()));
        }
        fields.push((
            "starts".into(),
            format!(
                "{} ({})",
                datetime(silence.starts_at),
                relative(context, silence.starts_at)
            ),
        ));
        fields.push((
            "ends".into(),
            format!(
                "{} ({})",
                datetime(silence.ends_at),
                relative(context, silence.ends_at)
            ),
        ));
        fields.push(("created by".into(), silence.created_by.clone()));
        fields.push(("comment".into(), silence.comment.clone()));
        fields.push(("source".into(), self.source.clone()));
        let silencing = if self.silencing.is_empty() {
            "no alert shown now".to_string()
        } else {
            format!(
                "{} alert(s): {}",
                self.silencing.len(),
                self.silencing.join(", ")
            )
        };
        fields.push(("silencing".into(), silencing));
        fields
    }
}

/// `in 2h` for a time ahead, `5m ago` for one past.
fn relative(context: &CellContext, at: jiff::Timestamp) -> String {
    if at > context.now {
        age(context.now, at)
    } else {
        format!("{} ago", age(context.now, at))
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks

const TASK_COLUMNS: [Column; 13] = [
    numeric("jeditaskid", "TASK", 9, 0),
    column("status", "STATUS", 9, 0),
    column("type", "TYPE", 7, 2),
    flexible("taskname", "NAME", 14),
    numeric("progress", "DONE%", 5, 1),
    numeric("ramcount", "RAM/c", 6, 3),
    numeric("ctime", "CTIME", 6, 3),
    numeric("cpueff", "EFF%", 5, 4),
    numeric("io", "IO kB/s", 7, 5),
    numeric("cores", "CORES", 5, 6),
    column("site", "SITE", 12, 7),
    column("user", "USER", 10, 8),
    numeric("modified", "MOD", 5, 2),
];

fn status_tone(status: &TaskStatus) -> Tone {
    match status {
        TaskStatus::Failed | TaskStatus::Broken | TaskStatus::Exhausted | TaskStatus::Aborted => {
            Tone::Crit
        }
        TaskStatus::Paused | TaskStatus::Throttled | TaskStatus::Aborting => Tone::Warn,
        TaskStatus::Running | TaskStatus::Finishing => Tone::Ok,
        TaskStatus::Scouting | TaskStatus::Scouted | TaskStatus::Ready => Tone::Info,
        TaskStatus::Done | TaskStatus::Finished => Tone::Muted,
        _ => Tone::Plain,
    }
}

impl Filterable for Task {
    fn field_text(&self, field: &str) -> Option<String> {
        match field {
            "id" | "jeditaskid" | "task" => Some(self.jeditaskid.to_string()),
            "status" => Some(self.status.as_str().to_string()),
            "type" | "processingtype" => Some(self.processingtype.clone()),
            "name" | "taskname" => Some(self.taskname.clone()),
            "site" => Some(self.site.clone()),
            "user" | "username" => Some(self.username.clone()),
            "framework" | "transhome" => Some(self.transhome.clone()),
            "label" | "prodsourcelabel" => Some(self.prodsourcelabel.clone()),
            _ => self.field_number(field).map(|n| number(Some(n))),
        }
    }

    fn field_number(&self, field: &str) -> Option<f64> {
        match field {
            "id" | "jeditaskid" | "task" => Some(self.jeditaskid as f64),
            "progress" => self.progress_pct(),
            "ramcount" | "ram" => self.ramcount_mb_per_core,
            "ctime" | "cputime" => self.cputime_hs06s_per_event,
            "cpueff" | "eff" => self.cpu_efficiency_pct,
            "io" | "iointensity" => self.io_intensity_kb_per_s,
            "cores" | "corecount" => self.corecount.map(f64::from),
            "files" | "nfiles" => self.n_files.map(|n| n as f64),
            "events" => self.total_events.map(|n| n as f64),
            _ => None,
        }
    }

    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.jeditaskid,
            self.status.as_str(),
            self.processingtype,
            self.taskname,
            self.site,
            self.username,
            self.transhome
        )
        .to_lowercase()
    }
}

impl TableRow for Task {
    type Id = u64;

    fn id(&self) -> u64 {
        self.jeditaskid
    }

    fn columns() -> &'static [Column] {
        &TASK_COLUMNS
    }

    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone) {
        let plain = |text: String| (text, Tone::Plain);
        match column {
            "jeditaskid" => plain(self.jeditaskid.to_string()),
            "status" => (self.status.as_str().to_string(), status_tone(&self.status)),
            "type" => plain(self.processingtype.clone()),
            "taskname" => plain(self.taskname.clone()),
            "progress" => plain(
                self.progress_pct()
                    .map_or("—".into(), |p| format!("{p:.0}")),
            ),
            "ramcount" => plain(number(self.ramcount_mb_per_core)),
            "ctime" => plain(number(self.cputime_hs06s_per_event)),
            "cpueff" => plain(number(self.cpu_efficiency_pct)),
            "io" => plain(number(self.io_intensity_kb_per_s)),
            "cores" => plain(self.corecount.map_or("—".into(), |c| c.to_string())),
            "site" => (self.site.clone(), Tone::Muted),
            "user" => (self.username.clone(), Tone::Muted),
            "modified" => plain(
                self.modification_time
                    .map_or("—".into(), |t| age(context.now, t)),
            ),
            _ => plain(String::new()),
        }
    }

    fn sort_key(&self, column: &str) -> SortKey {
        match column {
            "status" => text_key(self.status.as_str()),
            "type" => text_key(&self.processingtype),
            "taskname" => text_key(&self.taskname),
            "site" => text_key(&self.site),
            "user" => text_key(&self.username),
            "modified" => number_key(self.modification_time.map(|t| t.as_second() as f64)),
            other => number_key(self.field_number(other)),
        }
    }

    fn details(&self, context: &CellContext) -> Vec<(String, String)> {
        let when = |t: Option<jiff::Timestamp>| {
            t.map_or("—".to_string(), |t| {
                format!("{} ({} ago)", datetime(t), age(context.now, t))
            })
        };
        vec![
            ("jeditaskid".into(), self.jeditaskid.to_string()),
            ("taskname".into(), self.taskname.clone()),
            ("status".into(), self.status.as_str().to_string()),
            (
                "reason".into(),
                if self.error_dialog.is_empty() {
                    "—".into()
                } else {
                    self.error_dialog.clone()
                },
            ),
            ("user".into(), self.username.clone()),
            ("prodsourcelabel".into(), self.prodsourcelabel.clone()),
            ("processingtype".into(), self.processingtype.clone()),
            ("framework (transhome)".into(), self.transhome.clone()),
            (
                "cores".into(),
                self.corecount.map_or("—".into(), |c| c.to_string()),
            ),
            ("site".into(), self.site.clone()),
            ("files".into(), count(self.n_files)),
            ("files finished".into(), count(self.n_files_finished)),
            ("files failed".into(), count(self.n_files_failed)),
            ("events".into(), count(self.total_events)),
            (
                "input datasets".into(),
                self.dataset_count.map_or("—".into(), |c| c.to_string()),
            ),
            (
                "RAMCOUNT (MB/core)".into(),
                number(self.ramcount_mb_per_core),
            ),
            (
                "CTIME (HS06·s/event)".into(),
                number(self.cputime_hs06s_per_event),
            ),
            ("CPU efficiency (%)".into(), number(self.cpu_efficiency_pct)),
            (
                "IO intensity (kB/s)".into(),
                number(self.io_intensity_kb_per_s),
            ),
            ("created".into(), when(self.creation_time)),
            ("modified".into(), when(self.modification_time)),
        ]
    }
}

/// A task with the resources the model predicts for it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub task: Task,
    /// `None` until the model has answered (or when there is no model).
    pub prediction: Option<Arc<Prediction>>,
    /// The model learned from the simulated PanDA, which the detail view says.
    pub simulated_model: bool,
}

impl std::ops::Deref for TaskRow {
    type Target = Task;

    fn deref(&self) -> &Task {
        &self.task
    }
}

const TASK_ROW_COLUMNS: [Column; 18] = [
    numeric("jeditaskid", "TASK", 9, 0),
    column("status", "STATUS", 9, 0),
    column("type", "TYPE", 7, 2),
    flexible("taskname", "NAME", 14),
    numeric("progress", "DONE%", 5, 1),
    column("risk", "RISK", 9, 1),
    numeric("ramcount", "RAM/c", 6, 3),
    numeric("pram", "pRAM band", 10, 3),
    numeric("ctime", "CTIME", 6, 4),
    numeric("pctime", "pCTIME band", 11, 4),
    numeric("cpueff", "EFF%", 5, 5),
    numeric("peff", "pEFF band", 9, 5),
    numeric("io", "IO kB/s", 7, 6),
    column("pio", "pIO", 9, 6),
    numeric("cores", "CORES", 5, 7),
    column("site", "SITE", 12, 8),
    column("user", "USER", 10, 9),
    numeric("modified", "MOD", 5, 2),
];

/// `1510–2440`: a band in a cell.
fn band(estimate: &Estimate) -> String {
    format!(
        "{}–{}",
        number(Some(estimate.low)),
        number(Some(estimate.high))
    )
}

/// How far a defined or scouted value lies outside the predicted band, relative to the band's
/// edge: 0 inside, and which side.
fn outside(defined: Option<f64>, estimate: Option<&Estimate>) -> Option<(f64, bool)> {
    let (value, estimate) = (defined?, estimate?);
    if !value.is_finite() {
        return None;
    }
    if value < estimate.low && estimate.low > 0.0 {
        Some(((estimate.low - value) / estimate.low, false))
    } else if value > estimate.high && estimate.high > 0.0 {
        Some(((value - estimate.high) / estimate.high, true))
    } else {
        Some((0.0, false))
    }
}

impl TaskRow {
    /// What disagrees with the prediction beyond its band: `RAM▼` (the task asks for less
    /// memory than predicted: its jobs may fail), `CT▲` (more CPU time than predicted), the sum
    /// of how far outside, and whether there is anything to compare at all.
    pub fn risk(&self) -> Option<(Vec<String>, f64)> {
        let prediction = self.prediction.as_ref()?;
        if !prediction.eligible {
            return None;
        }
        let mut marks = Vec::new();
        let mut score = 0.0;
        let mut compared = false;
        for (name, defined, estimate) in [
            (
                "RAM",
                self.task.ramcount_mb_per_core,
                prediction.ramcount_mb_per_core.as_ref().ok(),
            ),
            (
                "CT",
                self.task.cputime_hs06s_per_event,
                prediction.cputime_hs06s_per_event.as_ref().ok(),
            ),
            (
                "EFF",
                self.task.cpu_efficiency_pct,
                prediction.cpu_efficiency_pct.as_ref().ok(),
            ),
        ] {
            if let Some((distance, above)) = outside(defined, estimate) {
                compared = true;
                if distance > 0.0 {
                    marks.push(format!("{name}{}", if above { "▲" } else { "▼" }));
                    score += distance;
                }
            }
        }
        if let (Some(defined), Ok(io)) = (self.task.io_intensity_kb_per_s, &prediction.io) {
            compared = true;
            let defined_high = defined > 500.0;
            let sure = (io.probability_high - 0.5).abs() >= 0.3;
            if defined_high != io.high && sure {
                marks.push("IO".to_string());
                score += 0.5;
            }
        }
        compared.then_some((marks, score))
    }

    fn risk_text(&self) -> (String, Tone) {
        match (&self.prediction, self.risk()) {
            (None, _) => ("—".to_string(), Tone::Muted),
            (Some(p), _) if !p.eligible => ("n/e".to_string(), Tone::Muted),
            // Nothing defined or scouted yet to compare with.
            (Some(_), None) => ("—".to_string(), Tone::Muted),
            (Some(_), Some((marks, _))) if marks.is_empty() => ("ok".to_string(), Tone::Ok),
            (Some(_), Some((marks, _))) => (marks.join(" "), Tone::Warn),
        }
    }

    fn estimate(&self, column: &str) -> Option<&Estimate> {
        let prediction = self.prediction.as_ref()?;
        match column {
            "pram" => prediction.ramcount_mb_per_core.as_ref().ok(),
            "pctime" => prediction.cputime_hs06s_per_event.as_ref().ok(),
            "peff" => prediction.cpu_efficiency_pct.as_ref().ok(),
            _ => None,
        }
    }
}

impl Filterable for TaskRow {
    fn field_text(&self, field: &str) -> Option<String> {
        match field {
            "risk" => Some(self.risk_text().0),
            "pio" => self
                .prediction
                .as_ref()
                .and_then(|p| p.io.as_ref().ok())
                .map(|io| io.class().to_string()),
            _ => self.task.field_text(field),
        }
    }

    fn field_number(&self, field: &str) -> Option<f64> {
        match field {
            "risk" => self.risk().map(|(_, score)| score),
            "pram" | "pctime" | "peff" => self.estimate(field).map(|e| e.value),
            _ => self.task.field_number(field),
        }
    }

    fn haystack(&self) -> String {
        self.task.haystack()
    }
}

impl TableRow for TaskRow {
    type Id = u64;

    fn id(&self) -> u64 {
        self.task.jeditaskid
    }

    fn columns() -> &'static [Column] {
        &TASK_ROW_COLUMNS
    }

    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone) {
        let muted = |text: String| (text, Tone::Muted);
        let eligible = self.prediction.as_ref().is_some_and(|p| p.eligible);
        match column {
            "risk" => self.risk_text(),
            "pram" | "pctime" | "peff" => match (&self.prediction, self.estimate(column)) {
                (None, _) => muted("—".to_string()),
                (Some(_), None) => muted("no pred".to_string()),
                (Some(_), Some(estimate)) if eligible => (band(estimate), Tone::Info),
                (Some(_), Some(estimate)) => muted(band(estimate)),
            },
            "pio" => match self.prediction.as_ref().map(|p| &p.io) {
                None => muted("—".to_string()),
                Some(Err(_)) => muted("no pred".to_string()),
                Some(Ok(io)) => (
                    format!(
                        "{} {:.0}%",
                        io.class(),
                        io.probability_high.max(1.0 - io.probability_high) * 100.0
                    ),
                    if eligible { Tone::Info } else { Tone::Muted },
                ),
            },
            other => self.task.cell(other, context),
        }
    }

    fn sort_key(&self, column: &str) -> SortKey {
        match column {
            "risk" => number_key(self.risk().map(|(_, score)| score)),
            "pio" => number_key(
                self.prediction
                    .as_ref()
                    .and_then(|p| p.io.as_ref().ok())
                    .map(|io| io.probability_high),
            ),
            "pram" | "pctime" | "peff" => number_key(self.estimate(column).map(|e| e.value)),
            other => self.task.sort_key(other),
        }
    }

    fn details(&self, context: &CellContext) -> Vec<(String, String)> {
        let mut fields = self.task.details(context);
        let Some(prediction) = &self.prediction else {
            fields.push((
                "prediction".into(),
                "none yet: the model is not ready".into(),
            ));
            return fields;
        };
        let shown = |result: &Result<Estimate, String>, unit: &str| match result {
            Ok(estimate) => format!(
                "{} {unit} (band {} to {})",
                number(Some(estimate.value)),
                number(Some(estimate.low)),
                number(Some(estimate.high))
            ),
            Err(reason) => reason.clone(),
        };
        let mut predicted = vec![
            ("prediction".to_string(), {
                let origin = if self.simulated_model {
                    "from a model trained on simulated data (the demo)"
                } else {
                    "from the model file"
                };
                match &prediction.not_eligible_reason {
                    Some(reason) => format!("{origin}; {reason}"),
                    None => origin.to_string(),
                }
            }),
            (
                "predicted RAMCOUNT".into(),
                shown(&prediction.ramcount_mb_per_core, "MB/core"),
            ),
            (
                "predicted CTIME".into(),
                shown(&prediction.cputime_hs06s_per_event, "HS06·s/event"),
            ),
            (
                "predicted CPU efficiency".into(),
                shown(&prediction.cpu_efficiency_pct, "%"),
            ),
            (
                "predicted IO".into(),
                match &prediction.io {
                    Ok(io) => format!(
                        "{} (probability of high {:.0}%; {})",
                        io.class(),
                        io.probability_high * 100.0,
                        shown(&Ok(io.kb_per_s), "kB/s")
                    ),
                    Err(reason) => reason.clone(),
                },
            ),
            (
                "walltime per input file".into(),
                shown(&prediction.walltime_secs_per_file, "s"),
            ),
            ("risk".into(), self.risk_text().0),
        ];
        for flag in &prediction.flags {
            predicted.push(("input flag".into(), flag.clone()));
        }
        fields.extend(predicted);
        fields
    }
}

/// The first items of a list, then how many more: detail views stay readable for big groups.
fn list_some(items: impl Iterator<Item = String>, total: usize) -> String {
    const SHOWN: usize = 12;
    let mut text = items.take(SHOWN).collect::<Vec<_>>().join(", ");
    if total > SHOWN {
        text.push_str(&format!(" … and {} more", total - SHOWN));
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Triage

/// What a Triage row shows of its group, apart from the suggestion and the review.
trait ErrorGroupView {
    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone);
    fn sort_key(&self, column: &str) -> SortKey;
    fn details(&self, context: &CellContext) -> Vec<(String, String)>;
}

fn code_name(group: &ErrorGroup) -> String {
    catalogue::lookup(group.source, group.code)
        .map_or_else(String::new, |info| info.short_name.clone())
}

impl Filterable for ErrorGroup {
    fn field_text(&self, field: &str) -> Option<String> {
        match field {
            "error" => Some(self.key()),
            "source" => Some(self.source.component().to_string()),
            "code" => Some(self.code.to_string()),
            "name" => Some(code_name(self)),
            "pattern" | "diag" => Some(self.pattern.clone()),
            "site" | "topsite" => Some(self.sites.keys().cloned().collect::<Vec<_>>().join(" ")),
            "user" => Some(self.users.iter().cloned().collect::<Vec<_>>().join(" ")),
            _ => self.field_number(field).map(|n| n.to_string()),
        }
    }

    fn field_number(&self, field: &str) -> Option<f64> {
        match field {
            "jobs" => Some(self.jobs as f64),
            "tasks" => Some(self.tasks.len() as f64),
            "sites" => Some(self.sites.len() as f64),
            "users" => Some(self.users.len() as f64),
            "code" => Some(self.code as f64),
            _ => None,
        }
    }

    fn haystack(&self) -> String {
        format!("{} {} {}", self.key(), code_name(self), self.pattern).to_lowercase()
    }
}

/// The cells, sort keys and details of an error group; [`GroupRow`] adds the review columns.
impl ErrorGroupView for ErrorGroup {
    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone) {
        match column {
            "jobs" => (self.jobs.to_string(), Tone::Plain),
            "error" => (self.key(), Tone::Warn),
            "name" => (code_name(self), Tone::Muted),
            // Transform exit codes come without a diagnostic; the catalogue says what they mean.
            "pattern" if self.pattern.is_empty() => (
                catalogue::lookup(self.source, self.code)
                    .map_or("(no diagnostic)".to_string(), |info| {
                        format!("(no diagnostic) {}", info.message)
                    }),
                Tone::Muted,
            ),
            "pattern" => (self.pattern.clone(), Tone::Plain),
            "tasks" => (self.tasks.len().to_string(), Tone::Plain),
            "sites" => (self.sites.len().to_string(), Tone::Plain),
            "users" => (self.users.len().to_string(), Tone::Plain),
            "topsite" => (
                self.top_site()
                    .map_or(String::new(), |(s, _)| s.to_string()),
                Tone::Muted,
            ),
            "last" => (age(context.now, self.last_seen), Tone::Plain),
            _ => (String::new(), Tone::Plain),
        }
    }

    fn sort_key(&self, column: &str) -> SortKey {
        match column {
            "error" => SortKey::Text(format!("{}:{:>10}", self.source.component(), self.code)),
            "name" => text_key(&code_name(self)),
            "pattern" => text_key(&self.pattern),
            "topsite" => text_key(self.top_site().map_or("", |(s, _)| s)),
            "last" => SortKey::Number(self.last_seen.as_second() as f64),
            other => number_key(self.field_number(other)),
        }
    }

    fn details(&self, context: &CellContext) -> Vec<(String, String)> {
        let info = catalogue::lookup(self.source, self.code);
        let mut fields = vec![
            ("error".into(), self.key()),
            (
                "server field".into(),
                self.source.server_field().to_string(),
            ),
            (
                "code name".into(),
                info.map_or("—".into(), |i| i.short_name.clone()),
            ),
            (
                "catalogue message".into(),
                info.map_or("—".into(), |i| i.message.clone()),
            ),
            ("pattern".into(), self.pattern.clone()),
            ("jobs".into(), self.jobs.to_string()),
            (
                "tasks".into(),
                list_some(self.tasks.iter().map(u64::to_string), self.tasks.len()),
            ),
            (
                "users".into(),
                list_some(self.users.iter().cloned(), self.users.len()),
            ),
            (
                "first seen".into(),
                format!(
                    "{} ({} ago)",
                    datetime(self.first_seen),
                    age(context.now, self.first_seen)
                ),
            ),
            (
                "last seen".into(),
                format!(
                    "{} ({} ago)",
                    datetime(self.last_seen),
                    age(context.now, self.last_seen)
                ),
            ),
            ("example job".into(), self.example_pandaid.to_string()),
            ("example diagnostic".into(), self.example_diag.clone()),
        ];
        for (n, sample) in self.samples.iter().take(5).enumerate() {
            fields.push((format!("diagnostic {}", n + 1), sample.clone()));
        }
        if self.samples.len() > 5 {
            fields.push((
                "diagnostics".into(),
                format!(
                    "{} distinct kept (the edit form checks regexes on all)",
                    self.samples.len()
                ),
            ));
        }
        let mut sites: Vec<(&String, &usize)> = self.sites.iter().collect();
        sites.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (site, jobs) in sites {
            fields.push((format!("site {site}"), format!("{jobs} jobs")));
        }
        fields
    }
}

/// An operator's decision on a group, and whether the journal has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The standing decision, or the one being saved.
    pub decision: Decision,
    /// Its number in the journal, once saved.
    pub seq: Option<u64>,
    pub state: ReviewState,
}

impl Review {
    pub fn verdict(&self) -> Verdict {
        self.decision.verdict
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewState {
    /// Sent to the journal, not yet acknowledged.
    Saving,
    Saved,
    /// An undo of this decision is on its way to the journal.
    Undoing,
    /// The journal refused it (a full disk, say): on screen only.
    Unsaved(String),
}

/// The review column's text and tone: never colour alone.
fn review_text(review: Option<&Review>, draft: bool, known: Option<&KnownMatch>) -> (String, Tone) {
    let Some(review) = review else {
        return match (draft, known) {
            (true, _) => ("✎ draft".to_string(), Tone::Info),
            (false, Some(known)) if known.settled() => ("in db".to_string(), Tone::Muted),
            // An inactive rule only logs in PanDA: still to be reviewed.
            (false, Some(known)) if known.covers_all() => ("db log".to_string(), Tone::Info),
            (false, Some(known)) => (format!("db {}/{}", known.matched, known.of), Tone::Info),
            (false, None) => ("—".to_string(), Tone::Muted),
        };
    };
    let (text, tone) = saved_review_text(review);
    (text.to_string(), tone)
}

fn saved_review_text(review: &Review) -> (&'static str, Tone) {
    match (&review.state, review.verdict()) {
        (ReviewState::Saving, _) => ("saving…", Tone::Info),
        (ReviewState::Undoing, _) => ("undoing…", Tone::Info),
        (ReviewState::Unsaved(_), _) => ("UNSAVED", Tone::Crit),
        (ReviewState::Saved, Verdict::Confirmed) => ("✓ conf", Tone::Ok),
        (ReviewState::Saved, Verdict::Rejected) => ("✗ rej", Tone::Warn),
        (ReviewState::Saved, Verdict::Edited) => ("✎ edited", Tone::Ok),
    }
}

/// The review state as the filter and the queues name it.
fn review_word(review: Option<&Review>) -> &'static str {
    match review {
        None => "unreviewed",
        Some(review) => match (&review.state, review.verdict()) {
            (ReviewState::Saving, _) => "saving",
            (ReviewState::Undoing, _) => "undoing",
            (ReviewState::Unsaved(_), _) => "unsaved",
            (ReviewState::Saved, Verdict::Confirmed) => "confirmed",
            (ReviewState::Saved, Verdict::Rejected) => "rejected",
            (ReviewState::Saved, Verdict::Edited) => "edited",
        },
    }
}

/// An error group with the classification the console suggests for it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub group: ErrorGroup,
    pub suggestion: Suggestion,
    pub review: Option<Review>,
    /// An edit of this group is kept as a draft.
    pub draft: bool,
    /// The rule already in PanDA's tables that matches this group's diagnostics.
    pub known: Option<KnownMatch>,
}

/// A rule from PanDA's `ERROR_CLASSIFICATION` table that matches a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownMatch {
    pub rule: KnownRule,
    /// Of the group's sampled diagnostics, how many the rule (or an earlier one) matches.
    pub matched: usize,
    pub of: usize,
}

impl KnownMatch {
    /// Every sampled diagnostic is covered.
    pub fn covers_all(&self) -> bool {
        self.matched == self.of
    }

    /// Nothing is left to decide: an active rule covers every sampled diagnostic. An inactive
    /// rule (`ACTIVE = 'N'`) only logs in PanDA, so it is still for the operators to review.
    pub fn settled(&self) -> bool {
        self.covers_all() && self.rule.active
    }
}

impl GroupRow {
    /// The queues the row is in, as the `queue` filter field gives them: `all`, then
    /// `unreviewed` (no decision) and `suggested` (no decision, a confident suggestion), or
    /// `confirmed` (confirmed or edited) or `rejected`; `drafts` when it has a draft, `unsaved`
    /// when its decision is not on disk.
    pub fn queues(&self) -> String {
        let mut queues = vec!["all"];
        match &self.review {
            None if self.known.as_ref().is_some_and(KnownMatch::settled) => queues.push("known"),
            None => {
                queues.push("unreviewed");
                if self.suggestion.is_confident() {
                    queues.push("suggested");
                }
            }
            Some(review) => {
                queues.push(match review.verdict() {
                    Verdict::Confirmed | Verdict::Edited => "confirmed",
                    Verdict::Rejected => "rejected",
                });
                if matches!(review.state, ReviewState::Unsaved(_)) {
                    queues.push("unsaved");
                }
            }
        }
        if self.draft {
            queues.push("drafts");
        }
        queues.join(" ")
    }
}

impl std::ops::Deref for GroupRow {
    type Target = ErrorGroup;

    fn deref(&self) -> &ErrorGroup {
        &self.group
    }
}

const GROUP_ROW_COLUMNS: [Column; 12] = [
    numeric("jobs", "JOBS", 5, 0),
    column("review", "REVIEW", 8, 1),
    column("error", "ERROR", 14, 0),
    column("name", "NAME", 14, 4),
    flexible("pattern", "PATTERN", 16),
    column("suggested", "SUGGEST", 10, 1),
    column("retry", "RETRY", 16, 5),
    numeric("tasks", "TASKS", 5, 3),
    numeric("sites", "SITES", 5, 6),
    numeric("users", "USERS", 5, 7),
    column("topsite", "TOP SITE", 12, 8),
    numeric("last", "LAST", 5, 2),
];

fn suggested_text(suggestion: &Suggestion) -> String {
    let class = match suggestion.label.error_class {
        "system" => "sys",
        "user" => "user",
        _ => "unk",
    };
    let permanence = match suggestion.label.permanence {
        "transient" => "trans",
        "permanent" => "perm",
        _ => "?",
    };
    // A trailing "?" marks a guess the model is unsure of, so it never rests on colour.
    let unsure = if suggestion.is_confident() { "" } else { "?" };
    format!("{class}/{permanence}{unsure}")
}

impl Filterable for GroupRow {
    fn field_text(&self, field: &str) -> Option<String> {
        match field {
            "suggested" | "class" => Some(suggested_text(&self.suggestion)),
            "review" => Some(format!(
                "{}{}",
                review_word(self.review.as_ref()),
                if self.draft { " draft" } else { "" }
            )),
            "queue" => Some(self.queues()),
            "retry" | "action" => Some(self.suggestion.label.retry_action.to_string()),
            _ => self.group.field_text(field),
        }
    }

    fn field_number(&self, field: &str) -> Option<f64> {
        match field {
            "confidence" => Some(self.suggestion.confidence * 100.0),
            _ => self.group.field_number(field),
        }
    }

    fn haystack(&self) -> String {
        format!(
            "{} {} {}",
            self.group.haystack(),
            suggested_text(&self.suggestion),
            self.suggestion.label.retry_action
        )
        .to_lowercase()
    }
}

impl TableRow for GroupRow {
    type Id = String;

    fn id(&self) -> String {
        self.group.id.clone()
    }

    fn columns() -> &'static [Column] {
        &GROUP_ROW_COLUMNS
    }

    fn cell(&self, column: &str, context: &CellContext) -> (String, Tone) {
        let tone = if self.suggestion.is_confident() {
            Tone::Info
        } else {
            Tone::Muted
        };
        // A group the database already classifies is not suggested again.
        let known = self.known.as_ref().filter(|known| known.settled());
        match column {
            "suggested" if known.is_some() => (
                format!("db {}", known.map_or("", |k| k.rule.error_class.as_str())),
                Tone::Muted,
            ),
            "suggested" => (suggested_text(&self.suggestion), tone),
            "review" => review_text(self.review.as_ref(), self.draft, self.known.as_ref()),
            // The database's rule has no retry action of its own (that is RETRYERRORS).
            "retry" if known.is_some() => ("—".to_string(), Tone::Muted),
            "retry" => (self.suggestion.label.retry_action.to_string(), tone),
            other => self.group.cell(other, context),
        }
    }

    fn sort_key(&self, column: &str) -> SortKey {
        match column {
            "suggested" => text_key(&suggested_text(&self.suggestion)),
            "review" => {
                text_key(&review_text(self.review.as_ref(), self.draft, self.known.as_ref()).0)
            }
            "retry" => text_key(self.suggestion.label.retry_action),
            other => self.group.sort_key(other),
        }
    }

    fn details(&self, context: &CellContext) -> Vec<(String, String)> {
        let mut fields = self.group.details(context);
        let label = &self.suggestion.label;
        let suggestion = vec![
            (
                "suggested class".to_string(),
                format!("{} / {}", label.error_class, label.permanence),
            ),
            (
                "suggested retry".to_string(),
                label.retry_action.to_string(),
            ),
            (
                "confidence".to_string(),
                format!(
                    "{:.0}%{}",
                    self.suggestion.confidence * 100.0,
                    if self.suggestion.is_confident() {
                        ""
                    } else {
                        " (unsure)"
                    }
                ),
            ),
            ("because of".to_string(), self.suggestion.because.join(", ")),
        ];
        let mut suggestion = suggestion;
        if let Some(known) = &self.known {
            let rule = &known.rule;
            suggestion.push((
                "database rule".to_string(),
                format!(
                    "ERROR_CLASSIFICATION{}: class {}, active {}, \"{}\"; matches {} of {} \
                     sampled diagnostics{}",
                    rule.id.map_or(String::new(), |id| format!(" {id}")),
                    rule.error_class,
                    if rule.active { "Y" } else { "N" },
                    rule.description,
                    known.matched,
                    known.of,
                    if known.settled() {
                        ": nothing left to decide"
                    } else if known.covers_all() {
                        ": inactive (PanDA only logs it), so still to be reviewed"
                    } else {
                        ": the rest needs a decision"
                    }
                ),
            ));
            suggestion.push(("database regex".to_string(), rule.diag_regex.clone()));
        }
        suggestion.extend(review_details(self.review.as_ref(), self.draft));
        // After the pattern, before the counts.
        let at = fields
            .iter()
            .position(|(k, _)| k == "jobs")
            .unwrap_or(fields.len());
        fields.splice(at..at, suggestion);
        fields
    }
}

/// The detail lines of a group's review: the decision as it will be exported, and its state.
fn review_details(review: Option<&Review>, draft: bool) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let Some(review) = review else {
        fields.push(("review".to_string(), "not reviewed".to_string()));
        if draft {
            fields.push((
                "draft".to_string(),
                "an edit is kept as a draft: e reopens it".to_string(),
            ));
        }
        return fields;
    };
    let decision = &review.decision;
    let state = match &review.state {
        ReviewState::Saving => "saving…".to_string(),
        ReviewState::Undoing => "undoing…".to_string(),
        ReviewState::Saved => match review.seq {
            Some(seq) => format!("saved (journal entry {seq})"),
            None => "saved".to_string(),
        },
        ReviewState::Unsaved(reason) => format!("NOT SAVED: {reason}"),
    };
    fields.push((
        "review".to_string(),
        format!(
            "{} by {} at {} · {state}",
            review_word(Some(review)),
            decision.operator,
            datetime(decision.decided_at)
        ),
    ));
    fields.push((
        "decided class".to_string(),
        format!(
            "{} / {}",
            decision.error_class.as_str(),
            decision.permanence.as_str()
        ),
    ));
    fields.push((
        "decided retry".to_string(),
        match decision.retry_action {
            Some(RetryAction::LimitRetry { max_attempt }) => {
                format!("limit_retry (max {max_attempt} attempts)")
            }
            Some(action) => action.as_str().to_string(),
            None => "none (PanDA's defaults)".to_string(),
        },
    ));
    fields.push(("ERROR_DIAG".to_string(), decision.diag_regex.clone()));
    fields.push(("description".to_string(), decision.description.clone()));
    if !decision.note.is_empty() {
        fields.push(("note".to_string(), decision.note.replace('\n', " / ")));
    }
    if draft {
        fields.push((
            "draft".to_string(),
            "a newer edit is kept as a draft: e reopens it".to_string(),
        ));
    }
    fields
}

// ---------------------------------------------------------------------------------------------
// Metrics

/// A series with its anomalies, found when the series arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    pub series: Series,
    pub anomalies: Vec<Anomaly>,
}

impl SeriesRow {
    pub fn new(series: Series) -> SeriesRow {
        let anomalies = anomaly::detect(&series.values);
        SeriesRow { series, anomalies }
    }

    /// The newest sample, whatever it is (`NaN` included).
    pub fn last(&self) -> Option<f64> {
        self.series.values.last().copied()
    }
}

const SERIES_COLUMNS: [Column; 5] = [
    flexible("title", "SERIES", 16),
    numeric("last", "LAST", 7, 0),
    numeric("min", "MIN", 7, 2),
    numeric("max", "MAX", 7, 2),
    numeric("anomalies", "ANOM", 4, 1),
];

impl Filterable for SeriesRow {
    fn field_text(&self, field: &str) -> Option<String> {
        match field {
            "title" | "name" => Some(self.series.title.clone()),
            "id" => Some(self.series.id.clone()),
            "unit" => Some(self.series.unit.clone()),
            _ => None,
        }
    }

    fn field_number(&self, field: &str) -> Option<f64> {
        let range = crate::metrics::scale::finite_range(&self.series.values);
        match field {
            "last" => self.last(),
            "min" => range.map(|r| r.0),
            "max" => range.map(|r| r.1),
            "anomalies" => Some(self.anomalies.len() as f64),
            _ => None,
        }
    }

    fn haystack(&self) -> String {
        format!(
            "{} {} {}",
            self.series.id, self.series.title, self.series.unit
        )
        .to_lowercase()
    }
}

impl TableRow for SeriesRow {
    type Id = String;

    fn id(&self) -> String {
        self.series.id.clone()
    }

    fn columns() -> &'static [Column] {
        &SERIES_COLUMNS
    }

    fn cell(&self, column: &str, _context: &CellContext) -> (String, Tone) {
        match column {
            "title" => (
                format!("{} ({})", self.series.title, self.series.unit),
                Tone::Plain,
            ),
            "anomalies" if !self.anomalies.is_empty() => {
                (self.anomalies.len().to_string(), Tone::Anomaly)
            }
            "anomalies" => ("0".into(), Tone::Muted),
            other => (number(self.field_number(other)), Tone::Plain),
        }
    }

    fn sort_key(&self, column: &str) -> SortKey {
        match column {
            "title" => text_key(&self.series.title),
            other => number_key(self.field_number(other)),
        }
    }

    fn details(&self, context: &CellContext) -> Vec<(String, String)> {
        let range = crate::metrics::scale::finite_range(&self.series.values);
        let gaps = self.series.values.iter().filter(|v| v.is_nan()).count();
        let mut fields = vec![
            ("series".into(), self.series.title.clone()),
            ("id".into(), self.series.id.clone()),
            ("unit".into(), self.series.unit.clone()),
            ("samples".into(), self.series.values.len().to_string()),
            ("gaps".into(), gaps.to_string()),
            ("last".into(), number(self.last())),
            ("min".into(), number(range.map(|r| r.0))),
            ("max".into(), number(range.map(|r| r.1))),
        ];
        for found in &self.anomalies {
            let when = self.series.times.get(found.index).copied();
            let value = self.series.values.get(found.index).copied();
            fields.push((
                "anomaly".into(),
                format!(
                    "{} value {} ({:+.1} robust σ){}",
                    when.map_or("—".into(), datetime),
                    number(value),
                    found.score,
                    when.map_or(String::new(), |t| format!(", {} ago", age(context.now, t)))
                ),
            ));
        }
        fields
    }
}
