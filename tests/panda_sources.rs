//! BigPanDA, the PanDA server's API v1 and saved answers on disk, each read through the
//! console's own sources against a local server that answers in the documented shapes, with
//! odd records and every failure an operator meets: a hang, a slow trickle, a body cut short,
//! an empty body, 401, 403, 429, 500 and a login page.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "support/server.rs"]
mod server;

use std::sync::Arc;
use std::time::Duration;

use pandaops::config::{BigpandaSource, FileSource, PandaSource, Sources as Configured};
use pandaops::domain::{ErrorSource, Feed, PaneId, SourceEvent, SourceEventKind, SourceHealth};
use pandaops::sources::bigpanda::Bigpanda;
use pandaops::sources::http::{Endpoint, HttpError, HttpSettings, TokenSource};
use pandaops::sources::panda::Panda;
use pandaops::sources::{Sources, bigpanda_from, panda_from};
use server::{Step, json, next_event, response, serve};
use tokio::sync::mpsc;

const KEY: &str = "bigpanda-KEY-777-never-show-me";

/// A `/tasks/?json` answer: two good tasks and two that cannot be tasks.
const TASKS: &str = r#"[
  {"jeditaskid": 45000001, "taskname": "mc23_13p6TeV.601229.PhPy8EG.simul.e8514_s4162",
   "status": "running", "username": "prodsys", "prodsourcelabel": "managed",
   "processingtype": "simul", "transhome": "AthSimulation-23.0.50", "corecount": 8,
   "ramcount": "2000", "ramunit": "MBPerCore", "cputime": 350, "cputimeunit": "HS06sPerEvent",
   "cpuefficiency": null, "iointensity": 0, "creationdate": "2026-12-02T08:00:00",
   "modificationtime": "2026-12-04T07:00:00", "dsinfo": {"nfiles": 100, "nfilesfinished": 40,
   "nfilesfailed": 2, "neventsTot": 1000000}, "newfield_from_2027": [1, 2]},
  {"jeditaskid": "45000002", "taskname": "user.jdoe.analysis", "status": "exhausted",
   "prodsourcelabel": "user", "processingtype": "panda-client-1.5.80-jedi-run",
   "errordialog": "<b>exhausted</b> too many failures", "corecount": null},
  {"taskname": "no id at all"},
  42
]"#;

/// A `/jobs/?json` answer trimmed by `fields=` and `outputs=jobs`.
const JOBS: &str = r#"{"jobs": [
  {"pandaid": 6600000001, "jobstatus": "failed", "jeditaskid": 45000001,
   "computingsite": "CERN-PROD", "modificationtime": "2026-12-04T06:00:00",
   "piloterrorcode": 1099, "piloterrordiag": "Failed to stage-in file", "exeerrorcode": 0,
   "transexitcode": "0"},
  {"pandaid": "6600000002", "jobstatus": "holding", "jeditaskid": 45000001,
   "computingsite": "BNL", "modificationtime": "2026-12-04T06:05:00",
   "ddmerrorcode": "200", "ddmerrordiag": "Could not add files to dataset"},
  {"pandaid": 6600000003, "jobstatus": "finished"}
]}"#;

fn quick(token: TokenSource) -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(400),
        total_timeout: Duration::from_secs(2),
        proxy_from_env: false,
        token,
        ..HttpSettings::default()
    }
}

/// A file holding `token`, removed when the returned guard is dropped.
fn token_file(token: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{token}\n")).unwrap();
    file
}

/// A BigPanDA client with the key, and the key's file to keep alive.
fn bigpanda_at(url: &str) -> (Bigpanda, tempfile::NamedTempFile) {
    let key = token_file(KEY);
    let mut settings = quick(TokenSource::File(key.path().to_path_buf()));
    settings.token_scheme = "Token".to_string();
    let endpoint = Arc::new(Endpoint::new("bigpanda", url, settings).unwrap());
    (
        Bigpanda::new(endpoint, 3, "tasktype=prod", 6, "", 5000),
        key,
    )
}

/// The path and query of a request head.
fn target(head: &str) -> String {
    head.split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

fn shown(error: &HttpError) -> String {
    let text = error.to_string();
    assert!(!text.contains(KEY), "the key leaked into: {text}");
    assert!(!format!("{error:?}").contains(KEY), "the key leaked");
    text
}

/// `/task/45000001/?json`: the task and its datasets, two of them distinct inputs.
const DETAIL: &str = r#"{"task": {"jeditaskid": 45000001, "totev": 1000000},
  "taskparams": {}, "datasets": [
    {"datasetname": "mc23_13p6TeV.601229.evgen.EVNT.e8514", "type": "input", "nevents": 600000},
    {"datasetname": "mc23_13p6TeV.601229.evgen.EVNT.e8514", "type": "input", "nevents": 0},
    {"datasetname": "mc23_13p6TeV.601230.evgen.EVNT.e8514", "type": "input", "nevents": 400000},
    {"datasetname": "mc23_13p6TeV.601229.simul.HITS.e8514_s4162", "type": "output"}]}"#;

#[tokio::test]
async fn bigpanda_tasks_are_read_tolerantly_with_the_key_as_a_token() {
    let (url, seen) = serve(|head| {
        let path = target(head);
        if path.starts_with("/task/45000001/") {
            json("200 OK", DETAIL)
        } else if path.starts_with("/task/") {
            json("404 Not Found", r#"{"detail": "not found"}"#)
        } else {
            json("200 OK", TASKS)
        }
    })
    .await
    .unwrap();
    let (bigpanda, _key) = bigpanda_at(&url);
    let parsed = bigpanda.tasks().await.unwrap();

    let ids: Vec<u64> = parsed.items.iter().map(|task| task.jeditaskid).collect();
    assert_eq!(ids, [45000001, 45000002]);
    let first = &parsed.items[0];
    assert_eq!(first.ramcount_mb_per_core, Some(2000.0));
    assert_eq!(first.cputime_hs06s_per_event, Some(350.0));
    assert_eq!(first.cpu_efficiency_pct, None);
    assert_eq!(first.io_intensity_kb_per_s, None);
    assert_eq!(first.n_files_finished, Some(40));
    // From /task/45000001/: two distinct input datasets; the events were in the list already.
    assert_eq!(first.dataset_count, Some(2));
    assert_eq!(first.total_events, Some(1_000_000));
    assert_eq!(
        parsed.items[1].error_dialog,
        "<b>exhausted</b> too many failures"
    );
    // The other task's details are gone (404): it keeps what the list said.
    assert_eq!(parsed.items[1].dataset_count, None);
    assert_eq!(
        parsed.note().as_deref(),
        Some("2 of 4 records skipped (record 3: no jeditaskid)")
    );

    let heads = seen.heads();
    let targets: Vec<String> = heads.iter().map(|head| target(head)).collect();
    assert_eq!(
        targets,
        [
            "/tasks/?json=&days=3&limit=5000&tasktype=prod",
            "/task/45000001/?json=",
            "/task/45000002/?json="
        ]
    );
    // Details already read, or gone, are not asked for again.
    bigpanda.tasks().await.unwrap();
    assert_eq!(seen.heads().len(), 4);
    let head = heads[0].to_ascii_lowercase();
    assert!(
        head.contains(&format!(
            "authorization: token {}",
            KEY.to_ascii_lowercase()
        )),
        "{}",
        heads[0]
    );
    assert!(head.contains("accept: application/json"));
}

#[tokio::test]
async fn bigpanda_failed_and_holding_jobs_come_with_their_errors() {
    let (url, seen) = serve(|_| json("200 OK", JOBS)).await.unwrap();
    let (bigpanda, _key) = bigpanda_at(&url);
    let read = bigpanda.failed_jobs().await.unwrap();
    assert_eq!(read.total, None, "an answer under the limit is complete");
    let extracted = read.extracted;

    let jobs: Vec<(u64, Vec<(ErrorSource, i64)>)> = extracted
        .jobs
        .iter()
        .map(|job| {
            (
                job.pandaid,
                job.errors.iter().map(|e| (e.source, e.code)).collect(),
            )
        })
        .collect();
    assert_eq!(
        jobs,
        [
            (6600000001, vec![(ErrorSource::Pilot, 1099)]),
            (6600000002, vec![(ErrorSource::DataService, 200)]),
        ]
    );
    assert_eq!(extracted.ignored, 1);
    let query = target(&seen.heads()[0]);
    assert!(
        query.starts_with("/jobs/?json=&jobstatus=failed%7Cholding&hours=6&limit=5000&fields=pandaid%2Cjobstatus%2C"),
        "{query}"
    );
    assert!(query.ends_with("&outputs=jobs"), "{query}");
}

/// Every failure of a `/tasks/` request, with the words the pane would show.
#[tokio::test]
async fn every_bigpanda_failure_is_named_and_never_shows_the_key() {
    for (name, steps, expected) in failures() {
        let (url, _) = serve(move |_| steps.clone()).await.unwrap();
        let (bigpanda, _key) = bigpanda_at(&url);
        let error = bigpanda.tasks().await.expect_err(name);
        let text = shown(&error);
        assert!(
            text.starts_with("bigpanda (http://127.0.0.1:") && text.contains("/tasks/)"),
            "{name}: the endpoint is not named: {text}"
        );
        assert!(text.contains(expected), "{name}: {text}");
        if name == "429" {
            assert_eq!(
                error.retry_after(),
                Some(Duration::from_secs(120)),
                "{name}"
            );
        }
    }
}

/// The same failures from a PanDA server: its first request, `system/is_alive`, is named.
#[tokio::test]
async fn every_panda_failure_is_named_and_never_shows_the_token() {
    let token = token_file(KEY);
    for (name, steps, expected) in failures() {
        let (url, _) = serve(move |_| steps.clone()).await.unwrap();
        let mut panda = panda_at(&format!("{url}api/v1"), "", &token);
        // The same short timeouts as the BigPanDA cases.
        let mut settings = quick(TokenSource::File(token.path().to_path_buf()));
        settings.headers = vec![("Origin".to_string(), "atlas".to_string())];
        panda.endpoint =
            Arc::new(Endpoint::new("panda", &format!("{url}api/v1"), settings).unwrap());
        let error = panda.tasks(jiff::Timestamp::now()).await.expect_err(name);
        let text = shown(&error);
        assert!(
            text.starts_with("panda (http://127.0.0.1:")
                && text.contains("/api/v1/system/is_alive)"),
            "{name}: the endpoint is not named: {text}"
        );
        // The envelope reader words an empty or cut answer itself.
        let expected = match name {
            "truncated without a length" => "the JSON breaks off (truncated answer?)",
            _ => expected,
        };
        assert!(text.contains(expected), "{name}: {text}");
    }
}

/// Every way a server fails, with the words its error must hold.
fn failures() -> Vec<(&'static str, Vec<Step>, &'static str)> {
    vec![
        ("hang", vec![Step::Hang], "timed out waiting for data after 0.4 s"),
        (
            "trickle",
            {
                let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n[";
                let mut steps = vec![Step::Write(head.to_vec())];
                for _ in 0..12 {
                    steps.push(Step::Sleep(Duration::from_millis(250)));
                    steps.push(Step::Write(b" ".to_vec()));
                }
                steps
            },
            "timed out",
        ),
        (
            "truncated",
            vec![Step::Write(response(
                "200 OK",
                &[("content-type", "application/json"), ("content-length", "500")],
                br#"[{"jeditaskid": 1}, {"jedi"#,
            ))],
            "response cut short after 26 bytes of the 500 announced",
        ),
        (
            "truncated without a length",
            vec![Step::Write(
                b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n[{\"jeditaskid\": 1}, {\"jedi".to_vec(),
            )],
            "the JSON breaks off (truncated answer?)",
        ),
        ("empty", json("200 OK", ""), "empty"),
        ("401", json("401 Unauthorized", r#"{"detail": "Invalid token."}"#), "authentication refused (HTTP 401)"),
        ("403", json("403 Forbidden", r#"{"detail": "Forbidden"}"#), "authentication refused (HTTP 403)"),
        (
            "429",
            vec![Step::Write(response(
                "429 Too Many Requests",
                &[("retry-after", "120"), ("content-type", "text/plain")],
                b"too many requests per hour, please try later",
            ))],
            "HTTP 429",
        ),
        ("500", json("500 Internal Server Error", "{}"), "HTTP 500"),
        (
            "login page",
            vec![Step::Write(response(
                "200 OK",
                &[("content-type", "text/html")],
                b"<!DOCTYPE html><html><head><title>CERN Single Sign-On</title></head></html>",
            ))],
            "expected JSON, got an HTML page titled \"CERN Single Sign-On\"",
        ),
    ]
}

fn panda_at(url: &str, filter: &str, token: &tempfile::NamedTempFile) -> Panda {
    let source = PandaSource {
        name: "panda".into(),
        url: url.into(),
        token_file: token.path().display().to_string(),
        vo: "atlas".into(),
        role: "production".into(),
        task_filter: filter.into(),
        connect_timeout_secs: 1,
        read_timeout_secs: 1,
        total_timeout_secs: 2,
        ..PandaSource::default()
    };
    panda_from(&source).unwrap()
}

#[tokio::test]
async fn panda_checks_it_is_alive_then_reads_the_task_envelope_with_origin() {
    let token = token_file("iam-TOKEN-x");
    let (url, seen) = serve(|head| {
        if target(head).starts_with("/api/v1/system/is_alive") {
            json(
                "200 OK",
                r#"{"success": true, "message": "", "data": null}"#,
            )
        } else {
            json(
                "200 OK",
                r#"{"success": true, "message": "", "data": [
                    {"jediTaskID": 51, "taskName": "t1", "status": "running", "ramCount": 0},
                    {"jediTaskID": 52, "taskName": "t2", "status": "scouting",
                     "ramCount": 4000, "ramUnit": "MB", "coreCount": 2}
                ]}"#,
            )
        }
    })
    .await
    .unwrap();
    let panda = panda_at(
        &format!("{url}api/v1"),
        r#"{"status": "running|scouting"}"#,
        &token,
    );
    let now = "2026-12-04T10:00:00Z".parse().unwrap();
    let parsed = panda.tasks(now).await.unwrap();
    let tasks: Vec<(u64, Option<f64>)> = parsed
        .items
        .iter()
        .map(|task| (task.jeditaskid, task.ramcount_mb_per_core))
        .collect();
    assert_eq!(tasks, [(51, None), (52, Some(2000.0))]);

    let heads = seen.heads();
    assert_eq!(heads.len(), 2);
    assert_eq!(target(&heads[0]), "/api/v1/system/is_alive");
    assert_eq!(
        target(&heads[1]),
        "/api/v1/task/get_tasks_detailed_info_since?since=2026-12-01+10%3A00%3A00&n_tasks=500&filters=%7B%22status%22%3A%22running%7Cscouting%22%7D"
    );
    for head in &heads {
        let lower = head.to_ascii_lowercase();
        assert!(lower.contains("origin: atlas:production"), "{head}");
        assert!(
            lower.contains("authorization: bearer iam-token-x"),
            "{head}"
        );
    }
}

#[tokio::test]
async fn panda_success_false_is_the_servers_message_and_a_dead_server_stops_early() {
    let token = token_file("iam-TOKEN-y");
    let (url, seen) = serve(|head| {
        if target(head).starts_with("/api/v1/system/is_alive") {
            json("200 OK", r#"{"success": true, "message": "", "data": null}"#)
        } else {
            json(
                "200 OK",
                r#"{"success": false, "message": "production or pilot role required", "data": null}"#,
            )
        }
    })
    .await
    .unwrap();
    let error = panda_at(&format!("{url}api/v1"), "", &token)
        .tasks(jiff::Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        error.to_string().ends_with(
            "/api/v1/task/get_tasks_detailed_info_since): the server says: production or pilot role required"
        ),
        "{error}"
    );
    assert_eq!(seen.heads().len(), 2);

    let (url, seen) = serve(|_| json("503 Service Unavailable", ""))
        .await
        .unwrap();
    let error = panda_at(&format!("{url}api/v1"), "", &token)
        .tasks(jiff::Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("/api/v1/system/is_alive): HTTP 503"),
        "{error}"
    );
    assert_eq!(seen.heads().len(), 1, "tasks were asked of a dead server");
}

#[test]
fn a_panda_filter_that_is_not_a_json_object_is_refused_at_start() {
    let source = PandaSource {
        name: "panda".into(),
        url: "https://pandaserver.cern.ch:25443/api/v1".into(),
        task_filter: "status=running".into(),
        ..PandaSource::default()
    };
    let error = panda_from(&source)
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("panda: task_filter is not JSON"),
        "{error}"
    );
}

#[tokio::test]
async fn a_configured_bigpanda_feeds_tasks_and_triage_apart_and_keeps_data_when_jobs_fail() {
    let key = token_file(KEY);
    let fail_jobs = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failing = Arc::clone(&fail_jobs);
    let (url, _) = serve(move |head| {
        if target(head).starts_with("/jobs/") {
            if failing.load(std::sync::atomic::Ordering::SeqCst) {
                json("500 Internal Server Error", "{}")
            } else {
                json("200 OK", JOBS)
            }
        } else {
            json("200 OK", TASKS)
        }
    })
    .await
    .unwrap();
    let configured = Configured {
        bigpanda: vec![BigpandaSource {
            name: "bp".into(),
            url,
            token_file: key.path().display().to_string(),
            refresh_secs: 1,
            ..BigpandaSource::default()
        }],
        ..Configured::default()
    };
    let (events_tx, mut events) = mpsc::channel(256);
    let sources = Sources::start_configured(&configured, events_tx);

    let tasks = next_event(&mut events, |event| {
        matches!(event.kind, SourceEventKind::Data(Feed::Tasks(_)))
    })
    .await;
    assert_eq!((tasks.source.as_str(), tasks.pane), ("bp", PaneId::Tasks));
    let fresh = next_event(&mut events, |event| {
        event.pane == PaneId::Tasks
            && matches!(
                event.kind,
                SourceEventKind::Health(SourceHealth::Fresh { .. })
            )
    })
    .await;
    let SourceEventKind::Health(SourceHealth::Fresh { note, .. }) = fresh.kind else {
        unreachable!()
    };
    assert_eq!(
        note.as_deref(),
        Some("2 of 4 records skipped (record 3: no jeditaskid)")
    );
    let jobs = next_event(&mut events, |event| {
        matches!(event.kind, SourceEventKind::Data(Feed::FailedJobs(_)))
    })
    .await;
    assert_eq!(jobs.pane, PaneId::Triage);

    // Jobs start failing: Triage goes stale with the reason, Tasks stays fresh.
    fail_jobs.store(true, std::sync::atomic::Ordering::SeqCst);
    sources.refresh(PaneId::Triage);
    let stale = next_event(&mut events, |event| {
        matches!(
            event.kind,
            SourceEventKind::Health(SourceHealth::Stale { .. })
        )
    })
    .await;
    assert_eq!(stale.pane, PaneId::Triage);
    let SourceEventKind::Health(SourceHealth::Stale { reason, .. }) = stale.kind else {
        unreachable!()
    };
    assert!(reason.contains("/jobs/): HTTP 500"), "{reason}");
    let tasks_again = next_event(&mut events, |event| event.pane == PaneId::Tasks).await;
    assert!(
        matches!(
            tasks_again.kind,
            SourceEventKind::Data(Feed::Tasks(_))
                | SourceEventKind::Health(SourceHealth::Fresh { .. })
        ),
        "{:?}",
        tasks_again.kind
    );
}

#[tokio::test]
async fn a_saved_answer_is_read_again_when_it_changes_and_a_broken_one_keeps_the_last() {
    let folder = tempfile::tempdir().unwrap();
    let tasks_path = folder.path().join("tasks.json");
    std::fs::write(&tasks_path, TASKS).unwrap();
    let configured = Configured {
        file: vec![FileSource {
            name: "saved".into(),
            tasks: tasks_path.display().to_string(),
            refresh_secs: 1,
            ..FileSource::default()
        }],
        ..Configured::default()
    };
    let (events_tx, mut events) = mpsc::channel(256);
    let _sources = Sources::start_configured(&configured, events_tx);
    let ids = |event: &SourceEvent| match &event.kind {
        SourceEventKind::Data(Feed::Tasks(tasks)) => tasks.iter().map(|t| t.jeditaskid).collect(),
        _ => Vec::new(),
    };

    let first = next_event(&mut events, |event| {
        matches!(event.kind, SourceEventKind::Data(Feed::Tasks(_)))
    })
    .await;
    assert_eq!(ids(&first), [45000001, 45000002]);

    std::fs::write(
        &tasks_path,
        r#"[{"jeditaskid": 7}, {"jeditaskid": 8}, {"jeditaskid": 9}]"#,
    )
    .unwrap();
    let second = next_event(&mut events, |event| {
        matches!(&event.kind, SourceEventKind::Data(Feed::Tasks(tasks)) if tasks.len() == 3)
    })
    .await;
    assert_eq!(ids(&second), [7, 8, 9]);

    std::fs::write(&tasks_path, "<html><title>oops</title>").unwrap();
    let stale = next_event(&mut events, |event| {
        matches!(
            event.kind,
            SourceEventKind::Health(SourceHealth::Stale { .. })
        )
    })
    .await;
    let SourceEventKind::Health(SourceHealth::Stale { reason, .. }) = stale.kind else {
        unreachable!()
    };
    assert!(
        reason.starts_with("saved (")
            && reason.ends_with("tasks.json): expected JSON, found an HTML page"),
        "{reason}"
    );
}

#[test]
fn a_bigpanda_source_with_an_unreadable_ca_file_says_so() {
    let source = BigpandaSource {
        name: "bp".into(),
        url: "https://bigpanda.cern.ch".into(),
        ca_file: "/nonexistent/ca.pem".into(),
        ..BigpandaSource::default()
    };
    let error = bigpanda_from(&source)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.starts_with("bp (https://bigpanda.cern.ch"), "{error}");
    assert!(error.contains("/nonexistent/ca.pem"), "{error}");
}

#[tokio::test]
async fn a_slow_first_load_shows_how_much_has_arrived() {
    // A 1.5 MB answer in three parts, 0.7 s apart.
    let padding = " ".repeat(500_000);
    let body = format!("[{padding}{{\"jeditaskid\": 1}},{padding}{{\"jeditaskid\": 2}}{padding}]");
    let parts: Vec<Vec<u8>> = body
        .as_bytes()
        .chunks(body.len() / 3 + 1)
        .map(<[u8]>::to_vec)
        .collect();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let (url, _) = serve(move |_| {
        let mut steps = vec![Step::Write(head.clone().into_bytes())];
        for part in &parts {
            steps.push(Step::Write(part.clone()));
            steps.push(Step::Sleep(Duration::from_millis(700)));
        }
        steps
    })
    .await
    .unwrap();
    let configured = Configured {
        bigpanda: vec![BigpandaSource {
            name: "bp".into(),
            url,
            feeds: vec!["tasks".into()],
            read_timeout_secs: 5,
            ..BigpandaSource::default()
        }],
        ..Configured::default()
    };
    let (events_tx, mut events) = mpsc::channel(256);
    let _sources = Sources::start_configured(&configured, events_tx);
    let progress = next_event(&mut events, |event| {
        matches!(
            &event.kind,
            SourceEventKind::Health(SourceHealth::Loading { progress: Some(note) })
                if note.ends_with("MB received")
        )
    })
    .await;
    assert_eq!(progress.pane, PaneId::Tasks);
    let SourceEventKind::Health(SourceHealth::Loading {
        progress: Some(note),
    }) = progress.kind
    else {
        unreachable!()
    };
    // The first part, or the first two, of 0.5 MB each.
    assert!(
        note == "0.5 MB received" || note == "1.0 MB received",
        "{note}"
    );
    let tasks = next_event(&mut events, |event| {
        matches!(event.kind, SourceEventKind::Data(Feed::Tasks(_)))
    })
    .await;
    let SourceEventKind::Data(Feed::Tasks(tasks)) = tasks.kind else {
        unreachable!()
    };
    assert_eq!(tasks.len(), 2);
}

/// `pandaops model train --from URL` with only the given environment, in a home of its own.
async fn train_from(url: &str, env: &[(&str, &str)]) -> String {
    train_with_config(url, env, "").await
}

/// [`train_from`] with a config file.
async fn train_with_config(url: &str, env: &[(&str, &str)], config: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("config/pandaops/config.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, config).unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pandaops"));
    command
        .args(["model", "train", "--from", url])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"));
    for (key, value) in env {
        command.env(key, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn proxies_come_from_the_environment_and_no_proxy_is_respected() {
    let (url, seen) = serve(|_| json("200 OK", TASKS)).await.unwrap();
    let from = format!("{url}tasks/");
    let proxy = [("HTTP_PROXY", "http://user:pw-SECRET@127.0.0.1:9")];

    // Through a proxy that is not there: the error says which variable sent it there, and
    // never its value (it may hold a password).
    let through = train_from(&from, &proxy).await;
    assert!(
        through.contains("/tasks/) through the proxy in $HTTP_PROXY: cannot connect"),
        "{through}"
    );
    assert!(!through.contains("pw-SECRET"), "{through}");
    assert!(seen.heads().is_empty());

    // NO_PROXY covers the host: straight to the server, which answers two usable records.
    let direct = train_from(&from, &[proxy[0], ("NO_PROXY", "localhost,127.0.0.1")]).await;
    assert_eq!(seen.heads().len(), 1, "{direct}");
    assert!(direct.contains("too few tasks to train on"), "{direct}");
}

#[tokio::test]
async fn a_token_from_the_environment_is_read_at_each_request_and_its_absence_named() {
    let (url, seen) = serve(|_| json("200 OK", TASKS)).await.unwrap();
    let from = format!("{url}tasks/");
    let config =
        format!("[[sources.bigpanda]]\nname = \"bp\"\nurl = \"{url}\"\ntoken_env = \"BP_KEY\"\n");
    let missing = train_with_config(&from, &[], &config).await;
    assert!(
        missing.contains("/tasks/): the token variable $BP_KEY is not set"),
        "{missing}"
    );
    assert!(seen.heads().is_empty());

    let with_key = train_with_config(&from, &[("BP_KEY", "key-from-env-42")], &config).await;
    assert!(with_key.contains("too few tasks"), "{with_key}");
    assert!(!with_key.contains("key-from-env-42"), "{with_key}");
    let head = seen.heads().pop().unwrap_or_default().to_ascii_lowercase();
    assert!(
        head.contains("authorization: token key-from-env-42"),
        "{head}"
    );
}

#[tokio::test]
async fn a_jobs_answer_cut_at_the_limit_says_how_many_the_window_holds() {
    let (url, seen) = serve(|head| {
        if target(head).starts_with("/errors/") {
            json(
                "200 OK",
                r#"{"jobSummary": [
                    {"field": "computingsite", "list": [{"kname": "CERN", "kvalue": 99}]},
                    {"field": "jobstatus", "list": [
                        {"kname": "failed", "kvalue": 12000}, {"kname": "holding", "kvalue": "345"}
                    ]}]}"#,
            )
        } else {
            json("200 OK", JOBS)
        }
    })
    .await
    .unwrap();
    let settings = quick(TokenSource::None);
    let endpoint = Arc::new(Endpoint::new("bigpanda", &url, settings).unwrap());
    let bigpanda = Bigpanda::new(endpoint, 3, "", 6, "computingsite=CERN*", 3);
    let read = bigpanda.failed_jobs().await.unwrap();
    assert_eq!(read.total, Some(12_345));
    assert_eq!(
        read.note().as_deref(),
        Some(
            "showing 2 of 12345 failed and holding jobs (limit 3; narrow job_filter or raise \
             limit)"
        )
    );
    let targets: Vec<String> = seen.heads().iter().map(|head| target(head)).collect();
    assert_eq!(targets.len(), 2);
    assert_eq!(
        targets[1],
        "/errors/?json=&jobstatus=failed%7Cholding&hours=6&computingsite=CERN*&fields=jobSummary"
    );
}

#[tokio::test]
async fn a_token_file_that_already_holds_the_scheme_sends_it_once() {
    let (url, seen) = serve(|_| json("200 OK", "[]")).await.unwrap();
    let key = token_file(&format!("token {KEY}"));
    let mut settings = quick(TokenSource::File(key.path().to_path_buf()));
    settings.token_scheme = "Token".to_string();
    let endpoint = Arc::new(Endpoint::new("bigpanda", &url, settings).unwrap());
    Bigpanda::new(endpoint, 3, "", 6, "", 10)
        .tasks()
        .await
        .unwrap();
    let head = seen.heads().pop().unwrap_or_default();
    assert!(
        head.contains(&format!("authorization: Token {KEY}\r\n")),
        "{head}"
    );
}
