//! The decisions journal behind the Triage pane, on a thread of its own.
//!
//! Appending a decision writes and syncs a file, which the UI task must never wait for. The
//! worker opens the journal (taking its lock), tells the app what it holds, then appends each
//! decision it is sent and answers with the outcome. A decision counts as saved only when that
//! answer says so.

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use crate::app::Message;
use crate::triage::journal::{Entry, Journal, Replay};

/// A decision for the worker to append, with the group it belongs to.
pub struct SaveRequest {
    pub group_id: String,
    pub entry: Entry,
}

/// Where the app sends decisions; dropping it ends the worker.
pub struct JournalHandle {
    requests: std_mpsc::Sender<SaveRequest>,
}

impl JournalHandle {
    /// Starts the worker on the journal at `path`; its answers arrive as [`Message`]s.
    pub fn start(path: PathBuf, answers: mpsc::Sender<Message>) -> JournalHandle {
        let (requests, incoming) = std_mpsc::channel::<SaveRequest>();
        let spawned = std::thread::Builder::new()
            .name("journal".to_string())
            .spawn(move || serve(path, &incoming, &answers));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the journal thread");
        }
        JournalHandle { requests }
    }

    /// Hands a decision to the worker; never waits.
    pub fn save(&self, request: SaveRequest) -> Result<(), String> {
        self.requests
            .send(request)
            .map_err(|_| "the journal worker has stopped".to_string())
    }
}

fn serve(
    path: PathBuf,
    incoming: &std_mpsc::Receiver<SaveRequest>,
    answers: &mpsc::Sender<Message>,
) {
    let mut journal = match Journal::open(&path) {
        Ok((journal, replay)) => {
            let _ = answers.blocking_send(opened(&replay));
            journal
        }
        Err(error) => {
            tracing::error!(%error, "decisions journal not opened");
            let _ = answers.blocking_send(Message::JournalOpened(Err(error.to_string())));
            // Keep answering, so every decision is marked unsaved with the reason.
            for request in incoming {
                let _ = answers.blocking_send(Message::DecisionSaved {
                    group_id: request.group_id,
                    result: Err(error.to_string()),
                });
            }
            return;
        }
    };

    for request in incoming {
        let result = journal
            .append(request.entry)
            .map_err(|error| error.to_string());
        if let Err(reason) = &result {
            tracing::error!(group = %request.group_id, %reason, "decision not saved");
        }
        let answer = Message::DecisionSaved {
            group_id: request.group_id,
            result,
        };
        if answers.blocking_send(answer).is_err() {
            return;
        }
    }
}

/// What the app needs of a journal just opened: each group's standing verdict, and any damage.
pub fn opened(replay: &Replay) -> Message {
    let verdicts = replay
        .decisions
        .iter()
        .map(|(group, saved)| (group.clone(), saved.decision.verdict))
        .collect();
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
    Message::JournalOpened(Ok(crate::app::JournalSummary { verdicts, damaged }))
}
