//! Frame and table costs with 100,000 tasks (field report B10): a frame must stay far below the
//! 50 ms frame interval, because only the visible rows are built, and sorting and filtering happen
//! when data or the filter change, not per frame.
//!
//! Run with `cargo bench --bench render`; it prints medians over repeated runs.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use pandaops::action::Action;
use pandaops::app::{App, Message};
use pandaops::domain::{Feed, PaneId, SourceEvent, SourceEventKind, Task, TaskStatus};
use pandaops::snapshot::render_app;
use pandaops::ui::theme::{self, ColorSupport};

const TASKS: u64 = 100_000;

fn tasks(now: Timestamp) -> Vec<Task> {
    let statuses = [
        "running",
        "failed",
        "done",
        "scouting",
        "ready",
        "exhausted",
    ];
    (0..TASKS)
        .map(|i| Task {
            jeditaskid: 40_000_000 + i,
            taskname: format!(
                "mc23_13p6TeV.{:06}.PhPy8EG_sample_{i}.deriv.DAOD_PHYS.e8514_p6266",
                500_000 + i % 99_991
            ),
            status: TaskStatus::parse(statuses[(i % 6) as usize]),
            username: format!("user{}", i % 300),
            prodsourcelabel: "managed".into(),
            processingtype: "deriv".into(),
            transhome: "AthDerivation-24.0.30".into(),
            corecount: Some(8),
            n_files: Some(100 + i % 50),
            n_files_finished: Some(i % 100),
            n_files_failed: Some(i % 3),
            total_events: Some(1_000 * i),
            dataset_count: Some(1),
            ramcount_mb_per_core: Some(1000.0 + (i % 3000) as f64),
            cputime_hs06s_per_event: Some((i % 500) as f64 / 10.0),
            cpu_efficiency_pct: Some(60.0 + (i % 35) as f64),
            io_intensity_kb_per_s: Some((i % 900) as f64),
            creation_time: Some(now),
            start_time: None,
            end_time: None,
            modification_time: Some(now),
            error_dialog: String::new(),
            site: "CERN-PROD".into(),
        })
        .collect()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(work());
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let now = Timestamp::now();
    let Ok(loaded) = pandaops::keymap::load("default", None) else {
        eprintln!("the default keymap does not load");
        return;
    };
    let mut themes = BTreeMap::new();
    if let Ok((theme, _)) = theme::load("default", None, ColorSupport::default()) {
        themes.insert("default".to_string(), theme);
    }
    let mut app = App::new(loaded.keymap, "default", themes, now);
    app.update(Message::Resize(200, 60));
    let rows = tasks(now);

    let load = time(5, || {
        app.update(Message::Source(SourceEvent {
            source: "bench".into(),
            pane: PaneId::Tasks,
            kind: SourceEventKind::Data(Feed::Tasks(rows.clone())),
        }))
    });
    let frame = time(50, || render_app(&app, 200, 60));
    app.set_filter(PaneId::Tasks, "");
    let filter = time(5, || app.set_filter(PaneId::Tasks, "status=failed ttbar"));
    app.set_filter(PaneId::Tasks, "status=failed");
    let frame_filtered = time(50, || render_app(&app, 200, 60));
    app.apply(Action::FocusTasks);
    app.apply(Action::Bottom);
    let frame_at_end = time(50, || render_app(&app, 200, 60));

    println!("100,000 tasks, 200x60, medians:");
    println!("  new snapshot (clone, filter, sort): {load:?}");
    println!("  frame:                              {frame:?}");
    println!("  set a filter:                       {filter:?}");
    println!("  frame, filtered:                    {frame_filtered:?}");
    println!("  frame, at the last row:             {frame_at_end:?}");
}
