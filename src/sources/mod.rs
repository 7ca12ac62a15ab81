//! Data sources. Each runs as its own task and reports snapshots and health to the app.
//!
//! A source never shares state with the UI: it sends [`SourceEvent`]s over a channel and takes
//! commands (refresh) over another. A source task that panics is reported in its pane as failing,
//! and the console keeps running.

pub mod demo;
pub mod http;

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::domain::{PaneId, SourceEvent, SourceEventKind, SourceHealth};

use self::demo::{DemoCommand, DemoWorld};

/// Handles to the running sources, for the effects the app asks for.
pub struct Sources {
    demo: Option<mpsc::Sender<DemoCommand>>,
}

impl Sources {
    /// Starts the embedded simulated PanDA for every pane.
    pub fn start_demo(
        seed: u64,
        speed: f64,
        start: Timestamp,
        events: mpsc::Sender<SourceEvent>,
    ) -> Sources {
        let (commands_tx, commands_rx) = mpsc::channel(8);
        for pane in PaneId::ALL {
            let loading = SourceHealth::Loading {
                progress: Some("simulating the last two hours".into()),
            };
            let event = SourceEvent {
                source: demo::SOURCE_NAME.to_string(),
                pane,
                kind: SourceEventKind::Health(loading),
            };
            let _ = events.try_send(event);
        }
        let runner_events = events.clone();
        let task = tokio::spawn(async move {
            // Building the world simulates its history: CPU work, kept off the UI task.
            let built = tokio::task::spawn_blocking(move || DemoWorld::new(seed, start)).await;
            match built {
                Ok(world) => demo::run(world, speed, runner_events, commands_rx).await,
                // A panic while building is passed on, so the supervisor reports it.
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(_) => {}
            }
        });
        tokio::spawn(supervise("demo", &PaneId::ALL, task, events));
        Sources {
            demo: Some(commands_tx),
        }
    }

    /// Asks the sources of a pane to fetch now. Never waits: a full queue means a refresh is
    /// already pending.
    pub fn refresh(&self, _pane: PaneId) {
        if let Some(demo) = &self.demo {
            let _ = demo.try_send(DemoCommand::Refresh);
        }
    }
}

/// Waits for a source task to end; if it panicked, marks its panes as failing with the reason.
async fn supervise(
    name: &'static str,
    panes: &'static [PaneId],
    task: tokio::task::JoinHandle<()>,
    events: mpsc::Sender<SourceEvent>,
) {
    let Err(error) = task.await else {
        return;
    };
    let reason = if error.is_panic() {
        let payload = error.into_panic();
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        format!("source crashed: {text}")
    } else {
        "source stopped".to_string()
    };
    tracing::error!(source = name, %reason, "source task ended");
    for &pane in panes {
        let health = SourceHealth::Failing {
            reason: reason.clone(),
        };
        let event = SourceEvent {
            source: name.to_string(),
            pane,
            kind: SourceEventKind::Health(health),
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_source_is_reported_as_failing_in_its_panes() {
        let (tx, mut rx) = mpsc::channel(8);
        let task = tokio::spawn(async {
            let values: Vec<u32> = Vec::new();
            // An index out of range, as bad data might cause.
            let _ = values[usize::from(values.is_empty())];
        });
        supervise("flaky", &[PaneId::Tasks, PaneId::Triage], task, tx).await;

        let first = rx.recv().await;
        let second = rx.recv().await;
        for (event, pane) in [(first, PaneId::Tasks), (second, PaneId::Triage)] {
            let Some(event) = event else {
                panic!("no health event for {pane:?}")
            };
            assert_eq!(event.source, "flaky");
            assert_eq!(event.pane, pane);
            let SourceEventKind::Health(SourceHealth::Failing { reason }) = event.kind else {
                panic!("expected a failing health, got {:?}", event.kind)
            };
            assert!(
                reason.starts_with("source crashed: index out of bounds"),
                "{reason}"
            );
        }
    }
}
