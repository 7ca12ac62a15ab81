//! The Alertmanager and Prometheus sources against the real servers (Debian's
//! `prometheus-alertmanager` and `prometheus`), each started on 127.0.0.1 on a free port with a
//! temporary folder, and killed when the test ends.
//!
//! Without the binaries these tests print a loud SKIPPED line and pass; with
//! `PANDAOPS_REQUIRE_SERVERS=1` (set by `.ci/run`) they fail instead.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pandaops::config::{
    AlertmanagerSource, PrometheusQuery, PrometheusSource, Sources as Configured,
};
use pandaops::domain::{
    AlertState, Feed, Matcher, PaneId, SilenceState, SourceEvent, SourceEventKind, SourceHealth,
};
use pandaops::sources::alertmanager::{Alertmanager, NewSilence};
use pandaops::sources::{Sources, alertmanager_from, prometheus_from};
use tokio::sync::mpsc;

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";
const PROMETHEUS: &str = "/usr/bin/prometheus";

/// A server process, killed and reaped when dropped, with its folder.
struct Server {
    child: Child,
    url: String,
    _folder: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary, or `None` after saying loudly that the test is skipped. Fails the test instead
/// when the servers are required.
fn binary(path: &str, test: &str) -> Result<Option<PathBuf>, String> {
    if Path::new(path).is_file() {
        return Ok(Some(PathBuf::from(path)));
    }
    if std::env::var("PANDAOPS_REQUIRE_SERVERS").is_ok_and(|value| value == "1") {
        return Err(format!(
            "{path} is missing and PANDAOPS_REQUIRE_SERVERS=1: apt-get install -y prometheus prometheus-alertmanager"
        ));
    }
    eprintln!(
        "\n*** SKIPPED {test}: {path} is not installed (apt-get install -y prometheus prometheus-alertmanager) ***\n"
    );
    Ok(None)
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|e| e.to_string())
}

/// Starts `binary` with the config text and arguments built from the port and the folder,
/// and waits until `/-/ready` answers.
async fn start(
    binary: &Path,
    config: impl Fn(u16) -> String,
    arguments: impl Fn(u16, &Path, &Path) -> Vec<String>,
) -> Result<Server, String> {
    let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
    let port = free_port()?;
    let config_file = folder.path().join("config.yml");
    std::fs::write(&config_file, config(port)).map_err(|e| e.to_string())?;
    let data = folder.path().join("data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(folder.path().join("server.log")).map_err(|e| e.to_string())?;
    let child = Command::new(binary)
        .args(arguments(port, &config_file, &data))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _folder: folder,
    };

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let ready = client.get(format!("{}/-/ready", server.url)).send().await;
        if ready.is_ok_and(|response| response.status().is_success()) {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(server._folder.path().join("server.log")).unwrap_or_default();
    Err(format!(
        "{} did not get ready in 20 s:\n{log}",
        binary.display()
    ))
}

async fn start_alertmanager(binary: &Path) -> Result<Server, String> {
    start(
        binary,
        |_| "route:\n  receiver: quiet\nreceivers:\n  - name: quiet\n".to_string(),
        |port, config, data| {
            vec![
                format!("--config.file={}", config.display()),
                format!("--storage.path={}", data.display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--cluster.listen-address=".to_string(),
            ]
        },
    )
    .await
}

async fn start_prometheus(binary: &Path) -> Result<Server, String> {
    start(
        binary,
        |port| {
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
            )
        },
        |port, config, data| {
            vec![
                format!("--config.file={}", config.display()),
                format!("--storage.tsdb.path={}", data.display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ]
        },
    )
    .await
}

/// Posts alerts the way Prometheus would.
async fn post_alerts(url: &str, instances: &[&str]) -> Result<(), String> {
    let alerts: Vec<serde_json::Value> = instances
        .iter()
        .map(|instance| {
            serde_json::json!({
                "labels": {"alertname": "PandaopsTest", "severity": "critical", "instance": instance},
                "annotations": {"summary": format!("test alert on {instance}")},
                "generatorURL": "http://127.0.0.1/graph"
            })
        })
        .collect();
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?
        .post(format!("{url}/api/v2/alerts"))
        .json(&alerts)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("posting alerts: HTTP {}", response.status()));
    }
    Ok(())
}

fn alertmanager_config(url: &str) -> AlertmanagerSource {
    AlertmanagerSource {
        name: "am-test".into(),
        url: url.into(),
        refresh_secs: 1,
        ..AlertmanagerSource::default()
    }
}

/// The state of each test alert by instance, once `done` holds of them (within 10 s).
async fn states_when(
    alertmanager: &Alertmanager,
    done: impl Fn(&[(String, AlertState)]) -> bool,
) -> Result<Vec<(String, AlertState)>, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = Vec::new();
    while Instant::now() < deadline {
        let alerts = alertmanager.alerts().await.map_err(|e| e.to_string())?;
        let mut states: Vec<(String, AlertState)> = alerts
            .into_iter()
            .filter(|alert| alert.name == "PandaopsTest")
            .map(|alert| {
                let instance = alert.labels.get("instance").cloned().unwrap_or_default();
                (instance, alert.state)
            })
            .collect();
        states.sort();
        if done(&states) {
            return Ok(states);
        }
        last = states;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "alerts never reached the expected states; last seen {last:?}"
    ))
}

#[tokio::test]
async fn alerts_round_trip_and_a_silence_suppresses_then_releases_one() {
    let Some(binary) = binary(ALERTMANAGER, "alertmanager round trip").unwrap() else {
        return;
    };
    let server = start_alertmanager(&binary).await.unwrap();
    post_alerts(&server.url, &["node-a", "node-b"])
        .await
        .unwrap();
    let alertmanager = alertmanager_from(&alertmanager_config(&server.url)).unwrap();

    let both_active = |states: &[(String, AlertState)]| {
        states.len() == 2 && states.iter().all(|(_, state)| *state == AlertState::Active)
    };
    let states = states_when(&alertmanager, both_active).await.unwrap();
    assert_eq!(states[0].0, "node-a");

    // A silence on node-a only, through pandaops' client.
    let now = jiff::Timestamp::now();
    let silence = NewSilence {
        matchers: vec![
            Matcher {
                name: "alertname".into(),
                value: "PandaopsTest".into(),
                is_regex: false,
                is_equal: true,
            },
            Matcher {
                name: "instance".into(),
                value: "node-a".into(),
                is_regex: false,
                is_equal: true,
            },
        ],
        starts_at: now,
        ends_at: now + jiff::SignedDuration::from_hours(1),
        created_by: "pandaops-test".into(),
        comment: "silenced by the server test".into(),
    };
    let id = alertmanager.create_silence(&silence).await.unwrap();
    assert!(!id.is_empty());

    let silenced_a = |states: &[(String, AlertState)]| {
        states.len() == 2
            && matches!(&states[0].1, AlertState::Silenced(ids) if ids.len() == 1)
            && states[1].1 == AlertState::Active
    };
    let states = states_when(&alertmanager, silenced_a).await.unwrap();
    assert_eq!(states[0].1, AlertState::Silenced(vec![id.clone()]));

    let silences = alertmanager.silences().await.unwrap();
    let ours = silences.iter().find(|s| s.id == id).unwrap();
    assert_eq!(ours.state, SilenceState::Active);
    assert_eq!(ours.created_by, "pandaops-test");
    assert_eq!(ours.matchers.len(), 2);

    // Expired through pandaops' client: the alert fires again.
    alertmanager.expire_silence(&id).await.unwrap();
    states_when(&alertmanager, both_active).await.unwrap();
    let silences = alertmanager.silences().await.unwrap();
    assert_eq!(
        silences.iter().find(|s| s.id == id).map(|s| s.state),
        Some(SilenceState::Expired)
    );

    // An id that is not one is refused before anything is sent.
    let refused = alertmanager.expire_silence("../../api/v2/status").await;
    assert!(refused.is_err());
}

fn query(name: &str, promql: &str) -> PrometheusQuery {
    PrometheusQuery {
        name: name.into(),
        title: String::new(),
        promql: promql.into(),
        unit: String::new(),
    }
}

#[tokio::test]
async fn real_series_from_prometheus_parse_with_nan_and_infinities() {
    let Some(binary) = binary(PROMETHEUS, "prometheus series").unwrap() else {
        return;
    };
    let server = start_prometheus(&binary).await.unwrap();
    let source = PrometheusSource {
        name: "prom-test".into(),
        url: server.url.clone(),
        range_minutes: 1,
        points: 60,
        queries: vec![
            query("up", "up"),
            query("requests", "sum(prometheus_http_requests_total)"),
            query("nan", "0/0"),
            query("inf", "1/0"),
            query("minus_inf", "-1/0"),
        ],
        ..PrometheusSource::default()
    };
    let prometheus = prometheus_from(&source).unwrap();

    // Wait for a few scrapes of itself (one a second).
    let deadline = Instant::now() + Duration::from_secs(15);
    let series = loop {
        let fetched = prometheus.fetch().await.unwrap();
        assert_eq!(fetched.failed, Vec::<String>::new());
        let series = fetched.series;
        let up = series.iter().find(|s| s.id.starts_with("up{"));
        let scrapes = up.map_or(0, |s| s.values.iter().filter(|v| **v == 1.0).count());
        if scrapes >= 3 {
            break series;
        }
        assert!(
            Instant::now() < deadline,
            "no three scrapes in 15 s: {series:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };

    let find = |prefix: &str| series.iter().find(|s| s.id.starts_with(prefix)).unwrap();
    let up = find("up{");
    assert!(up.id.contains("job=self"), "{}", up.id);
    assert_eq!(up.times.len(), up.values.len());
    assert_eq!(up.values.len(), 61, "one minute at a one-second step");
    assert!(up.values.iter().all(|v| v.is_nan() || *v == 1.0));
    let requests = find("requests");
    assert!(requests.values.iter().any(|v| v.is_finite() && *v >= 1.0));
    assert!(find("nan").values.iter().all(|v| v.is_nan()));
    assert!(find("inf").values.iter().all(|v| *v == f64::INFINITY));
    assert!(
        find("minus_inf")
            .values
            .iter()
            .all(|v| *v == f64::NEG_INFINITY)
    );

    // A narrower pane: about one point per cell, so a coarser step.
    prometheus
        .pane_width
        .store(30, std::sync::atomic::Ordering::Relaxed);
    let narrow = prometheus.fetch().await.unwrap().series;
    let up = narrow.iter().find(|s| s.id.starts_with("up{")).unwrap();
    assert_eq!(up.values.len(), 31, "one minute at a two-second step");

    // A query the server cannot parse, beside one it can: the good one's series come, and
    // the broken one is named with the server's own words.
    let mixed = PrometheusSource {
        queries: vec![query("up", "up"), query("broken", "sum(up")],
        ..source.clone()
    };
    let fetched = prometheus_from(&mixed).unwrap().fetch().await.unwrap();
    assert!(fetched.series.iter().any(|s| s.id.starts_with("up{")));
    assert_eq!(fetched.failed.len(), 1);
    assert!(
        fetched.failed[0].starts_with("query \"broken\": HTTP 400")
            && fetched.failed[0].contains("bad_data"),
        "{:?}",
        fetched.failed
    );
    let note = fetched.note(2).unwrap();
    assert!(
        note.starts_with("1 of 2 queries failed, last values kept (query \"broken\": HTTP 400"),
        "{note}"
    );

    // Every query broken: the fetch fails, naming the query, in the server's own words.
    let bad = PrometheusSource {
        queries: vec![query("broken", "sum(up")],
        ..source
    };
    let error = prometheus_from(&bad).unwrap().fetch().await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("query \"broken\""), "{text}");
    assert!(
        text.contains("HTTP 400") && text.contains("bad_data"),
        "{text}"
    );
}

/// The next event for `pane` that `wanted` accepts, within 10 s.
async fn next_event(
    events: &mut mpsc::Receiver<SourceEvent>,
    wanted: impl Fn(&SourceEvent) -> bool,
) -> Result<SourceEvent, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .map_err(|_| "no such event in 10 s".to_string())?
            .ok_or("the channel closed")?;
        if wanted(&event) {
            return Ok(event);
        }
    }
}

#[tokio::test]
async fn configured_sources_feed_their_panes_and_go_stale_when_the_server_stops() {
    let Some(binary) = binary(ALERTMANAGER, "configured sources").unwrap() else {
        return;
    };
    let server = start_alertmanager(&binary).await.unwrap();
    post_alerts(&server.url, &["node-c"]).await.unwrap();
    let configured = Configured {
        alertmanager: vec![alertmanager_config(&server.url)],
        ..Configured::default()
    };
    let (events_tx, mut events) = mpsc::channel(256);
    let sources = Sources::start_configured(&configured, events_tx);
    assert_eq!(sources.alertmanagers().len(), 1);

    let alerts = next_event(&mut events, |event| {
        matches!(&event.kind, SourceEventKind::Data(Feed::Alerts(alerts)) if !alerts.is_empty())
    })
    .await
    .unwrap();
    assert_eq!(alerts.source, "am-test");
    assert_eq!(alerts.pane, PaneId::Alerts);
    next_event(&mut events, |event| {
        matches!(
            event.kind,
            SourceEventKind::Health(SourceHealth::Fresh { .. })
        )
    })
    .await
    .unwrap();

    // The server goes away: the pane keeps its data and says why it is stale.
    drop(server);
    let stale = next_event(&mut events, |event| {
        matches!(
            event.kind,
            SourceEventKind::Health(SourceHealth::Stale { .. })
        )
    })
    .await
    .unwrap();
    let SourceEventKind::Health(SourceHealth::Stale {
        reason, retry_at, ..
    }) = stale.kind
    else {
        unreachable!()
    };
    assert!(reason.starts_with("am-test (http://127.0.0.1:"), "{reason}");
    assert!(reason.contains("cannot connect"), "{reason}");
    assert!(retry_at.is_some());
}

/// A console as the live one starts, without a terminal: the tests below drive it with keys and
/// carry out its effects with the event loop's own code.
fn console() -> Result<pandaops::app::App, String> {
    use pandaops::ui::theme::{self, ColorSupport};
    let keymap = pandaops::keymap::load("default", None)
        .map_err(|e| e.to_string())?
        .keymap;
    let colors = ColorSupport {
        truecolor: false,
        no_color: true,
    };
    let (default, _) = theme::load("default", None, colors).map_err(|e| e.to_string())?;
    let themes = std::collections::BTreeMap::from([("default".to_string(), default)]);
    let mut app = pandaops::app::App::new(keymap, "default", themes, jiff::Timestamp::now());
    app.operator = "pandaops-test@loopback".into();
    app.update(pandaops::app::Message::Resize(120, 40));
    Ok(app)
}

/// Hands the sources' events to the console until `done` holds of it (within 10 s).
async fn feed_until(
    app: &mut pandaops::app::App,
    events: &mut mpsc::Receiver<SourceEvent>,
    done: impl Fn(&pandaops::app::App) -> bool,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done(app) {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .map_err(|_| "the console never got there in 10 s".to_string())?
            .ok_or("the channel closed")?;
        app.update(pandaops::app::Message::Source(event));
        app.update(pandaops::app::Message::Tick(jiff::Timestamp::now()));
    }
    Ok(())
}

fn press(
    app: &mut pandaops::app::App,
    code: ratatui::crossterm::event::KeyCode,
) -> Vec<pandaops::app::Effect> {
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
    app.update(pandaops::app::Message::Key(KeyEvent::new(
        code,
        KeyModifiers::NONE,
    )))
}

/// The state of the test alert on `instance` as the console shows it.
fn shown_state(app: &pandaops::app::App, instance: &str) -> Option<AlertState> {
    app.alerts
        .rows()
        .iter()
        .find(|alert| alert.labels.get("instance").map(String::as_str) == Some(instance))
        .map(|alert| alert.state.clone())
}

#[tokio::test]
async fn the_console_creates_and_expires_a_silence_on_the_real_alertmanager() {
    use pandaops::app::{AlertsView, Effect, Message};
    use pandaops::run::silence_request;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    let Some(binary) = binary(ALERTMANAGER, "console silences").unwrap() else {
        return;
    };
    let server = start_alertmanager(&binary).await.unwrap();
    post_alerts(&server.url, &["node-e", "node-f"])
        .await
        .unwrap();
    let configured = Configured {
        alertmanager: vec![alertmanager_config(&server.url)],
        ..Configured::default()
    };
    let (events_tx, mut events) = mpsc::channel(256);
    let sources = Sources::start_configured(&configured, events_tx);
    let mut app = console().unwrap();
    feed_until(&mut app, &mut events, |app| {
        shown_state(app, "node-e") == Some(AlertState::Active)
            && shown_state(app, "node-f") == Some(AlertState::Active)
    })
    .await
    .unwrap();

    // Keys: the alert on node-e, a new silence, a comment, send, yes.
    app.set_filter(PaneId::Alerts, "instance=node-e");
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    let form = app.silence_form.as_ref().unwrap();
    let prefilled: Vec<String> = form
        .matchers
        .iter()
        .map(|row| row.matcher().to_string())
        .collect();
    assert_eq!(
        prefilled,
        vec![r#"alertname="PandaopsTest""#, r#"instance="node-e""#]
    );
    for ch in "silenced by the console test".chars() {
        press(&mut app, KeyCode::Char(ch));
    }
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert_eq!(effects.len(), 1);
    assert!(
        matches!(&effects[0], Effect::CreateSilence { alertmanager, .. } if alertmanager == "am-test")
    );

    // The event loop's own request code sends it; the answer goes back to the console.
    let answer = silence_request(&sources, effects[0].clone()).unwrap().await;
    let Message::SilenceCreated { result: Ok(id), .. } = &answer else {
        panic!("the server refused the silence: {answer:?}")
    };
    let id = id.clone();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(app.update(answer), vec![Effect::Refresh(PaneId::Alerts)]);
    assert_eq!(
        app.status.as_ref().map(|s| s.text.clone()),
        Some(format!("silence {id} created on am-test"))
    );
    sources.refresh(PaneId::Alerts);
    app.set_filter(PaneId::Alerts, "");
    feed_until(&mut app, &mut events, |app| {
        shown_state(app, "node-e") == Some(AlertState::Silenced(vec![id.clone()]))
            && shown_state(app, "node-f") == Some(AlertState::Active)
            && app.silences.rows().iter().any(|row| {
                row.silence.id == id
                    && row.silence.state == SilenceState::Active
                    && row.silencing == ["PandaopsTest"]
            })
    })
    .await
    .unwrap();
    let ours = app
        .silences
        .rows()
        .iter()
        .find(|row| row.silence.id == id)
        .unwrap();
    assert_eq!(ours.source, "am-test");
    assert_eq!(ours.silence.created_by, "pandaops-test");
    assert_eq!(ours.silence.comment, "silenced by the console test");
    assert_eq!(
        ours.silence.ends_at.as_second() - ours.silence.starts_at.as_second(),
        7200
    );

    // Expired from the silences view, after the question: node-e fires again.
    press(&mut app, KeyCode::Char('v'));
    assert_eq!(app.alerts_view, AlertsView::Silences);
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Char('X'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        effects,
        vec![Effect::ExpireSilence {
            alertmanager: "am-test".into(),
            id: id.clone(),
        }]
    );
    let answer = silence_request(&sources, effects[0].clone()).unwrap().await;
    assert_eq!(app.update(answer), vec![Effect::Refresh(PaneId::Alerts)]);
    assert_eq!(
        app.status.as_ref().map(|s| s.text.clone()),
        Some(format!("silence {} expired on am-test", &id[..8]))
    );
    sources.refresh(PaneId::Alerts);
    feed_until(&mut app, &mut events, |app| {
        shown_state(app, "node-e") == Some(AlertState::Active)
            && app
                .silences
                .rows()
                .iter()
                .any(|row| row.silence.id == id && row.silence.state == SilenceState::Expired)
    })
    .await
    .unwrap();

    // What the server refuses comes back in its own words, on one line: a silence the form
    // would never send, as every matcher matches an alert without the label.
    let now = jiff::Timestamp::now();
    let refused = silence_request(
        &sources,
        Effect::CreateSilence {
            alertmanager: "am-test".into(),
            silence: NewSilence {
                matchers: vec![Matcher {
                    name: "instance".into(),
                    value: ".*".into(),
                    is_regex: true,
                    is_equal: true,
                }],
                starts_at: now,
                ends_at: now + jiff::SignedDuration::from_hours(1),
                created_by: "pandaops-test".into(),
                comment: "matches everything".into(),
            },
        },
    )
    .unwrap()
    .await;
    assert!(app.update(refused).is_empty());
    let status = app.status.clone().unwrap();
    assert!(status.is_error);
    assert_eq!(
        status.text,
        format!(
            "silence NOT created on am-test: am-test ({}/api/v2/silences): HTTP 400: Bad \
             Request: \"silence invalid: at least one matcher must not match the empty string\"; \
             n on the alert reopens the form",
            server.url
        )
    );
}
