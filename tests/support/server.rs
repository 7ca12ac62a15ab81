//! A tiny local HTTP server that answers from a script, to test clients against real sockets:
//! it can hang, trickle, cut bodies short or serve anything else a test writes.

#![allow(dead_code, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does after reading a request.
#[derive(Clone)]
pub enum Step {
    Write(Vec<u8>),
    Sleep(Duration),
    /// Keep the connection open and silent until the client gives up.
    Hang,
}

/// Requests the server saw (their head, with headers), and how many were open at once.
#[derive(Default)]
pub struct Seen {
    pub heads: Mutex<Vec<String>>,
    pub open: AtomicUsize,
    pub most_open: AtomicUsize,
}

impl Seen {
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().map(|h| h.clone()).unwrap_or_default()
    }
}

/// Starts a server on a free loopback port; `script` decides the answer from the request head.
pub async fn serve(
    script: impl Fn(&str) -> Vec<Step> + Send + Sync + 'static,
) -> std::io::Result<(String, Arc<Seen>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let seen = Arc::new(Seen::default());
    let script = Arc::new(script);
    let server_seen = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = Arc::clone(&server_seen);
            let script = Arc::clone(&script);
            tokio::spawn(async move { answer(stream, &seen, &*script).await });
        }
    });
    Ok((format!("http://{address}/"), seen))
}

async fn answer(mut stream: TcpStream, seen: &Seen, script: &(dyn Fn(&str) -> Vec<Step> + Sync)) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let open = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
    seen.most_open.fetch_max(open, Ordering::SeqCst);
    if let Ok(mut heads) = seen.heads.lock() {
        heads.push(head.clone());
    }
    for step in script(&head) {
        match step {
            Step::Write(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    break;
                }
                let _ = stream.flush().await;
            }
            Step::Sleep(pause) => tokio::time::sleep(pause).await,
            Step::Hang => tokio::time::sleep(Duration::from_secs(60)).await,
        }
    }
    seen.open.fetch_sub(1, Ordering::SeqCst);
    let _ = stream.shutdown().await;
}

pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
    {
        text.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

pub fn json(status: &str, body: &str) -> Vec<Step> {
    vec![Step::Write(response(
        status,
        &[("content-type", "application/json")],
        body.as_bytes(),
    ))]
}

/// The next event a source sends that `wanted` accepts, within 20 s.
pub async fn next_event(
    events: &mut tokio::sync::mpsc::Receiver<pandaops::domain::SourceEvent>,
    wanted: impl Fn(&pandaops::domain::SourceEvent) -> bool,
) -> pandaops::domain::SourceEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("no such event in time")
            .expect("the sources stopped");
        if wanted(&event) {
            return event;
        }
    }
}
