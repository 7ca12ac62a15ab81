//! Reading fields of JSON records as PanDA's services write them: keys in any case (BigPanDA
//! writes `jeditaskid`, the PanDA server `jediTaskID`), numbers that may arrive as strings, and
//! nulls where a value is missing.

use jiff::Timestamp;
use serde_json::{Map, Value};

/// The value of the first of `keys` the record has (ignoring ASCII case) that is not null.
pub fn find<'a>(record: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|key| {
        record
            .iter()
            .find(|(name, value)| name.eq_ignore_ascii_case(key) && !value.is_null())
            .map(|(_, value)| value)
    })
}

/// A number, or a string holding one ("NaN" and "inf" included, for validation to flag).
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        Value::Bool(_) | Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A whole number of at least zero: `12`, `12.0` or `"12"`; anything else is `None`.
pub fn count(value: &Value) -> Option<u64> {
    if let Some(whole) = value.as_u64() {
        return Some(whole);
    }
    let float = number(value)?;
    // Past 2^53 a float no longer holds every whole number; such counts are not real anyway.
    (float.is_finite() && float >= 0.0 && float.fract() == 0.0 && float < 9.0e15)
        .then_some(float as u64)
}

/// Text, trimmed; a number is written as text.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A time: RFC 3339, or BigPanDA's `2025-03-01T12:00:00` / `2025-03-01 12:00:00` without a
/// zone, which is UTC; a number is seconds since 1970.
pub fn time(value: &Value) -> Option<Timestamp> {
    if let Value::Number(number) = value {
        let seconds = number.as_f64()?;
        return (seconds.is_finite() && seconds.abs() < 1.0e11)
            .then(|| Timestamp::from_second(seconds as i64).ok())
            .flatten();
    }
    let raw = text(value)?;
    if let Ok(at) = raw.parse::<Timestamp>() {
        return Some(at);
    }
    let civil = raw.replace(' ', "T");
    civil
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|at| at.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|zoned| zoned.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn keys_in_any_case_and_nulls_skipped() {
        let task = record(json!({"jediTaskID": 7, "TaskName": null, "taskname": "t"}));
        assert_eq!(find(&task, &["jeditaskid"]), Some(&json!(7)));
        assert_eq!(
            find(&task, &["taskname"]).and_then(text).as_deref(),
            Some("t")
        );
        assert_eq!(find(&task, &["missing", "jeditaskid"]), Some(&json!(7)));
    }

    #[test]
    fn counts_accept_whole_numbers_in_any_form_only() {
        assert_eq!(count(&json!(12)), Some(12));
        assert_eq!(count(&json!(12.0)), Some(12));
        assert_eq!(count(&json!(" 12 ")), Some(12));
        assert_eq!(count(&json!(-1)), None);
        assert_eq!(count(&json!(1.5)), None);
        assert_eq!(count(&json!("NaN")), None);
        assert_eq!(count(&json!(true)), None);
        assert_eq!(number(&json!("inf")), Some(f64::INFINITY));
    }

    #[test]
    fn times_with_and_without_a_zone() {
        let utc = "2025-03-01T12:00:00Z".parse::<Timestamp>().ok();
        assert_eq!(time(&json!("2025-03-01T12:00:00+00:00")), utc);
        assert_eq!(time(&json!("2025-03-01 12:00:00")), utc);
        assert_eq!(time(&json!("2025-03-01T12:00:00")), utc);
        assert_eq!(time(&json!(1_740_830_400)), utc);
        assert_eq!(time(&json!("yesterday")), None);
    }
}
