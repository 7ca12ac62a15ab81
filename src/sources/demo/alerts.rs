//! Alertmanager as the demo world sees it: alerts that fire, get silenced or inhibited, resolve
//! and disappear fifteen minutes later, and the silences operators put on them.
//!
//! Alerts come from incidents (with the delay of an alert rule's `for:` clause) and from a
//! background of everyday noise. A firing alert's `ends_at` is a lease a few minutes ahead,
//! renewed every minute, as Alertmanager reports it. States follow Alertmanager's rules: a
//! matching active silence suppresses an alert (regex matchers match whole values); a firing
//! critical alert inhibits the lesser alerts of the same service. Operators at the console can
//! create and expire silences too, checked as Alertmanager checks them.

use std::collections::BTreeMap;

use fastrand::Rng;

use crate::domain::{Alert, AlertOrigin, AlertState, Matcher, Severity, Silence, SilenceState};
use crate::sources::alertmanager::NewSilence;

use super::Clock;
use super::incidents::{Incident, IncidentKind};
use super::names::{exponential_secs, fingerprint, uniform, uuid};
use super::scenario::Scenario;

/// How long Alertmanager keeps showing a resolved alert.
const RESOLVED_KEEP_SECS: i64 = 15 * 60;
/// How long an expired silence stays listed.
const EXPIRED_SILENCE_KEEP_SECS: i64 = 60 * 60;
/// How far ahead a firing alert's lease reaches (four evaluation intervals of one minute).
const LEASE_SECS: i64 = 4 * 60;
/// Mean gap between two everyday alerts, in seconds.
const NOISE_MEAN_GAP_SECS: f64 = 300.0;
/// The database instance alerts and maintenance silences name.
const DB_INSTANCE: &str = "adcr-adg.cern.ch:10121";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlertKind {
    PandaServerDown,
    PandaServerHighErrorRate,
    JediBrokerageSlow,
    HarvesterWorkersStuck,
    BigPandaHighLatency,
    DbSessionsHigh,
    RucioTransferFailures,
    CertificateExpiring,
}

impl AlertKind {
    fn name(self) -> &'static str {
        match self {
            AlertKind::PandaServerDown => "PandaServerDown",
            AlertKind::PandaServerHighErrorRate => "PandaServerHighErrorRate",
            AlertKind::JediBrokerageSlow => "JEDIBrokerageSlow",
            AlertKind::HarvesterWorkersStuck => "HarvesterWorkersStuck",
            AlertKind::BigPandaHighLatency => "BigPanDAHighLatency",
            AlertKind::DbSessionsHigh => "DBSessionsHigh",
            AlertKind::RucioTransferFailures => "RucioTransferFailures",
            AlertKind::CertificateExpiring => "CertificateExpiring",
        }
    }
}

#[derive(Debug, Clone)]
struct SimAlert {
    alert: Alert,
    fires_at: i64,
    processed_at: i64,
    resolves_at: i64,
    /// When an operator silences it, if one will.
    silence_at: Option<i64>,
}

#[derive(Debug, Clone)]
struct SimSilence {
    /// The silence as shown, except for its times and state, which `refresh` fills in.
    silence: Silence,
    created_at: i64,
    starts_at: i64,
    ends_at: i64,
}

/// A silence an operator is about to create.
struct SilenceDraft {
    starts_at: i64,
    ends_at: i64,
    matchers: Vec<Matcher>,
    created_by: String,
    comment: String,
}

#[derive(Debug, Clone)]
pub struct AlertBook {
    alerts: Vec<SimAlert>,
    silences: Vec<SimSilence>,
    next_noise_at: i64,
    next_maintenance_at: i64,
    /// What the feeds showed last, to tell whether anything changed.
    shown_alerts: Vec<Alert>,
    shown_silences: Vec<Silence>,
    /// The next second at which some state can change without new input.
    next_change_at: i64,
}

/// What one alert says, before it is given times.
struct AlertText {
    kind: AlertKind,
    severity: &'static str,
    labels: Vec<(&'static str, String)>,
    summary: String,
    description: String,
}

impl AlertBook {
    /// The alerts of a world that has been running for a while: a certificate warning that has
    /// been firing for an hour, a database alert under an ongoing intervention's silence, and a
    /// planned intervention further ahead.
    pub fn seeded(rng: &mut Rng, scenario: &Scenario, clock: Clock, now: i64) -> AlertBook {
        let mut book = AlertBook {
            alerts: Vec::new(),
            silences: Vec::new(),
            next_noise_at: now + exponential_secs(rng, NOISE_MEAN_GAP_SECS),
            next_maintenance_at: now + rng.i64(3600..=7200),
            shown_alerts: Vec::new(),
            shown_silences: Vec::new(),
            next_change_at: now,
        };

        let certificate = alert_text(rng, scenario, AlertKind::CertificateExpiring, None);
        book.add_alert(
            certificate,
            now - 3600,
            now + rng.i64(6 * 3600..=9 * 3600),
            None,
        );

        let draft = SilenceDraft {
            starts_at: now - 1200,
            ends_at: now + rng.i64(3 * 3600..=4 * 3600),
            matchers: vec![equal("service", "oracle")],
            created_by: scenario.operators.pick(rng).clone(),
            comment: "ADCR rolling patch intervention, sessions alerts expected".to_string(),
        };
        book.add_silence(rng, now - 1200, draft);
        let sessions = alert_text(rng, scenario, AlertKind::DbSessionsHigh, None);
        book.add_alert(
            sessions,
            now - 600,
            now + rng.i64(2 * 3600..=3 * 3600),
            None,
        );

        book.refresh(clock, now);
        book
    }

    /// Raises the alerts an incident leads to, each after its rule's pending period.
    pub fn raise_for(&mut self, rng: &mut Rng, scenario: &Scenario, incident: &Incident) {
        let kinds: &[AlertKind] = match incident.kind {
            IncidentKind::TransferFailures => &[AlertKind::RucioTransferFailures],
            IncidentKind::ServerOutage => &[
                AlertKind::PandaServerDown,
                AlertKind::PandaServerHighErrorRate,
            ],
            IncidentKind::WorkersStuck => &[AlertKind::HarvesterWorkersStuck],
            IncidentKind::BrokerageSlow => &[AlertKind::JediBrokerageSlow],
            IncidentKind::ActiveTimeShift => &[],
        };
        for kind in kinds {
            let text = alert_text(rng, scenario, *kind, Some(incident));
            let fires_at = incident.starts_at + rng.i64(60..=120);
            let resolves_at = incident.ends_at + rng.i64(60..=180);
            let silence_at = self.maybe_silence(rng, &text, fires_at);
            self.add_alert(text, fires_at, resolves_at, silence_at);
        }
    }

    /// Advances alerts and silences to `now`; says whether (alerts, silences) changed.
    pub fn step(
        &mut self,
        rng: &mut Rng,
        scenario: &Scenario,
        clock: Clock,
        now: i64,
    ) -> (bool, bool) {
        if now >= self.next_noise_at {
            self.next_noise_at = now + exponential_secs(rng, NOISE_MEAN_GAP_SECS).max(30);
            self.raise_noise(rng, scenario, now);
        }
        if now >= self.next_maintenance_at {
            self.next_maintenance_at = now + rng.i64(3600..=7200);
            self.plan_maintenance(rng, scenario, now);
        }
        self.create_due_silences(rng, scenario, now);

        if now < self.next_change_at {
            return (false, false);
        }
        self.alerts
            .retain(|alert| now < alert.resolves_at + RESOLVED_KEEP_SECS);
        self.silences
            .retain(|silence| now < silence.ends_at + EXPIRED_SILENCE_KEEP_SECS);
        self.refresh(clock, now)
    }

    pub fn alerts(&self) -> Vec<Alert> {
        self.shown_alerts.clone()
    }

    /// Creates an operator's silence: from `now`, for as long as it asks (its start may be a
    /// wall-clock time the demo's faster clock has left behind). Answers with its id.
    pub fn create_silence(
        &mut self,
        rng: &mut Rng,
        clock: Clock,
        now: i64,
        silence: &NewSilence,
    ) -> Result<String, String> {
        if let Some(reason) = refusal(silence) {
            return Err(reason);
        }
        let duration = silence.ends_at.as_second() - silence.starts_at.as_second();
        let draft = SilenceDraft {
            starts_at: now,
            ends_at: now.saturating_add(duration),
            matchers: silence.matchers.clone(),
            created_by: silence.created_by.clone(),
            comment: silence.comment.clone(),
        };
        self.add_silence(rng, now, draft);
        let id = self
            .silences
            .last()
            .map(|created| created.silence.id.clone())
            .unwrap_or_default();
        self.refresh(clock, now);
        Ok(id)
    }

    /// Expires a silence now; one that has not started yet ends before it starts. As with
    /// Alertmanager, expiring one that has ended already changes nothing and is no error.
    pub fn expire_silence(&mut self, clock: Clock, now: i64, id: &str) -> Result<(), String> {
        let Some(silence) = self
            .silences
            .iter_mut()
            .find(|silence| silence.silence.id == id && silence.created_at <= now)
        else {
            return Err("silence not found".to_string());
        };
        if silence.ends_at <= now {
            return Ok(());
        }
        silence.starts_at = silence.starts_at.min(now);
        silence.ends_at = now;
        self.refresh(clock, now);
        Ok(())
    }

    pub fn silences(&self) -> Vec<Silence> {
        self.shown_silences.clone()
    }

    fn add_alert(
        &mut self,
        text: AlertText,
        fires_at: i64,
        resolves_at: i64,
        silence_at: Option<i64>,
    ) {
        let mut labels = BTreeMap::new();
        labels.insert("alertname".to_string(), text.kind.name().to_string());
        labels.insert("severity".to_string(), text.severity.to_string());
        for (name, value) in text.labels {
            labels.insert(name.to_string(), value);
        }
        let fingerprint = fingerprint(&labels);

        // Alertmanager merges a re-sent alert into the one it already has.
        let already_firing = self
            .alerts
            .iter()
            .any(|alert| alert.alert.fingerprint == fingerprint && alert.resolves_at > fires_at);
        if already_firing {
            return;
        }

        let alert = Alert {
            fingerprint,
            name: text.kind.name().to_string(),
            severity: Severity::from_label(text.severity),
            state: AlertState::Unprocessed,
            labels,
            summary: text.summary,
            description: text.description,
            // Filled in by `refresh`, which knows the clock.
            starts_at: jiff::Timestamp::UNIX_EPOCH,
            ends_at: None,
            origin: AlertOrigin::Alertmanager("demo".to_string()),
        };
        // Alertmanager takes a few seconds to process a new alert; the delay varies with the
        // second it arrived so that it needs no draw from the generator.
        let processed_at = fires_at + 5 + fires_at.rem_euclid(20);
        self.alerts.push(SimAlert {
            alert,
            fires_at,
            processed_at,
            resolves_at,
            silence_at,
        });
        self.next_change_at = self.next_change_at.min(fires_at);
    }

    fn add_silence(&mut self, rng: &mut Rng, created_at: i64, draft: SilenceDraft) {
        let silence = Silence {
            id: uuid(rng),
            matchers: draft.matchers,
            created_by: draft.created_by,
            comment: draft.comment,
            starts_at: jiff::Timestamp::UNIX_EPOCH,
            ends_at: jiff::Timestamp::UNIX_EPOCH,
            state: SilenceState::Pending,
        };
        self.silences.push(SimSilence {
            silence,
            created_at,
            starts_at: draft.starts_at,
            ends_at: draft.ends_at,
        });
        self.next_change_at = self.next_change_at.min(created_at);
    }

    /// Decides whether an operator will silence an alert, and when.
    fn maybe_silence(&self, rng: &mut Rng, text: &AlertText, fires_at: i64) -> Option<i64> {
        let silenceable = text.severity != "critical";
        (silenceable && rng.f64() < 0.3).then(|| fires_at + rng.i64(90..=400))
    }

    fn create_due_silences(&mut self, rng: &mut Rng, scenario: &Scenario, now: i64) {
        let due: Vec<(BTreeMap<String, String>, i64)> = self
            .alerts
            .iter_mut()
            .filter(|alert| alert.silence_at == Some(now) && now < alert.resolves_at)
            .map(|alert| {
                alert.silence_at = None;
                (alert.alert.labels.clone(), alert.resolves_at)
            })
            .collect();
        for (labels, resolves_at) in due {
            let alertname = labels.get("alertname").cloned().unwrap_or_default();
            let mut matchers = vec![equal("alertname", &alertname)];
            let scope = labels
                .get("site")
                .map(|site| ("site", site.clone()))
                .or_else(|| {
                    labels
                        .get("instance")
                        .map(|instance| ("instance", instance.clone()))
                });
            if let Some((name, value)) = &scope {
                matchers.push(equal(name, value));
            }
            let subject = scope.map(|(_, value)| value).unwrap_or_default();
            let comment = match rng.u32(0..4) {
                0 => format!("{subject} in scheduled downtime, nothing to do"),
                1 => format!("known issue at {subject}, site admins contacted"),
                2 => format!("investigating {alertname} on {subject}, silencing to stop the pages"),
                _ => format!("{subject} being drained for an upgrade"),
            };
            // Operators silence generously: usually past the end of the trouble, sometimes not.
            let ends_at = if rng.u32(0..4) == 0 {
                now + rng.i64(300..=900)
            } else {
                resolves_at.max(now) + rng.i64(1800..=3 * 3600)
            };
            let draft = SilenceDraft {
                starts_at: now,
                ends_at,
                matchers,
                created_by: scenario.operators.pick(rng).clone(),
                comment,
            };
            self.add_silence(rng, now, draft);
        }
    }

    fn raise_noise(&mut self, rng: &mut Rng, scenario: &Scenario, now: i64) {
        let kind = match rng.u32(0..13) {
            0..=2 => AlertKind::DbSessionsHigh,
            3..=5 => AlertKind::BigPandaHighLatency,
            6 => AlertKind::CertificateExpiring,
            7..=8 => AlertKind::HarvesterWorkersStuck,
            9 => AlertKind::JediBrokerageSlow,
            10 => AlertKind::PandaServerDown,
            _ => AlertKind::RucioTransferFailures,
        };
        // Certificate warnings last for hours; two at a time are plenty.
        let certificates = self
            .alerts
            .iter()
            .filter(|alert| alert.alert.name == "CertificateExpiring" && now < alert.resolves_at)
            .count();
        if kind == AlertKind::CertificateExpiring && certificates >= 2 {
            return;
        }
        let text = alert_text(rng, scenario, kind, None);
        let duration = match kind {
            AlertKind::CertificateExpiring => rng.i64(2 * 3600..=6 * 3600),
            // A short blip: one probe failed through a restart.
            AlertKind::PandaServerDown => rng.i64(120..=240),
            _ => rng.i64(180..=1500),
        };
        let silence_at = self.maybe_silence(rng, &text, now);
        self.add_alert(text, now, now + duration, silence_at);
    }

    fn plan_maintenance(&mut self, rng: &mut Rng, scenario: &Scenario, now: i64) {
        let operator = scenario.operators.pick(rng).clone();
        let starts_at = now + rng.i64(1200..=3600);
        let ends_at = starts_at + rng.i64(1800..=5400);
        let (matchers, comment) = if rng.bool() {
            (
                vec![equal("service", "oracle"), equal("instance", DB_INSTANCE)],
                "planned ADCR intervention announced on the ADC operations list".to_string(),
            )
        } else {
            let service = scenario.service("harvester");
            let first = service.hosts.pick(rng).clone();
            let second = service.hosts.pick(rng).clone();
            let hosts = if first == second {
                first
            } else {
                format!("{first}|{second}")
            };
            (
                vec![
                    equal("service", "harvester"),
                    Matcher {
                        name: "instance".to_string(),
                        value: hosts,
                        is_regex: true,
                        is_equal: true,
                    },
                ],
                "harvester upgrade, instances restarted one by one".to_string(),
            )
        };
        let draft = SilenceDraft {
            starts_at,
            ends_at,
            matchers,
            created_by: operator,
            comment,
        };
        self.add_silence(rng, now, draft);
    }

    /// Recomputes what the feeds show at `now`; says whether (alerts, silences) changed.
    fn refresh(&mut self, clock: Clock, now: i64) -> (bool, bool) {
        let silences: Vec<Silence> = self
            .silences
            .iter()
            .filter(|silence| silence.created_at <= now)
            .map(|silence| {
                let state = if now < silence.starts_at {
                    SilenceState::Pending
                } else if now < silence.ends_at {
                    SilenceState::Active
                } else {
                    SilenceState::Expired
                };
                Silence {
                    starts_at: clock.at(silence.starts_at),
                    ends_at: clock.at(silence.ends_at),
                    state,
                    ..silence.silence.clone()
                }
            })
            .collect();

        // The minute boundary at which firing leases were last renewed.
        let lease_base = now - now.rem_euclid(60);
        let visible: Vec<&SimAlert> = self
            .alerts
            .iter()
            .filter(|alert| alert.fires_at <= now)
            .collect();
        let inhibitors: Vec<(&str, &str)> = visible
            .iter()
            .filter(|alert| {
                alert.alert.severity == Severity::Critical
                    && now >= alert.processed_at
                    && now < alert.resolves_at
            })
            .filter_map(|alert| {
                let service = alert.alert.labels.get("service")?;
                Some((service.as_str(), alert.alert.fingerprint.as_str()))
            })
            .collect();

        let mut alerts: Vec<Alert> = visible
            .iter()
            .map(|sim| {
                let mut alert = sim.alert.clone();
                alert.starts_at = clock.at(sim.fires_at);
                if now >= sim.resolves_at {
                    alert.state = AlertState::Resolved;
                    alert.ends_at = Some(clock.at(sim.resolves_at));
                    return alert;
                }
                alert.ends_at = Some(clock.at(lease_base.max(sim.fires_at) + LEASE_SECS));
                if now < sim.processed_at {
                    alert.state = AlertState::Unprocessed;
                    return alert;
                }
                let silenced_by: Vec<String> = silences
                    .iter()
                    .filter(|silence| silence.state == SilenceState::Active)
                    .filter(|silence| silence.matchers.iter().all(|m| m.matches(&alert.labels)))
                    .map(|silence| silence.id.clone())
                    .collect();
                let service = alert.labels.get("service").map(String::as_str);
                let inhibited_by: Vec<String> = inhibitors
                    .iter()
                    .filter(|(inhibiting_service, fingerprint)| {
                        alert.severity != Severity::Critical
                            && Some(*inhibiting_service) == service
                            && *fingerprint != alert.fingerprint
                    })
                    .map(|(_, fingerprint)| fingerprint.to_string())
                    .collect();
                alert.state = if !silenced_by.is_empty() {
                    AlertState::Silenced(silenced_by)
                } else if !inhibited_by.is_empty() {
                    AlertState::Inhibited(inhibited_by)
                } else {
                    AlertState::Active
                };
                alert
            })
            .collect();
        alerts.sort_by(|a, b| {
            b.starts_at
                .cmp(&a.starts_at)
                .then(a.fingerprint.cmp(&b.fingerprint))
        });

        self.next_change_at = self.next_change_after(now);
        let alerts_changed = alerts != self.shown_alerts;
        let silences_changed = silences != self.shown_silences;
        self.shown_alerts = alerts;
        self.shown_silences = silences;
        (alerts_changed, silences_changed)
    }

    /// The next second at which an alert or silence changes state or a lease is renewed.
    fn next_change_after(&self, now: i64) -> i64 {
        let mut next = i64::MAX;
        let mut consider = |at: i64| {
            if at > now {
                next = next.min(at);
            }
        };
        for alert in &self.alerts {
            consider(alert.fires_at);
            consider(alert.processed_at);
            consider(alert.resolves_at);
            consider(alert.resolves_at + RESOLVED_KEEP_SECS);
            if alert.fires_at <= now && now < alert.resolves_at {
                consider(now - now.rem_euclid(60) + 60);
            }
        }
        for silence in &self.silences {
            consider(silence.created_at);
            consider(silence.starts_at);
            consider(silence.ends_at);
            consider(silence.ends_at + EXPIRED_SILENCE_KEEP_SECS);
        }
        next
    }
}

fn equal(name: &str, value: &str) -> Matcher {
    Matcher {
        name: name.to_string(),
        value: value.to_string(),
        is_regex: false,
        is_equal: true,
    }
}

/// Why Alertmanager (0.25) would refuse a silence, in its own words, if it would. It takes a
/// silence without a comment or an author; the console asks for both before sending.
fn refusal(silence: &NewSilence) -> Option<String> {
    if silence.matchers.is_empty() {
        return Some("matchers in body should have at least 1 items".to_string());
    }
    for (index, matcher) in silence.matchers.iter().enumerate() {
        let mut chars = matcher.name.chars();
        let name_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            return Some(format!(
                "silence invalid: invalid label matcher {index}: invalid label name {:?}",
                matcher.name
            ));
        }
        if matcher.is_regex && regex::Regex::new(&format!("^(?:{})$", matcher.value)).is_err() {
            return Some(format!(
                "silence invalid: invalid label matcher {index}: invalid regular expression {:?}",
                matcher.value
            ));
        }
    }
    if silence.matchers.iter().all(|m| m.matches_value("")) {
        return Some(
            "silence invalid: at least one matcher must not match the empty string".to_string(),
        );
    }
    if silence.ends_at <= silence.starts_at {
        return Some("Failed to create silence: start time must be before end time".to_string());
    }
    None
}

fn alert_text(
    rng: &mut Rng,
    scenario: &Scenario,
    kind: AlertKind,
    incident: Option<&Incident>,
) -> AlertText {
    let site = incident
        .map(|incident| incident.site.clone())
        .unwrap_or_else(|| {
            scenario
                .sites
                .pick_weighted(rng, |site| site.weight)
                .name
                .clone()
        });
    let host_of = |rng: &mut Rng, service: &str| {
        incident
            .filter(|incident| {
                scenario
                    .service(service)
                    .hosts
                    .iter()
                    .any(|host| *host == incident.host)
            })
            .map(|incident| incident.host.clone())
            .unwrap_or_else(|| scenario.service(service).hosts.pick(rng).clone())
    };
    match kind {
        AlertKind::PandaServerDown => {
            let host = host_of(rng, "panda-server");
            let reason = [
                "HTTP 503 Service Unavailable",
                "connection timed out after 10 s",
                "HTTP 500 Internal Server Error",
            ][rng.usize(..3)];
            AlertText {
                kind,
                severity: "critical",
                labels: vec![
                    ("service", "panda-server".to_string()),
                    ("instance", format!("{host}:25443")),
                    ("job", "panda_is_alive_probe".to_string()),
                ],
                summary: format!("PanDA server {host} does not answer is_alive"),
                description: format!(
                    "GET https://{host}:25443/api/v1/system/is_alive failed for {} consecutive probes (last error: {reason}). Pilots on this server lose their heartbeats.",
                    rng.u32(3..12)
                ),
            }
        }
        AlertKind::PandaServerHighErrorRate => {
            let rate = uniform(rng, 8.0, 35.0);
            AlertText {
                kind,
                severity: "warning",
                labels: vec![
                    ("service", "panda-server".to_string()),
                    ("instance", "pandaserver.cern.ch:25443".to_string()),
                    ("job", "panda_server_httpd".to_string()),
                ],
                summary: format!("{rate:.0}% of PanDA server requests fail"),
                description: format!(
                    "The load balancer sees {rate:.1}% HTTP 5xx answers over 5 minutes (threshold 5%)."
                ),
            }
        }
        AlertKind::JediBrokerageSlow => {
            let host = host_of(rng, "panda-jedi");
            let cycle = rng.u32(320..1500);
            AlertText {
                kind,
                severity: "warning",
                labels: vec![
                    ("service", "panda-jedi".to_string()),
                    ("instance", host.clone()),
                    ("job", "jedi_brokerage".to_string()),
                ],
                summary: format!("JEDI brokerage cycle takes {cycle} s on {host}"),
                description: format!(
                    "The median brokerage cycle over 15 minutes is {cycle} s (threshold 300 s); tasks wait longer in ready and scouting."
                ),
            }
        }
        AlertKind::HarvesterWorkersStuck => {
            let host = host_of(rng, "harvester");
            let workers = rng.u32(150..2500);
            AlertText {
                kind,
                severity: "warning",
                labels: vec![
                    ("service", "harvester".to_string()),
                    ("instance", host.clone()),
                    ("site", site.clone()),
                    ("job", "harvester_workers".to_string()),
                ],
                summary: format!("{workers} workers stuck in submitted for {site}"),
                description: format!(
                    "Harvester on {host} has {workers} workers for {site} in submitted for more than 2 h; pilots are not starting there."
                ),
            }
        }
        AlertKind::BigPandaHighLatency => {
            let host = host_of(rng, "bigpanda");
            let median = uniform(rng, 10.5, 45.0);
            AlertText {
                kind,
                severity: "warning",
                labels: vec![
                    ("service", "bigpanda".to_string()),
                    ("instance", host.clone()),
                    ("job", "bigpanda_service_monitor".to_string()),
                ],
                summary: format!("BigPanDA median response time {median:.1} s on {host}"),
                description: format!(
                    "requests_last_10min_duration_median is {median:.1} s (threshold 10 s) with {} requests in 10 minutes.",
                    rng.u32(200..4000)
                ),
            }
        }
        AlertKind::DbSessionsHigh => {
            let sessions = rng.u32(420..900);
            let severity = if sessions > 750 {
                "critical"
            } else {
                "warning"
            };
            AlertText {
                kind,
                severity,
                labels: vec![
                    ("service", "oracle".to_string()),
                    ("instance", DB_INSTANCE.to_string()),
                    ("schema", "ATLAS_PANDA".to_string()),
                    ("job", "oracle_sessions".to_string()),
                ],
                summary: format!("ATLAS_PANDA has {sessions} active sessions"),
                description: format!(
                    "{sessions} active sessions for 10 minutes (threshold 400); panda-server and JEDI queries may time out."
                ),
            }
        }
        AlertKind::RucioTransferFailures => {
            let rse = scenario
                .sites
                .iter()
                .find(|candidate| candidate.name == site)
                .map_or_else(|| format!("{site}_DATADISK"), |found| found.rse.clone());
            let ratio = match incident {
                Some(incident) => 25.0 + 15.0 * incident.magnitude,
                None => uniform(rng, 15.0, 40.0),
            };
            AlertText {
                kind,
                severity: "warning",
                labels: vec![
                    ("service", "rucio".to_string()),
                    ("instance", "fts3-atlas.cern.ch:8446".to_string()),
                    ("site", site.clone()),
                    ("rse", rse.clone()),
                    ("job", "fts_transfers".to_string()),
                ],
                summary: format!("{ratio:.0}% of transfers to {rse} fail"),
                description: format!(
                    "FTS reports {ratio:.1}% failed transfers to {rse} over 15 minutes; stage-in and stage-out errors are rising at {site}."
                ),
            }
        }
        AlertKind::CertificateExpiring => {
            let service = ["panda-server", "harvester", "bigpanda"][rng.usize(..3)];
            let host = host_of(rng, service);
            let days = rng.u32(2..14);
            AlertText {
                kind,
                severity: if days < 5 { "warning" } else { "info" },
                labels: vec![
                    ("service", service.to_string()),
                    ("instance", host.clone()),
                    ("job", "host_certificates".to_string()),
                ],
                summary: format!("Host certificate on {host} expires in {days} days"),
                description: format!(
                    "/etc/grid-security/hostcert.pem on {host} expires in {days} days; renew it before the service stops accepting connections."
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, secs: i64) -> Vec<(Vec<Alert>, Vec<Silence>)> {
        let scenario = Scenario::embedded();
        let mut rng = Rng::with_seed(seed);
        let clock = Clock::new(jiff::Timestamp::UNIX_EPOCH);
        let mut book = AlertBook::seeded(&mut rng, scenario, clock, 0);
        let mut incidents = super::super::incidents::Incidents::new(&mut rng, 0);
        let mut history = vec![(book.alerts(), book.silences())];
        for now in 1..=secs {
            if let Some(incident) = incidents.step(&mut rng, scenario, now) {
                book.raise_for(&mut rng, scenario, &incident);
            }
            let (alerts_changed, silences_changed) = book.step(&mut rng, scenario, clock, now);
            if alerts_changed || silences_changed {
                history.push((book.alerts(), book.silences()));
            }
        }
        history
    }

    #[test]
    fn seeded_book_shows_firing_and_silenced_alerts() {
        let history = run(1, 0);
        let Some((alerts, silences)) = history.first() else {
            return;
        };
        assert!(alerts.iter().any(|alert| alert.state == AlertState::Active));
        assert!(
            alerts
                .iter()
                .any(|alert| matches!(alert.state, AlertState::Silenced(_)))
        );
        assert!(
            silences
                .iter()
                .any(|silence| silence.state == SilenceState::Active)
        );
        for alert in alerts {
            assert_eq!(alert.origin, AlertOrigin::Alertmanager("demo".to_string()));
            assert_eq!(alert.labels.get("alertname"), Some(&alert.name));
            assert!(alert.ends_at.is_some_and(|ends| ends > alert.starts_at));
        }
    }

    #[test]
    fn over_hours_every_state_appears_and_resolved_alerts_go_away() {
        let history = run(2, 6 * 3600);
        let mut tags = std::collections::BTreeSet::new();
        let mut silence_states = std::collections::BTreeSet::new();
        for (alerts, silences) in &history {
            tags.extend(alerts.iter().map(|alert| alert.state.tag()));
            silence_states.extend(
                silences
                    .iter()
                    .map(|silence| format!("{:?}", silence.state)),
            );
        }
        for tag in ["FIRING", "SILENCED", "INHIBITED", "UNPROC", "RESOLVED"] {
            assert!(tags.contains(tag), "{tag} never seen in {tags:?}");
        }
        for state in ["Active", "Pending", "Expired"] {
            assert!(silence_states.contains(state), "{state} never seen");
        }
        // Changes happen every few minutes, not once an hour.
        assert!(history.len() > 6 * 60 / 5, "{}", history.len());
    }

    #[test]
    fn regex_matchers_match_whole_values() {
        let matcher = Matcher {
            name: "instance".to_string(),
            value: "aipanda171\\.cern\\.ch|aipanda172.cern.ch".to_string(),
            is_regex: true,
            is_equal: true,
        };
        let mut labels = BTreeMap::new();
        labels.insert("instance".to_string(), "aipanda171.cern.ch".to_string());
        assert!(matcher.matches(&labels));
        labels.insert("instance".to_string(), "aipanda173.cern.ch".to_string());
        assert!(!matcher.matches(&labels));
    }
}
