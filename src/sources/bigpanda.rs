//! BigPanDA, the PanDA monitor: tasks from `/tasks/?json` and failed or holding jobs from
//! `/jobs/?json`, read tolerantly.
//!
//! Records are read one by one: numbers may come as strings, fields may be null, missing, in
//! another case (the PanDA server's `jediTaskID`) or unknown. A record that cannot give a task is
//! skipped and counted, and the others are kept. The same readers serve saved answers (the file
//! source) and the PanDA server's task dictionaries.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};

use super::fields::{count, find, number, text, time};
use super::http::{Endpoint, HttpError};
use crate::domain::{Task, TaskStatus};
use crate::triage::extract::{self, Extracted};

/// The job fields the Triage pane reads; BigPanDA sends only these (`fields=`), which keeps
/// an answer of thousands of jobs small.
pub const JOB_FIELDS: &str = "pandaid,jobstatus,jeditaskid,computingsite,produsername,\
modificationtime,statechangetime,endtime,creationtime,piloterrorcode,piloterrordiag,\
exeerrorcode,exeerrordiag,ddmerrorcode,ddmerrordiag,brokerageerrorcode,brokerageerrordiag,\
jobdispatchererrorcode,jobdispatchererrordiag,taskbuffererrorcode,taskbuffererrordiag,\
superrorcode,superrordiag,transexitcode";

/// Records read from an answer, with those that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub items: Vec<T>,
    /// `record N: why`, counting from 1, one per record skipped.
    pub skipped: Vec<String>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            items: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

impl<T> Parsed<T> {
    /// A note for the pane title when records were skipped: how many, and the first reason.
    pub fn note(&self) -> Option<String> {
        skipped_note(self.skipped.len(), self.items.len(), self.skipped.first())
    }
}

/// "2 of 500 records skipped (record 4: no jeditaskid)", or nothing when none was.
pub fn skipped_note(skipped: usize, kept: usize, first: Option<&String>) -> Option<String> {
    (skipped > 0).then(|| {
        let total = skipped + kept;
        let first = first.map(|why| format!(" ({why})")).unwrap_or_default();
        let noun = if total == 1 { "record" } else { "records" };
        format!("{skipped} of {total} {noun} skipped{first}")
    })
}

/// The tasks of an answer: BigPanDA's `/tasks/?json` array, an object holding `tasks` or
/// `task` (the `/task/<id>/?json` view), or a PanDA API envelope whose `data` is a list of task
/// dictionaries or a dictionary of them by id.
pub fn tasks_from_json(bytes: &[u8]) -> Result<Parsed<Task>, String> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
    match first {
        None => return Err("the answer is empty".to_string()),
        Some(b'<') => return Err("expected JSON, found an HTML page".to_string()),
        Some(_) => {}
    }
    // A byte that is not UTF-8 (a Latin-1 name, say) costs its character, not the whole list.
    let text = String::from_utf8_lossy(bytes);
    let value: Value = serde_json::from_str(&text).map_err(|error| {
        if error.is_eof() {
            format!("the JSON breaks off (truncated answer?): {error}")
        } else {
            format!("not JSON: {error}")
        }
    })?;
    tasks_from_value(value)
}

/// [`tasks_from_json`] on a value already parsed.
pub fn tasks_from_value(value: Value) -> Result<Parsed<Task>, String> {
    let records: Vec<Value> = match value {
        Value::Array(records) => records,
        Value::Object(mut object) => {
            let key = ["tasks", "data", "task"]
                .into_iter()
                .find_map(|wanted| {
                    object
                        .keys()
                        .find(|key| key.eq_ignore_ascii_case(wanted))
                        .cloned()
                })
                .ok_or("a JSON object with neither \"tasks\", \"task\" nor \"data\"")?;
            match object.remove(&key) {
                Some(Value::Array(records)) => records,
                // `/task/<id>/?json` holds one task; the PanDA server may key tasks by id.
                Some(Value::Object(inner)) if looks_like_task(&inner) => {
                    vec![Value::Object(inner)]
                }
                Some(Value::Object(by_id)) => by_id.into_iter().map(|(_, task)| task).collect(),
                Some(Value::Null) | None => Vec::new(),
                Some(_) => return Err(format!("\"{key}\" is neither a list nor an object")),
            }
        }
        _ => return Err("expected a JSON array of tasks or an object holding them".to_string()),
    };
    let mut parsed = Parsed::default();
    for (index, record) in records.iter().enumerate() {
        let task = match record {
            Value::Object(record) => task_from(record),
            _ => Err("not a JSON object".to_string()),
        };
        match task {
            Ok(task) => parsed.items.push(task),
            Err(why) => parsed.skipped.push(format!("record {}: {why}", index + 1)),
        }
    }
    Ok(parsed)
}

fn looks_like_task(object: &Map<String, Value>) -> bool {
    find(object, &["jeditaskid"]).is_some()
}

/// One task record, as BigPanDA or the PanDA server writes it. Units are turned into the
/// console's: RAM in MB per core, CPU time in HS06·s per event. A zero RAM or CPU time is
/// PanDA's "not set" and becomes `None`.
pub fn task_from(record: &Map<String, Value>) -> Result<Task, String> {
    let jeditaskid = match find(record, &["jeditaskid", "taskid"]) {
        None => return Err("no jeditaskid".to_string()),
        Some(value) => count(value)
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("jeditaskid {} is not a task id", short(value)))?,
    };
    let words = |keys: &[&str]| find(record, keys).and_then(text).unwrap_or_default();
    let value = |keys: &[&str]| {
        find(record, keys)
            .and_then(number)
            .filter(|v| v.is_finite())
    };
    let whole = |keys: &[&str]| find(record, keys).and_then(count);
    let dsinfo = find(record, &["dsinfo"]).and_then(Value::as_object);
    let from_dsinfo = |key: &str| dsinfo.and_then(|info| find(info, &[key])).and_then(count);

    let corecount = whole(&["corecount"])
        .filter(|cores| *cores >= 1)
        .and_then(|cores| u32::try_from(cores).ok());
    let ram = value(&["ramcount"]).filter(|ram| *ram > 0.0).map(|ram| {
        // A RAM count in MB is for the whole job; "MBPerCore" and "MBPerCoreFixed" are not.
        if words(&["ramunit"]).eq_ignore_ascii_case("MB") {
            ram / f64::from(corecount.unwrap_or(1))
        } else {
            ram
        }
    });
    let cputime = value(&["cputime"]).filter(|cpu| *cpu > 0.0).map(|cpu| {
        if words(&["cputimeunit"]).starts_with('m') {
            cpu / 1000.0
        } else {
            cpu
        }
    });
    let datasets = find(record, &["datasets"])
        .and_then(Value::as_array)
        .map(|datasets| {
            datasets
                .iter()
                .filter(|dataset| {
                    dataset
                        .as_object()
                        .and_then(|dataset| find(dataset, &["type"]))
                        .and_then(Value::as_str)
                        .is_some_and(|kind| kind == "input")
                })
                .count()
        })
        .filter(|inputs| *inputs > 0)
        .and_then(|inputs| u32::try_from(inputs).ok());

    Ok(Task {
        jeditaskid,
        taskname: words(&["taskname"]),
        status: TaskStatus::parse(&words(&["status", "superstatus"])),
        username: words(&["username", "owner"]),
        prodsourcelabel: words(&["prodsourcelabel"]),
        processingtype: words(&["processingtype"]),
        transhome: words(&["transhome"]),
        corecount,
        n_files: whole(&["nfiles", "total_nfiles", "totalnfiles"]).or(from_dsinfo("nfiles")),
        n_files_finished: whole(&["nfilesfinished"]).or(from_dsinfo("nfilesfinished")),
        n_files_failed: whole(&["nfilesfailed"]).or(from_dsinfo("nfilesfailed")),
        total_events: whole(&["neventstot", "totev", "total_nevents"])
            .or(from_dsinfo("neventsTot")),
        dataset_count: whole(&["distinct_datasetname_count", "dataset_count", "ndatasets"])
            .and_then(|n| u32::try_from(n).ok())
            .or(datasets),
        ramcount_mb_per_core: ram,
        cputime_hs06s_per_event: cputime,
        cpu_efficiency_pct: value(&["cpuefficiency"]).filter(|eff| *eff > 0.0),
        io_intensity_kb_per_s: value(&["iointensity"]).filter(|io| *io > 0.0),
        creation_time: find(record, &["creationdate", "creationtime"]).and_then(time),
        start_time: find(record, &["starttime"]).and_then(time),
        end_time: find(record, &["endtime"]).and_then(time),
        modification_time: find(record, &["modificationtime", "statechangetime"]).and_then(time),
        error_dialog: words(&["errordialog"]),
        site: words(&["site", "nucleus", "cloud"]),
    })
}

/// A value as an error message quotes it: short, and never a whole object.
fn short(value: &Value) -> String {
    let shown = match value {
        Value::Object(_) => "an object".to_string(),
        Value::Array(_) => "a list".to_string(),
        other => other.to_string(),
    };
    crate::ui::text::truncate(&shown, 40).into_owned()
}

/// Tasks put together from several answers: one per task id, the most recently modified.
pub fn merge_tasks<'a>(lists: impl IntoIterator<Item = &'a [Task]>) -> Vec<Task> {
    let mut by_id: std::collections::BTreeMap<u64, &Task> = std::collections::BTreeMap::new();
    for task in lists.into_iter().flatten() {
        by_id
            .entry(task.jeditaskid)
            .and_modify(|kept| {
                if task.modification_time > kept.modification_time {
                    *kept = task;
                }
            })
            .or_insert(task);
    }
    by_id.into_values().cloned().collect()
}

/// A BigPanDA monitor.
pub struct Bigpanda {
    pub endpoint: Arc<Endpoint>,
    /// Query pairs of `/tasks/` besides `json`: the window, the limit and the filters.
    pub task_query: Vec<(String, String)>,
    /// Query pairs of `/jobs/` besides `json`.
    pub job_query: Vec<(String, String)>,
    /// Bytes of the answer being received, when the endpoint reports them (see
    /// [`counted_endpoint`]).
    pub received: Arc<AtomicUsize>,
    /// Details read from `/task/<id>/?json` so far, by task id; `None` when the read failed
    /// (not asked again).
    details: Mutex<HashMap<u64, Option<Detail>>>,
    /// The most jobs one `/jobs/` answer holds, to tell a full answer from a complete one.
    job_limit: u64,
}

/// Tasks whose details are read in one poll, at most, and for at most this long: with the
/// default refresh of 5 minutes that is 240 requests an hour, well inside BigPanDA's 1000.
pub const DETAILS_PER_POLL: usize = 20;
const DETAILS_TIME: Duration = Duration::from_secs(5);

/// What a task list leaves out and the model reads: from `/task/<id>/?json`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Detail {
    /// Distinct input datasets.
    pub dataset_count: Option<u32>,
    pub total_events: Option<u64>,
}

/// The details of one `/task/<id>/?json` answer: `{"task": {...}, "datasets": [...]}`.
pub fn detail_from_json(bytes: &[u8]) -> Result<Detail, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|error| format!("not JSON: {error}"))?;
    let Value::Object(answer) = value else {
        return Err("expected an object with \"task\" and \"datasets\"".to_string());
    };
    let task = find(&answer, &["task"]).and_then(Value::as_object);
    let inputs: Vec<&Map<String, Value>> = find(&answer, &["datasets"])
        .and_then(Value::as_array)
        .map(|datasets| {
            datasets
                .iter()
                .filter_map(Value::as_object)
                .filter(|dataset| find(dataset, &["type"]).and_then(Value::as_str) == Some("input"))
                .collect()
        })
        .unwrap_or_default();
    if task.is_none() && inputs.is_empty() {
        return Err("neither \"task\" nor input \"datasets\" in the answer".to_string());
    }
    let mut names: Vec<String> = inputs
        .iter()
        .filter_map(|dataset| find(dataset, &["datasetname"]).and_then(text))
        .collect();
    names.sort();
    names.dedup();
    let dataset_count = match (names.len(), inputs.len()) {
        (0, 0) => None,
        (0, unnamed) => u32::try_from(unnamed).ok(),
        (named, _) => u32::try_from(named).ok(),
    };
    let from_task = task.and_then(|task| find(task, &["totev", "neventstot"]).and_then(count));
    let from_datasets = inputs
        .iter()
        .map(|dataset| find(dataset, &["nevents"]).and_then(count))
        .sum::<Option<u64>>()
        .filter(|events| *events > 0);
    Ok(Detail {
        dataset_count,
        total_events: from_task.filter(|events| *events > 0).or(from_datasets),
    })
}

/// The number of failed and holding jobs an `/errors/?json&fields=jobSummary` answer counts.
pub fn jobs_counted(bytes: &[u8]) -> Option<u64> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let summary = value
        .as_object()
        .and_then(|answer| find(answer, &["jobSummary"]))?;
    summary
        .as_array()?
        .iter()
        .filter_map(Value::as_object)
        .find(|field| find(field, &["field"]).and_then(Value::as_str) == Some("jobstatus"))
        .and_then(|field| find(field, &["list"]))
        .and_then(Value::as_array)
        .map(|states| {
            states
                .iter()
                .filter_map(Value::as_object)
                .filter(|state| {
                    matches!(
                        find(state, &["kname"]).and_then(Value::as_str),
                        Some("failed" | "holding")
                    )
                })
                .filter_map(|state| find(state, &["kvalue"]).and_then(count))
                .sum()
        })
}

/// An endpoint that stores in the returned counter how much of the current answer has arrived.
pub fn counted_endpoint(endpoint: Endpoint) -> (Endpoint, Arc<AtomicUsize>) {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&received);
    let endpoint = endpoint.with_progress(Box::new(move |bytes, _| {
        counter.store(bytes, Ordering::Relaxed);
    }));
    (endpoint, received)
}

impl Bigpanda {
    /// Query pairs for a source's settings. `task_filter` and `job_filter` are query strings;
    /// a pair in them replaces the default of the same name.
    pub fn new(
        endpoint: Arc<Endpoint>,
        task_days: u64,
        task_filter: &str,
        job_hours: u64,
        job_filter: &str,
        limit: u64,
    ) -> Bigpanda {
        let task_query = with_filter(
            vec![
                ("days".to_string(), task_days.to_string()),
                ("limit".to_string(), limit.to_string()),
            ],
            task_filter,
        );
        let job_query = with_filter(
            vec![
                ("jobstatus".to_string(), "failed|holding".to_string()),
                ("hours".to_string(), job_hours.to_string()),
                ("limit".to_string(), limit.to_string()),
                ("fields".to_string(), JOB_FIELDS.to_string()),
                ("outputs".to_string(), "jobs".to_string()),
            ],
            job_filter,
        );
        Bigpanda {
            endpoint,
            task_query,
            job_query,
            received: Arc::new(AtomicUsize::new(0)),
            details: Mutex::new(HashMap::new()),
            job_limit: limit,
        }
    }

    /// The tasks of the window. Parsing runs on a blocking thread: an answer may hold
    /// thousands of tasks.
    pub async fn tasks(&self) -> Result<Parsed<Task>, HttpError> {
        let body = self
            .endpoint
            .get_bytes("tasks/", &query_of(&self.task_query))
            .await?;
        let endpoint = self.endpoint.describe("tasks/");
        let parsed = tokio::task::spawn_blocking(move || tasks_from_json(&body))
            .await
            .map_err(|_| HttpError::Body {
                endpoint: endpoint.clone(),
                reason: "reading the answer failed".to_string(),
            })?;
        let mut parsed = parsed.map_err(|reason| HttpError::Body { endpoint, reason })?;
        self.read_details(&parsed.items).await;
        self.add_details(&mut parsed.items);
        Ok(parsed)
    }

    /// Reads `/task/<id>/?json` for the newest tasks that lack a dataset count or an event
    /// count (what the model reads), a few per poll; a refusal of the server ends the round.
    async fn read_details(&self, tasks: &[Task]) {
        let mut wanted: Vec<&Task> = {
            let Ok(known) = self.details.lock() else {
                return;
            };
            tasks
                .iter()
                .filter(|task| task.dataset_count.is_none() || task.total_events.is_none())
                .filter(|task| !task.status.is_final())
                .filter(|task| !known.contains_key(&task.jeditaskid))
                .collect()
        };
        wanted.sort_by_key(|task| std::cmp::Reverse(task.creation_time));
        let started = std::time::Instant::now();
        for task in wanted.into_iter().take(DETAILS_PER_POLL) {
            if started.elapsed() > DETAILS_TIME {
                break;
            }
            let path = format!("task/{}/", task.jeditaskid);
            let detail = match self.endpoint.get_bytes(&path, &query_of(&[])).await {
                Ok(body) => detail_from_json(&body).ok(),
                // This task alone is gone: not asked again.
                Err(error) if error.status() == Some(404) => None,
                // Rate-limited, failing or unreachable: ask again next poll.
                Err(_) => break,
            };
            if let Ok(mut known) = self.details.lock() {
                known.insert(task.jeditaskid, detail);
            }
        }
    }

    /// Fills what the task list left out from the details read so far.
    fn add_details(&self, tasks: &mut [Task]) {
        let Ok(known) = self.details.lock() else {
            return;
        };
        for task in tasks {
            if let Some(Some(detail)) = known.get(&task.jeditaskid) {
                task.dataset_count = task.dataset_count.or(detail.dataset_count);
                task.total_events = task.total_events.or(detail.total_events);
            }
        }
    }

    /// The failed and holding jobs of the window, with their errors; when the answer is full
    /// (as many records as the limit), how many `/errors/` counts in the window.
    pub async fn failed_jobs(&self) -> Result<JobsRead, HttpError> {
        let body = self
            .endpoint
            .get_bytes("jobs/", &query_of(&self.job_query))
            .await?;
        let endpoint = self.endpoint.describe("jobs/");
        let extracted = tokio::task::spawn_blocking(move || extract::jobs_from_json(&body))
            .await
            .map_err(|_| HttpError::Body {
                endpoint: endpoint.clone(),
                reason: "reading the answer failed".to_string(),
            })?;
        // An answer that breaks off before any job is an error; one that breaks off later keeps
        // what was read, and says so.
        if let Some(why) = &extracted.broken
            && extracted.jobs.is_empty()
            && extracted.skipped.is_empty()
        {
            return Err(HttpError::Body {
                endpoint,
                reason: why.clone(),
            });
        }
        let records = extracted.jobs.len() + extracted.ignored + extracted.skipped.len();
        let mut total = None;
        if records as u64 >= self.job_limit {
            // A full answer: the error summary counts every job of the window.
            let mut query: Vec<(String, String)> = self
                .job_query
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "fields" | "outputs" | "limit"))
                .cloned()
                .collect();
            query.push(("fields".to_string(), "jobSummary".to_string()));
            if let Ok(body) = self.endpoint.get_bytes("errors/", &query_of(&query)).await {
                total = jobs_counted(&body);
            }
        }
        Ok(JobsRead {
            extracted,
            total,
            limit: self.job_limit,
        })
    }
}

/// Jobs read from `/jobs/`, and how many the window holds when the answer was cut at the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct JobsRead {
    pub extracted: Extracted,
    /// Failed and holding jobs in the window, from `/errors/`, when the answer was full.
    pub total: Option<u64>,
    pub limit: u64,
}

impl JobsRead {
    /// The title note: what was skipped, and how much of the window is shown.
    pub fn note(&self) -> Option<String> {
        let cut = self.total.filter(|total| *total > self.limit).map(|total| {
            format!(
                "showing {} of {total} failed and holding jobs (limit {}; narrow job_filter or \
                 raise limit)",
                self.extracted.jobs.len(),
                self.limit
            )
        });
        match (cut, jobs_note(&self.extracted)) {
            (Some(cut), Some(note)) => Some(format!("{cut}; {note}")),
            (cut, note) => cut.or(note),
        }
    }
}

/// A note for the Triage pane's title from what job reading left out.
pub fn jobs_note(extracted: &Extracted) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(note) = skipped_note(
        extracted.skipped.len(),
        extracted.jobs.len() + extracted.ignored,
        extracted.skipped.first(),
    ) {
        parts.push(note);
    }
    if let Some(why) = &extracted.broken {
        parts.push(format!("answer incomplete: {why}"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// `defaults` with the pairs of a query string added; a pair replaces a default of its name.
fn with_filter(mut pairs: Vec<(String, String)>, filter: &str) -> Vec<(String, String)> {
    let filter = filter.trim().trim_start_matches('?');
    let added: Vec<(String, String)> = reqwest::Url::parse(&format!("http://x/?{filter}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default();
    for (key, value) in added {
        if key.is_empty() || key == "json" {
            continue;
        }
        pairs.retain(|(kept, _)| *kept != key);
        pairs.push((key, value));
    }
    pairs
}

fn query_of(pairs: &[(String, String)]) -> Vec<(&str, String)> {
    std::iter::once(("json", String::new()))
        .chain(
            pairs
                .iter()
                .map(|(key, value)| (key.as_str(), value.clone())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(record: Value) -> Result<Task, String> {
        match record {
            Value::Object(record) => task_from(&record),
            _ => Err("not an object".to_string()),
        }
    }

    #[test]
    fn a_bigpanda_task_in_its_own_words() {
        let task = one(json!({
            "jeditaskid": 41_234_567, "taskname": "mc23_13p6TeV.601229.simul", "status": "running",
            "username": "prodsys", "prodsourcelabel": "managed", "processingtype": "simul",
            "transhome": "AthSimulation-23.0.50", "corecount": 8, "ramcount": 16000,
            "ramunit": "MB", "cputime": "3500", "cputimeunit": "mHS06sPerEvent",
            "cpuefficiency": 85, "iointensity": null, "errordialog": "",
            "creationdate": "2026-11-30T10:00:00", "modificationtime": "2026-12-01 08:30:00",
            "site": null, "nucleus": "CERN-PROD",
            "dsinfo": {"nfiles": 200, "nfilesfinished": "150", "nfilesfailed": 3,
                       "neventsTot": 2_000_000},
            "unknown_new_field": {"nested": true}
        }))
        .expect("a task");
        assert_eq!(task.jeditaskid, 41_234_567);
        assert_eq!(task.status, TaskStatus::Running);
        assert_eq!(task.corecount, Some(8));
        // 16000 MB for eight cores is 2000 MB per core; 3500 mHS06s is 3.5 HS06s.
        assert_eq!(task.ramcount_mb_per_core, Some(2000.0));
        assert_eq!(task.cputime_hs06s_per_event, Some(3.5));
        assert_eq!(task.cpu_efficiency_pct, Some(85.0));
        assert_eq!(task.io_intensity_kb_per_s, None);
        assert_eq!(task.n_files, Some(200));
        assert_eq!(task.n_files_finished, Some(150));
        assert_eq!(task.n_files_failed, Some(3));
        assert_eq!(task.total_events, Some(2_000_000));
        assert_eq!(task.site, "CERN-PROD");
        assert_eq!(task.modification_time, "2026-12-01T08:30:00Z".parse().ok());
    }

    #[test]
    fn a_panda_server_task_in_camel_case() {
        let task = one(json!({
            "jediTaskID": "7", "taskName": "user.x.test", "status": "scouting",
            "prodSourceLabel": "user", "coreCount": null, "ramCount": 3000,
            "ramUnit": "MBPerCore", "cpuTime": 0, "ioIntensity": 1200
        }))
        .expect("a task");
        assert_eq!(task.jeditaskid, 7);
        assert_eq!(task.prodsourcelabel, "user");
        assert_eq!(task.corecount, None);
        assert_eq!(task.ramcount_mb_per_core, Some(3000.0));
        // Zero is PanDA's "not set".
        assert_eq!(task.cputime_hs06s_per_event, None);
        assert_eq!(task.io_intensity_kb_per_s, Some(1200.0));
    }

    #[test]
    fn bad_records_are_skipped_and_counted_and_the_rest_kept() {
        let body = br#"[
            {"jeditaskid": 1, "status": "done"},
            {"taskname": "no id"},
            "a string",
            {"jeditaskid": -4},
            {"jeditaskid": {"x": 1}},
            {"jeditaskid": 2, "corecount": "many", "ramcount": "NaN", "nfiles": 1.5}
        ]"#;
        let parsed = tasks_from_json(body).expect("a list");
        let ids: Vec<u64> = parsed.items.iter().map(|task| task.jeditaskid).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(
            parsed.skipped,
            [
                "record 2: no jeditaskid",
                "record 3: not a JSON object",
                "record 4: jeditaskid -4 is not a task id",
                "record 5: jeditaskid an object is not a task id",
            ]
        );
        // Unusable fields of a kept record are left empty, not guessed.
        assert_eq!(parsed.items[1].corecount, None);
        assert_eq!(parsed.items[1].ramcount_mb_per_core, None);
        assert_eq!(parsed.items[1].n_files, None);
        assert_eq!(
            parsed.note().as_deref(),
            Some("4 of 6 records skipped (record 2: no jeditaskid)")
        );
    }

    #[test]
    fn every_shape_that_holds_tasks() {
        let ids = |body: &str| -> Vec<u64> {
            tasks_from_json(body.as_bytes())
                .map(|parsed| parsed.items.iter().map(|task| task.jeditaskid).collect())
                .unwrap_or_default()
        };
        assert_eq!(ids(r#"{"tasks": [{"jeditaskid": 3}]}"#), [3]);
        assert_eq!(
            ids(r#"{"task": {"jeditaskid": 4}, "taskparams": {}, "datasets": []}"#),
            [4]
        );
        assert_eq!(
            ids(r#"{"success": true, "message": "", "data": [{"jediTaskID": 5}]}"#),
            [5]
        );
        assert_eq!(
            ids(r#"{"success": true, "data": {"6": {"jediTaskID": 6}, "8": {"jediTaskID": 8}}}"#),
            [6, 8]
        );
        assert_eq!(ids(r#"{"data": null}"#), Vec::<u64>::new());
    }

    #[test]
    fn answers_that_hold_no_tasks_say_what_they_are() {
        let why = |body: &str| tasks_from_json(body.as_bytes()).err().unwrap_or_default();
        assert_eq!(why("  "), "the answer is empty");
        assert_eq!(
            why("<!DOCTYPE html><title>Sign in</title>"),
            "expected JSON, found an HTML page"
        );
        assert!(why(r#"[{"jeditaskid": 1}, {"jedita"#).starts_with("the JSON breaks off"));
        assert_eq!(
            why(r#"{"detail": "Invalid token."}"#),
            "a JSON object with neither \"tasks\", \"task\" nor \"data\""
        );
        assert_eq!(
            why("42"),
            "expected a JSON array of tasks or an object holding them"
        );
    }

    #[test]
    fn a_byte_that_is_not_utf8_costs_its_character_not_the_list() {
        let mut body = br#"[{"jeditaskid": 1, "taskname": "caf"#.to_vec();
        body.push(0xe9);
        body.extend_from_slice(br#" latin1"}, {"jeditaskid": 2}]"#);
        let parsed = tasks_from_json(&body).expect("a list");
        let names: Vec<&str> = parsed.items.iter().map(|t| t.taskname.as_str()).collect();
        assert_eq!(names, ["caf\u{fffd} latin1", ""]);
    }

    #[test]
    fn the_input_datasets_count_when_no_count_is_given() {
        let task = one(json!({"jeditaskid": 9, "datasets": [
            {"type": "input"}, {"type": "output"}, {"type": "input"}, {"type": "pseudo_input"}
        ]}))
        .expect("a task");
        assert_eq!(task.dataset_count, Some(2));
    }

    #[test]
    fn merging_keeps_one_task_per_id_the_latest() {
        let task = |id: u64, at: &str, status: &str| Task {
            modification_time: at.parse().ok(),
            status: TaskStatus::parse(status),
            ..one(json!({ "jeditaskid": id })).expect("a task")
        };
        let first = [
            task(1, "2026-12-01T10:00:00Z", "running"),
            task(2, "2026-12-01T10:00:00Z", "running"),
        ];
        let second = [
            task(1, "2026-12-01T11:00:00Z", "done"),
            task(2, "2026-12-01T09:00:00Z", "ready"),
        ];
        let merged = merge_tasks([&first[..], &second[..]]);
        let shown: Vec<(u64, String)> = merged
            .iter()
            .map(|task| (task.jeditaskid, task.status.as_str().to_string()))
            .collect();
        assert_eq!(shown, [(1, "done".to_string()), (2, "running".to_string())]);
    }

    #[test]
    fn details_count_distinct_inputs_and_events() {
        let unnamed = br#"{"task": {"jeditaskid": 1}, "datasets": [
            {"type": "input", "nevents": 10}, {"type": "input", "nevents": "5"},
            {"type": "pseudo_input", "nevents": 1000}]}"#;
        assert_eq!(
            detail_from_json(unnamed),
            Ok(Detail {
                dataset_count: Some(2),
                total_events: Some(15)
            })
        );
        // An input without an event count leaves the sum unknown.
        let partial = br#"{"datasets": [{"type": "input", "datasetname": "a"},
            {"type": "input", "datasetname": "b", "nevents": 3}]}"#;
        assert_eq!(
            detail_from_json(partial),
            Ok(Detail {
                dataset_count: Some(2),
                total_events: None
            })
        );
        assert!(detail_from_json(b"[]").is_err());
        assert!(detail_from_json(br#"{"detail": "Not found."}"#).is_err());
        assert_eq!(jobs_counted(br#"{"jobSummary": []}"#), None);
        assert_eq!(jobs_counted(b"<html>"), None);
    }

    #[test]
    fn filters_add_to_and_replace_the_defaults() {
        let pairs = with_filter(
            vec![("days".into(), "3".into()), ("limit".into(), "10".into())],
            "?tasktype=prod&days=1&json&campaign=MC23*",
        );
        assert_eq!(
            pairs,
            [
                ("limit".to_string(), "10".to_string()),
                ("tasktype".to_string(), "prod".to_string()),
                ("days".to_string(), "1".to_string()),
                ("campaign".to_string(), "MC23*".to_string()),
            ]
        );
    }
}
