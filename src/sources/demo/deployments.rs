//! Deployment events of the demo world, as the services' upgrade hooks announce them:
//! "panda-server@master upgrade on: aipanda021.cern.ch by tmaier".
//!
//! A rollout upgrades one service on several of its hosts, a little apart, from the same branch
//! and commit. One starts every twenty-five minutes or so; the feed keeps the latest events.

use std::collections::VecDeque;

use fastrand::Rng;

use crate::domain::DeploymentEvent;

use super::Clock;
use super::names::{commit_sha, exponential_secs};
use super::scenario::Scenario;

/// Mean gap between two rollouts, in seconds.
const ROLLOUT_MEAN_GAP_SECS: f64 = 1500.0;
/// How many events the feed keeps.
const KEEP_EVENTS: usize = 60;

/// Services with how often they are deployed, relative to each other.
const SERVICES: [(&str, u32); 5] = [
    ("panda-server", 30),
    ("panda-jedi", 25),
    ("harvester", 20),
    ("bigpanda", 15),
    ("pilot3", 10),
];

#[derive(Debug, Clone)]
struct PendingEvent {
    at: i64,
    component: String,
    branch: String,
    host: String,
    user: String,
    commit: String,
}

#[derive(Debug, Clone)]
pub struct DeploymentLog {
    events: VecDeque<DeploymentEvent>,
    pending: VecDeque<PendingEvent>,
    next_rollout_at: i64,
    next_id: u64,
}

impl DeploymentLog {
    pub fn new(rng: &mut Rng, now: i64) -> DeploymentLog {
        DeploymentLog {
            events: VecDeque::new(),
            pending: VecDeque::new(),
            next_rollout_at: now + exponential_secs(rng, ROLLOUT_MEAN_GAP_SECS / 2.0),
            next_id: 1,
        }
    }

    /// Plans due rollouts and publishes due events; true when the feed changed.
    pub fn step(&mut self, rng: &mut Rng, scenario: &Scenario, clock: Clock, now: i64) -> bool {
        if now >= self.next_rollout_at {
            self.plan_rollout(rng, scenario, now);
            self.next_rollout_at = now + exponential_secs(rng, ROLLOUT_MEAN_GAP_SECS).max(120);
        }

        let mut changed = false;
        while self.pending.front().is_some_and(|event| event.at <= now) {
            let Some(event) = self.pending.pop_front() else {
                break;
            };
            self.events.push_back(DeploymentEvent {
                id: format!("demo-deploy-{:05}", self.next_id),
                at: clock.at(event.at),
                component: event.component,
                branch: event.branch,
                host: event.host,
                user: event.user,
                commit: Some(event.commit),
            });
            self.next_id += 1;
            changed = true;
        }
        while self.events.len() > KEEP_EVENTS {
            self.events.pop_front();
        }
        changed
    }

    /// The events, newest first.
    pub fn snapshot(&self) -> Vec<DeploymentEvent> {
        self.events.iter().rev().cloned().collect()
    }

    fn plan_rollout(&mut self, rng: &mut Rng, scenario: &Scenario, now: i64) {
        let total: u32 = SERVICES.iter().map(|(_, weight)| weight).sum();
        let mut ticket = rng.u32(..total);
        let mut component = "panda-server";
        for (name, weight) in SERVICES {
            if ticket < weight {
                component = name;
                break;
            }
            ticket -= weight;
        }
        let service = scenario.service(component);
        let branch = if rng.f64() < 0.55 {
            "master".to_string()
        } else {
            service.tags.pick(rng).clone()
        };
        let user = scenario.operators.pick(rng).clone();
        let commit = commit_sha(rng);

        let mut hosts: Vec<&String> = service.hosts.iter().collect();
        rng.shuffle(&mut hosts);
        let host_count = rng.usize(1..=hosts.len().max(1));
        let mut at = now;
        for host in hosts.into_iter().take(host_count) {
            self.pending.push_back(PendingEvent {
                at,
                component: component.to_string(),
                branch: branch.clone(),
                host: host.clone(),
                user: user.clone(),
                commit: commit.clone(),
            });
            at += rng.i64(20..=90);
        }
        // Rollouts may overlap; events are published in time order.
        self.pending.make_contiguous().sort_by_key(|event| event.at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollouts_share_a_commit_and_look_like_real_upgrades() {
        let scenario = Scenario::embedded();
        let mut rng = Rng::with_seed(8);
        let clock = Clock::new(jiff::Timestamp::UNIX_EPOCH);
        let mut log = DeploymentLog::new(&mut rng, 0);
        for now in 1..=2 * 3600 {
            log.step(&mut rng, scenario, clock, now);
        }
        let events = log.snapshot();
        assert!(
            (4..=KEEP_EVENTS).contains(&events.len()),
            "{}",
            events.len()
        );
        for event in &events {
            assert!(SERVICES.iter().any(|(name, _)| *name == event.component));
            assert!(event.host.ends_with(".cern.ch"), "{}", event.host);
            let commit = event.commit.clone().unwrap_or_default();
            assert_eq!(commit.len(), 40);
            assert!(commit.chars().all(|c| c.is_ascii_hexdigit()));
            // Every event of a rollout names the same commit and branch.
            for other in events.iter().filter(|other| other.commit == event.commit) {
                assert_eq!(other.component, event.component);
                assert_eq!(other.branch, event.branch);
            }
        }
        assert!(events.windows(2).all(|pair| pair[0].at >= pair[1].at));
    }
}
