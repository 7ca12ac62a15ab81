//! Deployment events for the Alerts pane: "panda-server@master upgrade on: host by user", as the
//! services' upgrade hooks post them to Mattermost, read from a JSON-lines file followed as it
//! grows or from an HTTP endpoint answering a JSON array.
//!
//! A record may be a structured object (component, branch, host, user, commit, time, under
//! several names and in any case), a Mattermost webhook payload whose text (or card, or
//! attachments) carries the announcement, or the announcement as a plain string. A record that
//! is none of these is skipped and counted, never fatal. Every event has a stable id, so the
//! same line read twice is one event. Text is kept as written, only cut to a length: the UI
//! sanitises it before it reaches the terminal.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};
use regex::Regex;
use serde_json::{Map, Value};

use super::fields;
use super::http::{Endpoint, HttpError, decode_json};
use super::poll::Polled;
use crate::config;
use crate::domain::{DeploymentEvent, Feed, PaneId};

/// How many events a source keeps, the newest.
pub const EVENTS_KEPT: usize = 1000;
/// Longest component, branch, host or user kept, in characters.
const FIELD_CHARS: usize = 120;
/// Longest commit kept: a SHA-256 object name.
const COMMIT_CHARS: usize = 64;
/// Longest id kept, in characters.
const ID_CHARS: usize = 128;
/// A line longer than this is skipped.
const LINE_BYTES_MAX: usize = 1024 * 1024;
/// How much of the start of a followed file is compared at each look, to notice that it was
/// replaced by another file that happens to have the same inode and is already longer.
const HEAD_BYTES: usize = 256;

/// One event read from a record, and whether the record said when it happened (when it did
/// not, `at` is the time it was read).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub event: DeploymentEvent,
    pub dated: bool,
}

/// An upgrade announcement found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub component: String,
    pub branch: String,
    pub host: String,
    pub user: String,
    pub commit: Option<String>,
}

/// The event of one line of a JSON-lines file: JSON of any shape [`event_from_value`] reads,
/// or, for a line that does not even try to be JSON, the announcement as bare text. `None` for
/// a blank line; `Err` says why the line is no event.
pub fn event_from_line(
    source: &str,
    line: &str,
    read_at: Timestamp,
) -> Result<Option<Record>, String> {
    let line = line.trim_start_matches('\u{feff}').trim();
    if line.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(line) {
        Ok(value) => event_from_value(source, &value, read_at).map(Some),
        Err(error) if line.starts_with(['{', '[', '"']) => Err(format!("not valid JSON: {error}")),
        Err(_) => {
            let found = announcement(&[line]).ok_or_else(not_an_announcement)?;
            Ok(Some(undated(source, line, None, found, read_at)))
        }
    }
}

/// The event of one JSON record: a structured object, a Mattermost payload, or a string.
pub fn event_from_value(source: &str, value: &Value, read_at: Timestamp) -> Result<Record, String> {
    match value {
        Value::String(text) => {
            let found = announcement(&[text]).ok_or_else(not_an_announcement)?;
            Ok(undated(source, &canonical(value), None, found, read_at))
        }
        Value::Object(record) => event_from_object(source, value, record, read_at),
        Value::Array(_) => Err("a list, not an event".to_string()),
        Value::Number(_) => Err("a number, not an event".to_string()),
        Value::Bool(_) => Err("true or false, not an event".to_string()),
        Value::Null => Err("null, not an event".to_string()),
    }
}

fn not_an_announcement() -> String {
    "no \"X@branch upgrade on host by user\"".to_string()
}

/// An object: structured when it names a component and a host, otherwise a message whose text
/// must carry the announcement. A message's own fields (a webhook's `username` is the bot's
/// name) never override what its text says.
fn event_from_object(
    source: &str,
    value: &Value,
    record: &Map<String, Value>,
    read_at: Timestamp,
) -> Result<Record, String> {
    let at = match field(record, TIME_KEYS) {
        Some(raw) => Some(event_time(raw)?),
        None => None,
    };
    let component = field(record, COMPONENT_KEYS).and_then(name_in);
    let host = field(record, HOST_KEYS).and_then(name_in);
    let texts = message_texts(record);

    let found = match (component, host) {
        (Some(component), Some(host)) => {
            let mut branch = field(record, BRANCH_KEYS)
                .and_then(name_in)
                .unwrap_or_default();
            let mut component = component;
            if branch.is_empty()
                && let Some((name, at_branch)) = component.split_once('@')
            {
                (component, branch) = (name.to_string(), at_branch.to_string());
            }
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            Announcement {
                component,
                branch,
                host,
                user: field(record, USER_KEYS)
                    .and_then(name_in)
                    .unwrap_or_default(),
                commit: field(record, COMMIT_KEYS)
                    .and_then(fields::text)
                    .filter(|commit| !commit.is_empty())
                    .or_else(|| commit_in(&texts)),
            }
        }
        (component, host) if texts.is_empty() => {
            let missing = match (component, host) {
                (None, None) => "no component and host, and no text",
                (None, Some(_)) => "no component",
                _ => "no host",
            };
            return Err(missing.to_string());
        }
        _ => {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let mut found = announcement(&texts).ok_or_else(not_an_announcement)?;
            if found.commit.is_none() {
                found.commit = field(record, COMMIT_KEYS)
                    .and_then(fields::text)
                    .filter(|commit| !commit.is_empty());
            }
            found
        }
    };

    let id = field(record, ID_KEYS)
        .and_then(fields::text)
        .filter(|id| !id.is_empty())
        .map(|id| capped(&id, ID_CHARS));
    let text = canonical(value);
    Ok(match at {
        Some(at) => Record {
            event: event(id.unwrap_or_else(|| hashed_id(source, &text)), at, found),
            dated: true,
        },
        None => undated(source, &text, id, found, read_at),
    })
}

fn undated(
    source: &str,
    text: &str,
    id: Option<String>,
    found: Announcement,
    read_at: Timestamp,
) -> Record {
    Record {
        event: event(
            id.unwrap_or_else(|| hashed_id(source, text)),
            read_at,
            found,
        ),
        dated: false,
    }
}

fn event(id: String, at: Timestamp, found: Announcement) -> DeploymentEvent {
    DeploymentEvent {
        id,
        at,
        component: capped(&found.component, FIELD_CHARS),
        branch: capped(&found.branch, FIELD_CHARS),
        host: capped(&found.host, FIELD_CHARS),
        user: capped(&found.user, FIELD_CHARS),
        commit: found
            .commit
            .map(|commit| capped(&commit, COMMIT_CHARS))
            .filter(|commit| !commit.is_empty()),
    }
}

const ID_KEYS: &[&str] = &["id", "eventid", "uuid", "postid"];
const TIME_KEYS: &[&str] = &[
    "time",
    "at",
    "timestamp",
    "ts",
    "date",
    "datetime",
    "when",
    "createdat",
    "createat",
    "created",
    "deployedat",
    "eventtime",
];
const COMPONENT_KEYS: &[&str] = &[
    "component",
    "package",
    "service",
    "app",
    "application",
    "project",
    "repo",
    "repository",
    "module",
];
const BRANCH_KEYS: &[&str] = &["branch", "gitbranch", "ref", "version", "tag", "release"];
const HOST_KEYS: &[&str] = &["host", "hostname", "node", "server", "machine", "instance"];
const USER_KEYS: &[&str] = &[
    "user",
    "username",
    "by",
    "author",
    "deployer",
    "deployedby",
    "triggeredby",
    "actor",
    "principal",
];
const COMMIT_KEYS: &[&str] = &[
    "commit",
    "commitid",
    "commitsha",
    "commithash",
    "gitcommit",
    "gitsha",
    "sha",
    "revision",
    "rev",
    "hash",
];

/// The value of the first of `keys` the record has, comparing names by their letters and
/// digits only and in any case (`createdAt`, `created_at` and `CREATED-AT` are one name).
fn field<'a>(record: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    let simple = |name: &str| -> String {
        name.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    keys.iter().find_map(|key| {
        record
            .iter()
            .find(|(name, value)| simple(name) == *key && !value.is_null())
            .map(|(_, value)| value)
    })
}

/// A name: text or a number, or an object's `name`, `login` or `username` (as a user or a
/// repository is often written); `None` when empty.
fn name_in(value: &Value) -> Option<String> {
    let text = match value {
        Value::Object(inner) => field(inner, &["name", "login", "username"]).and_then(fields::text),
        other => fields::text(other),
    }?;
    (!text.is_empty()).then_some(text)
}

/// A time in RFC 3339, BigPanDA's zoneless UTC, or seconds or milliseconds since 1970 (as a
/// number or as digits).
fn event_time(value: &Value) -> Result<Timestamp, String> {
    let epoch = |number: f64| {
        // Past about 5138 AD in seconds is surely milliseconds, as Mattermost writes them.
        let seconds = if number.abs() >= 1.0e11 {
            number / 1000.0
        } else {
            number
        };
        (number.is_finite() && number >= 0.0)
            .then(|| Timestamp::from_second(seconds as i64).ok())
            .flatten()
    };
    let parsed = match value {
        Value::Number(number) => number.as_f64().and_then(epoch),
        Value::String(text)
            if !text.trim().is_empty() && text.trim().bytes().all(|b| b.is_ascii_digit()) =>
        {
            text.trim().parse::<f64>().ok().and_then(epoch)
        }
        Value::String(_) => fields::time(value),
        _ => None,
    };
    parsed.ok_or_else(|| {
        let shown = match value {
            Value::String(text) => capped(text, 40),
            other => capped(&other.to_string(), 40),
        };
        format!("time \"{shown}\" not understood")
    })
}

/// The texts of a message, in the order the announcement is looked for: Mattermost's `text`
/// (or a post's `message`), the card, then each attachment's pretext, title, text and fields.
fn message_texts(record: &Map<String, Value>) -> Vec<String> {
    let mut texts = Vec::new();
    let mut push = |value: Option<&Value>| {
        if let Some(Value::String(text)) = value
            && !text.trim().is_empty()
        {
            texts.push(text.clone());
        }
    };
    push(field(record, &["text", "message"]));
    let props = match field(record, &["props"]) {
        Some(Value::Object(props)) => Some(props),
        _ => None,
    };
    push(props.and_then(|props| field(props, &["card"])));
    let attachments = [Some(record), props]
        .into_iter()
        .flatten()
        .filter_map(|holder| match field(holder, &["attachments"]) {
            Some(Value::Array(list)) => Some(list),
            _ => None,
        })
        .flatten()
        .filter_map(Value::as_object);
    for attachment in attachments {
        for key in ["pretext", "title", "text", "fallback"] {
            push(field(attachment, &[key]));
        }
        if let Some(Value::Array(parts)) = field(attachment, &["fields"]) {
            for part in parts.iter().filter_map(Value::as_object) {
                let title = field(part, &["title"]).and_then(fields::text);
                let value = field(part, &["value"]).and_then(fields::text);
                if let (Some(title), Some(value)) = (title, value) {
                    push(Some(&Value::String(format!("{title}: {value}"))));
                }
            }
        }
    }
    texts
}

/// Markdown links `[text](url)` and Slack's `<url|text>`.
static LINK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\[([^\]]*)\]\([^)\s]*\)|<[A-Za-z][A-Za-z0-9+.-]*://[^|>\s]*\|([^>]*)>").ok()
});
/// The HTML tags chat messages carry around words (`<code>host</code>`).
static TAG: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)</?(?:code|b|i|em|strong|pre|tt|kbd|span|p|br)\s*/?>").ok());
/// Emoji shortcodes such as `:panda_face:`; a letter first, so times like 12:30:45 stay.
static SHORTCODE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r":[A-Za-z][A-Za-z0-9_+-]*:").ok());
/// "component@branch upgrade on: host by user", the colon optional.
static SENTENCE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)([a-z0-9][a-z0-9._+/-]*)@(\S+?)\s+upgraded?\s+on\b\s*:?\s*(\S+)\s+by\s+(\S+)")
        .ok()
});
/// "commit 1a2b3c4", "(commit: 1a2b…)", "| Commit | 1a2b… |", ".../commit/1a2b…".
static COMMIT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:commit|sha|revision|rev)\b[^0-9a-z]{0,8}([0-9a-f]{7,64})\b").ok()
});

/// The announcement in the first of `texts` that has one, with a commit from any of them.
pub fn announcement(texts: &[&str]) -> Option<Announcement> {
    let sentence = SENTENCE.as_ref()?;
    let plain: Vec<String> = texts.iter().map(|text| plain_text(text)).collect();
    let found = plain.iter().find_map(|text| {
        let parts = sentence.captures(text)?;
        let part = |index: usize| {
            parts
                .get(index)
                .map(|part| trim_punctuation(part.as_str()).to_string())
                .filter(|part| !part.is_empty())
        };
        Some(Announcement {
            component: part(1)?,
            branch: part(2)?,
            host: part(3)?,
            user: part(4)?,
            commit: None,
        })
    })?;
    let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
    Some(Announcement {
        commit: commit_in(&plain),
        ..found
    })
}

/// The first commit hash any of `texts` names, in lower case.
fn commit_in(texts: &[&str]) -> Option<String> {
    let commit = COMMIT.as_ref()?;
    texts.iter().find_map(|text| {
        let text = plain_text(text);
        let found = commit.captures(&text)?.get(1)?;
        Some(found.as_str().to_ascii_lowercase())
    })
}

/// A chat message as words: links as their text, no HTML tags, emoji shortcodes, bold,
/// italics, strikethrough or code marks, and single spaces.
fn plain_text(text: &str) -> String {
    let mut text = text.to_string();
    if let Some(link) = LINK.as_ref() {
        text = link.replace_all(&text, "${1}${2}").into_owned();
    }
    for pattern in [TAG.as_ref(), SHORTCODE.as_ref()].into_iter().flatten() {
        text = pattern.replace_all(&text, " ").into_owned();
    }
    let text = text.replace("~~", "").replace(['`', '*'], "");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn trim_punctuation(word: &str) -> &str {
    word.trim_matches(|c: char| ".,;:!?'\"()[]{}<>".contains(c))
}

/// `text` cut to `max` characters.
fn capped(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A record as text with its keys in order, so the same record always hashes alike.
fn canonical(value: &Value) -> String {
    value.to_string()
}

/// An id from the source and the record's text (which holds its time when it has one): the
/// same record read again gets the same id. FNV-1a, 64 bits: stable across runs and builds.
fn hashed_id(source: &str, text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in source.bytes().chain([0x1f]).chain(text.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The events a source has read, by id, with the old and the surplus dropped.
#[derive(Debug)]
pub struct EventStore {
    events: HashMap<String, DeploymentEvent>,
    keep: SignedDuration,
    limit: usize,
}

impl EventStore {
    /// A store that keeps events of the last `keep_hours`, at most `limit` of them.
    pub fn new(keep_hours: u64, limit: usize) -> EventStore {
        let hours = i64::try_from(keep_hours)
            .unwrap_or(i64::MAX)
            .min(24 * 365 * 100);
        EventStore {
            events: HashMap::new(),
            keep: SignedDuration::from_hours(hours),
            limit,
        }
    }

    /// Adds an event unless it is too old or already known (the first reading stays, with its
    /// time). True when it was added.
    pub fn insert(&mut self, event: DeploymentEvent, now: Timestamp) -> bool {
        if self.too_old(event.at, now) || self.events.contains_key(&event.id) {
            return false;
        }
        self.events.insert(event.id.clone(), event);
        if self.events.len() > self.limit.saturating_mul(2) {
            self.prune(now);
        }
        true
    }

    /// Drops the events older than the time kept, and all but the newest `limit`.
    pub fn prune(&mut self, now: Timestamp) {
        let keep = self.keep;
        let cutoff = now.checked_sub(keep).unwrap_or(Timestamp::MIN);
        self.events.retain(|_, event| event.at >= cutoff);
        if self.events.len() > self.limit {
            let kept: HashSet<String> = self
                .newest_first()
                .into_iter()
                .take(self.limit)
                .map(|event| event.id.clone())
                .collect();
            self.events.retain(|id, _| kept.contains(id));
        }
    }

    /// Every event kept, newest first.
    pub fn snapshot(&self) -> Vec<DeploymentEvent> {
        self.newest_first().into_iter().cloned().collect()
    }

    fn newest_first(&self) -> Vec<&DeploymentEvent> {
        let mut events: Vec<&DeploymentEvent> = self.events.values().collect();
        events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
        events
    }

    fn too_old(&self, at: Timestamp, now: Timestamp) -> bool {
        now.checked_sub(self.keep).is_ok_and(|cutoff| at < cutoff)
    }
}

/// What the records read lacked, for the pane title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Tally {
    /// Records (non-blank lines) read.
    records: usize,
    skipped: usize,
    /// The latest reason, as "line 7: why".
    last_skip: Option<String>,
    /// Records without a time, dated when first read.
    undated: usize,
}

impl Tally {
    fn count(&mut self, outcome: &Result<Option<Record>, String>, place: impl FnOnce() -> String) {
        match outcome {
            Ok(None) => {}
            Ok(Some(record)) => {
                self.records += 1;
                self.undated += usize::from(!record.dated);
            }
            Err(why) => {
                self.records += 1;
                self.skipped += 1;
                self.last_skip = Some(format!("{}: {}", place(), capped(why, 120)));
            }
        }
    }

    /// "2 of 40 lines skipped (line 7: …); 3 without a time, dated when read".
    fn note(&self, noun: &str) -> Option<String> {
        let mut parts = Vec::new();
        if self.skipped > 0 {
            let plural = if self.records == 1 { "" } else { "s" };
            let why = self
                .last_skip
                .as_ref()
                .map(|why| format!(" ({why})"))
                .unwrap_or_default();
            parts.push(format!(
                "{} of {} {noun}{plural} skipped{why}",
                self.skipped, self.records
            ));
        }
        if self.undated > 0 {
            parts.push(format!("{} without a time, dated when read", self.undated));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// A JSON-lines file followed as it grows, across truncation and rotation.
pub struct FollowedFile {
    /// Names the file in errors: the source name and the path.
    pub label: String,
    path: PathBuf,
    follow: Arc<Mutex<Follow>>,
}

impl FollowedFile {
    pub fn new(source: &str, path: PathBuf, keep_hours: u64) -> FollowedFile {
        FollowedFile {
            label: format!("{source} ({})", path.display()),
            path,
            follow: Arc::new(Mutex::new(Follow {
                source: source.to_string(),
                open: None,
                store: EventStore::new(keep_hours, EVENTS_KEPT),
                tally: Tally::default(),
            })),
        }
    }

    /// Reads what was added since the last look, on a blocking thread, and returns every
    /// event kept for the Alerts pane.
    pub async fn poll(&self) -> Result<Polled, HttpError> {
        let follow = Arc::clone(&self.follow);
        let path = self.path.clone();
        let looked = tokio::task::spawn_blocking(move || {
            let mut follow = follow.lock().unwrap_or_else(PoisonError::into_inner);
            follow
                .look(&path, Timestamp::now())
                .map(|()| (follow.store.snapshot(), follow.tally.note("line")))
        })
        .await;
        let fail = |reason: String| HttpError::Setup {
            endpoint: self.label.clone(),
            reason,
        };
        let (events, note) = looked
            .map_err(|_| fail("reading the file failed".to_string()))?
            .map_err(fail)?;
        Ok(Polled::one(PaneId::Alerts, Feed::Events(events), note))
    }
}

/// The state of a followed file between two looks.
#[derive(Debug)]
struct Follow {
    source: String,
    open: Option<OpenFile>,
    store: EventStore,
    /// Of the file now followed, since it was last read from its start.
    tally: Tally,
}

/// The file being followed, held open so that what was written to it before it was rotated
/// away can still be read.
#[derive(Debug)]
struct OpenFile {
    handle: File,
    identity: Option<(u64, u64)>,
    /// Where the first line not yet read starts.
    offset: u64,
    /// Complete lines read so far, to number the next.
    lines: u64,
    /// The first bytes of the file, as last seen.
    head: Vec<u8>,
}

/// The device and inode of a file, where the platform has them.
fn identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

impl Follow {
    /// One look at the file at `path`: finish a file rotated away, start again on a file
    /// truncated or replaced, read the complete lines added since the last look.
    fn look(&mut self, path: &Path, now: Timestamp) -> Result<(), String> {
        let on_disk = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                if error.kind() == std::io::ErrorKind::NotFound {
                    // Moved away and not yet replaced: the rest of it is still ours to read.
                    self.finish(now);
                    self.store.prune(now);
                    return Err("the file does not exist (yet?)".to_string());
                }
                return Err(format!("cannot read the file: {error}"));
            }
        };
        if !on_disk.is_file() {
            return Err("not a file".to_string());
        }
        let moved = self
            .open
            .as_ref()
            .is_some_and(|open| open.identity.is_some() && open.identity != identity(&on_disk));
        if moved {
            self.finish(now);
        }

        let open = match &mut self.open {
            Some(open) => open,
            None => {
                let handle =
                    File::open(path).map_err(|error| format!("cannot open the file: {error}"))?;
                let identity = handle.metadata().ok().as_ref().and_then(identity);
                self.tally = Tally::default();
                self.open.insert(OpenFile {
                    handle,
                    identity,
                    offset: 0,
                    lines: 0,
                    head: Vec::new(),
                })
            }
        };
        let length = open
            .handle
            .metadata()
            .map_err(|error| format!("cannot read the file: {error}"))?
            .len();
        let head = open
            .head(length)
            .map_err(|error| format!("cannot read the file: {error}"))?;
        let shared = open.head.len().min(head.len());
        if length < open.offset || open.head[..shared] != head[..shared] {
            tracing::info!(source = %self.source, "events file truncated or replaced: read from its start");
            open.offset = 0;
            open.lines = 0;
            self.tally = Tally::default();
        }
        open.head = head;

        let (source, store, tally) = (&self.source, &mut self.store, &mut self.tally);
        open.read_lines(length, false, |number, line| {
            let outcome = line.and_then(|line| event_from_line(source, &line, now));
            tally.count(&outcome, || format!("line {number}"));
            if let Ok(Some(record)) = outcome {
                store.insert(record.event, now);
            }
        })
        .map_err(|error| format!("cannot read the file: {error}"))?;
        store.prune(now);
        Ok(())
    }

    /// Reads the rest of the file held open, its unfinished last line included, and lets it go.
    fn finish(&mut self, now: Timestamp) {
        let Some(mut open) = self.open.take() else {
            return;
        };
        let Ok(length) = open.handle.metadata().map(|metadata| metadata.len()) else {
            return;
        };
        let (source, store) = (&self.source, &mut self.store);
        let read = open.read_lines(length, true, |_, line| {
            if let Ok(Some(record)) = line.and_then(|line| event_from_line(source, &line, now)) {
                store.insert(record.event, now);
            }
        });
        if let Err(error) = read {
            tracing::warn!(source = %self.source, %error, "the rotated events file could not be finished");
        }
    }
}

impl OpenFile {
    /// The first bytes of the file, up to [`HEAD_BYTES`].
    fn head(&mut self, length: u64) -> std::io::Result<Vec<u8>> {
        let wanted = length.min(HEAD_BYTES as u64);
        let mut head = Vec::new();
        self.handle.seek(SeekFrom::Start(0))?;
        (&self.handle).take(wanted).read_to_end(&mut head)?;
        Ok(head)
    }

    /// Hands each complete line between the offset and `end` to `each`, with its number, and
    /// moves the offset past it. A last line without its newline waits for the next look,
    /// unless `to_the_end`. A line too long to be an event is skipped with the reason.
    fn read_lines(
        &mut self,
        end: u64,
        to_the_end: bool,
        mut each: impl FnMut(u64, Result<String, String>),
    ) -> std::io::Result<()> {
        if end <= self.offset {
            return Ok(());
        }
        (&self.handle).seek(SeekFrom::Start(self.offset))?;
        let mut reader =
            BufReader::with_capacity(64 * 1024, (&self.handle).take(end - self.offset));
        let mut line = Vec::new();
        let mut line_bytes: u64 = 0;
        loop {
            let chunk = reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let newline = chunk.iter().position(|&byte| byte == b'\n');
            let part = &chunk[..newline.unwrap_or(chunk.len())];
            let room = LINE_BYTES_MAX.saturating_sub(line.len());
            line.extend_from_slice(&part[..part.len().min(room)]);
            line_bytes += part.len() as u64;
            let used = newline.map_or(chunk.len(), |at| at + 1);
            reader.consume(used);
            if newline.is_some() {
                self.offset += line_bytes + 1;
                self.lines += 1;
                each(self.lines, line_text(&line, line_bytes));
                line.clear();
                line_bytes = 0;
            }
        }
        if to_the_end && line_bytes > 0 {
            self.offset += line_bytes;
            self.lines += 1;
            each(self.lines, line_text(&line, line_bytes));
        }
        Ok(())
    }
}

/// A line as text; one longer than [`LINE_BYTES_MAX`] (of which only the start was kept) is
/// no event.
fn line_text(kept: &[u8], length: u64) -> Result<String, String> {
    if length > LINE_BYTES_MAX as u64 {
        return Err(format!("longer than {} KiB", LINE_BYTES_MAX / 1024));
    }
    Ok(String::from_utf8_lossy(kept).into_owned())
}

/// An HTTP endpoint answering a JSON array of events.
pub struct EventsEndpoint {
    source: String,
    endpoint: Endpoint,
    /// The URL's last part, asked of the endpoint whose base is the rest.
    path: String,
    query: Vec<(String, String)>,
    seen: Mutex<Seen>,
}

/// What the endpoint has answered so far.
#[derive(Debug)]
struct Seen {
    store: EventStore,
    /// When each undated record of the last answer was first seen, so that it keeps its time
    /// from one answer to the next.
    first_seen: HashMap<String, Timestamp>,
}

/// The events endpoint a `[[sources.events]]` entry with a `url` describes.
pub fn endpoint_from(source: &config::EventsSource) -> Result<EventsEndpoint, HttpError> {
    let settings = super::http_settings(&source.connection());
    EventsEndpoint::new(&source.name, &source.url, settings, source.keep_hours)
}

impl EventsEndpoint {
    /// The endpoint at exactly `url` (its query kept), keeping events of the last `keep_hours`.
    pub fn new(
        source: &str,
        url: &str,
        settings: super::http::HttpSettings,
        keep_hours: u64,
    ) -> Result<EventsEndpoint, HttpError> {
        let (base, path, query) = match reqwest::Url::parse(url.trim()) {
            Ok(mut parsed) => {
                let query: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(key, value)| (key.into_owned(), value.into_owned()))
                    .collect();
                parsed.set_query(None);
                parsed.set_fragment(None);
                let full = parsed.path().to_string();
                let (folder, last) = full.rsplit_once('/').unwrap_or(("", &full));
                let path = if last.is_empty() {
                    String::new()
                } else {
                    format!("./{last}")
                };
                parsed.set_path(&format!("{folder}/"));
                (parsed.to_string(), path, query)
            }
            // Endpoint::new says what is wrong with it.
            Err(_) => (url.to_string(), String::new(), Vec::new()),
        };
        Ok(EventsEndpoint {
            source: source.to_string(),
            endpoint: Endpoint::new(source, &base, settings)?,
            path,
            query,
            seen: Mutex::new(Seen {
                store: EventStore::new(keep_hours, EVENTS_KEPT),
                first_seen: HashMap::new(),
            }),
        })
    }

    /// Asks for the events and returns every event kept for the Alerts pane: those of this
    /// answer and those of earlier answers still within the time kept.
    pub async fn poll(&self) -> Result<Polled, HttpError> {
        let query: Vec<(&str, String)> = self
            .query
            .iter()
            .map(|(key, value)| (key.as_str(), value.clone()))
            .collect();
        let body = self.endpoint.get_bytes(&self.path, &query).await?;
        let now = Timestamp::now();
        let batch = events_from_json(
            &self.source,
            &self.endpoint.describe(&self.path),
            &body,
            now,
        )?;

        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let mut first_seen = HashMap::new();
        for mut record in batch.records {
            if !record.dated {
                let first = seen
                    .first_seen
                    .get(&record.event.id)
                    .copied()
                    .unwrap_or(now);
                first_seen.insert(record.event.id.clone(), first);
                record.event.at = first;
            }
            seen.store.insert(record.event, now);
        }
        seen.first_seen = first_seen;
        seen.store.prune(now);
        let events = seen.store.snapshot();
        Ok(Polled::one(
            PaneId::Alerts,
            Feed::Events(events),
            batch.tally.note("record"),
        ))
    }
}

/// The events of one answer, and what it lacked.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub records: Vec<Record>,
    tally: Tally,
}

impl Batch {
    /// "2 of 40 records skipped (record 3: …)", or nothing when every record was read.
    pub fn note(&self) -> Option<String> {
        self.tally.note("record")
    }
}

/// The events of an answer: a JSON array of records, an object holding one (under `events`,
/// `items`, `data`, `records`, `results`, `messages`, or as its only list), or Mattermost's
/// `{"order": [...], "posts": {id: post}}`. An empty, cut-off or HTML answer is an error, as is
/// one with no list of events; a bad record is skipped and counted.
pub fn events_from_json(
    source: &str,
    endpoint: &str,
    body: &[u8],
    read_at: Timestamp,
) -> Result<Batch, HttpError> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let value: Value = decode_json(endpoint, body)?;
    let shape_error = |found: String| HttpError::Body {
        endpoint: endpoint.to_string(),
        reason: format!("expected a JSON array of events, or an object holding one; found {found}"),
    };
    let records: Vec<&Value> = match &value {
        Value::Array(records) => records.iter().collect(),
        Value::Object(object) => {
            let listed = ["events", "items", "data", "records", "results", "messages"]
                .iter()
                .find_map(|key| match field(object, &[key]) {
                    Some(Value::Array(records)) => Some(records),
                    _ => None,
                });
            let lists: Vec<&Vec<Value>> = object.values().filter_map(Value::as_array).collect();
            match (listed, field(object, &["posts"]), lists.as_slice()) {
                (Some(records), _, _) => records.iter().collect(),
                (None, Some(Value::Object(posts)), _) => posts.values().collect(),
                (None, _, [only]) => only.iter().collect(),
                _ => {
                    let keys: Vec<&str> = object.keys().take(6).map(String::as_str).collect();
                    return Err(shape_error(format!(
                        "an object with keys {}",
                        capped(&keys.join(", "), 80)
                    )));
                }
            }
        }
        Value::String(_) => return Err(shape_error("a string".into())),
        Value::Number(_) => return Err(shape_error("a number".into())),
        Value::Bool(_) => return Err(shape_error("true or false".into())),
        Value::Null => return Err(shape_error("null".into())),
    };

    let mut batch = Batch {
        records: Vec::new(),
        tally: Tally::default(),
    };
    for (index, record) in records.into_iter().enumerate() {
        let outcome = event_from_value(source, record, read_at).map(Some);
        batch
            .tally
            .count(&outcome, || format!("record {}", index + 1));
        if let Ok(Some(record)) = outcome {
            batch.records.push(record);
        }
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use serde_json::json;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn now() -> Timestamp {
        at("2026-12-04T12:00:00Z")
    }

    fn deployment(
        id: &str,
        when: &str,
        [component, branch, host, user]: [&str; 4],
        commit: Option<&str>,
    ) -> DeploymentEvent {
        DeploymentEvent {
            id: id.to_string(),
            at: at(when),
            component: component.into(),
            branch: branch.into(),
            host: host.into(),
            user: user.into(),
            commit: commit.map(str::to_string),
        }
    }

    fn line(text: &str) -> Result<Option<Record>, String> {
        event_from_line("deploys", text, now())
    }

    fn event_of(text: &str) -> DeploymentEvent {
        match line(text) {
            Ok(Some(record)) => record.event,
            other => panic!("no event in {text}: {other:?}"),
        }
    }

    /// The fields of an event without its id.
    fn fields_of(event: &DeploymentEvent) -> (Timestamp, [&str; 4], Option<&str>) {
        (
            event.at,
            [
                event.component.as_str(),
                event.branch.as_str(),
                event.host.as_str(),
                event.user.as_str(),
            ],
            event.commit.as_deref(),
        )
    }

    const SERVER: [&str; 4] = ["panda-server", "master", "aipanda123.cern.ch", "jdoe"];

    #[test]
    fn a_structured_record_with_its_own_id_and_an_rfc3339_time() {
        let event = event_of(
            r#"{"id": "ev-1", "component": "panda-server", "branch": "master",
                "host": "aipanda123.cern.ch", "user": "jdoe", "commit": "1a2b3c4d5e",
                "time": "2026-12-04T11:30:00+01:00"}"#
                .replace('\n', " ")
                .as_str(),
        );
        assert_eq!(
            event,
            deployment("ev-1", "2026-12-04T10:30:00Z", SERVER, Some("1a2b3c4d5e"))
        );
    }

    #[test]
    fn structured_names_in_any_case_and_spelling_with_epoch_times() {
        let seconds = event_of(
            r#"{"Package": "panda-jedi", "Version": "1.0.3", "HOSTNAME": "aipanda031",
                "deployed_by": {"login": "wguan"}, "git_sha": "ABCDEF0", "timestamp": 1796385600}"#,
        );
        assert_eq!(
            fields_of(&seconds),
            (
                at("2026-12-04T12:00:00Z"),
                ["panda-jedi", "1.0.3", "aipanda031", "wguan"],
                Some("ABCDEF0")
            )
        );
        let milliseconds = event_of(
            r#"{"service": "harvester", "ref": "flin", "node": "aipanda170", "author": "tmaier",
                "createdAt": "1796385600000"}"#,
        );
        assert_eq!(
            fields_of(&milliseconds),
            (
                at("2026-12-04T12:00:00Z"),
                ["harvester", "flin", "aipanda170", "tmaier"],
                None
            )
        );
        let zoneless = event_of(
            r#"{"component": "bigpanda@master", "host": "aipanda162", "at": "2026-12-04 09:15:00"}"#,
        );
        assert_eq!(
            fields_of(&zoneless),
            (
                at("2026-12-04T09:15:00Z"),
                ["bigpanda", "master", "aipanda162", ""],
                None
            )
        );
    }

    #[test]
    fn the_mattermost_payload_of_the_upgrade_hook() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let payload = json!({
            "text": ":panda_face:**panda-server@master upgrade on:** `aipanda123.cern.ch` by `jdoe`.",
            "props": {"card": format!(
                "| **Property** | **Value** |\n|---|---|\n\
                 | **Package** | https://github.com/PanDAWMS/panda-server |\n\
                 | **Branch** | [`master`](https://github.com/PanDAWMS/panda-server/tree/master) |\n\
                 | **Commit** | [`{sha}`](https://github.com/PanDAWMS/panda-server/commit/{sha}) |"
            )},
            "username": "panda-bot"
        });
        let event = event_of(&payload.to_string());
        assert_eq!(fields_of(&event), (now(), SERVER, Some(sha)));
        assert_eq!(event.id.len(), 16, "{}", event.id);
    }

    #[test]
    fn the_old_jedi_hook_with_html_code_tags() {
        let event = event_of(
            r#"{"text": ":lightsaber:**panda-jedi@master upgrade on:** <code>aipanda033.cern.ch</code> by <code>wguan</code>."}"#,
        );
        assert_eq!(
            fields_of(&event),
            (
                now(),
                ["panda-jedi", "master", "aipanda033.cern.ch", "wguan"],
                None
            )
        );
    }

    #[test]
    fn announcements_as_plain_strings_with_or_without_colon_links_and_commits() {
        let cases = [
            (
                r#""panda-server@master upgrade on: aipanda123.cern.ch by jdoe""#,
                None,
            ),
            (
                "panda-server@master upgrade on aipanda123.cern.ch by jdoe (commit 1a2b3c4)",
                Some("1a2b3c4"),
            ),
            (
                r#"{"text": "🐼 **panda-server@master upgrade on** [aipanda123.cern.ch](https://aipanda123.cern.ch/) by _jdoe_, commit: 1A2B3C4D5E6F"}"#,
                Some("1a2b3c4d5e6f"),
            ),
            (
                r#"{"message": "deploy:panda-server@master upgraded on aipanda123.cern.ch by jdoe!", "create_at": 1796385600000, "id": "p1"}"#,
                None,
            ),
        ];
        for (text, commit) in cases {
            let event = event_of(text);
            let mut expected = SERVER;
            if text.contains("_jdoe_") {
                expected[3] = "_jdoe_";
            }
            let when = if text.contains("create_at") {
                at("2026-12-04T12:00:00Z")
            } else {
                now()
            };
            assert_eq!(fields_of(&event), (when, expected, commit), "{text}");
        }
    }

    #[test]
    fn attachments_carry_the_announcement_and_the_commit() {
        let payload = json!({
            "text": "",
            "attachments": [{
                "fallback": "upgrade",
                "pretext": ":rocket: harvester@flin upgrade on: aipanda170 by tmaier",
                "fields": [{"title": "Commit", "value": "deadbeefcafe"}]
            }]
        });
        let event = event_of(&payload.to_string());
        assert_eq!(
            fields_of(&event),
            (
                now(),
                ["harvester", "flin", "aipanda170", "tmaier"],
                Some("deadbeefcafe")
            )
        );
    }

    #[test]
    fn undated_records_are_dated_when_read_and_dated_ones_say_so() {
        let undated = line(r#""pilot3@3.9.1 upgrade on: pilot-host by atlpilo1""#);
        assert_eq!(undated.map(|r| r.map(|r| r.dated)), Ok(Some(false)));
        let dated = line(
            r#"{"text": "pilot3@3.9.1 upgrade on: pilot-host by atlpilo1", "ts": 1796385600}"#,
        );
        assert_eq!(dated.map(|r| r.map(|r| r.dated)), Ok(Some(true)));
    }

    #[test]
    fn what_is_no_event_is_skipped_with_the_reason() {
        let cases = [
            ("", Ok(None)),
            ("   ", Ok(None)),
            ("42", Err("a number, not an event")),
            ("[1, 2]", Err("a list, not an event")),
            ("null", Err("null, not an event")),
            (
                r#"{"component": "panda-server", "branch": "master""#,
                Err("not valid JSON: EOF while parsing an object at line 1 column 48"),
            ),
            (
                r#"{"text": "⚠️ The availability of PandaBigMon on aipanda162 is 80 (httpd)"}"#,
                Err("no \"X@branch upgrade on host by user\""),
            ),
            (
                "the deployment went fine",
                Err("no \"X@branch upgrade on host by user\""),
            ),
            (r#"{"component": "panda-server"}"#, Err("no host")),
            (r#"{"host": "aipanda1"}"#, Err("no component")),
            (
                r#"{"level": "info"}"#,
                Err("no component and host, and no text"),
            ),
            (
                r#"{"component": "x", "host": "y", "time": "yesterday"}"#,
                Err("time \"yesterday\" not understood"),
            ),
            (
                r#"{"component": "x", "host": "y", "time": -5}"#,
                Err("time \"-5\" not understood"),
            ),
        ];
        for (text, expected) in cases {
            let outcome = line(text).map(|record| record.map(|record| record.event));
            assert_eq!(outcome, expected.map_err(str::to_string), "{text}");
        }
    }

    #[test]
    fn ids_are_stable_per_source_and_record() {
        let text = r#"{"text": "panda-server@master upgrade on: aipanda123.cern.ch by jdoe"}"#;
        let reordered =
            r#"{ "text" : "panda-server@master upgrade on: aipanda123.cern.ch by jdoe" }"#;
        let first = event_of(text);
        let later = event_from_line("deploys", text, at("2026-12-05T00:00:00Z"))
            .unwrap()
            .unwrap()
            .event;
        assert_eq!(first.id, later.id);
        assert_eq!(first.id, event_of(reordered).id);
        let elsewhere = event_from_line("other", text, now())
            .unwrap()
            .unwrap()
            .event;
        assert_ne!(first.id, elsewhere.id);
        let dated = r#"{"text": "panda-server@master upgrade on: aipanda123.cern.ch by jdoe", "time": 1796385600}"#;
        assert_ne!(first.id, event_of(dated).id);
        assert_eq!(hashed_id("s", "t"), hashed_id("s", "t"));
        assert_eq!(hashed_id("", ""), "af63d24c8601db8e");
    }

    #[test]
    fn long_fields_are_cut() {
        let long = "h".repeat(500);
        let event = event_of(
            &json!({"component": "c", "host": long, "commit": "f".repeat(100), "id": "i".repeat(300)})
                .to_string(),
        );
        assert_eq!(event.host.chars().count(), FIELD_CHARS);
        assert_eq!(event.commit.map(|c| c.len()), Some(COMMIT_CHARS));
        assert_eq!(event.id.len(), ID_CHARS);
    }

    #[test]
    fn the_patterns_compile() {
        for pattern in [&LINK, &TAG, &SHORTCODE, &SENTENCE, &COMMIT] {
            assert!(pattern.is_some());
        }
        assert_eq!(
            plain_text(
                "**a** `b` [c](http://x) <http://y|d> <code>e</code> :smile: 12:30:45 ~~f~~"
            ),
            "a b c d e 12:30:45 f"
        );
    }

    #[test]
    fn the_store_keeps_the_recent_first_reading_and_the_newest() {
        let mut store = EventStore::new(48, 2);
        let names = ["c", "b", "h", "u"];
        assert!(store.insert(deployment("1", "2026-12-04T10:00:00Z", names, None), now()));
        assert!(!store.insert(deployment("1", "2026-12-04T11:00:00Z", names, None), now()));
        assert!(!store.insert(
            deployment("old", "2026-12-01T10:00:00Z", names, None),
            now()
        ));
        assert!(store.insert(deployment("2", "2026-12-04T09:00:00Z", names, None), now()));
        assert!(store.insert(deployment("3", "2026-12-04T11:00:00Z", names, None), now()));
        store.prune(now());
        let ids: Vec<String> = store.snapshot().into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["3", "1"]);
        store.prune(at("2026-12-06T10:30:00Z"));
        let ids: Vec<String> = store.snapshot().into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["3"]);
    }

    #[test]
    fn an_answer_is_an_array_or_holds_one() {
        let endpoint = "test (http://127.0.0.1/events)";
        let read = |body: &str| events_from_json("api", endpoint, body.as_bytes(), now());
        let good =
            read(r#"[{"component": "c", "host": "h", "id": "a"}, "x@y upgrade on z by w", 7]"#)
                .unwrap();
        assert_eq!(good.records.len(), 2);
        assert_eq!(
            good.note().as_deref(),
            Some(
                "1 of 3 records skipped (record 3: a number, not an event); 2 without a time, dated when read"
            )
        );
        let wrapped = read(r#"{"count": 1, "events": [{"component": "c", "host": "h"}]}"#).unwrap();
        assert_eq!(wrapped.records.len(), 1);
        let only_list = read(r#"{"count": 1, "entries": ["x@y upgrade on z by w"]}"#).unwrap();
        assert_eq!(only_list.records[0].event.component, "x");
        let posts = read(
            r#"{"order": ["p1"], "posts": {"p1": {"id": "p1", "create_at": 1796385600000,
                "message": "x@y upgrade on: z by w"}}}"#,
        )
        .unwrap();
        assert_eq!(
            posts.records[0].event,
            deployment("p1", "2026-12-04T12:00:00Z", ["x", "y", "z", "w"], None)
        );
        assert_eq!(posts.note(), None);

        let error = |body: &str| read(body).unwrap_err().to_string();
        assert_eq!(
            error(r#"{"a": 1, "b": [], "c": []}"#),
            format!(
                "{endpoint}: expected a JSON array of events, or an object holding one; found an object with keys a, b, c"
            )
        );
        assert_eq!(
            error("\"text\""),
            format!(
                "{endpoint}: expected a JSON array of events, or an object holding one; found a string"
            )
        );
        assert_eq!(
            error(" \n"),
            format!("{endpoint}: empty response where JSON was expected")
        );
        assert!(
            error(r#"[{"component": "c", "#).contains("response truncated after 20 bytes"),
            "{}",
            error(r#"[{"component": "c", "#)
        );
        assert!(matches!(
            read("<html><title>Sign in</title></html>"),
            Err(HttpError::Html { .. })
        ));
    }

    /// A followed file and a way to look at it as the poll loop would, at a given time.
    struct Followed {
        folder: tempfile::TempDir,
        path: PathBuf,
        follow: Follow,
    }

    impl Followed {
        fn new() -> Followed {
            let folder = tempfile::tempdir().unwrap();
            let path = folder.path().join("deploys.jsonl");
            Followed {
                folder,
                path,
                follow: Follow {
                    source: "deploys".into(),
                    open: None,
                    store: EventStore::new(48, EVENTS_KEPT),
                    tally: Tally::default(),
                },
            }
        }

        fn append(&self, text: &str) {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .unwrap();
            file.write_all(text.as_bytes()).unwrap();
        }

        /// The hosts of the events kept, newest first, after one look.
        fn look(&mut self) -> Result<Vec<String>, String> {
            self.follow.look(&self.path, now())?;
            Ok(self
                .follow
                .store
                .snapshot()
                .into_iter()
                .map(|event| event.host)
                .collect())
        }
    }

    fn deploy(host: &str, minute: u32) -> String {
        format!(
            "{{\"component\": \"panda-server\", \"branch\": \"master\", \"host\": \"{host}\", \"user\": \"jdoe\", \"time\": \"2026-12-04T11:{minute:02}:00Z\"}}\n"
        )
    }

    #[test]
    fn a_followed_file_is_read_as_it_grows_and_across_rotation() {
        let mut file = Followed::new();
        assert_eq!(
            file.look(),
            Err("the file does not exist (yet?)".to_string())
        );

        // The first look reads the whole file, only the recent events kept.
        file.append(&deploy("a1", 1));
        file.append(&deploy("a2", 2).replace("2026-12-04T11:02", "2026-11-01T11:02"));
        file.append("not an event\n\n");
        file.append(&deploy("a3", 3));
        assert_eq!(file.look().unwrap(), ["a3", "a1"]);
        assert_eq!(
            file.follow.tally.note("line").as_deref(),
            Some("1 of 4 lines skipped (line 3: no \"X@branch upgrade on host by user\")")
        );

        // A line without its newline waits; once complete it is read once.
        let partial = deploy("a4", 4);
        let (start, rest) = partial.split_at(30);
        file.append(start);
        assert_eq!(file.look().unwrap(), ["a3", "a1"]);
        file.append(rest);
        assert_eq!(file.look().unwrap(), ["a4", "a3", "a1"]);
        assert_eq!(file.look().unwrap(), ["a4", "a3", "a1"]);

        // Rotation by renaming: what was written to the old file before the new one appeared is
        // still read, its unfinished last line included; then the new file from its start.
        file.append(&deploy("a5", 5));
        file.append(deploy("a6", 6).trim_end());
        std::fs::rename(&file.path, file.folder.path().join("deploys.jsonl.1")).unwrap();
        file.append(&deploy("b1", 10));
        assert_eq!(file.look().unwrap(), ["b1", "a6", "a5", "a4", "a3", "a1"]);
        assert_eq!(file.follow.tally.note("line"), None);

        // Rotation with a gap: the file missing is an error, the events stay.
        std::fs::rename(&file.path, file.folder.path().join("deploys.jsonl.2")).unwrap();
        assert_eq!(
            file.look(),
            Err("the file does not exist (yet?)".to_string())
        );
        assert_eq!(file.follow.store.snapshot().len(), 6);
        file.append(&deploy("c1", 20));
        assert_eq!(file.look().unwrap()[..2], ["c1", "b1"]);

        // Truncation (copytruncate): the file is read from its start again, the same lines
        // written again are the same events.
        std::fs::write(&file.path, "").unwrap();
        assert_eq!(file.look().unwrap().len(), 7);
        file.append(&deploy("c1", 20));
        file.append(&deploy("d1", 30));
        assert_eq!(
            file.look().unwrap(),
            ["d1", "c1", "b1", "a6", "a5", "a4", "a3", "a1"]
        );

        // Replaced in place by a longer file: its start differs, so it is read from its start.
        let mut replacement = deploy("e1", 40);
        for minute in 41..50 {
            replacement.push_str(&deploy(&format!("e{}", minute - 39), minute));
        }
        std::fs::write(&file.path, replacement).unwrap();
        let hosts = file.look().unwrap();
        assert_eq!(hosts.len(), 18);
        assert_eq!(hosts[..3], ["e10", "e9", "e8"]);
    }

    #[test]
    fn a_very_long_line_is_skipped_and_the_next_read() {
        let mut file = Followed::new();
        file.append(&format!("{}\n", "x".repeat(LINE_BYTES_MAX + 10)));
        file.append(&deploy("a1", 1));
        assert_eq!(file.look().unwrap(), ["a1"]);
        assert_eq!(
            file.follow.tally.note("line").as_deref(),
            Some("1 of 2 lines skipped (line 1: longer than 1024 KiB)")
        );
    }

    #[test]
    fn the_store_of_a_followed_file_holds_at_most_the_newest() {
        let mut file = Followed::new();
        file.follow.store = EventStore::new(48, 3);
        for minute in 0..10 {
            file.append(&deploy(&format!("h{minute}"), minute));
        }
        assert_eq!(file.look().unwrap(), ["h9", "h8", "h7"]);
    }
}
