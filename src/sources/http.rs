//! The HTTP client every network source shares: timeouts, one request at a time per endpoint,
//! backoff, body limits, bearer tokens and errors an operator can act on.
//!
//! A source builds one [`Endpoint`] per server and calls it from its own task; the UI never
//! waits on anything here. Responses are checked in this order: the status, then the content
//! (an HTML page where JSON was expected is reported as such), then the size, and only then is
//! the body decoded. Errors name the endpoint (scheme, host, port and path, never credentials)
//! and say what went wrong in words. The token never leaves this module: it is not logged, not
//! put in an error, and a server that echoes it back has it blanked out of the reported text.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ui::text::sanitize;

/// How much of an error body is read to explain a failure.
const ERROR_BODY_LIMIT_BYTES: usize = 64 * 1024;
/// How many characters of a server's own text go into an error message.
const DETAIL_MAX_CHARS: usize = 200;
/// Longest `Retry-After` taken at its word; a server asking for more gets this.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(3600);

/// Where the bearer token comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenSource {
    #[default]
    None,
    /// The value of this environment variable, read at every request.
    Env(String),
    /// The first line of this file, read again whenever the file changes.
    File(PathBuf),
}

/// How an endpoint talks to its server.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of a response (headers or body).
    pub read_timeout: Duration,
    /// Longest a whole request may take, body included.
    pub total_timeout: Duration,
    /// Largest body accepted, after decompression.
    pub max_body_bytes: usize,
    /// A PEM file of CA certificates trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    /// A folder of PEM CA certificates (such as `/etc/grid-security/certificates`).
    pub ca_dir: Option<PathBuf>,
    pub token: TokenSource,
    /// The word before the token in the `Authorization` header: `Bearer`, or `Token` for a
    /// BigPanDA API key.
    pub token_scheme: String,
    /// Sent with every request, such as PanDA's `Origin: atlas:production`.
    pub headers: Vec<(String, String)>,
    /// Use `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment.
    pub proxy_from_env: bool,
    /// First wait after a failure; doubled after each further failure.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            total_timeout: Duration::from_secs(30),
            max_body_bytes: 32 * 1024 * 1024,
            ca_file: None,
            ca_dir: None,
            token: TokenSource::None,
            token_scheme: "Bearer".to_string(),
            headers: Vec::new(),
            proxy_from_env: true,
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
        }
    }
}

/// What went wrong with a request, in words that name the endpoint.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HttpError {
    /// The settings cannot work: a bad URL, an unreadable CA file or token file.
    #[error("{endpoint}: {reason}")]
    Setup { endpoint: String, reason: String },
    /// No answer in time; `phase` is "connecting", "waiting for data" or "the whole request".
    #[error("{endpoint}: timed out {phase} after {}", seconds(*after))]
    Timeout {
        endpoint: String,
        phase: &'static str,
        after: Duration,
    },
    /// The connection could not be made or broke before an answer.
    #[error("{endpoint}: cannot connect: {reason}")]
    Connect { endpoint: String, reason: String },
    /// 401 or 403: the token is missing, expired or not allowed.
    #[error(
        "{endpoint}: authentication refused (HTTP {status}){}: {hint}",
        detail_suffix(detail)
    )]
    Auth {
        endpoint: String,
        status: u16,
        detail: String,
        hint: String,
    },
    /// Any other status outside 2xx; `detail` is the server's own explanation when it gave one.
    #[error("{endpoint}: HTTP {status}{}{}", detail_suffix(detail), retry_suffix(*retry_after))]
    Status {
        endpoint: String,
        status: u16,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// JSON was expected and an HTML page came, usually a single sign-on login page.
    #[error(
        "{endpoint}: expected JSON, got an HTML page{} (a login page? check the token and the URL)",
        title_suffix(title)
    )]
    Html { endpoint: String, title: String },
    /// The body does not fit the limit.
    #[error("{endpoint}: response larger than the limit of {limit_bytes} bytes")]
    TooLarge {
        endpoint: String,
        limit_bytes: usize,
    },
    /// The body is empty, cut short or not the JSON expected.
    #[error("{endpoint}: {reason}")]
    Body { endpoint: String, reason: String },
    /// The answer came and says the request failed, in the server's words (PanDA's
    /// `{"success": false, "message": …}`).
    #[error("{endpoint}: the server says: {message}")]
    Refused { endpoint: String, message: String },
}

impl HttpError {
    /// How long the server asked us to wait, for 429 and 503.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The endpoint the error names, as every variant's message starts with it.
    fn endpoint_mut(&mut self) -> &mut String {
        match self {
            HttpError::Setup { endpoint, .. }
            | HttpError::Timeout { endpoint, .. }
            | HttpError::Connect { endpoint, .. }
            | HttpError::Auth { endpoint, .. }
            | HttpError::Status { endpoint, .. }
            | HttpError::Html { endpoint, .. }
            | HttpError::TooLarge { endpoint, .. }
            | HttpError::Body { endpoint, .. }
            | HttpError::Refused { endpoint, .. } => endpoint,
        }
    }

    /// The same error with `what` (such as `query "failure_rate"`) after the endpoint's name.
    pub fn about(mut self, what: &str) -> HttpError {
        let endpoint = self.endpoint_mut();
        endpoint.push(' ');
        endpoint.push_str(what);
        self
    }

    /// What went wrong, without the endpoint: for a message that names it otherwise.
    pub fn reason(&self) -> String {
        let mut unnamed = self.clone();
        unnamed.endpoint_mut().clear();
        unnamed.to_string().trim_start_matches(": ").to_string()
    }

    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Auth { status, .. } | HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.1} s")
    } else {
        format!("{secs:.0} s")
    }
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

fn retry_suffix(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|wait| format!(" (the server asks to retry after {})", seconds(wait)))
        .unwrap_or_default()
}

fn title_suffix(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!(" titled \"{title}\"")
    }
}

/// A token, kept out of every `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The token file's last reading: re-read when its modification time or size changes.
#[derive(Debug, Default)]
struct TokenFileCache {
    stamp: Option<(SystemTime, u64)>,
    token: Option<Secret>,
}

/// Exponential backoff with jitter, and the server's `Retry-After` as a floor.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            failures: 0,
        }
    }

    /// The wait before the next attempt after one more failure: `min · 2ⁿ` capped at `max`,
    /// drawn between its half and its whole so that many consoles do not retry in step, and
    /// never shorter than what the server asked for.
    pub fn next_delay(&mut self, server_asked: Option<Duration>) -> Duration {
        let exponent = self.failures.min(20);
        self.failures = self.failures.saturating_add(1);
        let ceiling = self
            .min
            .saturating_mul(1u32 << exponent)
            .min(self.max)
            .as_secs_f64();
        let jittered = Duration::from_secs_f64(ceiling * (0.5 + 0.5 * fastrand::f64()));
        match server_asked {
            Some(asked) => jittered.max(asked.min(RETRY_AFTER_MAX)),
            None => jittered,
        }
    }

    /// A success: the next failure starts from the shortest wait again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// One server: its client, its one-at-a-time gate and its token.
pub struct Endpoint {
    /// Names the endpoint in errors and logs: the source name and the URL without credentials.
    source: String,
    base: Url,
    client: reqwest::Client,
    settings: HttpSettings,
    /// Held for the whole of a request, so one endpoint never has two in flight.
    gate: tokio::sync::Mutex<()>,
    token_file: Mutex<TokenFileCache>,
    /// Earliest time the server allowed the next request, from a `Retry-After`.
    not_before: Mutex<Option<Instant>>,
    /// Told the bytes received so far, and the size announced, as a body arrives.
    progress: Option<ProgressHook>,
    /// The environment variable whose proxy requests to this server go through, if any, so
    /// that a connection error says so (its value may hold a password: never shown).
    proxy_variable: Option<&'static str>,
}

/// Called with the bytes of a body received so far and the size the server announced.
pub type ProgressHook = Box<dyn Fn(usize, Option<u64>) + Send + Sync>;

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("source", &self.source)
            .field("base", &shown_url(&self.base))
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint for the server at `base_url`; `source` is the configured source's name.
    pub fn new(
        source: &str,
        base_url: &str,
        settings: HttpSettings,
    ) -> Result<Endpoint, HttpError> {
        let setup_error = |reason: String| HttpError::Setup {
            endpoint: format!("{source} ({})", strip_credentials_text(base_url)),
            reason,
        };
        let mut base = Url::parse(base_url.trim())
            .map_err(|error| setup_error(format!("not a URL: {error}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(setup_error(format!(
                "the URL must start with http:// or https://, found \"{}\"",
                base.scheme()
            )));
        }
        // Paths are joined onto the base, so it must end with a slash to keep its last part.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }

        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .timeout(settings.total_timeout)
            .user_agent(concat!("pandaops/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5));
        if !settings.proxy_from_env {
            builder = builder.no_proxy();
        }
        let mut roots = Vec::new();
        if let Some(file) = &settings.ca_file {
            roots.extend(read_ca_file(file).map_err(setup_error)?);
        }
        if let Some(dir) = &settings.ca_dir {
            roots.extend(read_ca_dir(dir).map_err(setup_error)?);
        }
        if !roots.is_empty() {
            builder = builder.tls_certs_merge(roots);
        }
        let client = builder.build().map_err(|error| {
            setup_error(format!("cannot build the HTTP client: {}", chain(&error)))
        })?;

        let proxy_variable = if settings.proxy_from_env {
            proxy_variable(&base, &|name| std::env::var(name).ok())
        } else {
            None
        };
        Ok(Endpoint {
            source: source.to_string(),
            base,
            client,
            settings,
            gate: tokio::sync::Mutex::new(()),
            token_file: Mutex::new(TokenFileCache::default()),
            not_before: Mutex::new(None),
            progress: None,
            proxy_variable,
        })
    }

    /// The same endpoint, telling `hook` how much of each body has arrived: for a command
    /// line that downloads something large and shows a progress bar.
    pub fn with_progress(mut self, hook: ProgressHook) -> Endpoint {
        self.progress = Some(hook);
        self
    }

    /// The source name and base URL, as errors show them.
    pub fn name(&self) -> String {
        format!("{} ({})", self.source, shown_url(&self.base))
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// When the server last asked us to come back, if that is still ahead.
    pub fn not_before(&self) -> Option<Instant> {
        let guard = self.not_before.lock().ok()?;
        guard.filter(|at| *at > Instant::now())
    }

    /// `GET path?query` and decode the JSON answer.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, HttpError> {
        let body = self.send(Method::GET, path, query, None).await?;
        self.decode(path, &body)
    }

    /// `GET path?query` and return the body as it came, for callers that read it themselves
    /// (tolerantly, record by record). The status is checked and HTML refused as for JSON.
    pub async fn get_bytes(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<u8>, HttpError> {
        self.send(Method::GET, path, query, None).await
    }

    /// The endpoint of one path, as errors name it: source name and URL without the query.
    pub fn describe(&self, path: &str) -> String {
        self.endpoint(path)
    }

    /// `POST path` with a JSON body and decode the JSON answer.
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, HttpError> {
        let encoded = serde_json::to_vec(body).map_err(|error| HttpError::Body {
            endpoint: self.endpoint(path),
            reason: format!("cannot encode the request: {error}"),
        })?;
        let answer = self.send(Method::POST, path, &[], Some(encoded)).await?;
        self.decode(path, &answer)
    }

    /// `POST path` with a JSON body, ignoring what comes back beyond the status.
    pub async fn post_json_no_answer<B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<(), HttpError> {
        let encoded = serde_json::to_vec(body).map_err(|error| HttpError::Body {
            endpoint: self.endpoint(path),
            reason: format!("cannot encode the request: {error}"),
        })?;
        self.send(Method::POST, path, &[], Some(encoded)).await?;
        Ok(())
    }

    /// `DELETE path`, ignoring the body of a successful answer.
    pub async fn delete(&self, path: &str) -> Result<(), HttpError> {
        self.send(Method::DELETE, path, &[], None).await?;
        Ok(())
    }

    /// The endpoint of one path, for error messages: no query string, no credentials.
    fn endpoint(&self, path: &str) -> String {
        let shown = self
            .base
            .join(path.trim_start_matches('/'))
            .map(|url| shown_url(&url))
            .unwrap_or_else(|_| shown_url(&self.base));
        format!("{} ({shown})", self.source)
    }

    /// Sends one request and returns the body of a 2xx answer that is not an HTML page.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, HttpError> {
        let endpoint = self.endpoint(path);
        let mut url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|error| HttpError::Setup {
                endpoint: endpoint.clone(),
                reason: format!("cannot join the path: {error}"),
            })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(key, value)| (*key, value.as_str())));
        }
        let token = self.token().map_err(|reason| HttpError::Setup {
            endpoint: endpoint.clone(),
            reason,
        })?;

        let _in_flight = self.gate.lock().await;
        let started = Instant::now();
        tracing::debug!(source = %self.source, %method, endpoint = %shown_url(&url), "request");

        let mut request = self
            .client
            .request(method, url)
            .header(header::ACCEPT, "application/json");
        if let Some(token) = &token {
            // A token file that already holds the scheme ("Token abc…") is sent as it is meant.
            let scheme = &self.settings.token_scheme;
            let bare = token
                .0
                .get(..scheme.len() + 1)
                .filter(|head| {
                    head.ends_with(' ') && head[..scheme.len()].eq_ignore_ascii_case(scheme)
                })
                .map_or(token.0.as_str(), |head| token.0[head.len()..].trim_start());
            let mut value = HeaderValue::from_str(&format!("{scheme} {bare}")).map_err(|_| {
                HttpError::Setup {
                    endpoint: endpoint.clone(),
                    reason: "the token has characters that cannot go in an HTTP header".into(),
                }
            })?;
            value.set_sensitive(true);
            request = request.header(header::AUTHORIZATION, value);
        }
        for (name, value) in &self.settings.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }

        let outcome = self
            .exchange(request, &endpoint, started, token.as_ref())
            .await;
        if let Err(error) = &outcome {
            tracing::warn!(source = %self.source, %error, "request failed");
            if let Some(wait) = error.retry_after()
                && let Ok(mut not_before) = self.not_before.lock()
            {
                *not_before = Some(Instant::now() + wait.min(RETRY_AFTER_MAX));
            }
        }
        outcome
    }

    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &str,
        started: Instant,
        token: Option<&Secret>,
    ) -> Result<Vec<u8>, HttpError> {
        let response = request
            .send()
            .await
            .map_err(|error| self.transport_error(&error, endpoint, started))?;

        let status = response.status();
        let headers = response.headers().clone();
        if !status.is_success() {
            let retry_after = parse_retry_after(&headers);
            let (body, _) = self
                .read_body(response, ERROR_BODY_LIMIT_BYTES, endpoint, started)
                .await
                .unwrap_or_default();
            let detail = scrub(&error_detail(&body), token);
            return Err(self.status_error(status, detail, retry_after, endpoint));
        }

        let (body, _) = self
            .read_body(response, self.settings.max_body_bytes, endpoint, started)
            .await?;
        if is_html(&headers, &body) {
            return Err(HttpError::Html {
                endpoint: endpoint.to_string(),
                title: scrub(&html_title(&body).unwrap_or_default(), token),
            });
        }
        Ok(body)
    }

    fn status_error(
        &self,
        status: StatusCode,
        detail: String,
        retry_after: Option<Duration>,
        endpoint: &str,
    ) -> HttpError {
        let code = status.as_u16();
        if code == 401 || code == 403 {
            let hint = match (&self.settings.token, code) {
                (TokenSource::None, _) => "no token is configured".to_string(),
                (TokenSource::Env(variable), 401) => {
                    format!("the token in ${variable} is missing or expired; refresh it")
                }
                (TokenSource::Env(variable), _) => {
                    format!("the token in ${variable} is not allowed here")
                }
                (TokenSource::File(path), 401) => format!(
                    "the token is missing or expired; refresh it (watching {})",
                    path.display()
                ),
                (TokenSource::File(path), _) => {
                    format!("the token from {} is not allowed here", path.display())
                }
            };
            return HttpError::Auth {
                endpoint: endpoint.to_string(),
                status: code,
                detail,
                hint,
            };
        }
        let reason = status.canonical_reason().unwrap_or("");
        let detail = match (reason.is_empty(), detail.is_empty()) {
            (true, _) => detail,
            (false, true) => reason.to_string(),
            (false, false) => format!("{reason}: {detail}"),
        };
        let retry_after = match code {
            429 | 503 => retry_after,
            _ => None,
        };
        HttpError::Status {
            endpoint: endpoint.to_string(),
            status: code,
            detail,
            retry_after,
        }
    }

    /// Reads the body up to `limit` bytes; the second value is the size the server announced.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        limit: usize,
        endpoint: &str,
        started: Instant,
    ) -> Result<(Vec<u8>, Option<u64>), HttpError> {
        let announced = response.content_length();
        let compressed = response.headers().contains_key(header::CONTENT_ENCODING);
        if let Some(length) = announced
            && !compressed
            && length > limit as u64
        {
            return Err(HttpError::TooLarge {
                endpoint: endpoint.to_string(),
                limit_bytes: limit,
            });
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(HttpError::TooLarge {
                            endpoint: endpoint.to_string(),
                            limit_bytes: limit,
                        });
                    }
                    body.extend_from_slice(&chunk);
                    if let Some(progress) = &self.progress {
                        progress(body.len(), announced);
                    }
                }
                Ok(None) => return Ok((body, announced)),
                Err(error) if error.is_timeout() => {
                    return Err(self.transport_error(&error, endpoint, started));
                }
                Err(error) => {
                    let expected = announced
                        .map(|length| format!(" of the {length} announced"))
                        .unwrap_or_default();
                    return Err(HttpError::Body {
                        endpoint: endpoint.to_string(),
                        reason: format!(
                            "response cut short after {} bytes{expected}: {}",
                            body.len(),
                            chain(&error)
                        ),
                    });
                }
            }
        }
    }

    fn transport_error(
        &self,
        error: &reqwest::Error,
        endpoint: &str,
        started: Instant,
    ) -> HttpError {
        let elapsed = started.elapsed();
        if error.is_timeout() {
            let (phase, after) = if error.is_connect() {
                ("connecting", self.settings.connect_timeout)
            } else if elapsed + Duration::from_millis(50) >= self.settings.total_timeout {
                ("the whole request", self.settings.total_timeout)
            } else {
                ("waiting for data", self.settings.read_timeout)
            };
            return HttpError::Timeout {
                endpoint: self.through_proxy(endpoint),
                phase,
                after,
            };
        }
        HttpError::Connect {
            endpoint: self.through_proxy(endpoint),
            reason: chain(error),
        }
    }

    /// The endpoint's name, with the proxy variable when requests go through one.
    fn through_proxy(&self, endpoint: &str) -> String {
        match self.proxy_variable {
            Some(variable) => format!("{endpoint} through the proxy in ${variable}"),
            None => endpoint.to_string(),
        }
    }

    /// Decodes a JSON body, saying whether it was empty, cut short or of another shape.
    fn decode<T: DeserializeOwned>(&self, path: &str, body: &[u8]) -> Result<T, HttpError> {
        decode_json(&self.endpoint(path), body)
    }

    /// The current token: the variable's value, or the file's first line (read again when the
    /// file changed). `Ok(None)` when no token is configured.
    fn token(&self) -> Result<Option<Secret>, String> {
        match &self.settings.token {
            TokenSource::None => Ok(None),
            TokenSource::Env(variable) => match std::env::var(variable) {
                Ok(value) if !value.trim().is_empty() => Ok(Some(Secret(value.trim().to_string()))),
                _ => Err(format!("the token variable ${variable} is not set")),
            },
            TokenSource::File(path) => self.token_from_file(path),
        }
    }

    fn token_from_file(&self, path: &Path) -> Result<Option<Secret>, String> {
        let shown = path.display();
        let metadata = std::fs::metadata(path)
            .map_err(|error| format!("cannot read the token file {shown}: {error}"))?;
        let stamp = (
            metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            metadata.len(),
        );
        let mut cache = self
            .token_file
            .lock()
            .map_err(|_| "the token cache is unusable".to_string())?;
        if cache.stamp == Some(stamp)
            && let Some(token) = &cache.token
        {
            return Ok(Some(token.clone()));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read the token file {shown}: {error}"))?;
        let token = text.lines().next().unwrap_or("").trim().to_string();
        if token.is_empty() {
            return Err(format!("the token file {shown} is empty"));
        }
        tracing::info!(source = %self.source, file = %shown, "token file read");
        cache.stamp = Some(stamp);
        cache.token = Some(Secret(token));
        Ok(cache.token.clone())
    }
}

/// Decodes JSON, telling an empty body, a cut-off document and a wrong shape apart.
pub fn decode_json<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T, HttpError> {
    let body_error = |reason: String| HttpError::Body {
        endpoint: endpoint.to_string(),
        reason,
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(body_error("empty response where JSON was expected".into()));
    }
    if looks_like_html(body) {
        return Err(HttpError::Html {
            endpoint: endpoint.to_string(),
            title: html_title(body).unwrap_or_default(),
        });
    }
    serde_json::from_slice(body).map_err(|error| {
        let at = format!("line {} column {}", error.line(), error.column());
        let reason = if error.is_eof() {
            format!(
                "response truncated after {} bytes ({at}): the JSON ends early",
                body.len()
            )
        } else if error.is_syntax() {
            format!(
                "response is not valid JSON ({at}): {error}; it starts with {}",
                preview(body)
            )
        } else {
            format!("response has an unexpected shape ({at}): {error}")
        };
        body_error(reason)
    })
}

/// The URL as shown to people: no user, no password, no query, no fragment.
/// The variable holding the proxy that requests to `url` go through, as reqwest reads them:
/// `HTTPS_PROXY` or `HTTP_PROXY` by scheme (either case), else `ALL_PROXY`; none when `NO_PROXY`
/// covers the host (`*`, the host itself, or a domain it ends in).
pub fn proxy_variable(url: &Url, env: &dyn Fn(&str) -> Option<String>) -> Option<&'static str> {
    let set = |name: &'static str| env(name).is_some_and(|value| !value.trim().is_empty());
    let first = |names: [&'static str; 2]| names.into_iter().find(|name| set(name));
    let variable = match url.scheme() {
        "https" => first(["HTTPS_PROXY", "https_proxy"]),
        _ => first(["HTTP_PROXY", "http_proxy"]),
    }
    .or_else(|| first(["ALL_PROXY", "all_proxy"]))?;
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let no_proxy = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .unwrap_or_default();
    let covered = no_proxy.split(',').map(str::trim).any(|entry| {
        let domain = entry.trim_start_matches('.');
        entry == "*"
            || (!domain.is_empty()
                && (host.eq_ignore_ascii_case(domain)
                    || host
                        .to_ascii_lowercase()
                        .ends_with(&format!(".{}", domain.to_ascii_lowercase()))))
    });
    (!covered).then_some(variable)
}

pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// Best effort for text that did not parse as a URL: drop anything before an `@` in the
/// authority.
fn strip_credentials_text(text: &str) -> String {
    let (scheme, rest) = text.split_once("://").unwrap_or(("", text));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = path.split(['?', '#']).next().unwrap_or("");
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

/// An error and its causes on one line, without the URL reqwest would add.
fn chain(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = current {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() {
        let kind = if error.is_connect() {
            "connection failed"
        } else if error.is_body() {
            "body error"
        } else if error.is_decode() {
            "decoding failed"
        } else if error.is_redirect() {
            "too many redirects"
        } else {
            "request failed"
        };
        parts.push(kind.to_string());
    }
    one_line(&parts.join(": "))
}

fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(RETRY_AFTER_MAX));
    }
    // An HTTP date: how far ahead of now it is.
    let at = httpdate_to_system_time(value)?;
    let wait = at
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Some(wait.min(RETRY_AFTER_MAX))
}

/// Parses the IMF-fixdate form of an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn httpdate_to_system_time(value: &str) -> Option<SystemTime> {
    let parsed = jiff::fmt::rfc2822::parse(value).ok()?;
    let secs = u64::try_from(parsed.timestamp().as_second()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

fn is_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.starts_with("text/html") || value.starts_with("application/xhtml")
        });
    declared || looks_like_html(body)
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(body)
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .map_or(&[][..], |first| &body[first..]);
    let head: Vec<u8> = start.iter().take(64).map(u8::to_ascii_lowercase).collect();
    head.starts_with(b"<!doctype html")
        || head.starts_with(b"<html")
        || head.starts_with(b"<head")
        || head.starts_with(b"<!--")
        || head.starts_with(b"<body")
}

fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY_LIMIT_BYTES)]);
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = one_line(text.get(start..end)?);
    Some(title)
}

/// The server's own explanation of a failure: Prometheus' `error`, a JSON `message` or
/// `detail`, an HTML page's title, or the start of the text.
fn error_detail(body: &[u8]) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return String::new();
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
        let found = match (field("errorType"), field("error")) {
            (Some(kind), Some(text)) => Some(format!("{kind}: {text}")),
            (None, Some(text)) => Some(text),
            _ => field("message").or_else(|| field("detail")),
        };
        if let Some(found) = found {
            return one_line(&found);
        }
    }
    if looks_like_html(body) {
        return html_title(body)
            .map(|title| format!("an HTML page titled \"{title}\""))
            .unwrap_or_else(|| "an HTML page".into());
    }
    one_line(&String::from_utf8_lossy(body))
}

fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(DETAIL_MAX_CHARS * 4)]);
    format!("\"{}\"", one_line(&text))
}

/// Server text made safe for one line of the screen and the log, and kept short.
fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean = sanitize(&flat);
    let mut shown: String = clean.chars().take(DETAIL_MAX_CHARS).collect();
    if clean.chars().count() > DETAIL_MAX_CHARS {
        shown.push('…');
    }
    shown
}

/// Blanks the token out of text a server sent back.
fn scrub(text: &str, token: Option<&Secret>) -> String {
    match token {
        Some(token) if !token.0.is_empty() => text.replace(&token.0, "<token>"),
        _ => text.to_string(),
    }
}

fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let shown = path.display();
    let pem =
        std::fs::read(path).map_err(|error| format!("cannot read the CA file {shown}: {error}"))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|error| format!("the CA file {shown} is not PEM: {}", chain(&error)))?;
    if certificates.is_empty() {
        return Err(format!("the CA file {shown} holds no certificate"));
    }
    Ok(certificates)
}

/// Every PEM certificate in a folder; files that are not certificates (CRLs, signing policies)
/// are passed over, as grid CA folders hold them side by side.
fn read_ca_dir(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let shown = path.display();
    let entries = std::fs::read_dir(path)
        .map_err(|error| format!("cannot read the CA folder {shown}: {error}"))?;
    let mut certificates = Vec::new();
    let mut names: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for file in names {
        let Ok(pem) = std::fs::read(&file) else {
            continue;
        };
        if !pem
            .windows(27)
            .any(|window| window == b"-----BEGIN CERTIFICATE-----")
        {
            continue;
        }
        if let Ok(found) = reqwest::Certificate::from_pem_bundle(&pem) {
            certificates.extend(found);
        }
    }
    if certificates.is_empty() {
        return Err(format!("the CA folder {shown} holds no PEM certificate"));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_variable_follows_scheme_case_and_no_proxy() {
        let env_of = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        let url = |text: &str| {
            Url::parse(text)
                .unwrap_or_else(|_| Url::parse("http://x/").unwrap_or_else(|_| unreachable!()))
        };
        let https = url("https://bigpanda.cern.ch/tasks/");
        let http = url("http://127.0.0.1:9093/");
        let proxies = env_of(&[
            ("https_proxy", "http://user:secret@proxy:3128"),
            ("HTTP_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "localhost, .example.org,127.0.0.1"),
        ]);
        assert_eq!(proxy_variable(&https, &proxies), Some("https_proxy"));
        assert_eq!(proxy_variable(&http, &proxies), None);
        assert_eq!(
            proxy_variable(&url("http://am.example.org/"), &proxies),
            None
        );
        assert_eq!(
            proxy_variable(&url("http://am.example.org.evil/"), &proxies),
            Some("HTTP_PROXY")
        );
        let everything = env_of(&[("ALL_PROXY", "socks5://p:1080"), ("no_proxy", "*")]);
        assert_eq!(proxy_variable(&https, &everything), None);
        let all = env_of(&[("ALL_PROXY", "socks5://p:1080")]);
        assert_eq!(proxy_variable(&https, &all), Some("ALL_PROXY"));
        assert_eq!(proxy_variable(&https, &env_of(&[])), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_respects_the_server() {
        let mut backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(60));
        let first = backoff.next_delay(None);
        assert!(first >= Duration::from_secs(1) && first <= Duration::from_secs(2));
        let second = backoff.next_delay(None);
        assert!(second >= Duration::from_secs(2) && second <= Duration::from_secs(4));
        for _ in 0..30 {
            assert!(backoff.next_delay(None) <= Duration::from_secs(60));
        }
        assert!(backoff.next_delay(Some(Duration::from_secs(120))) >= Duration::from_secs(120));
        backoff.reset();
        assert!(backoff.next_delay(None) <= Duration::from_secs(2));
    }

    #[test]
    fn shown_urls_carry_no_credentials_or_query() {
        let url = Url::parse("https://user:pw@host:8443/api/v1/query_range?query=up&token=x")
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(shown_url(&url), "https://host:8443/api/v1/query_range");
        assert_eq!(
            strip_credentials_text("https://user:pw@host/x?y"),
            "https://host/x"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn error_details_prefer_the_servers_words() {
        let prometheus =
            br#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#;
        assert_eq!(error_detail(prometheus), "bad_data: parse error at char 4");
        assert_eq!(
            error_detail(b"<html><title>Sign in</title></html>"),
            "an HTML page titled \"Sign in\""
        );
        assert_eq!(error_detail(b"plain\n\x1b[31mtext"), "plain ␛[31mtext");
    }

    #[test]
    fn empty_truncated_and_wrong_json_are_told_apart() {
        let empty = decode_json::<serde_json::Value>("x", b"  ");
        assert!(
            matches!(empty, Err(HttpError::Body { ref reason, .. }) if reason.starts_with("empty"))
        );
        let cut =
            decode_json::<serde_json::Value>("x", br#"{"tasks":[{"jeditaskid":42,"status":"runn"#);
        assert!(
            matches!(cut, Err(HttpError::Body { ref reason, .. }) if reason.contains("truncated after 41 bytes")),
            "{cut:?}"
        );
        let html = decode_json::<serde_json::Value>("x", b"<!DOCTYPE html><title>Login</title>");
        assert!(matches!(html, Err(HttpError::Html { ref title, .. }) if title == "Login"));
    }
}
