//! The PanDA server's API v1 (`/api/v1/...`): every answer is an envelope
//! `{"success": bool, "message": str, "data": ...}`; `success: false` is a failure in the
//! server's own words, whatever the HTTP status.
//!
//! The Tasks pane polls `task/get_tasks_detailed_info_since` after checking
//! `system/is_alive`, so a server that is up but unwell says so instead of timing out.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::bigpanda::{Parsed, tasks_from_value};
use super::fields::{find, text};
use super::http::{Endpoint, HttpError};
use crate::domain::Task;

/// The `data` of a successful envelope, or the server's message as the error.
pub fn open_envelope(endpoint: &str, body: &[u8]) -> Result<Value, HttpError> {
    let body_error = |reason: String| HttpError::Body {
        endpoint: endpoint.to_string(),
        reason,
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(body_error("the answer is empty".to_string()));
    }
    let value: Value = serde_json::from_str(&String::from_utf8_lossy(body)).map_err(|error| {
        body_error(if error.is_eof() {
            format!("the JSON breaks off (truncated answer?): {error}")
        } else {
            format!("not JSON: {error}")
        })
    })?;
    let Value::Object(mut object) = value else {
        return Err(body_error(
            "expected the {\"success\", \"message\", \"data\"} envelope".to_string(),
        ));
    };
    let success = match find(&object, &["success"]) {
        Some(Value::Bool(success)) => *success,
        Some(other) => {
            return Err(body_error(format!(
                "\"success\" is {other}, expected true or false"
            )));
        }
        None => {
            return Err(body_error(
                "no \"success\" in the answer (not a PanDA API v1 envelope)".to_string(),
            ));
        }
    };
    if !success {
        let message = find(&object, &["message"])
            .and_then(text)
            .filter(|message| !message.is_empty())
            .unwrap_or_else(|| "failed, without a message".to_string());
        return Err(HttpError::Refused {
            endpoint: endpoint.to_string(),
            message,
        });
    }
    Ok(object.remove("data").unwrap_or(Value::Null))
}

/// A PanDA server.
pub struct Panda {
    pub endpoint: Arc<Endpoint>,
    /// How far back tasks are asked for.
    pub days: u64,
    /// JSON filters for `get_tasks_detailed_info_since`, already checked to be an object.
    pub filter: Option<String>,
    pub limit: u64,
    /// Bytes of the answer being received (see [`super::bigpanda::counted_endpoint`]).
    pub received: Arc<std::sync::atomic::AtomicUsize>,
}

impl Panda {
    /// Fails unless the server answers that it is alive.
    pub async fn is_alive(&self) -> Result<(), HttpError> {
        const PATH: &str = "system/is_alive";
        let body = self.endpoint.get_bytes(PATH, &[]).await?;
        open_envelope(&self.endpoint.describe(PATH), &body).map(|_| ())
    }

    /// The tasks modified in the window, after checking the server is alive.
    pub async fn tasks(&self, now: Timestamp) -> Result<Parsed<Task>, HttpError> {
        const PATH: &str = "task/get_tasks_detailed_info_since";
        self.is_alive().await?;
        let mut query = vec![
            ("since", since(now, self.days)),
            ("n_tasks", self.limit.to_string()),
        ];
        if let Some(filter) = &self.filter {
            query.push(("filters", filter.clone()));
        }
        let body = self.endpoint.get_bytes(PATH, &query).await?;
        let endpoint = self.endpoint.describe(PATH);
        tokio::task::spawn_blocking(move || {
            let data = open_envelope(&endpoint, &body)?;
            tasks_from_value(data).map_err(|reason| HttpError::Body { endpoint, reason })
        })
        .await
        .map_err(|_| HttpError::Body {
            endpoint: self.endpoint.describe(PATH),
            reason: "reading the answer failed".to_string(),
        })?
    }
}

/// `since` as the server reads it: `%Y-%m-%d %H:%M:%S` in UTC.
pub fn since(now: Timestamp, days: u64) -> String {
    let hours = i64::try_from(days.saturating_mul(24)).unwrap_or(i64::MAX);
    let back = now
        .checked_sub(SignedDuration::from_hours(hours))
        .unwrap_or(Timestamp::UNIX_EPOCH);
    back.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Checks a filter from the configuration: empty, or a JSON object of field to text.
pub fn check_filter(filter: &str) -> Result<Option<String>, String> {
    if filter.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(filter) {
        Ok(Value::Object(fields)) if fields.values().all(Value::is_string) => {
            Ok(Some(Value::Object(fields).to_string()))
        }
        Ok(_) => Err(
            "task_filter must be a JSON object of field to text, such as {\"status\": \"running\"}"
                .to_string(),
        ),
        Err(error) => Err(format!("task_filter is not JSON: {error}")),
    }
}

/// The `Origin` header PanDA reads the VO and role from: `atlas` or `atlas:production`.
pub fn origin(vo: &str, role: &str) -> Option<String> {
    let vo = vo.trim();
    let role = role.trim();
    match (vo.is_empty(), role.is_empty()) {
        (true, _) => None,
        (false, true) => Some(vo.to_string()),
        (false, false) => Some(format!("{vo}:{role}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(body: &str) -> Result<Value, String> {
        open_envelope("panda (https://p/api/v1/x)", body.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn the_envelope_gives_its_data_or_the_servers_message() {
        assert_eq!(
            opened(r#"{"success": true, "message": "", "data": [1]}"#),
            Ok(serde_json::json!([1]))
        );
        assert_eq!(opened(r#"{"success": true}"#), Ok(Value::Null));
        assert_eq!(
            opened(
                r#"{"success": false, "message": "production or pilot role required", "data": null}"#
            ),
            Err(
                "panda (https://p/api/v1/x): the server says: production or pilot role required"
                    .to_string()
            )
        );
        assert_eq!(
            opened(r#"{"success": false, "message": ""}"#),
            Err(
                "panda (https://p/api/v1/x): the server says: failed, without a message"
                    .to_string()
            )
        );
        assert_eq!(
            opened(r#"{"success": "yes"}"#),
            Err(
                "panda (https://p/api/v1/x): \"success\" is \"yes\", expected true or false"
                    .to_string()
            )
        );
        assert_eq!(
            opened(r#"[1, 2]"#),
            Err("panda (https://p/api/v1/x): expected the {\"success\", \"message\", \"data\"} envelope".to_string())
        );
        assert_eq!(
            opened(""),
            Err("panda (https://p/api/v1/x): the answer is empty".to_string())
        );
        assert!(
            opened(r#"{"success": true, "da"#).is_err_and(|e| e.contains("the JSON breaks off"))
        );
    }

    #[test]
    fn since_is_in_the_servers_format_and_utc() {
        let now: Timestamp = "2026-12-04T09:30:15Z".parse().expect("a time");
        assert_eq!(since(now, 3), "2026-12-01 09:30:15");
    }

    #[test]
    fn filters_must_be_an_object_of_text() {
        assert_eq!(check_filter("  "), Ok(None));
        assert_eq!(
            check_filter(r#"{"status": "running|scouting"}"#),
            Ok(Some(r#"{"status":"running|scouting"}"#.to_string()))
        );
        assert!(check_filter(r#"{"status": 3}"#).is_err());
        assert!(
            check_filter("status=running").is_err_and(|e| e.starts_with("task_filter is not JSON"))
        );
    }

    #[test]
    fn origin_is_vo_then_role() {
        assert_eq!(origin("atlas", ""), Some("atlas".to_string()));
        assert_eq!(
            origin("atlas", "production"),
            Some("atlas:production".to_string())
        );
        assert_eq!(origin("", "production"), None);
    }
}
