//! The Triage review workflow: confirm, reject, edit, bulk apply, undo, drafts and queues.
//!
//! Every decision goes to the journal as an effect and shows "saving…" until the journal's answer
//! says it is on disk; the answer carries what the journal then holds for the group, so the
//! screen follows the journal rather than a guess (after an undo, the decision that stands again).

use std::collections::BTreeSet;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::action::Action;
use crate::domain::PaneId;
use crate::keymap::Context;
use crate::sources::alertmanager::NewSilence;
use crate::triage::ErrorGroup;
use crate::triage::diag_regex::{SIBLING_EXAMPLES, diag_regex_for};
use crate::triage::journal::{Decision, Entry, SavedDecision, Verdict};
use crate::triage::suggest::{Label, words};

use super::edit::{self, EditForm};
use super::rows::{GroupRow, Review, ReviewState};
use super::{App, Effect, JournalStatus, JournalSummary, SaveKind, SharedSuggester, Standing};
use crate::ui::text::truncate;

/// How often an open edit form writes its draft, at most.
const DRAFT_INTERVAL_SECS: i64 = 2;
/// Sibling diagnostics an edit form checks a regex against.
const SIBLING_BUDGET: usize = 2000;
/// Groups of similar text (another code) need this much word overlap to be offered in bulk.
const SIMILAR_TEXT: f64 = 0.6;
/// Lines of an undo dialog that name groups.
const UNDO_LINES: usize = 8;
/// What a review key answers in read-only mode.
pub const READ_ONLY: &str = "read-only: triage decisions cannot be changed";

/// Which part of the review queue the Triage pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    All,
    /// No decision yet.
    Unreviewed,
    /// No decision yet, and a confident suggestion: quick to confirm.
    Suggested,
    Drafts,
    /// Confirmed or edited.
    Confirmed,
    Rejected,
    /// Decisions the journal refused.
    Unsaved,
    /// Groups a rule already in PanDA's tables covers.
    Known,
}

impl Queue {
    pub const ALL: [Queue; 8] = [
        Queue::All,
        Queue::Unreviewed,
        Queue::Suggested,
        Queue::Drafts,
        Queue::Confirmed,
        Queue::Rejected,
        Queue::Unsaved,
        Queue::Known,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Queue::All => "all",
            Queue::Unreviewed => "unreviewed",
            Queue::Suggested => "suggested",
            Queue::Drafts => "drafts",
            Queue::Confirmed => "confirmed",
            Queue::Rejected => "rejected",
            Queue::Unsaved => "unsaved",
            Queue::Known => "known",
        }
    }

    pub fn from_name(name: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|queue| queue.name() == name)
    }

    /// The next queue of the cycle (`unsaved` and `known` are reached by name only).
    pub fn next(self) -> Queue {
        match self {
            Queue::All => Queue::Unreviewed,
            Queue::Unreviewed => Queue::Suggested,
            Queue::Suggested => Queue::Drafts,
            Queue::Drafts => Queue::Confirmed,
            Queue::Confirmed => Queue::Rejected,
            Queue::Rejected | Queue::Unsaved | Queue::Known => Queue::All,
        }
    }
}

/// A group offered for a bulk decision.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkCandidate {
    /// The decision it gets when included: the template's classification with the group's own
    /// regex and description.
    pub decision: Decision,
    pub key: String,
    pub pattern: String,
    pub jobs: usize,
    /// Why it is offered: "same code" or "similar text (70%)".
    pub why: String,
    pub include: bool,
}

/// A question that needs an answer before anything else happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Take back decisions: the last one, or the last bulk apply as a whole.
    Undo {
        targets: Vec<(String, u64)>,
        lines: Vec<String>,
    },
    /// Apply the selected group's decision to the groups listed, those included.
    Bulk {
        from_key: String,
        summary: String,
        candidates: Vec<BulkCandidate>,
        selected: usize,
    },
    DiscardDraft {
        group_id: String,
        key: String,
    },
    /// Quitting would lose decisions the journal refused.
    Quit {
        unsaved: usize,
        reason: String,
    },
    /// Send a silence from the silence form to its Alertmanager (`lines` describe it).
    NewSilence {
        alertmanager: String,
        silence: NewSilence,
        lines: Vec<String>,
    },
    /// Expire a silence now.
    ExpireSilence {
        alertmanager: String,
        id: String,
        lines: Vec<String>,
    },
}

impl App {
    pub(super) fn on_journal_opened(&mut self, summary: JournalSummary) -> Vec<Effect> {
        for (group, saved) in summary.decisions {
            self.reviews.insert(
                group,
                Review {
                    decision: saved.decision,
                    seq: Some(saved.seq),
                    state: ReviewState::Saved,
                },
            );
        }
        self.drafts = summary.drafts;
        if !summary.damaged.is_empty() {
            self.error(format!(
                "decisions journal: {} damaged line(s) skipped: {}",
                summary.damaged.len(),
                summary.damaged.join("; ")
            ));
        }
        let learned = self.learn_standing();
        self.refresh_reviews();
        if learned {
            self.resuggest()
        } else {
            Vec::new()
        }
    }

    /// Folds the journal's answer about one entry into the reviews and drafts.
    pub(super) fn on_saved(
        &mut self,
        group_id: String,
        kind: SaveKind,
        result: Result<Box<Standing>, String>,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        match (kind, result) {
            (SaveKind::Decision | SaveKind::Undo, Ok(standing)) => {
                self.set_standing(&group_id, standing.decision);
                self.set_draft(&group_id, standing.draft);
                if kind == SaveKind::Undo {
                    let now = match self.reviews.get(&group_id) {
                        Some(review) => {
                            format!("{} stands again", edit::verdict_word(review.verdict()))
                        }
                        None => "no decision stands".to_string(),
                    };
                    self.info(format!(
                        "undo saved for {}: {now}",
                        self.group_key(&group_id)
                    ));
                }
                if kind == SaveKind::Decision {
                    self.info(format!("saved: {}", self.group_key(&group_id)));
                }
                if let Some(group) = self.row_group(&group_id) {
                    // What the suggester learned from a decision now taken back is forgotten.
                    let forgot = !self.reviews.contains_key(&group_id)
                        && self.learned.remove(&group_id).is_some()
                        && Arc::make_mut(&mut self.suggester).forget(&group);
                    if forgot {
                        self.suggester_version += 1;
                    }
                    let learned = self.learn_standing();
                    if forgot || learned {
                        effects = self.resuggest();
                    }
                }
            }
            (SaveKind::Decision, Err(reason)) => {
                if let Some(review) = self.reviews.get_mut(&group_id) {
                    review.state = ReviewState::Unsaved(reason.clone());
                }
                let reason = reason.strip_prefix("not saved: ").unwrap_or(&reason);
                self.error(format!("decision NOT saved: {reason}"));
            }
            (SaveKind::Undo, Err(reason)) => {
                if let Some(review) = self.reviews.get_mut(&group_id) {
                    review.state = ReviewState::Saved;
                }
                self.error(format!("undo NOT saved, the decision stands: {reason}"));
            }
            (SaveKind::Draft | SaveKind::DiscardDraft, Ok(standing)) => {
                self.set_draft(&group_id, standing.draft);
            }
            (SaveKind::Draft, Err(reason)) => {
                if let Some(form) = self.edit.as_mut().filter(|f| f.group_id == group_id) {
                    form.unsaved_draft = true;
                }
                self.error(format!("draft NOT saved: {reason}"));
            }
            (SaveKind::DiscardDraft, Err(reason)) => {
                self.error(format!("draft NOT discarded: {reason}"));
            }
        }
        self.refresh_reviews();
        effects
    }

    /// The suggester for work off the UI task.
    pub(super) fn shared_suggester(&self) -> SharedSuggester {
        SharedSuggester {
            version: self.suggester_version,
            suggester: Arc::clone(&self.suggester),
        }
    }

    /// Asks for the suggestions of every group again, off the UI task.
    pub(super) fn resuggest(&self) -> Vec<Effect> {
        if self.triage.rows().is_empty() {
            return Vec::new();
        }
        vec![Effect::Suggest {
            groups: self.triage.rows().iter().map(|r| r.group.clone()).collect(),
            suggester: self.shared_suggester(),
        }]
    }

    fn set_standing(&mut self, group_id: &str, standing: Option<SavedDecision>) {
        match standing {
            Some(saved) => {
                self.reviews.insert(
                    group_id.to_string(),
                    Review {
                        decision: saved.decision,
                        seq: Some(saved.seq),
                        state: ReviewState::Saved,
                    },
                );
            }
            None => {
                self.reviews.remove(group_id);
            }
        }
    }

    fn set_draft(&mut self, group_id: &str, draft: Option<crate::triage::journal::Draft>) {
        match draft {
            Some(draft) => {
                self.drafts.insert(group_id.to_string(), draft);
            }
            None => {
                self.drafts.remove(group_id);
            }
        }
    }

    fn row_group(&self, group_id: &str) -> Option<ErrorGroup> {
        self.triage
            .rows()
            .iter()
            .find(|row| row.group.id == group_id)
            .map(|row| row.group.clone())
    }

    /// `pilot:1099 "Failed to stage-in…"` for a group id, from its row or its decision.
    fn group_key(&self, group_id: &str) -> String {
        if let Some(row) = self.triage.rows().iter().find(|r| r.group.id == group_id) {
            return format!(
                "{} \"{}\"",
                row.group.key(),
                truncate(&row.group.pattern, 40)
            );
        }
        match self.reviews.get(group_id) {
            Some(review) => format!(
                "{} {} \"{}\"",
                review.decision.error_source,
                review.decision.error_code,
                truncate(&review.decision.description, 40)
            ),
            None => format!("group {group_id}"),
        }
    }

    /// Teaches the suggester the confirmed and edited decisions on the Triage rows that it has
    /// not learned yet, with one refit; says whether it learned anything. Only those groups are
    /// copied, so calling it after every grouping costs a look-up per row.
    pub(super) fn learn_standing(&mut self) -> bool {
        let mut new: Vec<(ErrorGroup, Label, u64)> = Vec::new();
        for row in self.triage.rows() {
            let group = &row.group;
            let Some(review) = self.reviews.get(&group.id) else {
                continue;
            };
            let (Some(seq), ReviewState::Saved) = (review.seq, &review.state) else {
                continue;
            };
            if review.verdict() == Verdict::Rejected || self.learned.get(&group.id) == Some(&seq) {
                continue;
            }
            new.push((group.clone(), label_of(&review.decision), seq));
        }
        if new.is_empty() {
            return false;
        }
        Arc::make_mut(&mut self.suggester)
            .learn_all(new.iter().map(|(group, label, _)| (group, *label)));
        for (group, _, seq) in new {
            self.learned.insert(group.id.clone(), seq);
        }
        self.suggester_version += 1;
        true
    }

    /// Puts the review states into the Triage rows (the selection stays where it is).
    pub(super) fn refresh_reviews(&mut self) {
        let rows: Vec<GroupRow> = self
            .triage
            .rows()
            .iter()
            .map(|row| GroupRow {
                review: self.reviews.get(&row.group.id).cloned(),
                draft: self.drafts.contains_key(&row.group.id),
                ..row.clone()
            })
            .collect();
        self.triage.set_rows(rows);
        self.dirty = true;
    }

    /// Whether a decision can be made now; says why not in the status line.
    fn ready_to_decide(&mut self, what: &str) -> bool {
        if self.read_only {
            self.error(READ_ONLY.to_string());
            return false;
        }
        if self.focus != PaneId::Triage {
            self.error(format!("{what} works on error groups: focus Triage first"));
            return false;
        }
        if let JournalStatus::Failed(reason) = &self.journal {
            self.error(format!("decisions cannot be saved: {reason}"));
            return false;
        }
        true
    }

    /// Records the operator's verdict on the selected group's suggestion. The row says "saving…"
    /// until the journal answers; only then is it saved.
    pub(super) fn decide(&mut self, verdict: Verdict) -> Vec<Effect> {
        let what = if verdict == Verdict::Confirmed {
            "confirm"
        } else {
            "reject"
        };
        if !self.ready_to_decide(what) {
            return Vec::new();
        }
        let Some(row) = self.triage.selected() else {
            self.error(format!("nothing to {what}: the queue shows no group"));
            return Vec::new();
        };
        // A draft holds an operator's own edit; deciding over it would drop it unseen.
        if row.draft {
            self.error(format!(
                "{} has a draft: e opens it (ctrl-s saves it as the decision), D discards it",
                row.group.key()
            ));
            return Vec::new();
        }
        if let Some(known) = row.known.as_ref().filter(|k| k.settled()) {
            let id = known.rule.id.map_or(String::new(), |id| format!(" {id}"));
            self.error(format!(
                "{} is already classified in the database (rule{id}: {}); e makes a new rule if \
                 it must change",
                row.group.key(),
                known.rule.error_class
            ));
            return Vec::new();
        }
        let (class, permanence, action) = edit::label_values(&row.suggestion);
        let siblings = self.sibling_samples(&row.group);
        let members: Vec<&str> = row.group.samples.iter().map(String::as_str).collect();
        let sibling_refs: Vec<&str> = siblings.0.iter().map(String::as_str).collect();
        let decision = Decision {
            group_id: row.group.id.clone(),
            error_source: row.group.source.server_field().to_string(),
            error_code: row.group.code,
            diag_regex: diag_regex_for(&row.group.pattern, &members, &sibling_refs).regex,
            description: edit::default_description(row),
            error_class: class,
            permanence,
            retry_action: action,
            verdict,
            note: String::new(),
            operator: self.operator.clone(),
            decided_at: self.now,
            batch: None,
        };
        let key = row.group.key();
        let done = if verdict == Verdict::Confirmed {
            "confirmed"
        } else {
            "rejected"
        };
        self.info(format!("{done} {key}: saving…"));
        self.save_decision(decision)
    }

    fn save_decision(&mut self, decision: Decision) -> Vec<Effect> {
        let group_id = decision.group_id.clone();
        self.reviews.insert(
            group_id.clone(),
            Review {
                decision: decision.clone(),
                seq: None,
                state: ReviewState::Saving,
            },
        );
        self.refresh_reviews();
        vec![Effect::SaveDecision {
            group_id,
            entry: Entry::Decision(decision),
        }]
    }

    /// Up to [`SIBLING_BUDGET`] diagnostics of the groups with the same source and code as
    /// `group`, and how many such groups there are.
    fn sibling_samples(&self, group: &ErrorGroup) -> (Vec<String>, usize) {
        let siblings: Vec<&GroupRow> = self
            .triage
            .rows()
            .iter()
            .filter(|row| {
                row.group.source == group.source
                    && row.group.code == group.code
                    && row.group.id != group.id
            })
            .collect();
        let per_group = (SIBLING_BUDGET / siblings.len().max(1)).max(SIBLING_EXAMPLES);
        let samples = siblings
            .iter()
            .flat_map(|row| row.group.samples.iter().take(per_group).cloned())
            .take(SIBLING_BUDGET)
            .collect();
        (samples, siblings.len())
    }

    // -----------------------------------------------------------------------------------------
    // The edit form

    pub(super) fn open_edit(&mut self) {
        if !self.ready_to_decide("edit") {
            return;
        }
        let Some(row) = self.triage.selected() else {
            self.error("nothing to edit: the queue shows no group".to_string());
            return;
        };
        let (siblings, sibling_groups) = self.sibling_samples(&row.group);
        let review = self.reviews.get(&row.group.id);
        let standing = review
            .and_then(|r| r.seq.map(|seq| (seq, r)))
            .map(|(seq, r)| SavedDecision {
                seq,
                decision: r.decision.clone(),
            });
        let form = EditForm::open(
            row,
            self.drafts.get(&row.group.id),
            standing.as_ref(),
            siblings,
            sibling_groups,
        );
        self.draft_written = self.now;
        self.edit = Some(form);
    }

    pub(super) fn on_edit_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.status = None;
        let action = self.keymap.action_for(Context::Edit, &key);
        let Some(form) = self.edit.as_mut() else {
            return Vec::new();
        };
        match action {
            Some(Action::Save) => return self.save_edit(),
            Some(Action::Back) => return self.close_edit(),
            Some(Action::NextField | Action::PrevField) => {
                let forward = action == Some(Action::NextField);
                // In the note, the arrows move between its lines until its first or last line.
                let arrow = matches!(key.code, KeyCode::Up | KeyCode::Down);
                if arrow && form.arrow_stays_in_note(key.code == KeyCode::Down) {
                    form.type_key(key);
                } else {
                    form.move_focus(forward);
                }
            }
            Some(Action::ChoiceNext | Action::ChoicePrev) if form.focus.is_choice() => {
                form.step_choice(action == Some(Action::ChoiceNext));
            }
            _ => form.type_key(key),
        }
        Vec::new()
    }

    fn save_edit(&mut self) -> Vec<Effect> {
        let Some(form) = self.edit.as_ref() else {
            return Vec::new();
        };
        if let JournalStatus::Failed(reason) = &self.journal {
            self.error(format!("decisions cannot be saved: {reason}"));
            return Vec::new();
        }
        match form.decision(&self.operator, self.now) {
            Ok(decision) => {
                let key = form.key.clone();
                self.edit = None;
                self.info(format!("saving the edited decision on {key}"));
                self.save_decision(decision)
            }
            Err(reason) => {
                self.error(format!("not saved: {reason}"));
                Vec::new()
            }
        }
    }

    /// Closes the form; an edit that changed anything is kept as a draft.
    fn close_edit(&mut self) -> Vec<Effect> {
        let Some(form) = self.edit.take() else {
            return Vec::new();
        };
        if !form.unsaved_draft {
            return Vec::new();
        }
        self.info(format!(
            "edit of {} kept as a draft: e reopens it, D discards it",
            form.key
        ));
        let draft = form.draft(&self.operator, self.now);
        self.drafts.insert(form.group_id.clone(), draft.clone());
        self.refresh_reviews();
        vec![Effect::SaveDecision {
            group_id: form.group_id,
            entry: Entry::Draft(draft),
        }]
    }

    /// The draft of the open form, if it changed since it was last written: for the event loop to
    /// save when the console is stopped by a signal or loses its terminal.
    pub fn draft_to_keep(&mut self) -> Option<(String, Entry)> {
        if matches!(self.journal, JournalStatus::Failed(_)) {
            return None;
        }
        let form = self.edit.as_mut().filter(|form| form.unsaved_draft)?;
        form.unsaved_draft = false;
        let draft = form.draft(&self.operator, self.now);
        Some((form.group_id.clone(), Entry::Draft(draft)))
    }

    /// Writes the open form's draft when it changed and the last write is old enough, so a
    /// crash or a lost connection keeps the edit.
    pub(super) fn write_draft_if_due(&mut self) -> Vec<Effect> {
        if self.now.as_second() - self.draft_written.as_second() < DRAFT_INTERVAL_SECS {
            return Vec::new();
        }
        if matches!(self.journal, JournalStatus::Failed(_)) {
            return Vec::new();
        }
        let Some(form) = self.edit.as_mut().filter(|form| form.unsaved_draft) else {
            return Vec::new();
        };
        form.unsaved_draft = false;
        let draft = form.draft(&self.operator, self.now);
        let group_id = form.group_id.clone();
        self.draft_written = self.now;
        self.drafts.insert(group_id.clone(), draft.clone());
        self.refresh_reviews();
        vec![Effect::SaveDecision {
            group_id,
            entry: Entry::Draft(draft),
        }]
    }

    // -----------------------------------------------------------------------------------------
    // Dialogs

    pub(super) fn open_undo(&mut self) {
        if !self.ready_to_decide("undo") {
            return;
        }
        let last = self
            .reviews
            .iter()
            .filter(|(_, review)| review.state == ReviewState::Saved)
            .filter_map(|(group, review)| review.seq.map(|seq| (seq, group.clone())))
            .max();
        let Some((seq, group_id)) = last else {
            self.info("nothing to undo: no saved decision".to_string());
            return;
        };
        // A bulk apply is undone as a whole: every decision of its batch that still stands.
        let batch = self
            .reviews
            .get(&group_id)
            .and_then(|review| review.decision.batch);
        let mut targets: Vec<(String, u64)> = match batch {
            Some(batch) => self
                .reviews
                .iter()
                .filter(|(_, review)| {
                    review.state == ReviewState::Saved && review.decision.batch == Some(batch)
                })
                .filter_map(|(group, review)| review.seq.map(|seq| (group.clone(), seq)))
                .collect(),
            None => vec![(group_id.clone(), seq)],
        };
        targets.sort_by_key(|target| std::cmp::Reverse(target.1));
        let mut lines = Vec::new();
        for (group, _) in targets.iter().take(UNDO_LINES) {
            if let Some(review) = self.reviews.get(group) {
                let decision = &review.decision;
                // Who and when first, so a narrow terminal cuts the pattern, not them.
                lines.push(format!(
                    "{} UTC {} · {} {}/{} · {}",
                    super::format::clock(decision.decided_at),
                    decision.operator,
                    edit::verdict_word(decision.verdict),
                    decision.error_class.as_str(),
                    decision.permanence.as_str(),
                    self.group_key(group),
                ));
            }
        }
        self.dialog = Some(Dialog::Undo { targets, lines });
    }

    pub(super) fn open_discard_draft(&mut self) {
        if !self.ready_to_decide("discard draft") {
            return;
        }
        let Some(row) = self.triage.selected() else {
            return;
        };
        if !self.drafts.contains_key(&row.group.id) {
            self.info(format!("{} has no draft", row.group.key()));
            return;
        }
        self.dialog = Some(Dialog::DiscardDraft {
            group_id: row.group.id.clone(),
            key: self.group_key(&row.group.id),
        });
    }

    /// Offers the selected group's decision to similar groups that have none: the other groups
    /// of its source and code first, then groups of its source whose text is much alike.
    pub(super) fn open_bulk(&mut self) {
        if !self.ready_to_decide("bulk apply") {
            return;
        }
        let Some(row) = self.triage.selected() else {
            return;
        };
        let template = match self.reviews.get(&row.group.id) {
            Some(review)
                if review.verdict() != Verdict::Rejected
                    && !matches!(review.state, ReviewState::Unsaved(_)) =>
            {
                review.decision.clone()
            }
            _ => {
                self.error(format!(
                    "{} has no confirmed or edited decision to apply; decide it first (c or e)",
                    row.group.key()
                ));
                return;
            }
        };
        let from = row.group.clone();
        // Unique even for two applies within one tick of the clock.
        let batch = u64::try_from(self.now.as_millisecond())
            .unwrap_or(0)
            .max(self.last_batch + 1);
        self.last_batch = batch;
        let batch = Some(batch);
        let from_words: BTreeSet<String> = words("", &from.pattern)
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect();

        let mut candidates: Vec<(f64, BulkCandidate)> = Vec::new();
        let mut left_with_drafts = 0;
        for other in self.triage.rows() {
            let group = &other.group;
            let known = other.known.as_ref().is_some_and(|k| k.settled());
            if group.id == from.id || self.reviews.contains_key(&group.id) || known {
                continue;
            }
            if group.source != from.source {
                continue;
            }
            let (score, why) = if group.code == from.code {
                (2.0, "same code".to_string())
            } else {
                let other_words: BTreeSet<String> = words("", &group.pattern).into_iter().collect();
                let union = from_words.union(&other_words).count();
                let common = from_words.intersection(&other_words).count();
                let similarity = if union == 0 {
                    0.0
                } else {
                    common as f64 / union as f64
                };
                if similarity < SIMILAR_TEXT {
                    continue;
                }
                (
                    similarity,
                    format!("similar text ({:.0}%)", similarity * 100.0),
                )
            };
            // A group with a draft keeps it: the operator was working on it.
            if other.draft {
                left_with_drafts += 1;
                continue;
            }
            let (siblings, _) = self.sibling_samples(group);
            let members: Vec<&str> = group.samples.iter().map(String::as_str).collect();
            let sibling_refs: Vec<&str> = siblings.iter().map(String::as_str).collect();
            let decision = Decision {
                group_id: group.id.clone(),
                error_source: group.source.server_field().to_string(),
                error_code: group.code,
                diag_regex: diag_regex_for(&group.pattern, &members, &sibling_refs).regex,
                description: edit::default_description(other),
                note: format!("bulk: as {} (group {})", from.key(), from.id),
                decided_at: self.now,
                operator: self.operator.clone(),
                batch,
                ..template.clone()
            };
            candidates.push((
                score,
                BulkCandidate {
                    decision,
                    key: group.key(),
                    pattern: group.pattern.clone(),
                    jobs: group.jobs,
                    why,
                    include: true,
                },
            ));
        }
        let drafts_note = if left_with_drafts > 0 {
            format!(" ({left_with_drafts} with a draft left out)")
        } else {
            String::new()
        };
        if candidates.is_empty() {
            self.info(format!(
                "no undecided group like {} to apply its decision to{drafts_note}",
                from.key()
            ));
            return;
        }
        candidates.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| b.1.jobs.cmp(&a.1.jobs))
                .then_with(|| a.1.decision.group_id.cmp(&b.1.decision.group_id))
        });
        let retry = match template.retry_action {
            Some(crate::triage::journal::RetryAction::LimitRetry { max_attempt }) => {
                format!("limit_retry (max {max_attempt} attempts)")
            }
            other => edit::retry_name(other).to_string(),
        };
        let summary = format!(
            "{} / {} · retry {retry}{drafts_note}",
            template.error_class.as_str(),
            template.permanence.as_str(),
        );
        self.dialog = Some(Dialog::Bulk {
            from_key: format!("{} \"{}\"", from.key(), truncate(&from.pattern, 40)),
            summary,
            candidates: candidates.into_iter().map(|(_, c)| c).collect(),
            selected: 0,
        });
    }

    /// Quits, unless decisions on screen are not on disk: then asks first.
    pub(super) fn quit(&mut self) -> Vec<Effect> {
        let unsaved: Vec<&String> = self
            .reviews
            .values()
            .filter_map(|review| match &review.state {
                ReviewState::Unsaved(reason) => Some(reason),
                _ => None,
            })
            .collect();
        match unsaved.first() {
            None => vec![Effect::Quit],
            Some(reason) => {
                self.dialog = Some(Dialog::Quit {
                    unsaved: unsaved.len(),
                    reason: (*reason).clone(),
                });
                Vec::new()
            }
        }
    }

    pub(super) fn on_dialog_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.status = None;
        let action = self.keymap.action_for(Context::Dialog, &key);
        let Some(dialog) = self.dialog.as_mut() else {
            return Vec::new();
        };
        match action {
            Some(Action::Quit) => return vec![Effect::Quit],
            Some(Action::No) => {
                let back_to_form = matches!(dialog, Dialog::NewSilence { .. });
                self.dialog = None;
                self.info(if back_to_form {
                    "not sent: back to the silence form".to_string()
                } else {
                    "cancelled: nothing changed".to_string()
                });
            }
            Some(Action::Yes) => return self.answer_yes(),
            Some(
                move_action @ (Action::Up
                | Action::Down
                | Action::Top
                | Action::Bottom
                | Action::PageUp
                | Action::PageDown),
            ) => {
                if let Dialog::Bulk {
                    candidates,
                    selected,
                    ..
                } = dialog
                {
                    let last = candidates.len().saturating_sub(1);
                    *selected = match move_action {
                        Action::Up => selected.saturating_sub(1),
                        Action::Down => (*selected + 1).min(last),
                        Action::Top => 0,
                        Action::Bottom => last,
                        Action::PageUp => selected.saturating_sub(10),
                        _ => (*selected + 10).min(last),
                    };
                }
            }
            Some(Action::Toggle) => {
                if let Dialog::Bulk {
                    candidates,
                    selected,
                    ..
                } = dialog
                    && let Some(candidate) = candidates.get_mut(*selected)
                {
                    candidate.include = !candidate.include;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn answer_yes(&mut self) -> Vec<Effect> {
        let Some(dialog) = self.dialog.take() else {
            return Vec::new();
        };
        match dialog {
            Dialog::Quit { .. } => vec![Effect::Quit],
            silence @ (Dialog::NewSilence { .. } | Dialog::ExpireSilence { .. }) => {
                self.send_silence_change(silence)
            }
            Dialog::Undo { targets, .. } => {
                let mut effects = Vec::new();
                for (group_id, seq) in targets {
                    if let Some(review) = self.reviews.get_mut(&group_id) {
                        review.state = ReviewState::Undoing;
                    }
                    effects.push(Effect::SaveDecision {
                        group_id,
                        entry: Entry::Undo { seq_undone: seq },
                    });
                }
                self.info(format!("undoing {} decision(s)…", effects.len()));
                self.refresh_reviews();
                effects
            }
            Dialog::DiscardDraft { group_id, key } => {
                self.drafts.remove(&group_id);
                self.info(format!("draft of {key} discarded"));
                self.refresh_reviews();
                vec![Effect::SaveDecision {
                    group_id: group_id.clone(),
                    entry: Entry::DiscardDraft { group_id },
                }]
            }
            Dialog::Bulk {
                candidates,
                from_key,
                ..
            } => {
                let chosen: Vec<Decision> = candidates
                    .into_iter()
                    .filter(|c| c.include)
                    .map(|c| c.decision)
                    .collect();
                if chosen.is_empty() {
                    self.info("no group was included: nothing changed".to_string());
                    return Vec::new();
                }
                self.info(format!(
                    "applying the decision on {from_key} to {} group(s)",
                    chosen.len()
                ));
                chosen
                    .into_iter()
                    .flat_map(|decision| self.save_decision(decision))
                    .collect()
            }
        }
    }

    pub fn set_queue(&mut self, queue: Queue) {
        self.queue = queue;
        let text = self.filter_text(PaneId::Triage);
        self.set_filter(PaneId::Triage, &text);
        self.info(format!(
            "Triage queue: {} ({} group(s))",
            queue.name(),
            self.triage.len()
        ));
    }
}

/// The suggester's label for a decision.
fn label_of(decision: &Decision) -> Label {
    Label {
        error_class: decision.error_class.as_str(),
        permanence: decision.permanence.as_str(),
        retry_action: decision.retry_action.map_or("none", |a| a.as_str()),
    }
}
