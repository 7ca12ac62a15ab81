//! The loop every polling source runs: fetch, report, wait; on failure keep the last data, say
//! why, and back off.
//!
//! A fetch that fails after a good one makes the source `Stale` since the first failure, with
//! the reason and the time of the next attempt; one that fails before anything good arrived
//! makes it `Failing`. The loop never sends an empty feed in place of an error.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc;

use crate::domain::{Feed, PaneId, SourceEvent, SourceEventKind, SourceHealth};

use super::http::{Backoff, HttpError};

/// What the app may ask of a polling source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollCommand {
    /// Fetch now, unless the server asked us to wait.
    Refresh,
}

/// How often a source polls and how it backs off.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub every: Duration,
    pub backoff: Backoff,
    /// Bytes of the answer received so far, when the source counts them: until the first good
    /// answer, the pane's title shows them as progress ("loading 12.5 MB received").
    pub received: Option<Arc<AtomicUsize>>,
}

/// How often the progress of a first load is shown.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// What one good poll brought: feeds, each with its pane, and a note on what it lacked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polled {
    pub feeds: Vec<(PaneId, Feed)>,
    /// Shown beside the source's freshness, such as "3 of 900 records skipped: …".
    pub note: Option<String>,
}

impl Polled {
    /// One feed for one pane, with its note.
    pub fn one(pane: PaneId, feed: Feed, note: Option<String>) -> Polled {
        Polled {
            feeds: vec![(pane, feed)],
            note,
        }
    }
}

impl From<Vec<(PaneId, Feed)>> for Polled {
    fn from(feeds: Vec<(PaneId, Feed)>) -> Polled {
        Polled { feeds, note: None }
    }
}

/// Runs until the app goes away (its channel closes). `fetch` returns every feed of one poll;
/// `pane_of` says where each goes.
pub async fn run<F, Fut>(
    source: String,
    panes: Vec<PaneId>,
    mut schedule: Schedule,
    events: mpsc::Sender<SourceEvent>,
    mut commands: mpsc::Receiver<PollCommand>,
    mut fetch: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Polled, HttpError>>,
{
    let send = |pane: PaneId, kind: SourceEventKind| SourceEvent {
        source: source.clone(),
        pane,
        kind,
    };
    for &pane in &panes {
        let loading = SourceHealth::Loading { progress: None };
        if events
            .send(send(pane, SourceEventKind::Health(loading)))
            .await
            .is_err()
        {
            return;
        }
    }

    let mut had_data = false;
    let mut failing_since: Option<Timestamp> = None;
    loop {
        let fetching = fetch();
        tokio::pin!(fetching);
        // The most received by one answer of this poll: the list, not a small request after it.
        let mut peak = 0;
        let outcome = loop {
            tokio::select! {
                outcome = &mut fetching => break outcome,
                () = tokio::time::sleep(PROGRESS_EVERY), if !had_data && schedule.received.is_some() => {
                    let received = schedule
                        .received
                        .as_ref()
                        .map_or(0, |received| received.load(Ordering::Relaxed));
                    peak = received.max(peak);
                    if peak == 0 {
                        continue;
                    }
                    let received = peak;
                    let progress = SourceHealth::Loading {
                        progress: Some(format!("{:.1} MB received", received as f64 / 1e6)),
                    };
                    for &pane in &panes {
                        let event = send(pane, SourceEventKind::Health(progress.clone()));
                        if events.send(event).await.is_err() {
                            return;
                        }
                    }
                }
            }
        };
        let wait = match outcome {
            Ok(Polled { feeds, note }) => {
                had_data = true;
                failing_since = None;
                schedule.backoff.reset();
                for (pane, feed) in feeds {
                    if events
                        .send(send(pane, SourceEventKind::Data(feed)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                let fresh = SourceHealth::Fresh {
                    at: Timestamp::now(),
                    note,
                };
                for &pane in &panes {
                    let event = send(pane, SourceEventKind::Health(fresh.clone()));
                    if events.send(event).await.is_err() {
                        return;
                    }
                }
                schedule.every
            }
            Err(error) => {
                let wait = schedule.backoff.next_delay(error.retry_after());
                let now = Timestamp::now();
                let since = *failing_since.get_or_insert(now);
                let reason = error.to_string();
                let health = if had_data {
                    let ahead = SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX);
                    SourceHealth::Stale {
                        since,
                        reason,
                        retry_at: now.checked_add(ahead).ok(),
                    }
                } else {
                    SourceHealth::Failing { reason }
                };
                for &pane in &panes {
                    let event = send(pane, SourceEventKind::Health(health.clone()));
                    if events.send(event).await.is_err() {
                        return;
                    }
                }
                wait
            }
        };

        // Sleep until the next poll; a refresh cuts it short, except during a backoff, which
        // protects a server that is failing or asked us to wait.
        let in_backoff = failing_since.is_some();
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                command = commands.recv() => match command {
                    Some(PollCommand::Refresh) if !in_backoff => break,
                    Some(PollCommand::Refresh) => {}
                    None => return,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use super::*;

    fn failure(retry_after: Option<Duration>) -> HttpError {
        HttpError::Status {
            endpoint: "t (http://x/)".into(),
            status: if retry_after.is_some() { 429 } else { 500 },
            detail: String::new(),
            retry_after,
        }
    }

    /// Runs the loop over scripted outcomes and returns the health and data events seen.
    async fn events_of(
        outcomes: Vec<Result<(), HttpError>>,
        wanted: usize,
    ) -> Vec<SourceEventKind> {
        let script = Arc::new(Mutex::new(VecDeque::from(outcomes)));
        let (events_tx, mut events_rx) = mpsc::channel(64);
        let (_commands_tx, commands_rx) = mpsc::channel(1);
        let schedule = Schedule {
            every: Duration::from_millis(10),
            backoff: Backoff::new(Duration::from_millis(10), Duration::from_millis(20)),
            received: None,
        };
        let fetch = move || {
            let next = script.lock().ok().and_then(|mut s| s.pop_front());
            async move {
                match next {
                    Some(Ok(())) | None => {
                        Ok(vec![(PaneId::Metrics, Feed::Series(Vec::new()))].into())
                    }
                    Some(Err(error)) => Err(error),
                }
            }
        };
        let task = tokio::spawn(run(
            "t".into(),
            vec![PaneId::Metrics],
            schedule,
            events_tx,
            commands_rx,
            fetch,
        ));
        let mut seen = Vec::new();
        while seen.len() < wanted {
            match tokio::time::timeout(Duration::from_secs(2), events_rx.recv()).await {
                Ok(Some(event)) => seen.push(event.kind),
                _ => break,
            }
        }
        task.abort();
        seen
    }

    #[tokio::test]
    async fn a_failure_before_any_data_is_failing_and_after_data_is_stale() {
        let seen = events_of(vec![Err(failure(None)), Ok(()), Err(failure(None))], 5).await;
        assert!(matches!(
            seen[0],
            SourceEventKind::Health(SourceHealth::Loading { .. })
        ));
        let SourceEventKind::Health(SourceHealth::Failing { reason }) = &seen[1] else {
            panic!("expected failing, got {:?}", seen[1])
        };
        assert_eq!(reason, "t (http://x/): HTTP 500");
        assert!(matches!(seen[2], SourceEventKind::Data(Feed::Series(_))));
        assert!(matches!(
            seen[3],
            SourceEventKind::Health(SourceHealth::Fresh { .. })
        ));
        let SourceEventKind::Health(SourceHealth::Stale { retry_at, .. }) = &seen[4] else {
            panic!("expected stale, got {:?}", seen[4])
        };
        assert!(retry_at.is_some());
    }

    #[tokio::test]
    async fn retry_after_sets_the_next_attempt() {
        let started = Timestamp::now();
        let seen = events_of(vec![Ok(()), Err(failure(Some(Duration::from_secs(30))))], 4).await;
        let SourceEventKind::Health(SourceHealth::Stale {
            retry_at: Some(at), ..
        }) = &seen[3]
        else {
            panic!("expected stale with a retry time, got {:?}", seen[3])
        };
        let ahead = at.duration_since(started);
        assert!(ahead >= SignedDuration::from_secs(29), "{ahead:?}");
    }
}
