//! Prometheus: named PromQL queries read with `/api/v1/query_range` become the Metrics pane's
//! series.
//!
//! The step is chosen from the time range and the number of points wanted (about the pane's
//! width), and never asks for more points than Prometheus serves in one answer. Sample values
//! arrive as strings; `NaN`, `+Inf` and `-Inf` are kept as such, and a sample missing from the
//! step grid is a `NaN` gap. A failing query is reported with the server's own error text. This
//! module never decides how a value is drawn.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use crate::domain::Series;

use super::http::{Endpoint, HttpError};

/// Prometheus refuses a range query of more than this many points per series.
pub const MAX_POINTS: u64 = 11_000;

/// One configured query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Short identifier, part of each series id.
    pub name: String,
    /// What the pane shows as the series' title.
    pub title: String,
    pub promql: String,
    pub unit: String,
}

/// A Prometheus server and what to ask it.
#[derive(Debug, Clone)]
pub struct Prometheus {
    pub endpoint: Arc<Endpoint>,
    pub queries: Vec<Query>,
    /// How far back each series reaches.
    pub range: Duration,
    /// How many points each series should have, about the pane's width in cells.
    pub points: u32,
    /// The Metrics pane's width in cells once the app has told it (0 until then); when known
    /// and narrower than `points`, series get that many points instead.
    pub pane_width: Arc<AtomicU32>,
    /// Each query's last good series, shown again while that query alone fails.
    pub last_good: Arc<Mutex<BTreeMap<String, Vec<Series>>>>,
}

/// What one poll of every query gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub series: Vec<Series>,
    /// `query "name": why`, one per query the server refused; their last good series are kept
    /// in `series`.
    pub failed: Vec<String>,
}

impl Fetched {
    /// A note for the pane title when some queries failed.
    pub fn note(&self, queries: usize) -> Option<String> {
        let first = self.failed.first()?;
        Some(format!(
            "{} of {queries} queries failed, last values kept ({first})",
            self.failed.len()
        ))
    }
}

/// Whether an error concerns one query (the server refused or could not run it, or its answer
/// was odd) rather than the server: the other queries are still worth asking.
fn is_query_error(error: &HttpError) -> bool {
    match error {
        HttpError::Status { status, .. } => matches!(status, 400 | 422),
        HttpError::Body { .. } | HttpError::Refused { .. } => true,
        _ => false,
    }
}

/// The step, in whole seconds, for `range` drawn in `points` points: at least one second,
/// and coarse enough that `range / step + 1` stays within [`MAX_POINTS`].
pub fn step_secs(range: Duration, points: u32) -> u64 {
    let range_secs = range.as_secs().max(1);
    let wanted = u64::from(points.max(1));
    let step = range_secs.div_ceil(wanted).max(1);
    let least = range_secs.div_ceil(MAX_POINTS - 1).max(1);
    step.max(least)
}

impl Prometheus {
    /// Every query over the range ending now. A query the server refuses keeps its last good
    /// series and is named in [`Fetched::failed`]; the fetch fails when the server itself does
    /// (unreachable, timing out, refusing the token, erring) or when every query fails.
    pub async fn fetch(&self) -> Result<Fetched, HttpError> {
        let end_secs = Timestamp::now().as_second();
        self.fetch_ending_at(end_secs).await
    }

    /// Every query over the range ending at `end_secs` (Unix seconds, aligned to the step so
    /// successive polls share their grid).
    pub async fn fetch_ending_at(&self, end_secs: i64) -> Result<Fetched, HttpError> {
        let width = self.pane_width.load(Ordering::Relaxed);
        let points = if width == 0 {
            self.points
        } else {
            self.points.min(width)
        };
        let step = step_secs(self.range, points);
        let step_i = i64::try_from(step).unwrap_or(i64::MAX);
        let end = end_secs - end_secs.rem_euclid(step_i);
        let span = i64::try_from(self.range.as_secs()).unwrap_or(i64::MAX);
        let start = end.saturating_sub(span);

        let mut fetched = Fetched {
            series: Vec::new(),
            failed: Vec::new(),
        };
        let mut first_error = None;
        for query in &self.queries {
            let parameters = [
                ("query", query.promql.clone()),
                ("start", start.to_string()),
                ("end", end.to_string()),
                ("step", format!("{step}s")),
            ];
            let answer = self
                .endpoint
                .get_json::<Answer>("api/v1/query_range", &parameters)
                .await
                .map_err(|error| error.about(&format!("query \"{}\"", query.name)))
                .and_then(|answer| {
                    answer.into_matrix().map_err(|reason| HttpError::Body {
                        endpoint: format!("{} query \"{}\"", self.endpoint.name(), query.name),
                        reason,
                    })
                });
            match answer {
                Ok(matrix) => {
                    let series = to_series(query, matrix, start, end, step_i);
                    if let Ok(mut last) = self.last_good.lock() {
                        last.insert(query.name.clone(), series.clone());
                    }
                    fetched.series.extend(series);
                }
                Err(error) if is_query_error(&error) => {
                    fetched
                        .failed
                        .push(format!("query \"{}\": {}", query.name, error.reason()));
                    if let Ok(last) = self.last_good.lock()
                        && let Some(series) = last.get(&query.name)
                    {
                        fetched.series.extend(series.iter().cloned());
                    }
                    first_error.get_or_insert(error);
                }
                Err(error) => return Err(error),
            }
        }
        match first_error {
            Some(error) if fetched.failed.len() == self.queries.len() => Err(error),
            _ => Ok(fetched),
        }
    }
}

/// The envelope of every Prometheus API answer.
#[derive(Debug, Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(default)]
    result: Vec<serde_json::Value>,
}

/// One series of a matrix as it arrived: labels and `[time, "value"]` pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSeries {
    pub labels: BTreeMap<String, String>,
    pub samples: Vec<(f64, f64)>,
}

impl Answer {
    fn into_matrix(self) -> Result<Vec<RawSeries>, String> {
        if self.status != "success" {
            let kind = self.error_type.unwrap_or_else(|| "error".into());
            let text = self.error.unwrap_or_default();
            return Err(format!("Prometheus says {kind}: {text}"));
        }
        let Some(data) = self.data else {
            return Err("the answer has no data".into());
        };
        if data.result_type != "matrix" {
            return Err(format!("expected a matrix, got \"{}\"", data.result_type));
        }
        Ok(data.result.iter().filter_map(raw_series).collect())
    }
}

/// A series from its JSON; one with no usable labels object is skipped, a sample that cannot
/// be read becomes a gap.
fn raw_series(value: &serde_json::Value) -> Option<RawSeries> {
    let labels = super::alertmanager::text_map(value.get("metric"));
    let samples = value
        .get("values")
        .and_then(serde_json::Value::as_array)?
        .iter()
        .filter_map(|pair| {
            let pair = pair.as_array()?;
            let time = pair.first()?.as_f64()?;
            Some((time, sample_value(pair.get(1)?)))
        })
        .collect();
    Some(RawSeries { labels, samples })
}

/// A sample value: a string such as `"1.5"`, `"NaN"`, `"+Inf"` or `"-Inf"`; anything else is
/// a gap.
pub fn sample_value(value: &serde_json::Value) -> f64 {
    match value {
        serde_json::Value::String(text) => text.trim().parse::<f64>().unwrap_or(f64::NAN),
        serde_json::Value::Number(number) => number.as_f64().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// Lays each series on the step grid from `start` to `end`; missing samples are `NaN`.
fn to_series(
    query: &Query,
    matrix: Vec<RawSeries>,
    start: i64,
    end: i64,
    step: i64,
) -> Vec<Series> {
    let several = matrix.len() > 1;
    matrix
        .into_iter()
        .map(|raw| {
            let by_time: BTreeMap<i64, f64> = raw
                .samples
                .iter()
                .map(|(time, value)| (time.round() as i64, *value))
                .collect();
            let mut times = Vec::new();
            let mut values = Vec::new();
            let mut at = start;
            while at <= end {
                if let Ok(time) = Timestamp::from_second(at) {
                    times.push(time);
                    values.push(by_time.get(&at).copied().unwrap_or(f64::NAN));
                }
                at = at.saturating_add(step.max(1));
            }
            let shown_labels = label_text(&raw.labels);
            let (id, title) = if several || !shown_labels.is_empty() {
                (
                    format!("{}{{{shown_labels}}}", query.name),
                    if several {
                        format!("{} {shown_labels}", query.title)
                    } else {
                        query.title.clone()
                    },
                )
            } else {
                (query.name.clone(), query.title.clone())
            };
            Series {
                id,
                title,
                unit: query.unit.clone(),
                times,
                values,
            }
        })
        .collect()
}

/// The labels that tell series apart, without `__name__`: `job=x,instance=y`.
fn label_text(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .filter(|(key, _)| key.as_str() != "__name__")
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_follows_range_and_width_and_stays_under_the_limit() {
        assert_eq!(step_secs(Duration::from_secs(7200), 120), 60);
        assert_eq!(step_secs(Duration::from_secs(7200), 240), 30);
        assert_eq!(step_secs(Duration::from_secs(60), 1000), 1);
        // A year at 100,000 points would be over the limit.
        let year = Duration::from_secs(365 * 86_400);
        let step = step_secs(year, 100_000);
        assert!(year.as_secs() / step < MAX_POINTS, "{step}");
    }

    #[test]
    fn b20_nan_and_infinities_are_kept_and_the_grid_has_gaps() -> Result<(), String> {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"site":"SITE_X"},"values":[[1714557600,"1"],[1714557660,"2"],[1714557720,"NaN"],[1714557780,"+Inf"],[1714557840,"-Inf"],[1714557900,"3.5e2"]]}]}}"#;
        let answer: Answer = serde_json::from_str(body).map_err(|e| e.to_string())?;
        let matrix = answer.into_matrix()?;
        let query = Query {
            name: "q".into(),
            title: "Q".into(),
            promql: "x".into(),
            unit: "".into(),
        };
        let series = to_series(&query, matrix, 1714557600, 1714558020, 60);
        assert_eq!(series.len(), 1);
        let values = &series[0].values;
        assert_eq!(values.len(), 8);
        assert_eq!(values[0], 1.0);
        assert_eq!(values[1], 2.0);
        assert!(values[2].is_nan());
        assert_eq!(values[3], f64::INFINITY);
        assert_eq!(values[4], f64::NEG_INFINITY);
        assert_eq!(values[5], 350.0);
        assert!(
            values[6].is_nan() && values[7].is_nan(),
            "missing samples are gaps"
        );
        assert_eq!(series[0].id, "q{site=SITE_X}");
        Ok(())
    }

    #[test]
    fn an_error_answer_gives_the_servers_text() {
        let body =
            r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#;
        let answer: Result<Answer, _> = serde_json::from_str(body);
        let Ok(answer) = answer else {
            panic!("the envelope should decode")
        };
        assert_eq!(
            answer.into_matrix(),
            Err("Prometheus says bad_data: 1:5: parse error: unexpected".into())
        );
    }

    #[test]
    fn odd_samples_are_gaps_not_failures() {
        assert!(sample_value(&serde_json::json!("garbage")).is_nan());
        assert!(sample_value(&serde_json::json!(null)).is_nan());
        assert_eq!(sample_value(&serde_json::json!(" 4 ")), 4.0);
    }
}
