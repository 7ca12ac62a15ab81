//! The four requirements a model predicts, their units and accepted ranges, and the walltime
//! derived from them.

use crate::domain::Task;

/// IO intensity above this many kB/s is `high`, the published pipeline's split.
pub const IO_HIGH_THRESHOLD_KB_PER_S: f64 = 500.0;

/// A regression target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// RAMCOUNT, MB per core.
    Ramcount,
    /// CTIME, HS06·s per event.
    Cputime,
    /// CPU efficiency, %.
    CpuEfficiency,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Ramcount, Target::Cputime, Target::CpuEfficiency];

    pub fn name(self) -> &'static str {
        match self {
            Target::Ramcount => "RAMCOUNT",
            Target::Cputime => "CTIME",
            Target::CpuEfficiency => "CPU_EFF",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Target::Ramcount => "MB/core",
            Target::Cputime => "HS06s/event",
            Target::CpuEfficiency => "%",
        }
    }

    /// Values a label may take to be learned from; outside them a record is skipped. The bounds
    /// are wider than the published pipeline's accepted ranges, which are for predictions.
    pub fn plausible(self, value: f64) -> bool {
        value.is_finite()
            && match self {
                Target::Ramcount => (1.0..=100_000.0).contains(&value),
                Target::Cputime => value > 0.0 && value <= 1e6,
                Target::CpuEfficiency => (0.0..=100.0).contains(&value),
            }
    }

    /// Memory and CPU time spread over decades and their errors grow with them, so they are
    /// learned as logarithms and their bands are multiplicative; efficiency is learned as is.
    pub fn learned_as_log(self) -> bool {
        matches!(self, Target::Ramcount | Target::Cputime)
    }

    /// Where a prediction is cut, so a band never leaves the possible range.
    pub fn clamp(self, value: f64) -> f64 {
        match self {
            Target::CpuEfficiency => value.clamp(0.0, 100.0),
            _ => value.max(0.0),
        }
    }
}

/// The values scouting or the end of a task set, which the models learn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Labels {
    pub ramcount_mb_per_core: Option<f64>,
    pub cputime_hs06s_per_event: Option<f64>,
    pub cpu_efficiency_pct: Option<f64>,
    pub io_intensity_kb_per_s: Option<f64>,
}

impl Labels {
    pub fn from_task(task: &Task) -> Labels {
        Labels {
            ramcount_mb_per_core: task.ramcount_mb_per_core,
            cputime_hs06s_per_event: task.cputime_hs06s_per_event,
            cpu_efficiency_pct: task.cpu_efficiency_pct,
            io_intensity_kb_per_s: task.io_intensity_kb_per_s,
        }
    }

    pub fn get(&self, target: Target) -> Option<f64> {
        match target {
            Target::Ramcount => self.ramcount_mb_per_core,
            Target::Cputime => self.cputime_hs06s_per_event,
            Target::CpuEfficiency => self.cpu_efficiency_pct,
        }
    }

    /// All four present and plausible.
    pub fn complete(&self) -> bool {
        Target::ALL.iter().all(|target| {
            self.get(*target)
                .is_some_and(|value| target.plausible(value))
        }) && self
            .io_intensity_kb_per_s
            .is_some_and(|io| io.is_finite() && io >= 0.0)
    }
}

/// Whether an IO intensity is the `high` class.
pub fn io_is_high(io_intensity_kb_per_s: f64) -> bool {
    io_intensity_kb_per_s > IO_HIGH_THRESHOLD_KB_PER_S
}

/// The walltime a job needs, in seconds, by PanDA's job sizing rule (panda-docs,
/// `docs/source/advanced/sizing.rst`):
///
/// W = cpuTime × nEvents / (C × P × cpuEfficiency) + baseTime
///
/// with cpuTime in HS06·s per event, nEvents the events of the job, C its cores, P the HS06 of
/// one core at the site, cpuEfficiency as a fraction (JEDI's default is 0.9) and baseTime the
/// part that does not scale with events (`baseWalltime`, by default 600 s). `None` when a
/// divisor is not positive or an input is not finite.
pub fn walltime_secs(
    cputime_hs06s_per_event: f64,
    n_events: f64,
    cores: f64,
    hs06_per_core: f64,
    cpu_efficiency_fraction: f64,
    base_walltime_secs: f64,
) -> Option<f64> {
    let divisor = cores * hs06_per_core * cpu_efficiency_fraction;
    let value = cputime_hs06s_per_event * n_events / divisor + base_walltime_secs;
    (divisor > 0.0 && value.is_finite()).then_some(value)
}

/// HS06 per core PanDA assumes when a site says nothing.
pub const DEFAULT_HS06_PER_CORE: f64 = 10.0;
/// JEDI's default `baseWalltime`, seconds.
pub const DEFAULT_BASE_WALLTIME_SECS: f64 = 600.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walltime_matches_a_hand_computation() {
        // 45 HS06 s/event × 1000 events / (8 cores × 10 HS06 × 0.9) + 600 s
        // = 45000 / 72 + 600 = 625 + 600 = 1225 s.
        let secs = walltime_secs(45.0, 1000.0, 8.0, 10.0, 0.9, 600.0);
        assert_eq!(secs, Some(1225.0));
        assert_eq!(walltime_secs(45.0, 1000.0, 0.0, 10.0, 0.9, 600.0), None);
    }

    #[test]
    fn io_split_is_at_500() {
        assert!(!io_is_high(500.0));
        assert!(io_is_high(500.5));
    }
}
