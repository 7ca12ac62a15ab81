//! Whether training the resource model at start delays the console's frames: the release binary
//! in a 120x40 pseudo-terminal on the demo, once with an empty data folder (it trains on the
//! demo's history on a thread of its own) and once with a model file there (it only loads it).
//! For the first seconds a key goes in every 100 ms, alternately `?` (the help overlay opens)
//! and escape (it closes), and the time from each key to the screen showing its effect is kept.
//! The two kinds of run take turns, several times, and their keys are pooled.
//!
//! Run with `cargo bench --bench startup`; it prints the time to the first frame, the median and
//! 95th percentile of key-to-screen latency for both runs, for the keys sent while training (before
//! the trained model was saved) beside those sent in the same seconds of the run with a model
//! file, and their ratios. Latency counts the console's frame limit too (at most 20 frames a
//! second: a key just after a frame waits for the next); "beyond the frame limit" leaves out that
//! wait where the frame before the key shows it. `PANDAOPS_BENCH_BINARY=<path>` measures another
//! build instead of this one.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const COLS: u16 = 120;
const ROWS: u16 = 40;
/// How long keys are sent after the first frame.
const KEYS_FOR: Duration = Duration::from_secs(10);
const KEY_EVERY: Duration = Duration::from_millis(100);
/// The console draws at most 20 frames a second (`ui.max_fps`).
const FRAME_INTERVAL: Duration = Duration::from_millis(50);
/// Runs of each kind; training lasts well under a second after the first frame in a release
/// build, so one run holds few keys sent while training.
const RUNS: usize = 12;
/// A key whose effect has not shown after this long counts as this long, and is reported.
const GIVE_UP: Duration = Duration::from_secs(3);
const HELP_TITLE: &str = "Help · keys from the active keymap";

/// What the reader thread knows: the screen, and the key waiting for its effect.
struct Shared {
    parser: vt100::Parser,
    /// When output last came: a frame was being drawn.
    last_output: Option<Instant>,
    /// When the key went in and whether the help overlay should then be showing.
    waiting: Option<(Instant, bool)>,
    /// Latency of the key waited for, once its effect showed.
    seen: Option<Duration>,
    closed: bool,
}

struct Key {
    /// When it was sent, from the first key.
    at: Duration,
    latency: Duration,
    /// The latency less the wait the console's frame limit imposes when the previous frame was
    /// drawn less than a frame interval before the key: what slowness adds.
    beyond_frame_limit: Duration,
    during_training: bool,
    gave_up: bool,
}

struct Run {
    first_frame: Duration,
    keys: Vec<Key>,
    training_for: Duration,
}

fn percentile(values: &[Duration], share: f64) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() - 1) as f64 * share).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A home of its own with nothing inherited but `PATH`.
fn environment(home: &Path) -> Vec<(String, String)> {
    let dir = |name: &str| home.join(name).display().to_string();
    vec![
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        ("HOME".into(), home.display().to_string()),
        ("XDG_CONFIG_HOME".into(), dir("config")),
        ("XDG_STATE_HOME".into(), dir("state")),
        ("XDG_DATA_HOME".into(), dir("data")),
        ("XDG_CACHE_HOME".into(), dir("cache")),
        ("LANG".into(), "C.UTF-8".into()),
        ("TERM".into(), "xterm-256color".into()),
    ]
}

fn fresh_home(name: &str) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let home = std::env::temp_dir().join(format!("pandaops-startup-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home)?;
    Ok(home)
}

fn run_console(binary: &Path, home: &Path) -> Result<Run, Box<dyn std::error::Error>> {
    let pair = native_pty_system().openpty(PtySize {
        rows: ROWS,
        cols: COLS,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut command = CommandBuilder::new(binary);
    command.args(["--seed", "1"]);
    command.env_clear();
    for (key, value) in environment(home) {
        command.env(key, value);
    }
    command.cwd(home);
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(command)?;
    drop(pair.slave);

    let shared = Arc::new((
        Mutex::new(Shared {
            parser: vt100::Parser::new(
                NonZeroU16::new(ROWS).unwrap_or(NonZeroU16::MIN),
                NonZeroU16::new(COLS).unwrap_or(NonZeroU16::MIN),
                0,
            ),
            last_output: None,
            waiting: None,
            seen: None,
            closed: false,
        }),
        Condvar::new(),
    ));
    let mut reader = pair.master.try_clone_reader()?;
    let feed = Arc::clone(&shared);
    let reading = thread::spawn(move || {
        let mut buffer = [0_u8; 64 * 1024];
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) | Err(_) => 0,
                Ok(read) => read,
            };
            let now = Instant::now();
            let (lock, wake) = &*feed;
            let Ok(mut state) = lock.lock() else { return };
            if read == 0 {
                state.closed = true;
                wake.notify_all();
                return;
            }
            state.parser.process(&buffer[..read]);
            state.last_output = Some(now);
            if let Some((sent, help_wanted)) = state.waiting {
                let help_shown = state.parser.screen().contents().contains(HELP_TITLE);
                if help_shown == help_wanted {
                    state.seen = Some(now - sent);
                    state.waiting = None;
                }
            }
            wake.notify_all();
        }
    });
    let mut writer = pair.master.take_writer()?;
    let (lock, wake) = &*shared;

    // The first frame: the status line and the four panes are drawn.
    let mut state = lock.lock().map_err(|_| "poisoned")?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !state.parser.screen().contents().contains("Tasks") {
        if state.closed || Instant::now() > deadline {
            return Err(format!(
                "no first frame; the screen was:\n{}",
                state.parser.screen().contents()
            )
            .into());
        }
        state = wake
            .wait_timeout(state, Duration::from_millis(50))
            .map_err(|_| "poisoned")?
            .0;
    }
    let first_frame = Instant::now() - started;
    drop(state);

    // Training ends by saving the model it trained, so a key sent before the file is there was
    // sent while training (the help overlay hides the title that says so).
    let model_file = home.join("data/pandaops/models.json");
    let mut keys = Vec::new();
    let mut training_last_seen = None;
    let mut help_wanted = true;
    let keys_from = Instant::now();
    let mut next_key = keys_from;
    while next_key < keys_from + KEYS_FOR {
        thread::sleep(next_key.saturating_duration_since(Instant::now()));
        let mut state = lock.lock().map_err(|_| "poisoned")?;
        let during_training = !model_file.exists();
        if during_training {
            training_last_seen = Some(Instant::now());
        }
        let sent = Instant::now();
        let frame_allowed = state
            .last_output
            .map_or(sent, |drawn| (drawn + FRAME_INTERVAL).max(sent));
        state.waiting = Some((sent, help_wanted));
        state.seen = None;
        writer.write_all(if help_wanted { b"?" } else { b"\x1b" })?;
        writer.flush()?;
        while state.seen.is_none() && sent.elapsed() < GIVE_UP && !state.closed {
            state = wake
                .wait_timeout(state, Duration::from_millis(20))
                .map_err(|_| "poisoned")?
                .0;
        }
        let gave_up = state.seen.is_none();
        keys.push(Key {
            at: sent - keys_from,
            latency: state.seen.unwrap_or(GIVE_UP),
            beyond_frame_limit: state.seen.map_or(GIVE_UP, |latency| {
                (sent + latency).saturating_duration_since(frame_allowed)
            }),
            during_training,
            gave_up,
        });
        state.waiting = None;
        drop(state);
        if gave_up {
            // The overlay's state is unknown; close it and start again from a closed one.
            writer.write_all(b"\x1b")?;
            writer.flush()?;
            thread::sleep(Duration::from_millis(300));
            help_wanted = true;
        } else {
            help_wanted = !help_wanted;
        }
        next_key += KEY_EVERY;
        if next_key < Instant::now() {
            next_key = Instant::now();
        }
    }

    writer.write_all(b"q")?;
    writer.flush()?;
    let quit_by = Instant::now() + Duration::from_secs(5);
    while child.try_wait()?.is_none() {
        if Instant::now() > quit_by {
            child.kill()?;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    drop(writer);
    drop(pair.master);
    let _ = reading.join();
    Ok(Run {
        first_frame,
        keys,
        training_for: training_last_seen
            .map(|at| at - keys_from)
            .unwrap_or_default(),
    })
}

fn summary(latencies: &[Duration]) -> String {
    format!(
        "{:>4} keys, median {:>6.2} ms, p95 {:>6.2} ms, max {:>7.2} ms",
        latencies.len(),
        ms(percentile(latencies, 0.5)),
        ms(percentile(latencies, 0.95)),
        ms(percentile(latencies, 1.0))
    )
}

/// The keys of several runs of one kind, pooled.
#[derive(Default)]
struct Pooled {
    first_frames: Vec<Duration>,
    training_for: Vec<Duration>,
    every_key: Vec<Duration>,
    every_key_beyond: Vec<Duration>,
    early_keys_beyond: Vec<Duration>,
    /// Training runs: the keys sent while training. Runs with a model file: the keys sent in
    /// the same seconds of the paired training run.
    early_keys: Vec<Duration>,
    gave_up: usize,
}

impl Pooled {
    /// `same_seconds_as`: for a run with a model file, how long its paired run trained.
    fn add(&mut self, run: &Run, same_seconds_as: Option<Duration>) {
        self.first_frames.push(run.first_frame);
        self.training_for.push(run.training_for);
        for key in &run.keys {
            self.every_key.push(key.latency);
            self.every_key_beyond.push(key.beyond_frame_limit);
            let early = match same_seconds_as {
                Some(window) => key.at <= window,
                None => key.during_training,
            };
            if early {
                self.early_keys.push(key.latency);
                self.early_keys_beyond.push(key.beyond_frame_limit);
            }
            self.gave_up += usize::from(key.gave_up);
        }
    }

    fn print(&self, name: &str, early: &str) {
        println!(
            "{name}: first frame after {:.0} ms (median of {} runs)",
            ms(percentile(&self.first_frames, 0.5)),
            self.first_frames.len()
        );
        println!("  every key:        {}", summary(&self.every_key));
        println!("  {early}{}", summary(&self.early_keys));
        println!(
            "  beyond the frame limit, every key: {}",
            summary(&self.every_key_beyond)
        );
        println!(
            "  beyond the frame limit, {early}{}",
            summary(&self.early_keys_beyond)
        );
        if self.gave_up > 0 {
            println!(
                "  {} keys showed no effect within {GIVE_UP:?}",
                self.gave_up
            );
        }
    }
}

fn ratio(a: &[Duration], b: &[Duration], share: f64) -> f64 {
    ms(percentile(a, share)) / ms(percentile(b, share)).max(1e-9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A copy, so that a build finishing meanwhile cannot swap the binary between runs.
    // PANDAOPS_BENCH_BINARY measures another build instead, to compare two.
    let measured = std::env::var_os("PANDAOPS_BENCH_BINARY").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_pandaops")),
        PathBuf::from,
    );
    let binary = std::env::temp_dir().join(format!("pandaops-startup-{}", std::process::id()));
    std::fs::copy(&measured, &binary)?;

    // The two kinds take turns, so that whatever else the machine does falls on both alike.
    let mut training = Pooled::default();
    let mut loading = Pooled::default();
    for _ in 0..RUNS {
        let training_home = fresh_home("train")?;
        let trained = run_console(&binary, &training_home)?;
        let trained_model = training_home.join("data/pandaops/models.json");
        if !trained_model.exists() {
            return Err("the console did not save the model it trained".into());
        }
        training.add(&trained, None);

        let loading_home = fresh_home("load")?;
        std::fs::create_dir_all(loading_home.join("data/pandaops"))?;
        std::fs::copy(
            &trained_model,
            loading_home.join("data/pandaops/models.json"),
        )?;
        loading.add(
            &run_console(&binary, &loading_home)?,
            Some(trained.training_for),
        );
        let _ = std::fs::remove_dir_all(&training_home);
        let _ = std::fs::remove_dir_all(&loading_home);
    }
    let _ = std::fs::remove_file(&binary);

    println!("binary: {}", measured.display());
    println!(
        "{COLS}x{ROWS} pty, a key every {} ms for {} s after the first frame, {RUNS} runs of each",
        KEY_EVERY.as_millis(),
        KEYS_FOR.as_secs()
    );
    println!(
        "training went on for {:.2} s after the first frame (median)",
        percentile(&training.training_for, 0.5).as_secs_f64()
    );
    training.print("training at start (no model file)", "while training: ");
    loading.print("model file present", "same seconds:   ");
    println!(
        "ratio training / model file, every key: median {:.2}, p95 {:.2}",
        ratio(&training.every_key, &loading.every_key, 0.5),
        ratio(&training.every_key, &loading.every_key, 0.95)
    );
    println!(
        "ratio while training / same seconds with a model file: median {:.2}, p95 {:.2}",
        ratio(&training.early_keys, &loading.early_keys, 0.5),
        ratio(&training.early_keys, &loading.early_keys, 0.95)
    );
    println!(
        "the same beyond the frame limit: median {:.2}, p95 {:.2}",
        ratio(&training.early_keys_beyond, &loading.early_keys_beyond, 0.5),
        ratio(
            &training.early_keys_beyond,
            &loading.early_keys_beyond,
            0.95
        )
    );
    Ok(())
}
