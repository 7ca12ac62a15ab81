//! Helpers for the end-to-end tests: the console in a pseudo-terminal, and reading its screen.

pub mod pty;
pub mod screen;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A home folder of its own for one run of the binary, removed when dropped, so that nothing
/// reads or writes the real home, config or log.
pub struct TempHome {
    path: PathBuf,
}

impl TempHome {
    pub fn new() -> TempHome {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "pandaops-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempHome { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole environment the binary gets: nothing inherited but `PATH`.
    pub fn env(&self, term: &str) -> Vec<(String, String)> {
        let dir = |name: &str| self.path.join(name).display().to_string();
        vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), self.path.display().to_string()),
            ("XDG_CONFIG_HOME".into(), dir("config")),
            ("XDG_STATE_HOME".into(), dir("state")),
            ("XDG_DATA_HOME".into(), dir("data")),
            ("XDG_CACHE_HOME".into(), dir("cache")),
            ("XDG_RUNTIME_DIR".into(), dir("run")),
            ("LANG".into(), "C.UTF-8".into()),
            ("TERM".into(), term.into()),
        ]
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs `pandaops` as a plain process (no terminal) and returns its exit code and standard output.
pub fn run_plain(args: &[&str]) -> (i32, String) {
    let home = TempHome::new();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pandaops"))
        .args(args)
        .env_clear()
        .envs(home.env("xterm-256color"))
        .current_dir(home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}
