//! The event loop of the live console.
//!
//! It waits on keys, source events, the clock and signals, feeds them to the app, and draws when
//! the state changed, at most `max_fps` times a second and inside a synchronized update. It never
//! awaits network or disk: sources do their own I/O on their own tasks.

use std::future::Future;
use std::io::{self, Write};
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use jiff::Timestamp;
use ratatui::crossterm::event::{Event, EventStream, MouseButton, MouseEventKind};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};

use crate::app::{self, App, Effect, Message};
use crate::review::{JournalHandle, SaveRequest};
use crate::sources::Sources;
use crate::term::{self, Tui};
use crate::ui;

/// How often the controlling terminal is checked for having gone away.
const TTY_CHECK: Duration = Duration::from_secs(2);

/// Why the console stopped, and the exit status that goes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Signal(i32),
    TerminalLost,
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(number) => 128 + number,
            Exit::TerminalLost => 129,
        }
    }
}

pub struct LoopOptions {
    pub max_fps: u32,
    pub mouse: bool,
    /// The decisions journal; `None` runs without one (decisions cannot be saved).
    pub journal: Option<std::path::PathBuf>,
    /// Read the journal without locking or writing it, and send nothing to any server.
    pub read_only: bool,
    /// The model file of the Tasks pane and the demo seed to train on when there is none;
    /// `None` runs without predictions.
    pub model: Option<(std::path::PathBuf, u64)>,
}

pub async fn run(
    terminal: &mut Tui,
    app: &mut App,
    sources: &Sources,
    mut source_events: mpsc::Receiver<crate::domain::SourceEvent>,
    options: &LoopOptions,
) -> io::Result<Exit> {
    let frame_interval = Duration::from_millis(1000 / u64::from(options.max_fps.clamp(1, 60)));
    let mut keys = EventStream::new();
    let mut clock = interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    // Signals whose default would kill the process without restoring the terminal.
    let mut sigquit = signal(SignalKind::quit())?;
    let mut sigusr1 = signal(SignalKind::user_defined1())?;
    let mut sigusr2 = signal(SignalKind::user_defined2())?;
    // Results of heavy work done off this task (grouping) come back here.
    let (work_tx, mut work_rx) = mpsc::channel::<Message>(64);
    let journal = options
        .journal
        .clone()
        .map(|path| JournalHandle::start(path, options.read_only, work_tx.clone()));
    if journal.is_none() {
        app.update(Message::JournalOpened(Err(
            "no journal file configured".to_string()
        )));
    }
    if let Some((path, seed)) = options.model.clone() {
        app.update(Message::Model(app::ModelEvent::Progress(
            "looking for the model".to_string(),
        )));
        crate::models::start(path, seed, work_tx.clone());
    }
    let (tty_lost_tx, mut tty_lost) = mpsc::channel::<()>(1);
    tokio::spawn(watch_tty(tty_lost_tx));

    let size = terminal.size()?;
    app.update(Message::Resize(size.width, size.height));
    let mut last_draw = Instant::now() - frame_interval;
    // Set by a resize: the terminal may have cut what was on screen, even when the size comes
    // back to the one last drawn, so the next frame is drawn whole rather than as a difference.
    let mut repaint = false;

    let exit = 'session: loop {
        // Draw when something changed, but no more often than the frame interval: a burst of
        // resizes or source events becomes one frame.
        if app.is_dirty() && Instant::now() >= last_draw + frame_interval {
            app.take_dirty();
            // The Metrics pane's width sets how many points Prometheus is asked for. The pane
            // may be hidden (one pane at a time), then the last width stands.
            let screen = crate::ui::layout::screen(app.size, app.focus, app.zoomed);
            if let Some((_, area)) = screen
                .panes
                .iter()
                .find(|(p, _)| *p == crate::domain::PaneId::Metrics)
            {
                sources.set_metrics_width(area.width.saturating_sub(2));
            }
            if let Err(error) = draw(terminal, app, std::mem::take(&mut repaint)) {
                tracing::warn!(%error, "writing to the terminal failed; quitting");
                break 'session Exit::TerminalLost;
            }
            last_draw = Instant::now();
        }
        let next_frame = last_draw + frame_interval;

        let message = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) => Message::Key(key),
                Some(Ok(Event::Resize(width, height))) => {
                    repaint = true;
                    app.force_redraw();
                    Message::Resize(width, height)
                }
                Some(Ok(Event::FocusGained)) => { app.force_redraw(); continue; }
                Some(Ok(Event::Paste(text))) => Message::Paste(text),
                Some(Ok(Event::Mouse(mouse))) => match mouse.kind {
                    MouseEventKind::ScrollDown => Message::Scroll { down: true },
                    MouseEventKind::ScrollUp => Message::Scroll { down: false },
                    MouseEventKind::Down(MouseButton::Left) => Message::Click(mouse.column, mouse.row),
                    _ => continue,
                },
                Some(Ok(_)) => continue,
                Some(Err(error)) => {
                    tracing::warn!(%error, "reading the terminal failed; quitting");
                    break 'session Exit::TerminalLost;
                }
                None => break 'session Exit::TerminalLost,
            },
            Some(event) = source_events.recv() => Message::Source(event),
            Some(result) = work_rx.recv() => result,
            _ = clock.tick() => Message::Tick(Timestamp::now()),
            _ = sleep_until(next_frame), if app.is_dirty() => continue,
            _ = sigterm.recv() => break 'session Exit::Signal(signal_hook::consts::SIGTERM),
            _ = sighup.recv() => break 'session Exit::Signal(signal_hook::consts::SIGHUP),
            _ = sigint.recv() => break 'session Exit::Signal(signal_hook::consts::SIGINT),
            _ = sigquit.recv() => break 'session Exit::Signal(signal_hook::consts::SIGQUIT),
            _ = sigusr1.recv() => break 'session Exit::Signal(signal_hook::consts::SIGUSR1),
            _ = sigusr2.recv() => break 'session Exit::Signal(signal_hook::consts::SIGUSR2),
            _ = tty_lost.recv() => break 'session Exit::TerminalLost,
        };

        for effect in app.update(message) {
            match effect {
                Effect::Quit => break 'session Exit::Quit,
                Effect::Refresh(pane) => sources.refresh(pane),
                Effect::SaveDecision { group_id, entry } => {
                    let kind = app::SaveKind::of(&entry);
                    let sent = match &journal {
                        Some(journal) => journal.save(SaveRequest {
                            group_id: group_id.clone(),
                            entry,
                        }),
                        None => Err("no journal file configured".to_string()),
                    };
                    if let Err(reason) = sent {
                        app.update(Message::DecisionSaved {
                            group_id,
                            kind,
                            result: Err(reason),
                        });
                    }
                }
                Effect::GroupErrors {
                    generation,
                    jobs,
                    suggester,
                } => {
                    let done = work_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = done.blocking_send(app::group_now(generation, &jobs, &suggester));
                    });
                }
                Effect::Predict {
                    generation,
                    tasks,
                    predictor,
                } => {
                    let done = work_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ =
                            done.blocking_send(app::predict_now(generation, &tasks, &predictor));
                    });
                }
                Effect::Suggest { groups, suggester } => {
                    let done = work_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = done.blocking_send(app::suggest_now(&groups, &suggester));
                    });
                }
                silence @ (Effect::CreateSilence { .. } | Effect::ExpireSilence { .. }) => {
                    if let Some(request) = silence_request(sources, silence) {
                        let done = work_tx.clone();
                        tokio::spawn(async move {
                            let _ = done.send(request.await).await;
                        });
                    }
                }
                Effect::Suspend => {
                    term::suspend(terminal, options.mouse)?;
                    app.force_redraw();
                }
            }
        }
        if let Ok(size) = terminal.size()
            && (size.width != app.size.width || size.height != app.size.height)
        {
            app.update(Message::Resize(size.width, size.height));
        }
    };
    // A signal or a lost terminal while an edit is open: its draft reaches the journal before
    // the journal's handle is dropped (which waits for it).
    if let Some((group_id, entry)) = app.draft_to_keep()
        && let Some(journal) = &journal
        && let Err(reason) = journal.save(SaveRequest { group_id, entry })
    {
        tracing::warn!(%reason, "the open edit's draft was not saved");
    }
    Ok(exit)
}

/// A request for a silence effect, to await off the UI task, and the message that answers it;
/// `None` for any other effect. The event loop spawns it; tests await it.
pub fn silence_request(
    sources: &Sources,
    effect: Effect,
) -> Option<Pin<Box<dyn Future<Output = Message> + Send>>> {
    match effect {
        Effect::CreateSilence {
            alertmanager,
            silence,
        } => {
            let sent = sources.create_silence(&alertmanager, silence);
            Some(Box::pin(async move {
                Message::SilenceCreated {
                    result: sent.await,
                    alertmanager,
                }
            }))
        }
        Effect::ExpireSilence { alertmanager, id } => {
            let sent = sources.expire_silence(&alertmanager, &id);
            Some(Box::pin(async move {
                Message::SilenceExpired {
                    result: sent.await,
                    alertmanager,
                    id,
                }
            }))
        }
        _ => None,
    }
}

fn draw(terminal: &mut Tui, app: &App, whole: bool) -> io::Result<()> {
    let mut stdout = io::stdout();
    execute!(stdout, BeginSynchronizedUpdate)?;
    // Resizing to the current size clears the screen and forgets the last frame, so every cell
    // is sent again. (`Terminal::clear` would also do, but it asks the terminal where the cursor
    // is and waits for the answer.)
    let cleared = if whole {
        terminal
            .size()
            .and_then(|size| terminal.resize(Rect::new(0, 0, size.width, size.height)))
    } else {
        Ok(())
    };
    let drawn = cleared.and_then(|()| terminal.draw(|frame| ui::draw(frame, app)).map(|_| ()));
    execute!(stdout, EndSynchronizedUpdate)?;
    stdout.flush()?;
    drawn
}

/// Reports when the controlling terminal is gone (a closed SSH session or a killed pane), which
/// some terminals signal with neither a hangup nor an end of input.
async fn watch_tty(lost: mpsc::Sender<()>) {
    loop {
        tokio::time::sleep(TTY_CHECK).await;
        let alive = tokio::task::spawn_blocking(|| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .is_ok()
        })
        .await
        .unwrap_or(false);
        if !alive {
            let _ = lost.send(()).await;
            return;
        }
    }
}
