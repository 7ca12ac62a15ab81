//! Incidents: the trouble that makes the demo world interesting, one every 20 to 40 minutes.
//!
//! An incident is the common cause behind what several panes show at once: a storage problem at
//! a site raises stage-in and stage-out failures there, lifts the failure rate and fires a Rucio
//! alert; a PanDA server outage drops the running jobs, produces lost-heartbeat errors and fires a
//! critical alert; a slow JEDI brokerage lifts the queuing time. Other modules ask this one how
//! strong each effect is at a given second.

use fastrand::Rng;

use super::jobs::Failure;
use super::names::uniform;
use super::scenario::Scenario;

/// Shortest and longest gap between the starts of two incidents, in seconds.
const GAP_SECS: (i64, i64) = (1200, 2400);
/// Shortest and longest incident, in seconds.
const DURATION_SECS: (i64, i64) = (180, 480);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// Transfers to and from one site's storage fail.
    TransferFailures,
    /// A PanDA server stops answering pilots.
    ServerOutage,
    /// Harvester stops starting workers for one site.
    WorkersStuck,
    /// JEDI's brokerage cycle slows down, tasks queue longer.
    BrokerageSlow,
    /// Long-running tasks finish in a bunch, shifting the mean task active time.
    ActiveTimeShift,
}

#[derive(Debug, Clone)]
pub struct Incident {
    pub kind: IncidentKind,
    pub site: String,
    pub host: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Failures per second added, or the factor applied to a metric, depending on the kind.
    pub magnitude: f64,
}

impl Incident {
    fn is_on(&self, now: i64) -> bool {
        (self.starts_at..self.ends_at).contains(&now)
    }
}

/// Extra failed jobs an incident causes.
#[derive(Debug, Clone)]
pub struct Burst {
    /// The site they run at; `None` means wherever their task runs.
    pub site: Option<String>,
    pub per_sec: f64,
    kind: IncidentKind,
}

impl Burst {
    pub fn pick_failure(&self, rng: &mut Rng) -> Failure {
        match self.kind {
            IncidentKind::TransferFailures => match rng.u32(0..10) {
                0..=4 => Failure::StageIn,
                5..=7 => Failure::StageOut,
                _ => Failure::StageInTimeout,
            },
            IncidentKind::ServerOutage => {
                if rng.u32(0..4) == 0 {
                    Failure::ServiceUnavailable
                } else {
                    Failure::LostHeartbeat
                }
            }
            IncidentKind::WorkersStuck => {
                if rng.bool() {
                    Failure::Preemption
                } else {
                    Failure::Sigterm
                }
            }
            IncidentKind::BrokerageSlow | IncidentKind::ActiveTimeShift => Failure::Expired,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Incidents {
    active: Vec<Incident>,
    next_at: i64,
}

impl Incidents {
    /// No incident yet; the first one starts between 20 and 40 minutes after `now`.
    pub fn new(rng: &mut Rng, now: i64) -> Incidents {
        Incidents {
            active: Vec::new(),
            next_at: now + rng.i64(GAP_SECS.0..=GAP_SECS.1),
        }
    }

    /// Makes the next incident start at `at` instead of when it was due.
    pub fn start_next_at(&mut self, at: i64) {
        self.next_at = at;
    }

    /// Ends finished incidents and starts a due one, which is returned so alerts can follow it.
    pub fn step(&mut self, rng: &mut Rng, scenario: &Scenario, now: i64) -> Option<Incident> {
        self.active.retain(|incident| incident.ends_at > now);
        if now < self.next_at {
            return None;
        }
        self.next_at = now + rng.i64(GAP_SECS.0..=GAP_SECS.1);

        let kind = match rng.u32(0..10) {
            0..=3 => IncidentKind::TransferFailures,
            4..=5 => IncidentKind::ServerOutage,
            6 => IncidentKind::WorkersStuck,
            7..=8 => IncidentKind::BrokerageSlow,
            _ => IncidentKind::ActiveTimeShift,
        };
        let magnitude = match kind {
            IncidentKind::TransferFailures => uniform(rng, 1.0, 2.0),
            IncidentKind::ServerOutage => uniform(rng, 0.55, 0.75),
            IncidentKind::WorkersStuck => uniform(rng, 0.8, 0.9),
            IncidentKind::BrokerageSlow => uniform(rng, 2.0, 3.0),
            IncidentKind::ActiveTimeShift => {
                if rng.bool() {
                    uniform(rng, 1.4, 1.8)
                } else {
                    uniform(rng, 0.55, 0.7)
                }
            }
        };
        let service = match kind {
            IncidentKind::ServerOutage => "panda-server",
            IncidentKind::WorkersStuck => "harvester",
            _ => "panda-jedi",
        };
        let incident = Incident {
            kind,
            site: scenario
                .sites
                .pick_weighted(rng, |site| site.weight)
                .name
                .clone(),
            host: scenario.service(service).hosts.pick(rng).clone(),
            starts_at: now,
            ends_at: now + rng.i64(DURATION_SECS.0..=DURATION_SECS.1),
            magnitude,
        };
        self.active.push(incident.clone());
        Some(incident)
    }

    /// Failed jobs that the incidents on at `now` add.
    pub fn extra_failures(&self, now: i64) -> Vec<Burst> {
        self.active
            .iter()
            .filter(|incident| incident.is_on(now))
            .filter_map(|incident| match incident.kind {
                IncidentKind::TransferFailures => Some(Burst {
                    site: Some(incident.site.clone()),
                    per_sec: incident.magnitude,
                    kind: incident.kind,
                }),
                IncidentKind::ServerOutage => Some(Burst {
                    site: None,
                    per_sec: 0.8,
                    kind: incident.kind,
                }),
                IncidentKind::WorkersStuck => Some(Burst {
                    site: Some(incident.site.clone()),
                    per_sec: 0.4,
                    kind: incident.kind,
                }),
                IncidentKind::BrokerageSlow | IncidentKind::ActiveTimeShift => None,
            })
            .collect()
    }

    /// The factor on running jobs at `now` (below 1 while pilots cannot get or start jobs).
    pub fn running_jobs_factor(&self, now: i64) -> f64 {
        self.factor(now, |kind| {
            matches!(
                kind,
                IncidentKind::ServerOutage | IncidentKind::WorkersStuck
            )
        })
    }

    /// The factor on task queuing time at `now`.
    pub fn queuing_time_factor(&self, now: i64) -> f64 {
        self.factor(now, |kind| kind == IncidentKind::BrokerageSlow)
    }

    /// The factor on task active time at `now`.
    pub fn active_time_factor(&self, now: i64) -> f64 {
        self.factor(now, |kind| kind == IncidentKind::ActiveTimeShift)
    }

    fn factor(&self, now: i64, applies: impl Fn(IncidentKind) -> bool) -> f64 {
        self.active
            .iter()
            .filter(|incident| incident.is_on(now) && applies(incident.kind))
            .map(|incident| incident.magnitude)
            .product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidents_come_every_twenty_to_forty_minutes_and_end() {
        let scenario = Scenario::embedded();
        let mut rng = Rng::with_seed(9);
        let mut incidents = Incidents::new(&mut rng, 0);
        let mut starts = Vec::new();
        for now in 1..=4 * 3600 {
            if let Some(incident) = incidents.step(&mut rng, scenario, now) {
                assert!(incident.ends_at - incident.starts_at >= DURATION_SECS.0);
                starts.push(now);
            }
        }
        assert!((6..=12).contains(&starts.len()), "{starts:?}");
        assert!(
            starts
                .windows(2)
                .all(|pair| (1200..=2400).contains(&(pair[1] - pair[0])))
        );
    }

    #[test]
    fn a_forced_incident_changes_something_measurable() {
        let scenario = Scenario::embedded();
        let mut rng = Rng::with_seed(2);
        let mut incidents = Incidents::new(&mut rng, 0);
        incidents.start_next_at(1);
        let started = incidents.step(&mut rng, scenario, 1);
        assert!(started.is_some());
        let Some(incident) = started else { return };
        let now = incident.starts_at + 30;
        let moved = incidents.running_jobs_factor(now) != 1.0
            || incidents.queuing_time_factor(now) != 1.0
            || incidents.active_time_factor(now) != 1.0
            || !incidents.extra_failures(now).is_empty();
        assert!(moved, "{incident:?}");
        assert_eq!(incidents.running_jobs_factor(incident.ends_at + 1), 1.0);
    }
}
