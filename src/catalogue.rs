//! The error-code catalogues of PanDA (pilot, transform, server), embedded from `assets/errors/`.
//!
//! The CSV files are compiled in and parsed once, on first use. A row that does not parse is
//! skipped rather than stopping the console; the tests parse every embedded row, so a shipped
//! build never skips one. Nothing here does I/O.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::domain::ErrorSource;

const PILOT_CODES_CSV: &str = include_str!("../assets/errors/pilot_error_codes.csv");
const TRF_CODES_CSV: &str = include_str!("../assets/errors/trf_exit_codes.csv");
const SERVER_CODES_CSV: &str = include_str!("../assets/errors/panda_server_error_codes.csv");
const CATEGORIES_CSV: &str = include_str!("../assets/errors/bigmon_error_categories.csv");
const RETRY_ACTIONS_CSV: &str = include_str!("../assets/errors/retry_actions.csv");
const COMPONENTS_CSV: &str = include_str!("../assets/errors/error_components.csv");

/// What PanDA calls an error code: its constant name and its standard message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInfo {
    /// The constant's name, e.g. `STAGEINFAILED`, `TRF_EXEC_FAIL`, `EC_Kill`.
    pub short_name: String,
    /// The standard message, e.g. `Failed to stage-in file`.
    pub message: String,
}

/// A BigPanDA error category (0–6) with its hint for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCategory {
    pub id: u8,
    pub name: String,
    pub description: String,
}

/// An action of PanDA's retry module, as named in its rules table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryAction {
    pub action: String,
    pub constant: String,
    pub description: String,
}

#[derive(Debug, Default)]
struct Catalogues {
    pilot: BTreeMap<i64, CodeInfo>,
    trf: BTreeMap<i64, CodeInfo>,
    server: BTreeMap<(ErrorSource, i64), CodeInfo>,
    categories: Vec<ErrorCategory>,
    retry_actions: Vec<RetryAction>,
    component_titles: BTreeMap<ErrorSource, String>,
    skipped_rows: usize,
}

fn catalogues() -> &'static Catalogues {
    static CATALOGUES: OnceLock<Catalogues> = OnceLock::new();
    CATALOGUES.get_or_init(parse_all)
}

/// The catalogue entry for a code reported by `source`.
///
/// Pilot codes come from the pilot table; executor and transform codes from the transform table
/// (the pilot copies the transform's exit code into `exeErrorCode`); the server components from
/// the server table by its `job_field`. Brokerage has no published codes, so it finds nothing.
pub fn lookup(source: ErrorSource, code: i64) -> Option<&'static CodeInfo> {
    let tables = catalogues();
    match source {
        ErrorSource::Pilot => tables.pilot.get(&code),
        ErrorSource::Executor | ErrorSource::Transform => tables.trf.get(&code),
        ErrorSource::TaskBuffer
        | ErrorSource::JobDispatcher
        | ErrorSource::DataService
        | ErrorSource::Supervisor
        | ErrorSource::Brokerage => tables.server.get(&(source, code)),
    }
}

/// Every pilot error code, ascending.
pub fn pilot_codes() -> impl Iterator<Item = (i64, &'static CodeInfo)> {
    catalogues().pilot.iter().map(|(code, info)| (*code, info))
}

/// Every transform exit code, ascending.
pub fn trf_codes() -> impl Iterator<Item = (i64, &'static CodeInfo)> {
    catalogues().trf.iter().map(|(code, info)| (*code, info))
}

/// The codes the PanDA server writes for one of its components, ascending. Empty for the pilot,
/// executor and transform, whose codes live in their own tables.
pub fn server_codes(source: ErrorSource) -> impl Iterator<Item = (i64, &'static CodeInfo)> {
    catalogues()
        .server
        .iter()
        .filter(move |((row_source, _), _)| *row_source == source)
        .map(|((_, code), info)| (*code, info))
}

/// BigPanDA's error categories, by id.
pub fn error_categories() -> &'static [ErrorCategory] {
    &catalogues().categories
}

/// The retry module's actions, in the order PanDA documents them.
pub fn retry_actions() -> &'static [RetryAction] {
    &catalogues().retry_actions
}

/// BigPanDA's title for a component, such as "Pilot error" or "Transformation exit code".
pub fn component_title(source: ErrorSource) -> Option<&'static str> {
    catalogues()
        .component_titles
        .get(&source)
        .map(String::as_str)
}

fn parse_all() -> Catalogues {
    let mut tables = Catalogues::default();

    for row in rows(PILOT_CODES_CSV, &mut tables.skipped_rows) {
        match code_info(&row, 0, 1, 2) {
            Some((code, info)) => {
                tables.pilot.entry(code).or_insert(info);
            }
            None => tables.skipped_rows += 1,
        }
    }

    // Code 251 has two names in the transform source; the first one listed is kept.
    for row in rows(TRF_CODES_CSV, &mut tables.skipped_rows) {
        match code_info(&row, 0, 1, 2) {
            Some((code, info)) => {
                tables.trf.entry(code).or_insert(info);
            }
            None => tables.skipped_rows += 1,
        }
    }

    // Rows whose job_field is no job attribute (the HTTP return values) are not job errors.
    for row in rows(SERVER_CODES_CSV, &mut tables.skipped_rows) {
        let source = row.get(0).and_then(|field| {
            ErrorSource::ALL
                .into_iter()
                .find(|s| s.server_field() == field)
        });
        match (source, code_info(&row, 1, 2, 3)) {
            (Some(source), Some((code, info))) => {
                tables.server.entry((source, code)).or_insert(info);
            }
            (None, Some(_)) => {}
            (_, None) => tables.skipped_rows += 1,
        }
    }

    for row in rows(CATEGORIES_CSV, &mut tables.skipped_rows) {
        let id = row.get(0).and_then(|id| id.trim().parse::<u8>().ok());
        match (id, row.get(1), row.get(2)) {
            (Some(id), Some(name), Some(description)) => tables.categories.push(ErrorCategory {
                id,
                name: name.to_string(),
                description: description.to_string(),
            }),
            _ => tables.skipped_rows += 1,
        }
    }
    tables.categories.sort_by_key(|category| category.id);

    for row in rows(RETRY_ACTIONS_CSV, &mut tables.skipped_rows) {
        match (row.get(0), row.get(1), row.get(2)) {
            (Some(action), Some(constant), Some(description)) => {
                tables.retry_actions.push(RetryAction {
                    action: action.to_string(),
                    constant: constant.to_string(),
                    description: description.to_string(),
                });
            }
            _ => tables.skipped_rows += 1,
        }
    }

    for row in rows(COMPONENTS_CSV, &mut tables.skipped_rows) {
        let source = row.get(0).and_then(ErrorSource::from_component);
        match (source, row.get(3)) {
            (Some(source), Some(title)) => {
                tables.component_titles.insert(source, title.to_string());
            }
            _ => tables.skipped_rows += 1,
        }
    }

    if tables.skipped_rows > 0 {
        tracing::warn!(
            skipped_rows = tables.skipped_rows,
            "error catalogue: rows that did not parse were skipped"
        );
    }
    tables
}

/// The data rows of an embedded CSV; rows the reader rejects are counted, not returned.
fn rows(text: &'static str, skipped: &mut usize) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => records.push(record),
            Err(_) => *skipped += 1,
        }
    }
    records
}

fn code_info(
    row: &csv::StringRecord,
    code_column: usize,
    name_column: usize,
    message_column: usize,
) -> Option<(i64, CodeInfo)> {
    let code = row.get(code_column)?.trim().parse::<i64>().ok()?;
    let short_name = row.get(name_column)?.trim();
    if short_name.is_empty() {
        return None;
    }
    let message = row.get(message_column)?.trim();
    Some((
        code,
        CodeInfo {
            short_name: short_name.to_string(),
            message: message.to_string(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_row_parses() {
        let tables = catalogues();
        assert_eq!(tables.skipped_rows, 0);
        assert_eq!(tables.pilot.len(), 147);
        // 73 rows, one of them the second name of code 251.
        assert_eq!(tables.trf.len(), 72);
        // 45 rows minus the two HTTP return values.
        assert_eq!(tables.server.len(), 43);
        assert_eq!(tables.categories.len(), 7);
        assert_eq!(tables.retry_actions.len(), 7);
        assert_eq!(tables.component_titles.len(), 8);
    }

    #[test]
    fn pilot_stage_in_failure_is_known() {
        let info = lookup(ErrorSource::Pilot, 1099);
        assert_eq!(info.map(|i| i.short_name.as_str()), Some("STAGEINFAILED"));
        assert_eq!(
            info.map(|i| i.message.as_str()),
            Some("Failed to stage-in file")
        );
    }

    #[test]
    fn pilot_message_with_a_comma_keeps_it() {
        let info = lookup(ErrorSource::Pilot, 1008);
        assert_eq!(
            info.map(|i| i.message.as_str()),
            Some("General pilot error, consult batch log")
        );
    }

    #[test]
    fn transform_and_executor_share_the_trf_table() {
        let from_transform = lookup(ErrorSource::Transform, 65);
        let from_executor = lookup(ErrorSource::Executor, 65);
        assert_eq!(
            from_transform.map(|i| i.short_name.as_str()),
            Some("TRF_EXEC_FAIL")
        );
        assert_eq!(from_transform, from_executor);
        assert_eq!(
            lookup(ErrorSource::Transform, 139).map(|i| i.short_name.as_str()),
            Some("TRF_SIG_SIGSEGV")
        );
    }

    #[test]
    fn duplicated_trf_code_keeps_the_first_name() {
        assert_eq!(
            lookup(ErrorSource::Transform, 251).map(|i| i.short_name.as_str()),
            Some("TRF_EXTERNAL")
        );
    }

    #[test]
    fn server_codes_are_separated_by_job_field() {
        let kill = lookup(ErrorSource::TaskBuffer, 100);
        assert_eq!(kill.map(|i| i.short_name.as_str()), Some("EC_Kill"));
        assert_eq!(kill.map(|i| i.message.as_str()), Some("killed"));
        assert_eq!(
            lookup(ErrorSource::JobDispatcher, 100).map(|i| i.short_name.as_str()),
            Some("EC_Watcher")
        );
        assert_eq!(
            lookup(ErrorSource::DataService, 200).map(|i| i.short_name.as_str()),
            Some("EC_Adder")
        );
        assert_eq!(
            lookup(ErrorSource::Supervisor, 2).map(|i| i.short_name.as_str()),
            Some("WORKER_ALREADY_DONE")
        );
    }

    #[test]
    fn unknown_codes_and_http_values_find_nothing() {
        assert_eq!(lookup(ErrorSource::Pilot, 4242), None);
        assert_eq!(lookup(ErrorSource::TaskBuffer, 403), None);
        assert_eq!(lookup(ErrorSource::Brokerage, 100), None);
        assert_eq!(lookup(ErrorSource::Pilot, 65), None);
    }

    #[test]
    fn iterators_are_ascending_and_scoped() {
        let pilot: Vec<i64> = pilot_codes().map(|(code, _)| code).collect();
        assert_eq!(pilot.first(), Some(&1008));
        assert_eq!(pilot.last(), Some(&1386));
        assert!(pilot.windows(2).all(|pair| pair[0] < pair[1]));

        let dispatcher: Vec<i64> = server_codes(ErrorSource::JobDispatcher)
            .map(|(code, _)| code)
            .collect();
        assert_eq!(dispatcher, vec![100, 101, 102, 103, 104, 105]);
        assert_eq!(server_codes(ErrorSource::Pilot).count(), 0);
        assert_eq!(trf_codes().next().map(|(code, _)| code), Some(0));
    }

    #[test]
    fn categories_actions_and_titles() {
        assert_eq!(
            error_categories().first().map(|c| c.name.as_str()),
            Some("Uncategorized")
        );
        assert_eq!(
            error_categories().get(1).map(|c| c.name.as_str()),
            Some("File and Storage Issues")
        );
        assert_eq!(
            retry_actions().first().map(|a| a.constant.as_str()),
            Some("NO_RETRY")
        );
        assert_eq!(component_title(ErrorSource::Pilot), Some("Pilot error"));
        assert_eq!(
            component_title(ErrorSource::Transform),
            Some("Transformation exit code")
        );
    }
}
