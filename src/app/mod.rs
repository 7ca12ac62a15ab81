//! The console's state and the reducer that changes it.
//!
//! Everything that happens arrives as a [`Message`]: a key, a source's snapshot or health, the
//! clock, a new terminal size. [`App::update`] folds it into the state and returns the
//! [`Effect`]s the event loop must carry out (ask a source to refresh, quit). Nothing here awaits,
//! reads a file or touches the network, so the same code drives the live console, the snapshot
//! command and the tests.

pub mod command;
pub mod edit;
pub mod filter;
pub mod format;
pub mod rows;
pub mod silence;
pub mod table;
mod triage;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

use crate::action::Action;
use crate::domain::{
    Alert, AlertOrigin, AlertState, DeploymentEvent, FailedJob, Feed, PaneId, Series, Severity,
    Silence, SourceEvent, SourceEventKind, SourceHealth, Task,
};
use crate::keymap::{Context, Keymap};
use crate::predict::{Prediction, Predictor};
use crate::sources::alertmanager::NewSilence;
use crate::triage::journal::{Draft, Entry, SavedDecision, Verdict};
use crate::triage::rules::RuleSet;
use crate::triage::suggest::{Suggester, Suggestion};
use crate::triage::{ErrorGroup, group_errors};
use crate::ui::layout;
use crate::ui::theme::Theme;

use self::command::Command;
use self::edit::EditForm;
use self::filter::Filter;
pub use self::silence::AlertsView;
use self::silence::SilenceForm;
pub use self::triage::{BulkCandidate, Dialog, Queue};
use crate::metrics::anomaly::Anomaly;

use self::rows::{GroupRow, KnownMatch, Review, SeriesRow, SilenceRow, TaskRow};
use self::table::{CellContext, TableRow, TableView};

/// Anomalies older than this are not raised as console alerts.
const ANOMALY_ALERT_WINDOW_SECS: i64 = 3600;
/// An anomaly this recent keeps its console alert firing; older ones show as resolved.
const ANOMALY_FIRING_SECS: i64 = 15 * 60;
/// Deployment events kept for the strip.
const EVENTS_KEPT: usize = 200;

#[derive(Debug, Clone)]
pub enum Message {
    Key(KeyEvent),
    Source(SourceEvent),
    Tick(Timestamp),
    Resize(u16, u16),
    /// Error groups computed off the UI task for the failed jobs of `generation`, each with the
    /// suggestion of the suggester of `suggester_version`.
    Grouped {
        generation: u64,
        groups: Vec<(ErrorGroup, Suggestion)>,
        suggester_version: u64,
    },
    /// News of the resource-prediction model: how its training goes, then the model or why there
    /// is none.
    Model(ModelEvent),
    /// Predictions for the tasks of `generation`, worked out off the UI task.
    Predicted {
        generation: u64,
        predictions: Vec<(u64, Arc<Prediction>)>,
    },
    /// Suggestions worked out again, off the UI task, after the suggester learned something.
    Suggested {
        suggester_version: u64,
        suggestions: Vec<(String, Suggestion)>,
    },
    /// The decisions journal is open (its standing verdicts) or could not be opened (why).
    JournalOpened(Result<JournalSummary, String>),
    /// The rules already in PanDA's tables, as `pandaops triage import` stored them, or why
    /// they could not be read.
    KnownRules(Result<Arc<RuleSet>, String>),
    /// The outcome of appending one entry (a decision, an undo, a draft) for a group.
    DecisionSaved {
        group_id: String,
        kind: SaveKind,
        result: Result<Box<Standing>, String>,
    },
    /// Text pasted into the terminal (bracketed paste): typed into the open input, never run as
    /// keys.
    Paste(String),
    /// A mouse click (column, row): focuses the pane under it.
    Click(u16, u16),
    /// The mouse wheel over the screen: scrolls the focused pane.
    Scroll {
        down: bool,
    },
    /// An Alertmanager's answer to a new silence: its id, or why it was refused.
    SilenceCreated {
        alertmanager: String,
        result: Result<String, String>,
    },
    /// An Alertmanager's answer to expiring silence `id`.
    SilenceExpired {
        alertmanager: String,
        id: String,
        result: Result<(), String>,
    },
}

/// What the event loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Ask the sources of a pane to refresh now.
    Refresh(PaneId),
    /// Group the failed jobs of every source (heavy: run it off the UI task) and answer with
    /// [`Message::Grouped`].
    GroupErrors {
        generation: u64,
        jobs: Vec<Arc<Vec<FailedJob>>>,
        suggester: SharedSuggester,
    },
    /// Predict the resources of these tasks (off the UI task) and answer with
    /// [`Message::Predicted`].
    Predict {
        generation: u64,
        tasks: Arc<Vec<Task>>,
        predictor: SharedPredictor,
    },
    /// Suggest again for these groups (heavy: off the UI task) and answer with
    /// [`Message::Suggested`].
    Suggest {
        groups: Vec<ErrorGroup>,
        suggester: SharedSuggester,
    },
    /// Append a decision to the journal (off the UI task) and answer with
    /// [`Message::DecisionSaved`].
    SaveDecision {
        group_id: String,
        entry: Entry,
    },
    /// Send a silence to the named Alertmanager (off the UI task) and answer with
    /// [`Message::SilenceCreated`].
    CreateSilence {
        alertmanager: String,
        silence: NewSilence,
    },
    /// Expire a silence on the named Alertmanager (off the UI task) and answer with
    /// [`Message::SilenceExpired`].
    ExpireSilence {
        alertmanager: String,
        id: String,
    },
    /// Leave raw mode, stop the process (Ctrl+Z), and come back.
    Suspend,
    Quit,
}

/// What the Tasks pane's model is doing.
#[derive(Debug, Clone)]
pub enum ModelEvent {
    Progress(String),
    Ready(Result<(Arc<Predictor>, ModelInfo), String>),
}

/// Where the model in use came from, for the pane's title and the detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    pub source: String,
    pub trained_at: String,
    /// Trained on the simulated PanDA: every prediction says so.
    pub simulated: bool,
    /// Why the model file was not used, when it was not.
    pub note: Option<String>,
}

/// The model of the Tasks pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelStatus {
    /// Not asked for (the snapshot, tests).
    Off,
    Loading(String),
    Ready(ModelInfo),
    Failed(String),
}

/// A predictor handed to work off the UI task.
#[derive(Debug, Clone)]
pub struct SharedPredictor(pub Arc<Predictor>);

impl PartialEq for SharedPredictor {
    fn eq(&self, other: &SharedPredictor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The work of [`Effect::Predict`]: a model that panics gives no prediction, never a dead console.
pub fn predict_now(generation: u64, tasks: &[Task], predictor: &SharedPredictor) -> Message {
    let model = &predictor.0;
    let predictions =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.predict_many(tasks)))
            .unwrap_or_else(|_| {
                tracing::error!(
                    "the resource model panicked; no predictions for this set of tasks"
                );
                Vec::new()
            });
    Message::Predicted {
        generation,
        predictions: tasks
            .iter()
            .zip(predictions)
            .map(|(task, prediction)| (task.jeditaskid, Arc::new(prediction)))
            .collect(),
    }
}

/// The suggester as it was when work was handed off the UI task, and its version.
#[derive(Debug, Clone)]
pub struct SharedSuggester {
    pub version: u64,
    pub suggester: Arc<Suggester>,
}

impl PartialEq for SharedSuggester {
    fn eq(&self, other: &SharedSuggester) -> bool {
        self.version == other.version && Arc::ptr_eq(&self.suggester, &other.suggester)
    }
}

impl SharedSuggester {
    /// Suggestions for groups. A model that panics gives "no suggestion" for that group, never a
    /// dead console (field report B22).
    pub fn suggest(&self, group: &ErrorGroup) -> Suggestion {
        let suggester = &self.suggester;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| suggester.suggest(group)))
            .unwrap_or_else(|_| Suggestion {
                label: crate::triage::suggest::UNKNOWN,
                confidence: 0.0,
                because: vec![
                    "no suggestion: the model failed on this group (see the log)".to_string(),
                ],
                basis: crate::triage::suggest::Basis::Nothing,
            })
    }
}

/// An overlay drawn over the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: u16,
    },
    Detail {
        pane: PaneId,
        scroll: u16,
    },
    /// `:sources`: every source of every pane with its whole health, which pane titles cut.
    Sources {
        scroll: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter(PaneId),
    Command,
}

/// The filter or command line being typed.
pub struct Input {
    pub kind: InputKind,
    pub text: TextArea<'static>,
    /// The filter before typing started, restored on cancel.
    original: String,
    history_position: Option<usize>,
    /// What was typed before the history was recalled, given back past the newest entry.
    draft: String,
}

impl Input {
    pub fn line(&self) -> String {
        self.text.lines().first().cloned().unwrap_or_default()
    }
}

/// What the journal held when it was opened.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JournalSummary {
    /// The standing decision of each group.
    pub decisions: BTreeMap<String, SavedDecision>,
    /// Edits in progress, kept until confirmed or discarded.
    pub drafts: BTreeMap<String, Draft>,
    /// Damaged lines, reported once.
    pub damaged: Vec<String>,
    /// Why this console only reads the journal (another holds its lock), if it does.
    pub read_only: Option<String>,
}

/// The kind of journal entry an answer is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveKind {
    Decision,
    Undo,
    Draft,
    DiscardDraft,
}

impl SaveKind {
    pub fn of(entry: &Entry) -> SaveKind {
        match entry {
            Entry::Decision(_) => SaveKind::Decision,
            Entry::Undo { .. } => SaveKind::Undo,
            Entry::Draft(_) => SaveKind::Draft,
            Entry::DiscardDraft { .. } => SaveKind::DiscardDraft,
        }
    }
}

/// What the journal holds for a group right after an append.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The sequence number of the entry just appended.
    pub seq: u64,
    pub decision: Option<SavedDecision>,
    pub draft: Option<Draft>,
}

/// Whether decisions can be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalStatus {
    Opening,
    Ready,
    Failed(String),
}

/// The row a detail view shows, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailTarget {
    Alert(String),
    Task(u64),
    Group(String),
    Series(String),
    /// A silence, by Alertmanager and id.
    Silence((String, String)),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub is_error: bool,
}

pub struct App {
    pub now: Timestamp,
    pub size: Rect,
    pub focus: PaneId,
    pub zoomed: bool,
    pub overlay: Overlay,
    pub input: Option<Input>,
    pub alerts: TableView<Alert>,
    pub tasks: TableView<TaskRow>,
    /// The tasks as the sources sent them, for the model.
    task_list: Arc<Vec<Task>>,
    /// Predictions by task id, for the latest tasks the model saw.
    pub predictions: HashMap<u64, Arc<Prediction>>,
    pub predictor: Option<Arc<Predictor>>,
    pub model: ModelStatus,
    /// Counts the sets of tasks sent to the model; older answers are dropped.
    predict_generation: u64,
    pub triage: TableView<GroupRow>,
    /// Suggests a classification for each group; learns from the operators' decisions. Shared
    /// with the work done off the UI task; learning copies it if that work still holds it.
    pub suggester: Arc<Suggester>,
    /// Counts what the suggester has learned; suggestions of an older version are redone.
    pub suggester_version: u64,
    /// The operators' decisions by group id, and whether each is saved.
    pub reviews: BTreeMap<String, Review>,
    /// Edits in progress by group id, as the journal holds them.
    pub drafts: BTreeMap<String, Draft>,
    /// The Triage edit form, when open.
    pub edit: Option<EditForm>,
    /// A question waiting for an answer (undo, bulk apply, discard a draft).
    pub dialog: Option<Dialog>,
    /// Which part of the review queue the Triage pane shows.
    pub queue: Queue,
    /// Rules already in PanDA's tables: groups they cover are not suggested again.
    pub known_rules: Arc<RuleSet>,
    /// Groups whose standing decision the suggester has learned, with the decision's number.
    learned: BTreeMap<String, u64>,
    /// When the open form last wrote its draft.
    draft_written: Timestamp,
    /// The id of the last bulk apply.
    last_batch: u64,
    pub journal: JournalStatus,
    /// Who decides, as written into the journal: `user@host`.
    pub operator: String,
    pub metrics: TableView<SeriesRow>,
    pub events: Vec<DeploymentEvent>,
    /// The silences of every Alertmanager, for the Alerts pane's silences view.
    pub silences: TableView<SilenceRow>,
    /// What the Alerts pane lists: alerts, or silences.
    pub alerts_view: AlertsView,
    /// The new-silence form, when open.
    pub silence_form: Option<SilenceForm>,
    /// A silence form closed without sending, or sent and not yet answered: reopened on the
    /// same alert as it was left.
    kept_silence_form: Option<SilenceForm>,
    /// Nothing is written anywhere: no silence created or expired, no triage decision saved.
    pub read_only: bool,
    /// Health per pane, per source name.
    pub health: BTreeMap<PaneId, BTreeMap<String, SourceHealth>>,
    pub status: Option<StatusMessage>,
    /// The row the detail overlay shows.
    pub detail_target: Option<DetailTarget>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub theme_name: String,
    /// Every theme the console can switch to, loaded before the console started.
    pub themes: BTreeMap<String, Theme>,
    /// What loading a theme had to say (a truecolor theme replaced on a terminal without it).
    pub theme_notes: BTreeMap<String, String>,
    /// Shown in the status line, so simulated data is never taken for real data.
    pub simulated: bool,
    /// Whether the status line shows the UTC clock.
    pub show_clock: bool,
    source_alerts: BTreeMap<String, Vec<Alert>>,
    source_silences: BTreeMap<String, Vec<Silence>>,
    source_jobs: BTreeMap<String, Arc<Vec<FailedJob>>>,
    /// Each source's tasks; the pane shows them merged, one row per task id.
    source_tasks: BTreeMap<String, Vec<Task>>,
    /// Each source's deployment events and series; the pane shows them all.
    source_events: BTreeMap<String, Vec<DeploymentEvent>>,
    source_series: BTreeMap<String, Vec<Series>>,
    /// Increases with every new set of failed jobs; grouping results for older sets are dropped.
    triage_generation: u64,
    /// Failed jobs have arrived and their groups are being computed.
    pub triage_grouping: bool,
    console_alerts: Vec<Alert>,
    command_history: Vec<String>,
    filter_history: Vec<String>,
    dirty: bool,
}

impl App {
    pub fn new(
        keymap: Keymap,
        theme_name: &str,
        themes: BTreeMap<String, Theme>,
        now: Timestamp,
    ) -> App {
        let theme = themes.get(theme_name).cloned().unwrap_or_default();
        App {
            now,
            size: Rect::new(0, 0, 120, 40),
            focus: PaneId::Alerts,
            zoomed: false,
            overlay: Overlay::None,
            input: None,
            alerts: TableView::new("severity", false),
            tasks: TableView::new("jeditaskid", true),
            task_list: Arc::new(Vec::new()),
            predictions: HashMap::new(),
            predictor: None,
            model: ModelStatus::Off,
            predict_generation: 0,
            triage: TableView::new("jobs", true),
            suggester: Arc::new(Suggester::seeded()),
            suggester_version: 0,
            reviews: BTreeMap::new(),
            drafts: BTreeMap::new(),
            edit: None,
            dialog: None,
            queue: Queue::All,
            known_rules: Arc::new(RuleSet::default()),
            learned: BTreeMap::new(),
            draft_written: now,
            last_batch: 0,
            journal: JournalStatus::Opening,
            operator: String::from("unknown"),
            metrics: TableView::new("title", false),
            events: Vec::new(),
            silences: TableView::new("state", false),
            alerts_view: AlertsView::Alerts,
            silence_form: None,
            kept_silence_form: None,
            read_only: false,
            health: BTreeMap::new(),
            status: None,
            detail_target: None,
            keymap,
            theme,
            theme_name: theme_name.to_string(),
            themes,
            theme_notes: BTreeMap::new(),
            simulated: false,
            show_clock: true,
            source_alerts: BTreeMap::new(),
            source_silences: BTreeMap::new(),
            source_jobs: BTreeMap::new(),
            source_tasks: BTreeMap::new(),
            source_events: BTreeMap::new(),
            source_series: BTreeMap::new(),
            triage_generation: 0,
            triage_grouping: false,
            console_alerts: Vec::new(),
            command_history: Vec::new(),
            filter_history: Vec::new(),
            dirty: true,
        }
    }

    /// Whether something changed since the last call; the renderer draws only then.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Asks for a frame although the state did not change (after a suspension, say).
    pub fn force_redraw(&mut self) {
        self.dirty = true;
    }

    pub fn cell_context(&self) -> CellContext {
        CellContext { now: self.now }
    }

    pub fn update(&mut self, message: Message) -> Vec<Effect> {
        match message {
            Message::Key(key) => self.on_key(key),
            Message::Source(event) => self.on_source(event),
            Message::Grouped {
                generation,
                groups,
                suggester_version,
            } => {
                // A result for jobs that have since been replaced is dropped.
                if generation != self.triage_generation {
                    return Vec::new();
                }
                self.triage_grouping = false;
                self.dirty = true;
                let rows: Vec<GroupRow> = groups
                    .into_iter()
                    .map(|(group, suggestion)| GroupRow {
                        suggestion,
                        review: self.reviews.get(&group.id).cloned(),
                        draft: self.drafts.contains_key(&group.id),
                        known: known_match(&self.known_rules, &group),
                        group,
                    })
                    .collect();
                if self.triage.rows() != rows.as_slice() {
                    self.triage.set_rows(rows);
                }
                let learned = self.learn_standing();
                // Suggestions made by a suggester that has learned since are redone.
                if learned || suggester_version != self.suggester_version {
                    return self.resuggest();
                }
                Vec::new()
            }
            Message::Model(event) => self.on_model(event),
            Message::Predicted {
                generation,
                predictions,
            } => {
                if generation == self.predict_generation {
                    self.predictions = predictions.into_iter().collect();
                    self.rebuild_task_rows();
                }
                Vec::new()
            }
            Message::Suggested {
                suggester_version,
                suggestions,
            } => {
                if suggester_version != self.suggester_version {
                    return Vec::new();
                }
                let mut by_id: BTreeMap<String, Suggestion> = suggestions.into_iter().collect();
                let rows: Vec<GroupRow> = self
                    .triage
                    .rows()
                    .iter()
                    .map(|row| GroupRow {
                        suggestion: by_id
                            .remove(&row.group.id)
                            .unwrap_or_else(|| row.suggestion.clone()),
                        ..row.clone()
                    })
                    .collect();
                if self.triage.rows() != rows.as_slice() {
                    self.triage.set_rows(rows);
                    self.dirty = true;
                }
                Vec::new()
            }
            Message::Tick(now) => {
                // The clock shows seconds, so each new second is a change worth a frame.
                if self.show_clock && now.as_second() != self.now.as_second() {
                    self.dirty = true;
                }
                self.now = now;
                self.write_draft_if_due()
            }
            Message::Resize(width, height) => {
                self.resize(Rect::new(0, 0, width, height));
                Vec::new()
            }
            Message::Click(column, row) => {
                let screen = layout::screen(self.size, self.focus, self.zoomed);
                let hit = screen
                    .panes
                    .iter()
                    .find(|(_, area)| area.contains((column, row).into()));
                if let Some((pane, _)) = hit
                    && self.input.is_none()
                    && self.edit.is_none()
                    && self.silence_form.is_none()
                    && self.dialog.is_none()
                    && self.overlay == Overlay::None
                {
                    self.focus_pane(*pane);
                    self.dirty = true;
                }
                Vec::new()
            }
            Message::JournalOpened(Ok(summary)) => {
                self.journal = match &summary.read_only {
                    // Asked for: a note, not an error.
                    Some(reason) if self.read_only => {
                        self.info(format!("read-only: {reason}"));
                        JournalStatus::Failed(reason.clone())
                    }
                    Some(reason) => {
                        self.error(format!("read-only: {reason}"));
                        JournalStatus::Failed(reason.clone())
                    }
                    None => JournalStatus::Ready,
                };
                self.on_journal_opened(summary)
            }
            Message::JournalOpened(Err(reason)) => {
                self.error(format!("decisions cannot be saved: {reason}"));
                self.journal = JournalStatus::Failed(reason);
                self.dirty = true;
                Vec::new()
            }
            Message::KnownRules(Ok(rules)) => {
                if !rules.problems().is_empty() {
                    self.error(format!(
                        "known rules: {} left out: {}",
                        rules.problems().len(),
                        rules.problems().join("; ")
                    ));
                }
                self.known_rules = rules;
                let rows: Vec<GroupRow> = self
                    .triage
                    .rows()
                    .iter()
                    .map(|row| GroupRow {
                        known: known_match(&self.known_rules, &row.group),
                        ..row.clone()
                    })
                    .collect();
                self.triage.set_rows(rows);
                self.dirty = true;
                Vec::new()
            }
            Message::KnownRules(Err(reason)) => {
                self.error(format!("known rules not loaded: {reason}"));
                Vec::new()
            }
            Message::DecisionSaved {
                group_id,
                kind,
                result,
            } => self.on_saved(group_id, kind, result),
            Message::SilenceCreated {
                alertmanager,
                result,
            } => self.on_silence_created(&alertmanager, result),
            Message::SilenceExpired {
                alertmanager,
                id,
                result,
            } => self.on_silence_expired(&alertmanager, &id, result),
            Message::Paste(text) => {
                if self.dialog.is_some() {
                    return Vec::new();
                }
                if let Some(form) = self.edit.as_mut() {
                    form.paste(&text);
                    self.dirty = true;
                    return Vec::new();
                }
                if self.silence_form.is_some() {
                    self.paste_into_silence_form(&text);
                    self.dirty = true;
                    return Vec::new();
                }
                if let Some(input) = self.input.as_mut() {
                    // One line: escape sequences go whole, newlines and tabs become spaces, other
                    // controls are dropped.
                    let line: String = edit::strip_escape_sequences(&text)
                        .chars()
                        .map(|c| {
                            if c == '\n' || c == '\r' || c == '\t' {
                                ' '
                            } else {
                                c
                            }
                        })
                        .filter(|c| !c.is_control())
                        .collect();
                    input.text.insert_str(line);
                    if let InputKind::Filter(pane) = input.kind {
                        let line = input.line();
                        self.set_filter(pane, &line);
                    }
                    self.dirty = true;
                }
                Vec::new()
            }
            Message::Scroll { down } => {
                if self.input.is_some() || self.edit.is_some() || self.silence_form.is_some() {
                    return Vec::new();
                }
                self.apply(if down { Action::Down } else { Action::Up })
            }
        }
    }

    pub fn resize(&mut self, size: Rect) {
        if size != self.size {
            self.size = size;
            self.dirty = true;
        }
        self.update_viewports();
    }

    fn update_viewports(&mut self) {
        let screen = layout::screen(self.size, self.focus, self.zoomed);
        for (pane, area) in screen.panes {
            let rows = layout::viewport_rows(pane, area);
            match pane {
                PaneId::Alerts => {
                    self.alerts.set_viewport(rows);
                    self.silences.set_viewport(rows);
                }
                PaneId::Tasks => self.tasks.set_viewport(rows),
                PaneId::Triage => self.triage.set_viewport(rows),
                PaneId::Metrics => self.metrics.set_viewport(rows),
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Sources

    fn on_source(&mut self, event: SourceEvent) -> Vec<Effect> {
        match event.kind {
            SourceEventKind::Health(health) => {
                let pane = self.health.entry(event.pane).or_default();
                if pane.get(&event.source) != Some(&health) {
                    pane.insert(event.source, health);
                    self.dirty = true;
                }
                Vec::new()
            }
            SourceEventKind::Data(Feed::FailedJobs(jobs)) => {
                let jobs = Arc::new(jobs);
                if self.source_jobs.get(&event.source) == Some(&jobs) {
                    return Vec::new();
                }
                self.source_jobs.insert(event.source, jobs);
                self.triage_generation += 1;
                self.triage_grouping = true;
                self.dirty = true;
                vec![Effect::GroupErrors {
                    generation: self.triage_generation,
                    jobs: self.source_jobs.values().cloned().collect(),
                    suggester: self.shared_suggester(),
                }]
            }
            SourceEventKind::Data(Feed::Tasks(tasks)) => {
                if self.source_tasks.get(&event.source) == Some(&tasks) {
                    return Vec::new();
                }
                self.source_tasks.insert(event.source, tasks);
                // One row per task id, also when one source lists a task twice.
                let merged = crate::sources::bigpanda::merge_tasks(
                    self.source_tasks.values().map(Vec::as_slice),
                );
                if self.task_list.as_slice() == merged.as_slice() {
                    return Vec::new();
                }
                self.task_list = Arc::new(merged);
                self.rebuild_task_rows();
                self.predict_tasks()
            }
            SourceEventKind::Data(feed) => {
                self.on_feed(&event.source, feed);
                Vec::new()
            }
        }
    }

    fn on_feed(&mut self, source: &str, feed: Feed) {
        match feed {
            Feed::Alerts(alerts) => {
                if self.source_alerts.get(source) == Some(&alerts) {
                    return;
                }
                self.source_alerts.insert(source.to_string(), alerts);
                self.rebuild_alerts();
            }
            Feed::Silences(silences) => {
                if self.source_silences.get(source) == Some(&silences) {
                    return;
                }
                self.source_silences.insert(source.to_string(), silences);
                self.rebuild_silences();
            }
            Feed::Events(events) => {
                if self.source_events.get(source) == Some(&events) {
                    return;
                }
                self.source_events.insert(source.to_string(), events);
                let mut events: Vec<DeploymentEvent> =
                    self.source_events.values().flatten().cloned().collect();
                events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
                events.truncate(EVENTS_KEPT);
                if self.events == events {
                    return;
                }
                self.events = events;
            }
            // Tasks go to the model as well; see `on_source`.
            Feed::Tasks(_) => return,
            // Grouping is heavy; it is asked of the event loop as an effect (see `on_source`).
            Feed::FailedJobs(_) => return,
            Feed::Series(series) => {
                if self.source_series.get(source) == Some(&series) {
                    return;
                }
                self.source_series.insert(source.to_string(), series);
                // With several sources a series is named by its source too, so two servers'
                // series of the same query stay apart.
                let several = self.source_series.len() > 1;
                let rows: Vec<SeriesRow> = self
                    .source_series
                    .iter()
                    .flat_map(|(name, series)| {
                        series.iter().cloned().map(move |mut series| {
                            if several {
                                series.id = format!("{name}/{}", series.id);
                            }
                            series
                        })
                    })
                    .map(SeriesRow::new)
                    .collect();
                if self.metrics.rows() == rows.as_slice() {
                    return;
                }
                self.console_alerts = anomaly_alerts(&rows, self.now);
                self.metrics.set_rows(rows);
                self.rebuild_alerts();
            }
        }
        self.dirty = true;
    }

    /// The Tasks rows from the tasks and the predictions made so far (the selection stays).
    fn rebuild_task_rows(&mut self) {
        let rows: Vec<TaskRow> = self
            .task_list
            .iter()
            .map(|task| TaskRow {
                prediction: self.predictions.get(&task.jeditaskid).cloned(),
                simulated_model: matches!(&self.model, ModelStatus::Ready(info) if info.simulated),
                task: task.clone(),
            })
            .collect();
        if self.tasks.rows() != rows.as_slice() {
            self.tasks.set_rows(rows);
            self.dirty = true;
        }
    }

    /// Asks for predictions of the current tasks, when there is a model.
    fn predict_tasks(&mut self) -> Vec<Effect> {
        let Some(predictor) = &self.predictor else {
            return Vec::new();
        };
        if self.task_list.is_empty() {
            return Vec::new();
        }
        self.predict_generation += 1;
        vec![Effect::Predict {
            generation: self.predict_generation,
            tasks: Arc::clone(&self.task_list),
            predictor: SharedPredictor(Arc::clone(predictor)),
        }]
    }

    fn on_model(&mut self, event: ModelEvent) -> Vec<Effect> {
        self.dirty = true;
        match event {
            ModelEvent::Progress(note) => {
                self.model = ModelStatus::Loading(note);
                Vec::new()
            }
            ModelEvent::Ready(Ok((predictor, info))) => {
                if let Some(note) = &info.note {
                    self.error(format!("model file not used: {note}"));
                }
                self.model = ModelStatus::Ready(info);
                self.predictor = Some(predictor);
                self.predict_tasks()
            }
            ModelEvent::Ready(Err(reason)) => {
                self.error(format!("no resource predictions: {reason}"));
                self.model = ModelStatus::Failed(reason);
                Vec::new()
            }
        }
    }

    fn rebuild_alerts(&mut self) {
        let mut all: Vec<Alert> = self.source_alerts.values().flatten().cloned().collect();
        all.extend(self.console_alerts.iter().cloned());
        self.alerts.set_rows(all);
        // Which alerts each silence silences comes with the alerts.
        self.rebuild_silences();
        self.dirty = true;
    }

    /// The health shown in a pane's title: the worst of its sources.
    pub fn pane_health(&self, pane: PaneId) -> Vec<(&str, &SourceHealth)> {
        self.health
            .get(&pane)
            .map(|sources| {
                sources
                    .iter()
                    .map(|(name, health)| (name.as_str(), health))
                    .collect()
            })
            .unwrap_or_default()
    }

    // -----------------------------------------------------------------------------------------
    // Keys

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        self.dirty = true;

        // Ctrl+Z suspends like any terminal program, whatever the keymap says.
        if key.code == KeyCode::Char('z') && key.modifiers == KeyModifiers::CONTROL {
            return vec![Effect::Suspend];
        }

        if self.dialog.is_some() {
            return self.on_dialog_key(key);
        }
        if self.edit.is_some() {
            return self.on_edit_key(key);
        }
        if self.silence_form.is_some() {
            return self.on_silence_key(key);
        }
        if self.input.is_some() {
            return self.on_input_key(key);
        }

        // A message in the status line lasts until the next key; the key may set a new one.
        self.status = None;

        // Nothing on screen to act on: only quitting works until the terminal is bigger.
        if layout::screen(self.size, self.focus, self.zoomed).too_small {
            let quit = self.keymap.action_for(Context::Table, &key) == Some(Action::Quit);
            return if quit { vec![Effect::Quit] } else { Vec::new() };
        }

        let context = match self.overlay {
            Overlay::None => Context::Table,
            Overlay::Help { .. } | Overlay::Sources { .. } => Context::Help,
            Overlay::Detail { .. } => Context::Detail,
        };
        match self.keymap.action_for(context, &key) {
            Some(action) => self.apply(action),
            None => Vec::new(),
        }
    }

    fn on_input_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(input) = self.input.as_mut() else {
            return Vec::new();
        };
        match self.keymap.action_for(Context::Input, &key) {
            Some(Action::Submit) => return self.submit_input(),
            Some(Action::Cancel) => {
                if let Some(Input {
                    kind: InputKind::Filter(pane),
                    original,
                    ..
                }) = self.input.take()
                {
                    self.set_filter(pane, &original);
                }
                self.input = None;
                return Vec::new();
            }
            Some(Action::Complete) => {
                if input.kind == InputKind::Command {
                    self.complete_command();
                }
                return Vec::new();
            }
            Some(action @ (Action::HistoryPrev | Action::HistoryNext)) => {
                self.recall_history(action == Action::HistoryPrev);
                return Vec::new();
            }
            _ => {}
        }

        // Only single-line editing keys reach the text; Enter never inserts a newline.
        if matches!(key.code, KeyCode::Enter)
            || key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('m')
        {
            return Vec::new();
        }
        if input.text.input(key)
            && let InputKind::Filter(pane) = input.kind
        {
            let line = input.line();
            self.set_filter(pane, &line);
        }
        Vec::new()
    }

    fn submit_input(&mut self) -> Vec<Effect> {
        let Some(input) = self.input.take() else {
            return Vec::new();
        };
        let line = input.line();
        match input.kind {
            InputKind::Filter(pane) => {
                self.set_filter(pane, &line);
                remember(&mut self.filter_history, &line);
                Vec::new()
            }
            InputKind::Command => {
                remember(&mut self.command_history, &line);
                match command::parse(&line) {
                    Ok(command) => self.run_command(command),
                    Err(message) => {
                        self.error(message);
                        Vec::new()
                    }
                }
            }
        }
    }

    fn recall_history(&mut self, older: bool) {
        let Some(input) = self.input.as_mut() else {
            return;
        };
        let history = match input.kind {
            InputKind::Filter(_) => &self.filter_history,
            InputKind::Command => &self.command_history,
        };
        if history.is_empty() {
            return;
        }
        let position = match (input.history_position, older) {
            (None, true) => {
                input.draft = input.line();
                Some(history.len() - 1)
            }
            // Down with no history recalled keeps what was typed.
            (None, false) => return,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p + 1 < history.len() => Some(p + 1),
            (Some(_), false) => None,
        };
        input.history_position = position;
        let draft = input.draft.clone();
        let line = position
            .and_then(|p| history.get(p))
            .cloned()
            .unwrap_or(draft);
        input.text = single_line(&line);
        if let InputKind::Filter(pane) = input.kind {
            self.set_filter(pane, &line);
        }
    }

    fn complete_command(&mut self) {
        let columns = self.focused_columns();
        let theme_names: Vec<String> = self.themes.keys().cloned().collect();
        let arguments = |command: &str| -> Vec<String> {
            match command {
                "sort" | "s" => columns.iter().map(|c| c.to_string()).collect(),
                "theme" => theme_names.clone(),
                "queue" => Queue::ALL.iter().map(|q| q.name().to_string()).collect(),
                _ => Vec::new(),
            }
        };
        let Some(input) = self.input.as_mut() else {
            return;
        };
        let line = input.line();
        match command::complete(&line, &arguments) {
            Some(completed) => input.text = single_line(&completed),
            None => {
                let options = command::candidates(&line, &arguments);
                if !options.is_empty() {
                    self.status = Some(StatusMessage {
                        text: options.join("  "),
                        is_error: false,
                    });
                }
            }
        }
    }

    /// Carries out an action. Public so the tests and the command line share one path.
    pub fn apply(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        if let Some(pane) = action.focus_target() {
            self.focus_pane(pane);
            return Vec::new();
        }
        match action {
            Action::Quit => return self.quit(),
            Action::FocusNext | Action::FocusPrev => {
                let step = if action == Action::FocusNext { 1 } else { 3 };
                let next = PaneId::ALL[(self.focus.index() + step) % 4];
                self.focus_pane(next);
            }
            Action::ToggleZoom => {
                self.zoomed = !self.zoomed;
                self.update_viewports();
            }
            Action::Help => {
                self.overlay = match self.overlay {
                    Overlay::Help { .. } => Overlay::None,
                    _ => Overlay::Help { scroll: 0 },
                };
            }
            Action::Back | Action::Cancel => {
                if self.overlay != Overlay::None {
                    self.overlay = Overlay::None;
                } else if !self.filter_text(self.focus).is_empty() {
                    // Back on a filtered table clears the filter: harmless and easy to redo.
                    self.set_filter(self.focus, "");
                }
            }
            Action::Open => {
                // The detail view stays on this row, whatever later data does to the table.
                self.detail_target = match self.focus {
                    PaneId::Alerts if self.alerts_view == AlertsView::Silences => self
                        .silences
                        .selected_id()
                        .cloned()
                        .map(DetailTarget::Silence),
                    PaneId::Alerts => self.alerts.selected_id().cloned().map(DetailTarget::Alert),
                    PaneId::Tasks => self.tasks.selected_id().copied().map(DetailTarget::Task),
                    PaneId::Triage => self.triage.selected_id().cloned().map(DetailTarget::Group),
                    PaneId::Metrics => self
                        .metrics
                        .selected_id()
                        .cloned()
                        .map(DetailTarget::Series),
                };
                if self.detail_target.is_some() {
                    self.overlay = Overlay::Detail {
                        pane: self.focus,
                        scroll: 0,
                    };
                }
            }
            Action::Filter => {
                let original = self.filter_text(self.focus);
                self.input = Some(Input {
                    kind: InputKind::Filter(self.focus),
                    text: single_line(&original),
                    original,
                    history_position: None,
                    draft: String::new(),
                });
            }
            Action::ClearFilter => self.set_filter(self.focus, ""),
            Action::Command => {
                self.status = None;
                self.input = Some(Input {
                    kind: InputKind::Command,
                    text: single_line(""),
                    original: String::new(),
                    history_position: None,
                    draft: String::new(),
                });
            }
            Action::Refresh => {
                self.info(format!("refreshing {}", self.focus.title()));
                return vec![Effect::Refresh(self.focus)];
            }
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => {
                self.navigate(action);
            }
            Action::Confirm => return self.decide(Verdict::Confirmed),
            Action::Reject => return self.decide(Verdict::Rejected),
            Action::Edit => self.open_edit(),
            Action::BulkApply => self.open_bulk(),
            Action::Undo => self.open_undo(),
            Action::DiscardDraft => self.open_discard_draft(),
            Action::QueueNext if self.focus == PaneId::Alerts => self.toggle_alerts_view(),
            Action::QueueNext => self.set_queue(self.queue.next()),
            Action::NewSilence => self.open_silence_form(),
            Action::ExpireSilence => self.open_expire(),
            Action::Left | Action::Right => {
                let right = action == Action::Right;
                let context = self.cell_context();
                match self.focus {
                    PaneId::Alerts if self.alerts_view == AlertsView::Silences => {
                        self.silences.shift_text(right, &context)
                    }
                    PaneId::Alerts => self.alerts.shift_text(right, &context),
                    PaneId::Tasks => self.tasks.shift_text(right, &context),
                    PaneId::Triage => self.triage.shift_text(right, &context),
                    PaneId::Metrics => self.metrics.shift_text(right, &context),
                }
            }
            Action::SortNext | Action::SortPrev | Action::SortReverse => self.sort_action(action),
            Action::Save
            | Action::NextField
            | Action::PrevField
            | Action::ChoiceNext
            | Action::ChoicePrev
            | Action::AddMatcher
            | Action::RemoveMatcher
            | Action::Yes
            | Action::No
            | Action::Toggle
            | Action::Submit
            | Action::Complete
            | Action::HistoryPrev
            | Action::HistoryNext
            | Action::FocusAlerts
            | Action::FocusTasks
            | Action::FocusTriage
            | Action::FocusMetrics => {}
        }
        Vec::new()
    }

    fn focus_pane(&mut self, pane: PaneId) {
        self.focus = pane;
        if let Overlay::Detail { .. } = self.overlay {
            self.overlay = Overlay::None;
        }
        self.update_viewports();
    }

    fn navigate(&mut self, action: Action) {
        match &mut self.overlay {
            Overlay::Help { .. } | Overlay::Detail { .. } | Overlay::Sources { .. } => {
                // The overlay box is 80% of the screen high, less its border.
                let page = (u32::from(self.size.height) * 80 / 100)
                    .saturating_sub(2)
                    .max(1);
                let page = u16::try_from(page).unwrap_or(u16::MAX);
                let last = self.overlay_lines().saturating_sub(page);
                if let Overlay::Help { scroll }
                | Overlay::Detail { scroll, .. }
                | Overlay::Sources { scroll } = &mut self.overlay
                {
                    *scroll = match action {
                        Action::Up => scroll.saturating_sub(1),
                        Action::Down => scroll.saturating_add(1),
                        Action::PageUp => scroll.saturating_sub(page),
                        Action::PageDown => scroll.saturating_add(page),
                        Action::Top => 0,
                        _ => last,
                    }
                    .min(last);
                }
                return;
            }
            Overlay::None => {}
        }
        macro_rules! on_table {
            ($table:expr) => {{
                let table = $table;
                match action {
                    Action::Up => table.move_by(-1),
                    Action::Down => table.move_by(1),
                    Action::Top => table.top(),
                    Action::Bottom => table.bottom(),
                    Action::PageUp => table.page(false),
                    Action::PageDown => table.page(true),
                    _ => {}
                }
            }};
        }
        match self.focus {
            PaneId::Alerts if self.alerts_view == AlertsView::Silences => {
                on_table!(&mut self.silences)
            }
            PaneId::Alerts => on_table!(&mut self.alerts),
            PaneId::Tasks => on_table!(&mut self.tasks),
            PaneId::Triage => on_table!(&mut self.triage),
            PaneId::Metrics => on_table!(&mut self.metrics),
        }
    }

    fn sort_action(&mut self, action: Action) {
        macro_rules! on_table {
            ($table:expr) => {{
                let table = $table;
                match action {
                    Action::SortNext => table.cycle_sort(true),
                    Action::SortPrev => table.cycle_sort(false),
                    _ => table.reverse_sort(),
                }
                (table.sort_column().name, table.descending())
            }};
        }
        let (column, descending) = match self.focus {
            PaneId::Alerts if self.alerts_view == AlertsView::Silences => {
                on_table!(&mut self.silences)
            }
            PaneId::Alerts => on_table!(&mut self.alerts),
            PaneId::Tasks => on_table!(&mut self.tasks),
            PaneId::Triage => on_table!(&mut self.triage),
            PaneId::Metrics => on_table!(&mut self.metrics),
        };
        self.info(format!(
            "sorted by {column} {}",
            if descending {
                "descending"
            } else {
                "ascending"
            }
        ));
    }

    fn run_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Focus(pane) => {
                // `:alerts` names what it shows: the alerts, also after `:silences`.
                if pane == PaneId::Alerts && self.alerts_view == AlertsView::Silences {
                    self.toggle_alerts_view();
                }
                self.focus_pane(pane);
            }
            Command::Sources => self.overlay = Overlay::Sources { scroll: 0 },
            Command::Silences => {
                self.focus_pane(PaneId::Alerts);
                if self.alerts_view == AlertsView::Alerts {
                    self.toggle_alerts_view();
                }
            }
            Command::Filter(text) => self.set_filter(self.focus, &text),
            Command::Sort { column, descending } => {
                let sorted = match self.focus {
                    PaneId::Alerts if self.alerts_view == AlertsView::Silences => {
                        self.silences.sort_by(&column, descending)
                    }
                    PaneId::Alerts => self.alerts.sort_by(&column, descending),
                    PaneId::Tasks => self.tasks.sort_by(&column, descending),
                    PaneId::Triage => self.triage.sort_by(&column, descending),
                    PaneId::Metrics => self.metrics.sort_by(&column, descending),
                };
                if sorted {
                    self.info(format!("sorted {} by {column}", self.focus.title()));
                } else {
                    self.error(format!(
                        "{} has no column {column:?}; columns: {}",
                        self.focus.title(),
                        self.focused_columns().join(", ")
                    ));
                }
            }
            Command::Theme(name) => match self.themes.get(&name) {
                Some(theme) => {
                    self.theme = theme.clone();
                    self.theme_name = name.clone();
                    match self.theme_notes.get(&name) {
                        Some(note) => self.info(format!("theme {name}: {note}")),
                        None => self.info(format!("theme {name}")),
                    }
                }
                None => {
                    let names: Vec<&str> = self.themes.keys().map(String::as_str).collect();
                    self.error(format!("no theme {name:?}; themes: {}", names.join(", ")));
                }
            },
            Command::Queue(name) => match Queue::from_name(&name) {
                Some(queue) => {
                    self.focus_pane(PaneId::Triage);
                    self.set_queue(queue);
                }
                None => {
                    let names: Vec<&str> = Queue::ALL.iter().map(|q| q.name()).collect();
                    self.error(format!("no queue {name:?}; queues: {}", names.join(", ")));
                }
            },
            Command::Undo => {
                self.focus_pane(PaneId::Triage);
                return self.apply(Action::Undo);
            }
            Command::Zoom => return self.apply(Action::ToggleZoom),
            Command::Help => return self.apply(Action::Help),
            Command::Refresh => return self.apply(Action::Refresh),
            Command::Quit => return self.quit(),
        }
        Vec::new()
    }

    // -----------------------------------------------------------------------------------------
    // Filters

    pub fn filter_text(&self, pane: PaneId) -> String {
        match pane {
            PaneId::Alerts if self.alerts_view == AlertsView::Silences => {
                self.silences.filter().text().to_string()
            }
            PaneId::Alerts => self.alerts.filter().text().to_string(),
            PaneId::Tasks => self.tasks.filter().text().to_string(),
            PaneId::Triage => self.triage.filter().text().to_string(),
            PaneId::Metrics => self.metrics.filter().text().to_string(),
        }
    }

    /// Sets a pane's filter; says so when it names a field the pane does not have.
    pub fn set_filter(&mut self, pane: PaneId, text: &str) {
        let filter = Filter::parse(text);
        let text_comparisons: Vec<String> = filter
            .text_comparisons()
            .into_iter()
            .map(str::to_string)
            .collect();
        let unknown: Vec<String> = filter
            .unknown_fields(&filter_fields(pane))
            .into_iter()
            .map(str::to_string)
            .collect();
        match pane {
            PaneId::Alerts if self.alerts_view == AlertsView::Silences => {
                self.silences.set_filter(filter)
            }
            PaneId::Alerts => self.alerts.set_filter(filter),
            PaneId::Tasks => self.tasks.set_filter(filter),
            PaneId::Triage => {
                let filter = match self.queue {
                    Queue::All => filter,
                    queue => filter.scoped("queue", queue.name()),
                };
                self.triage.set_filter(filter)
            }
            PaneId::Metrics => self.metrics.set_filter(filter),
        }
        // Alert labels are open-ended, so unknown names there are labels, not mistakes (and the
        // silences view shares the pane).
        if !unknown.is_empty() && pane != PaneId::Alerts {
            self.error(format!(
                "{} has no field {}; fields: {}",
                pane.title(),
                unknown.join(", "),
                filter_fields(pane).join(", ")
            ));
        }
        const TEXT_COMPARISON: &str = "> and < compare numbers, so this is searched for as text";
        if !text_comparisons.is_empty() {
            self.error(format!(
                "{}: {TEXT_COMPARISON}",
                text_comparisons.join(", ")
            ));
        } else if self
            .status
            .as_ref()
            .is_some_and(|status| status.text.ends_with(TEXT_COMPARISON))
        {
            // Typed on to a number: the note no longer applies.
            self.status = None;
        }
        self.dirty = true;
    }

    pub fn has_selection(&self, pane: PaneId) -> bool {
        match pane {
            PaneId::Alerts if self.alerts_view == AlertsView::Silences => {
                self.silences.selected().is_some()
            }
            PaneId::Alerts => self.alerts.selected().is_some(),
            PaneId::Tasks => self.tasks.selected().is_some(),
            PaneId::Triage => self.triage.selected().is_some(),
            PaneId::Metrics => self.metrics.selected().is_some(),
        }
    }

    /// The fields of the selected row of a pane, for the detail view.
    pub fn details(&self, pane: PaneId) -> Vec<(String, String)> {
        let context = self.cell_context();
        let fields = match (pane, &self.detail_target) {
            (PaneId::Alerts, Some(DetailTarget::Alert(id))) => {
                find(&self.alerts, id).map(|r| r.details(&context))
            }
            (PaneId::Alerts, Some(DetailTarget::Silence(id))) => {
                find(&self.silences, id).map(|r| r.details(&context))
            }
            (PaneId::Tasks, Some(DetailTarget::Task(id))) => find(&self.tasks, id).map(|row| {
                let mut fields = row.details(&context);
                if let Some(predictor) = &self.predictor {
                    fields.extend(explanation(predictor, &row.task));
                }
                fields
            }),
            (PaneId::Triage, Some(DetailTarget::Group(id))) => {
                find(&self.triage, id).map(|r| r.details(&context))
            }
            (PaneId::Metrics, Some(DetailTarget::Series(id))) => {
                find(&self.metrics, id).map(|r| r.details(&context))
            }
            _ => None,
        };
        fields.unwrap_or_else(|| {
            vec![(
                "gone".to_string(),
                "this row is no longer in its source's data".to_string(),
            )]
        })
    }

    /// The sortable columns of the focused pane as it shows now (alerts or silences).
    pub fn focused_columns(&self) -> Vec<&'static str> {
        if self.focus == PaneId::Alerts && self.alerts_view == AlertsView::Silences {
            return SilenceRow::columns().iter().map(|c| c.name).collect();
        }
        columns_of(self.focus)
    }

    /// Shows a note in the status line.
    pub fn notify(&mut self, text: String) {
        self.info(text);
    }

    /// Sorts a pane by a named column; says so when the pane has no such column.
    pub fn sort_pane(&mut self, pane: PaneId, column: &str, descending: Option<bool>) {
        let focus = self.focus;
        self.focus = pane;
        self.run_command(Command::Sort {
            column: column.to_string(),
            descending,
        });
        self.focus = focus;
    }

    /// Lines the open overlay has, to stop scrolling at its end. Wrapped lines count once, so
    /// the end of a detail view with long values can still be scrolled a little short.
    fn overlay_lines(&self) -> u16 {
        // The overlay box is 80% of the screen wide (at least 40), less its border; a long line
        // wraps into as many rows as its width needs, and word wrapping may need one more.
        let inner = (u32::from(self.size.width) * 80 / 100)
            .max(40)
            .saturating_sub(2)
            .max(1) as usize;
        let rows = |width: usize| width.div_ceil(inner).max(1);
        let lines: usize = match self.overlay {
            Overlay::None => 0,
            Overlay::Help { .. } => crate::ui::overlay::help_lines(self)
                .iter()
                .map(|line| rows(line.width()))
                .sum(),
            Overlay::Sources { .. } => crate::ui::overlay::source_lines(self)
                .iter()
                .map(|line| rows(line.width()))
                .sum(),
            Overlay::Detail { pane, .. } => {
                let fields = self.details(pane);
                let label = fields
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0)
                    .min(24);
                let wrapped: usize = fields
                    .iter()
                    .map(|(_, value)| rows(label + 2 + crate::ui::text::width(value)))
                    .sum();
                wrapped + 1
            }
        };
        u16::try_from(lines).unwrap_or(u16::MAX)
    }

    /// What the detail view of a pane is about: "Task 40342596", "Error pilot:1099".
    pub fn detail_title(&self, pane: PaneId) -> String {
        match &self.detail_target {
            Some(DetailTarget::Alert(id)) => match find(&self.alerts, id) {
                Some(alert) => format!("Alert {}", alert.name),
                None => format!("Alert {id}"),
            },
            Some(DetailTarget::Silence((source, id))) => format!("Silence {id} on {source}"),
            Some(DetailTarget::Task(id)) => format!("Task {id}"),
            Some(DetailTarget::Group(id)) => match find(&self.triage, id) {
                Some(group) => format!("Error {} · group {id}", group.key()),
                None => format!("Error group {id}"),
            },
            Some(DetailTarget::Series(id)) => match find(&self.metrics, id) {
                Some(row) => format!("Series {}", row.series.title),
                None => format!("Series {id}"),
            },
            None => pane.title().to_string(),
        }
    }

    pub(crate) fn info(&mut self, text: String) {
        self.status = Some(StatusMessage {
            text,
            is_error: false,
        });
    }

    pub(crate) fn error(&mut self, text: String) {
        self.status = Some(StatusMessage {
            text,
            is_error: true,
        });
    }
}

/// The database rule that covers a group, if one matches its diagnostics: checked on every sampled
/// diagnostic, as PanDA checks each job's.
fn known_match(rules: &RuleSet, group: &ErrorGroup) -> Option<KnownMatch> {
    if rules.is_empty() {
        return None;
    }
    let mut first = None;
    let mut matched = 0;
    for sample in &group.samples {
        if let Some(rule) = rules.find(group.source, group.code, sample) {
            matched += 1;
            first.get_or_insert_with(|| rule.clone());
        }
    }
    first.map(|rule| KnownMatch {
        rule,
        matched,
        of: group.samples.len(),
    })
}

/// Why the model predicts what it does for a task: the tasks it learned from that are most like
/// this one, and the features it read.
fn explanation(predictor: &Predictor, task: &Task) -> Vec<(String, String)> {
    let explained = predictor.explain(task, 5);
    let mut fields = Vec::new();
    for (distance, neighbour) in &explained.neighbours {
        fields.push((
            format!("like task {}", neighbour.jeditaskid),
            format!(
                "{} {} · RAM {} MB/core · CTIME {} HS06·s/event · EFF {} % · IO {} kB/s \
                 (distance {:.2})",
                neighbour.processing_type,
                neighbour.framework,
                format::number(Some(neighbour.ramcount_mb_per_core)),
                format::number(Some(neighbour.cputime_hs06s_per_event)),
                format::number(Some(neighbour.cpu_efficiency_pct)),
                format::number(Some(neighbour.io_intensity_kb_per_s)),
                distance
            ),
        ));
    }
    let used: Vec<String> = explained
        .features
        .iter()
        .filter(|(_, value)| *value != 0.0)
        .map(|(name, value)| format!("{name}={}", format::number(Some(*value))))
        .collect();
    fields.push(("features used".to_string(), used.join(", ")));
    fields
}

/// A row of a table by id, whether or not the filter shows it.
fn find<'a, R: TableRow>(table: &'a TableView<R>, id: &R::Id) -> Option<&'a R> {
    table.rows().iter().find(|row| &row.id() == id)
}

/// Groups failed jobs and suggests a classification for each group: the work of
/// [`Effect::GroupErrors`], run off the UI task by the event loop, and on the spot by the snapshot
/// and the tests.
pub fn group_now(
    generation: u64,
    jobs: &[Arc<Vec<FailedJob>>],
    suggester: &SharedSuggester,
) -> Message {
    let groups = group_errors(jobs.iter().flat_map(|list| list.iter()));
    Message::Grouped {
        generation,
        groups: groups
            .into_iter()
            .map(|group| {
                let suggestion = suggester.suggest(&group);
                (group, suggestion)
            })
            .collect(),
        suggester_version: suggester.version,
    }
}

/// The work of [`Effect::Suggest`].
pub fn suggest_now(groups: &[ErrorGroup], suggester: &SharedSuggester) -> Message {
    Message::Suggested {
        suggester_version: suggester.version,
        suggestions: groups
            .iter()
            .map(|group| (group.id.clone(), suggester.suggest(group)))
            .collect(),
    }
}

fn remember(history: &mut Vec<String>, line: &str) {
    let line = line.trim();
    if line.is_empty() || history.last().is_some_and(|last| last == line) {
        return;
    }
    history.push(line.to_string());
    if history.len() > 100 {
        history.remove(0);
    }
}

fn single_line(text: &str) -> TextArea<'static> {
    let mut area = TextArea::new(vec![text.to_string()]);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

/// The sortable column names of a pane.
pub fn columns_of(pane: PaneId) -> Vec<&'static str> {
    let columns = match pane {
        PaneId::Alerts => Alert::columns(),
        PaneId::Tasks => TaskRow::columns(),
        PaneId::Triage => GroupRow::columns(),
        PaneId::Metrics => SeriesRow::columns(),
    };
    columns.iter().map(|c| c.name).collect()
}

/// The field names a pane's filter understands.
pub fn filter_fields(pane: PaneId) -> Vec<&'static str> {
    match pane {
        PaneId::Alerts => vec![
            "severity",
            "state",
            "alertname",
            "summary",
            "instance",
            "source",
        ],
        PaneId::Tasks => vec![
            "id",
            "jeditaskid",
            "taskname",
            "status",
            "type",
            "name",
            "site",
            "user",
            "framework",
            "label",
            "progress",
            "ramcount",
            "ctime",
            "cpueff",
            "io",
            "cores",
            "files",
            "events",
        ],
        PaneId::Triage => {
            vec![
                "error",
                "source",
                "code",
                "name",
                "pattern",
                "site",
                "topsite",
                "user",
                "jobs",
                "tasks",
                "sites",
                "users",
                "suggested",
                "class",
                "retry",
                "action",
                "confidence",
                "review",
                "queue",
            ]
        }
        PaneId::Metrics => vec!["title", "id", "unit", "last", "min", "max", "anomalies"],
    }
}

/// Anomalies this many samples apart or closer belong to one episode, and raise one alert.
const EPISODE_GAP: usize = 3;

/// Console alerts for the anomaly episodes of the last hour: one alert per run of anomalous
/// points, starting at the first and described by the most extreme.
fn anomaly_alerts(rows: &[SeriesRow], now: Timestamp) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for row in rows {
        let mut episodes: Vec<Vec<&Anomaly>> = Vec::new();
        for found in &row.anomalies {
            match episodes.last_mut() {
                Some(episode)
                    if episode
                        .last()
                        .is_some_and(|last| found.index - last.index <= EPISODE_GAP) =>
                {
                    episode.push(found);
                }
                _ => episodes.push(vec![found]),
            }
        }
        for episode in episodes {
            if let Some(alert) = episode_alert(row, &episode, now) {
                alerts.push(alert);
            }
        }
    }
    alerts
}

fn episode_alert(row: &SeriesRow, episode: &[&Anomaly], now: Timestamp) -> Option<Alert> {
    let first = episode.first()?;
    let last = episode.last()?;
    let peak = episode
        .iter()
        .max_by(|a, b| a.score.abs().total_cmp(&b.score.abs()))?;
    let started = *row.series.times.get(first.index)?;
    let ended = *row.series.times.get(last.index)?;
    let value = *row.series.values.get(peak.index)?;
    if now.as_second() - ended.as_second() > ANOMALY_ALERT_WINDOW_SECS {
        return None;
    }

    let severity = if peak.score.abs() >= 12.0 {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let mut labels = BTreeMap::new();
    labels.insert("alertname".to_string(), "MetricAnomaly".to_string());
    labels.insert("series".to_string(), row.series.id.clone());
    let severity_label = if severity == Severity::Critical {
        "critical"
    } else {
        "warning"
    };
    labels.insert("severity".to_string(), severity_label.to_string());
    let direction = if peak.score > 0.0 {
        "spiked to"
    } else {
        "dropped to"
    };
    let points = if episode.len() == 1 {
        String::new()
    } else {
        format!(", {} points", episode.len())
    };

    Some(Alert {
        fingerprint: format!("anomaly:{}:{}", row.series.id, started.as_second()),
        name: "MetricAnomaly".to_string(),
        severity,
        state: if now.as_second() - ended.as_second() <= ANOMALY_FIRING_SECS {
            AlertState::Active
        } else {
            AlertState::Resolved
        },
        labels,
        summary: format!(
            "{} {direction} {} {} ({:+.1}σ{points})",
            row.series.title,
            format::number(Some(value)),
            row.series.unit,
            peak.score
        ),
        description: format!(
            "The console found {} point{} far from the median of the preceding half hour of {}, \
             from {} to {}.",
            episode.len(),
            if episode.len() == 1 { "" } else { "s" },
            row.series.title,
            format::datetime(started),
            format::datetime(ended)
        ),
        starts_at: started,
        ends_at: (last.index + 1 < row.series.values.len()).then_some(ended),
        origin: AlertOrigin::Console,
    })
}
