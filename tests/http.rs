//! The shared HTTP client against a tiny local server that misbehaves on purpose: it hangs,
//! trickles, cuts bodies short, sends nothing, refuses the token, rate-limits, fails, serves a
//! login page or far too much. Each case checks the error an operator would read, and that the
//! token never shows up in it.

#[path = "support/server.rs"]
mod server;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pandaops::sources::http::{Endpoint, HttpError, HttpSettings, TokenSource};

use server::{Step, json, response, serve};

const TOKEN: &str = "tok-SECRET-4242-never-show-me";

fn quick() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(400),
        total_timeout: Duration::from_secs(2),
        proxy_from_env: false,
        ..HttpSettings::default()
    }
}

async fn get(endpoint: &Endpoint) -> Result<serde_json::Value, HttpError> {
    endpoint.get_json("api/v1/things", &[]).await
}

/// The message an operator reads, checked to name the endpoint and never carry the token.
fn shown(error: &HttpError) -> String {
    let text = error.to_string();
    assert!(!text.contains(TOKEN), "token leaked into: {text}");
    assert!(
        !format!("{error:?}").contains(TOKEN),
        "token leaked into Debug"
    );
    assert!(
        text.starts_with("test (http://127.0.0.1:") && text.contains("/api/v1/things)"),
        "the endpoint is not named: {text}"
    );
    text
}

#[tokio::test]
async fn a_good_answer_decodes_and_carries_the_token() {
    let (url, seen) = serve(|_| json("200 OK", r#"{"ok":[1,2,3]}"#))
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let token_file = folder.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let settings = HttpSettings {
        token: TokenSource::File(token_file),
        ..quick()
    };
    let endpoint = Endpoint::new("test", &url, settings).unwrap();
    let value = get(&endpoint).await.unwrap();
    assert_eq!(value["ok"][2], 3);
    let heads = seen.heads();
    assert!(
        heads[0].starts_with("GET /api/v1/things HTTP/1.1"),
        "{}",
        heads[0]
    );
    assert!(heads[0].to_ascii_lowercase().contains(&format!(
        "authorization: bearer {}",
        TOKEN.to_ascii_lowercase()
    )));
    assert!(!format!("{endpoint:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_waiting_for_data() {
    let (url, _) = serve(|_| vec![Step::Hang]).await.unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let started = Instant::now();
    let error = get(&endpoint).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let text = shown(&error);
    assert!(
        matches!(
            error,
            HttpError::Timeout {
                phase: "waiting for data",
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.ends_with("timed out waiting for data after 0.4 s"),
        "{text}"
    );
}

#[tokio::test]
async fn a_slow_trickle_is_cut_by_the_total_timeout() {
    let (url, _) = serve(|_| {
        let mut steps = vec![Step::Write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"
                .to_vec(),
        )];
        for _ in 0..99 {
            steps.push(Step::Sleep(Duration::from_millis(100)));
            steps.push(Step::Write(b" ".to_vec()));
        }
        steps
    })
    .await
    .unwrap();
    let settings = HttpSettings {
        total_timeout: Duration::from_millis(900),
        ..quick()
    };
    let endpoint = Endpoint::new("test", &url, settings).unwrap();
    let started = Instant::now();
    let error = get(&endpoint).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1500));
    let text = shown(&error);
    assert!(
        text.contains("timed out the whole request after 0.9 s"),
        "{text}"
    );
}

#[tokio::test]
async fn a_body_cut_short_says_how_much_arrived() {
    let (url, _) = serve(|_| {
        let mut head =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n"
                .to_vec();
        head.extend(std::iter::repeat_n(b' ', 1200));
        vec![Step::Write(head)]
    })
    .await
    .unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let text = shown(&get(&endpoint).await.unwrap_err());
    assert!(
        text.contains("response cut short after 1200 bytes of the 5000 announced"),
        "{text}"
    );
}

#[tokio::test]
async fn json_that_ends_early_is_called_truncated() {
    let body = r#"{"tasks":[{"jeditaskid":42,"status":"runn"#;
    let (url, _) = serve(move |_| json("200 OK", body)).await.unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let text = shown(&get(&endpoint).await.unwrap_err());
    assert!(
        text.contains("response truncated after 41 bytes (line 1 column 41)"),
        "{text}"
    );
}

#[tokio::test]
async fn an_empty_body_is_not_an_empty_list() {
    let (url, _) = serve(|_| json("200 OK", "")).await.unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let text = shown(&get(&endpoint).await.unwrap_err());
    assert!(
        text.ends_with("empty response where JSON was expected"),
        "{text}"
    );
}

#[tokio::test]
async fn unauthorised_names_the_token_file_never_the_token_and_a_new_token_is_picked_up() {
    // The server echoes the Authorization header back, as a careless proxy might.
    let (url, seen) = serve(|head| {
        let echoed = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization"))
            .unwrap_or("")
            .to_string();
        if echoed.contains("NEW") {
            json("200 OK", "[]")
        } else {
            json(
                "401 Unauthorized",
                &format!(
                    r#"{{"detail":"token expired: {}"}}"#,
                    echoed.replace('"', "")
                ),
            )
        }
    })
    .await
    .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let token_file = folder.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let settings = HttpSettings {
        token: TokenSource::File(token_file.clone()),
        ..quick()
    };
    let endpoint = Endpoint::new("test", &url, settings).unwrap();

    let error = get(&endpoint).await.unwrap_err();
    let text = shown(&error);
    assert!(
        matches!(error, HttpError::Auth { status: 401, .. }),
        "{text}"
    );
    assert!(text.contains("authentication refused (HTTP 401)"), "{text}");
    assert!(text.contains("token expired"), "{text}");
    assert!(
        text.contains("<token>"),
        "the echoed token should be blanked: {text}"
    );
    assert!(
        text.contains(&format!("watching {}", token_file.display())),
        "{text}"
    );

    // The operator refreshes the token; the next request uses it without a restart.
    std::fs::write(&token_file, "NEW-token-2\n").unwrap();
    let value = get(&endpoint).await.unwrap();
    assert_eq!(value, serde_json::json!([]));
    assert!(seen.heads()[1].contains("Bearer NEW-token-2"));
}

#[tokio::test]
async fn forbidden_is_an_authentication_error_too() {
    let (url, _) = serve(|_| json("403 Forbidden", r#"{"message":"not in the VO"}"#))
        .await
        .unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let error = get(&endpoint).await.unwrap_err();
    let text = shown(&error);
    assert_eq!(error.status(), Some(403));
    assert!(
        text.ends_with("authentication refused (HTTP 403): not in the VO: no token is configured"),
        "{text}"
    );
}

#[tokio::test]
async fn too_many_requests_carries_retry_after() {
    let (url, _) = serve(|_| {
        vec![Step::Write(response(
            "429 Too Many Requests",
            &[("retry-after", "3"), ("content-type", "text/plain")],
            b"slow down",
        ))]
    })
    .await
    .unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let error = get(&endpoint).await.unwrap_err();
    let text = shown(&error);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
    assert!(
        text.ends_with(
            "HTTP 429: Too Many Requests: slow down (the server asks to retry after 3.0 s)"
        ),
        "{text}"
    );
    let wait = endpoint
        .not_before()
        .map(|at| at - Instant::now())
        .unwrap_or_default();
    assert!(
        wait > Duration::from_secs(2) && wait <= Duration::from_secs(3),
        "{wait:?}"
    );
}

#[tokio::test]
async fn unavailable_with_retry_after_is_honoured_and_500_is_not_a_rate_limit() {
    let (url, _) = serve(|head| {
        if head.contains("things") {
            vec![Step::Write(response(
                "503 Service Unavailable",
                &[("retry-after", "1")],
                b"",
            ))]
        } else {
            vec![Step::Write(response(
                "500 Internal Server Error",
                &[("retry-after", "9")],
                b"Traceback (most recent call last):\n  boom",
            ))]
        }
    })
    .await
    .unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let error = get(&endpoint).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert!(
        shown(&error)
            .ends_with("HTTP 503: Service Unavailable (the server asks to retry after 1.0 s)")
    );

    let error = endpoint
        .get_json::<serde_json::Value>("other", &[])
        .await
        .unwrap_err();
    assert_eq!(error.retry_after(), None);
    let text = error.to_string();
    assert!(
        text.ends_with(
            "/other): HTTP 500: Internal Server Error: Traceback (most recent call last): boom"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_login_page_is_reported_as_html_not_as_a_json_error() {
    let page = b"<!DOCTYPE html>\n<html><head><title>Sign in \xe2\x80\x93 CERN Single Sign-On</title></head><body>...</body></html>";
    let (url, _) = serve(move |_| {
        vec![Step::Write(response(
            "200 OK",
            &[("content-type", "text/html; charset=utf-8")],
            page,
        ))]
    })
    .await
    .unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let error = get(&endpoint).await.unwrap_err();
    let text = shown(&error);
    assert!(matches!(error, HttpError::Html { .. }));
    assert!(
        text.contains("expected JSON, got an HTML page titled \"Sign in – CERN Single Sign-On\""),
        "{text}"
    );

    // Served as JSON by a confused proxy, it is still recognised.
    let (url, _) = serve(move |_| json("200 OK", "  <html><title>Login</title>"))
        .await
        .unwrap();
    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    assert!(
        matches!(get(&endpoint).await.unwrap_err(), HttpError::Html { ref title, .. } if title == "Login")
    );
}

#[tokio::test]
async fn an_oversize_body_is_refused_announced_or_not() {
    let big = format!("[{}0]", "0,".repeat(3000));
    let announced = big.clone();
    let (url, _) = serve(move |_| json("200 OK", &announced)).await.unwrap();
    let settings = HttpSettings {
        max_body_bytes: 1000,
        ..quick()
    };
    let endpoint = Endpoint::new("test", &url, settings.clone()).unwrap();
    let text = shown(&get(&endpoint).await.unwrap_err());
    assert!(
        text.ends_with("response larger than the limit of 1000 bytes"),
        "{text}"
    );

    // Without a length: the body is counted as it arrives (chunked, until the connection closes).
    let (url, _) = serve(move |_| {
        let mut bytes =
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n"
                .to_vec();
        bytes.extend_from_slice(big.as_bytes());
        vec![Step::Write(bytes)]
    })
    .await
    .unwrap();
    let endpoint = Endpoint::new("test", &url, settings).unwrap();
    let text = shown(&get(&endpoint).await.unwrap_err());
    assert!(
        text.ends_with("response larger than the limit of 1000 bytes"),
        "{text}"
    );
}

#[tokio::test]
async fn one_request_at_a_time_per_endpoint() {
    let (url, seen) = serve(|_| {
        let mut steps = vec![Step::Sleep(Duration::from_millis(100))];
        steps.extend(json("200 OK", "{}"));
        steps
    })
    .await
    .unwrap();
    let endpoint = Arc::new(Endpoint::new("test", &url, quick()).unwrap());
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let endpoint = Arc::clone(&endpoint);
            tokio::spawn(async move { get(&endpoint).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(seen.heads().len(), 3);
    assert_eq!(seen.most_open.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn nothing_listening_is_a_connection_error_naming_the_endpoint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let endpoint = Endpoint::new("test", &format!("http://user:pw@{address}"), quick()).unwrap();
    let error = get(&endpoint).await.unwrap_err();
    let text = shown(&error);
    assert!(matches!(error, HttpError::Connect { .. }), "{text}");
    assert!(!text.contains("pw"), "{text}");
}

#[tokio::test]
async fn bad_settings_are_refused_with_the_reason() {
    let error = Endpoint::new("test", "ftp://host/", quick()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("must start with http:// or https://"),
        "{error}"
    );
    let settings = HttpSettings {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..quick()
    };
    let error = Endpoint::new("test", "https://host/", settings).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot read the CA file /nonexistent/ca.pem"),
        "{error}"
    );
}

#[tokio::test]
async fn a_gzip_body_is_decoded_and_the_limit_counts_what_it_expands_to() {
    use std::io::Write;
    let json_text = format!("[{}0]", "0,".repeat(5000));
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(json_text.as_bytes()).unwrap();
    let packed = encoder.finish().unwrap();
    assert!(packed.len() < 1000, "{}", packed.len());
    let (url, seen) = serve(move |_| {
        vec![Step::Write(response(
            "200 OK",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            &packed,
        ))]
    })
    .await
    .unwrap();

    let endpoint = Endpoint::new("test", &url, quick()).unwrap();
    let value = get(&endpoint).await.unwrap();
    assert_eq!(value.as_array().map(Vec::len), Some(5001));
    assert!(
        seen.heads()[0]
            .to_ascii_lowercase()
            .contains("accept-encoding: gzip")
    );

    // 10 kB once unpacked: over a 5 kB limit, though under 1 kB on the wire.
    let settings = HttpSettings {
        max_body_bytes: 5000,
        ..quick()
    };
    let endpoint = Endpoint::new("test", &url, settings).unwrap();
    let text = shown(&get(&endpoint).await.unwrap_err());
    assert!(
        text.ends_with("response larger than the limit of 5000 bytes"),
        "{text}"
    );
}

/// A query that starts failing keeps its last good series and is named in a note; the other
/// queries stay fresh. A server error fails the whole poll, so the pane goes stale instead.
#[tokio::test]
async fn a_failing_prometheus_query_keeps_its_last_series_beside_the_others() {
    use pandaops::config::{PrometheusQuery, PrometheusSource};
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&polls);
    let (url, _) = serve(move |head| {
        let poll = counted.load(Ordering::SeqCst);
        let matrix = |name: &str, value: &str| {
            format!(
                r#"{{"status":"success","data":{{"resultType":"matrix","result":[
                {{"metric":{{"__name__":"{name}"}},"values":[[1000,"{value}"]]}}]}}}}"#
            )
        };
        if head.contains("query=second") && poll >= 1 {
            json(
                "400 Bad Request",
                r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
            )
        } else if head.contains("query=first") && poll >= 2 {
            json("503 Service Unavailable", "")
        } else if head.contains("query=first") {
            json("200 OK", &matrix("first", "1"))
        } else {
            json("200 OK", &matrix("second", "2"))
        }
    })
    .await
    .unwrap();
    let query = |name: &str| PrometheusQuery {
        name: name.to_string(),
        promql: name.to_string(),
        ..PrometheusQuery::default()
    };
    let source = PrometheusSource {
        name: "prom".into(),
        url,
        range_minutes: 1,
        queries: vec![query("first"), query("second")],
        ..PrometheusSource::default()
    };
    let prometheus = pandaops::sources::prometheus_from(&source).unwrap();

    let ids = |series: &[pandaops::domain::Series]| -> Vec<String> {
        series.iter().map(|s| s.title.clone()).collect()
    };
    let first = prometheus.fetch_ending_at(1020).await.unwrap();
    assert_eq!(ids(&first.series), ["first", "second"]);
    assert_eq!(first.note(2), None);

    polls.store(1, Ordering::SeqCst);
    let second = prometheus.fetch_ending_at(1020).await.unwrap();
    assert_eq!(ids(&second.series), ["first", "second"]);
    // The last good series (compared as text: its gaps are NaN, never equal to themselves).
    assert_eq!(
        format!("{:?}", second.series[1]),
        format!("{:?}", first.series[1])
    );
    assert_eq!(
        second.note(2).as_deref(),
        Some(
            "1 of 2 queries failed, last values kept (query \"second\": HTTP 400: Bad Request: \
             bad_data: parse error)"
        )
    );

    polls.store(2, Ordering::SeqCst);
    let error = prometheus.fetch_ending_at(1020).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
}
