//! `pandaops triage export`: the operators' standing decisions as rows for PanDA's
//! `ERROR_CLASSIFICATION` table and proposals for its `RETRYERRORS` table, written as JSON, CSV or
//! Oracle SQL for a database administrator to review and load.
//!
//! Confirmed and edited decisions become `ERROR_CLASSIFICATION` rows (`ACTIVE = 'Y'`); those with a
//! retry action also become `RETRYERRORS` rows, inactive unless asked otherwise, since PanDA only
//! logs what an inactive rule would do and a proposal can be watched before it acts. Rejected
//! decisions, decisions that cannot be a valid row, and rows the known rules (see
//! [`super::rules`]) already hold are left out, and each omission is reported, never silent.
//!
//! Building rows and rendering them are pure functions; only [`export_command`] reads the journal
//! and the known rules and writes. The journal is read without its lock, so a running console is
//! not disturbed. Every string came from a server or an operator: rows are checked when they are
//! built, and the SQL renderer refuses any character a script could hide.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::ui::text::sanitize;

use super::journal::{self, Decision, JournalError, RetryAction, Verdict};
use super::rules::{
    self, RuleKey, RuleSet, RuleTable, RulesError, check_diag_regex, check_error_code,
    clean_description, is_unseen, parse_source_field,
};

/// The schema of PanDA's tables when `--schema` is not given.
pub const DEFAULT_SCHEMA: &str = "ATLAS_PANDA";

/// The longest identifier Oracle takes (12.2 and later; 30 before).
const MAX_IDENTIFIER_BYTES: usize = 128;

/// What `--format` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// `{"error_classification": [...], "retryerrors": [...]}`, keys the column names.
    Json,
    /// One table (see `--table`) with a header of its column names.
    Csv,
    /// Oracle `INSERT` statements and a final `COMMIT`.
    Sql,
}

/// Which table a CSV export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExportTable {
    #[default]
    Classification,
    Retryerrors,
}

/// One `ERROR_CLASSIFICATION` row; `ID` is left to the database's identity column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassificationRow {
    /// The decided group, for messages; not a column.
    #[serde(skip)]
    pub group_id: String,
    #[serde(rename = "ERROR_SOURCE")]
    pub error_source: String,
    #[serde(rename = "ERROR_CODE")]
    pub error_code: i64,
    #[serde(rename = "ERROR_DIAG")]
    pub error_diag: String,
    #[serde(rename = "DESCRIPTION")]
    pub description: String,
    #[serde(rename = "ERROR_CLASS")]
    pub error_class: String,
    #[serde(rename = "ACTIVE", serialize_with = "yes_no")]
    pub active: bool,
}

/// One `RETRYERRORS` row; `RETRYERROR_ID` is left to the database's sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryErrorRow {
    #[serde(skip)]
    pub group_id: String,
    #[serde(rename = "ERRORSOURCE")]
    pub error_source: String,
    #[serde(rename = "ERRORCODE")]
    pub error_code: i64,
    #[serde(rename = "ERRORDIAG")]
    pub error_diag: String,
    /// The action's name; the SQL looks its id up in `RETRYACTIONS`.
    #[serde(rename = "RETRYACTION")]
    pub retry_action: String,
    /// `maxAttempt=3` for `limit_retry`; `None` (NULL) for the others.
    #[serde(rename = "PARAMETERS")]
    pub parameters: Option<String>,
    #[serde(rename = "DESCRIPTION")]
    pub description: String,
    #[serde(rename = "ACTIVE", serialize_with = "yes_no")]
    pub active: bool,
}

fn yes_no<S: Serializer>(active: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if *active { "Y" } else { "N" })
}

const CLASSIFICATION_COLUMNS: [&str; 6] = [
    "ERROR_SOURCE",
    "ERROR_CODE",
    "ERROR_DIAG",
    "DESCRIPTION",
    "ERROR_CLASS",
    "ACTIVE",
];

const RETRY_COLUMNS: [&str; 7] = [
    "ERRORSOURCE",
    "ERRORCODE",
    "ERRORDIAG",
    "RETRYACTION",
    "PARAMETERS",
    "DESCRIPTION",
    "ACTIVE",
];

/// The rows to write and what was left out, in the order of (source, code, regex).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportRows {
    pub classification: Vec<ClassificationRow>,
    pub retryerrors: Vec<RetryErrorRow>,
    /// Standing decisions that reject the suggestion: not exported.
    pub rejected: usize,
    /// Rows left out because the known rules hold their key.
    pub known_classification: usize,
    pub known_retryerrors: usize,
    /// `group G (source code): why`, one per decision that cannot be a row, unsanitised.
    pub invalid: Vec<String>,
    /// Decisions whose rows have the key of an earlier row: exported once.
    pub duplicates: Vec<String>,
}

/// The job field `ERROR_CLASSIFICATION` rules never apply to: the retry module's
/// `get_job_error_details` collects the pilot, executor, supervisor, ddm, brokerage, job
/// dispatcher and task buffer errors only.
const NOT_CLASSIFIED_SOURCE: &str = "transExitCode";

/// Builds the rows of standing decisions (see [`journal::Replay::decisions`]), leaving out what
/// `known` already holds. `activate_retries` makes `RETRYERRORS` rows active.
pub fn build_rows<'a>(
    decisions: impl IntoIterator<Item = &'a Decision>,
    known: &RuleSet,
    activate_retries: bool,
) -> ExportRows {
    let mut rows = ExportRows::default();
    let mut accepted: Vec<(&Decision, String)> = Vec::new();
    for decision in decisions {
        match decision.verdict {
            Verdict::Rejected => rows.rejected += 1,
            Verdict::Confirmed | Verdict::Edited => match check_decision(decision) {
                Ok(()) => accepted.push((decision, clean_description(&decision.description))),
                Err(why) => rows.invalid.push(format!(
                    "group {} ({} {}): {why}",
                    decision.group_id, decision.error_source, decision.error_code
                )),
            },
        }
    }
    accepted.sort_by(|(a, _), (b, _)| {
        (&a.error_source, a.error_code, &a.diag_regex, &a.group_id).cmp(&(
            &b.error_source,
            b.error_code,
            &b.diag_regex,
            &b.group_id,
        ))
    });

    // Sorted by key, a decision with the key of another comes right after it.
    let mut first_group: Option<(RuleKey, String)> = None;
    for (decision, description) in accepted {
        let classification_key = key_of(RuleTable::ErrorClassification, decision);
        if let Some((key, group)) = &first_group
            && *key == classification_key
        {
            rows.duplicates.push(format!(
                "group {} has the source, code and regex of group {group}; exported once",
                decision.group_id
            ));
            continue;
        }
        first_group = Some((classification_key.clone(), decision.group_id.clone()));

        if decision.error_source == NOT_CLASSIFIED_SOURCE {
            // PanDA's error classification reads seven error fields, not transExitCode (the
            // retry module does read it, so a RETRYERRORS proposal still follows).
            rows.invalid.push(format!(
                "group {} ({} {}): PanDA's error classification does not read \
                 {NOT_CLASSIFIED_SOURCE}, so no ERROR_CLASSIFICATION row",
                decision.group_id, decision.error_source, decision.error_code
            ));
        } else if known.contains(&classification_key) {
            rows.known_classification += 1;
        } else {
            rows.classification.push(ClassificationRow {
                group_id: decision.group_id.clone(),
                error_source: decision.error_source.clone(),
                error_code: decision.error_code,
                error_diag: decision.diag_regex.clone(),
                description: description.clone(),
                error_class: decision.error_class.as_str().to_string(),
                active: true,
            });
        }

        let Some(action) = decision.retry_action else {
            continue;
        };
        if known.contains(&key_of(RuleTable::RetryErrors, decision)) {
            rows.known_retryerrors += 1;
            continue;
        }
        rows.retryerrors.push(RetryErrorRow {
            group_id: decision.group_id.clone(),
            error_source: decision.error_source.clone(),
            error_code: decision.error_code,
            error_diag: decision.diag_regex.clone(),
            retry_action: action.as_str().to_string(),
            parameters: parameters(action),
            description,
            active: activate_retries,
        });
    }
    rows
}

fn key_of(table: RuleTable, decision: &Decision) -> RuleKey {
    RuleKey {
        table,
        error_source: decision.error_source.clone(),
        error_code: decision.error_code,
        diag_regex: decision.diag_regex.clone(),
    }
}

/// What PanDA needs of a decision's columns before it can be a row.
fn check_decision(decision: &Decision) -> Result<(), String> {
    parse_source_field(&decision.error_source)?;
    check_error_code(decision.error_code)?;
    if decision.diag_regex.is_empty() {
        return Err("ERROR_DIAG is empty; the column is NOT NULL".to_string());
    }
    check_diag_regex(&decision.diag_regex)?;
    Ok(())
}

/// `RETRYERRORS.PARAMETERS` of an action.
fn parameters(action: RetryAction) -> Option<String> {
    match action {
        RetryAction::LimitRetry { max_attempt } => Some(format!("maxAttempt={max_attempt}")),
        RetryAction::NoRetry
        | RetryAction::IncreaseMemory
        | RetryAction::IncreaseMemoryXtimes
        | RetryAction::IncreaseCputime
        | RetryAction::ReduceInputPerJob => None,
    }
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "--schema \"{0}\" is not an Oracle identifier: a letter, then letters, digits, _, $ or #, \
         at most 128 bytes"
    )]
    Schema(String),
    #[error("{0}")]
    Usage(String),
    #[error(
        "{column} of group {group} holds the unseen character U+{code:04X}, which SQL must not carry"
    )]
    Unseen {
        column: &'static str,
        group: String,
        code: u32,
    },
    // Causes are in the messages and not chained as sources, so that a report of the chain does
    // not say them twice.
    #[error("{0}")]
    Journal(JournalError),
    #[error("{0}")]
    Rules(RulesError),
    #[error("cannot encode the export: {0}")]
    Json(serde_json::Error),
    #[error("cannot write the CSV: {0}")]
    Csv(csv::Error),
    #[error("cannot write {}: {error}", .path.display())]
    Write { path: PathBuf, error: io::Error },
    #[error("cannot write to standard output: {0}")]
    Stdout(io::Error),
}

/// An Oracle schema name, checked to be a plain identifier so that it can be written unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema(String);

impl Schema {
    pub fn parse(name: &str) -> Result<Schema, ExportError> {
        let mut chars = name.chars();
        let valid = chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
            && chars.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '$' | '#'))
            && name.len() <= MAX_IDENTIFIER_BYTES;
        if valid {
            Ok(Schema(name.to_string()))
        } else {
            Err(ExportError::Schema(sanitize(name).into_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `{"error_classification": [...], "retryerrors": [...]}`, pretty-printed, ending in a newline.
pub fn render_json(rows: &ExportRows) -> Result<String, ExportError> {
    #[derive(Serialize)]
    struct Tables<'a> {
        error_classification: &'a [ClassificationRow],
        retryerrors: &'a [RetryErrorRow],
    }
    let mut text = serde_json::to_string_pretty(&Tables {
        error_classification: &rows.classification,
        retryerrors: &rows.retryerrors,
    })
    .map_err(ExportError::Json)?;
    text.push('\n');
    Ok(text)
}

/// One table as CSV with a header of its column names; `PARAMETERS` NULL is an empty field.
pub fn render_csv(rows: &ExportRows, table: ExportTable) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    write_table(&mut writer, rows, table).map_err(ExportError::Csv)?;
    writer
        .into_inner()
        .map_err(|error| ExportError::Csv(error.into_error().into()))
}

fn write_table(
    writer: &mut csv::Writer<Vec<u8>>,
    rows: &ExportRows,
    table: ExportTable,
) -> Result<(), csv::Error> {
    match table {
        ExportTable::Classification => {
            writer.write_record(CLASSIFICATION_COLUMNS)?;
            for row in &rows.classification {
                writer.write_record([
                    row.error_source.as_str(),
                    &row.error_code.to_string(),
                    &row.error_diag,
                    &row.description,
                    &row.error_class,
                    flag(row.active),
                ])?;
            }
        }
        ExportTable::Retryerrors => {
            writer.write_record(RETRY_COLUMNS)?;
            for row in &rows.retryerrors {
                writer.write_record([
                    row.error_source.as_str(),
                    &row.error_code.to_string(),
                    &row.error_diag,
                    &row.retry_action,
                    row.parameters.as_deref().unwrap_or_default(),
                    &row.description,
                    flag(row.active),
                ])?;
            }
        }
    }
    Ok(())
}

fn flag(active: bool) -> &'static str {
    if active { "Y" } else { "N" }
}

/// Oracle `INSERT` statements, one a line, `ERROR_CLASSIFICATION` first, then `COMMIT;`.
///
/// Strings are single-quoted with quotes doubled, the only escape Oracle string literals have.
/// `&` is written `CHR(38)` outside the quotes, because SQL*Plus and SQLcl would otherwise take
/// it for a substitution variable and prompt. A string holding a control or invisible character
/// is refused: it could hide part of a statement from the person reviewing it.
pub fn render_sql(rows: &ExportRows, schema: &Schema) -> Result<String, ExportError> {
    let schema = schema.as_str();
    let mut sql = format!(
        "-- pandaops triage export: {} ERROR_CLASSIFICATION row{}, {} RETRYERRORS proposal{}.\n\
         -- ERROR_CLASSIFICATION.ID comes from its identity column; RETRYERRORS rules with \
         ACTIVE = 'N' are only logged by PanDA.\n",
        rows.classification.len(),
        plural(rows.classification.len()),
        rows.retryerrors.len(),
        plural(rows.retryerrors.len()),
    );

    for row in &rows.classification {
        let text = |column, value: &str| sql_text(column, &row.group_id, value);
        sql.push_str(&format!(
            "INSERT INTO {schema}.ERROR_CLASSIFICATION ({}) VALUES ({}, {}, {}, {}, {}, {});\n",
            CLASSIFICATION_COLUMNS.join(", "),
            text("ERROR_SOURCE", &row.error_source)?,
            row.error_code,
            text("ERROR_DIAG", &row.error_diag)?,
            text("DESCRIPTION", &row.description)?,
            text("ERROR_CLASS", &row.error_class)?,
            text("ACTIVE", flag(row.active))?,
        ));
    }
    for row in &rows.retryerrors {
        let text = |column, value: &str| sql_text(column, &row.group_id, value);
        sql.push_str(&format!(
            "INSERT INTO {schema}.RETRYERRORS (RETRYERROR_ID, {}) VALUES \
             ({schema}.RETRYERRORS_ID_SEQ.NEXTVAL, {}, {}, {}, (SELECT RETRYACTION_ID FROM \
             {schema}.RETRYACTIONS WHERE RETRY_ACTION = {}), {}, {}, {});\n",
            RETRY_COLUMNS.join(", "),
            text("ERRORSOURCE", &row.error_source)?,
            row.error_code,
            text("ERRORDIAG", &row.error_diag)?,
            text("RETRYACTION", &row.retry_action)?,
            text("PARAMETERS", row.parameters.as_deref().unwrap_or_default())?,
            text("DESCRIPTION", &row.description)?,
            text("ACTIVE", flag(row.active))?,
        ));
    }
    sql.push_str("COMMIT;\n");
    Ok(sql)
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// A string as an Oracle SQL expression: `NULL` when empty (Oracle makes '' NULL anyway),
/// otherwise quoted, with `&` between literals as `CHR(38)`.
fn sql_text(column: &'static str, group: &str, value: &str) -> Result<String, ExportError> {
    if let Some(ch) = value.chars().find(|&ch| is_unseen(ch)) {
        return Err(ExportError::Unseen {
            column,
            group: sanitize(group).into_owned(),
            code: u32::from(ch),
        });
    }
    if value.is_empty() {
        return Ok("NULL".to_string());
    }
    let literals: Vec<String> = value
        .split('&')
        .map(|part| format!("'{}'", part.replace('\'', "''")))
        .collect();
    Ok(literals.join("||CHR(38)||"))
}

/// What `pandaops triage export` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Only with `--format csv`; classification when not given.
    pub table: Option<ExportTable>,
    /// Standard output when `None`.
    pub output: Option<PathBuf>,
    pub journal: PathBuf,
    pub known_rules: PathBuf,
    /// Only with `--format sql`; [`DEFAULT_SCHEMA`] when not given.
    pub schema: Option<String>,
    pub activate_retries: bool,
}

/// `pandaops triage export`: reads the journal (without its lock) and the known rules, writes the
/// rows, and reports on standard error what was left out and why. Returns the exit status.
pub fn export_command(options: &ExportOptions) -> Result<i32, ExportError> {
    if options.table.is_some() && options.format != ExportFormat::Csv {
        return Err(ExportError::Usage(
            "--table applies to --format csv only; json and sql hold both tables".to_string(),
        ));
    }
    if options.schema.is_some() && options.format != ExportFormat::Sql {
        return Err(ExportError::Usage(
            "--schema applies to --format sql only".to_string(),
        ));
    }
    let schema = Schema::parse(options.schema.as_deref().unwrap_or(DEFAULT_SCHEMA))?;

    let journal_name = sanitize(&options.journal.display().to_string()).into_owned();
    let replay = journal::read(&options.journal).map_err(ExportError::Journal)?;
    for damage in &replay.damaged {
        eprintln!(
            "pandaops: {journal_name} line {} skipped: {}",
            damage.line,
            sanitize(&damage.reason)
        );
    }
    let known = RuleSet::load(&options.known_rules).map_err(ExportError::Rules)?;
    for problem in known.problems() {
        eprintln!("pandaops: known rules: {problem}");
    }

    let rows = build_rows(
        replay.decisions.values().map(|saved| &saved.decision),
        &known,
        options.activate_retries,
    );
    let table = options.table.unwrap_or_default();
    let bytes = match options.format {
        ExportFormat::Json => render_json(&rows)?.into_bytes(),
        ExportFormat::Csv => render_csv(&rows, table)?,
        ExportFormat::Sql => render_sql(&rows, &schema)?.into_bytes(),
    };

    let destination = match &options.output {
        Some(path) => {
            rules::write_atomically(path, &bytes).map_err(|error| ExportError::Write {
                path: path.clone(),
                error,
            })?;
            sanitize(&path.display().to_string()).into_owned()
        }
        None => {
            let mut stdout = io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                Ok(()) => {}
                // A reader that stops early (`| head`) is not an error.
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(0),
                Err(error) => return Err(ExportError::Stdout(error)),
            }
            "standard output".to_string()
        }
    };

    report(&rows, options, &journal_name, &destination);
    Ok(0)
}

/// What was written and what was left out, on standard error.
fn report(rows: &ExportRows, options: &ExportOptions, journal_name: &str, destination: &str) {
    for message in rows.invalid.iter().chain(&rows.duplicates) {
        eprintln!("pandaops: {}", sanitize(message));
    }
    if rows.rejected > 0 {
        eprintln!(
            "pandaops: {} rejected decision{} left out",
            rows.rejected,
            plural(rows.rejected)
        );
    }
    let known = rows.known_classification + rows.known_retryerrors;
    if known > 0 {
        eprintln!(
            "pandaops: {known} row{} already in the known rules left out ({} ERROR_CLASSIFICATION, \
             {} RETRYERRORS)",
            plural(known),
            rows.known_classification,
            rows.known_retryerrors
        );
    }

    let retry_state = if options.activate_retries {
        "active"
    } else {
        "inactive"
    };
    let written = match (options.format, options.table.unwrap_or_default()) {
        (ExportFormat::Csv, ExportTable::Classification) => format!(
            "{} ERROR_CLASSIFICATION row{}",
            rows.classification.len(),
            plural(rows.classification.len())
        ),
        (ExportFormat::Csv, ExportTable::Retryerrors) => format!(
            "{} RETRYERRORS proposal{} ({retry_state})",
            rows.retryerrors.len(),
            plural(rows.retryerrors.len())
        ),
        _ => format!(
            "{} ERROR_CLASSIFICATION row{} and {} RETRYERRORS proposal{} ({retry_state})",
            rows.classification.len(),
            plural(rows.classification.len()),
            rows.retryerrors.len(),
            plural(rows.retryerrors.len())
        ),
    };
    eprintln!("pandaops: {written} from {journal_name} written to {destination}");
}

/// The journal the console keeps in a data folder.
pub fn default_journal_path(data_dir: &Path) -> PathBuf {
    data_dir.join("decisions.jsonl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::rules::KnownRule;

    /// A decision read from its journal form, so that fields added later take their defaults.
    fn decision(group_id: &str, code: i64, regex: &str, verdict: Verdict) -> Decision {
        let mut decision: Decision = serde_json::from_value(serde_json::json!({
            "group_id": group_id,
            "error_source": "pilotErrorCode",
            "error_code": code,
            "diag_regex": regex,
            "description": "d",
            "error_class": "system",
            "permanence": "transient",
            "retry_action": {"action": "increase_memory"},
            "verdict": "confirmed",
            "operator": "alice",
            "decided_at": "2026-03-01T12:00:00Z",
        }))
        .unwrap();
        decision.verdict = verdict;
        decision
    }

    #[test]
    fn sql_strings_double_quotes_and_keep_ampersands_outside() {
        assert_eq!(sql_text("C", "g", "it's").unwrap(), "'it''s'");
        assert_eq!(sql_text("C", "g", "''").unwrap(), "''''''");
        assert_eq!(
            sql_text("C", "g", "a & b&").unwrap(),
            "'a '||CHR(38)||' b'||CHR(38)||''"
        );
        assert_eq!(sql_text("C", "g", "").unwrap(), "NULL");
        assert_eq!(sql_text("C", "g", r"\s*x\\'").unwrap(), r"'\s*x\\'''");
        assert_eq!(
            sql_text("DESCRIPTION", "g\u{1b}", "a\u{202e}b")
                .unwrap_err()
                .to_string(),
            "DESCRIPTION of group g␛ holds the unseen character U+202E, which SQL must not carry"
        );
    }

    #[test]
    fn transform_codes_get_a_retry_proposal_but_no_classification_row() {
        let mut transform = decision("gt", 68, r"\s*$", Verdict::Confirmed);
        transform.error_source = "transExitCode".to_string();
        let python_only = decision("gp", 1150, r"\pL+ job killed", Verdict::Confirmed);
        let rows = build_rows([&transform, &python_only], &RuleSet::default(), false);
        assert!(rows.classification.is_empty());
        assert_eq!(rows.retryerrors.len(), 1);
        assert_eq!(rows.retryerrors[0].error_source, "transExitCode");
        assert_eq!(rows.invalid.len(), 2, "{:?}", rows.invalid);
        assert!(
            rows.invalid[0].contains("PanDA's Python"),
            "{:?}",
            rows.invalid
        );
        assert!(
            rows.invalid[1].contains("does not read transExitCode"),
            "{:?}",
            rows.invalid
        );
    }

    #[test]
    fn schemas_are_plain_identifiers() {
        for good in ["ATLAS_PANDA", "doma_panda", "P$1#"] {
            assert_eq!(Schema::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "_x", "a b", "a.b", "\"A\"", "é", &"a".repeat(129)] {
            assert!(Schema::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rows_are_ordered_deduplicated_and_checked() {
        let decisions = [
            decision("g3", 2, "b", Verdict::Confirmed),
            decision("g1", 1, "z", Verdict::Edited),
            decision("g2", 2, "b", Verdict::Confirmed),
            decision("g4", 3, "(", Verdict::Confirmed),
            decision("g5", 4, "", Verdict::Confirmed),
            decision("g6", 5, "x", Verdict::Rejected),
        ];
        let known = RuleSet::from_rules([KnownRule {
            id: Some(1_000_000),
            error_source: "pilotErrorCode".to_string(),
            error_code: 1,
            diag_regex: "z".to_string(),
            description: String::new(),
            error_class: "system".to_string(),
            active: true,
            retry_action: None,
            parameters: String::new(),
        }]);

        let rows = build_rows(&decisions, &known, false);

        let classified: Vec<&str> = rows
            .classification
            .iter()
            .map(|r| r.group_id.as_str())
            .collect();
        assert_eq!(classified, ["g2"]);
        let proposed: Vec<&str> = rows
            .retryerrors
            .iter()
            .map(|r| r.group_id.as_str())
            .collect();
        assert_eq!(proposed, ["g1", "g2"]);
        assert_eq!(rows.retryerrors[0].parameters, None);
        assert_eq!(rows.known_classification, 1);
        assert_eq!(rows.known_retryerrors, 0);
        assert_eq!(rows.rejected, 1);
        assert_eq!(
            rows.invalid,
            [
                "group g4 (pilotErrorCode 3): ERROR_DIAG does not compile: unclosed group",
                "group g5 (pilotErrorCode 4): ERROR_DIAG is empty; the column is NOT NULL"
            ]
        );
        assert_eq!(
            rows.duplicates,
            ["group g3 has the source, code and regex of group g2; exported once"]
        );
    }
}
