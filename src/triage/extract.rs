//! The errors of failed and holding jobs, read from PanDA job records.
//!
//! Records come from BigPanDA (`/jobs/?json`, `/job?pandaid=..&json` and files saved from them,
//! with lower-case names such as `piloterrorcode`), from the PanDA server (camelCase names such as
//! `pilotErrorCode`, `PandaID`, `jediTaskID`) and from Elasticsearch copies (`{"_source": {...}}`).
//! The two namings differ only in letter case, so every field is found ignoring ASCII case; when a
//! record has a field in both spellings, a value beats a null and then the lower-case name wins.
//!
//! Records pass through many hands, so types are read tolerantly (a code may be `1099`, `"1099"`,
//! `" 65 "` or `1099.0`), but never silently: a value that cannot be used is reported as a problem
//! naming the field and quoting the value, and costs the job that one field only. A record that
//! cannot be used at all is skipped with the reason and costs the list nothing else.
//!
//! Nothing here does I/O. Values quoted in messages are sanitised and shortened; the values kept
//! in the jobs are raw, as everywhere in [`crate::domain`].

use std::fmt;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::domain::{ErrorSource, FailedJob, JobError};
use crate::ui::text::sanitize;

/// Longest value quoted in a message, in characters.
const MAX_QUOTED_CHARS: usize = 60;

/// The error fields of a job as BigPanDA names them; the server's names are the same letters in
/// camelCase. The transform exit code has no diagnostic.
const ERROR_FIELDS: [(ErrorSource, &str, Option<&str>); 8] = [
    (ErrorSource::Pilot, "piloterrorcode", Some("piloterrordiag")),
    (ErrorSource::Executor, "exeerrorcode", Some("exeerrordiag")),
    (
        ErrorSource::DataService,
        "ddmerrorcode",
        Some("ddmerrordiag"),
    ),
    (
        ErrorSource::Brokerage,
        "brokerageerrorcode",
        Some("brokerageerrordiag"),
    ),
    (
        ErrorSource::JobDispatcher,
        "jobdispatchererrorcode",
        Some("jobdispatchererrordiag"),
    ),
    (
        ErrorSource::TaskBuffer,
        "taskbuffererrorcode",
        Some("taskbuffererrordiag"),
    ),
    (
        ErrorSource::Supervisor,
        "superrorcode",
        Some("superrordiag"),
    ),
    (ErrorSource::Transform, "transexitcode", None),
];

/// Where a job's date is taken from, in order: the modification time, as BigPanDA dates its error
/// summaries, then the times closest to it.
const TIME_FIELDS: [&str; 4] = [
    "modificationtime",
    "statechangetime",
    "endtime",
    "creationtime",
];

/// Every field this module reads, in lower case.
const WANTED: [&str; 24] = [
    "pandaid",
    "jobstatus",
    "jeditaskid",
    "computingsite",
    "produsername",
    "modificationtime",
    "statechangetime",
    "endtime",
    "creationtime",
    "piloterrorcode",
    "piloterrordiag",
    "exeerrorcode",
    "exeerrordiag",
    "ddmerrorcode",
    "ddmerrordiag",
    "brokerageerrorcode",
    "brokerageerrordiag",
    "jobdispatchererrorcode",
    "jobdispatchererrordiag",
    "taskbuffererrorcode",
    "taskbuffererrordiag",
    "superrorcode",
    "superrordiag",
    "transexitcode",
];

/// Keys under which a document holds job records instead of being one: BigPanDA's `jobs` (a list)
/// and `job` (one record), Elasticsearch's `hits` and `_source`.
const HOLDER_KEYS: [&str; 4] = ["jobs", "job", "hits", "_source"];

/// The errors of one job record, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobErrors {
    /// One per source with a code above zero, in the order of [`ErrorSource::ALL`].
    pub errors: Vec<JobError>,
    /// One sentence per code that is there but cannot be used; the job keeps its other errors.
    pub problems: Vec<String>,
}

/// A failed or holding job, and the fields of its record that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedJob {
    pub job: FailedJob,
    pub problems: Vec<String>,
}

/// What [`jobs_from_json`] found in a document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// Failed and holding jobs, in input order.
    pub jobs: Vec<FailedJob>,
    /// `record N: why`, one per record that could not be used. Records count from 0 in input
    /// order, as `jq '.jobs[N]'` does; in JSON lines the line is named too.
    pub skipped: Vec<String>,
    /// Records of jobs that are neither failed nor holding.
    pub ignored: usize,
    /// `record N (pandaid P): why`, one per field of a used record that could not be used.
    pub problems: Vec<String>,
    /// Why reading stopped before the end: an HTML page, a server's error answer, or JSON that
    /// breaks off. The records read before the break are kept.
    pub broken: Option<String>,
}

/// Every error of one job record, from all eight sources. Codes of zero or below are not errors
/// (BigPanDA counts only codes above zero); a missing or null code is no error either.
pub fn job_errors(record: &Map<String, Value>) -> JobErrors {
    errors_of(&Fields::of(record))
}

/// The record as a failed or holding job: `Ok(None)` for any other job status, `Err` with the
/// reason for a record that cannot be used (no job status, no usable `pandaid`). Problems with
/// other fields are dropped here; [`failed_job_with_problems`] keeps them.
pub fn failed_job(record: &Map<String, Value>) -> Result<Option<FailedJob>, String> {
    Ok(failed_job_with_problems(record)?.map(|extracted| extracted.job))
}

/// [`failed_job`], with the fields that could not be used. A record is read as follows:
///
/// - `jobstatus`: `failed` or `holding`, in any case; missing or null makes the record unusable,
///   since whether the job failed cannot be told.
/// - `pandaid`: a whole number above zero, else the record is unusable.
/// - `jeditaskid`: missing or null is 0, which stands for "no JEDI task" (old and test jobs have
///   none); an unusable value is a problem and 0 too.
/// - `computingsite`, `produsername`: text; missing or null is empty.
/// - the date: `modificationtime` as `2024-11-20T10:11:12`, `2024-11-20 10:11:12`, with or without
///   a fraction, with a zone (`Z`, `+00:00`) or without one (then UTC, as BigPanDA and the server
///   write them), or Unix seconds or milliseconds between 2000 and 2100. When it is missing or
///   unusable, `statechangetime`, `endtime` and `creationtime` are tried in turn; when none can be
///   used, the job is dated at the Unix epoch, so it never becomes a group's latest example, and
///   that is a problem.
pub fn failed_job_with_problems(
    record: &Map<String, Value>,
) -> Result<Option<ExtractedJob>, String> {
    let fields = Fields::of(record);

    let status = match fields.value("jobstatus") {
        None => return Err("no jobstatus, so whether the job failed cannot be told".to_string()),
        Some(found) => match found.value {
            Value::String(status) => status.trim().to_ascii_lowercase(),
            other => {
                return Err(format!(
                    "{} {} is not a job status",
                    found.key,
                    quote_value(other)
                ));
            }
        },
    };
    if status != "failed" && status != "holding" {
        return Ok(None);
    }

    let pandaid = match fields.value("pandaid") {
        None => return Err("no pandaid".to_string()),
        Some(found) => match whole_number(found.value) {
            Ok(Some(id)) if id > 0 => id.unsigned_abs(),
            Ok(Some(id)) => {
                return Err(format!(
                    "{} {id} is not a PanDA job id (they are above zero)",
                    found.key
                ));
            }
            Ok(None) => return Err(format!("{} is empty", found.key)),
            Err(why) => return Err(format!("{} {} {why}", found.key, quote_value(found.value))),
        },
    };

    let JobErrors {
        errors,
        mut problems,
    } = errors_of(&fields);

    let jeditaskid = match fields.value("jeditaskid") {
        None => 0,
        Some(found) => match whole_number(found.value) {
            Ok(Some(id)) if id >= 0 => id.unsigned_abs(),
            Ok(None) => 0,
            Ok(Some(_)) | Err(_) => {
                problems.push(format!(
                    "{} {} is not a JEDI task id; the job counts as having no task (0)",
                    found.key,
                    quote_value(found.value)
                ));
                0
            }
        },
    };

    let modification_time = job_time(&fields, &mut problems);
    let job = FailedJob {
        pandaid,
        jeditaskid,
        status,
        computingsite: text_of(fields.value("computingsite")),
        produsername: text_of(fields.value("produsername")),
        modification_time,
        errors,
    };
    Ok(Some(ExtractedJob { job, problems }))
}

/// The failed and holding jobs of a JSON document: BigPanDA's `{"jobs": [...]}` and
/// `{"job": {...}}`, a bare list of records, one record, JSON lines (one record or list a line),
/// and Elasticsearch's `{"hits": {"hits": [{"_source": {...}}]}}`. A leading byte order mark is
/// ignored. Records are read one at a time and dropped once read, so a large document costs about
/// its own bytes plus the jobs found.
pub fn jobs_from_json(bytes: &[u8]) -> Extracted {
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = Reader::default();
    let Some(start) = text.iter().position(|byte| !byte.is_ascii_whitespace()) else {
        return reader.extracted;
    };

    if text[start] == b'<' {
        reader.extracted.broken = Some(html_page(&text[start..]));
    } else if is_json_lines(text) {
        read_json_lines(&mut reader, text);
    } else {
        read_document(&mut reader, text);
    }
    reader.extracted
}

/// The fields of one record this module reads, found ignoring ASCII case.
struct Fields<'a> {
    found: [Option<Found<'a>>; WANTED.len()],
}

/// A field as the record names it, and its value.
#[derive(Clone, Copy)]
struct Found<'a> {
    key: &'a str,
    value: &'a Value,
}

impl Found<'_> {
    /// Which of two spellings of a field to keep: a value before a null, then the lower-case name.
    fn rank(&self, wanted: &str) -> u8 {
        u8::from(!self.value.is_null()) * 2 + u8::from(self.key == wanted)
    }
}

impl<'a> Fields<'a> {
    fn of(record: &'a Map<String, Value>) -> Fields<'a> {
        let longest = WANTED.iter().map(|name| name.len()).max().unwrap_or(0);
        let mut found: [Option<Found<'a>>; WANTED.len()] = [None; WANTED.len()];
        let mut lowered = String::with_capacity(longest);
        for (key, value) in record {
            if key.len() > longest {
                continue;
            }
            lowered.clear();
            lowered.extend(key.chars().map(|ch| ch.to_ascii_lowercase()));
            let Some(slot) = WANTED.iter().position(|name| *name == lowered) else {
                continue;
            };
            let candidate = Found { key, value };
            let wanted = WANTED[slot];
            if found[slot].is_none_or(|kept| candidate.rank(wanted) > kept.rank(wanted)) {
                found[slot] = Some(candidate);
            }
        }
        Fields { found }
    }

    /// The field named `name` (lower case, one of [`WANTED`]) when it is there and not null.
    fn value(&self, name: &str) -> Option<Found<'a>> {
        let slot = WANTED.iter().position(|wanted| *wanted == name)?;
        self.found[slot].filter(|found| !found.value.is_null())
    }
}

fn errors_of(fields: &Fields<'_>) -> JobErrors {
    let mut extracted = JobErrors::default();
    for (source, code_field, diag_field) in ERROR_FIELDS {
        let Some(found) = fields.value(code_field) else {
            continue;
        };
        match whole_number(found.value) {
            Ok(Some(code)) if code > 0 => extracted.errors.push(JobError {
                source,
                code,
                diag: diag_field.map_or_else(String::new, |name| text_of(fields.value(name))),
            }),
            Ok(_) => {}
            Err(why) => extracted.problems.push(format!(
                "{} {} {why}; the job's {} error is left out",
                found.key,
                quote_value(found.value),
                source.component()
            )),
        }
    }
    extracted
}

/// A whole number from a JSON number or text: `1099`, `"1099"`, `" 65 "`, `1099.0`. Null, empty
/// text and `None`/`null` written as text (Python's and SQL's empty values) are no number.
fn whole_number(value: &Value) -> Result<Option<i64>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => {
            if let Some(whole) = number.as_i64() {
                Ok(Some(whole))
            } else if number.as_u64().is_some() {
                Err("is too large for a code or an id")
            } else {
                whole_from_float(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(text) => {
            let text = text.trim();
            if text.is_empty() || is_empty_word(text) {
                return Ok(None);
            }
            if let Ok(whole) = text.parse::<i64>() {
                return Ok(Some(whole));
            }
            match text.parse::<f64>() {
                Ok(float) => whole_from_float(float),
                Err(_) => Err("is not a whole number"),
            }
        }
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err("is not a number"),
    }
}

fn whole_from_float(float: f64) -> Result<Option<i64>, &'static str> {
    // 2^63: every float below it in size converts to i64 exactly when it has no fraction.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !float.is_finite() || float.fract() != 0.0 {
        Err("is not a whole number")
    } else if !(-LIMIT..LIMIT).contains(&float) {
        Err("is too large for a code or an id")
    } else {
        Ok(Some(float as i64))
    }
}

fn is_empty_word(text: &str) -> bool {
    text.eq_ignore_ascii_case("none") || text.eq_ignore_ascii_case("null")
}

/// A text field as kept in a job: text as it is, other values as their JSON, nothing as empty.
fn text_of(found: Option<Found<'_>>) -> String {
    match found.map(|found| found.value) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// The job's date, from the first of [`TIME_FIELDS`] that can be used; see
/// [`failed_job_with_problems`].
fn job_time(fields: &Fields<'_>, problems: &mut Vec<String>) -> Timestamp {
    let mut unusable = Vec::new();
    for name in TIME_FIELDS {
        let Some(found) = fields.value(name) else {
            continue;
        };
        match time_of(found.value) {
            Some(at) => {
                if !unusable.is_empty() {
                    problems.push(format!(
                        "{}; dated by {} instead",
                        unusable.join(", "),
                        found.key
                    ));
                }
                return at;
            }
            None => unusable.push(format!(
                "{} {} is not a date and time such as 2024-11-20T10:11:12",
                found.key,
                quote_value(found.value)
            )),
        }
    }

    let why = if unusable.is_empty() {
        format!("no {}", TIME_FIELDS.join(", no "))
    } else {
        unusable.join(", ")
    };
    problems.push(format!(
        "{why}; dated 1970-01-01T00:00:00Z so it is never a group's latest example"
    ));
    Timestamp::UNIX_EPOCH
}

fn time_of(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(text) => {
            let text = text.trim();
            if let Ok(at) = text.parse::<Timestamp>() {
                return Some(at);
            }
            let civil: DateTime = text.parse().ok()?;
            civil
                .to_zoned(TimeZone::UTC)
                .ok()
                .map(|zoned| zoned.timestamp())
        }
        Value::Number(number) => {
            // Unix seconds and milliseconds of the years 2000 to 2100 cannot be mistaken for
            // each other.
            const SECONDS: std::ops::RangeInclusive<i64> = 946_684_800..=4_102_444_800;
            let whole = whole_number(value).ok().flatten().or_else(|| {
                number
                    .as_f64()
                    .filter(|float| float.is_finite() && float.abs() < 1e15)
                    .map(|float| float.trunc() as i64)
            })?;
            if SECONDS.contains(&whole) {
                Timestamp::from_second(whole).ok()
            } else if SECONDS.contains(&(whole / 1000)) {
                Timestamp::from_millisecond(whole).ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A value as messages quote it: text sanitised and shortened in quotes, other values as their
/// JSON in quotes.
fn quote_value(value: &Value) -> String {
    let text = match value {
        Value::String(text) => quote_text(text),
        other => quote_text(&other.to_string()),
    };
    format!("\"{text}\"")
}

fn quote_text(text: &str) -> String {
    let clean = sanitize(text);
    if clean.chars().count() <= MAX_QUOTED_CHARS {
        clean.into_owned()
    } else {
        let head: String = clean.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{head}…")
    }
}

// ---- reading documents --------------------------------------------------------------------------

#[derive(Default)]
struct Reader {
    extracted: Extracted,
    /// The index the next record gets.
    next_record: usize,
    /// The line being read, in JSON lines.
    line: Option<usize>,
}

impl Reader {
    fn label(&self) -> String {
        match self.line {
            Some(line) => format!("record {} (line {line})", self.next_record),
            None => format!("record {}", self.next_record),
        }
    }

    fn take_record(&mut self, record: &Map<String, Value>) {
        match failed_job_with_problems(record) {
            Ok(None) => self.extracted.ignored += 1,
            Ok(Some(ExtractedJob { job, problems })) => {
                let label = self.label();
                self.extracted.problems.extend(
                    problems
                        .into_iter()
                        .map(|problem| format!("{label} (pandaid {}): {problem}", job.pandaid)),
                );
                self.extracted.jobs.push(job);
            }
            Err(why) => {
                let skipped = format!("{}: {why}", self.label());
                self.extracted.skipped.push(skipped);
            }
        }
        self.next_record += 1;
    }

    fn take_non_record(&mut self, what: &str) {
        let skipped = format!("{}: {what}, not a job record", self.label());
        self.extracted.skipped.push(skipped);
        self.next_record += 1;
    }
}

/// Where a JSON value sits, which decides what it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The whole document: a record, a list, or an object holding records.
    Document,
    /// One line of JSON lines, or one element of a list.
    Item,
    /// The value of one of [`HOLDER_KEYS`], where a null means no records.
    Holder,
}

/// Reads one JSON value as records, handing each to the reader as soon as it is complete.
struct Node<'r> {
    reader: &'r mut Reader,
    place: Place,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Node<'_> {
    fn scalar<E: serde::de::Error>(self, what: &str) -> Result<(), E> {
        self.reader.take_non_record(what);
        Ok(())
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a job record, a list of them, or an object holding them")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let reader = self.reader;
        while items
            .next_element_seed(Node {
                reader: &mut *reader,
                place: Place::Item,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        let reader = self.reader;
        let mut record = Map::new();
        let mut holds_records = false;
        while let Some(key) = entries.next_key::<String>()? {
            if HOLDER_KEYS.contains(&key.as_str()) {
                holds_records = true;
                entries.next_value_seed(Node {
                    reader: &mut *reader,
                    place: Place::Holder,
                })?;
            } else {
                let value: Value = entries.next_value()?;
                record.insert(key, value);
            }
        }

        if holds_records {
            return Ok(());
        }
        if self.place == Place::Document
            && let Some(answer) = error_answer(&record)
        {
            reader.extracted.broken = Some(answer);
            return Ok(());
        }
        reader.take_record(&record);
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        if self.place == Place::Holder {
            return Ok(());
        }
        self.scalar("null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar("true or false")
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar("a number")
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar("a string")
    }
}

/// A document that is an error answer instead of records, such as BigPanDA's
/// `{"detail": "Invalid token."}` or `{"error": "No token provided"}`.
fn error_answer(record: &Map<String, Value>) -> Option<String> {
    let fields = Fields::of(record);
    if fields.value("pandaid").is_some() || fields.value("jobstatus").is_some() {
        return None;
    }
    ["detail", "error", "message"].iter().find_map(|key| {
        let Value::String(text) = record.get(*key)? else {
            return None;
        };
        Some(format!(
            "the server answered {key} \"{}\" instead of job records",
            quote_text(text)
        ))
    })
}

fn read_document(reader: &mut Reader, text: &[u8]) {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let read = Node {
        reader: &mut *reader,
        place: Place::Document,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    if let Err(error) = read {
        let why = match error.classify() {
            serde_json::error::Category::Eof => format!(
                "the JSON ends in the middle of a value at line {}, column {} (cut short?)",
                error.line(),
                error.column()
            ),
            _ => format!("not valid JSON: {}", sanitize(&error.to_string())),
        };
        reader.extracted.broken = Some(format!(
            "{why}; the {} records before that point were read",
            reader.next_record
        ));
    }
}

/// JSON lines: the first non-blank line is a whole object or list on its own, and more follows. A
/// document written over several lines starts with a line that opens and does not close, and a
/// one-line document has nothing after it.
fn is_json_lines(text: &[u8]) -> bool {
    let mut lines = text
        .split(|&byte| byte == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty());
    let first_is_whole = lines.next().is_some_and(|line| {
        matches!(
            (line.first(), line.last()),
            (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']'))
        )
    });
    first_is_whole && lines.next().is_some()
}

/// Each line is read on its own, so a broken line costs that line only.
fn read_json_lines(reader: &mut Reader, text: &[u8]) {
    for (index, line) in text.split(|&byte| byte == b'\n').enumerate() {
        if line.trim_ascii().is_empty() {
            continue;
        }
        reader.line = Some(index + 1);
        let records_before = reader.next_record;
        let mut deserializer = serde_json::Deserializer::from_slice(line);
        let read = Node {
            reader: &mut *reader,
            place: Place::Item,
        }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
        if let Err(error) = read {
            // serde_json counts lines within the line; only the column means anything.
            let why = format!(
                "{}: not valid JSON at column {}: {}",
                reader.label(),
                error.column(),
                sanitize(&strip_position(&error.to_string()))
            );
            reader.extracted.skipped.push(why);
            if reader.next_record == records_before {
                reader.next_record += 1;
            }
        }
    }
    reader.line = None;
}

/// serde_json's message without its trailing ` at line L column C`.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(end) => message[..end].to_string(),
        None => message.to_string(),
    }
}

/// What to say about an HTML page where JSON was expected, with its title when it has one.
fn html_page(text: &[u8]) -> String {
    let head = String::from_utf8_lossy(&text[..text.len().min(64 * 1024)]);
    let lower = head.to_ascii_lowercase();
    let title = lower.find("<title").and_then(|open| {
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find("</title")?;
        let words: Vec<&str> = head[start..end].split_whitespace().collect();
        Some(words.join(" "))
    });
    let page = match title {
        Some(title) if !title.is_empty() => {
            format!("an HTML page titled \"{}\"", quote_text(&title))
        }
        _ => "an HTML page".to_string(),
    };
    format!(
        "{page} where JSON job records were expected: a login or error page? BigPanDA answers \
         JSON to ?json requests, and an expired session or token gets the login page instead"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> Map<String, Value> {
        match serde_json::from_str(json) {
            Ok(Value::Object(map)) => map,
            other => panic!("not a JSON object: {other:?}"),
        }
    }

    fn error(source: ErrorSource, code: i64, diag: &str) -> JobError {
        JobError {
            source,
            code,
            diag: diag.to_string(),
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_source_in_bigpanda_names() {
        let found = job_errors(&record(
            r#"{"piloterrorcode": 1099, "piloterrordiag": "Failed to stage-in file:x",
                "exeerrorcode": 65, "exeerrordiag": "Non-zero return code from Derivation (65)",
                "ddmerrorcode": 200, "ddmerrordiag": "Adder._updateOutputs() could not add files",
                "brokerageerrorcode": 100, "brokerageerrordiag": "no candidates",
                "jobdispatchererrorcode": 100, "jobdispatchererrordiag": "lost heartbeat : 2026-03-14 09:12:55",
                "taskbuffererrorcode": 106, "taskbuffererrordiag": "retried by pilot",
                "superrorcode": 9000, "superrordiag": "supervisor says no",
                "transexitcode": "65"}"#,
        ));
        assert_eq!(
            found.errors,
            vec![
                error(ErrorSource::Pilot, 1099, "Failed to stage-in file:x"),
                error(
                    ErrorSource::Executor,
                    65,
                    "Non-zero return code from Derivation (65)"
                ),
                error(
                    ErrorSource::DataService,
                    200,
                    "Adder._updateOutputs() could not add files"
                ),
                error(ErrorSource::Brokerage, 100, "no candidates"),
                error(
                    ErrorSource::JobDispatcher,
                    100,
                    "lost heartbeat : 2026-03-14 09:12:55"
                ),
                error(ErrorSource::TaskBuffer, 106, "retried by pilot"),
                error(ErrorSource::Supervisor, 9000, "supervisor says no"),
                error(ErrorSource::Transform, 65, ""),
            ]
        );
        assert!(found.problems.is_empty());
    }

    #[test]
    fn every_source_in_server_names() {
        let found = job_errors(&record(
            r#"{"pilotErrorCode": 1201, "pilotErrorDiag": "Job killed by signal: SIGTERM",
                "exeErrorCode": 68, "exeErrorDiag": "Fatal error in athena logfile",
                "ddmErrorCode": 201, "ddmErrorDiag": "subscription failed",
                "brokerageErrorCode": 101, "brokerageErrorDiag": "no sites",
                "jobDispatcherErrorCode": 102, "jobDispatcherErrorDiag": "timeout in sent",
                "taskBufferErrorCode": 100, "taskBufferErrorDiag": "killed by jdoe",
                "supErrorCode": 9001, "supErrorDiag": "sup",
                "transExitCode": 68}"#,
        ));
        let keys: Vec<(ErrorSource, i64, &str)> = found
            .errors
            .iter()
            .map(|e| (e.source, e.code, e.diag.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                (ErrorSource::Pilot, 1201, "Job killed by signal: SIGTERM"),
                (ErrorSource::Executor, 68, "Fatal error in athena logfile"),
                (ErrorSource::DataService, 201, "subscription failed"),
                (ErrorSource::Brokerage, 101, "no sites"),
                (ErrorSource::JobDispatcher, 102, "timeout in sent"),
                (ErrorSource::TaskBuffer, 100, "killed by jdoe"),
                (ErrorSource::Supervisor, 9001, "sup"),
                (ErrorSource::Transform, 68, ""),
            ]
        );
        // Oracle's upper-case column names are the same letters again.
        let upper = job_errors(&record(
            r#"{"PILOTERRORCODE": 1099, "PILOTERRORDIAG": "x"}"#,
        ));
        assert_eq!(upper.errors, vec![error(ErrorSource::Pilot, 1099, "x")]);
    }

    #[test]
    fn codes_as_numbers_text_floats_null_or_missing() {
        let found = job_errors(&record(
            r#"{"piloterrorcode": "1099", "piloterrordiag": null,
                "exeerrorcode": " 65 ", "exeerrordiag": 42,
                "ddmerrorcode": 200.0,
                "brokerageerrorcode": null, "brokerageerrordiag": "no code, no error",
                "jobdispatchererrorcode": 0, "jobdispatchererrordiag": "zero is no error",
                "taskbuffererrorcode": -1,
                "superrorcode": "",
                "transexitcode": "None"}"#,
        ));
        assert_eq!(
            found.errors,
            vec![
                error(ErrorSource::Pilot, 1099, ""),
                error(ErrorSource::Executor, 65, "42"),
                error(ErrorSource::DataService, 200, ""),
            ]
        );
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        assert_eq!(job_errors(&Map::new()), JobErrors::default());
    }

    #[test]
    fn the_transform_exit_code_is_text_without_a_diagnostic() {
        let found = job_errors(&record(
            r#"{"transexitcode": "65", "transexitdiag": "not a field"}"#,
        ));
        assert_eq!(found.errors, vec![error(ErrorSource::Transform, 65, "")]);
        let zero = job_errors(&record(r#"{"transexitcode": "0"}"#));
        assert!(zero.errors.is_empty());
    }

    #[test]
    fn pilot_executor_and_transform_errors_are_three_errors() {
        let found = job_errors(&record(
            r#"{"piloterrorcode": 1305, "piloterrordiag": "Failed to execute payload:Non-zero return code from Overlay (65)",
                "exeerrorcode": 65, "exeerrordiag": "Non-zero return code from Overlay (65)",
                "transexitcode": "65", "ddmerrorcode": 0, "ddmerrordiag": ""}"#,
        ));
        assert_eq!(
            found.errors,
            vec![
                error(
                    ErrorSource::Pilot,
                    1305,
                    "Failed to execute payload:Non-zero return code from Overlay (65)"
                ),
                error(
                    ErrorSource::Executor,
                    65,
                    "Non-zero return code from Overlay (65)"
                ),
                error(ErrorSource::Transform, 65, ""),
            ]
        );
    }

    #[test]
    fn unusable_codes_are_problems_and_the_other_errors_stay() {
        let found = job_errors(&record(
            "{\"piloterrorcode\": \"abc\", \"exeerrorcode\": 1.5, \"ddmerrorcode\": 1e30,
              \"brokerageerrorcode\": true, \"superrorcode\": 18446744073709551615,
              \"taskbuffererrorcode\": \"\\u001b[31m12\\u001b[0m\",
              \"jobdispatchererrorcode\": 100, \"jobdispatchererrordiag\": \"lost heartbeat\",
              \"transexitcode\": \"65\"}",
        ));
        assert_eq!(
            found.errors,
            vec![
                error(ErrorSource::JobDispatcher, 100, "lost heartbeat"),
                error(ErrorSource::Transform, 65, ""),
            ]
        );
        assert_eq!(
            found.problems,
            [
                "piloterrorcode \"abc\" is not a whole number; the job's pilot error is left out",
                "exeerrorcode \"1.5\" is not a whole number; the job's executor error is left out",
                "ddmerrorcode \"1e+30\" is too large for a code or an id; the job's dataservice \
                 error is left out",
                "brokerageerrorcode \"true\" is not a number; the job's brokerage error is left out",
                "taskbuffererrorcode \"␛[31m12␛[0m\" is not a whole number; the job's taskbuffer \
                 error is left out",
                "superrorcode \"18446744073709551615\" is too large for a code or an id; the job's \
                 supervisor error is left out",
            ]
        );

        let long = format!(r#"{{"piloterrorcode": "{}"}}"#, "9x".repeat(100));
        let found = job_errors(&record(&long));
        assert_eq!(
            found.problems,
            [format!(
                "piloterrorcode \"{}…\" is not a whole number; the job's pilot error is left out",
                "9x".repeat(30)
            )]
        );
    }

    #[test]
    fn both_spellings_of_a_field_a_value_beats_null_then_lower_case_wins() {
        let found = job_errors(&record(
            r#"{"piloterrorcode": null, "pilotErrorCode": 1099, "pilotErrorDiag": "camel",
                "exeErrorCode": 65, "exeerrorcode": 68, "exeerrordiag": "lower"}"#,
        ));
        assert_eq!(
            found.errors,
            vec![
                error(ErrorSource::Pilot, 1099, "camel"),
                error(ErrorSource::Executor, 68, "lower"),
            ]
        );
    }

    #[test]
    fn a_failed_job_with_its_fields() {
        let found = failed_job(&record(
            r#"{"pandaid": "6512340011", "jeditaskid": 40342614, "jobstatus": "failed",
                "computingsite": "CERN-PROD", "produsername": "Jane Doe",
                "modificationtime": "2024-11-20T10:11:12",
                "piloterrorcode": 1099, "piloterrordiag": "Failed to stage-in file:x"}"#,
        ));
        assert_eq!(
            found,
            Ok(Some(FailedJob {
                pandaid: 6_512_340_011,
                jeditaskid: 40_342_614,
                status: "failed".into(),
                computingsite: "CERN-PROD".into(),
                produsername: "Jane Doe".into(),
                modification_time: at("2024-11-20T10:11:12Z"),
                errors: vec![error(ErrorSource::Pilot, 1099, "Failed to stage-in file:x")],
            }))
        );

        let server = failed_job(&record(
            r#"{"PandaID": 7, "jediTaskID": null, "jobStatus": "Holding",
                "computingSite": "BNL", "prodUserName": "jdoe",
                "modificationTime": "2024-11-20 10:11:12.123456",
                "jobDispatcherErrorCode": "100", "jobDispatcherErrorDiag": "lost heartbeat"}"#,
        ));
        let Ok(Some(server)) = server else {
            panic!("{server:?}");
        };
        assert_eq!((server.pandaid, server.jeditaskid), (7, 0));
        assert_eq!(server.status, "holding");
        assert_eq!(
            (server.computingsite.as_str(), server.produsername.as_str()),
            ("BNL", "jdoe")
        );
        assert_eq!(server.modification_time, at("2024-11-20T10:11:12.123456Z"));
        assert_eq!(
            server.errors,
            vec![error(ErrorSource::JobDispatcher, 100, "lost heartbeat")]
        );
    }

    #[test]
    fn other_statuses_are_ignored_and_unusable_records_say_why() {
        for status in ["finished", "running", "cancelled", "closed", ""] {
            let json =
                format!(r#"{{"pandaid": 1, "jobstatus": "{status}", "piloterrorcode": 1099}}"#);
            assert_eq!(failed_job(&record(&json)), Ok(None), "{status}");
        }
        // Not failed: its pandaid does not matter.
        assert_eq!(
            failed_job(&record(r#"{"jobstatus": "finished"}"#)),
            Ok(None)
        );

        let reasons: Vec<String> = [
            r#"{"pandaid": 1}"#,
            r#"{"pandaid": 1, "jobstatus": null}"#,
            r#"{"pandaid": 1, "jobstatus": 3}"#,
            r#"{"jobstatus": "failed"}"#,
            r#"{"jobstatus": "failed", "pandaid": null}"#,
            r#"{"jobstatus": "failed", "pandaid": "abc"}"#,
            r#"{"jobstatus": "failed", "PandaID": 0}"#,
            r#"{"jobstatus": "failed", "pandaid": ""}"#,
            r#"{"jobstatus": "failed", "pandaid": 12.5}"#,
        ]
        .iter()
        .map(|json| failed_job(&record(json)).err().unwrap_or_default())
        .collect();
        assert_eq!(
            reasons,
            [
                "no jobstatus, so whether the job failed cannot be told",
                "no jobstatus, so whether the job failed cannot be told",
                "jobstatus \"3\" is not a job status",
                "no pandaid",
                "no pandaid",
                "pandaid \"abc\" is not a whole number",
                "PandaID 0 is not a PanDA job id (they are above zero)",
                "pandaid is empty",
                "pandaid \"12.5\" is not a whole number",
            ]
        );
    }

    #[test]
    fn times_in_bigpanda_and_server_forms() {
        let cases = [
            ("2024-11-20T10:11:12", "2024-11-20T10:11:12Z"),
            ("2024-11-20 10:11:12", "2024-11-20T10:11:12Z"),
            ("2024-11-20T10:11:12.5", "2024-11-20T10:11:12.5Z"),
            ("2024-11-20T10:11:12+00:00", "2024-11-20T10:11:12Z"),
            ("2024-11-20T11:11:12+01:00", "2024-11-20T10:11:12Z"),
            ("2024-11-20 10:11:12.123Z", "2024-11-20T10:11:12.123Z"),
            (" 2024-11-20T10:11:12Z ", "2024-11-20T10:11:12Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(time_of(&Value::from(text)), Some(at(expected)), "{text}");
        }
        assert_eq!(
            time_of(&Value::from(1_732_097_472)),
            Some(at("2024-11-20T10:11:12Z"))
        );
        assert_eq!(
            time_of(&Value::from(1_732_097_472_500_i64)),
            Some(at("2024-11-20T10:11:12.5Z"))
        );
        for bad in [
            Value::from("20/11/2024 10:11"),
            Value::from("yesterday"),
            Value::from(""),
            Value::from(12),
            Value::from(true),
        ] {
            assert_eq!(time_of(&bad), None, "{bad}");
        }
    }

    #[test]
    fn an_unusable_date_falls_back_and_is_a_problem() {
        let fallback = failed_job_with_problems(&record(
            r#"{"pandaid": 5, "jobstatus": "failed", "modificationtime": "yesterday",
                "statechangetime": "2024-11-20 10:11:12"}"#,
        ));
        let Ok(Some(fallback)) = fallback else {
            panic!("{fallback:?}");
        };
        assert_eq!(fallback.job.modification_time, at("2024-11-20T10:11:12Z"));
        assert_eq!(
            fallback.problems,
            [
                "modificationtime \"yesterday\" is not a date and time such as 2024-11-20T10:11:12; \
                 dated by statechangetime instead"
            ]
        );

        let none = failed_job_with_problems(&record(
            r#"{"pandaid": 5, "jobstatus": "failed", "jeditaskid": "x1"}"#,
        ));
        let Ok(Some(none)) = none else {
            panic!("{none:?}");
        };
        assert_eq!(none.job.modification_time, Timestamp::UNIX_EPOCH);
        assert_eq!(none.job.jeditaskid, 0);
        assert_eq!(
            none.problems,
            [
                "jeditaskid \"x1\" is not a JEDI task id; the job counts as having no task (0)",
                "no modificationtime, no statechangetime, no endtime, no creationtime; dated \
                 1970-01-01T00:00:00Z so it is never a group's latest example",
            ]
        );
    }

    const FAILED: &str = r#"{"pandaid": 1, "jobstatus": "failed", "modificationtime": "2024-11-20T10:11:12", "piloterrorcode": 1099, "piloterrordiag": "x"}"#;
    const FINISHED: &str =
        r#"{"pandaid": 2, "jobstatus": "finished", "modificationtime": "2024-11-20T10:11:12"}"#;

    fn pandaids(extracted: &Extracted) -> Vec<u64> {
        extracted.jobs.iter().map(|job| job.pandaid).collect()
    }

    #[test]
    fn documents_in_every_accepted_shape() {
        let shapes = [
            format!(
                r#"{{"jobs": [{FAILED}, {FINISHED}], "selectionsummary": [], "errsByCount": []}}"#
            ),
            format!(r#"{{"files": [{{"lfn": "a"}}], "job": {FAILED}, "dsfiles": []}}"#),
            format!("[{FAILED}, {FINISHED}]"),
            format!("\u{feff}\n{FAILED}\n\n{FINISHED}\r\n"),
            FAILED.to_string(),
            format!(
                r#"{{"took": 3, "hits": {{"total": {{"value": 1}}, "hits": [{{"_index": "jobs_archive", "_source": {FAILED}}}]}}}}"#
            ),
            format!(r#"{{"_index": "jobs_archive_2024-11-20", "_source": {FAILED}}}"#),
            format!("[{FAILED}]\n[{FINISHED}]\n"),
        ];
        for shape in &shapes {
            let extracted = jobs_from_json(shape.as_bytes());
            assert_eq!(pandaids(&extracted), [1], "{shape}");
            assert!(
                extracted.skipped.is_empty(),
                "{shape}: {:?}",
                extracted.skipped
            );
            assert!(
                extracted.problems.is_empty(),
                "{shape}: {:?}",
                extracted.problems
            );
            assert_eq!(extracted.broken, None, "{shape}");
            assert_eq!(
                extracted.jobs[0].errors,
                vec![error(ErrorSource::Pilot, 1099, "x")]
            );
        }
        assert_eq!(jobs_from_json(shapes[0].as_bytes()).ignored, 1);
        assert_eq!(jobs_from_json(b"  \n"), Extracted::default());
        assert_eq!(jobs_from_json(br#"{"jobs": null}"#), Extracted::default());
        assert_eq!(jobs_from_json(br#"{"jobs": []}"#), Extracted::default());
    }

    #[test]
    fn bad_records_are_skipped_with_their_index_and_the_rest_is_kept() {
        let document = format!(
            r#"{{"jobs": [{FAILED}, {{"jobstatus": "failed"}}, 42, "text", null, [{FINISHED}],
                {{"pandaid": 3, "jobstatus": "holding", "piloterrorcode": "abc", "exeerrorcode": 65,
                  "modificationtime": "2024-11-20T10:11:12"}},
                {{"pandaid": "x", "jobStatus": "failed"}}, {{"pandaid": 4}}]}}"#
        );
        let extracted = jobs_from_json(document.as_bytes());
        assert_eq!(pandaids(&extracted), [1, 3]);
        assert_eq!(extracted.ignored, 1);
        assert_eq!(
            extracted.skipped,
            [
                "record 1: no pandaid",
                "record 2: a number, not a job record",
                "record 3: a string, not a job record",
                "record 4: null, not a job record",
                "record 7: pandaid \"x\" is not a whole number",
                "record 8: no jobstatus, so whether the job failed cannot be told",
            ]
        );
        assert_eq!(
            extracted.problems,
            [
                "record 6 (pandaid 3): piloterrorcode \"abc\" is not a whole number; the job's \
              pilot error is left out"
            ]
        );
        assert_eq!(
            extracted.jobs[1].errors,
            vec![error(ErrorSource::Executor, 65, "")]
        );
        assert_eq!(extracted.broken, None);
    }

    #[test]
    fn a_broken_json_line_costs_that_line_only() {
        let lines = format!(
            "{FAILED}\n{{\"pandaid\": 9, \"jobstatus\": \"fai\n{FINISHED}\n{}\n",
            FAILED.replace("\"pandaid\": 1", "\"pandaid\": 5")
        );
        let extracted = jobs_from_json(lines.as_bytes());
        assert_eq!(pandaids(&extracted), [1, 5]);
        assert_eq!(extracted.ignored, 1);
        assert_eq!(
            extracted.skipped,
            ["record 1 (line 2): not valid JSON at column 32: EOF while parsing a string"]
        );
        assert_eq!(extracted.broken, None);
    }

    #[test]
    fn a_document_cut_short_keeps_the_records_before_the_cut() {
        let document =
            format!("{{\"jobs\": [{FAILED}, {FINISHED}, {FAILED}, {{\"pandaid\": 7, \"jobst");
        let extracted = jobs_from_json(document.as_bytes());
        assert_eq!(pandaids(&extracted), [1, 1]);
        assert_eq!(extracted.ignored, 1);
        assert_eq!(
            extracted.broken.as_deref(),
            Some(
                "the JSON ends in the middle of a value at line 1, column 373 (cut short?); the 3 \
                 records before that point were read"
            )
        );

        let garbage = jobs_from_json(b"{\"jobs\": [oops]}");
        assert_eq!(
            garbage.broken.as_deref(),
            Some(
                "not valid JSON: expected value at line 1 column 11; the 0 records before that point were read"
            )
        );
    }

    #[test]
    fn an_html_page_or_an_error_answer_is_reported_as_such() {
        let page = b"\n<!DOCTYPE html>\n<html><head>\n<title>\n  CERN Single\n Sign-On </title></head><body>login</body></html>";
        let extracted = jobs_from_json(page);
        assert_eq!(
            extracted.broken.as_deref(),
            Some(
                "an HTML page titled \"CERN Single Sign-On\" where JSON job records were expected: \
                 a login or error page? BigPanDA answers JSON to ?json requests, and an expired \
                 session or token gets the login page instead"
            )
        );
        assert!(extracted.jobs.is_empty() && extracted.skipped.is_empty());
        assert!(
            jobs_from_json(b"<html><body>Too many requests</body></html>")
                .broken
                .is_some_and(|why| why.starts_with("an HTML page where JSON"))
        );

        let answer = jobs_from_json(br#"{"detail": "Invalid token.\u001b[2J"}"#);
        assert_eq!(
            answer.broken.as_deref(),
            Some("the server answered detail \"Invalid token.␛[2J\" instead of job records")
        );
        assert!(answer.skipped.is_empty());
    }

    #[test]
    fn tens_of_megabytes_of_records() {
        let mut big = String::from("{\"jobs\": [");
        let mut count = 0_u64;
        while big.len() < 24 * 1024 * 1024 {
            if count > 0 {
                big.push(',');
            }
            let status = if count.is_multiple_of(4) {
                "failed"
            } else {
                "finished"
            };
            big.push_str(&format!(
                r#"{{"pandaid": {}, "jeditaskid": {}, "jobstatus": "{status}", "computingsite": "SITE_{}",
                   "produsername": "user{}", "modificationtime": "2024-11-20T10:{:02}:12",
                   "piloterrorcode": {}, "piloterrordiag": "Failed to stage-in file:/eos/atlas/f{}.root timed out",
                   "exeerrorcode": 0, "exeerrordiag": "OK", "transexitcode": "{}",
                   "jobmetrics": "coreCount=8 nEvents=1000 dbTime=1.2 dbData=123456 workDirSize=12345678",
                   "destinationdblock": "mc23_13p6TeV.601229.PhPy8EG_A14_ttbar.simul.HITS.e8514_s4162_tid40171372_00_sub0123456"}}"#,
                6_500_000_000 + count,
                40_000_000 + count % 97,
                count % 13,
                count % 17,
                count % 60,
                if count.is_multiple_of(8) { 1099 } else { 0 },
                count,
                if count.is_multiple_of(3) { "65" } else { "0" },
            ));
            count += 1;
        }
        big.push_str("]}");

        let extracted = jobs_from_json(big.as_bytes());
        let failed = count.div_ceil(4);
        assert_eq!(extracted.jobs.len() as u64, failed);
        assert_eq!(extracted.ignored as u64, count - failed);
        assert!(extracted.skipped.is_empty() && extracted.problems.is_empty());
        let errors: usize = extracted.jobs.iter().map(|job| job.errors.len()).sum();
        // Every fourth job failed; of those, half have pilot 1099 and a third transform 65.
        let expected: u64 = (0..count)
            .filter(|n| n.is_multiple_of(4))
            .map(|n| u64::from(n.is_multiple_of(8)) + u64::from(n.is_multiple_of(3)))
            .sum();
        assert_eq!(errors as u64, expected);
    }
}
