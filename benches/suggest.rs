//! Triage suggestion costs: `suggest` runs on the UI task for every group after each grouping
//! (thousands of groups), and `learn` on the UI task when an operator confirms. Budgets: 5,000
//! suggestions under about 20 ms, one `learn` under about 5 ms with 1,000 decisions learned.
//!
//! "Cold" is the first grouping after a fit (a decision), when every suggestion is computed;
//! "warm" the groupings after it, when the suggester answers from what it remembers.
//!
//! Run with `cargo bench --bench suggest` (optimised) or `cargo bench --bench suggest --profile
//! dev` (as a debug build of the console runs); it prints medians over repeated runs.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use pandaops::domain::{ErrorSource, FailedJob, JobError};
use pandaops::triage::group_errors;
use pandaops::triage::suggest::Suggester;

const GROUPS: usize = 5_000;
const DECISIONS: usize = 1_000;

/// A made-up word per group (`bqd`, `cqd`, …), so that every group keeps its own pattern.
fn word(mut n: usize) -> String {
    let mut word = String::new();
    for _ in 0..3 {
        word.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    word.push_str("alg");
    word
}

/// Diagnostics in the shapes the demo and real pilots write, over codes with and without rules.
fn diagnostic(i: usize) -> JobError {
    let w = word(i);
    let (source, code, diag) = match i % 10 {
        0 => (
            ErrorSource::Pilot,
            1099,
            format!("Failed to stage-in file:rucio download of {w}.root failed after 3 attempts"),
        ),
        1 => (
            ErrorSource::Executor,
            65,
            format!("Non-zero return code from {w} (65); Logfile error in log.{w}: FATAL error"),
        ),
        2 => (
            ErrorSource::Executor,
            68,
            format!("Fatal error in athena logfile: IOVDbSvc FATAL {w} Frontier server timed out"),
        ),
        3 => (
            ErrorSource::Pilot,
            1305,
            format!(
                "Failed to execute payload:payload crashed with signal 11 (SIGSEGV) in {w}::execute()"
            ),
        ),
        4 => (
            ErrorSource::Pilot,
            1212,
            format!("Payload ran out of memory:maxPSS 4194304 kB exceeds the limit in {w}"),
        ),
        5 => (
            ErrorSource::DataService,
            200,
            format!(
                "Adder._updateOutputs() could not add files to {w}: Rucio server timed out after 300 s"
            ),
        ),
        6 => (
            ErrorSource::Executor,
            75,
            format!("Output file {w}.pool.root failed validation: file is not a valid ROOT file"),
        ),
        7 => (
            ErrorSource::Pilot,
            1305,
            format!(
                "Failed to execute payload:python exception in trfExe.py line 40: KeyError: '{w}'"
            ),
        ),
        8 => (ErrorSource::TaskBuffer, 100, format!("killed by {w}")),
        _ => (
            ErrorSource::Transform,
            137,
            format!("Transform received signal SIGKILL in {w} on the worker node"),
        ),
    };
    JobError { source, code, diag }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The load averages, printed with the timings: the machine has two cores, and builds running
/// beside the bench stretch its wall-clock times.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|line| {
            let fields: Vec<&str> = line.split_whitespace().take(3).collect();
            (fields.len() == 3).then(|| fields.join(" "))
        })
        .unwrap_or_else(|| "unknown".into())
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(work());
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let now = Timestamp::now();
    let job = |i: usize| FailedJob {
        pandaid: 6_000_000_000 + i as u64,
        jeditaskid: 40_000_000 + (i % 300) as u64,
        status: "failed".into(),
        computingsite: "CERN-PROD".into(),
        produsername: "someone".into(),
        modification_time: now,
        errors: vec![diagnostic(i)],
    };
    // Some diagnostics normalise alike; more jobs until there are enough groups.
    let mut jobs: Vec<FailedJob> = (0..GROUPS).map(job).collect();
    let mut groups = group_errors(&jobs);
    while groups.len() < GROUPS {
        let next = jobs.len();
        jobs.extend((next..next + GROUPS - groups.len()).map(job));
        groups = group_errors(&jobs);
    }
    groups.truncate(GROUPS);

    let load_before = load_average();
    let seeded = time(20, Suggester::seeded);
    let mut suggester = Suggester::seeded();
    let suggest_all = |suggester: &Suggester| {
        groups
            .iter()
            .map(|group| suggester.suggest(group))
            .collect::<Vec<_>>()
    };
    // Cold: the first grouping after a fit computes every suggestion; warm: the next ones find
    // them remembered.
    let cold_seeded = time(15, || {
        suggester.refit();
        suggest_all(&suggester)
    });
    let cold_seeded = cold_seeded.saturating_sub(time(15, || suggester.refit()));
    let warm_seeded = time(15, || suggest_all(&suggester));

    // Operators confirm what they are shown; the last hundred confirmations are timed one by one.
    let mut learn_times = Vec::new();
    for (n, group) in groups.iter().take(DECISIONS).enumerate() {
        let label = suggester.suggest(group).label;
        let start = Instant::now();
        suggester.learn(group, label);
        if n >= DECISIONS - 100 {
            learn_times.push(start.elapsed());
        }
    }
    let learn = median(learn_times);
    let refit = time(20, || suggester.refit());
    let cold_learned = time(15, || {
        suggester.refit();
        suggest_all(&suggester)
    });
    let cold_learned = cold_learned.saturating_sub(refit);
    let warm_learned = time(15, || suggest_all(&suggester));

    println!(
        "{} groups, {DECISIONS} decisions, medians (load average before: {load_before}, after: {}):",
        groups.len(),
        load_average()
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  Suggester::seeded()                          {:8.3} ms",
        ms(seeded)
    );
    println!(
        "  suggest all, seeds only, cold (after a fit)  {:8.3} ms",
        ms(cold_seeded)
    );
    println!(
        "  suggest all, seeds only, warm                {:8.3} ms",
        ms(warm_seeded)
    );
    println!(
        "  learn one decision, the 901st to 1,000th     {:8.3} ms",
        ms(learn)
    );
    println!(
        "  refit with all decisions                     {:8.3} ms",
        ms(refit)
    );
    println!(
        "  suggest all, with decisions, cold            {:8.3} ms",
        ms(cold_learned)
    );
    println!(
        "  suggest all, with decisions, warm            {:8.3} ms",
        ms(warm_learned)
    );
}
