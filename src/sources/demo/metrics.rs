//! The four metric series of the demo world, one sample per simulated minute, three hours kept.
//!
//! Running jobs come from the tasks' job counts, and the failure rate from the failed jobs of the
//! last minute against the jobs that finished in it, so both move with what the other panes
//! show. Queuing and active time follow a daily swing with slow drift. Incidents bend them for a
//! few minutes; missed scrapes leave `NaN` gaps.

use std::collections::VecDeque;
use std::f64::consts::TAU;

use fastrand::Rng;

use crate::domain::Series;

use super::Clock;
use super::incidents::Incidents;
use super::names::normal;

/// Samples kept per series: three hours of minutes.
const KEEP_SAMPLES: usize = 180;
/// The mean run time of a job, which turns running jobs into jobs finishing per minute.
const MEAN_JOB_MINUTES: f64 = 150.0;
/// Chance that one series misses one scrape.
const SERIES_GAP_PROBABILITY: f64 = 0.008;
/// Chance that the scraper misses every series for a few minutes.
const SCRAPE_OUTAGE_PROBABILITY: f64 = 0.004;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetricId {
    QueuingTime,
    TaskActiveTime,
    FailureRate,
    RunningJobs,
}

impl MetricId {
    const ALL: [MetricId; 4] = [
        MetricId::QueuingTime,
        MetricId::TaskActiveTime,
        MetricId::FailureRate,
        MetricId::RunningJobs,
    ];

    fn id(self) -> &'static str {
        match self {
            MetricId::QueuingTime => "queuing_time",
            MetricId::TaskActiveTime => "task_active_time",
            MetricId::FailureRate => "failure_rate",
            MetricId::RunningJobs => "running_jobs",
        }
    }

    fn title(self) -> &'static str {
        match self {
            MetricId::QueuingTime => "Task queuing time",
            MetricId::TaskActiveTime => "Task active time",
            MetricId::FailureRate => "Job failure rate",
            MetricId::RunningJobs => "Running jobs",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            MetricId::QueuingTime => "min",
            MetricId::TaskActiveTime => "h",
            MetricId::FailureRate => "%",
            MetricId::RunningJobs => "jobs",
        }
    }
}

/// What one minute's sample is computed from.
pub struct SampleInputs<'a> {
    pub now: i64,
    pub running_jobs: u64,
    pub failed_jobs_last_minute: u64,
    pub incidents: &'a Incidents,
}

#[derive(Debug, Clone)]
pub struct MetricBook {
    samples: [VecDeque<(i64, f64)>; 4],
    /// Slow random drift of each series, so no two hours look alike.
    drift: [f64; 4],
    /// Scrapes still to be missed in an ongoing scrape outage.
    outage_left: u32,
    /// Phase of the daily swing, so worlds with different seeds peak at different hours.
    daily_phase: f64,
}

impl MetricBook {
    pub fn new(rng: &mut Rng) -> MetricBook {
        MetricBook {
            samples: Default::default(),
            drift: [0.0; 4],
            outage_left: 0,
            daily_phase: TAU * rng.f64(),
        }
    }

    /// Takes one sample of every series.
    pub fn sample(&mut self, rng: &mut Rng, clock: Clock, inputs: &SampleInputs<'_>) {
        let now = inputs.now;
        let day_angle = TAU * (clock.at(now).as_second().rem_euclid(86_400) as f64 / 86_400.0)
            + self.daily_phase;

        self.drift[0] = 0.9 * self.drift[0] + 1.2 * normal(rng);
        self.drift[1] = 0.95 * self.drift[1] + 0.15 * normal(rng);
        self.drift[2] = 0.8 * self.drift[2] + 0.05 * normal(rng);
        self.drift[3] = 0.97 * self.drift[3] + 0.004 * normal(rng);

        let queuing_min = (38.0 + 7.0 * day_angle.sin() + self.drift[0]).max(2.0)
            * inputs.incidents.queuing_time_factor(now);
        let active_h = (20.0 + 1.5 * (day_angle + 1.3).sin() + self.drift[1]).max(1.0)
            * inputs.incidents.active_time_factor(now);

        let running = inputs.running_jobs as f64
            * (1.0 + 0.05 * day_angle.sin() + self.drift[3])
            * inputs.incidents.running_jobs_factor(now);
        let running_jobs = running.max(0.0).round();

        let finished = (running_jobs / MEAN_JOB_MINUTES) * (1.0 + 0.05 * normal(rng)).max(0.5);
        let failed = inputs.failed_jobs_last_minute as f64;
        let failure_pct = if failed + finished > 0.0 {
            (100.0 * failed / (failed + finished) + self.drift[2]).clamp(0.0, 100.0)
        } else {
            0.0
        };

        let values = [
            (queuing_min * 10.0).round() / 10.0,
            (active_h * 100.0).round() / 100.0,
            (failure_pct * 100.0).round() / 100.0,
            running_jobs,
        ];

        if self.outage_left == 0 && rng.f64() < SCRAPE_OUTAGE_PROBABILITY {
            self.outage_left = rng.u32(1..=3);
        }
        let outage = self.outage_left > 0;
        self.outage_left = self.outage_left.saturating_sub(1);

        for (series, value) in self.samples.iter_mut().zip(values) {
            let missed = outage || rng.f64() < SERIES_GAP_PROBABILITY;
            series.push_back((now, if missed { f64::NAN } else { value }));
            while series.len() > KEEP_SAMPLES {
                series.pop_front();
            }
        }
    }

    /// Makes the next `scrapes` samples of every series gaps.
    pub fn miss_scrapes(&mut self, scrapes: u32) {
        self.outage_left = self.outage_left.max(scrapes);
    }

    pub fn snapshot(&self, clock: Clock) -> Vec<Series> {
        MetricId::ALL
            .iter()
            .zip(&self.samples)
            .map(|(metric, samples)| Series {
                id: metric.id().to_string(),
                title: metric.title().to_string(),
                unit: metric.unit().to_string(),
                times: samples.iter().map(|(at, _)| clock.at(*at)).collect(),
                values: samples.iter().map(|(_, value)| *value).collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_kept_for_three_hours_with_real_values() {
        let mut rng = Rng::with_seed(3);
        let clock = Clock::new(jiff::Timestamp::UNIX_EPOCH);
        let incidents = Incidents::new(&mut rng, 0);
        let mut book = MetricBook::new(&mut rng);
        for minute in 0..240 {
            let inputs = SampleInputs {
                now: minute * 60,
                running_jobs: 30_000,
                failed_jobs_last_minute: 20,
                incidents: &incidents,
            };
            book.sample(&mut rng, clock, &inputs);
        }
        let series = book.snapshot(clock);
        let ids: Vec<&str> = series.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "queuing_time",
                "task_active_time",
                "failure_rate",
                "running_jobs"
            ]
        );
        for one in &series {
            assert_eq!(one.values.len(), KEEP_SAMPLES);
            assert_eq!(one.times.len(), KEEP_SAMPLES);
            assert!(one.times.windows(2).all(|pair| pair[0] < pair[1]));
        }
        let failure = series
            .iter()
            .find(|s| s.id == "failure_rate")
            .map(|s| s.values.clone());
        let finite: Vec<f64> = failure
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.is_finite())
            .collect();
        let mean = finite.iter().sum::<f64>() / finite.len().max(1) as f64;
        // 20 failed against 30000/150 = 200 finished a minute.
        assert!((7.0..11.0).contains(&mean), "{mean}");
    }
}
