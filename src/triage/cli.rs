//! `pandaops triage group FILE|-`: diagnostics from a file or a paste, grouped the way the console
//! groups failed jobs, with a display template and an `ERROR_DIAG` regex for each group.
//!
//! The input is one diagnostic per line, from PanDA or any other system; or CSV whose header
//! names a source, a code and a diagnostic column (`source`, `code`, `diagnostic` or `diag`; the
//! `ERROR_SOURCE`, `ERROR_CODE`, `ERROR_DIAG` names of PanDA's tables work too), separated by
//! commas, tabs or semicolons; or JSON job records, as [`super::extract::jobs_from_json`] reads
//! them, of which every error of every failed or holding job is grouped. Plain lines are grouped
//! by pattern alone, CSV rows and job errors by (source, code, pattern) with the ids of
//! [`super::group_errors`].
//!
//! Operators paste messy lists, so a row or record that cannot be used is skipped and reported,
//! never fatal; invalid UTF-8 is decoded lossily. Nothing read reaches the output unsanitised: ids
//! are hex, templates go through [`crate::ui::text::sanitize`], and regexes write unseen characters
//! as escapes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

use crate::domain::ErrorSource;
use crate::ui::text::sanitize;

use super::diag_regex::{DiagRegex, SIBLING_EXAMPLES, diag_regex_for, template};
use super::extract::jobs_from_json;
use super::group::group_id;
use super::{ErrorGroup, group_errors, normalize};

/// The name used for standard input in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Sibling diagnostics a group's regex is checked against, roughly; see [`summarise`].
const SIBLING_BUDGET: usize = 2000;

/// Longest value quoted in a message about a skipped row.
const MAX_QUOTED_CHARS: usize = 60;

/// Skipped records and problems of JSON job records shown on standard error, of each kind; a
/// download of a hundred thousand records with one field missing should not flood the terminal.
const MAX_REPORTED: usize = 100;

/// How to read the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// JSON job records when the input starts like them (`{"`, `[{`, `[]`, or an HTML page, which
    /// is then reported as one), else CSV when the first line is a header, else plain lines.
    Detect,
    /// JSON job records, whatever the input starts with.
    JobRecords,
}

/// How the input was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One diagnostic per line.
    Lines,
    /// CSV with source, code and diagnostic columns, split by this byte.
    Csv { delimiter: u8 },
    /// JSON job records; every error of every failed or holding job is one diagnostic.
    JobRecords,
}

/// One group of the input.
#[derive(Debug, Clone, PartialEq)]
pub struct InputGroup {
    /// For CSV rows the id of [`super::ErrorGroup`]; for plain lines an id of the pattern alone.
    pub id: String,
    /// Both `None` for plain lines.
    pub source: Option<ErrorSource>,
    pub code: Option<i64>,
    pub pattern: String,
    pub template: String,
    pub regex: DiagRegex,
    /// Diagnostics of the input in this group.
    pub count: usize,
}

impl InputGroup {
    /// `pilot:1099`, or `-` for plain lines.
    pub fn key(&self) -> String {
        match (self.source, self.code) {
            (Some(source), Some(code)) => format!("{}:{code}", source.component()),
            _ => "-".to_string(),
        }
    }
}

/// What `triage group` read and found.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    pub format: InputFormat,
    /// Diagnostics grouped (empty lines and skipped rows not counted).
    pub diagnostics: usize,
    /// `FILE:LINE: skipped: why`, one per row that could not be used, sanitised; for job records
    /// `FILE: skipped record N: why`.
    pub skipped: Vec<String>,
    /// Largest group first, ties by id.
    pub groups: Vec<InputGroup>,
    /// What was found besides the errors, for JSON job records only.
    pub job_records: Option<JobRecordsRead>,
}

/// JSON job records read by `triage group`, besides their errors. Messages are sanitised and start
/// with the input's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRecordsRead {
    /// Failed and holding jobs.
    pub jobs: usize,
    /// Failed and holding jobs without any code above zero.
    pub jobs_without_errors: usize,
    /// Jobs neither failed nor holding.
    pub ignored: usize,
    /// `FILE: record N (pandaid P): why`, one per field that could not be used.
    pub problems: Vec<String>,
    /// Why reading stopped before the end of the input (an HTML page, JSON that breaks off).
    pub broken: Option<String>,
}

/// Reading the input or writing the output failed; rows that cannot be used are not errors.
#[derive(Debug, thiserror::Error)]
pub enum TriageInputError {
    #[error("cannot open {name}: {source}")]
    Open {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot read {name}: {source}")]
    Read {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("{name}:{line}: cannot read the CSV: {source}")]
    Csv {
        name: String,
        line: u64,
        #[source]
        source: csv::Error,
    },
    #[error("cannot write the output: {source}")]
    Write {
        #[source]
        source: io::Error,
    },
}

/// `pandaops triage group [--jobs] FILE|-`: reads the file (or standard input for `-`), prints to
/// standard output and reports skipped rows on standard error. Returns the exit status: 1 when
/// JSON job records break off or turn out to be an HTML page, else 0.
pub fn group_command(file: &str, kind: InputKind) -> Result<i32, TriageInputError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let (name, result) = if file == "-" {
        let result = run_group_as(&mut io::stdin().lock(), STDIN_NAME, kind, &mut out);
        (STDIN_NAME.to_string(), result)
    } else {
        let opened = File::open(file).map_err(|source| TriageInputError::Open {
            name: sanitize(file).into_owned(),
            source,
        })?;
        (
            file.to_string(),
            run_group_as(&mut BufReader::new(opened), file, kind, &mut out),
        )
    };

    // A reader that stops early (`| head`) is not an error.
    let flushed = result.and_then(|summary| {
        out.flush()
            .map(|()| summary)
            .map_err(|source| TriageInputError::Write { source })
    });
    let summary = match flushed {
        Err(TriageInputError::Write { source }) if source.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(0);
        }
        other => other?,
    };

    let name = sanitize(&name);
    let Some(records) = &summary.job_records else {
        for message in &summary.skipped {
            eprintln!("{message}");
        }
        if summary.diagnostics == 0 {
            eprintln!("{name}: no diagnostics found");
        }
        return Ok(0);
    };

    report_some(&summary.skipped, &name, "skipped records");
    report_some(&records.problems, &name, "problems");
    if let Some(why) = &records.broken {
        eprintln!("{why}");
    }
    eprintln!(
        "{name}: {} failed or holding jobs ({} without an error code above zero), {} errors in {} \
         groups; {} other jobs ignored, {} records skipped, {} problems",
        records.jobs,
        records.jobs_without_errors,
        summary.diagnostics,
        summary.groups.len(),
        records.ignored,
        summary.skipped.len(),
        records.problems.len()
    );
    Ok(i32::from(records.broken.is_some()))
}

/// The first [`MAX_REPORTED`] messages, then how many more there were.
fn report_some(messages: &[String], name: &str, what: &str) {
    for message in messages.iter().take(MAX_REPORTED) {
        eprintln!("{message}");
    }
    if messages.len() > MAX_REPORTED {
        eprintln!(
            "{name}: {} more {what} not shown",
            messages.len() - MAX_REPORTED
        );
    }
}

/// [`run_group_as`] with the kind of input detected.
pub fn run_group(
    input: &mut dyn BufRead,
    name_for_errors: &str,
    out: &mut dyn Write,
) -> Result<GroupSummary, TriageInputError> {
    run_group_as(input, name_for_errors, InputKind::Detect, out)
}

/// Groups the diagnostics of `input`: for each one `group_id<TAB>template` (for job records, each
/// error as `pandaid<TAB>source:code<TAB>group_id<TAB>template`), then a blank line and one line
/// per group, largest first: `count<TAB>group_id<TAB>source:code<TAB>template<TAB>regex` (`-` for
/// the source and code of plain lines). `name_for_errors` names the input in messages.
pub fn run_group_as(
    input: &mut dyn BufRead,
    name_for_errors: &str,
    kind: InputKind,
    out: &mut dyn Write,
) -> Result<GroupSummary, TriageInputError> {
    let name = sanitize(name_for_errors).into_owned();
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|source| TriageInputError::Read {
            name: name.clone(),
            source,
        })?;
    // Spreadsheets start their CSV exports with a byte order mark.
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    if kind == InputKind::JobRecords || starts_like_job_records(text) {
        return group_job_records(text, &name, out);
    }

    let mut skipped = Vec::new();
    let (format, entries) = match find_header(text) {
        Some(header) => {
            let entries = read_csv(text, &header, &name, &mut skipped)?;
            (
                InputFormat::Csv {
                    delimiter: header.delimiter,
                },
                entries,
            )
        }
        None => (InputFormat::Lines, read_lines(text)),
    };

    let write_error = |source| TriageInputError::Write { source };
    let mut groups: BTreeMap<GroupKey, Members> = BTreeMap::new();
    for entry in &entries {
        let pattern = normalize(&entry.diag);
        let key = GroupKey {
            source: entry.source,
            code: entry.code,
            pattern,
        };
        let members = groups.entry(key.clone()).or_insert_with(|| Members {
            id: key.id(),
            count: 0,
            distinct: BTreeSet::new(),
        });
        members.count += 1;
        members.distinct.insert(entry.diag.clone());
        writeln!(out, "{}\t{}", members.id, template(&key.pattern)).map_err(write_error)?;
    }

    let summary_groups = summarise(&groups);
    write_summary(out, &summary_groups)?;

    Ok(GroupSummary {
        format,
        diagnostics: entries.len(),
        skipped,
        groups: summary_groups,
        job_records: None,
    })
}

/// JSON rather than diagnostics: `{` then a key, `[` then a record, a list or its end. A pasted
/// log line such as `[Errno 2] No such file` or `{main} exited` stays a diagnostic. HTML pages
/// count too, so that a login page saved instead of JSON is reported as one.
fn starts_like_job_records(text: &[u8]) -> bool {
    let mut bytes = text
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace());
    let opening = bytes.next();
    let next = bytes.next();
    let json = matches!(
        (opening, next),
        (Some(b'{'), Some(b'"' | b'}')) | (Some(b'['), Some(b'{' | b'[' | b']'))
    );
    let start = text.trim_ascii_start();
    let head = start[..start.len().min(16)].to_ascii_lowercase();
    let html = head.starts_with(b"<!doctype html") || head.starts_with(b"<html");
    json || html
}

/// Every error of every failed or holding job in JSON job records, grouped with
/// [`group_errors`]: the console's own groups, ids and counts.
fn group_job_records(
    text: &[u8],
    name: &str,
    out: &mut dyn Write,
) -> Result<GroupSummary, TriageInputError> {
    let extracted = jobs_from_json(text);
    let groups = group_errors(&extracted.jobs);
    let by_key: BTreeMap<(ErrorSource, i64, &str), &ErrorGroup> = groups
        .iter()
        .map(|group| ((group.source, group.code, group.pattern.as_str()), group))
        .collect();

    let write_error = |source| TriageInputError::Write { source };
    let mut members: BTreeMap<GroupKey, Members> = BTreeMap::new();
    let mut diagnostics = 0;
    for job in &extracted.jobs {
        for error in job.errors.iter().filter(|error| error.code > 0) {
            let pattern = normalize(&error.diag);
            let id = by_key
                .get(&(error.source, error.code, pattern.as_str()))
                .map_or_else(
                    || group_id(error.source, error.code, &pattern),
                    |group| group.id.clone(),
                );
            writeln!(
                out,
                "{}\t{}:{}\t{id}\t{}",
                job.pandaid,
                error.source.component(),
                error.code,
                template(&pattern)
            )
            .map_err(write_error)?;

            let key = GroupKey {
                source: Some(error.source),
                code: Some(error.code),
                pattern,
            };
            let group = members.entry(key).or_insert_with(|| Members {
                id,
                count: 0,
                distinct: BTreeSet::new(),
            });
            group.count += 1;
            group.distinct.insert(error.diag.clone());
            diagnostics += 1;
        }
    }

    let summary_groups = summarise(&members);
    write_summary(out, &summary_groups)?;

    let named = |messages: Vec<String>, how: &str| -> Vec<String> {
        messages
            .into_iter()
            .map(|message| sanitize(&format!("{name}: {how}{message}")).into_owned())
            .collect()
    };
    let jobs_without_errors = extracted
        .jobs
        .iter()
        .filter(|job| job.errors.iter().all(|error| error.code <= 0))
        .count();
    Ok(GroupSummary {
        format: InputFormat::JobRecords,
        diagnostics,
        skipped: named(extracted.skipped, "skipped "),
        groups: summary_groups,
        job_records: Some(JobRecordsRead {
            jobs: extracted.jobs.len(),
            jobs_without_errors,
            ignored: extracted.ignored,
            problems: named(extracted.problems, ""),
            broken: extracted
                .broken
                .map(|why| sanitize(&format!("{name}: {why}")).into_owned()),
        }),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    source: Option<ErrorSource>,
    code: Option<i64>,
    pattern: String,
}

impl GroupKey {
    fn id(&self) -> String {
        match (self.source, self.code) {
            (Some(source), Some(code)) => group_id(source, code, &self.pattern),
            _ => pattern_id(&self.pattern),
        }
    }
}

struct Members {
    id: String,
    count: usize,
    /// Each different diagnostic once.
    distinct: BTreeSet<String>,
}

struct Entry {
    source: Option<ErrorSource>,
    code: Option<i64>,
    diag: String,
}

/// The id of a pattern seen without source and code, made like [`group_id`]: FNV-1a over the key,
/// here with an empty source and code, a key no (source, code, pattern) group has.
fn pattern_id(pattern: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let key = format!("\u{1f}\u{1f}{pattern}");
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:012x}", hash >> 16)
}

/// The summary after the per-line output: a blank line, then one line per group.
fn write_summary(out: &mut dyn Write, groups: &[InputGroup]) -> Result<(), TriageInputError> {
    let write_error = |source| TriageInputError::Write { source };
    writeln!(out).map_err(write_error)?;
    for group in groups {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            group.count,
            group.id,
            group.key(),
            group.template,
            group.regex.regex
        )
        .map_err(write_error)?;
    }
    Ok(())
}

/// Groups with their regexes, each checked against its own diagnostics and a few of each sibling
/// group (same source and code). Plain lines are all siblings of each other, so with many groups
/// fewer examples of each are taken, to keep the work near [`SIBLING_BUDGET`] matches a group.
fn summarise(groups: &BTreeMap<GroupKey, Members>) -> Vec<InputGroup> {
    let mut summary: Vec<InputGroup> = groups
        .iter()
        .map(|(key, members)| {
            let member_diags: Vec<&str> = members.distinct.iter().map(String::as_str).collect();
            let siblings: Vec<&Members> = groups
                .iter()
                .filter(|(other, _)| {
                    other.source == key.source && other.code == key.code && *other != key
                })
                .map(|(_, sibling)| sibling)
                .collect();
            let per_sibling = (SIBLING_BUDGET / siblings.len().max(1)).clamp(1, SIBLING_EXAMPLES);
            let sibling_diags: Vec<&str> = siblings
                .iter()
                .flat_map(|sibling| sibling.distinct.iter().take(per_sibling))
                .map(String::as_str)
                .collect();
            InputGroup {
                id: members.id.clone(),
                source: key.source,
                code: key.code,
                pattern: key.pattern.clone(),
                template: template(&key.pattern),
                regex: diag_regex_for(&key.pattern, &member_diags, &sibling_diags),
                count: members.count,
            }
        })
        .collect();
    summary.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    summary
}

fn read_lines(text: &[u8]) -> Vec<Entry> {
    text.split(|&byte| byte == b'\n')
        .map(|line| String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)))
        .filter(|line| !line.trim().is_empty())
        .map(|line| Entry {
            source: None,
            code: None,
            diag: line.into_owned(),
        })
        .collect()
}

/// Where the columns are, read from the first non-empty line.
struct Header {
    delimiter: u8,
    /// Lines before the header, so row numbers count from the top of the input.
    lines_before: u64,
    source: usize,
    code: usize,
    diag: usize,
}

const SOURCE_COLUMNS: [&str; 3] = ["source", "error_source", "errorsource"];
const CODE_COLUMNS: [&str; 3] = ["code", "error_code", "errorcode"];
const DIAG_COLUMNS: [&str; 5] = [
    "diagnostic",
    "diag",
    "error_diag",
    "errordiag",
    "errordiagnostic",
];

fn find_header(text: &[u8]) -> Option<Header> {
    let mut lines_before = 0;
    let first = text.split(|&byte| byte == b'\n').find(|line| {
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if blank {
            lines_before += 1;
        }
        !blank
    })?;

    [b',', b'\t', b';'].into_iter().find_map(|delimiter| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(first);
        let mut record = csv::ByteRecord::new();
        reader.read_byte_record(&mut record).ok()?;
        let names: Vec<String> = record
            .iter()
            .map(|field| String::from_utf8_lossy(field).trim().to_ascii_lowercase())
            .collect();
        let column = |wanted: &[&str]| {
            names
                .iter()
                .position(|name| wanted.contains(&name.as_str()))
        };
        Some(Header {
            delimiter,
            lines_before,
            source: column(&SOURCE_COLUMNS)?,
            code: column(&CODE_COLUMNS)?,
            diag: column(&DIAG_COLUMNS)?,
        })
    })
}

fn read_csv(
    text: &[u8],
    header: &Header,
    name: &str,
    skipped: &mut Vec<String>,
) -> Result<Vec<Entry>, TriageInputError> {
    let body = skip_lines(text, header.lines_before);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(header.delimiter)
        .flexible(true)
        .from_reader(body);
    let line_of = |position: Option<&csv::Position>| {
        header.lines_before + position.map_or(0, |position| line_at(body, position.byte()))
    };
    let mut entries = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(source) => {
                return Err(TriageInputError::Csv {
                    name: name.to_string(),
                    line: line_of(source.position()),
                    source,
                });
            }
        }
        if record
            .iter()
            .all(|field| field.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        match entry_of(&record, header) {
            Ok(entry) => entries.push(entry),
            Err(why) => {
                let line = line_of(record.position());
                skipped.push(sanitize(&format!("{name}:{line}: skipped: {why}")).into_owned());
            }
        }
    }
    Ok(entries)
}

/// The line (from 1) of a record that the CSV reader says starts at `byte`. The reader's own line
/// count misses blank lines and CRLF endings, and its byte offset may point at the end of the line
/// before, so line ends are skipped first.
fn line_at(text: &[u8], byte: u64) -> u64 {
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    while start < text.len() && matches!(text[start], b'\r' | b'\n') {
        start += 1;
    }
    let newlines = text[..start].iter().filter(|&&b| b == b'\n').count();
    u64::try_from(newlines)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

fn skip_lines(text: &[u8], lines: u64) -> &[u8] {
    let mut rest = text;
    for _ in 0..lines {
        rest = match rest.iter().position(|&byte| byte == b'\n') {
            Some(end) => &rest[end + 1..],
            None => &[],
        };
    }
    rest
}

/// One CSV row as an error, or why it cannot be one.
fn entry_of(record: &csv::ByteRecord, header: &Header) -> Result<Entry, String> {
    let field = |index: usize| record.get(index).map(String::from_utf8_lossy);
    let missing = |column: &str, index: usize| {
        format!(
            "no {column} (the row has {} fields, the {column} is field {})",
            record.len(),
            index + 1
        )
    };

    let source_text = field(header.source).ok_or_else(|| missing("source", header.source))?;
    let source = parse_source(source_text.trim()).ok_or_else(|| {
        format!(
            "unknown source \"{}\"; expected a BigPanDA component ({}) or a job field such as pilotErrorCode",
            quoted(source_text.trim()),
            ErrorSource::ALL.map(ErrorSource::component).join(", ")
        )
    })?;

    let code_text = field(header.code).ok_or_else(|| missing("code", header.code))?;
    let code: i64 = code_text.trim().parse().map_err(|_| {
        format!(
            "code \"{}\" is not a whole number",
            quoted(code_text.trim())
        )
    })?;
    if code <= 0 {
        return Err(format!(
            "code {code} is not an error (codes of zero and below mean no error)"
        ));
    }

    let diag = field(header.diag).ok_or_else(|| missing("diagnostic", header.diag))?;
    Ok(Entry {
        source: Some(source),
        code: Some(code),
        diag: diag.into_owned(),
    })
}

/// A source as BigPanDA (`pilot`) or the PanDA server (`pilotErrorCode`) names it, in any case.
pub fn parse_source(name: &str) -> Option<ErrorSource> {
    ErrorSource::ALL.into_iter().find(|source| {
        name.eq_ignore_ascii_case(source.component())
            || name.eq_ignore_ascii_case(source.server_field())
    })
}

fn quoted(value: &str) -> String {
    if value.chars().count() <= MAX_QUOTED_CHARS {
        value.to_string()
    } else {
        let head: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_read_in_both_namings_and_any_case() {
        assert_eq!(parse_source("pilot"), Some(ErrorSource::Pilot));
        assert_eq!(parse_source("PILOT"), Some(ErrorSource::Pilot));
        assert_eq!(parse_source("exeErrorCode"), Some(ErrorSource::Executor));
        assert_eq!(parse_source("ddmerrorcode"), Some(ErrorSource::DataService));
        assert_eq!(parse_source("transExitCode"), Some(ErrorSource::Transform));
        assert_eq!(parse_source("pilot "), None);
        assert_eq!(parse_source("rucio"), None);
    }

    #[test]
    fn pattern_ids_differ_from_group_ids() {
        let pattern = "lost heartbeat";
        assert_ne!(
            pattern_id(pattern),
            group_id(ErrorSource::JobDispatcher, 100, pattern)
        );
        assert_eq!(pattern_id(pattern).len(), 12);
    }

    #[test]
    fn record_lines_count_blank_lines_and_crlf() {
        let text = b"h1;h2\r\npilot;1\r\n\r\nrucio;2\r\n";
        assert_eq!(line_at(text, 6), 2);
        assert_eq!(line_at(text, 15), 4);
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 999), 5);
    }

    #[test]
    fn lines_before_the_header_are_skipped() {
        assert_eq!(skip_lines(b"\n\na,b\nc", 2), b"a,b\nc");
        assert_eq!(skip_lines(b"a", 3), b"");
    }
}
