//! The embedded simulated PanDA that feeds every pane when nothing is configured.
//!
//! `DemoWorld` is a deterministic world: the same seed and the same number of steps give the same
//! tasks, failed jobs, alerts, silences, deployments and metric samples, because it draws every
//! number from one seeded generator, keeps its collections ordered, and never reads the wall
//! clock. It starts with two hours of history so every pane is full at once, and keeps moving:
//! task progress every few seconds, failed jobs, alerts firing and resolving, a metric sample
//! each minute and an incident every 20 to 40 minutes. `run` drives a world from a tokio task and
//! sends only the feeds that changed; `initial_feeds` gives the same first snapshot without tokio.

mod alerts;
mod deployments;
pub mod history;
mod incidents;
mod jobs;
mod metrics;
mod names;
mod scenario;
mod tasks;

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc::{Receiver, Sender};
use tokio::sync::oneshot;

use super::alertmanager::NewSilence;

use crate::domain::{
    Alert, DeploymentEvent, FailedJob, Feed, PaneId, Series, Silence, SourceEvent, SourceEventKind,
    SourceHealth, Task,
};

use alerts::AlertBook;
use deployments::DeploymentLog;
use incidents::Incidents;
use jobs::JobLog;
use metrics::{MetricBook, SampleInputs};
use scenario::Scenario;
use tasks::TaskBook;

/// The source name on every event the demo sends.
pub const SOURCE_NAME: &str = "demo";
/// How much history the world makes up before its start, in seconds.
const HISTORY_SECS: i64 = 2 * 3600;
/// The most simulated seconds one wall-clock second may advance, so a huge speed cannot stall
/// the runtime thread.
const MAX_SIM_SECS_PER_TICK: f64 = 3600.0;
/// How many incident starts the world remembers (for tests and for nothing else).
const KEEP_INCIDENT_STARTS: usize = 100;

/// The feeds of the demo, each with its own generation counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DemoFeed {
    Alerts,
    Silences,
    Events,
    Tasks,
    FailedJobs,
    Series,
}

impl DemoFeed {
    pub const ALL: [DemoFeed; 6] = [
        DemoFeed::Alerts,
        DemoFeed::Silences,
        DemoFeed::Events,
        DemoFeed::Tasks,
        DemoFeed::FailedJobs,
        DemoFeed::Series,
    ];

    /// The pane that shows this feed.
    pub fn pane(self) -> PaneId {
        match self {
            DemoFeed::Alerts | DemoFeed::Silences | DemoFeed::Events => PaneId::Alerts,
            DemoFeed::Tasks => PaneId::Tasks,
            DemoFeed::FailedJobs => PaneId::Triage,
            DemoFeed::Series => PaneId::Metrics,
        }
    }

    fn index(self) -> usize {
        match self {
            DemoFeed::Alerts => 0,
            DemoFeed::Silences => 1,
            DemoFeed::Events => 2,
            DemoFeed::Tasks => 3,
            DemoFeed::FailedJobs => 4,
            DemoFeed::Series => 5,
        }
    }
}

/// What the app can ask of a running demo.
#[derive(Debug)]
pub enum DemoCommand {
    /// Send every feed again, changed or not.
    Refresh,
    /// Create a silence, as Alertmanager would; the reply is its id or why it was refused.
    CreateSilence {
        silence: NewSilence,
        reply: oneshot::Sender<Result<String, String>>,
    },
    /// Expire a silence now, as Alertmanager would.
    ExpireSilence {
        id: String,
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// Turns the world's seconds (0 = its start, negative = made-up history) into timestamps.
#[derive(Debug, Clone, Copy)]
struct Clock {
    start: Timestamp,
}

impl Clock {
    fn new(start: Timestamp) -> Clock {
        Clock { start }
    }

    fn at(self, secs: i64) -> Timestamp {
        // Only a start at the very edge of jiff's range can overflow; then time stands still.
        self.start
            .checked_add(SignedDuration::from_secs(secs))
            .unwrap_or(self.start)
    }
}

/// A simulated PanDA: tasks, failed jobs, alerts, silences, deployments and metrics.
#[derive(Debug, Clone)]
pub struct DemoWorld {
    scenario: &'static Scenario,
    rng: fastrand::Rng,
    clock: Clock,
    /// World seconds; 0 is the start, and the history before it was simulated in `new`.
    now_secs: i64,
    tasks: TaskBook,
    jobs: JobLog,
    incidents: Incidents,
    alerts: AlertBook,
    deployments: DeploymentLog,
    metrics: MetricBook,
    generations: [u64; 6],
    /// The minute at which the history has a forced scrape gap.
    history_gap_at: i64,
    incident_starts: Vec<i64>,
}

impl DemoWorld {
    /// A world that has been running for two hours before `start`, seeded by `seed`.
    pub fn new(seed: u64, start: Timestamp) -> DemoWorld {
        let scenario = Scenario::embedded();
        let mut rng = fastrand::Rng::with_seed(seed);
        let clock = Clock::new(start);
        let history_start = -HISTORY_SECS;

        let tasks = TaskBook::seeded(&mut rng, scenario, clock, history_start);
        let jobs = JobLog::new(&mut rng, scenario);
        let incidents = Incidents::new(&mut rng, history_start);
        let alerts = AlertBook::seeded(&mut rng, scenario, clock, history_start);
        let deployments = DeploymentLog::new(&mut rng, history_start);
        let metrics = MetricBook::new(&mut rng);
        let history_gap_at = -60 * rng.i64(20..=100);

        let mut world = DemoWorld {
            scenario,
            rng,
            clock,
            now_secs: history_start,
            tasks,
            jobs,
            incidents,
            alerts,
            deployments,
            metrics,
            generations: [1; 6],
            history_gap_at,
            incident_starts: Vec::new(),
        };
        world.sample_metrics();
        while world.now_secs < 0 {
            world.step();
        }

        // An incident right after the start, so the first minute already shows an anomaly.
        world.incidents.start_next_at(1);
        world.generations = [1; 6];
        world
    }

    /// Advances the world by exactly one simulated second.
    pub fn step(&mut self) {
        self.now_secs += 1;
        let now = self.now_secs;
        let rng = &mut self.rng;
        let scenario = self.scenario;
        let clock = self.clock;

        let tasks_changed = self.tasks.step(rng, scenario, clock, now);

        if let Some(incident) = self.incidents.step(rng, scenario, now) {
            self.alerts.raise_for(rng, scenario, &incident);
            self.incident_starts.push(incident.starts_at);
            if self.incident_starts.len() > KEEP_INCIDENT_STARTS {
                self.incident_starts.remove(0);
            }
        }

        let jobs_changed = self
            .jobs
            .step(rng, scenario, clock, now, &self.tasks, &self.incidents);
        let (alerts_changed, silences_changed) = self.alerts.step(rng, scenario, clock, now);
        let events_changed = self.deployments.step(rng, scenario, clock, now);
        let series_changed = now.rem_euclid(60) == 0;
        if series_changed {
            self.sample_metrics();
        }

        for (feed, changed) in [
            (DemoFeed::Alerts, alerts_changed),
            (DemoFeed::Silences, silences_changed),
            (DemoFeed::Events, events_changed),
            (DemoFeed::Tasks, tasks_changed),
            (DemoFeed::FailedJobs, jobs_changed),
            (DemoFeed::Series, series_changed),
        ] {
            if changed {
                self.generations[feed.index()] += 1;
            }
        }
    }

    /// Steps until `secs_since_start` simulated seconds have passed since the start. A time
    /// already passed leaves the world as it is.
    pub fn advance_to(&mut self, secs_since_start: u64) {
        let target = i64::try_from(secs_since_start).unwrap_or(i64::MAX);
        while self.now_secs < target {
            self.step();
        }
    }

    /// The world's current time.
    pub fn now(&self) -> Timestamp {
        self.clock.at(self.now_secs)
    }

    /// A counter that grows exactly when `feed` changes.
    pub fn generation(&self, feed: DemoFeed) -> u64 {
        self.generations[feed.index()]
    }

    /// Alerts, newest first, including those resolved in the last fifteen minutes.
    pub fn alerts(&self) -> Vec<Alert> {
        self.alerts.alerts()
    }

    pub fn silences(&self) -> Vec<Silence> {
        self.alerts.silences()
    }

    /// Creates a silence from now on, for as long as asked, with Alertmanager's checks; the
    /// alerts it matches are silenced at once. Answers with its id.
    pub fn create_silence(&mut self, silence: &NewSilence) -> Result<String, String> {
        let created =
            self.alerts
                .create_silence(&mut self.rng, self.clock, self.now_secs, silence)?;
        self.alerts_changed();
        Ok(created)
    }

    /// Expires a silence now, as Alertmanager would; the alerts it silenced fire again.
    pub fn expire_silence(&mut self, id: &str) -> Result<(), String> {
        self.alerts.expire_silence(self.clock, self.now_secs, id)?;
        self.alerts_changed();
        Ok(())
    }

    /// Marks the alert and silence feeds changed, after an operator changed a silence.
    fn alerts_changed(&mut self) {
        for feed in [DemoFeed::Alerts, DemoFeed::Silences] {
            self.generations[feed.index()] += 1;
        }
    }

    /// Deployment events, newest first.
    pub fn events(&self) -> Vec<DeploymentEvent> {
        self.deployments.snapshot()
    }

    /// Tasks, highest jeditaskid first.
    pub fn tasks(&self) -> Vec<Task> {
        self.tasks.snapshot()
    }

    /// Failed and holding jobs of the last two hours, newest first.
    pub fn failed_jobs(&self) -> Vec<FailedJob> {
        self.jobs.snapshot()
    }

    pub fn series(&self) -> Vec<Series> {
        self.metrics.snapshot(self.clock)
    }

    /// The current content of one feed.
    pub fn feed(&self, feed: DemoFeed) -> Feed {
        match feed {
            DemoFeed::Alerts => Feed::Alerts(self.alerts()),
            DemoFeed::Silences => Feed::Silences(self.silences()),
            DemoFeed::Events => Feed::Events(self.events()),
            DemoFeed::Tasks => Feed::Tasks(self.tasks()),
            DemoFeed::FailedJobs => Feed::FailedJobs(self.failed_jobs()),
            DemoFeed::Series => Feed::Series(self.series()),
        }
    }

    fn sample_metrics(&mut self) {
        let now = self.now_secs;
        if now == self.history_gap_at {
            let scrapes = self.rng.u32(1..=2);
            self.metrics.miss_scrapes(scrapes);
        }
        let inputs = SampleInputs {
            now,
            running_jobs: self.tasks.running_jobs(),
            failed_jobs_last_minute: self.jobs.take_failed_count(),
            incidents: &self.incidents,
        };
        self.metrics.sample(&mut self.rng, self.clock, &inputs);
    }
}

/// The events the runner sends for the world as it is: every feed, then each pane's health.
pub fn initial_feeds(world: &DemoWorld) -> Vec<SourceEvent> {
    events_for(world, &DemoFeed::ALL)
}

/// Data for the given feeds grouped by pane, each pane followed by its fresh health.
fn events_for(world: &DemoWorld, feeds: &[DemoFeed]) -> Vec<SourceEvent> {
    let mut events = Vec::new();
    for pane in PaneId::ALL {
        let pane_feeds: Vec<DemoFeed> = feeds
            .iter()
            .copied()
            .filter(|feed| feed.pane() == pane)
            .collect();
        if pane_feeds.is_empty() {
            continue;
        }
        for feed in pane_feeds {
            events.push(event(pane, SourceEventKind::Data(world.feed(feed))));
        }
        let health = SourceHealth::Fresh {
            at: world.now(),
            note: None,
        };
        events.push(event(pane, SourceEventKind::Health(health)));
    }
    events
}

fn event(pane: PaneId, kind: SourceEventKind) -> SourceEvent {
    SourceEvent {
        source: SOURCE_NAME.to_string(),
        pane,
        kind,
    }
}

/// Simulated seconds per wall-clock second for a requested speed. Speeds that are not a number
/// or negative run in real time; very large ones are capped.
fn sim_secs_per_tick(speed: f64) -> f64 {
    if speed.is_finite() && speed >= 0.0 {
        speed.min(MAX_SIM_SECS_PER_TICK)
    } else {
        1.0
    }
}

/// Drives `world` until the app stops listening: first the loading state and every feed, then
/// once per wall-clock second `speed` simulated seconds and the feeds that changed.
/// Ticks (seconds) between publications of the changed feeds.
const PUBLISH_EVERY_TICKS: u64 = 2;
/// Ticks between publications of the failed jobs.
const FAILED_JOBS_EVERY_TICKS: u64 = 6;

pub async fn run(
    mut world: DemoWorld,
    speed: f64,
    tx: Sender<SourceEvent>,
    mut commands: Receiver<DemoCommand>,
) {
    for pane in PaneId::ALL {
        let loading = SourceHealth::Loading { progress: None };
        if tx
            .send(event(pane, SourceEventKind::Health(loading)))
            .await
            .is_err()
        {
            return;
        }
    }
    if send_all(&tx, initial_feeds(&world)).await.is_err() {
        return;
    }
    let mut sent = DemoFeed::ALL.map(|feed| world.generation(feed));

    let step_secs = sim_secs_per_tick(speed);
    let mut owed_secs = 0.0;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick of an interval completes at once; the feeds were just sent.
    ticker.tick().await;
    let mut commands_open = true;
    let mut ticks: u64 = 0;

    loop {
        tokio::select! {
            _ = ticker.tick() => {
                owed_secs += step_secs;
                while owed_secs >= 1.0 {
                    world.step();
                    owed_secs -= 1.0;
                }
                // The world moves every second, but its feeds are published less often, as a
                // polled server would be: it keeps an idle console cheap. Failed jobs, which
                // the console regroups, least often.
                ticks += 1;
                let due = |feed: &DemoFeed| match feed {
                    DemoFeed::FailedJobs => ticks.is_multiple_of(FAILED_JOBS_EVERY_TICKS),
                    _ => ticks.is_multiple_of(PUBLISH_EVERY_TICKS),
                };
                let changed: Vec<DemoFeed> = DemoFeed::ALL
                    .into_iter()
                    .filter(|feed| due(feed) && world.generation(*feed) != sent[feed.index()])
                    .collect();
                if send_all(&tx, events_for(&world, &changed)).await.is_err() {
                    return;
                }
                for feed in changed {
                    sent[feed.index()] = world.generation(feed);
                }
            }
            command = commands.recv(), if commands_open => match command {
                Some(DemoCommand::Refresh) => {
                    if send_all(&tx, initial_feeds(&world)).await.is_err() {
                        return;
                    }
                    sent = DemoFeed::ALL.map(|feed| world.generation(feed));
                }
                Some(DemoCommand::CreateSilence { silence, reply }) => {
                    let _ = reply.send(world.create_silence(&silence));
                }
                Some(DemoCommand::ExpireSilence { id, reply }) => {
                    let _ = reply.send(world.expire_silence(&id));
                }
                // Without commands the demo still runs; it only stops when nobody listens.
                None => commands_open = false,
            },
        }
    }
}

async fn send_all(tx: &Sender<SourceEvent>, events: Vec<SourceEvent>) -> Result<(), ()> {
    for event in events {
        tx.send(event).await.map_err(|_| ())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;
    use crate::domain::{ErrorSource, TaskStatus};

    fn start() -> Timestamp {
        // 2026-12-03T10:00:00Z
        Timestamp::from_second(1_796_292_000).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Series with their values as bits, so that gaps (NaN) compare equal to themselves.
    fn series_bits(series: &[Series]) -> Vec<(String, Vec<Timestamp>, Vec<u64>)> {
        series
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    s.times.clone(),
                    s.values.iter().map(|v| v.to_bits()).collect(),
                )
            })
            .collect()
    }

    fn same_world(a: &DemoWorld, b: &DemoWorld) -> bool {
        a.now() == b.now()
            && a.alerts() == b.alerts()
            && a.silences() == b.silences()
            && a.events() == b.events()
            && a.tasks() == b.tasks()
            && a.failed_jobs() == b.failed_jobs()
            && series_bits(&a.series()) == series_bits(&b.series())
    }

    #[test]
    fn same_seed_and_steps_give_the_same_world() {
        let mut first = DemoWorld::new(42, start());
        let mut second = DemoWorld::new(42, start());
        first.advance_to(600);
        second.advance_to(600);
        assert!(same_world(&first, &second));
        assert!(!first.tasks().is_empty());
        for feed in DemoFeed::ALL {
            assert_eq!(first.generation(feed), second.generation(feed), "{feed:?}");
        }
    }

    #[test]
    fn different_seeds_give_different_worlds() {
        let mut first = DemoWorld::new(42, start());
        let mut second = DemoWorld::new(43, start());
        first.advance_to(600);
        second.advance_to(600);
        assert_eq!(first.now(), second.now());
        assert_ne!(first.tasks(), second.tasks());
        assert_ne!(first.failed_jobs(), second.failed_jobs());
        assert_ne!(series_bits(&first.series()), series_bits(&second.series()));
    }

    #[test]
    fn time_moves_one_second_per_step() {
        let mut world = DemoWorld::new(1, start());
        assert_eq!(world.now(), start());
        world.step();
        assert_eq!(world.now().as_second(), start().as_second() + 1);
        world.advance_to(90);
        assert_eq!(world.now().as_second(), start().as_second() + 90);
        world.advance_to(10);
        assert_eq!(world.now().as_second(), start().as_second() + 90);
    }

    #[test]
    fn the_world_is_alive() {
        let mut world = DemoWorld::new(7, start());
        let tasks_at_start = world.tasks();
        let mut last_change = 0;
        let mut longest_quiet = 0;
        let mut generations = DemoFeed::ALL.map(|feed| world.generation(feed));
        for second in 1..=600 {
            world.step();
            let now = DemoFeed::ALL.map(|feed| world.generation(feed));
            if now != generations {
                longest_quiet = longest_quiet.max(second - last_change);
                last_change = second;
            }
            generations = now;
            if second == 30 {
                assert_ne!(world.tasks(), tasks_at_start, "no task changed in 30 s");
            }
        }
        assert!(longest_quiet <= 10, "quiet for {longest_quiet} s");
        // Every feed moves within an hour; deployments are the rarest.
        world.advance_to(3600);
        for feed in DemoFeed::ALL {
            assert!(world.generation(feed) > 1, "{feed:?} never changed");
        }
    }

    #[test]
    fn generations_change_exactly_when_feeds_change() {
        let mut world = DemoWorld::new(3, start());
        for _ in 0..180 {
            let before: Vec<(u64, Feed)> = DemoFeed::ALL
                .iter()
                .map(|feed| (world.generation(*feed), world.feed(*feed)))
                .collect();
            world.step();
            for (feed, (generation, content)) in DemoFeed::ALL.iter().zip(before) {
                let same_content = match (&content, world.feed(*feed)) {
                    (Feed::Series(old), Feed::Series(new)) => series_bits(old) == series_bits(&new),
                    (old, new) => *old == new,
                };
                if world.generation(*feed) == generation {
                    assert!(same_content, "{feed:?} changed without a new generation");
                } else {
                    assert_eq!(world.generation(*feed), generation + 1);
                }
            }
        }
    }

    #[test]
    fn starts_with_a_full_history() {
        let world = DemoWorld::new(5, start());
        let tasks = world.tasks();
        assert!((120..=230).contains(&tasks.len()), "{} tasks", tasks.len());
        let statuses: std::collections::BTreeSet<&str> =
            tasks.iter().map(|task| task.status.as_str()).collect();
        for status in ["defined", "ready", "scouting", "running", "done"] {
            assert!(
                statuses.contains(status),
                "no {status} task in {statuses:?}"
            );
        }

        let jobs = world.failed_jobs();
        assert!(
            (1500..=4000).contains(&jobs.len()),
            "{} failed jobs",
            jobs.len()
        );
        let two_hours_ago = start().as_second() - HISTORY_SECS;
        assert!(
            jobs.iter()
                .all(|job| job.modification_time.as_second() > two_hours_ago)
        );
        assert!(
            jobs.iter()
                .all(|job| (6_400_000_000..6_700_000_000).contains(&job.pandaid))
        );

        let events = world.events();
        assert!(
            (4..=30).contains(&events.len()),
            "{} deployment events",
            events.len()
        );
        assert!(!world.alerts().is_empty());
        assert!(!world.silences().is_empty());

        for series in world.series() {
            assert!(
                series.values.len() >= 120,
                "{} has {}",
                series.id,
                series.values.len()
            );
            assert_eq!(series.times.last(), Some(&start()));
        }
        assert!(
            world
                .series()
                .iter()
                .any(|series| series.values.iter().any(|value| value.is_nan())),
            "no scrape gap in the history"
        );
        assert!(
            world
                .incident_starts
                .iter()
                .any(|at| (-HISTORY_SECS..0).contains(at))
        );
    }

    #[test]
    fn an_incident_follows_the_start() {
        let mut world = DemoWorld::new(9, start());
        world.advance_to(60);
        assert!(
            world.incident_starts.contains(&1),
            "{:?}",
            world.incident_starts
        );
    }

    #[test]
    fn job_errors_are_real_codes_in_pilot_form() {
        let mut world = DemoWorld::new(11, start());
        world.advance_to(900);
        let jobs = world.failed_jobs();
        let task_ids: std::collections::BTreeSet<u64> =
            world.tasks().iter().map(|t| t.jeditaskid).collect();
        let mut sources = std::collections::BTreeSet::new();
        for job in &jobs {
            assert!(job.status == "failed" || job.status == "holding");
            assert!((1..=2).contains(&job.errors.len()));
            for error in &job.errors {
                sources.insert(error.source);
                let info = catalogue::lookup(error.source, error.code);
                assert!(
                    info.is_some(),
                    "{:?}:{} not catalogued",
                    error.source,
                    error.code
                );
                assert!(error.diag.chars().count() <= 256, "{}", error.diag);
                if error.source == ErrorSource::Pilot {
                    let message = info.map(|i| i.message.clone()).unwrap_or_default();
                    assert!(
                        error.diag.starts_with(&format!("{message}:")),
                        "{}",
                        error.diag
                    );
                }
            }
        }
        // Jobs of recent failures belong to tasks still in the feed.
        let recent = jobs.iter().take(50);
        assert!(
            recent
                .filter(|job| task_ids.contains(&job.jeditaskid))
                .count()
                >= 45
        );
        for source in [
            ErrorSource::Pilot,
            ErrorSource::Executor,
            ErrorSource::Transform,
            ErrorSource::JobDispatcher,
            ErrorSource::TaskBuffer,
        ] {
            assert!(sources.contains(&source), "no {source:?} errors");
        }
    }

    #[test]
    fn a_few_error_groups_dominate() {
        let world = DemoWorld::new(13, start());
        let mut counts = std::collections::BTreeMap::new();
        for job in world.failed_jobs() {
            if let Some(error) = job.errors.first() {
                *counts.entry((error.source, error.code)).or_insert(0_usize) += 1;
            }
        }
        let mut sizes: Vec<usize> = counts.values().copied().collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        let total: usize = sizes.iter().sum();
        let top_five: usize = sizes.iter().take(5).sum();
        assert!(sizes.len() >= 20, "only {} groups", sizes.len());
        assert!(top_five * 2 > total, "top five hold {top_five} of {total}");
    }

    #[test]
    fn tasks_stay_consistent_for_an_hour() {
        let mut world = DemoWorld::new(17, start());
        for minute in 1..=60 {
            world.advance_to(minute * 60);
            for task in world.tasks() {
                let finished = task.n_files_finished.unwrap_or(0);
                let failed = task.n_files_failed.unwrap_or(0);
                assert!(finished <= task.n_files.unwrap_or(0), "{task:?}");
                assert!(finished + failed <= task.n_files.unwrap_or(0), "{task:?}");
                if task.status == TaskStatus::Done {
                    assert_eq!(task.n_files_finished, task.n_files);
                }
                if task.status == TaskStatus::Exhausted {
                    assert!(!task.error_dialog.is_empty());
                }
            }
        }
        assert!((100..=240).contains(&world.tasks().len()));
    }

    #[test]
    fn an_hour_of_steps_completes() {
        let mut world = DemoWorld::new(19, start());
        for _ in 0..3600 {
            world.step();
        }
        assert_eq!(world.now().as_second(), start().as_second() + 3600);
        assert!(world.generation(DemoFeed::Series) >= 60);
    }

    #[test]
    fn initial_feeds_cover_every_feed_then_each_pane_is_fresh() {
        let world = DemoWorld::new(23, start());
        let events = initial_feeds(&world);
        assert_eq!(events.len(), 10);
        assert!(events.iter().all(|event| event.source == "demo"));
        let shape: Vec<(PaneId, &str)> = events
            .iter()
            .map(|event| {
                let kind = match &event.kind {
                    SourceEventKind::Data(Feed::Alerts(_)) => "alerts",
                    SourceEventKind::Data(Feed::Silences(_)) => "silences",
                    SourceEventKind::Data(Feed::Events(_)) => "events",
                    SourceEventKind::Data(Feed::Tasks(_)) => "tasks",
                    SourceEventKind::Data(Feed::FailedJobs(_)) => "failed_jobs",
                    SourceEventKind::Data(Feed::Series(_)) => "series",
                    SourceEventKind::Health(SourceHealth::Fresh { at, .. }) if *at == start() => {
                        "fresh"
                    }
                    SourceEventKind::Health(_) => "other health",
                };
                (event.pane, kind)
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (PaneId::Alerts, "alerts"),
                (PaneId::Alerts, "silences"),
                (PaneId::Alerts, "events"),
                (PaneId::Alerts, "fresh"),
                (PaneId::Tasks, "tasks"),
                (PaneId::Tasks, "fresh"),
                (PaneId::Triage, "failed_jobs"),
                (PaneId::Triage, "fresh"),
                (PaneId::Metrics, "series"),
                (PaneId::Metrics, "fresh"),
            ]
        );
    }

    fn silence_of(alert: &Alert, comment: &str) -> NewSilence {
        let matcher = |name: &str| crate::domain::Matcher {
            name: name.to_string(),
            value: alert.labels.get(name).cloned().unwrap_or_default(),
            is_regex: false,
            is_equal: true,
        };
        NewSilence {
            matchers: vec![matcher("alertname"), matcher("instance")],
            // A wall-clock start the demo's clock may have left behind: the length is what counts.
            starts_at: Timestamp::UNIX_EPOCH,
            ends_at: Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_hours(2),
            created_by: "jdoe".to_string(),
            comment: comment.to_string(),
        }
    }

    #[test]
    fn an_operators_silence_silences_matching_alerts_until_it_is_expired() {
        use crate::domain::{AlertState, SilenceState};

        let mut world = DemoWorld::new(7, start());
        let firing = world
            .alerts()
            .into_iter()
            .find(|alert| alert.state == AlertState::Active)
            .expect("a firing alert at the start");
        let generations = [
            world.generation(DemoFeed::Alerts),
            world.generation(DemoFeed::Silences),
        ];

        let id = world
            .create_silence(&silence_of(&firing, "drained"))
            .unwrap();
        let state_of = |world: &DemoWorld| {
            world
                .alerts()
                .into_iter()
                .find(|alert| alert.fingerprint == firing.fingerprint)
                .map(|alert| alert.state)
        };
        assert_eq!(
            state_of(&world),
            Some(AlertState::Silenced(vec![id.clone()]))
        );
        assert_eq!(
            [
                world.generation(DemoFeed::Alerts),
                world.generation(DemoFeed::Silences)
            ],
            [generations[0] + 1, generations[1] + 1]
        );
        let created = world
            .silences()
            .into_iter()
            .find(|silence| silence.id == id)
            .expect("the new silence is listed");
        assert_eq!(created.state, SilenceState::Active);
        assert_eq!(created.starts_at, world.now());
        assert_eq!(
            created.ends_at,
            world.now() + jiff::SignedDuration::from_hours(2)
        );
        assert_eq!(
            (created.created_by.as_str(), created.comment.as_str()),
            ("jdoe", "drained")
        );

        // A minute later it still holds; expired, the alert fires again and stays listed.
        world.advance_to(60);
        assert_eq!(
            state_of(&world),
            Some(AlertState::Silenced(vec![id.clone()]))
        );
        world.expire_silence(&id).unwrap();
        assert_eq!(state_of(&world), Some(AlertState::Active));
        let expired = world
            .silences()
            .into_iter()
            .find(|silence| silence.id == id);
        assert_eq!(
            expired.map(|s| (s.state, s.ends_at)),
            Some((SilenceState::Expired, world.now()))
        );

        // Again: nothing changes, and Alertmanager does not call it an error either.
        let silences = world.silences();
        assert_eq!(world.expire_silence(&id), Ok(()));
        assert_eq!(world.silences(), silences);
        assert_eq!(
            world.expire_silence("no-such-silence"),
            Err("silence not found".to_string())
        );
    }

    #[test]
    fn the_demo_refuses_what_alertmanager_refuses() {
        let mut world = DemoWorld::new(7, start());
        let alert = world.alerts().into_iter().next().expect("an alert");
        let silences = world.silences();
        let refused = |world: &mut DemoWorld, silence: NewSilence| world.create_silence(&silence);

        let mut none = silence_of(&alert, "x");
        none.matchers.clear();
        assert_eq!(
            refused(&mut world, none),
            Err("matchers in body should have at least 1 items".to_string())
        );
        let mut backwards = silence_of(&alert, "x");
        backwards.ends_at = backwards.starts_at;
        assert_eq!(
            refused(&mut world, backwards),
            Err("Failed to create silence: start time must be before end time".to_string())
        );
        let mut everything = silence_of(&alert, "x");
        everything.matchers = vec![crate::domain::Matcher {
            name: "instance".to_string(),
            value: ".*".to_string(),
            is_regex: true,
            is_equal: true,
        }];
        assert_eq!(
            refused(&mut world, everything.clone()),
            Err(
                "silence invalid: at least one matcher must not match the empty string".to_string()
            )
        );
        everything.matchers[0].value = "(".to_string();
        assert_eq!(
            refused(&mut world, everything.clone()),
            Err(
                r#"silence invalid: invalid label matcher 0: invalid regular expression "(""#
                    .to_string()
            )
        );
        everything.matchers[0].name = "in-stance".to_string();
        assert_eq!(
            refused(&mut world, everything),
            Err(
                r#"silence invalid: invalid label matcher 0: invalid label name "in-stance""#
                    .to_string()
            )
        );
        assert_eq!(world.silences(), silences, "nothing refused was kept");

        // Like Alertmanager 0.25, the demo takes a silence without a comment or an author.
        let mut bare = silence_of(&alert, "");
        bare.created_by = String::new();
        assert!(refused(&mut world, bare).is_ok());
    }

    #[tokio::test]
    async fn the_runner_takes_silence_commands_and_answers_them() {
        let world = DemoWorld::new(7, start());
        let firing = world
            .alerts()
            .into_iter()
            .find(|alert| alert.state == crate::domain::AlertState::Active)
            .expect("a firing alert at the start");
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        let (commands_tx, commands_rx) = tokio::sync::mpsc::channel(4);
        let runner = tokio::spawn(run(world, 1.0, tx, commands_rx));

        let (reply, answer) = oneshot::channel();
        let sent = commands_tx
            .send(DemoCommand::CreateSilence {
                silence: silence_of(&firing, "from the runner"),
                reply,
            })
            .await;
        assert!(sent.is_ok());
        let id = answer.await.unwrap().unwrap();

        // The silenced alert reaches the feed at the next publication.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let event = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .expect("the silenced alert is published within 5 s")
                .expect("the runner is still sending");
            if let SourceEventKind::Data(Feed::Alerts(alerts)) = event.kind
                && alerts.iter().any(|alert| {
                    alert.fingerprint == firing.fingerprint
                        && alert.state == crate::domain::AlertState::Silenced(vec![id.clone()])
                })
            {
                break;
            }
        }

        let (reply, answer) = oneshot::channel();
        let sent = commands_tx
            .send(DemoCommand::ExpireSilence {
                id: id.clone(),
                reply,
            })
            .await;
        assert!(sent.is_ok());
        assert_eq!(answer.await.unwrap(), Ok(()));
        drop(rx);
        let _ = tokio::time::timeout(Duration::from_secs(5), runner).await;
    }

    #[test]
    fn odd_speeds_are_tamed() {
        assert_eq!(sim_secs_per_tick(1.0), 1.0);
        assert_eq!(sim_secs_per_tick(0.5), 0.5);
        assert_eq!(sim_secs_per_tick(f64::NAN), 1.0);
        assert_eq!(sim_secs_per_tick(-3.0), 1.0);
        assert_eq!(sim_secs_per_tick(1e12), MAX_SIM_SECS_PER_TICK);
    }

    #[tokio::test]
    async fn runner_sends_loading_then_feeds_then_changes_and_stops_when_nobody_listens() {
        let world = DemoWorld::new(29, start());
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let (commands_tx, commands_rx) = tokio::sync::mpsc::channel(4);
        let runner = tokio::spawn(run(world, 30.0, tx, commands_rx));

        let mut first = Vec::new();
        for _ in 0..14 {
            if let Some(event) = rx.recv().await {
                first.push(event);
            }
        }
        let loading = first
            .iter()
            .take(4)
            .filter(|event| {
                matches!(
                    event.kind,
                    SourceEventKind::Health(SourceHealth::Loading { .. })
                )
            })
            .count();
        assert_eq!(loading, 4);
        assert!(matches!(
            first.get(4).map(|e| &e.kind),
            Some(SourceEventKind::Data(Feed::Alerts(_)))
        ));

        // After one wall-clock second, 30 simulated seconds have passed and something changed.
        let next = tokio::time::timeout(Duration::from_secs(3), rx.recv()).await;
        assert!(matches!(next, Ok(Some(_))), "no update after a tick");
        let Ok(Some(event)) = next else { return };
        assert!(
            matches!(event.kind, SourceEventKind::Data(_)),
            "{:?}",
            event.kind
        );

        // A refresh resends every feed.
        assert!(commands_tx.send(DemoCommand::Refresh).await.is_ok());
        let mut saw_series = false;
        for _ in 0..40 {
            match tokio::time::timeout(Duration::from_secs(3), rx.recv()).await {
                Ok(Some(SourceEvent {
                    kind: SourceEventKind::Data(Feed::Series(_)),
                    ..
                })) => {
                    saw_series = true;
                    break;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        assert!(saw_series);

        drop(rx);
        let ended = tokio::time::timeout(Duration::from_secs(3), runner).await;
        assert!(ended.is_ok(), "the runner kept going without a listener");
    }
}
