//! Plain data types shared by the sources, the app state and the UI.
//!
//! Nothing here does I/O or knows how it is drawn. Every string in these types came from a source
//! and is untrusted: it is sanitised where it is displayed, never here.

use std::collections::BTreeMap;

use jiff::Timestamp;

/// The four panes of the console, in screen order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PaneId {
    Alerts,
    Tasks,
    Triage,
    Metrics,
}

impl PaneId {
    pub const ALL: [PaneId; 4] = [
        PaneId::Alerts,
        PaneId::Tasks,
        PaneId::Triage,
        PaneId::Metrics,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Alerts => "Alerts",
            PaneId::Tasks => "Tasks",
            PaneId::Triage => "Triage",
            PaneId::Metrics => "Metrics",
        }
    }

    pub fn index(self) -> usize {
        match self {
            PaneId::Alerts => 0,
            PaneId::Tasks => 1,
            PaneId::Triage => 2,
            PaneId::Metrics => 3,
        }
    }

    pub fn from_name(name: &str) -> Option<PaneId> {
        match name.to_ascii_lowercase().as_str() {
            "alerts" | "alert" => Some(PaneId::Alerts),
            "tasks" | "task" => Some(PaneId::Tasks),
            "triage" | "errors" => Some(PaneId::Triage),
            "metrics" | "metric" => Some(PaneId::Metrics),
            _ => None,
        }
    }
}

/// Severity of an alert, from its `severity` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    Warning,
    Info,
    /// A severity label the console does not know; the raw value is kept in the labels.
    Other,
}

impl Severity {
    pub fn from_label(value: &str) -> Severity {
        match value.to_ascii_lowercase().as_str() {
            "critical" | "crit" | "page" | "error" => Severity::Critical,
            "warning" | "warn" => Severity::Warning,
            "info" | "informational" | "none" => Severity::Info,
            _ => Severity::Other,
        }
    }

    /// A short text tag, so severity never depends on colour alone.
    pub fn tag(self) -> &'static str {
        match self {
            Severity::Critical => "CRIT",
            Severity::Warning => "WARN",
            Severity::Info => "INFO",
            Severity::Other => "----",
        }
    }
}

/// Where an alert is in Alertmanager's life cycle (API v2 `status.state`), plus resolution.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertState {
    /// Firing and not suppressed.
    Active,
    /// Suppressed by one or more silences (their ids).
    Silenced(Vec<String>),
    /// Suppressed by inhibition (the fingerprints of the inhibiting alerts).
    Inhibited(Vec<String>),
    /// Received but not yet processed by Alertmanager.
    Unprocessed,
    /// No longer firing.
    Resolved,
}

impl AlertState {
    pub fn tag(&self) -> &'static str {
        match self {
            AlertState::Active => "FIRING",
            AlertState::Silenced(_) => "SILENCED",
            AlertState::Inhibited(_) => "INHIBITED",
            AlertState::Unprocessed => "UNPROC",
            AlertState::Resolved => "RESOLVED",
        }
    }
}

/// Who raised an alert: an Alertmanager, or the console itself (metric anomalies).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AlertOrigin {
    Alertmanager(String),
    Console,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Alertmanager's fingerprint, or a stable id for console alerts.
    pub fingerprint: String,
    pub name: String,
    pub severity: Severity,
    pub state: AlertState,
    pub labels: BTreeMap<String, String>,
    pub summary: String,
    pub description: String,
    pub starts_at: Timestamp,
    /// For a firing alert this is a lease in the future, not a resolution time.
    pub ends_at: Option<Timestamp>,
    pub origin: AlertOrigin,
}

/// A silence as Alertmanager describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub created_by: String,
    pub comment: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub state: SilenceState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    pub is_equal: bool,
}

impl Matcher {
    /// `=`, `!=`, `=~` or `!~`, as Alertmanager writes matchers.
    pub fn operator(&self) -> &'static str {
        match (self.is_equal, self.is_regex) {
            (true, false) => "=",
            (false, false) => "!=",
            (true, true) => "=~",
            (false, true) => "!~",
        }
    }

    /// Whether the matcher accepts a label set, as Alertmanager decides it: a missing label
    /// reads as the empty value, and a regex must match the whole value. A regex that does not
    /// compile accepts nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        self.matches_value(value)
    }

    /// Whether the matcher accepts one label value (`""` for a missing label).
    pub fn matches_value(&self, value: &str) -> bool {
        let hit = if self.is_regex {
            regex::Regex::new(&format!("^(?:{})$", self.value))
                .is_ok_and(|regex| regex.is_match(value))
        } else {
            self.value == value
        };
        hit == self.is_equal
    }
}

impl std::fmt::Display for Matcher {
    /// `instance=~"aipanda0(1|2)\.cern\.ch"`, as Alertmanager's own pages show it: the value as
    /// typed, only its quotes escaped.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{}{}\"{}\"",
            self.name,
            self.operator(),
            self.value.replace('"', "\\\"")
        )
    }
}

/// A deployment or chat-ops event, such as "panda-server@master upgrade on: host by user".
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentEvent {
    pub id: String,
    pub at: Timestamp,
    pub component: String,
    pub branch: String,
    pub host: String,
    pub user: String,
    pub commit: Option<String>,
}

/// A JEDI task status. Unknown statuses are kept verbatim rather than rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskStatus {
    Registered,
    Defined,
    Assigning,
    Ready,
    Pending,
    Scouting,
    Scouted,
    Running,
    Prepared,
    Finishing,
    Done,
    Finished,
    Failed,
    Aborting,
    Aborted,
    Broken,
    Exhausted,
    Paused,
    Throttled,
    ToRetry,
    Other(String),
}

impl TaskStatus {
    pub fn parse(value: &str) -> TaskStatus {
        match value {
            "registered" => TaskStatus::Registered,
            "defined" => TaskStatus::Defined,
            "assigning" => TaskStatus::Assigning,
            "ready" => TaskStatus::Ready,
            "pending" => TaskStatus::Pending,
            "scouting" => TaskStatus::Scouting,
            "scouted" => TaskStatus::Scouted,
            "running" => TaskStatus::Running,
            "prepared" => TaskStatus::Prepared,
            "finishing" => TaskStatus::Finishing,
            "done" => TaskStatus::Done,
            "finished" => TaskStatus::Finished,
            "failed" => TaskStatus::Failed,
            "aborting" => TaskStatus::Aborting,
            "aborted" => TaskStatus::Aborted,
            "broken" => TaskStatus::Broken,
            "exhausted" => TaskStatus::Exhausted,
            "paused" => TaskStatus::Paused,
            "throttled" => TaskStatus::Throttled,
            "toretry" => TaskStatus::ToRetry,
            other => TaskStatus::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Registered => "registered",
            TaskStatus::Defined => "defined",
            TaskStatus::Assigning => "assigning",
            TaskStatus::Ready => "ready",
            TaskStatus::Pending => "pending",
            TaskStatus::Scouting => "scouting",
            TaskStatus::Scouted => "scouted",
            TaskStatus::Running => "running",
            TaskStatus::Prepared => "prepared",
            TaskStatus::Finishing => "finishing",
            TaskStatus::Done => "done",
            TaskStatus::Finished => "finished",
            TaskStatus::Failed => "failed",
            TaskStatus::Aborting => "aborting",
            TaskStatus::Aborted => "aborted",
            TaskStatus::Broken => "broken",
            TaskStatus::Exhausted => "exhausted",
            TaskStatus::Paused => "paused",
            TaskStatus::Throttled => "throttled",
            TaskStatus::ToRetry => "toretry",
            TaskStatus::Other(raw) => raw,
        }
    }

    /// Final states in BigPanDA's sense: nothing more will happen to the task.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TaskStatus::Done
                | TaskStatus::Finished
                | TaskStatus::Failed
                | TaskStatus::Aborted
                | TaskStatus::Broken
        )
    }

    /// States an operator has to look at.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self,
            TaskStatus::Failed | TaskStatus::Broken | TaskStatus::Exhausted
        )
    }
}

/// A JEDI task with the fields the console shows. `None` means the source did not say.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub jeditaskid: u64,
    pub taskname: String,
    pub status: TaskStatus,
    pub username: String,
    /// `managed` (production) or `user` (analysis), PanDA's `prodsourcelabel`.
    pub prodsourcelabel: String,
    pub processingtype: String,
    /// The framework as PanDA's `transhome` names it, e.g. `AthDerivation-24.0.30`.
    pub transhome: String,
    pub corecount: Option<u32>,
    pub n_files: Option<u64>,
    pub n_files_finished: Option<u64>,
    pub n_files_failed: Option<u64>,
    pub total_events: Option<u64>,
    pub dataset_count: Option<u32>,
    pub ramcount_mb_per_core: Option<f64>,
    pub cputime_hs06s_per_event: Option<f64>,
    pub cpu_efficiency_pct: Option<f64>,
    pub io_intensity_kb_per_s: Option<f64>,
    pub creation_time: Option<Timestamp>,
    /// When its first job started (PanDA's `starttime`), and when it ended (`endtime`).
    pub start_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub modification_time: Option<Timestamp>,
    /// Why the task is in its state, PanDA's `errordialog`.
    pub error_dialog: String,
    pub site: String,
}

impl Task {
    /// Finished files as a percentage of all files; `None` when the total is unknown or zero.
    pub fn progress_pct(&self) -> Option<f64> {
        let total = self.n_files?;
        if total == 0 {
            return None;
        }
        let finished = self.n_files_finished.unwrap_or(0).min(total);
        Some(finished as f64 * 100.0 / total as f64)
    }
}

/// The component of PanDA that reported an error, with its BigPanDA and server names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorSource {
    Pilot,
    Executor,
    DataService,
    Brokerage,
    JobDispatcher,
    TaskBuffer,
    Supervisor,
    Transform,
}

impl ErrorSource {
    pub const ALL: [ErrorSource; 8] = [
        ErrorSource::Pilot,
        ErrorSource::Executor,
        ErrorSource::DataService,
        ErrorSource::Brokerage,
        ErrorSource::JobDispatcher,
        ErrorSource::TaskBuffer,
        ErrorSource::Supervisor,
        ErrorSource::Transform,
    ];

    /// BigPanDA's component name, as in `"pilot:1099"`.
    pub fn component(self) -> &'static str {
        match self {
            ErrorSource::Pilot => "pilot",
            ErrorSource::Executor => "executor",
            ErrorSource::DataService => "dataservice",
            ErrorSource::Brokerage => "brokerage",
            ErrorSource::JobDispatcher => "jobdispatcher",
            ErrorSource::TaskBuffer => "taskbuffer",
            ErrorSource::Supervisor => "supervisor",
            ErrorSource::Transform => "transform",
        }
    }

    /// The PanDA server's job attribute, used as `ERROR_SOURCE` in `ERROR_CLASSIFICATION`.
    pub fn server_field(self) -> &'static str {
        match self {
            ErrorSource::Pilot => "pilotErrorCode",
            ErrorSource::Executor => "exeErrorCode",
            ErrorSource::DataService => "ddmErrorCode",
            ErrorSource::Brokerage => "brokerageErrorCode",
            ErrorSource::JobDispatcher => "jobDispatcherErrorCode",
            ErrorSource::TaskBuffer => "taskBufferErrorCode",
            ErrorSource::Supervisor => "supErrorCode",
            ErrorSource::Transform => "transExitCode",
        }
    }

    pub fn from_component(name: &str) -> Option<ErrorSource> {
        ErrorSource::ALL
            .into_iter()
            .find(|source| source.component() == name)
    }
}

/// One error of a failed or holding job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    pub source: ErrorSource,
    pub code: i64,
    /// The diagnostic, usually `"<standard message>:<detail>"`; empty for transform exit codes.
    pub diag: String,
}

/// A failed or holding job with its errors.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedJob {
    pub pandaid: u64,
    pub jeditaskid: u64,
    pub status: String,
    pub computingsite: String,
    pub produsername: String,
    pub modification_time: Timestamp,
    pub errors: Vec<JobError>,
}

/// One metric series. Missing samples are `NaN` (a gap); infinities are kept as such.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub id: String,
    pub title: String,
    pub unit: String,
    /// Sample times, one per value, ascending.
    pub times: Vec<Timestamp>,
    pub values: Vec<f64>,
}

/// Data a source delivers for its pane. Each is a full snapshot, not a delta.
#[derive(Debug, Clone, PartialEq)]
pub enum Feed {
    Alerts(Vec<Alert>),
    Silences(Vec<Silence>),
    Events(Vec<DeploymentEvent>),
    Tasks(Vec<Task>),
    FailedJobs(Vec<FailedJob>),
    Series(Vec<Series>),
}

/// How a source is doing, shown in its pane's title.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceHealth {
    /// First load in progress; `progress` is a short note such as "312 of 900 tasks".
    Loading { progress: Option<String> },
    Fresh {
        at: Timestamp,
        /// What the last good answer lacked, such as "2 of 500 records skipped: …".
        note: Option<String>,
    },
    /// The last good data is still shown; the latest attempt failed.
    Stale {
        since: Timestamp,
        reason: String,
        retry_at: Option<Timestamp>,
    },
    /// No source is configured for the pane: nothing is wrong, there is just nothing to show.
    Unconfigured,
    /// Nothing good has arrived yet, or the source gave up.
    Failing { reason: String },
}

/// A message from a source task to the app.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceEvent {
    pub source: String,
    pub pane: PaneId,
    pub kind: SourceEventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceEventKind {
    Data(Feed),
    Health(SourceHealth),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(name: &str, operator: &str, value: &str) -> Matcher {
        Matcher {
            name: name.to_string(),
            value: value.to_string(),
            is_regex: operator.ends_with('~'),
            is_equal: !operator.starts_with('!'),
        }
    }

    #[test]
    fn matchers_read_labels_as_alertmanager_does() {
        let mut labels = BTreeMap::new();
        labels.insert("instance".to_string(), "aipanda171.cern.ch".to_string());

        assert!(matcher("instance", "=", "aipanda171.cern.ch").matches(&labels));
        assert!(!matcher("instance", "!=", "aipanda171.cern.ch").matches(&labels));
        // A regex matches the whole value, not a part of it.
        assert!(matcher("instance", "=~", r"aipanda17\d\.cern\.ch").matches(&labels));
        assert!(!matcher("instance", "=~", "aipanda17").matches(&labels));
        assert!(matcher("instance", "!~", "aipanda17").matches(&labels));
        // A missing label is the empty value.
        assert!(matcher("site", "=", "").matches(&labels));
        assert!(matcher("site", "!=", "CERN-PROD").matches(&labels));
        // A regex that does not compile accepts nothing.
        assert!(!matcher("instance", "=~", "aipanda(").matches(&labels));
    }

    #[test]
    fn matchers_print_as_alertmanager_writes_them() {
        assert_eq!(
            matcher("instance", "=~", "aipanda0(1|2).*").to_string(),
            r#"instance=~"aipanda0(1|2).*""#
        );
        assert_eq!(
            matcher("alertname", "!=", "Watchdog").to_string(),
            r#"alertname!="Watchdog""#
        );
        assert_eq!(
            matcher("instance", "=~", r"aipanda17\d\.cern\.ch").to_string(),
            r#"instance=~"aipanda17\d\.cern\.ch""#
        );
        assert_eq!(
            matcher("summary", "=", r#"say "hi""#).to_string(),
            r#"summary="say \"hi\"""#
        );
    }
}
