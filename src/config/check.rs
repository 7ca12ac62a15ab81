//! Validation of a config file's text: every problem in one pass, each with its line and column.
//!
//! Policy: a syntax error, a wrong type or an invalid value is an error; an unknown key is a
//! warning (with a "did you mean" when a known key is close) and the rest of the file still
//! loads. To report every problem rather than the first, a failing key is removed and the
//! document is deserialized again until it goes through. This module only reads the text it is
//! given; it never touches the file system and never rewrites the user's file.

use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::schema::Config;

/// How serious a problem is: errors stop the console from starting, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Where a problem comes from: a place in a file, an environment variable or a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `line` and `column` are 1-based; the column counts characters, not bytes.
    File {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    Env {
        variable: String,
    },
    Flag {
        flag: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Origin::Env { variable } => write!(f, "environment variable {variable}"),
            Origin::Flag { flag } => write!(f, "flag {flag}"),
        }
    }
}

/// One thing wrong with the configuration, ready to show to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub origin: Origin,
    /// The dotted key, such as `ui.max_fps`; empty for syntax errors.
    pub key_path: String,
    /// The whole explanation, starting with the key path when one applies.
    pub message: String,
}

impl Problem {
    /// The file, when the problem is in one.
    pub fn file(&self) -> Option<&Path> {
        match &self.origin {
            Origin::File { path, .. } => Some(path),
            Origin::Env { .. } | Origin::Flag { .. } => None,
        }
    }

    /// The 1-based line and column, when the problem is in a file.
    pub fn position(&self) -> Option<(usize, usize)> {
        match &self.origin {
            Origin::File { line, column, .. } => Some((*line, *column)),
            Origin::Env { .. } | Origin::Flag { .. } => None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.origin, self.severity, self.message)
    }
}

/// The outcome of checking a file: the configuration exactly when there is no error.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub config: Option<Config>,
    /// In the order they appear in the file.
    pub problems: Vec<Problem>,
}

/// Checks the text of a config file; `file` is only used to name it in the problems.
pub fn check(text: &str, file: &Path) -> Checked {
    let locator = Locator { text, file };

    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        let problems = syntax_errors
            .iter()
            .map(|error| locator.syntax_problem(error))
            .collect();
        return Checked {
            config: None,
            problems,
        };
    }

    let known = known_keys();
    let suggestable = suggestable_keys();
    let mut problems = Vec::new();
    let mut remaining = document.clone();

    // serde accepts an array for a struct, filling fields by position, so `[[ui]]` or
    // `ui = ["light"]` must be caught before deserializing.
    let mut not_tables = Vec::new();
    find_non_tables(document.get_ref(), &known, &mut Vec::new(), &mut not_tables);
    for path in not_tables {
        problems.push(locator.invalid_value(document.get_ref(), &path, "expected a table", None));
        remove(remaining.get_mut(), &path);
    }

    let config = loop {
        let mut unknown = Vec::new();
        match deserialize(remaining.clone(), &mut unknown) {
            Ok(config) => {
                problems.extend(
                    unknown
                        .iter()
                        .filter_map(|path| path.split_last())
                        .map(|key| locator.unknown_key(document.get_ref(), &suggestable, key)),
                );
                break config;
            }
            Err(error) => {
                let path = key_segments(error.path());
                let error = error.inner();
                let expected = expectation(error.message());
                problems.push(locator.invalid_value(
                    document.get_ref(),
                    &path,
                    &expected,
                    error.span(),
                ));
                // Without a key to remove, retrying would fail the same way forever.
                if !remove(remaining.get_mut(), &path) {
                    break Config::default();
                }
            }
        }
    };

    problems.extend(source_problems(&config, &locator, document.get_ref()));
    problems.sort_by_key(|problem| problem.position());
    let has_errors = problems.iter().any(Problem::is_error);
    Checked {
        config: (!has_errors).then_some(config),
        problems,
    }
}

/// Deserializes the document, collecting the paths of keys the schema does not know.
fn deserialize<'i>(
    document: Spanned<DeTable<'i>>,
    unknown: &mut Vec<Vec<String>>,
) -> Result<Config, serde_path_to_error::Error<toml::de::Error>> {
    let deserializer = toml::de::Deserializer::from(document);
    let mut collect = |path: serde_ignored::Path<'_>| unknown.push(ignored_segments(&path));
    let tracked = serde_ignored::Deserializer::new(deserializer, &mut collect);
    serde_path_to_error::deserialize(tracked)
}

fn ignored_segments(path: &serde_ignored::Path<'_>) -> Vec<String> {
    match path {
        serde_ignored::Path::Root => Vec::new(),
        serde_ignored::Path::Map { parent, key } => {
            let mut segments = ignored_segments(parent);
            segments.push(key.clone());
            segments
        }
        serde_ignored::Path::Seq { parent, index } => {
            let mut segments = ignored_segments(parent);
            segments.push(index.to_string());
            segments
        }
        serde_ignored::Path::Some { parent }
        | serde_ignored::Path::NewtypeStruct { parent }
        | serde_ignored::Path::NewtypeVariant { parent } => ignored_segments(parent),
    }
}

fn key_segments(path: &serde_path_to_error::Path) -> Vec<String> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect()
}

/// Collects the paths where the schema has a section but the document has something else.
fn find_non_tables(
    document: &DeTable<'_>,
    known: &toml::Table,
    prefix: &mut Vec<String>,
    found: &mut Vec<Vec<String>>,
) {
    for (key, value) in document {
        let Some(toml::Value::Table(known_inner)) = known.get(key.get_ref().as_ref()) else {
            continue;
        };
        prefix.push(key.get_ref().to_string());
        match value.get_ref() {
            DeValue::Table(inner) => find_non_tables(inner, known_inner, prefix, found),
            _ => found.push(prefix.clone()),
        }
        prefix.pop();
    }
}

/// Removes the key at `path`; false when there is no such key.
fn remove(table: &mut DeTable<'_>, path: &[String]) -> bool {
    match path {
        [] => false,
        [key] => table.remove(key.as_str()).is_some(),
        [key, rest @ ..] => match table.get_mut(key.as_str()).map(Spanned::get_mut) {
            Some(value) => remove_in_value(value, rest),
            None => false,
        },
    }
}

/// [`remove`] below a value: a table, or an array of tables indexed by number.
fn remove_in_value(value: &mut DeValue<'_>, path: &[String]) -> bool {
    match (value, path) {
        (DeValue::Table(inner), _) => remove(inner, path),
        (DeValue::Array(items), [index, rest @ ..]) if !rest.is_empty() => {
            match index.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => remove_in_value(item.get_mut(), rest),
                None => false,
            }
        }
        _ => false,
    }
}

/// What a source needs beyond types: a name, unique among sources, a URL, and queries.
fn source_problems(config: &Config, locator: &Locator<'_>, document: &DeTable<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let sources = &config.sources;
    fn listed<'a, T>(
        kind: &'static str,
        entries: &'a [T],
        fields: impl Fn(&'a T) -> (&'a String, Option<&'a String>) + 'a,
    ) -> impl Iterator<Item = (&'static str, usize, &'a String, Option<&'a String>)> + 'a {
        entries.iter().enumerate().map(move |(index, entry)| {
            let (name, url) = fields(entry);
            (kind, index, name, url)
        })
    }
    // Each entry with its name and, for those that must have one, its URL.
    let entries = listed("alertmanager", &sources.alertmanager, |s| {
        (&s.name, Some(&s.url))
    })
    .chain(listed("prometheus", &sources.prometheus, |s| {
        (&s.name, Some(&s.url))
    }))
    .chain(listed("bigpanda", &sources.bigpanda, |s| {
        (&s.name, Some(&s.url))
    }))
    .chain(listed("panda", &sources.panda, |s| (&s.name, Some(&s.url))))
    .chain(listed("events", &sources.events, |s| (&s.name, None)))
    .chain(listed("file", &sources.file, |s| (&s.name, None)));
    for (kind, index, name, url) in entries {
        let path = |key: &str| {
            vec![
                "sources".to_owned(),
                kind.to_owned(),
                index.to_string(),
                key.to_owned(),
            ]
        };
        // A key the file has but that failed its own check is already reported.
        let written = |key: &str| lookup(document, &path(key)).is_some();
        if name.trim().is_empty() && !written("name") {
            problems.push(locator.missing(document, &path("name"), "a name for this source"));
        } else if !name.trim().is_empty() && names.contains(&name.as_str()) {
            problems.push(locator.invalid_value(
                document,
                &path("name"),
                "expected a name no other source has",
                None,
            ));
        } else {
            names.push(name);
        }
        if let Some(url) = url
            && url.trim().is_empty()
            && !written("url")
        {
            problems.push(locator.missing(document, &path("url"), "the server's base URL"));
        }
    }
    for (index, source) in sources.events.iter().enumerate() {
        let path = |key: &str| ["sources", "events", &index.to_string(), key].map(str::to_owned);
        match (source.path.trim().is_empty(), source.url.trim().is_empty()) {
            (true, true) => problems.push(locator.missing(
                document,
                &path("path"),
                "a path to a JSON-lines file, or a url answering a JSON array",
            )),
            (false, false) => problems.push(locator.invalid_value(
                document,
                &path("url"),
                "expected either a path or a url, not both",
                None,
            )),
            _ => {}
        }
    }
    for (index, source) in sources.bigpanda.iter().enumerate() {
        let path = |key: &str| ["sources", "bigpanda", &index.to_string(), key].map(str::to_owned);
        for (key, filter) in [
            ("task_filter", &source.task_filter),
            ("job_filter", &source.job_filter),
        ] {
            if !is_query_string(filter) {
                problems.push(locator.invalid_value(
                    document,
                    &path(key),
                    "expected a query string of name=value pairs joined by &, such as \"tasktype=prod&campaign=MC23*\" (BigPanDA refuses an empty value)",
                    None,
                ));
            }
        }
    }
    for (index, source) in sources.bigpanda.iter().enumerate() {
        // Each poll of the tasks asks for the list and up to 20 task details; of the jobs, the
        // list and, when it is full, the error summary.
        let tasks = source.feeds.iter().any(|feed| feed == "tasks");
        let jobs = source.feeds.iter().any(|feed| feed == "jobs");
        let per_poll = u64::from(tasks) * (1 + crate::sources::bigpanda::DETAILS_PER_POLL as u64)
            + u64::from(jobs) * 2;
        let per_hour = 3600 / source.refresh_secs.max(1) * per_poll;
        if per_hour > 1000 {
            let path =
                ["sources", "bigpanda", &index.to_string(), "refresh_secs"].map(str::to_owned);
            let least = (3600 * per_poll).div_ceil(1000);
            let mut problem = locator.invalid_value(
                document,
                &path,
                &format!(
                    "expected at least {least}: each poll may make {per_poll} requests (the lists, \
                     up to {} task details, an error summary), up to {per_hour} an hour, and \
                     BigPanDA allows 1000 an hour per client",
                    crate::sources::bigpanda::DETAILS_PER_POLL
                ),
                None,
            );
            problem.severity = Severity::Warning;
            problems.push(problem);
        }
    }
    for (index, source) in sources.panda.iter().enumerate() {
        let path = |key: &str| ["sources", "panda", &index.to_string(), key].map(str::to_owned);
        if crate::sources::panda::check_filter(&source.task_filter).is_err() {
            problems.push(locator.invalid_value(
                document,
                &path("task_filter"),
                "expected a JSON object of field to text, such as '{\"status\": \"running|scouting\"}'",
                None,
            ));
        }
        for (key, word) in [("vo", &source.vo), ("role", &source.role)] {
            let fits = word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !fits {
                problems.push(locator.invalid_value(
                    document,
                    &path(key),
                    "expected letters, digits and - _ . only, such as \"atlas\" or \"production\"",
                    None,
                ));
            }
        }
    }
    for (index, source) in sources.file.iter().enumerate() {
        let path = |key: &str| ["sources", "file", &index.to_string(), key].map(str::to_owned);
        if source.tasks.trim().is_empty() && source.jobs.trim().is_empty() {
            problems.push(locator.missing(
                document,
                &path("tasks"),
                "a saved tasks answer (tasks) or jobs answer (jobs), or both",
            ));
        }
    }
    for (index, source) in sources.prometheus.iter().enumerate() {
        let base = ["sources", "prometheus", &index.to_string()].map(str::to_owned);
        if source.queries.is_empty() {
            let path = [&base[..], &["queries".to_owned()]].concat();
            problems.push(locator.missing(
                document,
                &path,
                "at least one [[sources.prometheus.queries]]",
            ));
        }
        for (number, query) in source.queries.iter().enumerate() {
            let path = |key: &str| {
                [
                    &base[..],
                    &["queries".to_owned(), number.to_string(), key.to_owned()],
                ]
                .concat()
            };
            if query.name.trim().is_empty() {
                problems.push(locator.missing(document, &path("name"), "a name for this query"));
            }
            if query.promql.trim().is_empty() {
                problems.push(locator.missing(document, &path("promql"), "a PromQL expression"));
            }
        }
    }
    problems
}

/// Empty, or `name=value` pairs joined by `&` (a leading `?` allowed), each with both parts.
fn is_query_string(text: &str) -> bool {
    let text = text.trim().trim_start_matches('?');
    text.is_empty()
        || text.split('&').all(|pair| {
            pair.split_once('=').is_some_and(|(name, value)| {
                !name.trim().is_empty() && !value.trim().is_empty() && !value.contains('=')
            })
        })
}

/// Where the key at `path` starts, or for an element of an array of tables, where it starts.
fn value_start(document: &DeTable<'_>, path: &[String]) -> Option<usize> {
    if let Some((key, _)) = lookup(document, path) {
        return Some(key.span().start);
    }
    let (index, parent) = path.split_last()?;
    let (_, array) = lookup(document, parent)?;
    let DeValue::Array(items) = array.get_ref() else {
        return None;
    };
    let item = items.get(index.parse::<usize>().ok()?)?;
    Some(item.span().start)
}

/// The key and value found at `path`, with their spans.
fn lookup<'d, 'i>(
    table: &'d DeTable<'i>,
    path: &[String],
) -> Option<(
    &'d Spanned<std::borrow::Cow<'i, str>>,
    &'d Spanned<DeValue<'i>>,
)> {
    let (first, rest) = path.split_first()?;
    let (key, value) = table.iter().find(|(key, _)| key.get_ref() == first)?;
    if rest.is_empty() {
        return Some((key, value));
    }
    lookup_in_value(value.get_ref(), rest)
}

/// [`lookup`] below a value: a table, or an array of tables indexed by number.
fn lookup_in_value<'d, 'i>(
    value: &'d DeValue<'i>,
    path: &[String],
) -> Option<(
    &'d Spanned<std::borrow::Cow<'i, str>>,
    &'d Spanned<DeValue<'i>>,
)> {
    match value {
        DeValue::Table(inner) => lookup(inner, path),
        DeValue::Array(items) => {
            let (index, rest) = path.split_first()?;
            let item = items.get(index.parse::<usize>().ok()?)?;
            lookup_in_value(item.get_ref(), rest)
        }
        _ => None,
    }
}

/// Every key the schema knows, as a tree, taken from the defaults so it cannot drift.
fn known_keys() -> toml::Table {
    toml::Table::try_from(Config::default()).unwrap_or_default()
}

/// [`known_keys`] plus the keys of one entry of each array of tables (the sources, which the
/// defaults leave out), for "did you mean" only: arrays are not tables to the other checks.
fn suggestable_keys() -> toml::Table {
    let mut known = known_keys();
    let mut prometheus =
        toml::Table::try_from(super::schema::PrometheusSource::default()).unwrap_or_default();
    let query =
        toml::Table::try_from(super::schema::PrometheusQuery::default()).unwrap_or_default();
    prometheus.insert("queries".to_owned(), toml::Value::Table(query));
    let mut sources = toml::Table::new();
    sources.insert(
        "alertmanager".to_owned(),
        toml::Value::Table(
            toml::Table::try_from(super::schema::AlertmanagerSource::default()).unwrap_or_default(),
        ),
    );
    sources.insert("prometheus".to_owned(), toml::Value::Table(prometheus));
    let mut entry = |kind: &str, table: Option<toml::Table>| {
        sources.insert(
            kind.to_owned(),
            toml::Value::Table(table.unwrap_or_default()),
        );
    };
    entry(
        "bigpanda",
        toml::Table::try_from(super::schema::BigpandaSource::default()).ok(),
    );
    entry(
        "panda",
        toml::Table::try_from(super::schema::PandaSource::default()).ok(),
    );
    entry(
        "events",
        toml::Table::try_from(super::schema::EventsSource::default()).ok(),
    );
    entry(
        "file",
        toml::Table::try_from(super::schema::FileSource::default()).ok(),
    );
    known.insert("sources".to_owned(), toml::Value::Table(sources));
    known
}

/// The known table at `path`; the index of an array of tables stays on the entry's table.
fn known_table<'t>(known: &'t toml::Table, path: &[String]) -> Option<&'t toml::Table> {
    path.iter()
        .try_fold(known, |table, key| match table.get(key) {
            Some(value) => value.as_table(),
            None if key.parse::<usize>().is_ok() => Some(table),
            None => None,
        })
}

/// Renders a key path the way it would be written in TOML: bare keys joined by dots.
pub(crate) fn join_key_path(path: &[String]) -> String {
    let quoted: Vec<String> = path
        .iter()
        .map(|key| {
            let bare = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if bare {
                key.clone()
            } else {
                format!("{key:?}")
            }
        })
        .collect();
    quoted.join(".")
}

/// The closest known key, if it is close enough to be a likely typo.
fn closest<'k>(unknown: &str, candidates: impl Iterator<Item = &'k String>) -> Option<&'k str> {
    const SIMILAR_ENOUGH: f64 = 0.8;
    candidates
        .map(|candidate| (strsim::jaro_winkler(unknown, candidate), candidate))
        .filter(|(similarity, _)| *similarity >= SIMILAR_ENOUGH)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.as_str())
}

/// The section where a key of this exact name belongs, when it is not the one it was found in.
fn home_of(known: &toml::Table, key: &str, prefix: &mut Vec<String>) -> Option<String> {
    for (name, value) in known {
        if name == key && !prefix.is_empty() {
            return Some(join_key_path(prefix));
        }
        if let Some(inner) = value.as_table() {
            prefix.push(name.clone());
            let found = home_of(inner, key, prefix);
            prefix.pop();
            if found.is_some() {
                return found;
            }
        }
    }
    None
}

/// Turns spans of one file into problems with lines and columns.
struct Locator<'a> {
    text: &'a str,
    file: &'a Path,
}

impl Locator<'_> {
    fn origin(&self, offset: usize) -> Origin {
        let (line, column) = line_column(self.text, offset);
        Origin::File {
            path: self.file.to_path_buf(),
            line,
            column,
        }
    }

    fn syntax_problem(&self, error: &toml::de::Error) -> Problem {
        let span = error.span().unwrap_or_default();
        let mut message = error.message().trim().replace('\n', "; ");

        // The parser points at the offending text without quoting it; quote it when it is short.
        let offending = self.text.get(span.clone()).unwrap_or_default();
        let quotable = !offending.trim().is_empty()
            && !offending.contains('\n')
            && offending.chars().count() <= 40
            && !message.contains(&format!("`{offending}`"));
        if quotable && message.contains("expected") {
            message.push_str(&format!(", found `{offending}`"));
        } else if quotable {
            message.push_str(&format!(" `{offending}`"));
        }

        let offset = span.start;
        Problem {
            severity: Severity::Error,
            origin: self.origin(offset),
            key_path: String::new(),
            message: format!("invalid TOML: {message}"),
        }
    }

    fn unknown_key(
        &self,
        document: &DeTable<'_>,
        known: &toml::Table,
        (key, parent): (&String, &[String]),
    ) -> Problem {
        let path = [parent, std::slice::from_ref(key)].concat();
        let found = lookup(document, &path);
        let offset = found.map_or(0, |(key, _)| key.span().start);
        let is_table = matches!(
            found.map(|(_, value)| value.get_ref()),
            Some(DeValue::Table(_))
        );

        let shown_key = join_key_path(std::slice::from_ref(key));
        let mut message = match (parent.is_empty(), is_table) {
            (true, true) => format!("unknown section `[{shown_key}]`"),
            (true, false) => format!("unknown top-level key `{shown_key}`"),
            (false, _) => format!("unknown key `{shown_key}` in [{}]", join_key_path(parent)),
        };
        let siblings = known_table(known, parent).map(|table| table.keys());
        if let Some(suggestion) = siblings.and_then(|keys| closest(key, keys)) {
            message.push_str(&format!(" (did you mean `{suggestion}`?)"));
        } else if let Some(home) = home_of(known, key, &mut Vec::new()) {
            message.push_str(&format!(" (`{key}` belongs in [{home}])"));
        }

        Problem {
            severity: Severity::Warning,
            origin: self.origin(offset),
            key_path: join_key_path(&path),
            message,
        }
    }

    /// An error for a key the file leaves out, placed at the nearest part of its path found.
    fn missing(&self, document: &DeTable<'_>, path: &[String], wanted: &str) -> Problem {
        let offset = (1..=path.len())
            .rev()
            .find_map(|length| value_start(document, &path[..length]))
            .unwrap_or(0);
        let key_path = join_key_path(path);
        Problem {
            severity: Severity::Error,
            origin: self.origin(offset),
            message: format!("{key_path}: missing, expected {wanted}"),
            key_path,
        }
    }

    /// An error at the value of `path`; `fallback` locates it when the path is not in the file.
    fn invalid_value(
        &self,
        document: &DeTable<'_>,
        path: &[String],
        expected: &str,
        fallback: Option<std::ops::Range<usize>>,
    ) -> Problem {
        let key_path = join_key_path(path);
        let found = lookup(document, path).map(|(_, value)| value);
        let offset = found
            .map(Spanned::span)
            .or(fallback)
            .map_or(0, |span| span.start);

        let message = match found {
            Some(value) => format!(
                "{key_path}: {expected}, found {}",
                self.describe(value.get_ref(), value.span())
            ),
            None => format!("{key_path}: {expected}"),
        };

        Problem {
            severity: Severity::Error,
            origin: self.origin(offset),
            key_path,
            message,
        }
    }

    /// The type of a value and, for scalars, its text as written in the file.
    fn describe(&self, value: &DeValue<'_>, span: std::ops::Range<usize>) -> String {
        const MAX_SHOWN_CHARS: usize = 60;
        match value {
            DeValue::Table(_) => "a table".to_owned(),
            DeValue::Array(_) => "an array".to_owned(),
            scalar => {
                // Multi-line strings stay on the problem's one line, with their newlines shown.
                let written = self.text.get(span).unwrap_or_default().trim();
                let one_line = written.replace("\r\n", "\\n").replace('\n', "\\n");
                let mut shown: String = one_line.chars().take(MAX_SHOWN_CHARS).collect();
                if shown.len() < one_line.len() {
                    shown.push('…');
                }
                format!("{} {shown}", scalar.type_str())
            }
        }
    }
}

/// The "expected …" part of a deserialization error.
///
/// serde phrases type and value errors as "invalid …: <found>, expected <what>". The found part
/// is dropped because the caller rewrites it from the input, as the user wrote it; a message
/// in another shape is kept whole.
pub(crate) fn expectation(message: &str) -> String {
    message
        .rsplit_once(", expected ")
        .map(|(_, expected)| format!("expected {expected}"))
        .unwrap_or_else(|| message.to_owned())
}

/// The 1-based line and character column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut boundary = offset.min(text.len());
    while !text.is_char_boundary(boundary) {
        boundary -= 1;
    }
    let before = &text[..boundary];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        check(text, Path::new("c.toml"))
            .problems
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn known_keys_cover_every_section() {
        let known = known_keys();
        for section in ["ui", "demo", "log", "panes"] {
            assert!(
                known.get(section).is_some_and(toml::Value::is_table),
                "{section}"
            );
        }
        assert!(known_table(&known, &["panes".to_owned(), "metrics".to_owned()]).is_some());
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_column("a = 1\nb = \"é\", c", 15), (2, 9));
        assert_eq!(line_column("x", 0), (1, 1));
        assert_eq!(line_column("x", 99), (1, 2));
        assert_eq!(line_column("é", 1), (1, 1));
    }

    #[test]
    fn key_paths_quote_keys_that_are_not_bare() {
        let path = ["panes".to_owned(), "a.b".to_owned(), String::new()];
        assert_eq!(join_key_path(&path), r#"panes."a.b"."""#);
    }

    #[test]
    fn wrong_type_names_key_expectation_and_value_as_written() {
        assert_eq!(
            problems("[ui]\nmax_fps = \"30\"\n"),
            [
                r#"c.toml:2:11: error: ui.max_fps: expected an integer from 1 to 60, found string "30""#
            ]
        );
    }

    #[test]
    fn typo_suggests_the_sibling_and_the_file_still_loads() {
        let checked = check("[ui]\nmax_fsp = 30\n", Path::new("c.toml"));
        assert_eq!(checked.config, Some(Config::default()));
        assert_eq!(
            checked.problems[0].to_string(),
            "c.toml:2:1: warning: unknown key `max_fsp` in [ui] (did you mean `max_fps`?)"
        );
    }

    #[test]
    fn misplaced_key_names_its_section() {
        assert_eq!(
            problems("[ui]\nseed = 3\n"),
            ["c.toml:2:1: warning: unknown key `seed` in [ui] (`seed` belongs in [demo])"]
        );
    }

    #[test]
    fn every_error_is_reported_in_one_pass() {
        let found = problems("[ui]\nmax_fps = 0\nclock = 1\n[demo]\nspeed = -5\n");
        assert_eq!(found.len(), 3, "{found:#?}");
    }
}
