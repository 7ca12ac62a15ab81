//! `pandaops snapshot`: the console rendered once, as plain text.
//!
//! The demo world is advanced to the requested simulated time and handed to the app exactly as the
//! live source would hand it, then one frame is drawn into an in-memory buffer. No clock, no
//! terminal and no randomness outside the seed are involved, so the same seed and time always give
//! the same text.

use std::collections::BTreeMap;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

use crate::app::{App, Effect, Message, ModelEvent, group_now, predict_now};
use crate::domain::PaneId;
use crate::keymap::Keymap;
use crate::sources::demo::{self, DemoWorld};
use crate::ui;
use crate::ui::theme::Theme;

/// Simulated time starts here for snapshots, so they do not depend on the day they are taken.
pub const SNAPSHOT_EPOCH_SECS: i64 = 1_796_299_200; // 2026-12-03T12:00:00Z

/// The longest simulated run a snapshot takes: simulating is about a second per simulated day.
pub const MAX_AT_SECS: u64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    All,
    Pane(PaneId),
}

impl View {
    pub fn parse(text: &str) -> Result<View, String> {
        if text.eq_ignore_ascii_case("all") {
            return Ok(View::All);
        }
        PaneId::from_name(text).map(View::Pane).ok_or_else(|| {
            format!("unknown view {text:?}; expected all, alerts, tasks, triage or metrics")
        })
    }
}

/// Parses `120x40`.
pub fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let bad =
        || format!("size must be WIDTHxHEIGHT with each from 1 to 1000, e.g. 120x40; got {text:?}");
    let (width, height) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let width: u16 = width.trim().parse().map_err(|_| bad())?;
    let height: u16 = height.trim().parse().map_err(|_| bad())?;
    if !(1..=1000).contains(&width) || !(1..=1000).contains(&height) {
        return Err(bad());
    }
    Ok((width, height))
}

pub struct SnapshotOptions {
    pub width: u16,
    pub height: u16,
    pub view: View,
    pub seed: u64,
    pub at_secs: u64,
    /// The model file for the Tasks pane's predictions (trained on the demo when missing);
    /// `None` shows no predictions.
    pub model: Option<std::path::PathBuf>,
}

/// Renders the demo console and returns the screen as text, one line per row, trailing spaces
/// trimmed.
pub fn render(
    options: &SnapshotOptions,
    keymap: Keymap,
    theme_name: &str,
    themes: BTreeMap<String, Theme>,
) -> String {
    let start = Timestamp::from_second(SNAPSHOT_EPOCH_SECS).unwrap_or(Timestamp::UNIX_EPOCH);
    let mut world = DemoWorld::new(options.seed, start);
    world.advance_to(options.at_secs);

    let mut app = App::new(keymap, theme_name, themes, world.now());
    app.simulated = true;
    match options.view {
        View::All => {}
        View::Pane(pane) => {
            app.focus = pane;
            app.zoomed = true;
        }
    }
    app.update(Message::Resize(options.width, options.height));
    for event in demo::initial_feeds(&world) {
        for effect in app.update(Message::Source(event)) {
            if let Effect::GroupErrors {
                generation,
                jobs,
                suggester,
            } = effect
            {
                app.update(group_now(generation, &jobs, &suggester));
            }
        }
    }
    if let Some(path) = &options.model {
        let event = match crate::models::load_or_train(path, options.seed, |_| {}) {
            Ok(found) => ModelEvent::Ready(Ok(found)),
            Err(reason) => ModelEvent::Ready(Err(reason)),
        };
        for effect in app.update(Message::Model(event)) {
            if let Effect::Predict {
                generation,
                tasks,
                predictor,
            } = effect
            {
                app.update(predict_now(generation, &tasks, &predictor));
            }
        }
    }
    app.update(Message::Tick(world.now()));
    render_app(&app, options.width, options.height)
}

/// Draws one frame of `app` into a buffer of the given size and returns it as text.
pub fn render_app(app: &App, width: u16, height: u16) -> String {
    let backend = TestBackend::new(width, height);
    let Ok(mut terminal) = Terminal::new(backend);
    if terminal.draw(|frame| ui::draw(frame, app)).is_err() {
        return String::new();
    }
    buffer_text(terminal.backend().buffer())
}

/// The text of a buffer. A wide glyph occupies two cells; the second is skipped.
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut lines = Vec::with_capacity(usize::from(area.height));
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            skip = UnicodeWidthStr::width(symbol).saturating_sub(1);
        }
        lines.push(line.trim_end().to_string());
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_views_parse() {
        assert_eq!(parse_size("120x40"), Ok((120, 40)));
        assert_eq!(parse_size("80X24"), Ok((80, 24)));
        assert!(parse_size("0x10").is_err());
        assert!(parse_size("wide").is_err_and(|e| e.contains("\"wide\"")));
        assert_eq!(View::parse("all"), Ok(View::All));
        assert_eq!(View::parse("triage"), Ok(View::Pane(PaneId::Triage)));
        assert!(View::parse("everything").is_err());
    }

    #[test]
    fn the_epoch_is_the_documented_date() {
        let epoch = Timestamp::from_second(SNAPSHOT_EPOCH_SECS).map(|t| t.to_string());
        assert_eq!(epoch.ok().as_deref(), Some("2026-12-03T12:00:00Z"));
    }
}
