//! The terminal: entering and leaving full-screen mode, and making sure it is always left.
//!
//! The terminal is restored by a `Drop` guard, by the panic hook (for panics on the UI thread
//! only: a panic in a source task must not tear the screen down while the UI keeps drawing), before
//! suspending on Ctrl+Z, and on every quit path, signals included. Restoring twice is harmless.

use std::io::{self, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

pub type Tui = Terminal<CrosstermBackend<TerminalOutput>>;

static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Set by the first failed write: the terminal is gone (a closed SSH session, a killed pane).
static LOST: AtomicBool = AtomicBool::new(false);

/// Standard output that goes quiet once the terminal is gone. The first failed write is reported
/// so that the event loop stops; later writes are dropped and succeed, so that restoring and
/// dropping the terminal on the way out cannot fail. (ratatui prints to standard error when it
/// cannot show the cursor on drop, and printing to a dead terminal panics.)
pub struct TerminalOutput;

impl Write for TerminalOutput {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if LOST.load(Ordering::SeqCst) {
            return Ok(bytes.len());
        }
        io::stdout().write(bytes).inspect_err(note_lost)
    }

    fn flush(&mut self) -> io::Result<()> {
        if LOST.load(Ordering::SeqCst) {
            return Ok(());
        }
        io::stdout().flush().inspect_err(note_lost)
    }
}

fn note_lost(error: &io::Error) {
    if error.kind() != io::ErrorKind::Interrupted {
        LOST.store(true, Ordering::SeqCst);
    }
}

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    _private: (),
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Whether full-screen mode can work here; if not, says why.
pub fn check_capable(
    term: Option<&str>,
    stdout_is_tty: bool,
    stdin_is_tty: bool,
) -> Result<(), String> {
    if !stdout_is_tty || !stdin_is_tty {
        return Err(
            "standard input and output must be a terminal for the console; \
                    `pandaops snapshot` prints the screen as text instead"
                .to_string(),
        );
    }
    if matches!(term, Some("dumb") | Some("")) {
        return Err(format!(
            "TERM={} cannot show the full-screen console; \
             `pandaops snapshot` prints the screen as text instead",
            term.unwrap_or_default()
        ));
    }
    Ok(())
}

/// Enters raw mode and the alternate screen, and installs the panic hook.
pub fn enter(mouse: bool) -> io::Result<(Tui, TerminalGuard)> {
    let _ = UI_THREAD.set(std::thread::current().id());
    install_panic_hook();

    let guard = TerminalGuard { _private: () };
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut stdout = io::stdout();
    execute!(stdout, EnterAlternateScreen, Hide, EnableBracketedPaste)?;
    if mouse {
        execute!(stdout, EnableMouseCapture)?;
    }
    let terminal = Terminal::new(CrosstermBackend::new(TerminalOutput))?;
    Ok((terminal, guard))
}

/// Leaves raw mode and the alternate screen, shows the cursor and turns mouse capture off.
/// Errors are ignored: the terminal may already be gone.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut output = TerminalOutput;
    let _ = execute!(
        output,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
    let _ = output.flush();
}

/// Re-enters full-screen mode after a suspension.
pub fn resume(terminal: &mut Tui, mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        Hide,
        EnableBracketedPaste
    )?;
    if mouse {
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    // Resizing to the current size clears the screen and forgets the last frame, so the next
    // draw sends every cell (`Terminal::clear` would wait for a cursor-position reply).
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Stops the process the way a shell's Ctrl+Z does, with the terminal restored meanwhile.
pub fn suspend(terminal: &mut Tui, mouse: bool) -> io::Result<()> {
    restore();
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    // Execution continues here after SIGCONT.
    resume(terminal, mouse)
}

fn install_panic_hook() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if UI_THREAD.get() == Some(&std::thread::current().id()) {
                restore();
                previous(info);
            } else if ACTIVE.load(Ordering::SeqCst) {
                // A source task panicked while the console is on screen: printing would scribble
                // over the frame. The supervisor marks the source as failing; the log keeps the
                // details.
                tracing::error!(panic = %info, "a background task panicked");
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumb_terminals_and_pipes_are_refused_with_a_way_out() {
        assert!(check_capable(Some("dumb"), true, true).is_err_and(|e| e.contains("snapshot")));
        assert!(
            check_capable(Some("xterm-256color"), false, true)
                .is_err_and(|e| e.contains("snapshot"))
        );
        assert!(check_capable(Some("xterm-256color"), true, true).is_ok());
        assert!(check_capable(None, true, true).is_ok());
    }
}
