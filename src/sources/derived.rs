//! Metrics worked out from the task and job feeds, for a console without a Prometheus: queuing
//! time, task active time, failed jobs, the file failure rate and throughput, over the last
//! hours in buckets.
//!
//! It sits between the sources and the app: every event passes through unchanged, and the tasks
//! and failed jobs it sees are kept (the latest of each source) to compute the series from. The
//! computation runs on a blocking thread, at most once per [`RECOMPUTE_EVERY`], and again as the
//! window slides.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc;

use crate::domain::{
    FailedJob, Feed, PaneId, Series, SourceEvent, SourceEventKind, SourceHealth, Task,
};

/// The name the derived series go under in the Metrics pane's title.
pub const SOURCE_NAME: &str = "derived";

/// How far back the series reach, and how many buckets they have.
pub const RANGE: SignedDuration = SignedDuration::from_hours(12);
pub const BUCKETS: usize = 48;

/// Least time between two computations, and the longest a series goes without one.
const RECOMPUTE_EVERY: Duration = Duration::from_secs(5);
const SLIDE_EVERY: Duration = Duration::from_secs(60);

/// The time window of the series: `buckets` equal parts of `range` ending at `end`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub end: Timestamp,
    pub range: SignedDuration,
    pub buckets: usize,
}

impl Window {
    pub fn ending(end: Timestamp) -> Window {
        Window {
            end,
            range: RANGE,
            buckets: BUCKETS,
        }
    }

    fn bucket_seconds(&self) -> f64 {
        self.range.as_secs_f64() / self.buckets.max(1) as f64
    }

    fn start(&self) -> Timestamp {
        self.end
            .checked_sub(self.range)
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The bucket a time falls in; `None` outside the window.
    fn bucket(&self, at: Timestamp) -> Option<usize> {
        let offset = at.duration_since(self.start()).as_secs_f64();
        if offset < 0.0 || at > self.end {
            return None;
        }
        let index = (offset / self.bucket_seconds()) as usize;
        Some(index.min(self.buckets.saturating_sub(1)))
    }

    /// Each bucket's end, as the series' sample times.
    fn times(&self) -> Vec<Timestamp> {
        let step = self.bucket_seconds();
        (1..=self.buckets)
            .map(|index| {
                let back = SignedDuration::from_secs_f64(step * (self.buckets - index) as f64);
                self.end.checked_sub(back).unwrap_or(self.end)
            })
            .collect()
    }
}

/// Every derived series over `window`. A bucket with nothing to measure is a gap (`NaN`) for
/// times and rates, and zero for counts; failed-job buckets that end before `jobs_since` (what
/// the job sources were asked for) are gaps too, never zeros nobody counted.
pub fn derive(
    tasks: &[Task],
    jobs: &[FailedJob],
    window: Window,
    jobs_since: Option<Timestamp>,
) -> Vec<Series> {
    let buckets = window.buckets;
    let mut queuing: Vec<Vec<f64>> = vec![Vec::new(); buckets];
    let mut active: Vec<Vec<f64>> = vec![Vec::new(); buckets];
    let mut ended = vec![0.0; buckets];
    let mut files_failed = vec![0.0; buckets];
    let mut files_done = vec![0.0; buckets];

    for task in tasks {
        if let (Some(created), Some(started)) = (task.creation_time, task.start_time)
            && let Some(index) = window.bucket(started)
            && started >= created
        {
            queuing[index].push(started.duration_since(created).as_secs_f64() / 60.0);
        }
        let end = task.end_time.or_else(|| {
            task.status
                .is_final()
                .then_some(task.modification_time)
                .flatten()
        });
        if let Some(end) = end
            && let Some(index) = window.bucket(end)
        {
            ended[index] += 1.0;
            if let Some(started) = task.start_time
                && end >= started
            {
                active[index].push(end.duration_since(started).as_secs_f64() / 3600.0);
            }
        }
        if let Some(modified) = task.modification_time
            && let Some(index) = window.bucket(modified)
        {
            files_failed[index] += task.n_files_failed.unwrap_or(0) as f64;
            files_done[index] += task.n_files_finished.unwrap_or(0) as f64;
        }
    }

    let mut failed_jobs = vec![0.0; buckets];
    for job in jobs {
        if let Some(index) = window.bucket(job.modification_time) {
            failed_jobs[index] += 1.0;
        }
    }
    if let Some(since) = jobs_since {
        for (count, end) in failed_jobs.iter_mut().zip(window.times()) {
            if end <= since {
                *count = f64::NAN;
            }
        }
    }

    let per_hour = 3600.0 / window.bucket_seconds();
    let series = |id: &str, title: &str, unit: &str, values: Vec<f64>| Series {
        id: format!("{SOURCE_NAME}.{id}"),
        title: title.to_string(),
        unit: unit.to_string(),
        times: window.times(),
        values,
    };
    vec![
        series(
            "queuing",
            "Queuing time, median (derived)",
            "min",
            queuing.iter_mut().map(|values| median(values)).collect(),
        ),
        series(
            "active",
            "Task active time, median (derived)",
            "h",
            active.iter_mut().map(|values| median(values)).collect(),
        ),
        series(
            "failed_jobs",
            "Failed and holding jobs (derived)",
            "jobs/h",
            failed_jobs.iter().map(|count| count * per_hour).collect(),
        ),
        series(
            "failure_rate",
            "File failure rate of tasks (derived)",
            "%",
            files_failed
                .iter()
                .zip(&files_done)
                .map(|(failed, done)| {
                    let all = failed + done;
                    if all > 0.0 {
                        failed * 100.0 / all
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
        ),
        series(
            "throughput",
            "Tasks ended (derived)",
            "tasks/h",
            ended.iter().map(|count| count * per_hour).collect(),
        ),
    ]
}

/// The median, or `NaN` for none.
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// Puts the derived metrics between the sources and the app: returns the sender the sources
/// should use; events reach `app` unchanged, followed by derived series when tasks or jobs
/// change, and as time passes. `jobs_window` is how far back the job sources look, when they
/// say (BigPanDA's `job_hours`); without it, failed jobs count from the oldest one seen. The
/// derived series are stale while any of their inputs is, with its reason.
pub fn interpose(
    app: mpsc::Sender<SourceEvent>,
    jobs_window: Option<SignedDuration>,
) -> mpsc::Sender<SourceEvent> {
    let (sources, mut incoming) = mpsc::channel::<SourceEvent>(256);
    tokio::spawn(async move {
        let mut tasks: BTreeMap<String, Vec<Task>> = BTreeMap::new();
        let mut jobs: BTreeMap<String, Vec<FailedJob>> = BTreeMap::new();
        // The health of each input (source, pane), to pass a stale input on.
        let mut inputs: BTreeMap<(String, PaneId), SourceHealth> = BTreeMap::new();
        let mut shown_health: Option<SourceHealth> = None;
        let waiting = SourceHealth::Loading {
            progress: Some("waiting for tasks or jobs".to_string()),
        };
        if app.send(health(waiting)).await.is_err() {
            return;
        }
        let mut changed = false;
        let mut last = tokio::time::Instant::now()
            .checked_sub(RECOMPUTE_EVERY)
            .unwrap_or_else(tokio::time::Instant::now);
        let mut slide = tokio::time::interval(SLIDE_EVERY);
        loop {
            let wait = RECOMPUTE_EVERY.saturating_sub(last.elapsed());
            tokio::select! {
                event = incoming.recv() => {
                    let Some(event) = event else { return };
                    match &event.kind {
                        SourceEventKind::Data(Feed::Tasks(list)) => {
                            tasks.insert(event.source.clone(), list.clone());
                            changed = true;
                        }
                        SourceEventKind::Data(Feed::FailedJobs(list)) => {
                            jobs.insert(event.source.clone(), list.clone());
                            changed = true;
                        }
                        SourceEventKind::Health(health)
                            if matches!(event.pane, PaneId::Tasks | PaneId::Triage) =>
                        {
                            inputs.insert((event.source.clone(), event.pane), health.clone());
                            // A change of an input's health shows at once once series exist.
                            if shown_health.is_some() {
                                let health = combined(&inputs);
                                if shown_health.as_ref() != Some(&health) {
                                    shown_health = Some(health.clone());
                                    if app.send(event).await.is_err()
                                        || app.send(self::health(health)).await.is_err()
                                    {
                                        return;
                                    }
                                    continue;
                                }
                            }
                        }
                        _ => {}
                    }
                    if app.send(event).await.is_err() {
                        return;
                    }
                }
                _ = tokio::time::sleep(wait), if changed => {}
                _ = slide.tick() => changed |= !tasks.is_empty() || !jobs.is_empty(),
            }
            if !changed || last.elapsed() < RECOMPUTE_EVERY {
                continue;
            }
            changed = false;
            last = tokio::time::Instant::now();
            let all_tasks: Vec<Task> = tasks.values().flatten().cloned().collect();
            let all_jobs: Vec<FailedJob> = jobs.values().flatten().cloned().collect();
            let now = Timestamp::now();
            let window = Window::ending(now);
            let jobs_since = match jobs_window {
                Some(back) => now.checked_sub(back).ok(),
                None => all_jobs.iter().map(|job| job.modification_time).min(),
            };
            let Ok(series) = tokio::task::spawn_blocking(move || {
                derive(&all_tasks, &all_jobs, window, jobs_since)
            })
            .await
            else {
                let failing = SourceHealth::Failing {
                    reason: "working out the series failed".to_string(),
                };
                if app.send(health(failing)).await.is_err() {
                    return;
                }
                continue;
            };
            let data = SourceEvent {
                source: SOURCE_NAME.to_string(),
                pane: PaneId::Metrics,
                kind: SourceEventKind::Data(Feed::Series(series)),
            };
            let health_now = combined(&inputs);
            shown_health = Some(health_now.clone());
            if app.send(data).await.is_err() || app.send(health(health_now)).await.is_err() {
                return;
            }
        }
    });
    sources
}

/// The derived series' health: stale, with the first stale or failing input's reason, while any
/// input is; fresh otherwise.
fn combined(inputs: &BTreeMap<(String, PaneId), SourceHealth>) -> SourceHealth {
    let troubled = inputs
        .iter()
        .find_map(|((source, _), health)| match health {
            SourceHealth::Stale { since, reason, .. } => {
                Some((*since, format!("{source}: {reason}")))
            }
            SourceHealth::Failing { reason } => {
                Some((Timestamp::now(), format!("{source}: {reason}")))
            }
            _ => None,
        });
    match troubled {
        Some((since, reason)) => SourceHealth::Stale {
            since,
            reason: format!("worked out from a stale input: {reason}"),
            retry_at: None,
        },
        None => SourceHealth::Fresh {
            at: Timestamp::now(),
            note: None,
        },
    }
}

fn health(health: SourceHealth) -> SourceEvent {
    SourceEvent {
        source: SOURCE_NAME.to_string(),
        pane: PaneId::Metrics,
        kind: SourceEventKind::Health(health),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TaskStatus;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn task(id: u64, created: &str, started: Option<&str>, ended: Option<&str>) -> Task {
        Task {
            jeditaskid: id,
            taskname: String::new(),
            status: if ended.is_some() {
                TaskStatus::Done
            } else {
                TaskStatus::Running
            },
            username: String::new(),
            prodsourcelabel: String::new(),
            processingtype: String::new(),
            transhome: String::new(),
            corecount: None,
            n_files: None,
            n_files_finished: None,
            n_files_failed: None,
            total_events: None,
            dataset_count: None,
            ramcount_mb_per_core: None,
            cputime_hs06s_per_event: None,
            cpu_efficiency_pct: None,
            io_intensity_kb_per_s: None,
            creation_time: Some(at(created)),
            start_time: started.map(at),
            end_time: ended.map(at),
            modification_time: ended.or(started).map(at),
            error_dialog: String::new(),
            site: String::new(),
        }
    }

    fn job(id: u64, modified: &str) -> FailedJob {
        FailedJob {
            pandaid: id,
            jeditaskid: 1,
            status: "failed".to_string(),
            computingsite: String::new(),
            produsername: String::new(),
            modification_time: at(modified),
            errors: Vec::new(),
        }
    }

    /// Four hours in four buckets of an hour, ending at noon.
    fn window() -> Window {
        Window {
            end: at("2026-12-04T12:00:00Z"),
            range: SignedDuration::from_hours(4),
            buckets: 4,
        }
    }

    fn values<'a>(series: &'a [Series], id: &str) -> &'a [f64] {
        series
            .iter()
            .find(|series| series.id == format!("derived.{id}"))
            .map_or(&[], |series| series.values.as_slice())
    }

    /// Equal, with NaN equal to NaN.
    fn same(got: &[f64], expected: &[f64]) -> bool {
        got.len() == expected.len()
            && got
                .iter()
                .zip(expected)
                .all(|(a, b)| (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-9)
    }

    #[test]
    fn queuing_and_active_times_are_medians_by_bucket() {
        let tasks = [
            // Started 08:30 after 30 min queued, ended 10:30 after 2 h.
            task(
                1,
                "2026-12-04T08:00:00Z",
                Some("2026-12-04T08:30:00Z"),
                Some("2026-12-04T10:30:00Z"),
            ),
            // Started 08:45 after 15 min, still running.
            task(
                2,
                "2026-12-04T08:30:00Z",
                Some("2026-12-04T08:45:00Z"),
                None,
            ),
            // Started 08:50 after 90 min.
            task(
                3,
                "2026-12-04T07:20:00Z",
                Some("2026-12-04T08:50:00Z"),
                None,
            ),
            // Started 11:10 after 10 min, ended 11:40 after half an hour.
            task(
                4,
                "2026-12-04T11:00:00Z",
                Some("2026-12-04T11:10:00Z"),
                Some("2026-12-04T11:40:00Z"),
            ),
            // Outside the window: counted nowhere.
            task(
                5,
                "2026-12-03T01:00:00Z",
                Some("2026-12-03T02:00:00Z"),
                Some("2026-12-03T03:00:00Z"),
            ),
        ];
        let series = derive(&tasks, &[], window(), None);
        let nan = f64::NAN;
        assert!(same(values(&series, "queuing"), &[30.0, nan, nan, 10.0]));
        assert!(same(values(&series, "active"), &[nan, nan, 2.0, 0.5]));
        assert!(same(values(&series, "throughput"), &[0.0, 0.0, 1.0, 1.0]));
        assert_eq!(
            series[0].times,
            [
                at("2026-12-04T09:00:00Z"),
                at("2026-12-04T10:00:00Z"),
                at("2026-12-04T11:00:00Z"),
                at("2026-12-04T12:00:00Z")
            ]
        );
    }

    #[test]
    fn failed_jobs_per_hour_and_the_file_failure_rate() {
        let jobs = [
            job(1, "2026-12-04T08:10:00Z"),
            job(2, "2026-12-04T08:20:00Z"),
            job(3, "2026-12-04T11:59:59Z"),
            job(4, "2026-12-04T12:00:01Z"),
        ];
        let mut busy = task(
            1,
            "2026-12-04T07:00:00Z",
            Some("2026-12-04T09:30:00Z"),
            None,
        );
        busy.n_files_finished = Some(30);
        busy.n_files_failed = Some(10);
        let mut other = task(
            2,
            "2026-12-04T07:00:00Z",
            Some("2026-12-04T09:40:00Z"),
            None,
        );
        other.n_files_finished = Some(50);
        other.n_files_failed = Some(10);
        let series = derive(&[busy, other], &jobs, window(), None);
        assert!(same(values(&series, "failed_jobs"), &[2.0, 0.0, 0.0, 1.0]));
        let nan = f64::NAN;
        // 20 failed of 100 files in the tasks modified between 09:00 and 10:00.
        assert!(same(
            values(&series, "failure_rate"),
            &[nan, 20.0, nan, nan]
        ));
    }

    #[test]
    fn failed_jobs_before_the_sources_window_are_gaps_not_zeros() {
        let jobs = [job(1, "2026-12-04T11:30:00Z")];
        // The job source looked back from 10:00: the buckets ending by then were never asked.
        let since = Some(at("2026-12-04T10:00:00Z"));
        let series = derive(&[], &jobs, window(), since);
        let nan = f64::NAN;
        assert!(same(values(&series, "failed_jobs"), &[nan, nan, 0.0, 1.0]));
    }

    #[test]
    fn a_stale_input_makes_the_derived_series_stale_with_its_reason() {
        let mut inputs = BTreeMap::new();
        inputs.insert(
            ("bp".to_string(), PaneId::Tasks),
            SourceHealth::Fresh {
                at: at("2026-12-04T10:00:00Z"),
                note: None,
            },
        );
        assert!(matches!(combined(&inputs), SourceHealth::Fresh { .. }));
        inputs.insert(
            ("bp".to_string(), PaneId::Triage),
            SourceHealth::Stale {
                since: at("2026-12-04T10:03:29Z"),
                reason: "HTTP 401".to_string(),
                retry_at: None,
            },
        );
        assert_eq!(
            combined(&inputs),
            SourceHealth::Stale {
                since: at("2026-12-04T10:03:29Z"),
                reason: "worked out from a stale input: bp: HTTP 401".to_string(),
                retry_at: None,
            }
        );
    }

    #[test]
    fn nothing_to_measure_gives_gaps_and_zero_counts() {
        let series = derive(&[], &[], window(), None);
        assert_eq!(series.len(), 5);
        assert!(values(&series, "queuing").iter().all(|v| v.is_nan()));
        assert_eq!(values(&series, "failed_jobs"), [0.0; 4]);
    }

    #[tokio::test]
    async fn events_pass_through_and_series_follow_new_tasks() {
        let (app_tx, mut app_rx) = mpsc::channel(16);
        let sources = interpose(app_tx, None);
        let now = Timestamp::now();
        let started = now
            .checked_sub(SignedDuration::from_mins(30))
            .unwrap_or(now);
        let created = now
            .checked_sub(SignedDuration::from_mins(50))
            .unwrap_or(now);
        let mut running = task(9, "2026-01-01T00:00:00Z", None, None);
        running.creation_time = Some(created);
        running.start_time = Some(started);
        let tasks = SourceEvent {
            source: "bp".to_string(),
            pane: PaneId::Tasks,
            kind: SourceEventKind::Data(Feed::Tasks(vec![running])),
        };
        sources.send(tasks.clone()).await.ok();

        let mut seen = Vec::new();
        while let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_secs(10), app_rx.recv()).await
        {
            let done = matches!(event.kind, SourceEventKind::Data(Feed::Series(_)));
            seen.push(event);
            if done {
                break;
            }
        }
        assert!(matches!(
            seen[0].kind,
            SourceEventKind::Health(SourceHealth::Loading { .. })
        ));
        assert_eq!(seen[1], tasks);
        let Some(SourceEventKind::Data(Feed::Series(series))) = seen.last().map(|e| &e.kind) else {
            panic!("no series: {seen:?}")
        };
        let queuing = values(series, "queuing");
        let last = queuing.iter().rev().find(|v| !v.is_nan()).copied();
        assert_eq!(last.map(f64::round), Some(20.0));
    }
}
