//! JEDI's scout rules replayed on the job records of one task: what the first finished jobs
//! would have set for memory and CPU time, and how many of the remaining jobs went over it.
//!
//! The rules are those of `getScoutJobData_JEDI` in panda-server (`task_utils_module.py`) with
//! the percentile of `CoreUtils.percentile` (linear interpolation between closest ranks):
//!
//! - memory: per job ⌈(maxPSS kB − baseRamCount × 1024) / cores⌉; the task's ramCount is the
//!   75th percentile × (100 + 10) / 100 (floored), / 1024, floored: MB per core;
//! - CPU time: per job max(0, exec time − baseWalltime) × corePower × cores × cpuEfficiency / 100
//!   / nEvents, counted only for jobs with nEvents ≥ 10 × cores or that ran over 6 h; the task's
//!   cpuTime is the 95th percentile × 1.5, rounded up in HS06·s/event, or in mHS06·s/event when
//!   under 10.
//!
//! corePower is the site's HS06 per core: read off a job's `hs06sec` / (exec time × cores) when
//! the record has it, else PanDA's fallback of 10.

use std::path::Path;

use jiff::Timestamp;
use serde_json::Value;

use super::metrics::percentile;
use crate::sources::fields::number;

/// JEDI's `SCOUT_RAMCOUNT_RANK` default.
pub const RAMCOUNT_RANK: f64 = 75.0;
/// JEDI's `SCOUT_RAMCOUNT_MARGIN` default, %.
pub const RAMCOUNT_MARGIN_PCT: f64 = 10.0;
/// JEDI's `SCOUT_CPUTIME_RANK` default.
pub const CPUTIME_RANK: f64 = 95.0;
/// PanDA's core power when neither host nor site says, HS06 per core.
pub const FALLBACK_CORE_POWER: f64 = 10.0;
/// A scout job that ran longer than this counts for CPU time even with few events.
const LONG_JOB_SECS: f64 = 6.0 * 3600.0;

/// One job record, as far as the scout rules read it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobRecord {
    pub pandaid: u64,
    pub status: Option<String>,
    pub maxpss_kb: Option<f64>,
    pub cores: Option<f64>,
    pub nevents: Option<f64>,
    /// Execution time, seconds (end − start, else `wall_time`).
    pub exec_secs: Option<f64>,
    pub hs06sec: Option<f64>,
    pub cpuconsumption_secs: Option<f64>,
    pub end: Option<Timestamp>,
}

impl JobRecord {
    pub fn finished(&self) -> bool {
        self.status
            .as_deref()
            .is_none_or(|status| status.eq_ignore_ascii_case("finished"))
    }

    fn cores(&self) -> f64 {
        self.cores.filter(|cores| *cores >= 1.0).unwrap_or(1.0)
    }

    /// Memory per core in kB as JEDI counts it.
    pub fn memory_kb_per_core(&self, base_ramcount_mb: f64) -> Option<f64> {
        let pss = self.maxpss_kb.filter(|pss| *pss > 0.0)?;
        Some(((pss - base_ramcount_mb * 1024.0) / self.cores()).ceil())
    }

    fn core_power(&self) -> f64 {
        match (self.hs06sec, self.exec_secs) {
            (Some(hs06sec), Some(exec)) if hs06sec > 0.0 && exec > 0.0 => {
                hs06sec / (exec * self.cores())
            }
            _ => FALLBACK_CORE_POWER,
        }
    }

    /// CPU time per event in HS06·s as JEDI counts it; `None` for a job JEDI leaves out.
    pub fn cputime_per_event(&self, settings: &ScoutSettings) -> Option<f64> {
        let exec = self.exec_secs.filter(|secs| secs.is_finite())?;
        let events = self.nevents.filter(|events| *events > 0.0)?;
        let counts = events >= 10.0 * self.cores() || exec > LONG_JOB_SECS;
        if !counts {
            return None;
        }
        let hs06sec = (exec - settings.base_walltime_secs).max(0.0)
            * self.core_power()
            * self.cores()
            * settings.cpu_efficiency_pct
            / 100.0;
        Some(hs06sec / events)
    }
}

/// The task parameters the rules read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoutSettings {
    pub scouts: usize,
    pub base_ramcount_mb: f64,
    pub cpu_efficiency_pct: f64,
    pub base_walltime_secs: f64,
}

impl Default for ScoutSettings {
    fn default() -> Self {
        ScoutSettings {
            scouts: 10,
            base_ramcount_mb: 0.0,
            cpu_efficiency_pct: 90.0,
            base_walltime_secs: 600.0,
        }
    }
}

/// What the scouts would have set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scouted {
    /// MB per core.
    pub ramcount_mb_per_core: Option<f64>,
    /// HS06·s per event, as JEDI rounds it.
    pub cputime_hs06s_per_event: Option<f64>,
    /// Whether JEDI would store the CPU time in mHS06·s per event.
    pub cputime_in_milli: bool,
}

/// Applies the scout rules to `scouts` (finished jobs).
pub fn scout(scouts: &[&JobRecord], settings: &ScoutSettings) -> Scouted {
    let mut memory: Vec<f64> = scouts
        .iter()
        .filter_map(|job| job.memory_kb_per_core(settings.base_ramcount_mb))
        .collect();
    let ramcount_mb_per_core = percentile(&mut memory, RAMCOUNT_RANK).map(|kb| {
        let with_margin = (kb * (100.0 + RAMCOUNT_MARGIN_PCT) / 100.0).floor();
        let mb = (with_margin / 1024.0).floor();
        if mb < 0.0 { 1.0 } else { mb }
    });

    let mut cpu: Vec<f64> = scouts
        .iter()
        .filter_map(|job| job.cputime_per_event(settings))
        .collect();
    let mut cputime_in_milli = false;
    let cputime_hs06s_per_event = percentile(&mut cpu, CPUTIME_RANK).map(|value| {
        let value = value * 1.5;
        if value < 10.0 {
            cputime_in_milli = true;
            (value * 1000.0).ceil() / 1000.0
        } else {
            value.ceil()
        }
    });
    Scouted {
        ramcount_mb_per_core,
        cputime_hs06s_per_event,
        cputime_in_milli,
    }
}

/// The jobs of a task split into scouts and the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub jobs: usize,
    pub finished: usize,
    pub scouts: Vec<JobRecord>,
    pub remaining: Vec<JobRecord>,
    pub scouted: Scouted,
}

/// Counts of remaining jobs over a memory and a CPU limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceed {
    pub memory_over: usize,
    pub memory_known: usize,
    pub cpu_over: usize,
    pub cpu_known: usize,
}

/// Takes the first `settings.scouts` finished jobs (by end time when every job has one, else in
/// file order) as scouts and the finished jobs after them as the rest.
pub fn replay(jobs: &[JobRecord], settings: &ScoutSettings) -> Replay {
    let mut finished: Vec<JobRecord> = jobs.iter().filter(|job| job.finished()).cloned().collect();
    if finished.iter().all(|job| job.end.is_some()) {
        finished.sort_by_key(|job| (job.end, job.pandaid));
    }
    let split = settings.scouts.min(finished.len());
    let remaining = finished.split_off(split);
    let scouted = scout(&finished.iter().collect::<Vec<_>>(), settings);
    Replay {
        jobs: jobs.len(),
        finished: split + remaining.len(),
        scouts: finished,
        remaining,
        scouted,
    }
}

/// How many of `jobs` need more memory per core (MB) or CPU time per event than the limits.
pub fn exceeding(
    jobs: &[JobRecord],
    memory_mb_per_core: Option<f64>,
    cputime_hs06s_per_event: Option<f64>,
    settings: &ScoutSettings,
) -> Exceed {
    let mut exceed = Exceed {
        memory_over: 0,
        memory_known: 0,
        cpu_over: 0,
        cpu_known: 0,
    };
    for job in jobs {
        if let (Some(limit), Some(kb)) = (
            memory_mb_per_core,
            job.memory_kb_per_core(settings.base_ramcount_mb),
        ) {
            exceed.memory_known += 1;
            exceed.memory_over += usize::from(kb / 1024.0 > limit);
        }
        if let (Some(limit), Some(cpu)) = (cputime_hs06s_per_event, job.cputime_per_event(settings))
        {
            exceed.cpu_known += 1;
            exceed.cpu_over += usize::from(cpu > limit);
        }
    }
    exceed
}

/// Job records read from a file, with the rows skipped and why.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedJobs {
    pub jobs: Vec<JobRecord>,
    pub skipped: Vec<String>,
}

fn parse_time(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse::<Timestamp>().ok().or_else(|| {
        raw.replace(' ', "T")
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|at| at.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|zoned| zoned.timestamp())
    })
}

/// Builds a record from named fields (any case); `get` returns a field's text.
fn record_from(get: &dyn Fn(&str) -> Option<String>) -> Result<JobRecord, String> {
    let num = |names: &[&str]| {
        names.iter().find_map(|name| {
            get(name)
                .and_then(|text| text.trim().parse::<f64>().ok())
                .filter(|value| value.is_finite())
        })
    };
    let pandaid = num(&["pandaid"]).ok_or("no pandaid")?;
    let start = get("starttime").and_then(|raw| parse_time(&raw));
    let end = get("endtime").and_then(|raw| parse_time(&raw));
    let from_times = match (start, end) {
        (Some(start), Some(end)) => Some(end.duration_since(start).as_secs_f64()),
        _ => None,
    };
    Ok(JobRecord {
        pandaid: pandaid.max(0.0) as u64,
        status: get("jobstatus").map(|status| status.trim().to_string()),
        maxpss_kb: num(&["maxpss"]),
        cores: num(&["actualcorecount", "corecount"]),
        nevents: num(&["nevents"]),
        exec_secs: from_times.or_else(|| num(&["wall_time", "walltime"])),
        hs06sec: num(&["hs06sec"]),
        cpuconsumption_secs: num(&["cpuconsumptiontime"]),
        end,
    })
}

/// Reads BigPanDA job JSON (an array or `{"jobs": [...]}`) or a CSV export with a header.
pub fn read_jobs(path: &Path) -> Result<LoadedJobs, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    parse_jobs(&text).map_err(|reason| format!("{}: {reason}", path.display()))
}

/// Parses job records; see [`read_jobs`].
pub fn parse_jobs(text: &str) -> Result<LoadedJobs, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        parse_json_jobs(trimmed)
    } else {
        parse_csv_jobs(text)
    }
}

fn parse_json_jobs(text: &str) -> Result<LoadedJobs, String> {
    let value: Value = serde_json::from_str(text).map_err(|error| format!("not JSON ({error})"))?;
    let records = match &value {
        Value::Array(records) => records.clone(),
        Value::Object(object) => match object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("jobs"))
        {
            Some((_, Value::Array(records))) => records.clone(),
            _ => vec![value.clone()],
        },
        _ => return Err("expected a JSON array of jobs or an object with \"jobs\"".into()),
    };
    let mut loaded = LoadedJobs {
        jobs: Vec::new(),
        skipped: Vec::new(),
    };
    for (index, record) in records.iter().enumerate() {
        let Value::Object(object) = record else {
            loaded
                .skipped
                .push(format!("record {}: not a JSON object", index + 1));
            continue;
        };
        let get = |name: &str| {
            object
                .iter()
                .find(|(key, value)| key.eq_ignore_ascii_case(name) && !value.is_null())
                .and_then(|(_, value)| match value {
                    Value::String(text) => Some(text.clone()),
                    other => number(other).map(|n| n.to_string()),
                })
        };
        match record_from(&get) {
            Ok(job) => loaded.jobs.push(job),
            Err(reason) => loaded
                .skipped
                .push(format!("record {}: {reason}", index + 1)),
        }
    }
    Ok(loaded)
}

fn parse_csv_jobs(text: &str) -> Result<LoadedJobs, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| format!("no CSV header ({error})"))?
        .iter()
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    if !headers.iter().any(|name| name == "pandaid") {
        return Err("the CSV header has no pandaid column".to_string());
    }
    let mut loaded = LoadedJobs {
        jobs: Vec::new(),
        skipped: Vec::new(),
    };
    for (index, row) in reader.records().enumerate() {
        let line = index + 2;
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                loaded.skipped.push(format!("line {line}: {error}"));
                continue;
            }
        };
        let get = |name: &str| {
            headers
                .iter()
                .position(|header| header == name)
                .and_then(|at| row.get(at))
                .filter(|value| !value.trim().is_empty())
                .map(str::to_string)
        };
        match record_from(&get) {
            Ok(job) => loaded.jobs.push(job),
            Err(reason) => loaded.skipped.push(format!("line {line}: {reason}")),
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(pandaid: u64, maxpss_kb: f64, cores: f64, nevents: f64, exec_secs: f64) -> JobRecord {
        JobRecord {
            pandaid,
            maxpss_kb: Some(maxpss_kb),
            cores: Some(cores),
            nevents: Some(nevents),
            exec_secs: Some(exec_secs),
            ..JobRecord::default()
        }
    }

    #[test]
    fn memory_rule_matches_a_hand_computation() {
        // Per core (kB): 4000000/8 = 500000, 4400000/8 = 550000, 4800000/8 = 600000,
        // 5200000/8 = 650000. 75th percentile: position 3 × 0.75 = 2.25 → 600000 + 0.25 ×
        // 50000 = 612500. × 1.10 = 673750. / 1024 = 657.95 → 657 MB per core.
        let jobs = [
            job(1, 4_000_000.0, 8.0, 1000.0, 3600.0),
            job(2, 4_400_000.0, 8.0, 1000.0, 3600.0),
            job(3, 4_800_000.0, 8.0, 1000.0, 3600.0),
            job(4, 5_200_000.0, 8.0, 1000.0, 3600.0),
        ];
        let settings = ScoutSettings::default();
        let scouted = scout(&jobs.iter().collect::<Vec<_>>(), &settings);
        assert_eq!(scouted.ramcount_mb_per_core, Some(657.0));
    }

    #[test]
    fn cputime_rule_matches_a_hand_computation() {
        // (3600 − 600) × 10 × 8 × 0.9 / 1000 = 216; (4600 − 600) × 72 / 1000 = 288.
        // 95th percentile of [216, 288]: 216 + 0.95 × 72 = 284.4; × 1.5 = 426.6 → 427.
        // The third job has 50 events < 10 × 8 cores and ran 1 h: left out.
        let jobs = [
            job(1, 1.0, 8.0, 1000.0, 3600.0),
            job(2, 1.0, 8.0, 1000.0, 4600.0),
            job(3, 1.0, 8.0, 50.0, 3600.0),
        ];
        let settings = ScoutSettings::default();
        let scouted = scout(&jobs.iter().collect::<Vec<_>>(), &settings);
        assert_eq!(scouted.cputime_hs06s_per_event, Some(427.0));
        assert!(!scouted.cputime_in_milli);

        // Small values go to milli units: (1600 − 600) × 10 × 1 × 0.9 / 100000 = 0.09;
        // × 1.5 = 0.135 → 135 mHS06s/event.
        let small = [job(1, 1.0, 1.0, 100_000.0, 1600.0)];
        let scouted = scout(&small.iter().collect::<Vec<_>>(), &settings);
        assert_eq!(scouted.cputime_hs06s_per_event, Some(0.135));
        assert!(scouted.cputime_in_milli);
    }

    #[test]
    fn core_power_comes_from_hs06sec() {
        let mut record = job(1, 1.0, 4.0, 1000.0, 1600.0);
        record.hs06sec = Some(1600.0 * 4.0 * 12.5);
        let settings = ScoutSettings::default();
        // (1600 − 600) × 12.5 × 4 × 0.9 / 1000 = 45.
        let cpu = record.cputime_per_event(&settings).unwrap();
        assert!((cpu - 45.0).abs() < 1e-9, "{cpu}");
    }

    #[test]
    fn replay_splits_scouts_from_the_rest_and_counts_the_excess() {
        let mut jobs: Vec<JobRecord> = (1..=14)
            .map(|id| job(id, 1_000_000.0 + id as f64 * 100_000.0, 1.0, 1000.0, 3600.0))
            .collect();
        jobs[3].status = Some("failed".into());
        let settings = ScoutSettings {
            scouts: 4,
            ..ScoutSettings::default()
        };
        let replayed = replay(&jobs, &settings);
        assert_eq!(replayed.finished, 13);
        assert_eq!(
            replayed
                .scouts
                .iter()
                .map(|j| j.pandaid)
                .collect::<Vec<_>>(),
            vec![1, 2, 3, 5]
        );
        // Scouts (kB): 1.1e6, 1.2e6, 1.3e6, 1.5e6 → p75 = 1.3e6 + 0.25 × 0.2e6 = 1.35e6;
        // × 1.1 = 1485000 / 1024 = 1450.2 → 1450 MB. Remaining jobs 6..14 use
        // 1.6e6..2.4e6 kB = 1562..2343 MB, all above.
        assert_eq!(replayed.scouted.ramcount_mb_per_core, Some(1450.0));
        let exceed = exceeding(
            &replayed.remaining,
            replayed.scouted.ramcount_mb_per_core,
            Some(1000.0),
            &settings,
        );
        assert_eq!(exceed.memory_known, 9);
        assert_eq!(exceed.memory_over, 9);
        assert_eq!(exceed.cpu_known, 9);
        assert_eq!(exceed.cpu_over, 0);
    }

    #[test]
    fn csv_and_json_records_are_read() {
        let csv = "pandaid,maxpss,actualcorecount,nevents,wall_time,hs06sec\n\
                   1,800000,1,100,2000,20000\n\
                   x,1,1,1,1,1\n\
                   2,,1,100,2000,\n";
        let loaded = parse_jobs(csv).unwrap();
        assert_eq!(loaded.jobs.len(), 2);
        assert_eq!(loaded.skipped.len(), 1);
        assert_eq!(loaded.jobs[1].maxpss_kb, None);
        let json = r#"{"jobs": [{"pandaid": "7", "jobstatus": "finished", "maxpss": 1000,
            "starttime": "2025-01-01 10:00:00", "endtime": "2025-01-01 11:00:00"}]}"#;
        let loaded = parse_jobs(json).unwrap();
        assert_eq!(loaded.jobs[0].exec_secs, Some(3600.0));
        assert!(parse_jobs("a,b\n1,2\n").is_err());
    }
}
