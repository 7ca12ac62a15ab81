//! The real binary in a pseudo-terminal: raw bytes in, a `vt100` model of the screen out.
//!
//! Every wait is bounded and polls a condition; a timeout panics with the screen as it was.
//!
//! The terminal answers no queries, like a plain or slow one: a cursor-position request
//! (`ESC[6n`) gets no reply, so the console must never wait for one.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::TempHome;
use super::screen::screen_text;

const POLL: Duration = Duration::from_millis(20);

/// How long the reader may take to drain the last output once the process has exited.
const DRAIN: Duration = Duration::from_secs(2);

pub struct Console {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    reader_done: Arc<AtomicBool>,
    stop_reading: Arc<AtomicBool>,
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    child: Box<dyn Child + Send + Sync>,
    exited: Option<portable_pty::ExitStatus>,
    _home: TempHome,
}

impl Console {
    /// The live console on the demo with `--seed 1`, in a `cols` x `rows` xterm.
    pub fn start(cols: u16, rows: u16) -> Console {
        Console::start_with(cols, rows, "xterm-256color", &["--seed", "1"])
    }

    pub fn start_with(cols: u16, rows: u16, term: &str, args: &[&str]) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();

        let home = TempHome::new();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_pandaops"));
        command.args(args);
        command.env_clear();
        for (key, value) in home.env(term) {
            command.env(key, value);
        }
        command.cwd(home.path());
        let child = pair.slave.spawn_command(command).unwrap();
        // Only the child may hold the slave side, or closing the master would hang nothing up.
        drop(pair.slave);

        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let reader_done = Arc::new(AtomicBool::new(false));
        let stop_reading = Arc::new(AtomicBool::new(false));
        let reader = pair.master.try_clone_reader().unwrap();
        spawn_reader(
            reader,
            Arc::clone(&parser),
            Arc::clone(&raw),
            Arc::clone(&reader_done),
            Arc::clone(&stop_reading),
        );
        let writer = pair.master.take_writer().unwrap();

        Console {
            parser,
            raw,
            reader_done,
            stop_reading,
            master: Some(pair.master),
            writer: Some(writer),
            child,
            exited: None,
            _home: home,
        }
    }

    /// The home folder the console runs in (its data folder is `data/pandaops` below it).
    pub fn home(&self) -> &std::path::Path {
        self._home.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    /// The screen as text: one line per row, one character per cell.
    pub fn text(&self) -> String {
        screen_text(self.parser.lock().unwrap().screen())
    }

    /// Runs `inspect` on the screen model as it is now.
    pub fn with_screen<T>(&self, inspect: impl FnOnce(&vt100::Screen) -> T) -> T {
        inspect(self.parser.lock().unwrap().screen())
    }

    /// Everything the console has written so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    pub fn raw_len(&self) -> usize {
        self.raw.lock().unwrap().len()
    }

    /// Waits until the screen text satisfies `ready`; returns that text.
    pub fn wait_for(&self, what: &str, timeout: Duration, ready: impl Fn(&str) -> bool) -> String {
        let mut seen = String::new();
        self.wait_for_screen(what, timeout, |screen| {
            seen = screen_text(screen);
            ready(&seen)
        });
        seen
    }

    /// Waits until the screen model satisfies `ready`.
    pub fn wait_for_screen(
        &self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut(&vt100::Screen) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.with_screen(&mut ready) {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; the screen was:\n{}",
                    self.text()
                );
            }
            thread::sleep(POLL);
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let writer = self.writer.as_mut().unwrap();
        writer.write_all(bytes).unwrap();
        writer.flush().unwrap();
    }

    /// Resizes the terminal (the console gets SIGWINCH) and the screen model with it.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let mut parser = self.parser.lock().unwrap();
        self.master
            .as_ref()
            .unwrap()
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        parser.set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
    }

    /// Sends a signal by name (`TERM`, `HUP`, ...) with `kill`.
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} {} failed", self.pid());
    }

    /// Closes the terminal the way a dropped SSH session does: every handle on the master side
    /// goes. The reader's handle goes when its current read returns, that is with the next
    /// output of the console. (portable-pty's writer sends `\n` and the EOF character when
    /// dropped; in raw mode the console reads them as ctrl-j and ctrl-d, which do nothing.)
    pub fn close_terminal(&mut self) {
        self.stop_reading.store(true, Ordering::SeqCst);
        self.writer = None;
        self.master = None;
    }

    pub fn is_running(&mut self) -> bool {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().unwrap();
        }
        self.exited.is_none()
    }

    /// Waits for the process to exit and for its last output to be read; returns the exit code.
    /// Panics if it is still running at the deadline or was killed by a signal it should have
    /// handled.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let deadline = Instant::now() + timeout;
        while self.is_running() {
            if Instant::now() >= deadline {
                panic!(
                    "pid {} still running after {timeout:?}; the screen was:\n{}",
                    self.pid(),
                    self.text()
                );
            }
            thread::sleep(POLL);
        }
        let drained = Instant::now() + DRAIN;
        while !self.reader_done.load(Ordering::SeqCst) && Instant::now() < drained {
            thread::sleep(POLL);
        }

        let status = self.exited.clone().unwrap();
        assert!(
            status.signal().is_none(),
            "pandaops was killed by {:?} instead of exiting; the screen was:\n{}",
            status.signal(),
            self.text()
        );
        status.exit_code()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn spawn_reader(
    mut reader: Box<dyn Read + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    done: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) {
    thread::spawn(move || {
        let mut buffer = [0_u8; 16 * 1024];
        while !stop.load(Ordering::SeqCst) {
            match reader.read(&mut buffer) {
                // EIO once the child and every slave handle are gone.
                Ok(0) | Err(_) => break,
                Ok(read) => {
                    let bytes = &buffer[..read];
                    raw.lock().unwrap().extend_from_slice(bytes);
                    parser.lock().unwrap().process(bytes);
                }
            }
        }
        drop(reader);
        done.store(true, Ordering::SeqCst);
    });
}
