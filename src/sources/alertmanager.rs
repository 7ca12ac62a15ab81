//! Alertmanager API v2: alerts in every state and silences, read; silences created and expired.
//!
//! Alerts are asked for in all four states the API knows (active, suppressed by a silence,
//! suppressed by inhibition, unprocessed). Records are read one by one, so one odd alert is
//! skipped and logged rather than losing the list. Times may carry nanoseconds; the zero time
//! (`0001-01-01T00:00:00Z`) means "not set". A firing alert's `endsAt` is a lease, kept as such.
//! Nothing here is shown before the UI sanitises it.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{Alert, AlertOrigin, AlertState, Matcher, Severity, Silence, SilenceState};

use super::http::{Endpoint, HttpError};

/// One Alertmanager.
#[derive(Debug, Clone)]
pub struct Alertmanager {
    /// The configured name, carried by every alert as its origin.
    pub name: String,
    pub endpoint: Arc<Endpoint>,
}

/// A silence to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSilence {
    pub matchers: Vec<Matcher>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
}

impl Alertmanager {
    /// Every alert, whatever its state, newest problems first as the server orders them.
    pub async fn alerts(&self) -> Result<Vec<Alert>, HttpError> {
        let every_state = [
            ("active", "true".to_string()),
            ("silenced", "true".to_string()),
            ("inhibited", "true".to_string()),
            ("unprocessed", "true".to_string()),
        ];
        let records: Vec<serde_json::Value> = self
            .endpoint
            .get_json("api/v2/alerts", &every_state)
            .await?;
        let total = records.len();
        let alerts: Vec<Alert> = records
            .into_iter()
            .filter_map(|record| alert_from(record, &self.name))
            .collect();
        if alerts.len() < total {
            tracing::warn!(
                source = %self.name,
                skipped = total - alerts.len(),
                "alerts skipped: records without labels or fingerprint"
            );
        }
        Ok(alerts)
    }

    /// Every silence the server keeps: active, pending and recently expired.
    pub async fn silences(&self) -> Result<Vec<Silence>, HttpError> {
        let records: Vec<serde_json::Value> =
            self.endpoint.get_json("api/v2/silences", &[]).await?;
        let total = records.len();
        let silences: Vec<Silence> = records.into_iter().filter_map(silence_from).collect();
        if silences.len() < total {
            tracing::warn!(
                source = %self.name,
                skipped = total - silences.len(),
                "silences skipped: records without id or times"
            );
        }
        Ok(silences)
    }

    /// Creates a silence and returns its id.
    pub async fn create_silence(&self, silence: &NewSilence) -> Result<String, HttpError> {
        let body = PostSilence {
            matchers: silence
                .matchers
                .iter()
                .map(|matcher| PostMatcher {
                    name: &matcher.name,
                    value: &matcher.value,
                    is_regex: matcher.is_regex,
                    is_equal: matcher.is_equal,
                })
                .collect(),
            starts_at: silence.starts_at.to_string(),
            ends_at: silence.ends_at.to_string(),
            created_by: &silence.created_by,
            comment: &silence.comment,
        };
        let created: Created = self.endpoint.post_json("api/v2/silences", &body).await?;
        Ok(created.silence_id)
    }

    /// Expires a silence now.
    pub async fn expire_silence(&self, id: &str) -> Result<(), HttpError> {
        // The id goes into the path: only the characters of a UUID may.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(HttpError::Setup {
                endpoint: self.endpoint.name(),
                reason: format!("not a silence id: \"{}\"", id.escape_debug()),
            });
        }
        self.endpoint.delete(&format!("api/v2/silence/{id}")).await
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostSilence<'a> {
    matchers: Vec<PostMatcher<'a>>,
    starts_at: String,
    ends_at: String,
    created_by: &'a str,
    comment: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostMatcher<'a> {
    name: &'a str,
    value: &'a str,
    is_regex: bool,
    is_equal: bool,
}

#[derive(Deserialize)]
struct Created {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

/// A time as Alertmanager writes it; `None` for the zero time, an empty or unreadable one.
pub fn parse_time(value: Option<&serde_json::Value>) -> Option<Timestamp> {
    let text = value?.as_str()?.trim();
    let time: Timestamp = text.parse().ok()?;
    // Go's zero time, year 1, means "not set".
    (time.as_second() > 0).then_some(time)
}

/// A JSON object of labels as text: string values as they are, others as their JSON text.
/// Anything but an object is no labels. (Prometheus' series labels are read the same way.)
pub(super) fn text_map(value: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    value
        .and_then(serde_json::Value::as_object)
        .map(|object| {
            object
                .iter()
                .map(|(key, value)| {
                    let text = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string);
                    (key.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(value: Option<&serde_json::Value>) -> Vec<String> {
    value
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// An alert from one API record; `None` when it has no labels or no fingerprint.
pub fn alert_from(record: serde_json::Value, origin: &str) -> Option<Alert> {
    let labels = text_map(record.get("labels"));
    let fingerprint = record.get("fingerprint")?.as_str()?.to_string();
    if labels.is_empty() || fingerprint.is_empty() {
        return None;
    }
    let annotations = text_map(record.get("annotations"));
    let status = record.get("status");
    let state_name = status
        .and_then(|status| status.get("state"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    let silenced_by = strings(status.and_then(|status| status.get("silencedBy")));
    let inhibited_by = strings(status.and_then(|status| status.get("inhibitedBy")));
    let state = match state_name {
        "suppressed" if !silenced_by.is_empty() => AlertState::Silenced(silenced_by),
        "suppressed" => AlertState::Inhibited(inhibited_by),
        "unprocessed" => AlertState::Unprocessed,
        _ => AlertState::Active,
    };

    let updated_at = parse_time(record.get("updatedAt"));
    // An alert without a start time is dated by its last update, else by now: never year 1.
    let starts_at = parse_time(record.get("startsAt"))
        .or(updated_at)
        .unwrap_or_else(Timestamp::now);
    let ends_at = parse_time(record.get("endsAt"));
    let severity = labels
        .get("severity")
        .map_or(Severity::Other, |value| Severity::from_label(value));
    let summary = annotations
        .get("summary")
        .or_else(|| annotations.get("message"))
        .or_else(|| annotations.get("description"))
        .cloned()
        .unwrap_or_default();
    Some(Alert {
        fingerprint,
        name: labels.get("alertname").cloned().unwrap_or_default(),
        severity,
        state,
        summary,
        description: annotations.get("description").cloned().unwrap_or_default(),
        starts_at,
        ends_at,
        origin: AlertOrigin::Alertmanager(origin.to_string()),
        labels,
    })
}

/// A silence from one API record; `None` without an id or a usable start and end.
pub fn silence_from(record: serde_json::Value) -> Option<Silence> {
    let id = record.get("id")?.as_str()?.to_string();
    let starts_at = parse_time(record.get("startsAt"))?;
    let ends_at = parse_time(record.get("endsAt"))?;
    let state = match record
        .get("status")
        .and_then(|status| status.get("state"))
        .and_then(serde_json::Value::as_str)
    {
        Some("active") => SilenceState::Active,
        Some("pending") => SilenceState::Pending,
        _ => SilenceState::Expired,
    };
    let matchers = record
        .get("matchers")
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some(Matcher {
                        name: item.get("name")?.as_str()?.to_string(),
                        value: item.get("value")?.as_str()?.to_string(),
                        is_regex: item
                            .get("isRegex")
                            .and_then(serde_json::Value::as_bool)
                            .unwrap_or(false),
                        // Older servers leave it out; it then means "equal".
                        is_equal: item
                            .get("isEqual")
                            .and_then(serde_json::Value::as_bool)
                            .unwrap_or(true),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let text = |name: &str| {
        record
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Some(Silence {
        id,
        matchers,
        created_by: text("createdBy"),
        comment: text("comment"),
        starts_at,
        ends_at,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_state_maps_to_the_domain() {
        let base = |state: &str, silenced: &[&str], inhibited: &[&str]| {
            json!({
                "labels": {"alertname": "DBSessionsHigh", "severity": "critical"},
                "annotations": {"summary": "771 sessions"},
                "fingerprint": "abc",
                "startsAt": "2024-05-01T12:34:56.123456789Z",
                "endsAt": "2024-05-01T12:38:56Z",
                "updatedAt": "2024-05-01T12:34:56Z",
                "status": {"state": state, "silencedBy": silenced, "inhibitedBy": inhibited}
            })
        };
        let state = |record| alert_from(record, "am").map(|alert| alert.state);
        assert_eq!(state(base("active", &[], &[])), Some(AlertState::Active));
        assert_eq!(
            state(base("suppressed", &["s1"], &[])),
            Some(AlertState::Silenced(vec!["s1".into()]))
        );
        assert_eq!(
            state(base("suppressed", &[], &["f2"])),
            Some(AlertState::Inhibited(vec!["f2".into()]))
        );
        assert_eq!(
            state(base("unprocessed", &[], &[])),
            Some(AlertState::Unprocessed)
        );

        let Some(alert) = alert_from(base("active", &[], &[]), "am") else {
            panic!("the alert should parse")
        };
        assert_eq!(alert.name, "DBSessionsHigh");
        assert_eq!(alert.severity, Severity::Critical);
        assert_eq!(alert.summary, "771 sessions");
        assert_eq!(alert.origin, AlertOrigin::Alertmanager("am".into()));
        assert_eq!(alert.starts_at.subsec_nanosecond(), 123_456_789);
    }

    #[test]
    fn b17_zero_times_are_not_dates_and_odd_records_are_skipped() {
        let record = json!({
            "labels": {"alertname": "X"},
            "fingerprint": "f",
            "startsAt": "0001-01-01T00:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "updatedAt": "2024-05-01T12:34:56Z",
            "status": {"state": "active"}
        });
        let Some(alert) = alert_from(record, "am") else {
            panic!("the alert should parse")
        };
        assert_eq!(alert.ends_at, None);
        assert_eq!(alert.starts_at.to_string(), "2024-05-01T12:34:56Z");
        assert!(alert_from(json!({"labels": {}, "fingerprint": "f"}), "am").is_none());
        assert!(alert_from(json!("not an object"), "am").is_none());
    }

    #[test]
    fn silences_read_their_state_and_matchers() {
        let record = json!({
            "id": "8b3c", "status": {"state": "active"}, "comment": "db work",
            "createdBy": "ops", "startsAt": "2024-05-01T12:00:00Z", "endsAt": "2024-05-01T14:00:00Z",
            "matchers": [{"name": "alertname", "value": "DBSessionsHigh", "isRegex": false}]
        });
        let Some(silence) = silence_from(record) else {
            panic!("the silence should parse")
        };
        assert_eq!(silence.state, SilenceState::Active);
        assert_eq!(silence.matchers.len(), 1);
        assert!(silence.matchers[0].is_equal);
    }
}
