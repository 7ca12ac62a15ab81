//! The rules PanDA already has: rows of its `ERROR_CLASSIFICATION` and `RETRYERRORS` tables,
//! imported from a database dump or from `pandaops triage export`, kept in
//! `<data folder>/known-rules.json`, and matched against job errors the way PanDA matches them.
//!
//! `pandaops triage import FILE` reads CSV (a header of column names in any case, separated by
//! commas, semicolons or tabs) or JSON (an array of row objects, or the object `triage export`
//! writes). A row that cannot be a rule is skipped and reported with its line or index and why;
//! one bad row never stops an import. The accepted rows are merged into the known rules by (table,
//! source, code, regex), a later row replacing an earlier one, and the file is replaced
//! atomically.
//!
//! The console loads a [`RuleSet`] once ([`RuleSet::load`] on [`known_rules_path`], reporting
//! [`RuleSet::problems`]) and asks it whether an error is already covered: [`RuleSet::find`]
//! applies PanDA's matching of `ERROR_CLASSIFICATION`, [`RuleSet::find_retry`] that of
//! `RETRYERRORS`. Loading reads and compiles; finding never does I/O. This module never touches
//! the network or a database; strings in a [`KnownRule`] are as the file had them, untrusted, and
//! must be sanitised before they are shown.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::ErrorSource;
use crate::ui::text::sanitize;

use super::diag_regex::{MAX_REGEX_BYTES, matcher};

/// The file name of the known rules inside the data folder.
pub const KNOWN_RULES_FILE: &str = "known-rules.json";

/// The format version written into the known rules file as `"version"`.
pub const RULES_FORMAT_VERSION: u32 = 1;

/// The size of the `DESCRIPTION` columns, `VARCHAR2(250)`. Oracle counts bytes unless the
/// database says otherwise, so descriptions are cut to bytes, at a character boundary.
pub const MAX_DESCRIPTION_BYTES: usize = 250;

/// The largest code `NUMBER(10)` holds.
pub const MAX_ERROR_CODE: i64 = 9_999_999_999;

/// The size of `ERROR_CLASSIFICATION.ERROR_CLASS`, `VARCHAR2(30)`.
const MAX_ERROR_CLASS_BYTES: usize = 30;

/// The actions of PanDA's retry module, as `RETRYACTIONS.RETRY_ACTION` names them.
pub const RETRY_ACTIONS: [&str; 6] = [
    "no_retry",
    "limit_retry",
    "increase_memory",
    "increase_memory_xtimes",
    "increase_cputime",
    "reduce_input_per_job",
];

/// Longest value quoted in a message about a skipped row.
const MAX_QUOTED_CHARS: usize = 60;

/// Where the known rules of a data folder live.
pub fn known_rules_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KNOWN_RULES_FILE)
}

/// One row of `ERROR_CLASSIFICATION` (`retry_action` is `None`) or of `RETRYERRORS`
/// (`retry_action` is `Some`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownRule {
    /// `ERROR_CLASSIFICATION.ID` or `RETRYERRORS.RETRYERROR_ID`, when the import had it.
    #[serde(default)]
    pub id: Option<i64>,
    /// The job field the code comes from, exactly as PanDA compares it: `pilotErrorCode`.
    pub error_source: String,
    pub error_code: i64,
    /// Python regex matched from the start of the diagnostic, `.` matching newlines too. Empty only
    /// in a `RETRYERRORS` rule, where it matches every diagnostic.
    pub diag_regex: String,
    #[serde(default)]
    pub description: String,
    /// `system`, `user`, `unknown` or another class PanDA knows; empty in a `RETRYERRORS` rule.
    #[serde(default)]
    pub error_class: String,
    /// `ACTIVE = 'Y'`. PanDA still matches an inactive rule but only logs what it would do.
    pub active: bool,
    /// The action's name (`limit_retry`), or the text of a `RETRYACTION` id when the import gave a
    /// number: no public list says which id is which action, so it is not guessed.
    #[serde(default)]
    pub retry_action: Option<String>,
    /// `PARAMETERS` of a `RETRYERRORS` rule, `k1=v1&k2=v2`; empty when none.
    #[serde(default)]
    pub parameters: String,
}

/// The PanDA table a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleTable {
    ErrorClassification,
    RetryErrors,
}

impl RuleTable {
    /// The table's name in the database: `ERROR_CLASSIFICATION` or `RETRYERRORS`.
    pub fn name(self) -> &'static str {
        match self {
            RuleTable::ErrorClassification => "ERROR_CLASSIFICATION",
            RuleTable::RetryErrors => "RETRYERRORS",
        }
    }
}

/// What makes two rules the same rule: a later one with the same key replaces the earlier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey {
    pub table: RuleTable,
    pub error_source: String,
    pub error_code: i64,
    pub diag_regex: String,
}

impl KnownRule {
    pub fn table(&self) -> RuleTable {
        if self.retry_action.is_some() {
            RuleTable::RetryErrors
        } else {
            RuleTable::ErrorClassification
        }
    }

    pub fn key(&self) -> RuleKey {
        RuleKey {
            table: self.table(),
            error_source: self.error_source.clone(),
            error_code: self.error_code,
            diag_regex: self.diag_regex.clone(),
        }
    }
}

/// Why the known rules or an import file could not be read or written. Rows that cannot be used
/// are not errors: they are skipped and reported.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    // The causes are in the messages and not chained as sources, so that a report of the chain
    // does not say them twice.
    #[error("cannot {action} {}: {error}", .path.display())]
    Io {
        path: PathBuf,
        /// What was being done, e.g. `read`, `replace`.
        action: &'static str,
        error: io::Error,
    },
    #[error("known rules file {} is not what pandaops writes: {reason}", .path.display())]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "known rules file {} has format version {version}; this pandaops reads version \
         {RULES_FORMAT_VERSION} and will not overwrite a newer file",
        .path.display()
    )]
    NewerFormat { path: PathBuf, version: u64 },
    #[error("{name}: {reason}")]
    Input { name: String, reason: String },
    #[error("cannot encode the known rules: {0}")]
    Encode(serde_json::Error),
}

/// A rule with its regex compiled.
#[derive(Debug, Clone)]
struct LoadedRule {
    rule: KnownRule,
    matcher: Regex,
}

/// The known rules, regexes compiled once, ready to be matched against job errors.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// In file order, which is the order of [`RuleSet::find`]'s "first rule wins".
    rules: Vec<LoadedRule>,
    /// The indexes into `rules` of each (table, source, code), in order.
    by_code: BTreeMap<(RuleTable, ErrorSource, i64), Vec<usize>>,
    keys: BTreeSet<RuleKey>,
    problems: Vec<String>,
}

impl RuleSet {
    /// Reads the known rules at `path`; a missing file is an empty set. A rule that cannot be used
    /// (its regex does not compile, its source is not a job field) is left out and reported in
    /// [`RuleSet::problems`]; the rest load. Only a file that is not a rules file at all, or cannot
    /// be read, is an error.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let (rules, unreadable) = read_rules_file(path)?;
        let mut set = RuleSet::from_rules(rules);
        let name = sanitize(&path.display().to_string()).into_owned();
        set.problems = unreadable
            .into_iter()
            .chain(set.problems.drain(..))
            .map(|problem| format!("{name}: {problem}"))
            .collect();
        Ok(set)
    }

    /// A set of these rules, in this order; rules that cannot be used are reported in
    /// [`RuleSet::problems`] and left out.
    pub fn from_rules(rules: impl IntoIterator<Item = KnownRule>) -> RuleSet {
        let mut set = RuleSet::default();
        for rule in rules {
            let checked = parse_source_field(&rule.error_source).and_then(|source| {
                check_error_code(rule.error_code)?;
                Ok((source, rule_matcher(&rule.diag_regex)?))
            });
            match checked {
                Ok((source, matcher)) => {
                    let position = set.rules.len();
                    set.by_code
                        .entry((rule.table(), source, rule.error_code))
                        .or_default()
                        .push(position);
                    set.keys.insert(rule.key());
                    set.rules.push(LoadedRule { rule, matcher });
                }
                Err(why) => set.problems.push(
                    sanitize(&format!(
                        "{} rule ({}, {}, \"{}\") left out: {why}",
                        rule.table().name(),
                        shorten(&rule.error_source),
                        rule.error_code,
                        shorten(&rule.diag_regex)
                    ))
                    .into_owned(),
                ),
            }
        }
        set
    }

    /// The `ERROR_CLASSIFICATION` rule PanDA applies to this error: the first rule with this
    /// source field, this code and a regex that matches the diagnostic as Python's
    /// `re.match(regex, diag, re.DOTALL)` does (from the start, not necessarily to the end, `.`
    /// matching newlines, and `$` matching before a final newline too). Inactive rules match as
    /// well, as in PanDA, which then only logs; look at [`KnownRule::active`].
    pub fn find(&self, source: ErrorSource, code: i64, diag: &str) -> Option<&KnownRule> {
        self.first_match(RuleTable::ErrorClassification, source, code, diag)
    }

    /// The first `RETRYERRORS` rule with this source field and code whose regex (if any) matches
    /// the diagnostic, matched as in [`RuleSet::find`].
    // Limitation: PanDA's retry module also narrows rules by architecture, release and work queue
    // and, when several apply, prefers the narrower rule or the smaller maxAttempt; those columns
    // are not imported, so this is the first rule in file order.
    pub fn find_retry(&self, source: ErrorSource, code: i64, diag: &str) -> Option<&KnownRule> {
        self.first_match(RuleTable::RetryErrors, source, code, diag)
    }

    /// Whether a rule with this key is known.
    pub fn contains(&self, key: &RuleKey) -> bool {
        self.keys.contains(key)
    }

    /// The usable rules of both tables.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What was left out while loading, one sanitised sentence each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The usable rules, in order.
    pub fn rules(&self) -> impl Iterator<Item = &KnownRule> {
        self.rules.iter().map(|loaded| &loaded.rule)
    }

    fn first_match(
        &self,
        table: RuleTable,
        source: ErrorSource,
        code: i64,
        diag: &str,
    ) -> Option<&KnownRule> {
        self.by_code
            .get(&(table, source, code))?
            .iter()
            .map(|&index| &self.rules[index])
            .find(|loaded| matches_like_python(&loaded.matcher, diag))
            .map(|loaded| &loaded.rule)
    }
}

/// `re.match` with `re.DOTALL` on a matcher of [`matcher`]. Python's `$` also matches just
/// before a newline that ends the text, Rust's only at the very end; a match of the text without
/// that newline is a match of the whole text in Python, since `re.match` need not reach the end.
fn matches_like_python(matcher: &Regex, diag: &str) -> bool {
    matcher.is_match(diag)
        || diag
            .strip_suffix('\n')
            .is_some_and(|body| matcher.is_match(body))
}

/// The source a field name stands for, compared exactly as PanDA compares `ERROR_SOURCE`.
pub fn parse_source_field(name: &str) -> Result<ErrorSource, String> {
    if let Some(source) = ErrorSource::ALL
        .into_iter()
        .find(|source| source.server_field() == name)
    {
        return Ok(source);
    }
    let near = ErrorSource::ALL.into_iter().find(|source| {
        name.trim().eq_ignore_ascii_case(source.server_field())
            || name.trim().eq_ignore_ascii_case(source.component())
    });
    Err(match near {
        Some(source) => format!(
            "unknown source field \"{}\"; PanDA compares it exactly: did you mean {}?",
            shorten(name),
            source.server_field()
        ),
        None => format!(
            "unknown source field \"{}\"; expected one of {}",
            shorten(name),
            ErrorSource::ALL.map(ErrorSource::server_field).join(", ")
        ),
    })
}

/// A code that fits `ERROR_CODE NUMBER(10)`.
pub fn check_error_code(code: i64) -> Result<i64, String> {
    if code.abs() > MAX_ERROR_CODE {
        return Err(format!(
            "code {code} does not fit the NUMBER(10) column (at most 10 digits)"
        ));
    }
    Ok(code)
}

/// Checks a diagnostic regex for PanDA's columns: at most 256 bytes, no raw control or invisible
/// characters (the console writes those as `\uXXXX`), and compiling with the `regex` crate.
// Limitation: the check is Rust's `regex` crate, not Python's `re`. The two agree on the syntax
// `diag_regex` writes; a hand-written regex with lookaround or backreferences is refused here
// although Python would take it, and a few rarities (`{,3}`, POSIX classes) read differently.
pub fn check_diag_regex(regex: &str) -> Result<(), String> {
    if regex.len() > MAX_REGEX_BYTES {
        return Err(format!(
            "ERROR_DIAG is {} bytes; PanDA's column holds at most {MAX_REGEX_BYTES}",
            regex.len()
        ));
    }
    if let Some(ch) = regex.chars().find(|&ch| is_unseen(ch)) {
        return Err(format!(
            "ERROR_DIAG holds the unseen character U+{:04X}; write it as an escape such as \\n or \\u{:04x}",
            u32::from(ch),
            u32::from(ch)
        ));
    }
    // Alone, not as a matcher: wrapped in a group, a stray `)` could pair up with the wrapper.
    Regex::new(regex)
        .map(|_| ())
        .map_err(|error| compile_error(&error))?;
    // PanDA applies the regex with Python, where a rule that does not compile never fires.
    match super::diag_regex::python_incompatibility(regex) {
        Some(why) => Err(format!(
            "ERROR_DIAG would not work in PanDA's Python: {why}"
        )),
        None => Ok(()),
    }
}

/// A checked regex as a [`matcher`], for [`RuleSet`].
fn rule_matcher(regex: &str) -> Result<Regex, String> {
    check_diag_regex(regex)?;
    matcher(regex).map_err(|bad| compile_error(&bad.source))
}

fn compile_error(error: &regex::Error) -> String {
    let text = error.to_string();
    let reason = text
        .lines()
        .find_map(|line| line.strip_prefix("error: "))
        .map_or_else(
            || text.split_whitespace().collect::<Vec<_>>().join(" "),
            str::to_string,
        );
    format!("ERROR_DIAG does not compile: {reason}")
}

/// Control characters, line and paragraph separators, and format characters that show nothing:
/// what a reader of a regex or of an SQL script could not see.
pub fn is_unseen(ch: char) -> bool {
    ch.is_control() || matches!(ch, '\u{2028}' | '\u{2029}') || super::diag_regex::shows_nothing(ch)
}

/// A description as PanDA's `DESCRIPTION VARCHAR2(250)` can hold it: every run of line breaks,
/// tabs and other whitespace controls becomes one space, other unseen characters are dropped, the
/// ends are trimmed, and the text is cut to 250 bytes at a character boundary.
pub fn clean_description(text: &str) -> String {
    let mut clean = String::with_capacity(text.len().min(MAX_DESCRIPTION_BYTES + 4));
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            pending_space = true;
            continue;
        }
        if is_unseen(ch) {
            continue;
        }
        if pending_space && !clean.is_empty() {
            clean.push(' ');
        }
        pending_space = false;
        clean.push(ch);
    }
    cut_to_bytes(&clean, MAX_DESCRIPTION_BYTES).to_string()
}

/// The longest start of `text` of at most `max_bytes` bytes that ends at a character boundary.
fn cut_to_bytes(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn shorten(value: &str) -> String {
    if value.chars().count() <= MAX_QUOTED_CHARS {
        value.to_string()
    } else {
        let head: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{head}…")
    }
}

/// The known rules file: `{"version":1,"rules":[...]}`.
#[derive(Serialize)]
struct RulesFile<'a> {
    version: u32,
    rules: &'a [KnownRule],
}

/// Reads the rules of the known rules file, in order; a missing file has none. An entry that is
/// not a rule is left out and reported (the second value); a file that is not a rules file is an
/// error.
pub fn read_rules_file(path: &Path) -> Result<(Vec<KnownRule>, Vec<String>), RulesError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Ok((Vec::new(), Vec::new()));
        }
        Err(error) => {
            return Err(RulesError::Io {
                path: path.to_path_buf(),
                action: "read the known rules",
                error,
            });
        }
    };
    let damaged = |reason: String| RulesError::Damaged {
        path: path.to_path_buf(),
        reason,
    };

    let document: Value =
        serde_json::from_slice(&bytes).map_err(|error| damaged(format!("not JSON: {error}")))?;
    let version = document
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| damaged("no \"version\" number".to_string()))?;
    if version > u64::from(RULES_FORMAT_VERSION) {
        return Err(RulesError::NewerFormat {
            path: path.to_path_buf(),
            version,
        });
    }
    let entries = document
        .get("rules")
        .and_then(Value::as_array)
        .ok_or_else(|| damaged("no \"rules\" list".to_string()))?;

    let mut rules = Vec::with_capacity(entries.len());
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        match KnownRule::deserialize(entry) {
            Ok(rule) => rules.push(rule),
            Err(error) => problems
                .push(sanitize(&format!("rule {} is not a rule: {error}", index + 1)).into_owned()),
        }
    }
    Ok((rules, problems))
}

/// Replaces the known rules file with these rules, atomically.
pub fn write_rules_file(path: &Path, rules: &[KnownRule]) -> Result<(), RulesError> {
    let mut text = serde_json::to_string_pretty(&RulesFile {
        version: RULES_FORMAT_VERSION,
        rules,
    })
    .map_err(RulesError::Encode)?;
    text.push('\n');
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|error| RulesError::Io {
            path: parent.to_path_buf(),
            action: "create the folder",
            error,
        })?;
    }
    write_atomically(path, text.as_bytes()).map_err(|error| RulesError::Io {
        path: path.to_path_buf(),
        action: "replace",
        error,
    })
}

/// Writes `bytes` to `path` so that a reader sees the old file or the new one, never a mix or a
/// stump: a sibling temporary file is written, synced and renamed over `path`. The folder must
/// exist. An existing file's permissions are kept; a symbolic link at `path` is replaced by the
/// file, not followed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path names a folder, not a file",
        )
    })?;

    let (temporary, mut file) = create_sibling(folder, name)?;
    let written = (|| {
        if let Ok(existing) = fs::metadata(path) {
            file.set_permissions(existing.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)
    })();
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }

    // The new name must survive a power cut too; failing that is no reason to call it unwritten.
    if let Err(error) = File::open(folder).and_then(|folder| folder.sync_all()) {
        tracing::warn!(file = %path.display(), %error, "cannot sync the folder of a replaced file");
    }
    Ok(())
}

/// A new file `.<name>.<pid>.<n>.tmp` beside the target, never one that exists (nor a link).
fn create_sibling(folder: &Path, name: &std::ffi::OsStr) -> io::Result<(PathBuf, File)> {
    let mut attempt = 0;
    loop {
        let mut temporary = OsString::from(".");
        temporary.push(name);
        temporary.push(format!(".{}.{attempt}.tmp", std::process::id()));
        let temporary = folder.join(temporary);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((temporary, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// How an import file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    Csv,
    Json,
}

impl ImportFormat {
    /// From the file's extension (`.json`; `.csv`, `.tsv`, `.txt`), else from its first byte that
    /// is not blank: `[` or `{` is JSON, anything else CSV.
    pub fn guess(path: &Path, bytes: &[u8]) -> ImportFormat {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => return ImportFormat::Json,
            Some("csv" | "tsv" | "txt") => return ImportFormat::Csv,
            _ => {}
        }
        let first = strip_bom(bytes)
            .iter()
            .find(|byte| !byte.is_ascii_whitespace());
        match first {
            Some(b'[' | b'{') => ImportFormat::Json,
            _ => ImportFormat::Csv,
        }
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)
}

/// A row accepted from an import, with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRule {
    /// `line 7` for CSV, `.retryerrors[2]` for JSON.
    pub place: String,
    pub rule: KnownRule,
}

/// What an import file held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedImport {
    pub rules: Vec<ImportedRule>,
    /// `FILE:7: skipped: why`, one per row that cannot be a rule, sanitised.
    pub skipped: Vec<String>,
}

/// Reads the rows of an import file named `name` in messages. Only a file that holds no table at
/// all (no header of known columns, JSON of another shape) is an error.
pub fn parse_import(
    bytes: &[u8],
    format: ImportFormat,
    name: &str,
) -> Result<ParsedImport, RulesError> {
    let name = sanitize(name).into_owned();
    let text = strip_bom(bytes);
    let rows = match format {
        ImportFormat::Csv => csv_rows(text, &name)?,
        ImportFormat::Json => json_rows(text, &name)?,
    };

    let mut parsed = ParsedImport::default();
    for row in rows {
        match rule_of(&row) {
            Ok(rule) => parsed.rules.push(ImportedRule {
                place: row.place,
                rule,
            }),
            Err(why) => {
                let place = match row.place.strip_prefix("line ") {
                    Some(line) => format!("{name}:{line}"),
                    None => format!("{name}: {}", row.place),
                };
                parsed
                    .skipped
                    .push(sanitize(&format!("{place}: skipped: {why}")).into_owned());
            }
        }
    }
    Ok(parsed)
}

/// One row of either table, its column names upper-cased.
struct RawRow {
    place: String,
    /// `None` for SQL NULL (JSON `null`).
    cells: BTreeMap<String, Option<String>>,
    /// A cell that is neither text, a number, a boolean nor null.
    unreadable: Option<String>,
}

impl RawRow {
    fn has(&self, column: &str) -> bool {
        self.cells.contains_key(column)
    }

    /// The cell's text; `None` when the column is missing or NULL.
    fn text(&self, column: &str) -> Option<&str> {
        self.cells.get(column).and_then(|cell| cell.as_deref())
    }

    fn required(&self, column: &str) -> Result<&str, String> {
        match self.text(column) {
            Some(text) if !text.trim().is_empty() => Ok(text),
            _ => Err(format!("{column} is empty")),
        }
    }
}

const CLASSIFICATION_COLUMNS: [&str; 4] =
    ["ERROR_SOURCE", "ERROR_CODE", "ERROR_DIAG", "ERROR_CLASS"];
const RETRY_COLUMNS: [&str; 4] = ["ERRORSOURCE", "ERRORCODE", "ERRORDIAG", "RETRYACTION"];

fn rule_of(row: &RawRow) -> Result<KnownRule, String> {
    if let Some(why) = &row.unreadable {
        return Err(why.clone());
    }
    if row.has("ERROR_SOURCE") {
        classification_rule(row)
    } else if row.has("ERRORSOURCE") {
        retry_rule(row)
    } else {
        Err(format!(
            "neither an ERROR_CLASSIFICATION row ({}) nor a RETRYERRORS row ({})",
            CLASSIFICATION_COLUMNS.join(", "),
            RETRY_COLUMNS.join(", ")
        ))
    }
}

fn classification_rule(row: &RawRow) -> Result<KnownRule, String> {
    for column in CLASSIFICATION_COLUMNS {
        if !row.has(column) {
            return Err(format!("no {column} column"));
        }
    }
    let source = row.required("ERROR_SOURCE")?;
    parse_source_field(source)?;
    let code = integer(row.required("ERROR_CODE")?, "ERROR_CODE")?;
    check_error_code(code)?;
    // Oracle keeps an empty string as NULL, and ERROR_DIAG is NOT NULL.
    let diag_regex = row.text("ERROR_DIAG").unwrap_or_default();
    if diag_regex.is_empty() {
        return Err("ERROR_DIAG is empty; the column is NOT NULL".to_string());
    }
    check_diag_regex(diag_regex)?;
    let error_class = row.required("ERROR_CLASS")?.trim();
    if error_class.len() > MAX_ERROR_CLASS_BYTES || error_class.chars().any(is_unseen) {
        return Err(format!(
            "ERROR_CLASS \"{}\" is not a class name (at most {MAX_ERROR_CLASS_BYTES} bytes, no control characters)",
            shorten(error_class)
        ));
    }
    Ok(KnownRule {
        id: optional_integer(row, &["ID"])?,
        error_source: source.to_string(),
        error_code: code,
        diag_regex: diag_regex.to_string(),
        description: row.text("DESCRIPTION").unwrap_or_default().to_string(),
        error_class: error_class.to_string(),
        active: active(row)?,
        retry_action: None,
        parameters: String::new(),
    })
}

fn retry_rule(row: &RawRow) -> Result<KnownRule, String> {
    for column in RETRY_COLUMNS {
        if !row.has(column) {
            return Err(format!("no {column} column"));
        }
    }
    let source = row.required("ERRORSOURCE")?;
    parse_source_field(source)?;
    let code = integer(row.required("ERRORCODE")?, "ERRORCODE")?;
    check_error_code(code)?;
    // NULL is allowed here: the rule then applies whatever the diagnostic.
    let diag_regex = row.text("ERRORDIAG").unwrap_or_default();
    check_diag_regex(diag_regex)?;
    let action = row.required("RETRYACTION")?.trim();
    let retry_action = if RETRY_ACTIONS.contains(&action) {
        action.to_string()
    } else if action.bytes().all(|byte| byte.is_ascii_digit()) {
        // The ids of the actions are whatever order a database inserted them in; only the
        // database can say which action an id is.
        action.to_string()
    } else {
        return Err(format!(
            "unknown RETRYACTION \"{}\"; expected one of {} or a numeric RETRYACTION_ID",
            shorten(action),
            RETRY_ACTIONS.join(", ")
        ));
    };
    Ok(KnownRule {
        id: optional_integer(row, &["RETRYERROR_ID", "ID"])?,
        error_source: source.to_string(),
        error_code: code,
        diag_regex: diag_regex.to_string(),
        description: row.text("DESCRIPTION").unwrap_or_default().to_string(),
        error_class: String::new(),
        active: active(row)?,
        retry_action: Some(retry_action),
        parameters: row.text("PARAMETERS").unwrap_or_default().to_string(),
    })
}

fn integer(text: &str, column: &str) -> Result<i64, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "{column} \"{}\" is not a whole number",
            shorten(text.trim())
        )
    })
}

/// The first of these id columns that has a value.
fn optional_integer(row: &RawRow, columns: &[&str]) -> Result<Option<i64>, String> {
    for column in columns {
        if let Some(text) = row.text(column).filter(|text| !text.trim().is_empty()) {
            return integer(text, column).map(Some);
        }
    }
    Ok(None)
}

/// `ACTIVE` is `Y` or `N`; without the column, `Y`, the database's default.
fn active(row: &RawRow) -> Result<bool, String> {
    if !row.has("ACTIVE") {
        return Ok(true);
    }
    match row.text("ACTIVE").map(str::trim) {
        Some(flag) if flag.eq_ignore_ascii_case("y") => Ok(true),
        Some(flag) if flag.eq_ignore_ascii_case("n") => Ok(false),
        Some(flag) => Err(format!("ACTIVE \"{}\" is not Y or N", shorten(flag))),
        None => Err("ACTIVE is empty; expected Y or N".to_string()),
    }
}

/// The rows of a CSV file whose first non-blank line names the columns.
fn csv_rows(text: &[u8], name: &str) -> Result<Vec<RawRow>, RulesError> {
    let no_header = |found: &str| RulesError::Input {
        name: name.to_string(),
        reason: format!(
            "the first line is not a header of ERROR_CLASSIFICATION columns ({}) or RETRYERRORS \
             columns ({}) separated by commas, semicolons or tabs; found: {}",
            CLASSIFICATION_COLUMNS.join(", "),
            RETRY_COLUMNS.join(", "),
            shorten(found)
        ),
    };

    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            text.iter()
                .enumerate()
                .filter(|(_, byte)| **byte == b'\n')
                .map(|(index, _)| index + 1),
        )
        .collect();
    let Some(header_start) = line_starts.iter().copied().find(|&start| {
        text[start..]
            .split(|byte| *byte == b'\n')
            .next()
            .is_some_and(|line| !line.iter().all(u8::is_ascii_whitespace))
    }) else {
        return Ok(Vec::new());
    };
    let body = &text[header_start..];
    let first_line = body.split(|byte| *byte == b'\n').next().unwrap_or_default();

    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .find(|&delimiter| {
            let columns = header_columns(first_line, delimiter);
            let has_all = |wanted: &[&str]| wanted.iter().all(|c| columns.iter().any(|n| n == c));
            has_all(&CLASSIFICATION_COLUMNS[..3]) || has_all(&RETRY_COLUMNS)
        })
        .ok_or_else(|| no_header(&String::from_utf8_lossy(first_line)))?;
    let columns = header_columns(first_line, delimiter);
    if columns.iter().any(|c| c == "ERROR_SOURCE") && !columns.iter().any(|c| c == "ERROR_CLASS") {
        return Err(RulesError::Input {
            name: name.to_string(),
            reason: "the header has no ERROR_CLASS column; ERROR_CLASSIFICATION rows need one"
                .to_string(),
        });
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(body);
    let line_of = |byte: u64| {
        let mut at = header_start + usize::try_from(byte).unwrap_or(usize::MAX).min(body.len());
        // The reader may place a record at the line end before it.
        while at < text.len() && matches!(text[at], b'\r' | b'\n') {
            at += 1;
        }
        line_starts.partition_point(|&start| start <= at)
    };

    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| line_of(position.byte()));
                return Err(RulesError::Input {
                    name: format!("{name}:{line}"),
                    reason: format!("cannot read the CSV: {error}"),
                });
            }
        }
        if record
            .iter()
            .all(|field| field.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        let line = record
            .position()
            .map_or(0, |position| line_of(position.byte()));
        let mut row = RawRow {
            place: format!("line {line}"),
            cells: BTreeMap::new(),
            unreadable: None,
        };
        if record.len() != columns.len() {
            row.unreadable = Some(format!(
                "the row has {} fields, the header {}",
                record.len(),
                columns.len()
            ));
        }
        for (column, field) in columns.iter().zip(record.iter()) {
            match std::str::from_utf8(field) {
                Ok(text) => {
                    row.cells.insert(column.clone(), Some(text.to_string()));
                }
                Err(_) => {
                    row.unreadable = Some(format!("{column} is not UTF-8 text"));
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

fn header_columns(line: &[u8], delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(line);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|field| String::from_utf8_lossy(field).trim().to_ascii_uppercase())
            .collect(),
        _ => Vec::new(),
    }
}

/// The rows of a JSON array of row objects, or of the object `triage export` writes.
fn json_rows(text: &[u8], name: &str) -> Result<Vec<RawRow>, RulesError> {
    let input_error = |reason: String| RulesError::Input {
        name: name.to_string(),
        reason,
    };
    let document: Value =
        serde_json::from_slice(text).map_err(|error| input_error(format!("not JSON: {error}")))?;

    let mut lists: Vec<(String, &Vec<Value>)> = Vec::new();
    match &document {
        Value::Array(rows) => lists.push((String::new(), rows)),
        Value::Object(tables) => {
            for (key, value) in tables {
                let known = ["error_classification", "retryerrors"]
                    .iter()
                    .any(|table| key.eq_ignore_ascii_case(table));
                match value {
                    Value::Array(rows) if known => lists.push((format!(".{key}"), rows)),
                    _ => {
                        return Err(input_error(format!(
                            "unexpected key \"{}\"; expected an array of rows or an object of \
                             \"error_classification\" and \"retryerrors\" arrays",
                            shorten(key)
                        )));
                    }
                }
            }
        }
        _ => {
            return Err(input_error(
                "expected an array of rows or an object of \"error_classification\" and \
                 \"retryerrors\" arrays"
                    .to_string(),
            ));
        }
    }

    let mut rows = Vec::new();
    for (prefix, list) in lists {
        for (index, value) in list.iter().enumerate() {
            let mut row = RawRow {
                place: format!("{prefix}[{index}]"),
                cells: BTreeMap::new(),
                unreadable: None,
            };
            let Value::Object(cells) = value else {
                row.unreadable = Some("not an object of column names and values".to_string());
                rows.push(row);
                continue;
            };
            for (column, cell) in cells {
                let column = column.trim().to_ascii_uppercase();
                let text = match cell {
                    Value::Null => None,
                    Value::String(text) => Some(text.clone()),
                    Value::Number(number) => Some(number.to_string()),
                    Value::Bool(true) => Some("Y".to_string()),
                    Value::Bool(false) => Some("N".to_string()),
                    Value::Array(_) | Value::Object(_) => {
                        row.unreadable = Some(format!("{column} holds a list or an object"));
                        None
                    }
                };
                row.cells.insert(column, text);
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// What merging an import into the known rules did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeCounts {
    /// Rules whose key was not known.
    pub added: usize,
    /// Known rules replaced by a row with the same key.
    pub replaced: usize,
    /// Rows of the import replaced by a later row of the same import, each `place: why`.
    pub superseded: Vec<String>,
}

/// Merges imported rules into `known`: a rule with a known key replaces the known one in its
/// place, a new key is added at the end; within the import a later row replaces an earlier one.
pub fn merge(known: &mut Vec<KnownRule>, imported: Vec<ImportedRule>) -> MergeCounts {
    let mut counts = MergeCounts::default();
    let mut positions: BTreeMap<RuleKey, usize> = known
        .iter()
        .enumerate()
        .map(|(index, rule)| (rule.key(), index))
        .collect();
    let mut imported_at: BTreeMap<RuleKey, String> = BTreeMap::new();

    for ImportedRule { place, rule } in imported {
        let key = rule.key();
        let earlier_row = imported_at.insert(key.clone(), place.clone());
        match (positions.get(&key), earlier_row) {
            (Some(&index), Some(earlier)) => {
                counts.superseded.push(format!(
                    "{earlier}: replaced by {place}, a later row of the same table, source, code \
                     and regex"
                ));
                known[index] = rule;
            }
            (Some(&index), None) => {
                counts.replaced += 1;
                known[index] = rule;
            }
            (None, _) => {
                positions.insert(key, known.len());
                known.push(rule);
                counts.added += 1;
            }
        }
    }
    counts
}

/// `pandaops triage import FILE`: reads the rows, merges them into the known rules of `data_dir`
/// and prints what changed. Skipped rows are reported on standard error. Returns the exit status.
pub fn import_command(
    file: &Path,
    format: Option<ImportFormat>,
    data_dir: &Path,
) -> Result<i32, RulesError> {
    let path = known_rules_path(data_dir);
    let (mut known, problems) = read_rules_file(&path)?;
    if let Some(first) = problems.first() {
        // Rewriting the file would lose these entries; a person must look at them first.
        return Err(RulesError::Damaged {
            path,
            reason: format!(
                "{first}{}; it is left as it is so that nothing in it is lost",
                match problems.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                }
            ),
        });
    }

    let name = file.display().to_string();
    let bytes = fs::read(file).map_err(|error| RulesError::Io {
        path: file.to_path_buf(),
        action: "read",
        error,
    })?;
    let format = format.unwrap_or_else(|| ImportFormat::guess(file, &bytes));
    let parsed = parse_import(&bytes, format, &name)?;
    for message in &parsed.skipped {
        eprintln!("{message}");
    }

    let rows = parsed.rules.len();
    let counts = merge(&mut known, parsed.rules);
    for note in &counts.superseded {
        eprintln!("{}: {}", sanitize(&name), sanitize(note));
    }
    // Limitation: two imports at the same moment both read the old file, and the rows of the one
    // that renames first are lost; imports are rare and run by hand.
    if counts.added + counts.replaced > 0 {
        write_rules_file(&path, &known)?;
    }

    let superseded = match counts.superseded.len() {
        0 => String::new(),
        n => format!(", {n} replaced by a later row of the file"),
    };
    println!(
        "{}: {} added, {} replaced, {} skipped{superseded} ({} rows read); {} known rules in {}",
        sanitize(&name),
        counts.added,
        counts.replaced,
        parsed.skipped.len(),
        rows + parsed.skipped.len(),
        known.len(),
        sanitize(&path.display().to_string())
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classification(source: &str, code: i64, regex: &str) -> KnownRule {
        KnownRule {
            id: None,
            error_source: source.to_string(),
            error_code: code,
            diag_regex: regex.to_string(),
            description: String::new(),
            error_class: "system".to_string(),
            active: true,
            retry_action: None,
            parameters: String::new(),
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let folder =
            std::env::temp_dir().join(format!("pandaops-rules-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&folder);
        fs::create_dir_all(&folder).unwrap();
        folder
    }

    #[test]
    fn regexes_are_checked_for_size_syntax_and_unseen_characters() {
        assert!(check_diag_regex(&"a".repeat(256)).is_ok());
        assert_eq!(
            check_diag_regex(&"a".repeat(257)).unwrap_err(),
            "ERROR_DIAG is 257 bytes; PanDA's column holds at most 256"
        );
        // Wrapped as `(?:…)` this would pair up; alone it does not compile, nor in Python.
        assert_eq!(
            check_diag_regex("a)|(b").unwrap_err(),
            "ERROR_DIAG does not compile: unopened group"
        );
        assert_eq!(
            check_diag_regex("(?<=x)y").unwrap_err(),
            "ERROR_DIAG does not compile: look-around, including look-ahead and look-behind, is \
             not supported"
        );
        assert_eq!(
            check_diag_regex("a\nb").unwrap_err(),
            "ERROR_DIAG holds the unseen character U+000A; write it as an escape such as \\n or \
             \\u000a"
        );
        assert!(check_diag_regex(r"a\u000ab").is_ok());
    }

    #[test]
    fn descriptions_become_one_line_of_at_most_250_bytes() {
        assert_eq!(
            clean_description("  two\r\n\tlines\u{202e} and\u{1b}[31m  red \n"),
            "two lines and[31m red"
        );
        let long = format!("{}é", "a".repeat(249));
        assert_eq!(clean_description(&long), "a".repeat(249));
        assert_eq!(clean_description(&"é".repeat(200)), "é".repeat(125));
    }

    #[test]
    fn source_fields_are_exact_with_a_hint_when_close() {
        assert_eq!(
            parse_source_field("ddmErrorCode"),
            Ok(ErrorSource::DataService)
        );
        assert_eq!(
            parse_source_field("pilot").unwrap_err(),
            "unknown source field \"pilot\"; PanDA compares it exactly: did you mean \
             pilotErrorCode?"
        );
        assert!(
            parse_source_field("")
                .unwrap_err()
                .contains("expected one of")
        );
    }

    #[test]
    fn rules_that_cannot_be_used_are_left_out_and_reported() {
        let rules = RuleSet::from_rules([
            classification("pilotErrorCode", 1, "("),
            classification("pilotErrorCode", 2, "ok"),
            classification("pilot", 3, "ok"),
        ]);
        assert_eq!(rules.len(), 1);
        assert_eq!(
            rules.problems(),
            [
                "ERROR_CLASSIFICATION rule (pilotErrorCode, 1, \"(\") left out: ERROR_DIAG does \
                 not compile: unclosed group",
                "ERROR_CLASSIFICATION rule (pilot, 3, \"ok\") left out: unknown source field \
                 \"pilot\"; PanDA compares it exactly: did you mean pilotErrorCode?"
            ]
        );
    }

    #[test]
    fn a_final_newline_is_before_dollar_as_in_python() {
        let rules = RuleSet::from_rules([classification("pilotErrorCode", 1, r"done\s*$")]);
        assert!(rules.find(ErrorSource::Pilot, 1, "done\n").is_some());
        assert!(rules.find(ErrorSource::Pilot, 1, "done\n\n").is_some());
        assert!(rules.find(ErrorSource::Pilot, 1, "done x\n").is_none());
        let strict = RuleSet::from_rules([classification("pilotErrorCode", 1, "done$")]);
        assert!(strict.find(ErrorSource::Pilot, 1, "done\n").is_some());
        assert!(strict.find(ErrorSource::Pilot, 1, "done\n\n").is_none());
    }

    #[test]
    fn merging_replaces_in_place_and_appends_what_is_new() {
        let mut known = vec![
            classification("pilotErrorCode", 1, "a"),
            classification("pilotErrorCode", 2, "b"),
        ];
        let mut newer = classification("pilotErrorCode", 2, "b");
        newer.description = "newer".to_string();
        let mut newest = newer.clone();
        newest.description = "newest".to_string();
        let mut retry = classification("pilotErrorCode", 2, "b");
        retry.retry_action = Some("no_retry".to_string());
        let imported = [
            ("line 2", newer),
            ("line 3", classification("pilotErrorCode", 3, "c")),
            ("line 4", newest),
            ("line 5", retry),
        ]
        .map(|(place, rule)| ImportedRule {
            place: place.to_string(),
            rule,
        });

        let counts = merge(&mut known, imported.to_vec());

        assert_eq!(counts.added, 2);
        assert_eq!(counts.replaced, 1);
        assert_eq!(
            counts.superseded,
            ["line 2: replaced by line 4, a later row of the same table, source, code and regex"]
        );
        let summary: Vec<(i64, &str, bool)> = known
            .iter()
            .map(|r| {
                (
                    r.error_code,
                    r.description.as_str(),
                    r.retry_action.is_some(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, "", false),
                (2, "newest", false),
                (3, "", false),
                (2, "", true)
            ]
        );
    }

    #[test]
    fn json_imports_take_arrays_and_the_export_object_in_any_case() {
        let text = br#"{"ERROR_CLASSIFICATION": [
            {"error_source": "pilotErrorCode", "error_code": "1099", "error_diag": "x.*",
             "error_class": "system", "active": true, "description": null},
            {"ERROR_SOURCE": "pilotErrorCode", "ERROR_CODE": 1.5, "ERROR_DIAG": "x",
             "ERROR_CLASS": "user"},
            ["not", "a", "row"]
        ]}"#;
        let parsed = parse_import(text, ImportFormat::Json, "f.json").unwrap();
        assert_eq!(parsed.rules.len(), 1);
        assert_eq!(parsed.rules[0].place, ".ERROR_CLASSIFICATION[0]");
        assert_eq!(parsed.rules[0].rule.error_code, 1099);
        assert_eq!(
            parsed.skipped,
            [
                "f.json: .ERROR_CLASSIFICATION[1]: skipped: ERROR_CODE \"1.5\" is not a whole \
                 number",
                "f.json: .ERROR_CLASSIFICATION[2]: skipped: not an object of column names and \
                 values"
            ]
        );

        let array = br#"[{"ERRORSOURCE": "supErrorCode", "ERRORCODE": 3, "ERRORDIAG": null,
            "RETRYACTION": "increase_memory"}, {"COLOUR": "red"}]"#;
        let parsed = parse_import(array, ImportFormat::Json, "a.json").unwrap();
        assert_eq!(
            parsed.rules[0].rule.retry_action.as_deref(),
            Some("increase_memory")
        );
        assert!(parsed.skipped[0].starts_with("a.json: [1]: skipped: neither"));

        let error = parse_import(br#"{"rows": []}"#, ImportFormat::Json, "o.json").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("o.json: unexpected key \"rows\"")
        );
    }

    #[test]
    fn csv_needs_a_header_of_known_columns() {
        let error = parse_import(b"\n\nsource,code,diag\n", ImportFormat::Csv, "x.csv")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("x.csv: the first line is not a header"),
            "{error}"
        );
        assert!(error.ends_with("found: source,code,diag"), "{error}");

        let error = parse_import(
            b"ERROR_SOURCE,ERROR_CODE,ERROR_DIAG\n",
            ImportFormat::Csv,
            "y",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "y: the header has no ERROR_CLASS column; ERROR_CLASSIFICATION rows need one"
        );

        let text = b"\r\nerror_source,error_code,error_diag,error_class\r\n\r\npilotErrorCode,1,\"a,b\",user\r\npilotErrorCode,2\r\n";
        let parsed = parse_import(text, ImportFormat::Csv, "z.csv").unwrap();
        assert_eq!(parsed.rules[0].place, "line 4");
        assert_eq!(parsed.rules[0].rule.diag_regex, "a,b");
        assert!(parsed.rules[0].rule.active);
        assert_eq!(
            parsed.skipped,
            ["z.csv:5: skipped: the row has 2 fields, the header 4"]
        );
    }

    #[test]
    fn formats_are_guessed_from_the_name_or_the_first_character() {
        let guess = |name: &str, text: &[u8]| ImportFormat::guess(Path::new(name), text);
        assert_eq!(guess("a.JSON", b"x"), ImportFormat::Json);
        assert_eq!(guess("a.csv", b"[1]"), ImportFormat::Csv);
        assert_eq!(guess("dump", b"\xef\xbb\xbf \n [{}]"), ImportFormat::Json);
        assert_eq!(guess("dump", b"ID;ERROR_SOURCE"), ImportFormat::Csv);
    }

    #[test]
    fn the_rules_file_round_trips_and_refuses_newer_versions() {
        let folder = scratch("file");
        let path = known_rules_path(&folder.join("data"));
        assert_eq!(read_rules_file(&path).unwrap(), (Vec::new(), Vec::new()));

        let rules = vec![classification("pilotErrorCode", 1, "a")];
        write_rules_file(&path, &rules).unwrap();
        assert_eq!(read_rules_file(&path).unwrap(), (rules, Vec::new()));
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, [KNOWN_RULES_FILE]);

        fs::write(&path, r#"{"version":1,"rules":[{"error_code":1},{"error_source":"pilotErrorCode","error_code":2,"diag_regex":"b","active":false}]}"#).unwrap();
        let (rules, problems) = read_rules_file(&path).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(
            problems,
            ["rule 1 is not a rule: missing field `error_source`"]
        );

        fs::write(&path, r#"{"version":2,"rules":[]}"#).unwrap();
        assert!(matches!(
            RuleSet::load(&path),
            Err(RulesError::NewerFormat { version: 2, .. })
        ));
        fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn atomic_writes_keep_permissions_and_fail_cleanly() {
        use std::os::unix::fs::PermissionsExt as _;
        let folder = scratch("atomic");
        let path = folder.join("out.sql");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();

        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );

        let missing = folder.join("missing/out.sql");
        assert_eq!(
            write_atomically(&missing, b"x").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 1);
        fs::remove_dir_all(&folder).unwrap();
    }
}
