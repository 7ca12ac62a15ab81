//! The real binary in a pseudo-terminal: start, keys, filters, overlays, quitting, signals, a
//! closed terminal, keys split across reads, resize storms, small terminals and idle output.
//! Plus `pandaops snapshot` as a plain process.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::thread;
use std::time::{Duration, Instant};

use support::pty::Console;
use support::run_plain;
use support::screen::{
    double_box, flat, grid_fills, pane, screen_text, status_shows_demo_clock, task_rows,
};

/// Long enough for a debug build on a busy two-core machine, short enough to fail fast.
const WAIT: Duration = Duration::from_secs(5);

const HELP_TITLE: &str = "Help · keys from the active keymap";
const PANE_TITLES: [(u8, &str); 4] = [(1, "Alerts"), (2, "Tasks"), (3, "Triage"), (4, "Metrics")];

fn all_panes_shown(text: &str) -> bool {
    PANE_TITLES
        .iter()
        .all(|&(number, name)| pane(text, number, name).is_some())
}

fn focused(text: &str, number: u8, name: &str) -> bool {
    pane(text, number, name).is_some_and(|found| found.focused)
}

/// The console drawn at 120x40 or more: four panes and the demo status line.
fn wait_for_grid(console: &Console) -> String {
    console.wait_for("the four panes and the status line", WAIT, |text| {
        all_panes_shown(text) && status_shows_demo_clock(text)
    })
}

/// Every pane has its data: each title shows a fresh source, none is still loading, and none
/// counts 0 rows (the triage groups come a moment after the triage source is fresh).
fn wait_for_data(console: &Console) -> String {
    console.wait_for("every pane loaded and fresh", WAIT, |text| {
        all_panes_shown(text)
            && status_shows_demo_clock(text)
            && PANE_TITLES.iter().all(|&(number, name)| {
                pane(text, number, name).is_some_and(|found| {
                    found.title.contains("● fresh")
                        && !found.title.contains("loading")
                        && !found.title.starts_with(&format!(" {number} {name} 0 "))
                })
            })
    })
}

/// The terminal is back to normal: main screen, cursor shown, and the last switch to the
/// alternate screen was undone.
fn assert_restored(console: &Console) {
    let (alternate, cursor_hidden) =
        console.with_screen(|screen| (screen.alternate_screen(), screen.hide_cursor()));
    assert!(!alternate, "still on the alternate screen after exit");
    assert!(!cursor_hidden, "cursor still hidden after exit");

    let raw = console.raw();
    let last = |sequence: &[u8]| raw.windows(sequence.len()).rposition(|w| w == sequence);
    let entered = last(b"\x1b[?1049h").expect("the console entered the alternate screen");
    let left = last(b"\x1b[?1049l");
    assert!(
        left.is_some_and(|left| left > entered),
        "no \\x1b[?1049l after the last \\x1b[?1049h (entered at byte {entered}, left at {left:?})"
    );
}

#[test]
fn filter_help_command_line_and_quit_leave_the_terminal_clean() {
    let mut console = Console::start(120, 40);
    wait_for_grid(&console);

    console.send(b"2");
    console.wait_for("the Tasks pane focused", WAIT, |text| {
        focused(text, 2, "Tasks")
    });
    console.send(b"/");
    console.wait_for("the filter prompt", WAIT, |text| {
        text.lines().last().unwrap_or("").starts_with("/tasks ")
    });
    console.send(b"status=running");
    console.wait_for("running tasks only while typing", WAIT, |text| {
        pane(text, 2, "Tasks").is_some_and(|tasks| {
            let rows = task_rows(&tasks);
            !rows.is_empty() && rows.iter().all(|(_, status)| status == "running")
        })
    });
    console.send(b"\r");
    let text = console.wait_for("running tasks only, filter in the title", WAIT, |text| {
        let Some(tasks) = pane(text, 2, "Tasks") else {
            return false;
        };
        let rows = task_rows(&tasks);
        tasks.title.contains("/status=running")
            && !rows.is_empty()
            && rows.iter().all(|(_, status)| status == "running")
            && !text.lines().last().unwrap_or("").starts_with('/')
    });
    let rows = task_rows(&pane(&text, 2, "Tasks").unwrap());
    assert!(
        rows.iter().all(|(task, _)| task.parse::<u64>().is_ok()),
        "every row starts with a task id: {rows:?}"
    );

    console.send(b"?");
    console.wait_for("the help overlay", WAIT, |text| {
        text.contains(HELP_TITLE) && text.contains("quit pandaops")
    });
    console.send(b"\x1b");
    console.wait_for("the help overlay closed, the filter kept", WAIT, |text| {
        !text.contains(HELP_TITLE)
            && pane(text, 2, "Tasks").is_some_and(|tasks| tasks.title.contains("/status=running"))
    });

    console.send(b"1");
    console.wait_for("the Alerts pane focused", WAIT, |text| {
        focused(text, 1, "Alerts")
    });
    console.send(b":tasks");
    console.wait_for("the command line with :tasks", WAIT, |text| {
        text.lines().last().unwrap_or("").starts_with(":tasks")
    });
    console.send(b"\r");
    console.wait_for(
        "Tasks focused by :tasks, command line closed",
        WAIT,
        |text| {
            focused(text, 2, "Tasks")
                && !focused(text, 1, "Alerts")
                && status_shows_demo_clock(text)
        },
    );

    console.send(b"q");
    assert_eq!(console.wait_exit(WAIT), 0);
    assert_restored(&console);
}

fn signal_exits_with(name: &str, code: u32) {
    let mut console = Console::start(120, 40);
    wait_for_grid(&console);
    console.signal(name);
    assert_eq!(console.wait_exit(WAIT), code, "exit code after SIG{name}");
    assert_restored(&console);
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    signal_exits_with("TERM", 143);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    signal_exits_with("HUP", 129);
}

#[test]
fn ctrl_c_byte_quits_with_0() {
    let mut console = Console::start(120, 40);
    wait_for_grid(&console);
    console.send(b"\x03");
    assert_eq!(console.wait_exit(WAIT), 0);
    assert_restored(&console);
}

/// B03: when the terminal goes away (an SSH drop), the console exits instead of living on.
#[test]
fn closing_the_terminal_ends_the_process() {
    let mut console = Console::start(120, 40);
    wait_for_grid(&console);
    let closed = Instant::now();
    console.close_terminal();
    // The reader lets go of the master with the next output (at the latest the clock, within a
    // second); then the console has ~3 s to notice.
    let code = console.wait_exit(Duration::from_secs(5));
    eprintln!(
        "closed terminal: exit code {code} after {:?}",
        closed.elapsed()
    );
    assert_eq!(code, 129, "exit code when the terminal is lost");
    assert!(!console.is_running());
}

/// The Tasks pane's selected (highlighted) task and the task in the row below it.
fn task_selection(screen: &vt100::Screen) -> Option<(String, Option<String>)> {
    let text = screen_text(screen);
    let tasks = pane(&text, 2, "Tasks")?;
    let highlighted = |index: usize| {
        let row = u16::try_from(tasks.top + 1 + index).unwrap();
        let col = u16::try_from(tasks.left + 1).unwrap();
        screen
            .cell(row, col)
            .is_some_and(|cell| cell.bgcolor() != vt100::Color::Default)
    };
    let task = |index: usize| {
        tasks.inner.get(index).and_then(|row| {
            row.split_whitespace()
                .next()
                .filter(|word| word.parse::<u64>().is_ok())
                .map(str::to_string)
        })
    };
    let selected = (1..tasks.inner.len()).find(|&index| highlighted(index))?;
    Some((task(selected)?, task(selected + 1)))
}

/// Waits until the Tasks pane has a selected task with another below it; returns both.
fn wait_for_task_selection(console: &Console, what: &str) -> (String, String) {
    let mut found = None;
    console.wait_for_screen(what, WAIT, |screen| {
        found = task_selection(screen).and_then(|(selected, below)| Some((selected, below?)));
        found.is_some()
    });
    found.unwrap()
}

/// B04: a Down arrow whose ESC arrives 50 ms before the rest must not quit, open, close or
/// filter anything. (Ideally it still moves the selection down.)
#[test]
fn a_down_arrow_split_across_reads_is_harmless() {
    let mut console = Console::start(120, 40);
    wait_for_data(&console);
    console.send(b"2");
    console.wait_for("the Tasks pane focused", WAIT, |text| {
        focused(text, 2, "Tasks")
    });

    // A whole arrow moves the selection to the next task: the selection is read right.
    let (first, second) = wait_for_task_selection(&console, "a selected task");
    console.send(b"\x1b[B");
    console.wait_for_screen("the selection one row down", WAIT, |screen| {
        task_selection(screen).is_some_and(|(selected, _)| selected == second)
    });
    assert_ne!(first, second);

    let (before, below) = wait_for_task_selection(&console, "the selection after Down");
    console.send(b"\x1b");
    thread::sleep(Duration::from_millis(50));
    console.send(b"[B");
    // Keys are handled in order: once the command line opens, the split arrow has been handled.
    console.send(b":");
    console.wait_for("the command line after the split arrow", WAIT, |text| {
        text.lines().last().unwrap_or("").starts_with(':')
    });
    console.send(b"\x1b");
    let text = console.wait_for("the command line cancelled", WAIT, |text| {
        status_shows_demo_clock(text)
    });

    assert!(console.is_running(), "the split arrow quit the console");
    assert!(!text.contains(HELP_TITLE), "the split arrow opened help");
    assert!(
        !text.contains("· detail"),
        "the split arrow opened a detail view"
    );
    let tasks = pane(&text, 2, "Tasks").unwrap();
    assert!(tasks.focused, "the split arrow moved the focus:\n{text}");
    assert!(
        !tasks.title.contains('/'),
        "the split arrow set a filter: {:?}",
        tasks.title
    );
    let (after, _) = console.with_screen(task_selection).unwrap();
    assert!(
        after == before || after == below,
        "the split arrow moved the selection somewhere else: {before} -> {after}, below was {below}"
    );
    eprintln!(
        "split Down arrow: selected task {before} before, {after} after ({})",
        if after == below {
            "read as Down"
        } else {
            "read as Esc, [, B"
        }
    );

    console.send(b"q");
    assert_eq!(console.wait_exit(WAIT), 0);
}

/// B04 again, with a filter set: the lone esc of a split arrow must not clear it.
#[test]
fn a_split_arrow_keeps_the_filter() {
    let mut console = Console::start(120, 40);
    wait_for_data(&console);
    console.send(b"2/status=running\r");
    console.wait_for("the filter in the Tasks title", WAIT, |text| {
        pane(text, 2, "Tasks").is_some_and(|tasks| tasks.title.contains("/status=running"))
    });

    console.send(b"\x1b");
    thread::sleep(Duration::from_millis(50));
    console.send(b"[B");
    console.send(b":");
    console.wait_for("the command line after the split arrow", WAIT, |text| {
        text.lines().last().unwrap_or("").starts_with(':')
    });
    // ctrl-g cancels the command line without an esc of its own.
    console.send(b"\x07");
    let text = console.wait_for("the command line cancelled", WAIT, |text| {
        status_shows_demo_clock(text)
    });

    let tasks = pane(&text, 2, "Tasks").unwrap();
    assert!(
        tasks.title.contains("/status=running"),
        "the split arrow cleared the filter: {:?}",
        tasks.title
    );
    console.send(b"q");
    assert_eq!(console.wait_exit(WAIT), 0);
}

/// B11: a storm of resizes with the help overlay open, through 1x1, ends in a correct frame.
#[test]
fn a_resize_storm_with_help_open_ends_in_a_correct_frame() {
    let mut console = Console::start(120, 40);
    wait_for_grid(&console);
    console.send(b"?");
    console.wait_for("the help overlay", WAIT, |text| text.contains(HELP_TITLE));

    // 100 resizes in about half a second, ending at 130x40.
    let sizes = [(200, 60), (20, 5), (1, 1), (80, 24), (130, 40)];
    for &(cols, rows) in sizes.iter().cycle().take(100) {
        console.resize(cols, rows);
        thread::sleep(Duration::from_millis(5));
    }
    console.wait_for("help over the four panes, filling 130x40", WAIT, |text| {
        grid_fills(text, 130, 40)
            && text.contains(HELP_TITLE)
            && double_box(text).is_some_and(|(_, left, right)| left == 129 - right)
    });
    assert!(console.is_running(), "the console died in the resize storm");

    // Out to 1x1 and straight back, faster than a frame: the terminal has cut the screen, so
    // the console must draw it whole although the size is the one it last drew.
    for round in 0..10 {
        console.resize(1, 1);
        console.resize(130, 40);
        console.wait_for(
            &format!("a whole frame after 1x1 and back, round {round}"),
            WAIT,
            |text| grid_fills(text, 130, 40) && text.contains(HELP_TITLE),
        );
    }

    console.resize(50, 10);
    console.wait_for("the too-small message", WAIT, |text| {
        flat(text).contains("terminal too small: 50x10, pandaops needs at least 60x15")
    });

    console.resize(130, 40);
    console.wait_for("help again at 130x40", WAIT, |text| {
        grid_fills(text, 130, 40) && text.contains(HELP_TITLE)
    });
    console.send(b"\x1b");
    console.wait_for("help closed, four panes", WAIT, |text| {
        !text.contains(HELP_TITLE) && all_panes_shown(text) && grid_fills(text, 130, 40)
    });
    console.send(b"q");
    assert_eq!(console.wait_exit(WAIT), 0);
    assert_restored(&console);
}

#[test]
fn a_small_terminal_shows_one_pane_and_a_tab_line() {
    let mut console = Console::start(100, 30);
    console.wait_for("the tab line with Alerts focused", WAIT, |text| {
        text.lines().next().unwrap_or("").contains("[1 Alerts]") && status_shows_demo_clock(text)
    });
    console.send(b"3");
    let text = console.wait_for("the tab line with Triage focused", WAIT, |text| {
        text.lines().next().unwrap_or("").contains("[3 Triage]")
    });
    assert!(
        pane(&text, 3, "Triage").is_some_and(|triage| triage.focused),
        "the Triage pane is shown:\n{text}"
    );
    assert!(
        pane(&text, 1, "Alerts").is_none(),
        "only one pane is shown:\n{text}"
    );
    console.send(b"q");
    assert_eq!(console.wait_exit(WAIT), 0);
}

#[test]
fn term_dumb_is_refused_with_exit_2_and_a_way_out() {
    let mut console = Console::start_with(120, 40, "dumb", &["--seed", "1"]);
    assert_eq!(console.wait_exit(WAIT), 2);
    let output = String::from_utf8_lossy(&console.raw()).into_owned();
    assert!(
        output.contains("pandaops snapshot"),
        "the refusal names `pandaops snapshot`: {output:?}"
    );
    assert!(
        !output.contains("\x1b[?1049h"),
        "a refused start must not touch the screen: {output:?}"
    );
}

/// B12: while nothing happens, the console writes little (the demo data and the clock change
/// every second, so some output is expected).
#[test]
fn idle_output_is_bounded() {
    let console = Console::start(120, 40);
    wait_for_data(&console);
    let start = console.raw_len();
    thread::sleep(Duration::from_secs(3));
    let written = console.raw_len() - start;
    eprintln!("idle: {written} bytes in 3 s at 120x40");
    assert!(written < 6000, "{written} bytes written in 3 s of idling");
}

#[test]
fn snapshot_is_deterministic_and_shows_every_pane() {
    let args = ["snapshot", "--seed", "1", "--at", "60"];
    let (first_code, first) = run_plain(&args);
    let (second_code, second) = run_plain(&args);
    assert_eq!((first_code, second_code), (0, 0));
    assert_eq!(first, second, "two snapshots with the same seed differ");
    assert!(all_panes_shown(&first), "snapshot:\n{first}");
    assert!(status_shows_demo_clock(&first), "snapshot:\n{first}");
}

#[test]
fn snapshot_of_one_view_zooms_it() {
    let (code, text) = run_plain(&[
        "snapshot", "--seed", "1", "--at", "60", "--size", "80x24", "--view", "tasks",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 24, "snapshot:\n{text}");
    assert!(
        lines.iter().all(|line| line.chars().count() <= 80),
        "snapshot:\n{text}"
    );
    assert!(
        lines[0].contains("[2 Tasks]") && lines[0].contains("zoomed"),
        "tab line:\n{text}"
    );
    let tasks = pane(&text, 2, "Tasks").unwrap();
    assert!(tasks.focused);
    assert_eq!(tasks.top, 1);
    assert_eq!(
        tasks.inner.len(),
        20,
        "the Tasks pane fills the screen:\n{text}"
    );
    assert!(task_rows(&tasks).len() == 19, "snapshot:\n{text}");
    assert!(pane(&text, 1, "Alerts").is_none());
}

// B25/B02: a dropped SSH session (SIGHUP) while an edit is open keeps what was typed.
#[test]
fn sighup_during_an_edit_keeps_the_draft() {
    let mut console = Console::start(120, 40);
    wait_for_data(&console);
    console.send(b"3");
    console.wait_for("the Triage pane focused", WAIT, |text| {
        focused(text, 3, "Triage")
    });
    console.wait_for("the groups", WAIT, |text| text.contains("pilot:"));
    console.send(b"e");
    console.wait_for("the edit form", WAIT, |text| text.contains("▶ class"));
    // Tab five times to the note, then type; the signal follows at once, well within the
    // interval at which an open form writes its draft.
    console.send(b"\t\t\t\t\t");
    console.wait_for("the note focused", WAIT, |text| text.contains("▶ note"));
    console.send(b"kept across a hangup");
    console.wait_for("the typed note", WAIT, |text| {
        text.contains("kept across a hangup")
    });
    console.signal("HUP");
    assert_eq!(console.wait_exit(WAIT), 129);

    let journal = console.home().join("data/pandaops/decisions.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap_or_default();
    let drafts: Vec<&str> = text
        .lines()
        .filter(|line| line.contains(r#""kind":"draft""#))
        .collect();
    assert!(
        drafts
            .last()
            .is_some_and(|line| line.contains("kept across a hangup")),
        "{text}"
    );
}

/// Real sources that never answer: the panes say they are loading, and keys are answered at
/// once all the same (the network is never awaited on the UI task).
#[test]
fn keys_are_answered_while_every_source_hangs() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept every connection and keep it open, silent.
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let folder = tempfile::tempdir().unwrap();
    let config = folder.path().join("config.toml");
    let url = format!("http://127.0.0.1:{port}");
    std::fs::write(
        &config,
        format!(
            "[[sources.alertmanager]]\nname = \"am\"\nurl = \"{url}\"\nread_timeout_secs = 600\n\
             total_timeout_secs = 600\n\n\
             [[sources.bigpanda]]\nname = \"bp\"\nurl = \"{url}\"\nread_timeout_secs = 600\n\
             total_timeout_secs = 600\n\n\
             [[sources.panda]]\nname = \"panda\"\nurl = \"{url}/api/v1\"\n\
             read_timeout_secs = 600\ntotal_timeout_secs = 600\n"
        ),
    )
    .unwrap();
    let mut console = Console::start_with(
        120,
        40,
        "xterm-256color",
        &["--config", &config.display().to_string()],
    );
    let text = console.wait_for("four panes, sources loading", WAIT, |text| {
        all_panes_shown(text)
            && pane(text, 2, "Tasks").is_some_and(|found| found.title.contains("loading"))
            && pane(text, 3, "Triage").is_some_and(|found| found.title.contains("loading"))
    });
    assert!(
        pane(&text, 1, "Alerts").is_some_and(|found| found.title.contains("… loading")),
        "{text}"
    );

    console.send(b"?");
    console.wait_for("the help overlay", WAIT, |text| text.contains(HELP_TITLE));
    console.send(b"\x1b");
    console.wait_for("help closed", WAIT, |text| !text.contains(HELP_TITLE));
    console.send(b"2");
    console.wait_for("the Tasks pane focused", WAIT, |text| {
        focused(text, 2, "Tasks")
    });
    console.send(b"q");
    assert_eq!(console.wait_exit(WAIT), 0);
    assert_restored(&console);
}

/// `config check | head -0`: the reader is gone before the report is written, and the check
/// ends quietly instead of panicking on the closed pipe.
#[test]
fn config_check_into_a_closed_pipe_ends_quietly() {
    let home = support::TempHome::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pandaops"))
        .args(["config", "check"])
        .env_clear()
        .envs(home.env("xterm"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
