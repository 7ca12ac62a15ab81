//! HTTPS with a CA of the site's own, as grid sites run them: a server whose certificate a test
//! CA signed is trusted through `ca_file` or `ca_dir` and refused without them. The server is
//! `openssl s_server`, whose `-www` answers an HTML status page: reaching that page (reported as
//! "expected JSON, got an HTML page") proves the handshake was trusted.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use pandaops::sources::http::{Endpoint, HttpError, HttpSettings};

const OPENSSL: &str = "/usr/bin/openssl";

/// openssl, or `None` after saying loudly that the test is skipped; with
/// `PANDAOPS_REQUIRE_SERVERS=1` (set by `.ci/run`) a missing openssl fails the test.
fn openssl() -> Option<&'static str> {
    if Path::new(OPENSSL).is_file() {
        return Some(OPENSSL);
    }
    assert!(
        std::env::var("PANDAOPS_REQUIRE_SERVERS").as_deref() != Ok("1"),
        "{OPENSSL} is missing and PANDAOPS_REQUIRE_SERVERS=1: apt-get install -y openssl"
    );
    eprintln!("\n*** SKIPPED tls: {OPENSSL} is not installed (apt-get install -y openssl) ***\n");
    None
}

fn run(openssl: &str, folder: &Path, arguments: &[&str]) {
    let output = Command::new(openssl)
        .args(arguments)
        .current_dir(folder)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl {arguments:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA, and a server certificate for 127.0.0.1 that it signed.
fn make_certificates(openssl: &str, folder: &Path) {
    let subject_ca = "/CN=pandaops test CA";
    run(
        openssl,
        folder,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", subject_ca,
        ],
    );
    run(
        openssl,
        folder,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        folder.join("server.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        openssl,
        folder,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_server(openssl: &str, folder: &Path) -> (Server, u16) {
    let port = free_port();
    let child = Command::new(openssl)
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            "server.pem",
            "-key",
            "server.key",
            "-www",
            "-quiet",
        ])
        .current_dir(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (server, port);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("openssl s_server did not start on port {port}");
}

async fn get(port: u16, ca_file: Option<PathBuf>, ca_dir: Option<PathBuf>) -> HttpError {
    let settings = HttpSettings {
        ca_file,
        ca_dir,
        proxy_from_env: false,
        connect_timeout: Duration::from_secs(5),
        ..HttpSettings::default()
    };
    let endpoint = Endpoint::new("grid", &format!("https://127.0.0.1:{port}/"), settings).unwrap();
    endpoint
        .get_json::<serde_json::Value>("api/v1/status", &[])
        .await
        .expect_err("s_server answers HTML, never JSON")
}

#[tokio::test]
async fn a_site_ca_is_trusted_from_a_file_or_a_folder_and_refused_without() {
    let Some(openssl) = openssl() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    make_certificates(openssl, folder.path());
    let ca_dir = folder.path().join("certificates");
    std::fs::create_dir(&ca_dir).unwrap();
    std::fs::copy(
        folder.path().join("ca.pem"),
        ca_dir.join("pandaops-test.pem"),
    )
    .unwrap();
    std::fs::write(ca_dir.join("README"), "not a certificate").unwrap();
    let (_server, port) = start_server(openssl, folder.path()).await;

    let trusted_by_file = get(port, Some(folder.path().join("ca.pem")), None).await;
    assert!(
        matches!(trusted_by_file, HttpError::Html { .. }),
        "{trusted_by_file}"
    );
    let trusted_by_folder = get(port, None, Some(ca_dir)).await;
    assert!(
        matches!(trusted_by_folder, HttpError::Html { .. }),
        "{trusted_by_folder}"
    );

    let refused = get(port, None, None).await;
    let text = refused.to_string();
    assert!(matches!(refused, HttpError::Connect { .. }), "{text}");
    assert!(
        text.starts_with(&format!(
            "grid (https://127.0.0.1:{port}/api/v1/status): cannot connect"
        )) && text.to_ascii_lowercase().contains("certificate"),
        "{text}"
    );
}
