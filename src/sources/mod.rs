//! Data sources. Each runs as its own task and reports snapshots and health to the app.
//!
//! A source never shares state with the UI: it sends [`SourceEvent`]s over a channel and takes
//! commands (refresh) over another. A source task that panics is reported in its pane as failing,
//! and the console keeps running.

pub mod alertmanager;
pub mod demo;
pub mod http;
pub mod poll;
pub mod prometheus;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use crate::config;
use crate::domain::{Feed, PaneId, SourceEvent, SourceEventKind, SourceHealth};

use self::alertmanager::{Alertmanager, NewSilence};
use self::demo::{DemoCommand, DemoWorld};
use self::http::{Backoff, Endpoint, HttpError, HttpSettings, TokenSource};
use self::poll::{PollCommand, Schedule};
use self::prometheus::{Prometheus, Query};

/// Handles to the running sources, for the effects the app asks for.
pub struct Sources {
    demo: Option<mpsc::Sender<DemoCommand>>,
    /// The polling sources, with the panes they feed.
    polled: Vec<(Vec<PaneId>, mpsc::Sender<PollCommand>)>,
    /// The configured Alertmanagers, for creating and expiring silences.
    alertmanagers: Vec<Arc<Alertmanager>>,
    /// The Metrics pane's width in cells, shared with every Prometheus source.
    metrics_width: Arc<AtomicU32>,
}

/// The HTTP settings of a configured source.
fn http_settings(
    [
        connect_timeout_secs,
        read_timeout_secs,
        total_timeout_secs,
        max_body_mb,
    ]: [u64; 4],
    token_env: &str,
    token_file: &str,
    ca_file: &str,
    ca_dir: &str,
) -> HttpSettings {
    let path = |text: &str| (!text.trim().is_empty()).then(|| PathBuf::from(text.trim()));
    let token = match (path(token_file), token_env.trim()) {
        (Some(file), _) => TokenSource::File(file),
        (None, "") => TokenSource::None,
        (None, variable) => TokenSource::Env(variable.to_string()),
    };
    HttpSettings {
        connect_timeout: Duration::from_secs(connect_timeout_secs),
        read_timeout: Duration::from_secs(read_timeout_secs),
        total_timeout: Duration::from_secs(total_timeout_secs),
        max_body_bytes: usize::try_from(max_body_mb.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX),
        ca_file: path(ca_file),
        ca_dir: path(ca_dir),
        token,
        ..HttpSettings::default()
    }
}

/// The Alertmanager a `[[sources.alertmanager]]` entry describes.
pub fn alertmanager_from(source: &config::AlertmanagerSource) -> Result<Alertmanager, HttpError> {
    let settings = http_settings(
        [
            source.connect_timeout_secs,
            source.read_timeout_secs,
            source.total_timeout_secs,
            source.max_body_mb,
        ],
        &source.token_env,
        &source.token_file,
        &source.ca_file,
        &source.ca_dir,
    );
    Ok(Alertmanager {
        name: source.name.clone(),
        endpoint: Arc::new(Endpoint::new(&source.name, &source.url, settings)?),
    })
}

/// The Prometheus a `[[sources.prometheus]]` entry describes.
pub fn prometheus_from(source: &config::PrometheusSource) -> Result<Prometheus, HttpError> {
    let settings = http_settings(
        [
            source.connect_timeout_secs,
            source.read_timeout_secs,
            source.total_timeout_secs,
            source.max_body_mb,
        ],
        &source.token_env,
        &source.token_file,
        &source.ca_file,
        &source.ca_dir,
    );
    let queries = source
        .queries
        .iter()
        .map(|query| Query {
            name: query.name.clone(),
            title: if query.title.trim().is_empty() {
                query.name.clone()
            } else {
                query.title.clone()
            },
            promql: query.promql.clone(),
            unit: query.unit.clone(),
        })
        .collect();
    Ok(Prometheus {
        endpoint: Arc::new(Endpoint::new(&source.name, &source.url, settings)?),
        queries,
        range: Duration::from_secs(source.range_minutes.saturating_mul(60)),
        points: u32::try_from(source.points).unwrap_or(u32::MAX),
        pane_width: Arc::new(AtomicU32::new(0)),
    })
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
            polled: Vec::new(),
            alertmanagers: Vec::new(),
            metrics_width: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Starts the configured sources, one task each. A source whose settings cannot work
    /// (an unreadable CA file, say) marks its pane failing with the reason; the others run.
    /// A pane no source feeds says so in its title.
    pub fn start_configured(
        configured: &config::Sources,
        events: mpsc::Sender<SourceEvent>,
    ) -> Sources {
        let mut sources = Sources {
            demo: None,
            polled: Vec::new(),
            alertmanagers: Vec::new(),
            metrics_width: Arc::new(AtomicU32::new(0)),
        };
        let mut fed = Vec::new();

        for source in &configured.alertmanager {
            fed.push(PaneId::Alerts);
            let every = Duration::from_secs(source.refresh_secs);
            match alertmanager_from(source) {
                Ok(alertmanager) => {
                    let alertmanager = Arc::new(alertmanager);
                    sources.alertmanagers.push(Arc::clone(&alertmanager));
                    let fetch = move || {
                        let alertmanager = Arc::clone(&alertmanager);
                        async move {
                            let alerts = alertmanager.alerts().await?;
                            let silences = alertmanager.silences().await?;
                            Ok(vec![
                                (PaneId::Alerts, Feed::Alerts(alerts)),
                                (PaneId::Alerts, Feed::Silences(silences)),
                            ])
                        }
                    };
                    sources.spawn_polling(&source.name, PaneId::Alerts, every, &events, fetch);
                }
                Err(error) => report_setup_failure(&source.name, PaneId::Alerts, &error, &events),
            }
        }

        for source in &configured.prometheus {
            fed.push(PaneId::Metrics);
            let every = Duration::from_secs(source.refresh_secs);
            match prometheus_from(source) {
                Ok(mut prometheus) => {
                    prometheus.pane_width = Arc::clone(&sources.metrics_width);
                    let prometheus = Arc::new(prometheus);
                    let fetch = move || {
                        let prometheus = Arc::clone(&prometheus);
                        async move {
                            let series = prometheus.fetch().await?;
                            Ok(vec![(PaneId::Metrics, Feed::Series(series))])
                        }
                    };
                    sources.spawn_polling(&source.name, PaneId::Metrics, every, &events, fetch);
                }
                Err(error) => report_setup_failure(&source.name, PaneId::Metrics, &error, &events),
            }
        }

        for pane in PaneId::ALL {
            if !fed.contains(&pane) {
                let health = SourceHealth::Failing {
                    reason: "no source configured for this pane (see config.example.toml)".into(),
                };
                let event = SourceEvent {
                    source: "config".into(),
                    pane,
                    kind: SourceEventKind::Health(health),
                };
                let _ = events.try_send(event);
            }
        }
        sources
    }

    fn spawn_polling<F, Fut>(
        &mut self,
        name: &str,
        pane: PaneId,
        every: Duration,
        events: &mpsc::Sender<SourceEvent>,
        fetch: F,
    ) where
        F: FnMut() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Vec<(PaneId, Feed)>, HttpError>> + Send + 'static,
    {
        let (commands_tx, commands_rx) = mpsc::channel(4);
        let schedule = Schedule {
            every,
            backoff: Backoff::new(Duration::from_secs(2), Duration::from_secs(300)),
        };
        let task = tokio::spawn(poll::run(
            name.to_string(),
            vec![pane],
            schedule,
            events.clone(),
            commands_rx,
            fetch,
        ));
        let panes: &'static [PaneId] = match pane {
            PaneId::Alerts => &[PaneId::Alerts],
            PaneId::Tasks => &[PaneId::Tasks],
            PaneId::Triage => &[PaneId::Triage],
            PaneId::Metrics => &[PaneId::Metrics],
        };
        tokio::spawn(supervise_named(
            name.to_string(),
            panes,
            task,
            events.clone(),
        ));
        self.polled.push((vec![pane], commands_tx));
    }

    /// Tells the Prometheus sources how wide the Metrics pane is, in cells, so that their next
    /// poll asks for about one point per cell (never more than each source's `points`).
    /// Never waits.
    pub fn set_metrics_width(&self, cells: u16) {
        self.metrics_width
            .store(u32::from(cells), Ordering::Relaxed);
    }

    /// The configured Alertmanagers, to create and expire silences with.
    pub fn alertmanagers(&self) -> &[Arc<Alertmanager>] {
        &self.alertmanagers
    }

    /// Sends a silence to the Alertmanager named `alertmanager` (the demo's own when the demo
    /// runs). Nothing happens until the future is awaited, off the UI task; it answers with the
    /// new silence's id or why there is none, in words for the status line.
    pub fn create_silence(
        &self,
        alertmanager: &str,
        silence: NewSilence,
    ) -> impl Future<Output = Result<String, String>> + Send + 'static {
        let target = self.silence_target(alertmanager);
        async move {
            match target? {
                SilenceTarget::Demo(demo) => {
                    let (reply, answer) = oneshot::channel();
                    demo.send(DemoCommand::CreateSilence { silence, reply })
                        .await
                        .map_err(|_| "the demo has stopped".to_string())?;
                    answer
                        .await
                        .map_err(|_| "the demo has stopped".to_string())?
                }
                SilenceTarget::Server(server) => {
                    let created = server.create_silence(&silence).await;
                    match &created {
                        Ok(id) => tracing::info!(source = %server.name, %id, "silence created"),
                        Err(error) => {
                            tracing::warn!(source = %server.name, %error, "silence not created")
                        }
                    }
                    created.map_err(|error| error.to_string())
                }
            }
        }
    }

    /// Expires silence `id` on the Alertmanager named `alertmanager`; like
    /// [`Sources::create_silence`], nothing happens until the future is awaited.
    pub fn expire_silence(
        &self,
        alertmanager: &str,
        id: &str,
    ) -> impl Future<Output = Result<(), String>> + Send + 'static {
        let target = self.silence_target(alertmanager);
        let id = id.to_string();
        async move {
            match target? {
                SilenceTarget::Demo(demo) => {
                    let (reply, answer) = oneshot::channel();
                    demo.send(DemoCommand::ExpireSilence { id, reply })
                        .await
                        .map_err(|_| "the demo has stopped".to_string())?;
                    answer
                        .await
                        .map_err(|_| "the demo has stopped".to_string())?
                }
                SilenceTarget::Server(server) => {
                    let expired = server.expire_silence(&id).await;
                    match &expired {
                        Ok(()) => tracing::info!(source = %server.name, %id, "silence expired"),
                        Err(error) => {
                            tracing::warn!(source = %server.name, %id, %error, "silence not expired")
                        }
                    }
                    expired.map_err(|error| error.to_string())
                }
            }
        }
    }

    /// Who keeps the silences of the source named `name`.
    fn silence_target(&self, name: &str) -> Result<SilenceTarget, String> {
        if let Some(demo) = &self.demo
            && name == demo::SOURCE_NAME
        {
            return Ok(SilenceTarget::Demo(demo.clone()));
        }
        self.alertmanagers
            .iter()
            .find(|alertmanager| alertmanager.name == name)
            .map(|alertmanager| SilenceTarget::Server(Arc::clone(alertmanager)))
            .ok_or_else(|| {
                format!(
                    "no Alertmanager named \"{}\" is configured",
                    name.escape_debug()
                )
            })
    }

    /// Asks the sources of a pane to fetch now. Never waits: a full queue means a refresh is
    /// already pending.
    pub fn refresh(&self, pane: PaneId) {
        if let Some(demo) = &self.demo {
            let _ = demo.try_send(DemoCommand::Refresh);
        }
        for (panes, commands) in &self.polled {
            if panes.contains(&pane) {
                let _ = commands.try_send(PollCommand::Refresh);
            }
        }
    }
}

/// Where a silence is created or expired.
enum SilenceTarget {
    Demo(mpsc::Sender<DemoCommand>),
    Server(Arc<Alertmanager>),
}

/// A source that could not even start: its pane says why.
fn report_setup_failure(
    name: &str,
    pane: PaneId,
    error: &HttpError,
    events: &mpsc::Sender<SourceEvent>,
) {
    tracing::error!(source = name, %error, "source not started");
    let event = SourceEvent {
        source: name.to_string(),
        pane,
        kind: SourceEventKind::Health(SourceHealth::Failing {
            reason: error.to_string(),
        }),
    };
    let _ = events.try_send(event);
}

/// [`supervise`] for a source whose name comes from the configuration.
async fn supervise_named(
    name: String,
    panes: &'static [PaneId],
    task: tokio::task::JoinHandle<()>,
    events: mpsc::Sender<SourceEvent>,
) {
    let Err(error) = task.await else {
        return;
    };
    let reason = if error.is_panic() {
        "source crashed".to_string()
    } else {
        "source stopped".to_string()
    };
    tracing::error!(source = %name, %reason, "source task ended");
    for &pane in panes {
        let event = SourceEvent {
            source: name.clone(),
            pane,
            kind: SourceEventKind::Health(SourceHealth::Failing {
                reason: reason.clone(),
            }),
        };
        if events.send(event).await.is_err() {
            return;
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
    async fn silences_go_to_the_alertmanager_named_and_only_to_one_that_exists() {
        let (events_tx, mut events) = mpsc::channel(256);
        let start = Timestamp::from_second(1_796_292_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let sources = Sources::start_demo(1, 1.0, start, events_tx);
        let alert = loop {
            let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
                .await
                .expect("the demo sends its alerts within 30 s")
                .expect("the demo is running");
            if let SourceEventKind::Data(Feed::Alerts(alerts)) = event.kind
                && let Some(alert) = alerts.into_iter().next()
            {
                break alert;
            }
        };
        let silence = |value: &str| NewSilence {
            matchers: vec![crate::domain::Matcher {
                name: "alertname".into(),
                value: value.into(),
                is_regex: false,
                is_equal: true,
            }],
            starts_at: start,
            ends_at: start + jiff::SignedDuration::from_hours(1),
            created_by: "jdoe".into(),
            comment: "through Sources".into(),
        };

        let elsewhere = sources.create_silence("cern", silence(&alert.name)).await;
        assert_eq!(
            elsewhere,
            Err("no Alertmanager named \"cern\" is configured".to_string())
        );
        let id = sources
            .create_silence(demo::SOURCE_NAME, silence(&alert.name))
            .await
            .unwrap();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(sources.expire_silence(demo::SOURCE_NAME, &id).await, Ok(()));
        assert_eq!(
            sources.expire_silence(demo::SOURCE_NAME, &id).await,
            Err(format!("silence {id} already expired"))
        );
    }

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
