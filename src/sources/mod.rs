//! Data sources. Each runs as its own task and reports snapshots and health to the app.
//!
//! A source never shares state with the UI: it sends [`SourceEvent`]s over a channel and takes
//! commands (refresh) over another. A source task that panics is reported in its pane as failing,
//! and the console keeps running.

pub mod alertmanager;
pub mod bigpanda;
pub mod demo;
pub mod derived;
pub mod events;
pub mod fields;
pub mod file;
pub mod http;
pub mod panda;
pub mod poll;
pub mod prometheus;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::{mpsc, oneshot};

use crate::config;
use crate::domain::{Feed, PaneId, SourceEvent, SourceEventKind, SourceHealth};

use self::alertmanager::{Alertmanager, NewSilence};
use self::bigpanda::Bigpanda;
use self::demo::{DemoCommand, DemoWorld};
use self::events::FollowedFile;
use self::file::SavedFile;
use self::http::{Backoff, Endpoint, HttpError, HttpSettings, TokenSource};
use self::panda::Panda;
use self::poll::{PollCommand, Polled, Schedule};
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
pub fn http_settings(connection: &config::Connection<'_>) -> HttpSettings {
    let path = |text: &str| (!text.trim().is_empty()).then(|| PathBuf::from(text.trim()));
    let token = match (path(connection.token_file), connection.token_env.trim()) {
        (Some(file), _) => TokenSource::File(file),
        (None, "") => TokenSource::None,
        (None, variable) => TokenSource::Env(variable.to_string()),
    };
    HttpSettings {
        connect_timeout: Duration::from_secs(connection.connect_timeout_secs),
        read_timeout: Duration::from_secs(connection.read_timeout_secs),
        total_timeout: Duration::from_secs(connection.total_timeout_secs),
        max_body_bytes: usize::try_from(connection.max_body_mb.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX),
        ca_file: path(connection.ca_file),
        ca_dir: path(connection.ca_dir),
        token,
        ..HttpSettings::default()
    }
}

/// The Alertmanager a `[[sources.alertmanager]]` entry describes.
pub fn alertmanager_from(source: &config::AlertmanagerSource) -> Result<Alertmanager, HttpError> {
    let settings = http_settings(&source.connection());
    Ok(Alertmanager {
        name: source.name.clone(),
        endpoint: Arc::new(Endpoint::new(&source.name, &source.url, settings)?),
    })
}

/// The BigPanDA a `[[sources.bigpanda]]` entry describes.
pub fn bigpanda_from(source: &config::BigpandaSource) -> Result<Bigpanda, HttpError> {
    let mut settings = http_settings(&source.connection());
    settings.token_scheme = source.token_scheme.clone();
    let (endpoint, received) =
        bigpanda::counted_endpoint(Endpoint::new(&source.name, &source.url, settings)?);
    let mut bigpanda = Bigpanda::new(
        Arc::new(endpoint),
        source.task_days,
        &source.task_filter,
        source.job_hours,
        &source.job_filter,
        source.limit,
    );
    bigpanda.received = received;
    Ok(bigpanda)
}

/// The PanDA server a `[[sources.panda]]` entry describes.
pub fn panda_from(source: &config::PandaSource) -> Result<Panda, HttpError> {
    let setup = |reason: String| HttpError::Setup {
        endpoint: source.name.clone(),
        reason,
    };
    let mut settings = http_settings(&source.connection());
    if let Some(origin) = panda::origin(&source.vo, &source.role) {
        if !origin
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '-' | '_'))
        {
            return Err(setup(format!(
                "vo and role may hold only letters, digits and - _ . (found \"{origin}\")"
            )));
        }
        settings.headers.push(("Origin".to_string(), origin));
    }
    let filter = panda::check_filter(&source.task_filter).map_err(setup)?;
    let (endpoint, received) =
        bigpanda::counted_endpoint(Endpoint::new(&source.name, &source.url, settings)?);
    Ok(Panda {
        endpoint: Arc::new(endpoint),
        days: source.task_days,
        filter,
        limit: source.limit,
        received,
    })
}

/// The Prometheus a `[[sources.prometheus]]` entry describes.
pub fn prometheus_from(source: &config::PrometheusSource) -> Result<Prometheus, HttpError> {
    let settings = http_settings(&source.connection());
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
        last_good: Arc::default(),
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

        // Without a Prometheus, the Metrics pane shows series worked out from the task and job
        // feeds, which pass through on their way to the app.
        let feeds_tasks_or_jobs = !configured.bigpanda.is_empty()
            || !configured.panda.is_empty()
            || !configured.file.is_empty();
        let events = if configured.prometheus.is_empty() && feeds_tasks_or_jobs {
            fed.push(PaneId::Metrics);
            // BigPanDA says how far back it asks for failed jobs; a saved file does not.
            let jobs_window = match configured
                .file
                .iter()
                .any(|file| !file.jobs.trim().is_empty())
            {
                true => None,
                false => configured
                    .bigpanda
                    .iter()
                    .filter(|source| source.feeds.iter().any(|feed| feed == "jobs"))
                    .map(|source| source.job_hours)
                    .max()
                    .map(|hours| {
                        SignedDuration::from_hours(i64::try_from(hours.min(24 * 366)).unwrap_or(24))
                    }),
            };
            derived::interpose(events, jobs_window)
        } else {
            events
        };

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
                            ]
                            .into())
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
                            let fetched = prometheus.fetch().await?;
                            let note = fetched.note(prometheus.queries.len());
                            let series = Feed::Series(fetched.series);
                            Ok(Polled::one(PaneId::Metrics, series, note))
                        }
                    };
                    sources.spawn_polling(&source.name, PaneId::Metrics, every, &events, fetch);
                }
                Err(error) => report_setup_failure(&source.name, PaneId::Metrics, &error, &events),
            }
        }

        for source in &configured.bigpanda {
            let every = Duration::from_secs(source.refresh_secs);
            let feeds = |feed: &str| source.feeds.iter().any(|wanted| wanted == feed);
            let panes: Vec<PaneId> = [("tasks", PaneId::Tasks), ("jobs", PaneId::Triage)]
                .into_iter()
                .filter(|(feed, _)| feeds(feed))
                .map(|(_, pane)| pane)
                .collect();
            fed.extend(&panes);
            let bigpanda = match bigpanda_from(source) {
                Ok(bigpanda) => Arc::new(bigpanda),
                Err(error) => {
                    for pane in panes {
                        report_setup_failure(&source.name, pane, &error, &events);
                    }
                    continue;
                }
            };
            if panes.contains(&PaneId::Tasks) {
                let received = Some(Arc::clone(&bigpanda.received));
                let bigpanda = Arc::clone(&bigpanda);
                let fetch = move || {
                    let bigpanda = Arc::clone(&bigpanda);
                    async move {
                        let parsed = bigpanda.tasks().await?;
                        let note = parsed.note();
                        Ok(Polled::one(PaneId::Tasks, Feed::Tasks(parsed.items), note))
                    }
                };
                sources.spawn_polling_counted(
                    &source.name,
                    PaneId::Tasks,
                    every,
                    received,
                    &events,
                    fetch,
                );
            }
            if panes.contains(&PaneId::Triage) {
                let received = Some(Arc::clone(&bigpanda.received));
                let fetch = move || {
                    let bigpanda = Arc::clone(&bigpanda);
                    async move {
                        let read = bigpanda.failed_jobs().await?;
                        let note = read.note();
                        let jobs = Feed::FailedJobs(read.extracted.jobs);
                        Ok(Polled::one(PaneId::Triage, jobs, note))
                    }
                };
                sources.spawn_polling_counted(
                    &source.name,
                    PaneId::Triage,
                    every,
                    received,
                    &events,
                    fetch,
                );
            }
        }

        for source in &configured.panda {
            fed.push(PaneId::Tasks);
            let every = Duration::from_secs(source.refresh_secs);
            let panda = match panda_from(source) {
                Ok(panda) => Arc::new(panda),
                Err(error) => {
                    report_setup_failure(&source.name, PaneId::Tasks, &error, &events);
                    continue;
                }
            };
            let received = Some(Arc::clone(&panda.received));
            let fetch = move || {
                let panda = Arc::clone(&panda);
                async move {
                    let parsed = panda.tasks(Timestamp::now()).await?;
                    let note = parsed.note();
                    Ok(Polled::one(PaneId::Tasks, Feed::Tasks(parsed.items), note))
                }
            };
            sources.spawn_polling_counted(
                &source.name,
                PaneId::Tasks,
                every,
                received,
                &events,
                fetch,
            );
        }

        for source in &configured.events {
            fed.push(PaneId::Alerts);
            let every = Duration::from_secs(source.refresh_secs);
            if !source.path.trim().is_empty() {
                let path = PathBuf::from(source.path.trim());
                let file = Arc::new(FollowedFile::new(&source.name, path, source.keep_hours));
                let fetch = move || {
                    let file = Arc::clone(&file);
                    async move { file.poll().await }
                };
                sources.spawn_polling(&source.name, PaneId::Alerts, every, &events, fetch);
                continue;
            }
            match events::endpoint_from(source) {
                Ok(endpoint) => {
                    let endpoint = Arc::new(endpoint);
                    let fetch = move || {
                        let endpoint = Arc::clone(&endpoint);
                        async move { endpoint.poll().await }
                    };
                    sources.spawn_polling(&source.name, PaneId::Alerts, every, &events, fetch);
                }
                Err(error) => report_setup_failure(&source.name, PaneId::Alerts, &error, &events),
            }
        }

        for source in &configured.file {
            let every = Duration::from_secs(source.refresh_secs);
            let path = |text: &str| (!text.trim().is_empty()).then(|| PathBuf::from(text.trim()));
            if let Some(path) = path(&source.tasks) {
                fed.push(PaneId::Tasks);
                let saved = Arc::new(SavedFile::new(&source.name, path));
                let fetch = move || {
                    let saved = Arc::clone(&saved);
                    async move {
                        let Some((bytes, stamp)) = saved.read_if_changed().await? else {
                            return Ok(Polled::default());
                        };
                        let parsed =
                            tokio::task::spawn_blocking(move || bigpanda::tasks_from_json(&bytes))
                                .await
                                .map_err(|_| "reading the file failed".to_string())
                                .and_then(|parsed| parsed)
                                .map_err(|reason| HttpError::Body {
                                    endpoint: saved.label.clone(),
                                    reason,
                                })?;
                        saved.mark_read(stamp);
                        let note = parsed.note();
                        Ok(Polled::one(PaneId::Tasks, Feed::Tasks(parsed.items), note))
                    }
                };
                sources.spawn_polling(&source.name, PaneId::Tasks, every, &events, fetch);
            }
            if let Some(path) = path(&source.jobs) {
                fed.push(PaneId::Triage);
                let saved = Arc::new(SavedFile::new(&source.name, path));
                let fetch = move || {
                    let saved = Arc::clone(&saved);
                    async move {
                        let Some((bytes, stamp)) = saved.read_if_changed().await? else {
                            return Ok(Polled::default());
                        };
                        let extracted = tokio::task::spawn_blocking(move || {
                            crate::triage::extract::jobs_from_json(&bytes)
                        })
                        .await
                        .map_err(|_| HttpError::Body {
                            endpoint: saved.label.clone(),
                            reason: "reading the file failed".to_string(),
                        })?;
                        if extracted.jobs.is_empty()
                            && let Some(why) = &extracted.broken
                        {
                            return Err(HttpError::Body {
                                endpoint: saved.label.clone(),
                                reason: why.clone(),
                            });
                        }
                        saved.mark_read(stamp);
                        let note = bigpanda::jobs_note(&extracted);
                        let jobs = Feed::FailedJobs(extracted.jobs);
                        Ok(Polled::one(PaneId::Triage, jobs, note))
                    }
                };
                sources.spawn_polling(&source.name, PaneId::Triage, every, &events, fetch);
            }
        }

        for pane in PaneId::ALL {
            if !fed.contains(&pane) {
                let health = SourceHealth::Unconfigured;
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
        Fut: std::future::Future<Output = Result<Polled, HttpError>> + Send + 'static,
    {
        self.spawn_polling_counted(name, pane, every, None, events, fetch);
    }

    /// [`Self::spawn_polling`] for a source that counts the bytes of its answers, shown as
    /// progress until its first good answer.
    fn spawn_polling_counted<F, Fut>(
        &mut self,
        name: &str,
        pane: PaneId,
        every: Duration,
        received: Option<Arc<std::sync::atomic::AtomicUsize>>,
        events: &mpsc::Sender<SourceEvent>,
        fetch: F,
    ) where
        F: FnMut() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Polled, HttpError>> + Send + 'static,
    {
        let (commands_tx, commands_rx) = mpsc::channel(4);
        let schedule = Schedule {
            every,
            backoff: Backoff::new(Duration::from_secs(2), Duration::from_secs(300)),
            received,
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
                    ask_demo(&demo, |reply| DemoCommand::CreateSilence { silence, reply }).await
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
                    ask_demo(&demo, |reply| DemoCommand::ExpireSilence { id, reply }).await
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
/// Sends the demo a command carrying a reply channel, and waits for its answer.
async fn ask_demo<T>(
    demo: &mpsc::Sender<DemoCommand>,
    command: impl FnOnce(oneshot::Sender<Result<T, String>>) -> DemoCommand,
) -> Result<T, String> {
    let stopped = |_| "the demo has stopped".to_string();
    let (reply, answer) = oneshot::channel();
    demo.send(command(reply)).await.map_err(stopped)?;
    answer
        .await
        .map_err(|_| "the demo has stopped".to_string())?
}

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
            sources
                .expire_silence(demo::SOURCE_NAME, "no-such-silence")
                .await,
            Err("silence not found".to_string())
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
