//! Where labelled tasks come from: the demo's history, or a saved BigPanDA `/tasks/?json`
//! response.
//!
//! A saved response is read tolerantly: numbers may be strings, fields may be null or missing,
//! keys may be in any case. A record that cannot give a task is skipped and counted with its
//! reason, never fatal to the rest.

use std::path::Path;

use jiff::Timestamp;
use serde_json::Value;

use super::features::TaskInputs;
use super::model::TrainingRow;
use super::targets::Labels;
use crate::sources::demo::history;
use crate::sources::fields::{find, number, text, time};

/// Tasks the demo history gives by default.
pub const DEFAULT_DEMO_TASKS: usize = 6000;

/// Labelled tasks read from a file, with what was skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub rows: Vec<TrainingRow>,
    /// One line per skipped record: its position and why.
    pub skipped: Vec<String>,
}

/// `count` ended tasks of the demo world with the given seed.
pub fn demo_rows(
    seed: u64,
    count: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<TrainingRow> {
    let start = Timestamp::from_second(1_767_225_600).unwrap_or(Timestamp::UNIX_EPOCH);
    history::ended_tasks(seed, start, count, progress)
        .iter()
        .map(TrainingRow::from_task)
        .collect()
}

/// Reads a saved `/tasks/?json` response (a JSON array of tasks, or an object with a `tasks`
/// array).
pub fn read_tasks_file(path: &Path) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    parse_tasks(&text).map_err(|reason| format!("{}: {reason}", path.display()))
}

/// Parses a `/tasks/?json` body; see [`read_tasks_file`].
pub fn parse_tasks(text: &str) -> Result<Loaded, String> {
    let value: Value = serde_json::from_str(text).map_err(|error| format!("not JSON ({error})"))?;
    let records = match &value {
        Value::Array(records) => records,
        Value::Object(object) => match find(object, &["tasks"]) {
            Some(Value::Array(records)) => records,
            _ => return Err("a JSON object without a \"tasks\" array".to_string()),
        },
        _ => return Err("expected a JSON array of tasks or an object with \"tasks\"".to_string()),
    };
    let mut loaded = Loaded {
        rows: Vec::new(),
        skipped: Vec::new(),
    };
    for (index, record) in records.iter().enumerate() {
        match parse_record(record) {
            Ok(row) => loaded.rows.push(row),
            Err(reason) => loaded
                .skipped
                .push(format!("record {}: {reason}", index + 1)),
        }
    }
    Ok(loaded)
}

fn parse_record(record: &Value) -> Result<TrainingRow, String> {
    let Value::Object(object) = record else {
        return Err("not a JSON object".to_string());
    };
    let jeditaskid = find(object, &["jeditaskid", "taskid"])
        .and_then(number)
        .filter(|id| id.is_finite() && *id >= 0.0)
        .ok_or("no jeditaskid")? as u64;
    let field = |keys: &[&str]| find(object, keys).and_then(number);
    let words = |keys: &[&str]| find(object, keys).and_then(text).unwrap_or_default();

    let inputs = TaskInputs {
        taskname: words(&["taskname"]),
        prodsourcelabel: words(&["prodsourcelabel"]),
        processingtype: words(&["processingtype"]),
        transhome: words(&["transhome"]),
        corecount: field(&["corecount", "actualcorecount"]),
        n_files: field(&["total_nfiles", "nfiles", "totalnfiles"]).or_else(|| {
            find(object, &["dsinfo"])
                .and_then(|info| info.get("nfiles"))
                .and_then(number)
        }),
        total_events: field(&["total_nevents", "totev", "nevents", "totalevents"]),
        dataset_count: field(&["distinct_datasetname_count", "dataset_count", "ndatasets"]),
    };
    if inputs.processingtype.is_empty() && inputs.transhome.is_empty() {
        return Err("neither processingtype nor transhome".to_string());
    }

    let ram_unit = words(&["ramunit"]);
    let ramcount = field(&["ramcount"]).map(|ram| {
        // A ramCount in MB for the whole job is turned into MB per core.
        if ram_unit.eq_ignore_ascii_case("MB") {
            ram / inputs
                .corecount
                .filter(|cores| *cores >= 1.0)
                .unwrap_or(1.0)
        } else {
            ram
        }
    });
    let cpu_unit = words(&["cputimeunit"]);
    let cputime = field(&["ctime", "cputime"]).map(|cpu| {
        if cpu_unit.starts_with('m') {
            cpu / 1000.0
        } else {
            cpu
        }
    });
    let labels = Labels {
        ramcount_mb_per_core: ramcount,
        cputime_hs06s_per_event: cputime,
        cpu_efficiency_pct: field(&["cpu_eff", "cpuefficiency", "cpu_efficiency"]),
        io_intensity_kb_per_s: field(&["iointensity", "io_intensity"]),
    };
    Ok(TrainingRow {
        jeditaskid,
        created: find(
            object,
            &["creationdate", "creation_time", "submission_date"],
        )
        .and_then(time),
        inputs,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_records_and_counted_skips() {
        let body = r#"{"tasks": [
            {"jeditaskid": "101", "prodsourcelabel": "managed", "processingtype": "deriv",
             "transhome": "AthDerivation-24.0.30", "corecount": "8", "total_nfiles": 10,
             "total_nevents": "100000", "distinct_datasetname_count": null,
             "ramcount": 16000, "ramunit": "MB", "cputime": 1800, "cputimeunit": "mHS06sPerEvent",
             "cpuefficiency": "80", "iointensity": 900, "creationdate": "2025-03-01 12:00:00"},
            {"jeditaskid": null, "processingtype": "deriv"},
            "junk",
            {"JEDITASKID": 102, "PROCESSINGTYPE": "evgen", "TRANSHOME": "AthGeneration-23.6.31"}
        ]}"#;
        let loaded = parse_tasks(body).unwrap();
        assert_eq!(loaded.rows.len(), 2);
        assert_eq!(loaded.skipped.len(), 2, "{:?}", loaded.skipped);
        let first = &loaded.rows[0];
        assert_eq!(first.labels.ramcount_mb_per_core, Some(2000.0));
        assert_eq!(first.labels.cputime_hs06s_per_event, Some(1.8));
        assert_eq!(first.inputs.dataset_count, None);
        assert!(first.created.is_some());
        assert!(!loaded.rows[1].labels.complete());
        assert!(parse_tasks("{").is_err());
        assert!(parse_tasks("{\"x\": 1}").is_err());
    }
}
