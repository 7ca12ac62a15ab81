//! The console on `TestBackend`: each pane rendered from fixed data, and the keys that drive it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use jiff::Timestamp;
use pandaops::app::{App, Effect, Message, Overlay, group_now};
use pandaops::domain::{
    Alert, AlertOrigin, AlertState, DeploymentEvent, ErrorSource, FailedJob, Feed, JobError,
    PaneId, Series, Severity, SourceEvent, SourceEventKind, SourceHealth, Task, TaskStatus,
};
use pandaops::keymap;
use pandaops::snapshot::render_app;
use pandaops::ui::theme::{self, ColorSupport};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const NOW: i64 = 1_796_299_200; // 2026-12-03T12:00:00Z

fn at(offset_secs: i64) -> Timestamp {
    Timestamp::from_second(NOW + offset_secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn app() -> App {
    let keymap = keymap::load("default", None).map(|loaded| loaded.keymap);
    let Ok(keymap) = keymap else {
        panic!("the default keymap loads")
    };
    let mut themes = BTreeMap::new();
    for name in ["default", "light"] {
        let loaded = theme::load(
            name,
            None,
            ColorSupport {
                truecolor: false,
                no_color: false,
            },
        );
        let Ok((theme, _)) = loaded else {
            panic!("built-in theme {name} loads")
        };
        themes.insert(name.to_string(), theme);
    }
    let mut app = App::new(keymap, "default", themes, at(0));
    app.simulated = true;
    app
}

fn feed(app: &mut App, pane: PaneId, feed: Feed) {
    let event = SourceEvent {
        source: "fixture".into(),
        pane,
        kind: SourceEventKind::Data(feed),
    };
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
    app.update(Message::Source(SourceEvent {
        source: "fixture".into(),
        pane,
        kind: SourceEventKind::Health(SourceHealth::Fresh {
            at: at(-5),
            note: None,
        }),
    }));
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, text: &str) {
    for ch in text.chars() {
        key(app, KeyCode::Char(ch));
    }
}

fn task(id: u64, name: &str, status: &str, ram: Option<f64>) -> Task {
    Task {
        jeditaskid: id,
        taskname: name.into(),
        status: TaskStatus::parse(status),
        username: "jdoe".into(),
        prodsourcelabel: "managed".into(),
        processingtype: "deriv".into(),
        transhome: "AthDerivation-24.0.30".into(),
        corecount: Some(8),
        n_files: Some(100),
        n_files_finished: Some(40),
        n_files_failed: Some(2),
        total_events: Some(1_000_000),
        dataset_count: Some(1),
        ramcount_mb_per_core: ram,
        cputime_hs06s_per_event: Some(2.5),
        cpu_efficiency_pct: Some(85.0),
        io_intensity_kb_per_s: Some(320.0),
        creation_time: Some(at(-7200)),
        start_time: None,
        end_time: None,
        modification_time: Some(at(-300)),
        error_dialog: String::new(),
        site: "CERN-PROD".into(),
    }
}

fn tasks() -> Vec<Task> {
    vec![
        task(
            40_000_001,
            "mc23_13p6TeV.601229.PhPy8EG_ttbar.deriv.DAOD_PHYS.e8514_p6266",
            "running",
            Some(2000.0),
        ),
        task(
            40_000_002,
            "data24_13p6TeV.00475052.physics_Main.deriv.DAOD_PHYSLITE",
            "failed",
            Some(3500.0),
        ),
        task(40_000_003, "用户分析_mc23_EXAMPLE.deriv", "scouting", None),
        task(
            40_000_004,
            "user.jdoe.\u{1b}]0;owned\u{7}Zmumu_ntuple",
            "done",
            Some(1500.0),
        ),
    ]
}

fn alert(
    fingerprint: &str,
    name: &str,
    severity: Severity,
    state: AlertState,
    summary: &str,
) -> Alert {
    let mut labels = BTreeMap::new();
    labels.insert("alertname".to_string(), name.to_string());
    labels.insert("instance".to_string(), "aipanda012.cern.ch".to_string());
    Alert {
        fingerprint: fingerprint.into(),
        name: name.into(),
        severity,
        state,
        labels,
        summary: summary.into(),
        description: String::new(),
        starts_at: at(-600),
        ends_at: Some(at(240)),
        origin: AlertOrigin::Alertmanager("am".into()),
    }
}

fn alerts() -> Vec<Alert> {
    vec![
        alert(
            "a1",
            "PandaServerDown",
            Severity::Critical,
            AlertState::Active,
            "panda-server not answering",
        ),
        alert(
            "a2",
            "DBSessionsHigh",
            Severity::Warning,
            AlertState::Silenced(vec!["s1".into()]),
            "sessions at 92%",
        ),
        alert(
            "a3",
            "HarvesterWorkersStuck",
            Severity::Warning,
            AlertState::Inhibited(vec!["a1".into()]),
            "\u{1b}[31mFAKE RESOLVED\u{1b}[0m\nline2",
        ),
        alert(
            "a4",
            "CertificateExpiring",
            Severity::Info,
            AlertState::Unprocessed,
            "host certificate expires in 9 days",
        ),
    ]
}

fn jobs() -> Vec<FailedJob> {
    let job = |pandaid: u64, site: &str, source: ErrorSource, code: i64, diag: &str| FailedJob {
        pandaid,
        jeditaskid: 40_000_002,
        status: "failed".into(),
        computingsite: site.into(),
        produsername: "jdoe".into(),
        modification_time: at(-(pandaid as i64 % 1000)),
        errors: vec![JobError {
            source,
            code,
            diag: diag.into(),
        }],
    };
    vec![
        job(
            6_500_000_001,
            "CERN-PROD",
            ErrorSource::Pilot,
            1099,
            "Failed to stage-in file:/eos/atlas/a.root timed out after 30 s",
        ),
        job(
            6_500_000_002,
            "BNL_PROD",
            ErrorSource::Pilot,
            1099,
            "Failed to stage-in file:/pnfs/b.root timed out after 90 s",
        ),
        job(
            6_500_000_003,
            "BNL_PROD",
            ErrorSource::Pilot,
            1099,
            "Failed to stage-in file:/pnfs/c.root timed out after 60 s",
        ),
        job(
            6_500_000_004,
            "TRIUMF",
            ErrorSource::TaskBuffer,
            100,
            "killed by operator",
        ),
    ]
}

fn series() -> Vec<Series> {
    let times: Vec<Timestamp> = (0..60).map(|i| at((i - 60) * 60)).collect();
    let mut queuing: Vec<f64> = (0..60).map(|i| 40.0 + f64::from(i % 5)).collect();
    queuing[50] = 400.0;
    queuing[20] = f64::NAN;
    let mut failures: Vec<f64> = (0..60).map(|i| 5.0 + f64::from(i % 3) * 0.5).collect();
    failures[30] = f64::INFINITY;
    vec![
        Series {
            id: "queuing_time".into(),
            title: "Task queuing time".into(),
            unit: "min".into(),
            times: times.clone(),
            values: queuing,
        },
        Series {
            id: "failure_rate".into(),
            title: "Job failure rate".into(),
            unit: "%".into(),
            times: times.clone(),
            values: failures,
        },
        Series {
            id: "empty".into(),
            title: "Running jobs".into(),
            unit: "jobs".into(),
            times,
            values: vec![f64::NAN; 60],
        },
    ]
}

fn loaded_app() -> App {
    let mut app = app();
    app.update(Message::Resize(120, 40));
    feed(&mut app, PaneId::Alerts, Feed::Alerts(alerts()));
    feed(
        &mut app,
        PaneId::Alerts,
        Feed::Events(vec![DeploymentEvent {
            id: "e1".into(),
            at: at(-900),
            component: "panda-server".into(),
            branch: "master".into(),
            host: "aipanda012.cern.ch".into(),
            user: "jdoe".into(),
            commit: Some("3f2a1b9c0d".into()),
        }]),
    );
    feed(&mut app, PaneId::Tasks, Feed::Tasks(tasks()));
    feed(&mut app, PaneId::Triage, Feed::FailedJobs(jobs()));
    feed(&mut app, PaneId::Metrics, Feed::Series(series()));
    app
}

#[test]
fn all_four_panes_at_120_by_40() {
    let app = loaded_app();
    insta::assert_snapshot!(render_app(&app, 120, 40));
}

#[test]
fn each_pane_zoomed() {
    for pane in PaneId::ALL {
        let mut app = loaded_app();
        app.apply(pandaops::action::Action::ToggleZoom);
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Char(char::from(b'1' + pane.index() as u8)),
            KeyModifiers::NONE,
        )));
        assert_eq!(app.focus, pane);
        insta::assert_snapshot!(
            format!("zoomed_{}", pane.title().to_lowercase()),
            render_app(&app, 100, 30)
        );
    }
}

#[test]
fn server_text_never_reaches_the_screen_raw() {
    let text = render_app(&loaded_app(), 120, 40);
    assert!(
        !text.contains('\u{1b}'),
        "an escape character reached the screen"
    );
    assert!(!text.contains('\u{7}'));
    let mut app = loaded_app();
    app.update(Message::Resize(200, 60));
    let wide = render_app(&app, 200, 60);
    assert!(wide.contains("␛[31mFAKE RESOLVED␛[0m⏎line2"), "{wide}");
}

#[test]
fn states_are_told_apart_without_colour() {
    let text = render_app(&loaded_app(), 120, 40);
    for tag in [
        "FIRING",
        "SILENCED",
        "INHIBITED",
        "UNPROC",
        "CRIT",
        "WARN",
        "INFO",
    ] {
        assert!(text.contains(tag), "{tag} missing from\n{text}");
    }
}

#[test]
fn too_small_and_tiny_terminals_render_a_message_without_panicking() {
    let app = loaded_app();
    assert!(render_app(&app, 59, 20).contains("terminal too small: 59x20"));
    for (width, height) in [
        (1, 1),
        (0, 0),
        (20, 5),
        (60, 15),
        (61, 16),
        (119, 34),
        (300, 100),
    ] {
        let _ = render_app(&app, width, height);
    }
}

#[test]
fn the_selection_survives_a_refresh_that_reorders_rows() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j'));
    let selected = app.tasks.selected().map(|t| t.jeditaskid);
    assert_eq!(selected, Some(40_000_003));

    let mut refreshed = tasks();
    refreshed.reverse();
    refreshed.push(task(40_000_010, "new task", "defined", None));
    feed(&mut app, PaneId::Tasks, Feed::Tasks(refreshed));
    assert_eq!(app.tasks.selected().map(|t| t.jeditaskid), selected);
}

#[test]
fn filter_narrows_the_focused_pane_and_escape_restores_it() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "status=failed");
    assert_eq!(app.tasks.len(), 1, "the filter applies while typing");
    key(&mut app, KeyCode::Enter);
    assert!(app.input.is_none());
    assert_eq!(app.tasks.len(), 1);
    assert!(render_app(&app, 120, 40).contains("/status=failed"));

    // q typed into a filter is text, not quit.
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, " q");
    assert!(app.input.is_some());
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.filter_text(PaneId::Tasks), "status=failed");
    // A bare esc on a table changes nothing: it may be the start of a split arrow key.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.filter_text(PaneId::Tasks), "status=failed");
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('l'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(app.filter_text(PaneId::Tasks), "");
    assert_eq!(app.tasks.len(), 4);
}

#[test]
fn command_line_sorts_filters_switches_theme_and_quits() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "tasks");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, PaneId::Tasks);

    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sort ram");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.tasks.sort_column().name, "ramcount");
    let first = app.tasks.visible().next().map(|(_, t)| t.jeditaskid);
    assert_eq!(
        first,
        Some(40_000_002),
        "descending by RAM puts the 3500 MB task first"
    );

    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "filter status=running");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.tasks.len(), 1);

    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "theme light");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.theme_name, "light");

    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sort nonsense");
    key(&mut app, KeyCode::Enter);
    let status = app.status.clone().map(|s| (s.text, s.is_error));
    assert!(
        status.is_some_and(|(text, is_error)| is_error && text.contains("no column \"nonsense\""))
    );

    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "quit");
    assert_eq!(key(&mut app, KeyCode::Enter), vec![Effect::Quit]);
}

#[test]
fn help_lists_the_live_keymap_and_detail_opens_on_enter() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Overlay::Help { .. }));
    let text = render_app(&app, 120, 40);
    assert!(text.contains("quit pandaops"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);

    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.overlay,
        Overlay::Detail {
            pane: PaneId::Triage,
            scroll: 0
        }
    );
    let text = render_app(&app, 120, 40);
    assert!(text.contains("STAGEINFAILED"), "{text}");
    assert!(
        text.contains("Error pilot:1099 · group"),
        "the detail title names the group: {text}"
    );
    assert!(text.contains("pilotErrorCode"), "{text}");
}

#[test]
fn triage_groups_stage_in_failures_and_counts_jobs() {
    let app = loaded_app();
    let first = app
        .triage
        .visible()
        .next()
        .map(|(_, g)| (g.key(), g.jobs, g.sites.len()));
    assert_eq!(first, Some(("pilot:1099".to_string(), 3, 2)));
    assert_eq!(app.triage.total(), 2);
}

#[test]
fn anomalies_become_console_alerts() {
    let app = loaded_app();
    let anomaly = app
        .alerts
        .rows()
        .iter()
        .find(|a| a.origin == AlertOrigin::Console);
    let Some(anomaly) = anomaly else {
        panic!("no console alert for the spike")
    };
    assert_eq!(anomaly.name, "MetricAnomaly");
    assert!(
        anomaly
            .summary
            .starts_with("Task queuing time spiked to 400 min"),
        "{}",
        anomaly.summary
    );
    assert_eq!(anomaly.state, AlertState::Active);
}

#[test]
fn quit_key_returns_the_quit_effect() {
    let mut app = loaded_app();
    assert_eq!(key(&mut app, KeyCode::Char('q')), vec![Effect::Quit]);
}

#[test]
fn a_click_focuses_the_pane_under_it_and_the_wheel_scrolls_it() {
    let mut app = loaded_app();
    // At 120x40 the Tasks pane is at the bottom left.
    app.update(Message::Click(10, 30));
    assert_eq!(app.focus, PaneId::Tasks);
    let before = app.tasks.cursor();
    app.update(Message::Scroll { down: true });
    assert_eq!(app.tasks.cursor(), before + 1);
    app.update(Message::Click(100, 5));
    assert_eq!(app.focus, PaneId::Metrics);
}

#[test]
fn the_clock_can_be_hidden() {
    let mut app = loaded_app();
    assert!(render_app(&app, 120, 40).contains("12:00:00 UTC"));
    app.show_clock = false;
    let text = render_app(&app, 120, 40);
    assert!(!text.contains("12:00:00 UTC"));
    assert!(text.contains("DEMO · simulated data"));
}

#[test]
fn a_grouping_result_for_replaced_jobs_is_dropped() {
    let mut app = app();
    let send = |app: &mut App, jobs: Vec<FailedJob>| {
        let event = SourceEvent {
            source: "fixture".into(),
            pane: PaneId::Triage,
            kind: SourceEventKind::Data(Feed::FailedJobs(jobs)),
        };
        app.update(Message::Source(event))
    };
    let first = send(&mut app, jobs());
    let second = send(&mut app, jobs()[..1].to_vec());
    let [
        Effect::GroupErrors {
            generation: old,
            jobs: old_jobs,
            suggester,
        },
    ] = first.as_slice()
    else {
        panic!("expected one grouping effect, got {first:?}")
    };
    let [
        Effect::GroupErrors {
            generation: new,
            jobs: new_jobs,
            ..
        },
    ] = second.as_slice()
    else {
        panic!("expected one grouping effect, got {second:?}")
    };
    assert!(new > old);

    app.update(group_now(*new, new_jobs, suggester));
    app.update(group_now(*old, old_jobs, suggester));
    assert_eq!(
        app.triage.total(),
        1,
        "the late result for the first set must not win"
    );
    assert_eq!(app.triage.rows()[0].jobs, 1);

    // The same jobs again ask for no work.
    assert!(send(&mut app, jobs()[..1].to_vec()).is_empty());
}

#[test]
fn triage_says_it_is_grouping_until_the_groups_arrive() {
    let mut app = app();
    app.update(Message::Resize(120, 40));
    let event = SourceEvent {
        source: "fixture".into(),
        pane: PaneId::Triage,
        kind: SourceEventKind::Data(Feed::FailedJobs(jobs())),
    };
    let effects = app.update(Message::Source(event));
    let text = render_app(&app, 120, 40);
    assert!(text.contains("grouping failed and holding jobs…"), "{text}");
    assert!(!text.contains("no failed or holding jobs"));

    let [
        Effect::GroupErrors {
            generation,
            jobs,
            suggester,
        },
    ] = effects.as_slice()
    else {
        panic!("expected one grouping effect")
    };
    app.update(group_now(*generation, jobs, suggester));
    let text = render_app(&app, 120, 40);
    assert!(!text.contains("grouping"), "{text}");
    assert!(text.contains("pilot:1099"));
}

#[test]
fn right_and_left_scroll_long_names() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('2'));
    let before = render_app(&app, 120, 40);
    assert!(before.contains("mc23_13p6TeV.…"), "{before}");
    key(&mut app, KeyCode::Char('l'));
    let shifted = render_app(&app, 120, 40);
    assert!(shifted.contains("…6TeV.601229.…"), "{shifted}");
    key(&mut app, KeyCode::Char('h'));
    assert_eq!(render_app(&app, 120, 40), before);
}

#[test]
fn a_stale_source_says_since_when_and_why() {
    let mut app = loaded_app();
    app.update(Message::Source(SourceEvent {
        source: "fixture".into(),
        pane: PaneId::Tasks,
        kind: SourceEventKind::Health(SourceHealth::Stale {
            since: at(-120),
            reason: "HTTP 502 from proxy".into(),
            retry_at: Some(at(20)),
        }),
    }));
    app.update(Message::Resize(260, 50));
    let text = render_app(&app, 260, 50);
    assert!(
        text.contains("▲ STALE since 11:58:00 UTC: HTTP 502 from proxy, retrying in 20s"),
        "{text}"
    );
    assert!(
        text.contains("40000001"),
        "the last good data stays on screen"
    );
    app.update(Message::Source(SourceEvent {
        source: "fixture".into(),
        pane: PaneId::Tasks,
        kind: SourceEventKind::Health(SourceHealth::Failing {
            reason: "connection refused".into(),
        }),
    }));
    assert!(render_app(&app, 260, 50).contains("✖ FAILING: connection refused"));
}

#[test]
fn the_sources_overlay_shows_a_reason_the_title_cuts_and_a_note_of_skipped_records() {
    let mut app = loaded_app();
    app.update(Message::Resize(120, 40));
    let reason = "bigpanda (https://bigpanda.cern.ch/tasks/): authentication refused (HTTP 401): \
                  Invalid token.: the token is missing or expired; refresh it (watching \
                  /home/operator/.bigpanda-token)";
    app.update(Message::Source(SourceEvent {
        source: "bigpanda".into(),
        pane: PaneId::Tasks,
        kind: SourceEventKind::Health(SourceHealth::Stale {
            since: at(-120),
            reason: reason.into(),
            retry_at: None,
        }),
    }));
    app.update(Message::Source(SourceEvent {
        source: "bigpanda".into(),
        pane: PaneId::Triage,
        kind: SourceEventKind::Health(SourceHealth::Fresh {
            at: at(-3),
            note: Some("2 of 500 records skipped (record 3: no jeditaskid)".into()),
        }),
    }));
    let before = render_app(&app, 120, 40);
    assert!(
        !before.contains("/home/operator/.bigpanda-token"),
        "{before}"
    );

    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sources");
    key(&mut app, KeyCode::Enter);
    let shown = render_app(&app, 120, 40);
    assert!(shown.contains(" Sources "), "{shown}");
    assert!(
        shown.contains("/home/operator/.bigpanda-token)"),
        "the whole reason, wrapped: {shown}"
    );
    assert!(
        shown.contains(
            "bigpanda ● fresh 11:59:57 · 2 of 500 records skipped (record 3: no jeditaskid)"
        ),
        "{shown}"
    );
    assert!(shown.contains("Metrics"), "{shown}");
    key(&mut app, KeyCode::Esc);
    assert!(!render_app(&app, 120, 40).contains(" Sources "));
}

#[test]
fn the_detail_view_stays_on_its_row_when_data_moves() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.detail_title(PaneId::Tasks), "Task 40000003");

    // New data without that task, in another order: the view does not jump to another task.
    let mut refreshed = tasks();
    refreshed.retain(|t| t.jeditaskid != 40_000_003);
    refreshed.reverse();
    feed(&mut app, PaneId::Tasks, Feed::Tasks(refreshed));
    assert_eq!(app.detail_title(PaneId::Tasks), "Task 40000003");
    let fields = app.details(PaneId::Tasks);
    assert_eq!(fields.len(), 1);
    assert!(fields[0].1.contains("no longer in its source's data"));

    feed(&mut app, PaneId::Tasks, Feed::Tasks(tasks()));
    let fields = app.details(PaneId::Tasks);
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "jeditaskid" && v == "40000003")
    );
}

#[test]
fn pasted_text_is_typed_not_run() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('/'));
    let effects = app.update(Message::Paste("status=running\nq".into()));
    assert!(effects.is_empty());
    assert!(app.input.is_some(), "a pasted newline must not submit");
    assert_eq!(
        app.input.as_ref().map(|i| i.line()),
        Some("status=running q".to_string())
    );
    // Pasting with no input open does nothing at all.
    key(&mut app, KeyCode::Esc);
    assert!(app.update(Message::Paste("q".into())).is_empty());
    assert!(app.input.is_none());
}

#[test]
fn overlays_stop_scrolling_at_their_end_and_scroll_back_at_once() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('?'));
    for _ in 0..200 {
        key(&mut app, KeyCode::Char('j'));
    }
    let Overlay::Help { scroll: deepest } = app.overlay else {
        panic!("help closed")
    };
    key(&mut app, KeyCode::Char('k'));
    let Overlay::Help { scroll } = app.overlay else {
        panic!("help closed")
    };
    assert_eq!(scroll + 1, deepest, "one k scrolls back one line");
    key(&mut app, KeyCode::Char('G'));
    let Overlay::Help { scroll: bottom } = app.overlay else {
        panic!("help closed")
    };
    assert_eq!(bottom, deepest);
    assert!(
        render_app(&app, 120, 40).contains("escape-time"),
        "the last line shows at the end"
    );
}

#[test]
fn history_down_gives_back_what_was_typed() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "tasks");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sor");
    key(&mut app, KeyCode::Down);
    assert_eq!(
        app.input.as_ref().map(|i| i.line()),
        Some("sor".to_string())
    );
    key(&mut app, KeyCode::Up);
    assert_eq!(
        app.input.as_ref().map(|i| i.line()),
        Some("tasks".to_string())
    );
    key(&mut app, KeyCode::Down);
    assert_eq!(
        app.input.as_ref().map(|i| i.line()),
        Some("sor".to_string())
    );
}

#[test]
fn a_status_message_lasts_until_the_next_key() {
    let mut app = loaded_app();
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sort nonsense");
    key(&mut app, KeyCode::Enter);
    assert!(app.status.as_ref().is_some_and(|s| s.is_error));
    key(&mut app, KeyCode::Char('j'));
    assert!(app.status.is_none());
    assert!(render_app(&app, 120, 40).contains("? help"));
}

#[test]
fn keys_do_nothing_but_quit_while_the_terminal_is_too_small() {
    let mut app = loaded_app();
    app.update(Message::Resize(50, 12));
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, PaneId::Alerts);
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(key(&mut app, KeyCode::Char('q')), vec![Effect::Quit]);
}

#[test]
fn triage_groups_carry_a_suggested_classification() {
    let mut app = loaded_app();
    let stage_in = app
        .triage
        .rows()
        .iter()
        .find(|g| g.key() == "pilot:1099")
        .cloned();
    let Some(stage_in) = stage_in else {
        panic!("no stage-in group")
    };
    assert_eq!(stage_in.suggestion.label.error_class, "system");
    assert_eq!(stage_in.suggestion.label.permanence, "transient");
    key(&mut app, KeyCode::Char('3'));
    app.set_filter(PaneId::Triage, "class=sys");
    assert_eq!(app.triage.len(), 1);
    key(&mut app, KeyCode::Enter);
    let fields = app.details(PaneId::Triage);
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "suggested class" && v == "system / transient"),
        "{fields:?}"
    );
}

/// Carries out the effects a key asked for, the way the event loop does, against a real journal.
fn run_effects(
    app: &mut App,
    journal: &mut pandaops::triage::journal::Journal,
    effects: Vec<Effect>,
) {
    for effect in effects {
        match effect {
            Effect::SaveDecision { group_id, entry } => {
                let more = app.update(pandaops::review::append(journal, group_id, entry));
                run_effects(app, journal, more);
            }
            Effect::Suggest { groups, suggester } => {
                app.update(pandaops::app::suggest_now(&groups, &suggester));
            }
            _ => {}
        }
    }
}

#[test]
fn confirmed_and_rejected_groups_are_journaled_and_come_back_after_a_restart() {
    use pandaops::triage::journal::{FailPoint, Journal, Verdict};

    let dir = std::env::temp_dir().join(format!("pandaops-ui-review-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("decisions.jsonl");
    let (mut journal, replay) = Journal::open(&path).unwrap();

    let mut app = loaded_app();
    app.update(pandaops::review::opened(&replay));
    key(&mut app, KeyCode::Char('3'));
    let first = app.triage.selected().map(|g| g.group.id.clone()).unwrap();

    // c confirms: "saving…" until the journal answers, then confirmed.
    let effects = key(&mut app, KeyCode::Char('c'));
    assert_eq!(
        app.triage
            .selected()
            .and_then(|g| g.review.clone())
            .map(|r| r.state),
        Some(pandaops::app::rows::ReviewState::Saving)
    );
    assert!(render_app(&app, 120, 40).contains("saving…"));
    run_effects(&mut app, &mut journal, effects);
    assert!(render_app(&app, 120, 40).contains("✓ conf"));

    // x rejects the next group; a full disk leaves it unsaved, on screen.
    key(&mut app, KeyCode::Char('j'));
    let second = app.triage.selected().map(|g| g.group.id.clone()).unwrap();
    journal.arm_failure(FailPoint::SyncFails);
    let effects = key(&mut app, KeyCode::Char('x'));
    run_effects(&mut app, &mut journal, effects);
    assert!(render_app(&app, 120, 40).contains("UNSAVED"));
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("NOT saved"))
    );
    // Trying again works once the disk is back.
    let effects = key(&mut app, KeyCode::Char('x'));
    run_effects(&mut app, &mut journal, effects);
    assert!(render_app(&app, 120, 40).contains("✗ rej"));
    drop(journal);

    // A new console on the same journal shows both decisions.
    let (_journal, replay) = Journal::open(&path).unwrap();
    assert_eq!(
        replay.decisions[&first].decision.verdict,
        Verdict::Confirmed
    );
    assert_eq!(
        replay.decisions[&second].decision.verdict,
        Verdict::Rejected
    );
    assert_eq!(
        replay.decisions[&first].decision.error_source,
        "pilotErrorCode"
    );
    let mut restarted = loaded_app();
    restarted.update(pandaops::review::opened(&replay));
    let text = render_app(&restarted, 120, 40);
    assert!(text.contains("✓ conf") && text.contains("✗ rej"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_journal_decisions_are_refused_with_the_reason() {
    let mut app = loaded_app();
    app.update(Message::JournalOpened(Err(
        "decisions journal /x is locked by pid 42 on host gw1".into(),
    )));
    key(&mut app, KeyCode::Char('3'));
    assert!(key(&mut app, KeyCode::Char('c')).is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("locked by pid 42 on host gw1"))
    );
    key(&mut app, KeyCode::Char('2'));
    assert!(
        key(&mut app, KeyCode::Char('c')).is_empty(),
        "confirm means nothing in Tasks"
    );
}

// ---------------------------------------------------------------------------------------------
// The review workflow: edit, drafts, bulk apply, undo, queues.

/// Failed jobs whose groups exercise the review: three patterns of pilot 1099 (siblings), a
/// pilot 1098 whose text is much like one of them, and a taskbuffer kill.
fn review_jobs() -> Vec<FailedJob> {
    let mut jobs = Vec::new();
    let mut pandaid = 7_000_000_000u64;
    let mut add = |count: usize, source: ErrorSource, code: i64, diag: &dyn Fn(usize) -> String| {
        for n in 0..count {
            pandaid += 1;
            jobs.push(FailedJob {
                pandaid,
                jeditaskid: 41_000_000 + (n as u64 % 3),
                status: "failed".into(),
                computingsite: ["CERN-PROD", "BNL_PROD"][n % 2].into(),
                produsername: "jdoe".into(),
                modification_time: at(-(n as i64) * 30),
                errors: vec![JobError {
                    source,
                    code,
                    diag: diag(n),
                }],
            });
        }
    };
    add(6, ErrorSource::Pilot, 1099, &|n| {
        format!(
            "Failed to stage-in file:/eos/atlas/f{n}.root timed out after {} s",
            30 + n
        )
    });
    add(4, ErrorSource::Pilot, 1099, &|n| {
        format!(
            "Failed to stage-in file:checksum mismatch on attempt {}",
            n + 1
        )
    });
    add(3, ErrorSource::Pilot, 1099, &|n| {
        format!(
            "Failed to stage-in file:rucio download of data24.f{n}.root failed after {n} attempts"
        )
    });
    add(2, ErrorSource::Pilot, 1098, &|n| {
        format!(
            "Failed to stage-in file:/eos/atlas/g{n}.root timed out after {} s",
            40 + n
        )
    });
    add(1, ErrorSource::TaskBuffer, 100, &|_| {
        "killed by operator".to_string()
    });
    jobs
}

fn review_app() -> (App, pandaops::triage::journal::Journal, std::path::PathBuf) {
    use pandaops::triage::journal::Journal;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pandaops-ui-flow-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("decisions.jsonl");
    let (journal, replay) = Journal::open(&path).unwrap();
    let mut app = app();
    app.operator = "op@gw1".into();
    app.update(Message::Resize(140, 40));
    feed(&mut app, PaneId::Triage, Feed::FailedJobs(review_jobs()));
    app.update(pandaops::review::opened(&replay));
    key(&mut app, KeyCode::Char('3'));
    (app, journal, path)
}

fn ctrl(app: &mut App, ch: char) -> Vec<Effect> {
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char(ch),
        KeyModifiers::CONTROL,
    )))
}

/// Selects the group whose pattern contains `text`.
fn select_group(app: &mut App, text: &str) -> String {
    key(app, KeyCode::Char('g'));
    for _ in 0..app.triage.len() {
        if let Some(row) = app.triage.selected()
            && row.group.pattern.contains(text)
        {
            return row.group.id.clone();
        }
        key(app, KeyCode::Char('j'));
    }
    panic!("no group with {text:?}")
}

/// Clears the focused text field of the edit form (ctrl-a, ctrl-k: head, kill to end).
fn clear_field(app: &mut App) {
    ctrl(app, 'a');
    ctrl(app, 'k');
}

#[test]
fn the_edit_form_checks_the_regex_live_and_saves_an_edited_decision() {
    use pandaops::triage::journal::{ErrorClass, Journal, Permanence, RetryAction, Verdict};

    let (mut app, mut journal, path) = review_app();
    let id = select_group(&mut app, "timed out");
    key(&mut app, KeyCode::Char('e'));
    let form = app.edit.as_ref().expect("e opens the form");
    assert_eq!(form.origin, "suggestion");
    assert_eq!(form.members.len(), 6);
    // Two sibling groups of pilot:1099 with 4 and 3 distinct diagnostics.
    assert_eq!((form.sibling_groups, form.siblings.len()), (2, 7));
    let generated = form.check.clone().expect("the generated regex compiles");
    assert_eq!(
        (
            generated.matched_members,
            generated.total_members,
            generated.matched_siblings
        ),
        (6, 6, 0)
    );
    insta::assert_snapshot!(render_app(&app, 140, 40));

    // Class user, permanence permanent, retry limit_retry with 2 attempts.
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    typed(&mut app, "2");
    key(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    typed(&mut app, "stage-in timeouts at EOS");
    key(&mut app, KeyCode::Tab);

    // A regex that matches everything of pilot:1099 says so; one that does not compile says why.
    clear_field(&mut app);
    typed(&mut app, "Failed to stage-in");
    let check = app.edit.as_ref().unwrap().check.clone().unwrap();
    assert_eq!((check.matched_members, check.matched_siblings), (6, 7));
    assert!(
        render_app(&app, 140, 40)
            .contains("! matches 6/6 of this group · 7/7 of 2 sibling group(s)")
    );
    typed(&mut app, " (");
    assert!(app.edit.as_ref().unwrap().check.is_err());
    assert!(render_app(&app, 140, 40).contains("✗ the regex does not compile"));
    assert!(
        ctrl(&mut app, 's').is_empty(),
        "a broken regex is not saved"
    );
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("does not compile"))
    );
    assert!(app.edit.is_some(), "the form stays open with the edit");

    clear_field(&mut app);
    typed(&mut app, r"Failed to stage-in file:\S+ timed out");
    let check = app.edit.as_ref().unwrap().check.clone().unwrap();
    assert_eq!((check.matched_members, check.matched_siblings), (6, 0));
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "EOS was slow that week");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "see ticket 42");

    let effects = ctrl(&mut app, 's');
    assert!(app.edit.is_none());
    assert_eq!(effects.len(), 1);
    run_effects(&mut app, &mut journal, effects);
    assert!(render_app(&app, 140, 40).contains("✎ edited"));
    drop(journal);

    let (_journal, replay) = Journal::open(&path).unwrap();
    let saved = &replay.decisions[&id].decision;
    assert_eq!(saved.verdict, Verdict::Edited);
    assert_eq!(saved.error_class, ErrorClass::User);
    assert_eq!(saved.permanence, Permanence::Permanent);
    assert_eq!(
        saved.retry_action,
        Some(RetryAction::LimitRetry { max_attempt: 2 })
    );
    assert_eq!(saved.description, "stage-in timeouts at EOS");
    assert_eq!(saved.diag_regex, r"Failed to stage-in file:\S+ timed out");
    assert_eq!(saved.note, "EOS was slow that week\nsee ticket 42");
    assert_eq!(saved.operator, "op@gw1");
    assert_eq!(
        (saved.error_source.as_str(), saved.error_code),
        ("pilotErrorCode", 1099)
    );

    // Reopened after a restart, the form starts from the saved decision.
    let mut restarted = review_app().0;
    restarted.update(pandaops::review::opened(&replay));
    select_group(&mut restarted, "timed out");
    key(&mut restarted, KeyCode::Char('e'));
    let form = restarted.edit.as_ref().unwrap();
    assert!(
        form.origin.starts_with("edited decision of"),
        "{}",
        form.origin
    );
    assert_eq!(form.regex_text(), r"Failed to stage-in file:\S+ timed out");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn an_edit_left_open_is_kept_as_a_draft_until_discarded() {
    use pandaops::triage::journal::{ErrorClass, Journal};

    let (mut app, mut journal, path) = review_app();
    let id = select_group(&mut app, "checksum");
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Right); // class: user
    // The clock writes the draft of an open form, so a crash keeps the edit.
    let effects = app.update(Message::Tick(at(3)));
    assert_eq!(effects.len(), 1, "{effects:?}");
    run_effects(&mut app, &mut journal, effects);
    assert!(
        app.update(Message::Tick(at(6))).is_empty(),
        "nothing new to write"
    );

    // Esc closes the form; the change since the last write goes to the draft.
    key(&mut app, KeyCode::Right); // class: unknown
    let effects = key(&mut app, KeyCode::Esc);
    assert!(app.edit.is_none());
    run_effects(&mut app, &mut journal, effects);
    assert!(render_app(&app, 140, 40).contains("✎ draft"));
    drop(journal);

    // After a restart the draft is there and the form reopens from it.
    let (mut journal, replay) = Journal::open(&path).unwrap();
    assert_eq!(replay.drafts[&id].error_class, ErrorClass::Unknown);
    let mut app = review_app().0;
    app.update(pandaops::review::opened(&replay));
    select_group(&mut app, "checksum");
    key(&mut app, KeyCode::Char('v'));
    key(&mut app, KeyCode::Char('v'));
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(app.queue, pandaops::app::Queue::Drafts);
    assert_eq!(app.triage.len(), 1);
    key(&mut app, KeyCode::Char('e'));
    assert_eq!(app.edit.as_ref().unwrap().class, ErrorClass::Unknown);
    assert!(app.edit.as_ref().unwrap().origin.starts_with("draft of"));
    key(&mut app, KeyCode::Esc);

    // D asks before discarding; n keeps it, y discards it.
    key(&mut app, KeyCode::Char('D'));
    assert!(app.dialog.is_some());
    key(&mut app, KeyCode::Char('n'));
    assert!(app.dialog.is_none() && app.drafts.contains_key(&id));
    key(&mut app, KeyCode::Char('D'));
    let effects = key(&mut app, KeyCode::Char('y'));
    run_effects(&mut app, &mut journal, effects);
    assert!(app.drafts.is_empty());
    drop(journal);
    let (_journal, replay) = Journal::open(&path).unwrap();
    assert!(replay.drafts.is_empty());
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_refresh_does_not_touch_an_edit_in_progress() {
    let (mut app, _journal, path) = review_app();
    let id = select_group(&mut app, "rucio download");
    key(&mut app, KeyCode::Char('e'));
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    assert_eq!(
        app.edit.as_ref().unwrap().focus,
        pandaops::app::edit::Field::Description
    );
    ctrl(&mut app, 'e');
    typed(&mut app, " typed before the refresh");
    // New failed jobs arrive and are grouped again, some groups gone, others new.
    let mut jobs = review_jobs();
    jobs.retain(|job| job.errors[0].code != 100);
    feed(&mut app, PaneId::Triage, Feed::FailedJobs(jobs));
    let form = app.edit.as_ref().unwrap();
    assert_eq!(form.group_id, id);
    assert!(
        form.description.lines()[0].ends_with("typed before the refresh"),
        "{:?}",
        form.description.lines()
    );
    assert_eq!(app.triage.selected().map(|r| r.group.id.clone()), Some(id));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn bulk_apply_shows_the_groups_first_and_one_undo_takes_the_whole_bulk_back() {
    use pandaops::triage::journal::{Journal, Verdict};

    let (mut app, mut journal, path) = review_app();
    let source = select_group(&mut app, "timed out");
    // Bulk apply needs a decision to apply.
    assert!(key(&mut app, KeyCode::Char('b')).is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("decide it first"))
    );
    let effects = key(&mut app, KeyCode::Char('c'));
    run_effects(&mut app, &mut journal, effects);

    key(&mut app, KeyCode::Char('b'));
    let Some(pandaops::app::Dialog::Bulk { candidates, .. }) = app.dialog.clone() else {
        panic!("b opens the bulk dialog")
    };
    // Both siblings of pilot:1099 (same code), then pilot:1098 for its near-identical text.
    let offered: Vec<(String, String)> = candidates
        .iter()
        .map(|c| (c.key.clone(), c.why.clone()))
        .collect();
    assert_eq!(offered.len(), 3, "{offered:?}");
    assert_eq!(
        offered[0],
        ("pilot:1099".to_string(), "same code".to_string())
    );
    assert_eq!(
        offered[1],
        ("pilot:1099".to_string(), "same code".to_string())
    );
    assert_eq!(offered[2].0, "pilot:1098");
    assert!(offered[2].1.starts_with("similar text"), "{offered:?}");
    insta::assert_snapshot!(render_app(&app, 140, 40));

    // Leave out the second; the keys behind the dialog do nothing meanwhile.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.focus, PaneId::Triage);
    let effects = key(&mut app, KeyCode::Char('y'));
    assert_eq!(effects.len(), 2);
    run_effects(&mut app, &mut journal, effects);
    let decided: Vec<_> = app
        .reviews
        .values()
        .filter(|r| r.decision.batch.is_some())
        .collect();
    assert_eq!(decided.len(), 2);
    assert!(
        decided
            .iter()
            .all(|r| r.decision.verdict == Verdict::Confirmed && r.decision.note.contains(&source))
    );
    // Each got its own regex, which matches its own group only.
    assert_ne!(
        decided[0].decision.diag_regex,
        decided[1].decision.diag_regex
    );

    // One undo takes back the bulk (both), not the decision it copied.
    key(&mut app, KeyCode::Char('u'));
    let Some(pandaops::app::Dialog::Undo { targets, .. }) = app.dialog.clone() else {
        panic!("u asks first")
    };
    assert_eq!(targets.len(), 2);
    let effects = key(&mut app, KeyCode::Char('y'));
    run_effects(&mut app, &mut journal, effects);
    assert_eq!(app.reviews.len(), 1);
    assert!(app.reviews.contains_key(&source));

    // The next undo takes back the first decision; then there is nothing left to undo.
    key(&mut app, KeyCode::Char('u'));
    let effects = key(&mut app, KeyCode::Char('y'));
    run_effects(&mut app, &mut journal, effects);
    assert!(app.reviews.is_empty());
    assert!(key(&mut app, KeyCode::Char('u')).is_empty());
    assert!(app.dialog.is_none());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("nothing to undo"))
    );
    drop(journal);
    let (_journal, replay) = Journal::open(&path).unwrap();
    assert!(replay.decisions.is_empty());
    assert_eq!(
        replay.history.len(),
        6,
        "3 decisions and 3 undos stay in the journal"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn the_queues_split_the_groups_by_review_state() {
    use pandaops::app::Queue;

    let (mut app, mut journal, path) = review_app();
    let total = app.triage.total();
    assert_eq!(total, 5);
    select_group(&mut app, "timed out");
    let effects = key(&mut app, KeyCode::Char('c'));
    run_effects(&mut app, &mut journal, effects);
    select_group(&mut app, "killed by");
    let effects = key(&mut app, KeyCode::Char('x'));
    run_effects(&mut app, &mut journal, effects);

    let mut seen = Vec::new();
    for _ in 0..6 {
        key(&mut app, KeyCode::Char('v'));
        seen.push((app.queue, app.triage.len()));
    }
    let suggested = app
        .triage
        .rows()
        .iter()
        .filter(|r| r.review.is_none() && r.suggestion.is_confident())
        .count();
    assert_eq!(
        seen,
        vec![
            (Queue::Unreviewed, 3),
            (Queue::Suggested, suggested),
            (Queue::Drafts, 0),
            (Queue::Confirmed, 1),
            (Queue::Rejected, 1),
            (Queue::All, 5),
        ]
    );
    // :queue names one directly, and the title says which.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "queue rejected");
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.queue, app.triage.len()), (Queue::Rejected, 1));
    assert!(render_app(&app, 140, 40).contains("queue rejected"));
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "queue nonsense");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("queues: all"))
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn groups_a_database_rule_covers_are_not_suggested_again() {
    use pandaops::app::Queue;
    use pandaops::triage::rules::{KnownRule, RuleSet};

    let (mut app, mut journal, path) = review_app();
    let rule = |code: i64, regex: &str, class: &str| KnownRule {
        id: Some(1_000_042),
        error_source: "pilotErrorCode".into(),
        error_code: code,
        diag_regex: regex.into(),
        description: "checksum".into(),
        error_class: class.into(),
        active: true,
        retry_action: None,
        parameters: String::new(),
    };
    let rules = RuleSet::from_rules([
        rule(1099, "Failed to stage-in file:checksum mismatch", "system"),
        // Matches one of the three rucio diagnostics (attempt counts 0, 1, 2).
        rule(
            1099,
            r"Failed to stage-in file:rucio download of \S+ failed after 1 ",
            "user",
        ),
        // Another code: covers nothing here.
        rule(1098, "Failed to stage-in file:checksum", "user"),
    ]);
    app.update(Message::KnownRules(Ok(std::sync::Arc::new(rules))));

    let checksum = select_group(&mut app, "checksum");
    let row = app.triage.selected().unwrap().clone();
    let known = row
        .known
        .clone()
        .expect("the checksum rule covers the group");
    assert_eq!(
        (known.matched, known.of, known.rule.id),
        (4, 4, Some(1_000_042))
    );
    let text = render_app(&app, 140, 40);
    let line = text
        .lines()
        .find(|l| l.contains("in db"))
        .unwrap_or_default();
    assert!(line.contains("db system"), "{text}");
    // Confirming it again is refused with the rule named.
    assert!(key(&mut app, KeyCode::Char('c')).is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("rule 1000042"))
    );

    select_group(&mut app, "rucio download");
    let partial = app.triage.selected().unwrap().known.clone().unwrap();
    assert_eq!((partial.matched, partial.of), (1, 3));
    assert!(render_app(&app, 140, 40).contains("db 1/3"));

    // The queues: known groups are not waiting for review; bulk apply passes them by.
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char(':'),
        KeyModifiers::NONE,
    )));
    typed(&mut app, "queue known");
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.queue, app.triage.len()), (Queue::Known, 1));
    app.set_queue(Queue::Unreviewed);
    assert_eq!(app.triage.len(), 4);
    app.set_queue(Queue::All);
    select_group(&mut app, "timed out");
    let effects = key(&mut app, KeyCode::Char('c'));
    run_effects(&mut app, &mut journal, effects);
    key(&mut app, KeyCode::Char('b'));
    let Some(pandaops::app::Dialog::Bulk { candidates, .. }) = app.dialog.clone() else {
        panic!("b opens the bulk dialog")
    };
    assert!(candidates.iter().all(|c| c.decision.group_id != checksum));
    assert_eq!(candidates.len(), 2);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// The cells of one frame, for looking at styles.
fn frame_buffer(app: &App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .expect("a test terminal");
    terminal
        .draw(|frame| pandaops::ui::draw(frame, app))
        .expect("a frame");
    terminal.backend().buffer().clone()
}

/// Where the edit form draws its cursor: the one reversed cell right of the field labels.
fn drawn_cursor(buffer: &ratatui::buffer::Buffer, row_text: &str) -> Option<(u16, u16)> {
    use ratatui::style::Modifier;
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let line: String = (area.left()..area.right())
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        if !line.contains(row_text) {
            continue;
        }
        for x in area.left()..area.right() {
            if buffer[(x, y)].modifier.contains(Modifier::REVERSED) {
                return Some((x, y));
            }
        }
    }
    None
}

// B09: the textarea's cursor after wide and combining characters.
#[test]
fn the_note_cursor_stays_on_the_right_cell_after_wide_characters() {
    let (mut app, _journal, path) = review_app();
    select_group(&mut app, "timed out");
    key(&mut app, KeyCode::Char('e'));
    for _ in 0..5 {
        key(&mut app, KeyCode::Tab);
    }
    assert_eq!(
        app.edit.as_ref().unwrap().focus,
        pandaops::app::edit::Field::Note
    );
    typed(&mut app, "确认 ok");
    for _ in 0..3 {
        key(&mut app, KeyCode::Left);
    }
    typed(&mut app, "X");
    assert_eq!(app.edit.as_ref().unwrap().note.lines(), ["确认X ok"]);
    let buffer = frame_buffer(&app, 140, 40);
    let (x, y) = drawn_cursor(&buffer, "note").expect("a cursor cell on the note line");
    // The note's text starts after the 20-cell label column; 确认 takes 4 cells and X one, so the
    // cursor (on the space after X) is the 6th cell of the field.
    let label_end = (buffer.area.left()..buffer.area.right())
        .find(|&cx| buffer[(cx, y)].symbol() == "确")
        .expect("the note text on screen");
    assert_eq!(x, label_end + 5);

    // A description far wider than its field scrolls; nothing is drawn past the form's border.
    for _ in 0..2 {
        key(&mut app, KeyCode::BackTab);
    }
    assert_eq!(
        app.edit.as_ref().unwrap().focus,
        pandaops::app::edit::Field::Description
    );
    app.update(Message::Paste("界".repeat(120)));
    let buffer = frame_buffer(&app, 80, 24);
    let text = pandaops::snapshot::buffer_text(&buffer);
    for line in text.lines().filter(|l| l.contains('界')) {
        assert!(line.contains('║'), "{line}");
        let inside = line.split('║').nth(1).unwrap_or_default();
        assert!(pandaops::ui::text::width(inside) <= 78, "{line}");
    }
    assert!(drawn_cursor(&buffer, "description").is_some(), "{text}");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn suggestions_are_worked_out_again_off_the_ui_task_after_a_decision() {
    let (mut app, mut journal, path) = review_app();
    let id = select_group(&mut app, "checksum");
    let before = app.triage.selected().unwrap().suggestion.clone();
    assert!(
        !before.because.iter().any(|b| b.starts_with("decided")),
        "{before:?}"
    );
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Right); // user
    let effects = ctrl(&mut app, 's');
    // Saving answers with the journal's state; learning from it asks for new suggestions, which
    // the event loop works out off the UI task (run_effects does it here).
    run_effects(&mut app, &mut journal, effects);
    let row = app.triage.rows().iter().find(|r| r.group.id == id).unwrap();
    assert_eq!(row.suggestion.label.error_class, "user");
    assert!(
        row.suggestion.because[0].starts_with("decided"),
        "{:?}",
        row.suggestion.because
    );
    // A sibling now names the decision among its similar groups.
    let sibling = app
        .triage
        .rows()
        .iter()
        .find(|r| r.group.pattern.contains("rucio download"))
        .unwrap();
    assert!(
        sibling
            .suggestion
            .because
            .iter()
            .any(|b| b.starts_with("similar: pilot:1099")),
        "{:?}",
        sibling.suggestion.because
    );

    // Undoing it makes the suggester forget it.
    key(&mut app, KeyCode::Char('u'));
    let effects = key(&mut app, KeyCode::Char('y'));
    run_effects(&mut app, &mut journal, effects);
    let row = app.triage.rows().iter().find(|r| r.group.id == id).unwrap();
    assert!(
        !row.suggestion
            .because
            .iter()
            .any(|b| b.starts_with("decided")),
        "{row:?}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

// ---------------------------------------------------------------------------------------------
// Resource predictions in the Tasks pane.

#[test]
fn tasks_show_predicted_bands_and_mark_defined_values_outside_them() {
    use pandaops::app::{ModelEvent, ModelInfo, ModelStatus};
    use pandaops::predict::{self, TrainOptions};

    let options = TrainOptions {
        n_trees: 6,
        min_samples_leaf: 10,
        ..TrainOptions::default()
    };
    let (predictor, report) = predict::train_demo_with(3, 800, &options, &mut |_| {}).unwrap();
    let predictor = std::sync::Arc::new(predictor);

    let mut app = loaded_app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('z'));
    // Until the model answers, the title says what it is doing and the rows have no prediction.
    app.update(Message::Model(ModelEvent::Progress(
        "training on the demo: fit 40%".into(),
    )));
    assert!(render_app(&app, 160, 30).contains("… training on the demo: fit 40%"));
    let effects = app.update(Message::Model(ModelEvent::Ready(Ok((
        std::sync::Arc::clone(&predictor),
        ModelInfo {
            source: report.source.clone(),
            trained_at: report.trained_at.clone(),
            simulated: report.trained_on_simulated_data(),
            note: None,
        },
    )))));
    assert!(matches!(app.model, ModelStatus::Ready(ref info) if info.simulated));
    let [
        Effect::Predict {
            generation,
            tasks,
            predictor: shared,
        },
    ] = effects.as_slice()
    else {
        panic!("a ready model predicts the tasks: {effects:?}")
    };
    assert_eq!(tasks.len(), 4);
    app.update(pandaops::app::predict_now(*generation, tasks, shared));

    // Each row's band is the model's own prediction for that task.
    for row in app.tasks.rows() {
        let expected = predictor.predict(&row.task);
        assert_eq!(row.prediction.as_deref(), Some(&expected));
    }
    // The risk marks say which defined values lie outside the band, and on which side.
    let row = app
        .tasks
        .rows()
        .iter()
        .find(|r| r.jeditaskid == 40_000_002)
        .unwrap();
    let ram = row
        .prediction
        .as_ref()
        .unwrap()
        .ramcount_mb_per_core
        .clone()
        .unwrap();
    let (marks, score) = row.risk().expect("defined values to compare");
    let expected_ram = if 3500.0 > ram.high {
        Some("RAM▲")
    } else if 3500.0 < ram.low {
        Some("RAM▼")
    } else {
        None
    };
    assert_eq!(
        marks.iter().any(|m| m.starts_with("RAM")),
        expected_ram.is_some()
    );
    if let Some(mark) = expected_ram {
        assert!(marks.contains(&mark.to_string()), "{marks:?} {ram:?}");
        assert!(score > 0.0);
    }
    let text = render_app(&app, 160, 30);
    assert!(text.contains("model: simulated data"), "{text}");
    assert!(
        text.contains(&format!("{:.0}–{:.0}", ram.low, ram.high)),
        "{text}"
    );

    // A task that asks for far less memory than predicted sorts first by risk.
    let mut risky = tasks.as_ref().clone();
    risky[0].ramcount_mb_per_core = Some(10.0);
    feed(&mut app, PaneId::Tasks, Feed::Tasks(risky.clone()));
    let effects = app.update(Message::Tick(at(1)));
    assert!(effects.is_empty());
    app.update(pandaops::app::predict_now(*generation + 1, &risky, shared));
    app.sort_pane(PaneId::Tasks, "risk", Some(true));
    let first = app.tasks.visible().next().map(|(_, r)| r.clone()).unwrap();
    assert_eq!(first.jeditaskid, risky[0].jeditaskid);
    assert!(first.risk().unwrap().0.contains(&"RAM▼".to_string()));

    // The detail view explains the prediction: bands, the model's origin, similar tasks, features.
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Enter);
    let fields = app.details(PaneId::Tasks);
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(
        value("predicted RAMCOUNT").contains("MB/core (band"),
        "{fields:?}"
    );
    assert_eq!(
        value("prediction"),
        "from a model trained on simulated data (the demo)"
    );
    assert_eq!(
        fields
            .iter()
            .filter(|(k, _)| k.starts_with("like task"))
            .count(),
        5
    );
    assert!(value("features used").contains('='), "{fields:?}");
}

#[test]
fn the_review_guards_what_an_operator_would_lose_or_panda_would_ignore() {
    use pandaops::triage::journal::FailPoint;
    use pandaops::triage::rules::{KnownRule, RuleSet};

    let (mut app, mut journal, path) = review_app();
    // A regex PanDA's Python cannot compile is refused in the form, with the reason.
    select_group(&mut app, "timed out");
    key(&mut app, KeyCode::Char('e'));
    for _ in 0..4 {
        key(&mut app, KeyCode::Tab);
    }
    clear_field(&mut app);
    typed(&mut app, r"\pL+ to stage-in");
    let check = app.edit.as_ref().unwrap().check.clone();
    assert!(
        check
            .as_ref()
            .is_err_and(|why| why.contains("PanDA's Python")),
        "{check:?}"
    );
    assert!(ctrl(&mut app, 's').is_empty());
    // So is a stray parenthesis that only the matcher's own group would have closed.
    clear_field(&mut app);
    typed(&mut app, "Failed to stage-in)|(?:x");
    let check = app.edit.as_ref().unwrap().check.clone();
    assert!(
        check
            .as_ref()
            .is_err_and(|why| why.contains("does not compile")),
        "{check:?}"
    );
    // Esc keeps the edit as a draft; c and x then refuse to decide over it.
    let effects = key(&mut app, KeyCode::Esc);
    run_effects(&mut app, &mut journal, effects);
    assert!(key(&mut app, KeyCode::Char('c')).is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("has a draft"))
    );
    assert!(app.reviews.is_empty());

    // An inactive database rule only logs in PanDA: the group stays to be reviewed.
    app.update(Message::KnownRules(Ok(std::sync::Arc::new(
        RuleSet::from_rules([KnownRule {
            id: None,
            error_source: "pilotErrorCode".into(),
            error_code: 1099,
            diag_regex: "Failed to stage-in file:checksum".into(),
            description: String::new(),
            error_class: "system".into(),
            active: false,
            retry_action: None,
            parameters: String::new(),
        }]),
    ))));
    select_group(&mut app, "checksum");
    let row = app.triage.selected().unwrap().clone();
    assert!(
        row.known
            .as_ref()
            .is_some_and(|k| k.covers_all() && !k.settled())
    );
    assert!(row.queues().contains("unreviewed"), "{}", row.queues());

    // A decision the journal refused makes quit ask first.
    journal.arm_failure(FailPoint::SyncFails);
    let effects = key(&mut app, KeyCode::Char('c'));
    run_effects(&mut app, &mut journal, effects);
    assert!(key(&mut app, KeyCode::Char('q')).is_empty());
    assert!(matches!(
        app.dialog,
        Some(pandaops::app::Dialog::Quit { unsaved: 1, .. })
    ));
    assert!(render_app(&app, 140, 40).contains("NOT saved"));
    key(&mut app, KeyCode::Char('n'));
    assert!(app.dialog.is_none());
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(key(&mut app, KeyCode::Char('y')), vec![Effect::Quit]);

    // Escape sequences pasted into the filter go whole.
    app.dialog = None;
    key(&mut app, KeyCode::Char('/'));
    app.update(Message::Paste("AB\u{1b}[31mRED\u{1b}]0;title\u{7}X".into()));
    assert_eq!(
        app.input.as_ref().map(|i| i.line()),
        Some("ABREDX".to_string())
    );
    key(&mut app, KeyCode::Esc);

    // An empty queue says so, rather than that there are no failed jobs.
    app.dialog = None;
    app.set_queue(pandaops::app::Queue::Known);
    let text = render_app(&app, 140, 40);
    assert!(text.contains("none in queue known"), "{text}");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

// ---------------------------------------------------------------------------------------------
// Silences

fn from_alertmanager(app: &mut App, source: &str, feed: Feed) -> Vec<Effect> {
    app.update(Message::Source(SourceEvent {
        source: source.into(),
        pane: PaneId::Alerts,
        kind: SourceEventKind::Data(feed),
    }))
}

fn matcher(name: &str, value: &str) -> pandaops::domain::Matcher {
    pandaops::domain::Matcher {
        name: name.into(),
        value: value.into(),
        is_regex: false,
        is_equal: true,
    }
}

fn silences() -> Vec<pandaops::domain::Silence> {
    use pandaops::domain::{Silence, SilenceState};
    vec![
        Silence {
            id: "5d1c9a20-7f3e-4b6a-9c1d-2e8f4a6b0c11".into(),
            matchers: vec![matcher("alertname", "DBSessionsHigh")],
            created_by: "ops".into(),
            comment: "ADCR patch intervention\nsessions alerts expected".into(),
            starts_at: at(-1200),
            ends_at: at(7200),
            state: SilenceState::Active,
        },
        Silence {
            id: "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d".into(),
            matchers: vec![matcher("instance", "aipanda099.cern.ch")],
            created_by: "tmaier".into(),
            comment: "drained".into(),
            starts_at: at(-7200),
            ends_at: at(-600),
            state: SilenceState::Expired,
        },
    ]
}

/// The alerts and silences of one Alertmanager, `am`, as its poller sends them.
fn silence_app() -> App {
    let mut app = app();
    app.operator = "jdoe@gw1".into();
    app.update(Message::Resize(120, 40));
    let alerts = alerts()
        .into_iter()
        .map(|mut alert| {
            if matches!(alert.state, AlertState::Silenced(_)) {
                alert.state = AlertState::Silenced(vec![silences()[0].id.clone()]);
            }
            alert
        })
        .collect();
    from_alertmanager(&mut app, "am", Feed::Alerts(alerts));
    from_alertmanager(&mut app, "am", Feed::Silences(silences()));
    app
}

fn select_alert(app: &mut App, name: &str) {
    key(app, KeyCode::Char('g'));
    for _ in 0..app.alerts.len() {
        if app
            .alerts
            .selected()
            .is_some_and(|alert| alert.name == name)
        {
            return;
        }
        key(app, KeyCode::Char('j'));
    }
    panic!("no alert {name}")
}

fn status(app: &App) -> (String, bool) {
    let message = app.status.as_ref().expect("a status message");
    (message.text.clone(), message.is_error)
}

#[test]
fn a_silence_from_the_selected_alert_is_asked_for_then_sent_to_its_alertmanager() {
    use pandaops::sources::alertmanager::NewSilence;

    let mut app = silence_app();
    select_alert(&mut app, "PandaServerDown");
    assert!(key(&mut app, KeyCode::Char('n')).is_empty());
    let form = app.silence_form.as_ref().expect("n opens the silence form");
    let prefilled: Vec<String> = form
        .matchers
        .iter()
        .map(|row| row.matcher().to_string())
        .collect();
    assert_eq!(
        prefilled,
        vec![
            r#"alertname="PandaServerDown""#,
            r#"instance="aipanda012.cern.ch""#
        ]
    );
    assert_eq!(form.alertmanager, "am");
    assert_eq!(
        form.check,
        Err("the comment is empty: say why these alerts are silenced".to_string())
    );
    insta::assert_snapshot!("silence_form", render_app(&app, 120, 40));

    // Incomplete, it is not sent: the reason shows and the form stays.
    assert!(ctrl(&mut app, 's').is_empty());
    assert_eq!(
        status(&app),
        (
            "not sent: the comment is empty: say why these alerts are silenced".to_string(),
            true
        )
    );
    assert!(app.dialog.is_none());

    typed(&mut app, "panda-server restarted for the upgrade");
    assert!(ctrl(&mut app, 's').is_empty());
    assert!(matches!(
        app.dialog,
        Some(pandaops::app::Dialog::NewSilence { .. })
    ));
    insta::assert_snapshot!("silence_dialog", render_app(&app, 120, 40));

    // No goes back to the form as it was; a shorter duration shows its end at once.
    assert!(key(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.dialog.is_none());
    assert_eq!(
        status(&app),
        ("not sent: back to the silence form".to_string(), false)
    );
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    clear_field(&mut app);
    typed(&mut app, "30m");
    assert_eq!(
        app.silence_form.as_ref().map(|form| form.check.clone()),
        Some(Ok(
            "until 2026-12-03 12:30:00 UTC (30m) · matches 1 of the 4 alert(s) of am shown now"
                .to_string()
        ))
    );

    ctrl(&mut app, 's');
    let effects = key(&mut app, KeyCode::Char('y'));
    assert_eq!(
        effects,
        vec![Effect::CreateSilence {
            alertmanager: "am".into(),
            silence: NewSilence {
                matchers: vec![
                    matcher("alertname", "PandaServerDown"),
                    matcher("instance", "aipanda012.cern.ch"),
                ],
                starts_at: at(0),
                ends_at: at(1800),
                created_by: "jdoe".into(),
                comment: "panda-server restarted for the upgrade".into(),
            },
        }]
    );
    assert!(app.silence_form.is_none() && app.dialog.is_none());
    assert_eq!(
        status(&app),
        ("sending the silence to am…".to_string(), false)
    );

    // The id comes back; the pane asks its source again.
    let effects = app.update(Message::SilenceCreated {
        alertmanager: "am".into(),
        result: Ok("8b3c5f0e-1d2a-4c3b-9e8f-7a6b5c4d3e2f".into()),
    });
    assert_eq!(effects, vec![Effect::Refresh(PaneId::Alerts)]);
    assert_eq!(
        status(&app),
        (
            "silence 8b3c5f0e-1d2a-4c3b-9e8f-7a6b5c4d3e2f created on am".to_string(),
            false
        )
    );
}

#[test]
fn a_refused_silence_says_why_in_one_line_and_the_form_comes_back_as_it_was() {
    let mut app = silence_app();
    select_alert(&mut app, "PandaServerDown");
    key(&mut app, KeyCode::Char('n'));
    // Pasted text keeps its lines in the comment, without its escape sequences.
    app.update(Message::Paste(
        "upgrade\r\n\u{1b}[31mticket\u{1b}[0m 42".into(),
    ));
    ctrl(&mut app, 's');
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(effects.len(), 1);

    let effects = app.update(Message::SilenceCreated {
        alertmanager: "am".into(),
        result: Err(
            "am (http://am.example/api/v2/silences): HTTP 400: silence invalid:\n\u{1b}[2Jend \
             time can't be in the past"
                .into(),
        ),
    });
    assert!(effects.is_empty());
    assert_eq!(
        status(&app),
        (
            "silence NOT created on am: am (http://am.example/api/v2/silences): HTTP 400: \
             silence invalid: end time can't be in the past; n on the alert reopens the form"
                .to_string(),
            true
        )
    );
    assert!(!render_app(&app, 120, 40).contains('\u{1b}'));

    key(&mut app, KeyCode::Char('n'));
    let form = app.silence_form.as_ref().expect("n reopens the form");
    assert_eq!(form.comment.lines(), ["upgrade", "ticket 42"]);
    assert_eq!(
        status(&app),
        ("the silence form as you left it".to_string(), false)
    );

    // Closed without sending, it is kept for this alert only.
    key(&mut app, KeyCode::Esc);
    assert!(app.silence_form.is_none());
    assert_eq!(
        status(&app),
        (
            "silence form closed, nothing sent; n on the alert reopens it".to_string(),
            false
        )
    );
    select_alert(&mut app, "CertificateExpiring");
    key(&mut app, KeyCode::Char('n'));
    let form = app.silence_form.as_ref().expect("a new form");
    assert_eq!(form.comment.lines(), [""]);
    assert_eq!(form.alert_name, "CertificateExpiring");
}

#[test]
fn a_silence_from_an_alert_with_control_characters_matches_that_alert() {
    use pandaops::app::silence::SilenceField;

    let mut app = silence_app();
    let raw = "Weird\u{1b}]0;x\u{7}";
    let mut alerts = alerts();
    alerts.push(alert(
        "a5",
        raw,
        Severity::Critical,
        AlertState::Active,
        "a name with an OSC sequence",
    ));
    from_alertmanager(&mut app, "am", Feed::Alerts(alerts));
    select_alert(&mut app, raw);
    key(&mut app, KeyCode::Char('n'));
    typed(&mut app, "testing");

    // Shown made visible, sent as the alert has it, so the silence matches the alert.
    let form = app.silence_form.as_ref().expect("n opens the silence form");
    assert_eq!(form.matchers[0].value.lines(), ["Weird␛]0;x\u{fffd}"]);
    assert_eq!(form.matchers[0].matcher(), matcher("alertname", raw));
    assert_eq!(
        form.check,
        Ok(
            "until 2026-12-03 14:00:00 UTC (2h) · matches 1 of the 5 alert(s) of am shown now"
                .to_string()
        )
    );
    let screen = render_app(&app, 120, 40);
    assert!(screen.contains("Weird␛]0;x\u{fffd}"), "{screen}");
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));

    // Edited to the text without its control characters, it matches nothing it came from: the
    // check warns, and so does the question before sending.
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    assert_eq!(
        app.silence_form.as_ref().map(|form| form.focus),
        Some(SilenceField::Value(0))
    );
    clear_field(&mut app);
    typed(&mut app, "Weird");
    let form = app.silence_form.as_ref().expect("the form stays");
    assert_eq!(form.matchers[0].matcher(), matcher("alertname", "Weird"));
    assert_eq!(
        form.check,
        Err(format!(
            "it does not match {raw}, the alert it was made from · until 2026-12-03 14:00:00 UTC \
             (2h) · matches 0 of the 5 alert(s) of am shown now"
        ))
    );
    assert!(
        render_app(&app, 120, 40).contains("✗ it does not match Weird␛]0;x\u{fffd}, the alert")
    );
    ctrl(&mut app, 's');
    let Some(pandaops::app::Dialog::NewSilence { lines, .. }) = &app.dialog else {
        panic!("a whole silence is asked for even so")
    };
    assert_eq!(
        lines[lines.len() - 2..],
        [
            "matches 0 of the 5 alert(s) of am shown now".to_string(),
            format!("✗ it does not match {raw}, the alert it was made from"),
        ]
    );
}

#[test]
fn the_silences_view_lists_silences_and_expires_one_after_asking() {
    let mut app = silence_app();
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(app.alerts_view, pandaops::app::AlertsView::Silences);
    assert_eq!(
        status(&app),
        (
            "Alerts: 2 silence(s); v shows the alerts again".to_string(),
            false
        )
    );
    let screen = render_app(&app, 120, 40);
    let lines: Vec<&str> = screen.lines().take(4).collect();
    assert_eq!(
        lines[0],
        "┏ 1 Alerts 2 silences · state↑ ━━━━━━━━━━━━━━━━━━━━━━━ no source ┓┌ 4 Metrics 0 series · \
         title↑ ──────────── no source ┐"
    );
    assert_eq!(
        lines[1],
        "┃STATE↑  MATCHERS                          ENDS ALERTS BY        ┃│no series                                           │"
    );
    assert_eq!(
        lines[2],
        "┃ACTIVE  alertname=\"DBSessionsHigh\"       in 2h      1 ops       ┃│                                                    │"
    );
    assert_eq!(
        lines[3],
        "┃EXPIRED instance=\"aipanda099.cern.ch\"  10m ago      0 tmaier    ┃│                                                    │"
    );

    // The detail view names the alerts it silences.
    key(&mut app, KeyCode::Enter);
    let details = app.details(PaneId::Alerts);
    assert!(details.contains(&(
        "silencing".to_string(),
        "1 alert(s): DBSessionsHigh".to_string()
    )));
    assert!(details.contains(&(
        "matcher 1".to_string(),
        r#"alertname="DBSessionsHigh""#.to_string()
    )));
    key(&mut app, KeyCode::Esc);

    assert!(key(&mut app, KeyCode::Char('X')).is_empty());
    assert!(matches!(
        app.dialog,
        Some(pandaops::app::Dialog::ExpireSilence { .. })
    ));
    insta::assert_snapshot!("expire_dialog", render_app(&app, 120, 40));
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        vec![Effect::ExpireSilence {
            alertmanager: "am".into(),
            id: "5d1c9a20-7f3e-4b6a-9c1d-2e8f4a6b0c11".into(),
        }]
    );
    assert_eq!(
        status(&app),
        ("expiring silence 5d1c9a20 on am…".to_string(), false)
    );
    let refused = app.update(Message::SilenceExpired {
        alertmanager: "am".into(),
        id: "5d1c9a20-7f3e-4b6a-9c1d-2e8f4a6b0c11".into(),
        result: Err("am (http://am.example/api/v2/silence/5d1c9a20-7f3e-4b6a-9c1d-2e8f4a6b0c11): HTTP 500: silence already expired".into()),
    });
    assert!(refused.is_empty());
    assert_eq!(
        status(&app),
        (
            "silence 5d1c9a20 NOT expired on am: am (http://am.example/api/v2/silence/\
             5d1c9a20-7f3e-4b6a-9c1d-2e8f4a6b0c11): HTTP 500: silence already expired"
                .to_string(),
            true
        )
    );
    let expired = app.update(Message::SilenceExpired {
        alertmanager: "am".into(),
        id: "5d1c9a20-7f3e-4b6a-9c1d-2e8f4a6b0c11".into(),
        result: Ok(()),
    });
    assert_eq!(expired, vec![Effect::Refresh(PaneId::Alerts)]);
    assert_eq!(
        status(&app),
        ("silence 5d1c9a20 expired on am".to_string(), false)
    );

    // An expired silence is not expired again.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('X'));
    assert!(app.dialog.is_none());
    assert_eq!(
        status(&app),
        ("silence 0a9b8c7d has already expired".to_string(), false)
    );

    // From the alerts: X on a silenced alert expires the silence on it.
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char(':'),
        KeyModifiers::NONE,
    )));
    typed(&mut app, "alerts");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.alerts_view, pandaops::app::AlertsView::Alerts);
    select_alert(&mut app, "DBSessionsHigh");
    key(&mut app, KeyCode::Char('X'));
    assert!(matches!(
        &app.dialog,
        Some(pandaops::app::Dialog::ExpireSilence { id, .. })
            if id == "5d1c9a20-7f3e-4b6a-9c1d-2e8f4a6b0c11"
    ));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(
        status(&app),
        ("cancelled: nothing changed".to_string(), false)
    );
    select_alert(&mut app, "PandaServerDown");
    key(&mut app, KeyCode::Char('X'));
    assert_eq!(
        status(&app),
        (
            "PandaServerDown is not silenced; v lists the silences to expire one".to_string(),
            true
        )
    );
    // `:silences` shows them again; a new silence starts from an alert.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "silences");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.alerts_view, pandaops::app::AlertsView::Silences);
    key(&mut app, KeyCode::Char('n'));
    assert!(app.silence_form.is_none());
    assert_eq!(
        status(&app),
        (
            "a new silence starts from an alert: v shows the alerts".to_string(),
            true
        )
    );
}

#[test]
fn alerts_pandaops_raises_itself_cannot_be_silenced() {
    let mut app = loaded_app();
    select_alert(&mut app, "MetricAnomaly");
    key(&mut app, KeyCode::Char('n'));
    assert!(app.silence_form.is_none());
    assert_eq!(
        status(&app),
        (
            "MetricAnomaly is raised by pandaops itself, not by an Alertmanager: there is nothing \
             to silence it in"
                .to_string(),
            true
        )
    );
}

#[test]
fn read_only_refuses_silences_and_triage_decisions_and_sends_nothing() {
    let mut app = silence_app();
    feed(&mut app, PaneId::Triage, Feed::FailedJobs(jobs()));
    app.read_only = true;

    for code in [KeyCode::Char('n'), KeyCode::Char('X')] {
        assert!(key(&mut app, code).is_empty());
        assert_eq!(
            status(&app),
            ("read-only: silences cannot be changed".to_string(), true)
        );
    }
    select_alert(&mut app, "DBSessionsHigh");
    assert!(key(&mut app, KeyCode::Char('X')).is_empty());
    assert!(app.silence_form.is_none() && app.dialog.is_none());
    // Looking still works.
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(app.alerts_view, pandaops::app::AlertsView::Silences);
    assert!(key(&mut app, KeyCode::Char('X')).is_empty());
    assert!(app.dialog.is_none());

    key(&mut app, KeyCode::Char('3'));
    for ch in ['c', 'x', 'e', 'b', 'u', 'D'] {
        assert!(key(&mut app, KeyCode::Char(ch)).is_empty(), "{ch}");
        assert_eq!(
            status(&app),
            (
                "read-only: triage decisions cannot be changed".to_string(),
                true
            ),
            "{ch}"
        );
        assert!(app.edit.is_none() && app.dialog.is_none(), "{ch}");
    }
    let screen = render_app(&app, 120, 40);
    assert!(
        screen
            .lines()
            .last()
            .is_some_and(|line| line.ends_with("READ-ONLY · DEMO · simulated data · 12:00:00 UTC")),
        "{screen}"
    );
}

#[test]
fn a_series_of_infinities_shows_its_last_value_and_clipped_marks() {
    let mut app = app();
    app.update(Message::Resize(120, 40));
    let times: Vec<Timestamp> = (0..6).map(|i| at((i - 6) * 60)).collect();
    let series = |id: &str, title: &str, values: Vec<f64>| Series {
        id: id.into(),
        title: title.into(),
        unit: "%".into(),
        times: times.clone(),
        values,
    };
    feed(
        &mut app,
        PaneId::Metrics,
        Feed::Series(vec![
            series("a", "All infinite", vec![f64::INFINITY; 6]),
            series(
                "b",
                "Ends infinite",
                vec![
                    f64::NAN,
                    f64::NAN,
                    f64::NAN,
                    f64::NEG_INFINITY,
                    f64::NAN,
                    f64::INFINITY,
                ],
            ),
            series("c", "All gaps", vec![f64::NAN; 6]),
        ]),
    );
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('z'));
    let screen = render_app(&app, 120, 40);
    let line_after = |heading: &str| {
        let mut lines = screen.lines();
        lines.find(|line| line.contains(heading));
        lines.next().unwrap_or_default().to_string()
    };
    assert!(
        screen.contains("All infinite  last +Inf %  no finite value"),
        "{screen}"
    );
    assert!(line_after("All infinite").contains("↑↑↑↑↑↑"), "{screen}");
    assert!(
        screen.contains("Ends infinite  last +Inf %  no finite value"),
        "{screen}"
    );
    assert!(line_after("Ends infinite").contains("···↓·↑"), "{screen}");
    assert!(screen.contains("All gaps  no data"), "{screen}");
    assert!(line_after("All gaps").contains("······"), "{screen}");
}

#[test]
fn the_deployment_strip_grows_when_the_alerts_pane_is_zoomed() {
    let mut app = loaded_app();
    let events: Vec<DeploymentEvent> = (0..30)
        .map(|i| DeploymentEvent {
            id: format!("e{i}"),
            at: at(-60 * (i + 1)),
            component: "panda-jedi".into(),
            branch: "master".into(),
            host: format!("aipanda{i:03}.cern.ch"),
            user: "jdoe".into(),
            commit: None,
        })
        .collect();
    feed(&mut app, PaneId::Alerts, Feed::Events(events));
    let shown = |screen: &str| {
        screen
            .lines()
            .filter(|line| line.contains("panda-jedi@master"))
            .count()
    };

    // In the grid the strip keeps its four events.
    assert_eq!(shown(&render_app(&app, 120, 40)), 4);

    // Zoomed to 120 by 40 the pane is 36 rows inside: a third goes to the heading and 11
    // events, the table keeps the other 24 rows, first.
    key(&mut app, KeyCode::Char('z'));
    let screen = render_app(&app, 120, 40);
    assert_eq!(shown(&screen), 11, "{screen}");
    let lines: Vec<&str> = screen.lines().collect();
    let heading = lines
        .iter()
        .position(|line| line.contains("Deployments (30)"))
        .expect("the strip heading");
    let table = lines
        .iter()
        .position(|line| line.contains("PandaServerDown"))
        .expect("the alerts");
    assert!(table < heading, "{screen}");
    assert!(
        lines[heading + 1].contains("aipanda000.cern.ch"),
        "{screen}"
    );
}

#[test]
fn deployments_not_from_today_show_their_date() {
    let mut app = loaded_app();
    let event = |id: &str, at: Timestamp, host: &str| DeploymentEvent {
        id: id.into(),
        at,
        component: "panda-server".into(),
        branch: "master".into(),
        host: host.into(),
        user: "jdoe".into(),
        commit: None,
    };
    let future = "2099-01-01T00:00:00Z".parse().expect("a timestamp");
    feed(
        &mut app,
        PaneId::Alerts,
        Feed::Events(vec![
            event("future", future, "aipanda001"),
            event("today", at(-3600), "aipanda002"),
            event("yesterday", at(-13 * 3600), "aipanda003"),
        ]),
    );
    let screen = render_app(&app, 120, 40);
    let line = |host: &str| {
        screen
            .lines()
            .find(|line| line.contains(host))
            .map(|line| line.trim_start_matches('┃').to_string())
            .expect("the event is shown")
    };
    assert!(
        line("aipanda001").starts_with("2099-01-01 00:00 panda-server@master"),
        "{screen}"
    );
    assert!(
        line("aipanda002").starts_with("11:00:00 panda-server@master"),
        "{screen}"
    );
    assert!(
        line("aipanda003").starts_with("2026-12-02 23:00 panda-server@master"),
        "{screen}"
    );
}

#[test]
fn read_only_hints_leave_out_the_keys_it_refuses() {
    let status_line = |app: &App| {
        render_app(app, 200, 40)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    let mut app = silence_app();
    feed(&mut app, PaneId::Triage, Feed::FailedJobs(jobs()));
    assert!(
        status_line(&app).starts_with("  n silence  X expire  v silences  ? help"),
        "{}",
        status_line(&app)
    );

    app.read_only = true;
    let alerts = status_line(&app);
    assert!(alerts.starts_with("  v silences  ? help"), "{alerts}");
    key(&mut app, KeyCode::Char('3'));
    let triage = status_line(&app);
    for refused in ["confirm", "reject", "edit", "bulk", "undo"] {
        assert!(!triage.contains(refused), "{refused}: {triage}");
    }
    assert!(triage.contains(" queue  ? help"), "{triage}");
}

#[test]
fn a_deployment_lacking_branch_user_or_commit_reads_without_empty_parts() {
    let event = |branch: &str, host: &str, user: &str, commit: Option<&str>| {
        pandaops::domain::DeploymentEvent {
            id: "e".into(),
            at: at(0),
            component: "panda-server".into(),
            branch: branch.into(),
            host: host.into(),
            user: user.into(),
            commit: commit.map(str::to_string),
        }
    };
    let words = pandaops::ui::event_words;
    assert_eq!(
        words(&event("master", "aipanda123", "jdoe", Some("1a2b3c4d5e6f"))),
        "panda-server@master upgrade on aipanda123 by jdoe (1a2b3c4d)"
    );
    assert_eq!(
        words(&event("", "aipanda123", "", None)),
        "panda-server upgrade on aipanda123"
    );
    assert_eq!(words(&event("", "", "", Some(""))), "panda-server upgrade");
}

#[test]
fn a_task_listed_twice_by_one_source_is_one_row_the_latest() {
    let mut app = app();
    app.update(Message::Resize(120, 40));
    let mut older = task(7, "first listing", "running", None);
    older.modification_time = Some(at(-600));
    let mut newer = task(7, "second listing", "finished", None);
    newer.modification_time = Some(at(-60));
    feed(
        &mut app,
        PaneId::Tasks,
        Feed::Tasks(vec![older, newer, task(8, "other", "running", None)]),
    );
    let names: Vec<String> = app
        .tasks
        .rows()
        .iter()
        .map(|row| row.task.taskname.clone())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"second listing".to_string()), "{names:?}");
}
