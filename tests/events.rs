//! Deployment events read through the console's own source: an HTTP endpoint on a local server
//! answering a JSON array of every record shape (and failing as endpoints do), and a configured
//! JSON-lines file followed as it grows, feeding the Alerts pane.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "support/server.rs"]
mod server;

use std::io::Write;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use pandaops::config::{EventsSource, Sources as Configured};
use pandaops::domain::{DeploymentEvent, Feed, PaneId, SourceEvent, SourceEventKind, SourceHealth};
use pandaops::sources::Sources;
use pandaops::sources::events::EventsEndpoint;
use pandaops::sources::http::{HttpError, HttpSettings};
use server::{Step, json, next_event, response, serve};
use tokio::sync::mpsc;

fn quick() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(400),
        total_timeout: Duration::from_secs(2),
        proxy_from_env: false,
        ..HttpSettings::default()
    }
}

/// Now, to the second, and a time some minutes before it, as RFC 3339 text.
fn minutes_ago(now: Timestamp, minutes: i64) -> (Timestamp, String) {
    let at = now - SignedDuration::from_mins(minutes);
    (at, at.to_string())
}

fn now_to_the_second() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap()
}

/// The events of a poll, as the pane gets them.
fn events_of(polled: &pandaops::sources::poll::Polled) -> Vec<DeploymentEvent> {
    match polled.feeds.as_slice() {
        [(PaneId::Alerts, Feed::Events(events))] => events.clone(),
        other => panic!("expected one Events feed for the Alerts pane, got {other:?}"),
    }
}

#[tokio::test]
async fn an_endpoint_answering_every_record_shape() {
    let now = now_to_the_second();
    let (structured_at, structured_time) = minutes_ago(now, 5);
    let (posted_at, _) = minutes_ago(now, 10);
    let body = serde_json::json!([
        {"id": "d-1", "component": "panda-jedi", "branch": "1.0.3", "host": "aipanda031.cern.ch",
         "user": "wguan", "commit": "9f8e7d6", "time": structured_time},
        {"text": ":panda_face:**panda-server@master upgrade on:** `aipanda123.cern.ch` by `jdoe`.",
         "props": {"card": "| **Commit** | [`0123456789abcdef`](https://github.com/PanDAWMS/panda-server/commit/0123456789abcdef) |"},
         "timestamp": posted_at.as_millisecond()},
        "harvester@flin upgrade on: aipanda170 by tmaier",
        {"text": "⚠️ The availability of PandaBigMon on aipanda162 is 80 (httpd)"},
        {"component": "bigpanda", "host": "aipanda162", "time": "2020-01-01T00:00:00Z"}
    ])
    .to_string();
    let (url, seen) = serve(move |_| json("200 OK", &body)).await.unwrap();
    let endpoint = EventsEndpoint::new(
        "chatops",
        &format!("{url}feeds/deploys?hours=2&channel=ops"),
        quick(),
        48,
    )
    .unwrap();

    let first = endpoint.poll().await.unwrap();
    let heads = seen.heads();
    assert!(
        heads[0].starts_with("GET /feeds/deploys?hours=2&channel=ops HTTP/1.1"),
        "{}",
        heads[0]
    );
    let events = events_of(&first);
    let summary: Vec<(&str, &str, &str, &str, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e.component.as_str(),
                e.branch.as_str(),
                e.host.as_str(),
                e.user.as_str(),
                e.commit.as_deref(),
            )
        })
        .collect();
    // The undated plain string is dated when first read, so it comes first.
    assert_eq!(
        summary,
        [
            ("harvester", "flin", "aipanda170", "tmaier", None),
            (
                "panda-jedi",
                "1.0.3",
                "aipanda031.cern.ch",
                "wguan",
                Some("9f8e7d6")
            ),
            (
                "panda-server",
                "master",
                "aipanda123.cern.ch",
                "jdoe",
                Some("0123456789abcdef")
            ),
        ]
    );
    assert!(events[0].at >= now);
    assert_eq!(
        (events[1].id.as_str(), events[1].at),
        ("d-1", structured_at)
    );
    assert_eq!(events[2].at, posted_at);
    assert_eq!(
        first.note.as_deref(),
        Some(
            "1 of 5 records skipped (record 4: no \"X@branch upgrade on host by user\"); \
             1 without a time, dated when read"
        )
    );

    // The same answer again: the same events, the undated one with the time it was first read.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = events_of(&endpoint.poll().await.unwrap());
    assert_eq!(again, events);
}

#[tokio::test]
async fn html_empty_and_cut_off_answers_are_errors() {
    let endpoint_at = |url: String| EventsEndpoint::new("chatops", &url, quick(), 48).unwrap();

    let (url, _) = serve(|_| {
        vec![Step::Write(response(
            "200 OK",
            &[("content-type", "text/html; charset=utf-8")],
            b"<!DOCTYPE html><html><head><title>Sign in</title></head></html>",
        ))]
    })
    .await
    .unwrap();
    let error = endpoint_at(format!("{url}events"))
        .poll()
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Html { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "chatops ({url}events): expected JSON, got an HTML page titled \"Sign in\" \
             (a login page? check the token and the URL)"
        )
    );

    let (url, _) = serve(|_| json("200 OK", "")).await.unwrap();
    let error = endpoint_at(format!("{url}events"))
        .poll()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("chatops ({url}events): empty response where JSON was expected")
    );

    // The JSON ends early.
    let (url, _) = serve(|_| json("200 OK", r#"[{"component": "panda-server", "ho"#))
        .await
        .unwrap();
    let error = endpoint_at(format!("{url}events"))
        .poll()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "chatops ({url}events): response truncated after 34 bytes (line 1 column 34): \
             the JSON ends early"
        )
    );

    // The connection closes before the length announced.
    let (url, _) = serve(|_| {
        let mut bytes =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n[{"
                .to_vec();
        bytes.extend(std::iter::repeat_n(b' ', 98));
        vec![Step::Write(bytes)]
    })
    .await
    .unwrap();
    let error = endpoint_at(format!("{url}events"))
        .poll()
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "chatops ({url}events): response cut short after 100 bytes of the 400 announced"
        )),
        "{text}"
    );

    // JSON, but no list of events in it.
    let (url, _) = serve(|_| json("200 OK", r#"{"status": "ok"}"#))
        .await
        .unwrap();
    let error = endpoint_at(format!("{url}events"))
        .poll()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "chatops ({url}events): expected a JSON array of events, or an object holding \
             one; found an object with keys status"
        )
    );
}

fn hosts(event: &SourceEvent) -> Vec<String> {
    match &event.kind {
        SourceEventKind::Data(Feed::Events(events)) => {
            events.iter().map(|event| event.host.clone()).collect()
        }
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn a_configured_events_file_feeds_the_alerts_pane_and_a_missing_one_goes_stale() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("deploys.jsonl");
    let append = |text: &str| {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    };
    append("panda-server@master upgrade on: aipanda101 by jdoe\n");
    let configured = Configured {
        events: vec![EventsSource {
            name: "deploys".into(),
            path: path.display().to_string(),
            refresh_secs: 1,
            ..EventsSource::default()
        }],
        ..Configured::default()
    };
    let (events_tx, mut events) = mpsc::channel(256);
    let _sources = Sources::start_configured(&configured, events_tx);

    let first = next_event(&mut events, |event| !hosts(event).is_empty()).await;
    assert_eq!(
        (first.source.as_str(), first.pane),
        ("deploys", PaneId::Alerts)
    );
    assert_eq!(hosts(&first), ["aipanda101"]);
    let fresh = next_event(&mut events, |event| {
        matches!(
            event.kind,
            SourceEventKind::Health(SourceHealth::Fresh { .. })
        )
    })
    .await;
    let SourceEventKind::Health(SourceHealth::Fresh { note, .. }) = fresh.kind else {
        unreachable!()
    };
    assert_eq!(note.as_deref(), Some("1 without a time, dated when read"));

    let later = Timestamp::now() + SignedDuration::from_secs(60);
    append(&format!(
        "{{\"component\": \"panda-jedi\", \"branch\": \"master\", \"host\": \"aipanda102\", \
         \"user\": \"wguan\", \"time\": \"{later}\"}}\n"
    ));
    let second = next_event(&mut events, |event| hosts(event).len() == 2).await;
    assert_eq!(hosts(&second), ["aipanda102", "aipanda101"]);

    std::fs::remove_file(&path).unwrap();
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
    assert_eq!(
        reason,
        format!(
            "deploys ({}): the file does not exist (yet?)",
            path.display()
        )
    );
}
