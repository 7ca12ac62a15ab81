#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! The decisions journal against real files and real processes: what the screen called saved is
//! on disk after a reopen, a `kill -9`, a full disk or a second console.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use pandaops::triage::journal::{
    Damage, Decision, Draft, Entry, ErrorClass, FailPoint, Journal, JournalError, Permanence,
    Record, RetryAction, SavedDecision, Verdict,
};

/// Set in a re-executed test binary: the journal the child writes to.
const CHILD_JOURNAL: &str = "PANDAOPS_JOURNAL_CHILD";
/// What the child does: `append_loop`, `hold_lock` or `fixed_records`.
const CHILD_MODE: &str = "PANDAOPS_JOURNAL_CHILD_MODE";
/// Starts each line the child prints for its parent.
const CHILD_SAYS: &str = "child: ";

fn scratch(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("pandaops-journal-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&directory);
    fs::create_dir_all(&directory).unwrap();
    directory
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn decision(group_id: &str, verdict: Verdict, decided_at: &str) -> Decision {
    Decision {
        group_id: group_id.to_string(),
        error_source: "pilotErrorCode".to_string(),
        error_code: 1099,
        diag_regex: "Failed to stage-in file.*timed out".to_string(),
        description: "stage-in timeout at the site's storage".to_string(),
        error_class: ErrorClass::System,
        permanence: Permanence::Transient,
        retry_action: Some(RetryAction::LimitRetry { max_attempt: 5 }),
        verdict,
        note: "storage was down 10:00-11:00\n\"quoted\" and unicode: µs".to_string(),
        operator: "alice".to_string(),
        decided_at: at(decided_at),
        batch: None,
    }
}

fn draft(group_id: &str, description: &str) -> Draft {
    Draft {
        group_id: group_id.to_string(),
        diag_regex: "Payload ran out of memory.*".to_string(),
        description: description.to_string(),
        error_class: ErrorClass::User,
        permanence: Permanence::Permanent,
        retry_action: Some(RetryAction::IncreaseMemoryXtimes),
        note: "three\nline\njustification".to_string(),
        operator: "bob".to_string(),
        updated_at: at("2026-03-01T08:15:30.5Z"),
    }
}

fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn spawn_child(mode: &str, journal: &Path, time_zone: Option<&str>) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child_process_entry_point",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_JOURNAL, journal)
        .env(CHILD_MODE, mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(time_zone) = time_zone {
        command.env("TZ", time_zone);
    }
    command.spawn().unwrap()
}

/// Sends what the child says in whole lines (a line cut off by a kill is dropped), without the
/// test harness's own output.
fn read_lines(child: &mut Child) -> (mpsc::Receiver<String>, thread::JoinHandle<()>) {
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match stdout.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line.ends_with(b"\n") => {
                    let text = String::from_utf8_lossy(&line);
                    let Some(said) = text.trim_end().strip_prefix(CHILD_SAYS) else {
                        continue;
                    };
                    if sender.send(said.to_string()).is_err() {
                        break;
                    }
                }
                Ok(_) => break,
            }
        }
    });
    (receiver, reader)
}

/// Not a test of its own: the body of the child processes the tests below start. Without the
/// environment variables it does nothing.
#[test]
fn child_process_entry_point() {
    let (Some(journal), Some(mode)) = (
        std::env::var_os(CHILD_JOURNAL),
        std::env::var(CHILD_MODE).ok(),
    ) else {
        return;
    };
    let journal = PathBuf::from(journal);
    let mut stdout = std::io::stdout();
    // Ends the harness's "test child_process_entry_point ... ", so each line we print is whole.
    writeln!(stdout).unwrap();

    match mode.as_str() {
        "append_loop" => {
            let (mut journal, _) = Journal::open(&journal).unwrap();
            // Bounded in case the parent dies before killing us.
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut round = 0_u64;
            while Instant::now() < deadline {
                round += 1;
                let group = format!("{:012x}", round % 7);
                let entry = if round.is_multiple_of(5) {
                    Entry::Draft(draft(&group, &"x".repeat((round % 300) as usize)))
                } else {
                    let mut decided = decision(&group, Verdict::Edited, "2026-01-01T00:00:00Z");
                    decided.decided_at = Timestamp::now();
                    decided.description = "y".repeat((round * 37 % 5000) as usize);
                    Entry::Decision(decided)
                };
                let seq = journal.append(entry).unwrap();
                writeln!(stdout, "{CHILD_SAYS}saved {seq}").unwrap();
                stdout.flush().unwrap();
            }
        }
        "hold_lock" => {
            let _held = Journal::open(&journal).unwrap();
            writeln!(stdout, "{CHILD_SAYS}locked").unwrap();
            stdout.flush().unwrap();
            thread::sleep(Duration::from_secs(20));
        }
        "fixed_records" => {
            let (mut journal, _) = Journal::open(&journal).unwrap();
            let holder_file = format!("{}.lock", journal.path().display());
            let holder = fs::read_to_string(holder_file).unwrap();
            writeln!(stdout, "{CHILD_SAYS}holder {}", holder.trim_end()).unwrap();
            journal
                .append(Entry::Decision(decision(
                    "0123456789ab",
                    Verdict::Confirmed,
                    "2026-03-29T01:30:00+01:00",
                )))
                .unwrap();
            journal
                .append(Entry::Draft(draft("ba9876543210", "edit")))
                .unwrap();
            stdout.flush().unwrap();
        }
        other => panic!("unknown {CHILD_MODE} {other:?}"),
    }
}

#[test]
fn a_reopened_journal_replays_what_was_appended() {
    let directory = scratch("replay");
    // The folder is created on open.
    let path = directory.join("nested/decisions.jsonl");

    let first = decision("aaaaaaaaaaaa", Verdict::Confirmed, "2026-03-01T10:00:00Z");
    let second = decision("aaaaaaaaaaaa", Verdict::Edited, "2026-03-01T10:05:00Z");
    let mut rejected = decision("bbbbbbbbbbbb", Verdict::Rejected, "2026-03-01T10:06:00Z");
    rejected.retry_action = None;
    rejected.error_class = ErrorClass::Unknown;
    rejected.permanence = Permanence::Unknown;
    let kept = draft("cccccccccccc", "memory, maybe");
    let discarded = draft("dddddddddddd", "never mind");
    let ended = draft("bbbbbbbbbbbb", "before the rejection");

    let (mut journal, opened) = Journal::open(&path).unwrap();
    assert!(opened.history.is_empty());
    assert_eq!(opened.next_seq, 1);

    let appended = [
        Entry::Decision(first.clone()),
        Entry::Draft(ended),
        Entry::Decision(rejected.clone()),
        Entry::Decision(second.clone()),
        Entry::Draft(kept.clone()),
        Entry::Draft(discarded),
        Entry::DiscardDraft {
            group_id: "dddddddddddd".to_string(),
        },
        Entry::Undo { seq_undone: 4 },
    ];
    for (index, entry) in appended.iter().enumerate() {
        assert_eq!(journal.append(entry.clone()).unwrap(), index as u64 + 1);
    }
    let live = journal.state().clone();
    drop(journal);

    let (_journal, replay) = Journal::open(&path).unwrap();

    assert_eq!(replay, live);
    assert!(replay.damaged.is_empty());
    assert_eq!(replay.next_seq, 9);
    let history: Vec<Record> = replay.history.clone();
    assert_eq!(
        history
            .iter()
            .map(|record| record.entry.clone())
            .collect::<Vec<_>>(),
        appended
    );
    assert!(history.iter().all(|record| record.v == 1));
    // The undo of seq 4 brings back seq 1; the rejection ended its group's draft.
    assert_eq!(
        replay.decisions.values().cloned().collect::<Vec<_>>(),
        [
            SavedDecision {
                seq: 1,
                decision: first
            },
            SavedDecision {
                seq: 3,
                decision: rejected
            },
        ]
    );
    assert_eq!(replay.drafts.values().cloned().collect::<Vec<_>>(), [kept]);

    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 8);
    assert!(text.contains(r#""decided_at":"2026-03-01T10:00:00Z""#));

    fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_second_console_is_told_who_holds_the_lock() {
    let directory = scratch("lock");
    let path = directory.join("decisions.jsonl");

    let (first, _) = Journal::open(&path).unwrap();
    let error = Journal::open(&path).unwrap_err();

    let JournalError::Locked { holder, .. } = &error else {
        panic!("expected Locked, got {error}");
    };
    let holder = holder.clone().unwrap();
    assert_eq!(holder.pid, std::process::id());
    assert_eq!(holder.host, host_name());
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "decisions journal {} is locked by pid {} on host {} since ",
            path.display(),
            std::process::id(),
            host_name()
        )),
        "{message}"
    );
    assert!(
        message.ends_with("Z; another pandaops is using it"),
        "{message}"
    );

    drop(first);
    let (_reopened, _) = Journal::open(&path).unwrap();
}

#[test]
fn a_lock_held_by_another_process_names_it_and_dies_with_it() {
    let directory = scratch("lock-process");
    let path = directory.join("decisions.jsonl");
    let mut child = spawn_child("hold_lock", &path, None);
    let (lines, reader) = read_lines(&mut child);
    let started = lines.recv_timeout(Duration::from_secs(10));
    assert_eq!(
        started.as_deref(),
        Ok("locked"),
        "the child never took the lock"
    );

    let error = Journal::open(&path).unwrap_err();
    assert!(
        error.to_string().contains(&format!(
            "locked by pid {} on host {} since",
            child.id(),
            host_name()
        )),
        "{error}"
    );

    // kill -9 leaves no stale lock behind.
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    let (_journal, replay) = Journal::open(&path).unwrap();
    assert!(replay.history.is_empty());

    fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_line_cut_off_by_a_crash_is_reported_and_the_next_append_starts_afresh() {
    let directory = scratch("damaged");
    let path = directory.join("decisions.jsonl");
    let (mut journal, _) = Journal::open(&path).unwrap();
    for minute in 0..3 {
        let decided_at = format!("2026-03-01T10:0{minute}:00Z");
        journal
            .append(Entry::Decision(decision(
                &format!("{minute:012}"),
                Verdict::Confirmed,
                &decided_at,
            )))
            .unwrap();
    }
    drop(journal);

    let whole = serde_json::to_string(&Record {
        v: 1,
        seq: 4,
        entry: Entry::Decision(decision(
            "ffffffffffff",
            Verdict::Edited,
            "2026-03-01T11:00:00Z",
        )),
    })
    .unwrap();
    let half = &whole[..whole.len() / 2];
    OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(half.as_bytes())
        .unwrap();

    let (mut journal, replay) = Journal::open(&path).unwrap();
    assert_eq!(replay.damaged.len(), 1);
    let Damage {
        line,
        bytes,
        reason,
    } = &replay.damaged[0];
    assert_eq!((*line, *bytes), (4, half.len()));
    assert!(reason.contains("no newline"), "{reason}");
    assert_eq!(replay.decisions.len(), 3);
    assert_eq!(replay.next_seq, 4);

    let after = decision("eeeeeeeeeeee", Verdict::Rejected, "2026-03-01T12:00:00Z");
    assert_eq!(journal.append(Entry::Decision(after.clone())).unwrap(), 4);
    drop(journal);

    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[3], half);
    assert!(lines[4].starts_with(r#"{"v":1,"seq":4,"kind":"decision""#));

    let (_journal, replay) = Journal::open(&path).unwrap();
    assert_eq!(replay.damaged.len(), 1);
    assert_eq!(replay.damaged[0].line, 4);
    assert_eq!(replay.decisions["eeeeeeeeeeee"].decision, after);
    assert_eq!(replay.decisions.len(), 4);

    fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_failed_write_leaves_no_trace_and_the_entry_unsaved() {
    let directory = scratch("injected");
    let path = directory.join("decisions.jsonl");
    let (mut journal, _) = Journal::open(&path).unwrap();
    journal
        .append(Entry::Decision(decision(
            "aaaaaaaaaaaa",
            Verdict::Confirmed,
            "2026-03-01T10:00:00Z",
        )))
        .unwrap();
    journal
        .append(Entry::Draft(draft("bbbbbbbbbbbb", "typing")))
        .unwrap();
    let length = fs::metadata(&path).unwrap().len();
    let state = journal.state().clone();
    let unsaved = decision("bbbbbbbbbbbb", Verdict::Edited, "2026-03-01T10:01:00Z");

    for fail_point in [FailPoint::DiskFullAfter(40), FailPoint::SyncFails] {
        journal.arm_failure(fail_point);
        let error = journal
            .append(Entry::Decision(unsaved.clone()))
            .unwrap_err();

        let JournalError::Write { source, .. } = &error else {
            panic!("expected Write, got {error}");
        };
        let expected = match fail_point {
            FailPoint::DiskFullAfter(_) => 28,
            FailPoint::SyncFails => 5,
        };
        assert_eq!(source.raw_os_error(), Some(expected));
        assert!(
            error.to_string().starts_with(&format!(
                "not saved: cannot write to decisions journal {}: ",
                path.display()
            )),
            "{error}"
        );
        assert_eq!(fs::metadata(&path).unwrap().len(), length);
        assert_eq!(journal.state(), &state);
    }

    assert_eq!(journal.append(Entry::Decision(unsaved.clone())).unwrap(), 3);
    drop(journal);
    let (_journal, replay) = Journal::open(&path).unwrap();
    assert!(replay.damaged.is_empty());
    assert_eq!(replay.history.len(), 3);
    assert_eq!(replay.decisions["bbbbbbbbbbbb"].decision, unsaved);
    assert!(replay.drafts.is_empty());

    fs::remove_dir_all(&directory).unwrap();
}

/// Unmounts the small tmpfs when the test ends, passing or not.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_full_disk_leaves_the_entry_unsaved_and_the_file_clean() {
    let directory = scratch("tmpfs");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&directory)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !mounted {
        eprintln!(
            "SKIPPED a_full_disk_leaves_the_entry_unsaved_and_the_file_clean: cannot mount a tmpfs \
             (needs root); the injected failure test still covers the unsaved path"
        );
        let _ = fs::remove_dir_all(&directory);
        return;
    }
    let _unmount = Mounted(directory.clone());
    let path = directory.join("decisions.jsonl");

    let (mut journal, _) = Journal::open(&path).unwrap();
    let mut saved = 0;
    let mut length = 0;
    let error = loop {
        let mut big = decision("aaaaaaaaaaaa", Verdict::Edited, "2026-03-01T10:00:00Z");
        big.description = "z".repeat(1500);
        match journal.append(Entry::Decision(big)) {
            Ok(_) => {
                saved += 1;
                length = fs::metadata(&path).unwrap().len();
            }
            Err(error) => break error,
        }
        assert!(saved < 1000, "64 KiB never filled up");
    };

    let JournalError::Write { source, .. } = &error else {
        panic!("expected Write, got {error}");
    };
    assert_eq!(source.raw_os_error(), Some(28), "{error}");
    assert!(saved > 10);
    assert_eq!(fs::metadata(&path).unwrap().len(), length);
    assert_eq!(journal.state().history.len(), saved);
    drop(journal);

    let (_journal, replay) = Journal::open(&path).unwrap();
    assert!(replay.damaged.is_empty());
    assert_eq!(replay.history.len(), saved);
}

#[test]
fn everything_reported_saved_survives_kill_9() {
    let directory = scratch("kill9");
    let started = Instant::now();

    for (round, delay) in [20_u64, 65, 110, 155, 200].into_iter().enumerate() {
        let path = directory.join(format!("round-{round}.jsonl"));
        let mut child = spawn_child("append_loop", &path, None);
        let (lines, reader) = read_lines(&mut child);

        // Count from the first save, so that each round kills mid-loop, not mid-start-up.
        let first = lines.recv_timeout(Duration::from_secs(10));
        let mut reported = Vec::new();
        if let Ok(line) = first {
            reported.push(line);
            thread::sleep(Duration::from_millis(delay + fastrand::u64(0..15)));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        reported.extend(lines.try_iter());

        let saved: Vec<u64> = reported
            .iter()
            .filter_map(|line| line.strip_prefix("saved "))
            .map(|seq| seq.parse().unwrap())
            .collect();
        assert!(!saved.is_empty(), "round {round}: the child saved nothing");

        let (_journal, replay) = Journal::open(&path).unwrap();
        let on_disk: Vec<u64> = replay.history.iter().map(|record| record.seq).collect();
        let expected: Vec<u64> = (1..=on_disk.len() as u64).collect();
        assert_eq!(on_disk, expected, "round {round}: records out of order");
        let last_saved = *saved.iter().max().unwrap();
        assert!(
            on_disk.len() as u64 >= last_saved,
            "round {round}: {last_saved} reported saved, {} on disk",
            on_disk.len()
        );
        eprintln!(
            "kill -9 round {round}: {} reported saved, {} on disk, {} damaged",
            saved.len(),
            on_disk.len(),
            replay.damaged.len()
        );
        assert!(
            replay.damaged.len() <= 1,
            "round {round}: {:?}",
            replay.damaged
        );
        if let Some(damage) = replay.damaged.first() {
            let lines = fs::read(&path)
                .unwrap()
                .split(|byte| *byte == b'\n')
                .count();
            assert_eq!(
                damage.line, lines,
                "round {round}: damage before the last line"
            );
        }
    }

    assert!(started.elapsed() < Duration::from_secs(30));
    fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn the_file_is_the_same_in_every_time_zone() {
    let directory = scratch("tz");
    let mut files = Vec::new();

    for time_zone in ["UTC", "Asia/Tokyo", "America/Los_Angeles"] {
        let path = directory.join(format!("{}.jsonl", time_zone.replace('/', "-")));
        let mut child = spawn_child("fixed_records", &path, Some(time_zone));
        let (lines, reader) = read_lines(&mut child);
        assert!(
            child.wait().unwrap().success(),
            "child under TZ={time_zone} failed"
        );
        reader.join().unwrap();

        let holder = lines
            .try_iter()
            .find_map(|line| line.strip_prefix("holder ").map(str::to_string))
            .unwrap();
        let since = holder.split_whitespace().nth(2).unwrap();
        assert!(
            since.ends_with('Z'),
            "TZ={time_zone}: lock holder since {since}"
        );
        files.push(fs::read(&path).unwrap());
    }

    assert!(files.iter().all(|file| file == &files[0]));
    let text = String::from_utf8(files[0].clone()).unwrap();
    assert!(
        text.contains(r#""decided_at":"2026-03-29T00:30:00Z""#),
        "{text}"
    );
    assert!(
        text.contains(r#""updated_at":"2026-03-01T08:15:30.5Z""#),
        "{text}"
    );

    fs::remove_dir_all(&directory).unwrap();
}
