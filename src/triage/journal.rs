//! The decisions journal: every review decision an operator makes on an error group, and the drafts
//! of edits not yet confirmed, kept as one JSON object per line in a file only one console writes.
//!
//! An entry counts as saved only once its whole line is written and synced to disk; until
//! [`Journal::append`] returns `Ok` the caller must show it as unsaved. Lines are only ever
//! appended: the file is never rewritten, and it is shortened only to take back the partial line
//! of an append that failed. A damaged line (a crash mid-write, a hand edit) is reported and
//! skipped when the journal is read, never fatal. Times are written in UTC, so the file is the
//! same whatever the machine's time zone. This module never draws and never touches the network.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use rustix::fs::FlockOperation;
use rustix::io::Errno;
use serde::{Deserialize, Serialize};

/// The format version written in every line as `"v"`.
pub const FORMAT_VERSION: u32 = 1;

/// How long [`Journal::open`] waits before calling the journal locked. A process that this console
/// (or a journal dropped a moment ago) started holds a copy of the journal's descriptor, and with it
/// the lock, until it has started its own program; that takes milliseconds.
const LOCK_GRACE: Duration = Duration::from_millis(500);

/// `ERROR_CLASSIFICATION.ERROR_CLASS`: whose fault the error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    System,
    User,
    Unknown,
}

impl ErrorClass {
    /// The name PanDA's table uses: `system`, `user` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::System => "system",
            ErrorClass::User => "user",
            ErrorClass::Unknown => "unknown",
        }
    }
}

/// Whether retrying the same job can make the error go away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permanence {
    Transient,
    Permanent,
    Unknown,
}

impl Permanence {
    pub fn as_str(self) -> &'static str {
        match self {
            Permanence::Transient => "transient",
            Permanence::Permanent => "permanent",
            Permanence::Unknown => "unknown",
        }
    }
}

/// An action of PanDA's retry module (`RETRYACTIONS.RETRY_ACTION`), with its parameters.
///
/// Written as `{"action":"limit_retry","max_attempt":3}`.
// Limitation: `reduce_input_per_job` takes the parameters `excluded_rules` and `steps` in PanDA;
// they are not recorded here, so such a decision says only which action was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RetryAction {
    NoRetry,
    LimitRetry { max_attempt: u32 },
    IncreaseMemory,
    IncreaseMemoryXtimes,
    IncreaseCputime,
    ReduceInputPerJob,
}

impl RetryAction {
    /// The action's name in PanDA's `RETRYACTIONS` table, e.g. `increase_memory`.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryAction::NoRetry => "no_retry",
            RetryAction::LimitRetry { .. } => "limit_retry",
            RetryAction::IncreaseMemory => "increase_memory",
            RetryAction::IncreaseMemoryXtimes => "increase_memory_xtimes",
            RetryAction::IncreaseCputime => "increase_cputime",
            RetryAction::ReduceInputPerJob => "reduce_input_per_job",
        }
    }
}

/// What the operator did with a suggested classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Confirmed,
    Rejected,
    Edited,
}

/// One operator's decision on one error group, in the shape of an `ERROR_CLASSIFICATION` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// [`ErrorGroup::id`](super::ErrorGroup::id).
    pub group_id: String,
    /// The PanDA job field the code comes from, as `ERROR_SOURCE` names it: `pilotErrorCode`.
    pub error_source: String,
    pub error_code: i64,
    /// A regular expression for the diagnostic, matched from its start as PanDA does.
    pub diag_regex: String,
    pub description: String,
    pub error_class: ErrorClass,
    pub permanence: Permanence,
    /// `None` leaves retries to PanDA's defaults.
    pub retry_action: Option<RetryAction>,
    pub verdict: Verdict,
    /// The operator's reasons, free text over any number of lines.
    #[serde(default)]
    pub note: String,
    pub operator: String,
    #[serde(with = "utc")]
    pub decided_at: Timestamp,
    /// Decisions made together by one bulk apply share this id (the time of the apply in
    /// milliseconds since 1970), so one undo takes them back together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
}

/// An edit in progress on one group, kept until it is confirmed as a decision or discarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub group_id: String,
    pub diag_regex: String,
    pub description: String,
    pub error_class: ErrorClass,
    pub permanence: Permanence,
    pub retry_action: Option<RetryAction>,
    #[serde(default)]
    pub note: String,
    pub operator: String,
    #[serde(with = "utc")]
    pub updated_at: Timestamp,
}

/// What one line of the journal records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// A decision; it also ends any draft of its group.
    Decision(Decision),
    /// Takes back the decision appended with sequence number `seq_undone`; the group's decision is
    /// then its latest one not taken back. An undo of anything but a decision changes nothing.
    Undo {
        seq_undone: u64,
    },
    /// The latest state of an edit; replaces any earlier draft of its group.
    Draft(Draft),
    DiscardDraft {
        group_id: String,
    },
}

/// One line of the journal: `{"v":1,"seq":7,"kind":"decision",...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub v: u32,
    /// Counts up from 1 in the order of appending.
    pub seq: u64,
    #[serde(flatten)]
    pub entry: Entry,
}

/// A decision with the sequence number it was appended under, which [`Entry::Undo`] refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedDecision {
    pub seq: u64,
    pub decision: Decision,
}

/// A line that could not be read as a record, and was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Counted from 1.
    pub line: usize,
    /// The length of the line, without its newline.
    pub bytes: usize,
    pub reason: String,
}

/// What the journal holds, read from the file and kept up to date by every append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// The latest decision of each group that has not been undone.
    pub decisions: BTreeMap<String, SavedDecision>,
    /// Drafts not yet ended by a decision or a discard.
    pub drafts: BTreeMap<String, Draft>,
    /// Every record read or appended, in file order.
    pub history: Vec<Record>,
    pub damaged: Vec<Damage>,
    /// The sequence number the next append gets.
    pub next_seq: u64,
}

impl Replay {
    fn empty() -> Replay {
        Replay {
            decisions: BTreeMap::new(),
            drafts: BTreeMap::new(),
            history: Vec::new(),
            damaged: Vec::new(),
            next_seq: 1,
        }
    }

    fn apply(&mut self, record: Record) {
        self.next_seq = self.next_seq.max(record.seq.saturating_add(1));

        match &record.entry {
            Entry::Decision(decision) => {
                self.drafts.remove(&decision.group_id);
                self.decisions.insert(
                    decision.group_id.clone(),
                    SavedDecision {
                        seq: record.seq,
                        decision: decision.clone(),
                    },
                );
                self.history.push(record);
            }
            Entry::Undo { seq_undone } => {
                let group = self
                    .history
                    .iter()
                    .find_map(|earlier| match &earlier.entry {
                        Entry::Decision(decision) if earlier.seq == *seq_undone => {
                            Some(decision.group_id.clone())
                        }
                        _ => None,
                    });
                self.history.push(record);
                if let Some(group) = group {
                    self.restore_latest_standing(&group);
                }
            }
            Entry::Draft(draft) => {
                self.drafts.insert(draft.group_id.clone(), draft.clone());
                self.history.push(record);
            }
            Entry::DiscardDraft { group_id } => {
                self.drafts.remove(group_id);
                self.history.push(record);
            }
        }
    }

    /// After an undo, the group's decision is its latest one that no undo has taken back.
    fn restore_latest_standing(&mut self, group: &str) {
        let undone: BTreeSet<u64> = self
            .history
            .iter()
            .filter_map(|record| match record.entry {
                Entry::Undo { seq_undone } => Some(seq_undone),
                _ => None,
            })
            .collect();

        let standing = self
            .history
            .iter()
            .rev()
            .find_map(|record| match &record.entry {
                Entry::Decision(decision)
                    if decision.group_id == group && !undone.contains(&record.seq) =>
                {
                    Some(SavedDecision {
                        seq: record.seq,
                        decision: decision.clone(),
                    })
                }
                _ => None,
            });

        match standing {
            Some(saved) => self.decisions.insert(group.to_string(), saved),
            None => self.decisions.remove(group),
        };
    }
}

/// The console holding a journal, as it wrote itself into `<journal>.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    pub since: Timestamp,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} on host {} since {}",
            self.pid, self.host, self.since
        )
    }
}

/// A way to make the next append fail, to rehearse the unsaved path without filling a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailPoint {
    /// Writes this many bytes of the line, then fails as a full disk does (`ENOSPC`).
    DiskFullAfter(usize),
    /// Writes the whole line, then the sync fails with an I/O error (`EIO`).
    SyncFails,
}

/// Why the journal could not be opened, or an entry was not saved.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "decisions journal {} is locked by {}; another pandaops is using it",
        .path.display(),
        .holder.as_ref().map_or_else(|| "another process".to_string(), LockHolder::to_string)
    )]
    Locked {
        path: PathBuf,
        /// `None` when the lock file could not be read or did not say.
        holder: Option<LockHolder>,
    },
    #[error("cannot {action} decisions journal {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        /// What was being done, e.g. `open`, `lock`, `read`.
        action: &'static str,
        source: io::Error,
    },
    #[error(
        "decisions journal {} line {line} has format version {version}; this pandaops reads \
         version {FORMAT_VERSION} and will not write to a newer journal",
        .path.display()
    )]
    NewerFormat {
        path: PathBuf,
        line: usize,
        version: u32,
    },
    #[error("cannot encode an entry for decisions journal {}: {source}", .path.display())]
    Encode {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The entry is not saved; the file is as it was before the attempt.
    #[error("not saved: cannot write to decisions journal {}: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// The decisions journal of one console, holding its lock while it lives.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    /// `<journal>.lock`, saying who holds the lock; emptied when the journal is dropped.
    holder_file: Option<File>,
    /// The file does not end with a newline (a line cut off by a crash, or a failed rollback), so
    /// the next append starts a fresh line instead of gluing onto it.
    ends_mid_line: bool,
    state: Replay,
    fail_point: Option<FailPoint>,
}

impl Journal {
    /// Opens (or creates) the journal at `path`, locks it against other consoles and reads it.
    ///
    /// The returned [`Replay`] is what the file held, damaged lines included; [`Journal::state`]
    /// is the same plus every append since.
    pub fn open(path: impl Into<PathBuf>) -> Result<(Journal, Replay), JournalError> {
        let path = path.into();
        let io_error = |action: &'static str| {
            let path = path.clone();
            move |source: io::Error| JournalError::Io {
                path,
                action,
                source,
            }
        };

        let parent = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        if let Some(parent) = parent {
            fs::create_dir_all(parent).map_err(io_error("create the folder of"))?;
        }

        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_error("open"))?;

        // The lock is on the journal itself, so that every path to the same file (a symbolic link,
        // a different spelling) meets the same lock; the sibling `.lock` file only says who holds it.
        let holder_path = holder_path(&path);
        match lock_exclusive(&file) {
            Ok(()) => {}
            Err(errno) if errno == Errno::WOULDBLOCK => {
                return Err(JournalError::Locked {
                    holder: read_holder(&holder_path),
                    path,
                });
            }
            Err(errno) => return Err(io_error("lock")(errno.into())),
        }
        let holder_file = write_holder(&holder_path);

        // A new file's name must survive a power cut too.
        if let Some(parent) = parent
            && let Err(error) = File::open(parent).and_then(|folder| folder.sync_all())
        {
            tracing::warn!(journal = %path.display(), %error, "cannot sync the journal's folder");
        }

        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error("read"))?;
        let replay = replay(&path, &bytes)?;

        let journal = Journal {
            ends_mid_line: bytes.last().is_some_and(|last| *last != b'\n'),
            path,
            file,
            holder_file,
            state: replay.clone(),
            fail_point: None,
        };
        Ok((journal, replay))
    }

    /// Appends one entry and syncs it to disk; `Ok` carries its sequence number and means saved.
    ///
    /// On `Err` nothing is saved: the partial line, if any, has been cut off again and
    /// [`Journal::state`] is unchanged, so the caller keeps the entry marked unsaved and may retry.
    pub fn append(&mut self, entry: Entry) -> Result<u64, JournalError> {
        let record = Record {
            v: FORMAT_VERSION,
            seq: self.state.next_seq,
            entry,
        };

        // Limitation: the journal only grows (drafts included) and is read whole at open; there is
        // no compaction, which is fine for thousands of decisions but not for millions.
        let mut line = Vec::with_capacity(512);
        if self.ends_mid_line {
            line.push(b'\n');
        }
        serde_json::to_writer(&mut line, &record).map_err(|source| JournalError::Encode {
            path: self.path.clone(),
            source,
        })?;
        line.push(b'\n');

        let length_before = self
            .file
            .metadata()
            .map_err(|source| self.write_error(source))?
            .len();
        if let Err(source) = self.write_and_sync(&line) {
            self.roll_back(length_before);
            return Err(self.write_error(source));
        }

        self.ends_mid_line = false;
        let seq = record.seq;
        self.state.apply(record);
        Ok(seq)
    }

    /// The journal as read at open plus every append since.
    pub fn state(&self) -> &Replay {
        &self.state
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes the next append fail in this way (once), for tests and drills of the unsaved path.
    pub fn arm_failure(&mut self, fail_point: FailPoint) {
        self.fail_point = Some(fail_point);
    }

    fn write_and_sync(&mut self, line: &[u8]) -> io::Result<()> {
        match self.fail_point.take() {
            Some(FailPoint::DiskFullAfter(bytes)) => {
                self.file.write_all(&line[..bytes.min(line.len())])?;
                Err(Errno::NOSPC.into())
            }
            Some(FailPoint::SyncFails) => {
                self.file.write_all(line)?;
                Err(Errno::IO.into())
            }
            None => {
                self.file.write_all(line)?;
                self.file.sync_data()
            }
        }
    }

    /// Cuts the file back to its length before a failed append.
    fn roll_back(&mut self, length: u64) {
        let result = self
            .file
            .set_len(length)
            .and_then(|()| self.file.sync_data());
        if let Err(error) = result {
            // The file may now end in part of a line; the next open reports it as damaged.
            self.ends_mid_line = true;
            tracing::warn!(
                journal = %self.path.display(),
                %error,
                "cannot cut a failed append back off the journal"
            );
        }
    }

    fn write_error(&self, source: io::Error) -> JournalError {
        JournalError::Write {
            path: self.path.clone(),
            source,
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Emptied before the lock goes with the file, so a stale holder is only left by a crash.
        if let Some(holder_file) = &self.holder_file {
            let _ = holder_file.set_len(0);
        }
    }
}

/// Reads the journal at `path` without locking it and without writing anything, so that a
/// console may hold it meanwhile: the same [`Replay`] [`Journal::open`] gives, damaged lines
/// reported in [`Replay::damaged`]. A missing file is an empty journal.
///
/// A console appending at the same moment may leave its last line half written; that line is
/// then reported as damaged, as after a crash, and the next read sees it whole.
pub fn read(path: impl AsRef<Path>) -> Result<Replay, JournalError> {
    let path = path.as_ref();
    match fs::read(path) {
        Ok(bytes) => replay(path, &bytes),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Replay::empty()),
        Err(source) => Err(JournalError::Io {
            path: path.to_path_buf(),
            action: "read",
            source,
        }),
    }
}

/// Takes the lock, waiting up to [`LOCK_GRACE`] for a holder that lets go at once.
fn lock_exclusive(file: &File) -> Result<(), Errno> {
    let deadline = Instant::now() + LOCK_GRACE;
    loop {
        match rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive) {
            Err(errno) if errno == Errno::INTR => continue,
            Err(errno) if errno == Errno::WOULDBLOCK && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

fn holder_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// Writes `pid host since` into the holder file. Failing to is not fatal: the lock itself holds,
/// and a second console then only cannot say who has it.
fn write_holder(holder_path: &Path) -> Option<File> {
    let line = format!(
        "{} {} {}\n",
        std::process::id(),
        host_name(),
        Timestamp::now()
    );
    let result = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(holder_path)
        .and_then(|mut file| {
            file.set_len(0)?;
            file.write_all(line.as_bytes())?;
            Ok(file)
        });

    match result {
        Ok(file) => Some(file),
        Err(error) => {
            tracing::warn!(lock = %holder_path.display(), %error, "cannot write the journal lock holder");
            None
        }
    }
}

fn read_holder(holder_path: &Path) -> Option<LockHolder> {
    let text = fs::read_to_string(holder_path).ok()?;
    let mut fields = text.split_whitespace();
    let holder = LockHolder {
        pid: fields.next()?.parse().ok()?,
        host: fields.next()?.to_string(),
        since: fields.next()?.parse().ok()?,
    };
    fields.next().is_none().then_some(holder)
}

fn host_name() -> String {
    let from_kernel = fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let from_environment = || std::env::var("HOSTNAME").ok();
    from_kernel
        .or_else(from_environment)
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty() && !name.contains(char::is_whitespace))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Reads every line of the journal, for [`Journal::open`] and [`read`] alike; only a line from a
/// newer format stops it.
fn replay(path: &Path, bytes: &[u8]) -> Result<Replay, JournalError> {
    let mut replay = Replay::empty();
    let unterminated = bytes.last().is_some_and(|last| *last != b'\n');
    let lines: Vec<&[u8]> = bytes.split(|byte| *byte == b'\n').collect();
    let last_index = lines.len().saturating_sub(1);

    for (index, line) in lines.into_iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let number = index + 1;
        let damage = |reason: String| Damage {
            line: number,
            bytes: line.len(),
            reason,
        };

        match serde_json::from_slice::<Record>(line) {
            Ok(record) if record.v == FORMAT_VERSION => replay.apply(record),
            Ok(record) if record.v > FORMAT_VERSION => {
                return Err(newer_format(path, number, record.v));
            }
            Ok(record) => replay.damaged.push(damage(format!(
                "format version {} is not one pandaops writes (expected {FORMAT_VERSION})",
                record.v
            ))),
            Err(error) => {
                if let Some(version) = newer_version(line) {
                    return Err(newer_format(path, number, version));
                }
                let reason = if unterminated && index == last_index {
                    format!(
                        "the last line has no newline, as when a crash cuts a write short: {error}"
                    )
                } else {
                    format!("not a journal record: {error}")
                };
                replay.damaged.push(damage(reason));
            }
        }
    }
    Ok(replay)
}

/// The version of a line that does not parse as a record, if it says it is from a newer format.
fn newer_version(line: &[u8]) -> Option<u32> {
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    serde_json::from_slice::<Version>(line)
        .ok()
        .map(|version| version.v)
        .filter(|v| *v > FORMAT_VERSION)
}

fn newer_format(path: &Path, line: usize, version: u32) -> JournalError {
    JournalError::NewerFormat {
        path: path.to_path_buf(),
        line,
        version,
    }
}

/// Times as RFC 3339 in UTC (`2026-03-01T12:00:00Z`), whatever the local time zone.
mod utc {
    use jiff::Timestamp;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(at)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|error| {
            D::Error::custom(format!(
                "time \"{text}\" is not RFC 3339 with a zone, like 2026-03-01T12:00:00Z: {error}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(group_id: &str, verdict: Verdict) -> Decision {
        Decision {
            group_id: group_id.to_string(),
            error_source: "pilotErrorCode".to_string(),
            error_code: 1099,
            diag_regex: "Failed to stage-in file.*".to_string(),
            description: "stage-in timeout".to_string(),
            error_class: ErrorClass::System,
            permanence: Permanence::Transient,
            retry_action: Some(RetryAction::LimitRetry { max_attempt: 3 }),
            verdict,
            note: "storage at the site was down\nsecond line".to_string(),
            operator: "alice".to_string(),
            decided_at: "2026-03-01T12:00:00+09:00".parse().unwrap(),
            batch: None,
        }
    }

    fn record(seq: u64, entry: Entry) -> Record {
        Record {
            v: FORMAT_VERSION,
            seq,
            entry,
        }
    }

    #[test]
    fn a_record_is_one_line_with_its_time_in_utc() {
        let line =
            serde_json::to_string(&record(1, Entry::Decision(decision("a", Verdict::Edited))))
                .unwrap();

        assert!(!line.contains('\n'));
        assert!(line.starts_with(r#"{"v":1,"seq":1,"kind":"decision","group_id":"a""#));
        assert!(line.contains(r#""decided_at":"2026-03-01T03:00:00Z""#));
        assert!(line.contains(r#""retry_action":{"action":"limit_retry","max_attempt":3}"#));
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap().seq, 1);
    }

    #[test]
    fn undo_brings_back_the_latest_decision_not_undone() {
        let mut replay = Replay::empty();
        replay.apply(record(
            1,
            Entry::Decision(decision("a", Verdict::Confirmed)),
        ));
        replay.apply(record(2, Entry::Decision(decision("a", Verdict::Edited))));
        replay.apply(record(3, Entry::Decision(decision("a", Verdict::Rejected))));

        replay.apply(record(4, Entry::Undo { seq_undone: 2 }));
        assert_eq!(replay.decisions["a"].seq, 3);

        replay.apply(record(5, Entry::Undo { seq_undone: 3 }));
        assert_eq!(replay.decisions["a"].seq, 1);

        replay.apply(record(6, Entry::Undo { seq_undone: 1 }));
        assert!(replay.decisions.is_empty());
        assert_eq!(replay.next_seq, 7);
    }

    #[test]
    fn a_decision_ends_the_draft_of_its_group() {
        let mut replay = Replay::empty();
        let original = decision("a", Verdict::Edited);
        let draft = Draft {
            group_id: "a".to_string(),
            diag_regex: original.diag_regex.clone(),
            description: "half-typed".to_string(),
            error_class: ErrorClass::User,
            permanence: Permanence::Unknown,
            retry_action: None,
            note: String::new(),
            operator: "alice".to_string(),
            updated_at: original.decided_at,
        };
        replay.apply(record(1, Entry::Draft(draft)));
        assert!(replay.drafts.contains_key("a"));

        replay.apply(record(2, Entry::Decision(original)));
        assert!(replay.drafts.is_empty());
    }

    #[test]
    fn damaged_lines_are_reported_and_skipped() {
        let good = serde_json::to_string(&record(
            1,
            Entry::DiscardDraft {
                group_id: "a".into(),
            },
        ))
        .unwrap();
        let text = format!("{good}\nnot json\n\n{good}\n{{\"v\":1,\"seq\":9,\"ki");

        let replay = replay(Path::new("j.jsonl"), text.as_bytes()).unwrap();

        assert_eq!(replay.history.len(), 2);
        let lines: Vec<usize> = replay.damaged.iter().map(|damage| damage.line).collect();
        assert_eq!(lines, [2, 5]);
        assert!(replay.damaged[1].reason.contains("no newline"));
        assert_eq!(replay.damaged[1].bytes, 18);
    }

    #[test]
    fn a_newer_format_is_refused_with_its_line() {
        let text = "{\"v\":2,\"seq\":1,\"kind\":\"verdict_v2\"}\n";

        let error = replay(Path::new("j.jsonl"), text.as_bytes()).unwrap_err();

        assert_eq!(
            error.to_string(),
            "decisions journal j.jsonl line 1 has format version 2; this pandaops reads version 1 \
             and will not write to a newer journal"
        );
    }

    #[test]
    fn reading_needs_no_lock_and_leaves_no_trace() {
        let directory =
            std::env::temp_dir().join(format!("pandaops-journal-read-{}", std::process::id()));
        let _ = fs::remove_dir_all(&directory);
        fs::create_dir_all(&directory).unwrap();
        let path = directory.join("decisions.jsonl");

        let missing = read(&path).unwrap();
        assert_eq!(missing, Replay::empty());
        assert!(!path.exists() && !holder_path(&path).exists());

        let (mut journal, _) = Journal::open(&path).unwrap();
        journal
            .append(Entry::Decision(decision("a", Verdict::Confirmed)))
            .unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(b"{\"v\":1,\"seq\":2,\"ki"))
            .unwrap();
        let before = fs::read(&path).unwrap();

        let replay = read(&path).unwrap();
        assert_eq!(replay.decisions["a"].seq, 1);
        assert_eq!(replay.damaged.len(), 1);
        assert!(replay.damaged[0].reason.contains("no newline"));
        assert_eq!(fs::read(&path).unwrap(), before);
        assert_eq!(
            Journal::open(&path).unwrap_err().to_string(),
            JournalError::Locked {
                path: path.clone(),
                holder: read_holder(&holder_path(&path)),
            }
            .to_string()
        );

        drop(journal);
        fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn the_holder_file_is_read_back_or_not_at_all() {
        let directory =
            std::env::temp_dir().join(format!("pandaops-journal-holder-{}", std::process::id()));
        fs::create_dir_all(&directory).unwrap();
        let path = directory.join("holder.lock");

        fs::write(&path, "4242 gateway01 2026-03-01T12:00:00Z\n").unwrap();
        let holder = read_holder(&path).unwrap();
        assert_eq!(
            holder.to_string(),
            "pid 4242 on host gateway01 since 2026-03-01T12:00:00Z"
        );

        fs::write(&path, "4242 gateway01\n").unwrap();
        assert_eq!(read_holder(&path), None);

        fs::remove_dir_all(&directory).unwrap();
    }
}
