//! The decisions journal behind the Triage pane, on a thread of its own.
//!
//! Appending a decision writes and syncs a file, which the UI task must never wait for. The
//! worker opens the journal (taking its lock), tells the app what it holds, then appends each
//! decision it is sent and answers with the outcome. A decision counts as saved only when that
//! answer says so. A read-only console reads the journal without its lock, so another console
//! can keep deciding, and writes nothing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::{Message, SaveKind, Standing};
use crate::triage::journal::{Entry, Journal, JournalError, Replay};
use crate::triage::rules::{RuleSet, known_rules_path};

/// A decision for the worker to append, with the group it belongs to.
pub struct SaveRequest {
    pub group_id: String,
    pub entry: Entry,
}

/// How long quitting waits for decisions already handed to the worker.
const FINISH_WAIT: Duration = Duration::from_secs(2);

/// Where the app sends decisions. Dropping it ends the worker, after waiting (briefly) for the
/// decisions already sent, so a decision made just before quitting still reaches the disk.
pub struct JournalHandle {
    requests: Option<std_mpsc::Sender<SaveRequest>>,
    finished: std_mpsc::Receiver<()>,
}

impl Drop for JournalHandle {
    fn drop(&mut self) {
        self.requests = None;
        if self.finished.recv_timeout(FINISH_WAIT).is_err() {
            tracing::warn!("the journal worker did not finish in time; a decision may be unsaved");
        }
    }
}

impl JournalHandle {
    /// Starts the worker on the journal at `path`; its answers arrive as [`Message`]s. A
    /// `read_only` worker only reads the journal, without its lock, and refuses every entry.
    pub fn start(path: PathBuf, read_only: bool, answers: mpsc::Sender<Message>) -> JournalHandle {
        let (requests, incoming) = std_mpsc::channel::<SaveRequest>();
        let (finish, finished) = std_mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("journal".to_string())
            .spawn(move || {
                serve(path, read_only, &incoming, &answers);
                let _ = finish.send(());
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the journal thread");
        }
        JournalHandle {
            requests: Some(requests),
            finished,
        }
    }

    /// Hands a decision to the worker; never waits.
    pub fn save(&self, request: SaveRequest) -> Result<(), String> {
        self.requests
            .as_ref()
            .ok_or_else(|| "the journal is closing".to_string())?
            .send(request)
            .map_err(|_| "the journal worker has stopped".to_string())
    }
}

/// Why a read-only console saves nothing, as the Triage pane's status says it.
pub const READ_ONLY_REASON: &str =
    "the decisions journal is shown, never written (--read-only or ui.read_only)";

fn serve(
    path: PathBuf,
    read_only: bool,
    incoming: &std_mpsc::Receiver<SaveRequest>,
    answers: &mpsc::Sender<Message>,
) {
    // The rules already in PanDA's tables (`pandaops triage import`) sit beside the journal.
    if let Some(folder) = path.parent() {
        let rules_path = known_rules_path(folder);
        let known = match RuleSet::load(&rules_path) {
            Ok(rules) => Ok(Arc::new(rules)),
            Err(error) => {
                tracing::error!(%error, "known rules not loaded");
                Err(error.to_string())
            }
        };
        let _ = answers.blocking_send(Message::KnownRules(known));
    }
    if read_only {
        let message = match crate::triage::journal::read(&path) {
            Ok(replay) => {
                let mut summary = summary(&replay);
                summary.read_only = Some(READ_ONLY_REASON.to_string());
                Message::JournalOpened(Ok(summary))
            }
            Err(error) => Message::JournalOpened(Err(error.to_string())),
        };
        let _ = answers.blocking_send(message);
        for request in incoming {
            let _ = answers.blocking_send(Message::DecisionSaved {
                kind: SaveKind::of(&request.entry),
                group_id: request.group_id,
                result: Err(READ_ONLY_REASON.to_string()),
            });
        }
        return;
    }
    let mut journal = match Journal::open(&path) {
        Ok((journal, replay)) => {
            let _ = answers.blocking_send(opened(&replay));
            journal
        }
        Err(error) => {
            tracing::error!(%error, "decisions journal not opened");
            // Another console holds it: show what it holds, read-only, so this one does not
            // look as if nothing had been decided.
            let shown = matches!(error, JournalError::Locked { .. })
                .then(|| crate::triage::journal::read(&path).ok())
                .flatten();
            let message = match shown {
                Some(replay) => {
                    let mut summary = summary(&replay);
                    summary.read_only = Some(error.to_string());
                    Message::JournalOpened(Ok(summary))
                }
                None => Message::JournalOpened(Err(error.to_string())),
            };
            let _ = answers.blocking_send(message);
            // Keep answering, so every decision is marked unsaved with the reason.
            for request in incoming {
                let _ = answers.blocking_send(Message::DecisionSaved {
                    kind: SaveKind::of(&request.entry),
                    group_id: request.group_id,
                    result: Err(error.to_string()),
                });
            }
            return;
        }
    };

    for request in incoming {
        let answer = append(&mut journal, request.group_id, request.entry);
        if answers.blocking_send(answer).is_err() {
            return;
        }
    }
}

/// Appends one entry and says how it went, with what the journal then holds for the group, so
/// the screen shows the journal's state (after an undo, the decision that stands again) rather
/// than a guess.
pub fn append(journal: &mut Journal, group_id: String, entry: Entry) -> Message {
    let kind = SaveKind::of(&entry);
    let result = journal
        .append(entry)
        .map(|seq| {
            Box::new(Standing {
                seq,
                decision: journal.state().decisions.get(&group_id).cloned(),
                draft: journal.state().drafts.get(&group_id).cloned(),
            })
        })
        .map_err(|error| error.to_string());
    if let Err(reason) = &result {
        tracing::error!(group = %group_id, ?kind, %reason, "journal entry not saved");
    }
    Message::DecisionSaved {
        group_id,
        kind,
        result,
    }
}

/// What the app needs of a journal just opened: each group's standing decision and draft, and
/// any damage.
pub fn opened(replay: &Replay) -> Message {
    Message::JournalOpened(Ok(summary(replay)))
}

fn summary(replay: &Replay) -> crate::app::JournalSummary {
    let damaged = replay
        .damaged
        .iter()
        .map(|damage| {
            format!(
                "line {} ({} bytes): {}",
                damage.line, damage.bytes, damage.reason
            )
        })
        .collect();
    for damage in &damaged {
        tracing::warn!(%damage, "decisions journal: damaged line skipped");
    }
    crate::app::JournalSummary {
        decisions: replay.decisions.clone(),
        drafts: replay.drafts.clone(),
        damaged,
        read_only: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::journal::{Decision, ErrorClass, Permanence, Verdict};

    fn decision(group_id: &str) -> Decision {
        Decision {
            group_id: group_id.to_string(),
            error_source: "pilotErrorCode".to_string(),
            error_code: 1099,
            diag_regex: "Failed to stage-in".to_string(),
            description: "STAGEINFAILED".to_string(),
            error_class: ErrorClass::System,
            permanence: Permanence::Transient,
            retry_action: None,
            verdict: Verdict::Confirmed,
            note: String::new(),
            operator: "op@gw".to_string(),
            decided_at: jiff::Timestamp::UNIX_EPOCH,
            batch: None,
        }
    }

    #[test]
    fn decisions_sent_just_before_quitting_reach_the_disk() {
        let dir = std::env::temp_dir().join(format!("pandaops-review-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("decisions.jsonl");
        let (answers, mut answered) = mpsc::channel(64);

        let handle = JournalHandle::start(path.clone(), false, answers);
        for n in 0..20 {
            let request = SaveRequest {
                group_id: format!("g{n}"),
                entry: Entry::Decision(decision(&format!("g{n}"))),
            };
            assert!(handle.save(request).is_ok());
        }
        // Quitting right away: dropping the handle waits for the queue.
        drop(handle);

        let (_journal, replay) = Journal::open(&path).unwrap();
        assert_eq!(replay.decisions.len(), 20);
        // The known rules beside the journal come first (none here), then the journal.
        assert!(matches!(
            answered.try_recv(),
            Ok(Message::KnownRules(Ok(rules))) if rules.is_empty()
        ));
        assert!(matches!(
            answered.try_recv(),
            Ok(Message::JournalOpened(Ok(_)))
        ));
        let saved = std::iter::from_fn(|| answered.try_recv().ok())
            .filter(|m| matches!(m, Message::DecisionSaved { result: Ok(_), .. }))
            .count();
        assert_eq!(saved, 20);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_read_only_console_shows_the_journal_without_locking_or_writing_it() {
        let dir = std::env::temp_dir().join(format!("pandaops-review-ro-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("decisions.jsonl");
        {
            let (mut journal, _) = Journal::open(&path).unwrap();
            journal.append(Entry::Decision(decision("g1"))).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let (answers, mut answered) = mpsc::channel(64);

        let handle = JournalHandle::start(path.clone(), true, answers);
        let request = SaveRequest {
            group_id: "g2".to_string(),
            entry: Entry::Decision(decision("g2")),
        };
        assert!(handle.save(request).is_ok());
        // Another console can take the journal meanwhile.
        let other = Journal::open(&path);
        assert!(other.is_ok(), "{:?}", other.err());
        drop(other);
        drop(handle);

        assert!(matches!(answered.try_recv(), Ok(Message::KnownRules(_))));
        let Ok(Message::JournalOpened(Ok(summary))) = answered.try_recv() else {
            panic!("the journal is shown")
        };
        assert_eq!(summary.decisions.keys().collect::<Vec<_>>(), vec!["g1"]);
        assert_eq!(summary.read_only.as_deref(), Some(READ_ONLY_REASON));
        let Ok(Message::DecisionSaved {
            group_id, result, ..
        }) = answered.try_recv()
        else {
            panic!("the decision is answered")
        };
        assert_eq!(group_id, "g2");
        assert_eq!(result, Err(READ_ONLY_REASON.to_string()));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
