//! A long history of demo tasks that ran to an end, for training and checking the resource
//! models.
//!
//! It runs the same task book the live demo runs, on its own generator, in coarse time steps, and
//! keeps every task once it has ended with its scouted resources known. It never touches a live
//! world, so what the console shows for a seed stays exactly what it was.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::domain::{Task, TaskStatus};

use super::Clock;
use super::scenario::Scenario;
use super::tasks::TaskBook;

/// Simulated seconds per step of the history; arrivals are about a minute apart, so a coarser
/// step only delays state changes, which the history does not look at.
const STEP_SECS: i64 = 10;
/// Ended tasks stay in the book for an hour or more, so looking every ten minutes sees them all.
const LOOK_EVERY_SECS: i64 = 600;
/// Mixed into the seed so the history's tasks differ from the live demo's with the same seed.
const HISTORY_SEED_SALT: u64 = 0x6869_7374_6f72_7921;

/// Whether a task has ended with the values its scouts measured, the labels a model learns.
fn ended_with_resources(task: &Task) -> bool {
    let ended = task.status.is_final() || task.status == TaskStatus::Exhausted;
    ended
        && task.ramcount_mb_per_core.is_some()
        && task.cputime_hs06s_per_event.is_some()
        && task.cpu_efficiency_pct.is_some()
        && task.io_intensity_kb_per_s.is_some()
}

/// `count` tasks created from `start` on that ran to an end (done, finished, failed, aborted or
/// exhausted after scouting), oldest first, each with its four scouted resources. `progress` is
/// called now and then with (tasks so far, `count`).
pub fn ended_tasks(
    seed: u64,
    start: Timestamp,
    count: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Task> {
    let scenario = Scenario::embedded();
    let mut rng = fastrand::Rng::with_seed(seed ^ HISTORY_SEED_SALT);
    let clock = Clock::new(start);
    let mut book = TaskBook::seeded(&mut rng, scenario, clock, 0);

    let mut seen = BTreeSet::new();
    let mut ended = Vec::with_capacity(count);
    let mut now = 0;
    while ended.len() < count {
        now += STEP_SECS;
        book.step(&mut rng, scenario, clock, now);
        if now % LOOK_EVERY_SECS != 0 {
            continue;
        }
        let mut new: Vec<Task> = book
            .snapshot()
            .into_iter()
            .filter(|task| ended_with_resources(task) && seen.insert(task.jeditaskid))
            .collect();
        new.sort_by_key(|task| task.jeditaskid);
        ended.extend(new);
        progress(ended.len().min(count), count);
    }
    ended.truncate(count);
    ended.sort_by_key(|task| (task.creation_time, task.jeditaskid));
    ended
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_is_deterministic_and_has_labels() {
        let first = ended_tasks(3, Timestamp::UNIX_EPOCH, 300, &mut |_, _| {});
        let again = ended_tasks(3, Timestamp::UNIX_EPOCH, 300, &mut |_, _| {});
        assert_eq!(first, again);
        assert_eq!(first.len(), 300);
        assert!(first.iter().all(ended_with_resources));
        assert!(
            first
                .windows(2)
                .all(|pair| pair[0].creation_time <= pair[1].creation_time)
        );
        let types: BTreeSet<&str> = first
            .iter()
            .map(|task| task.processingtype.as_str())
            .collect();
        assert!(types.len() >= 7, "{types:?}");
    }
}
