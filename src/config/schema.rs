//! The shape of `config.toml`: one struct per section, every key optional with a default.
//!
//! Constrained values (frame rate, simulation speed, theme names, enumerations) are validated
//! while they are deserialized, so a `Config` that exists is a valid one. Each validator fails
//! with serde's standard `invalid type: …, expected …` or `invalid value: …, expected …` message;
//! the checker keeps only the text after "expected" and writes the rest itself from the file.
//!
//! Adding a section is adding a field to [`Config`] with its own struct here, plus its keys in
//! `config.example.toml`. This module never reads files or the environment.

use std::fmt;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The whole configuration, after defaults, the file, the environment and the flags.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct Config {
    pub ui: Ui,
    pub demo: Demo,
    pub log: Log,
    pub panes: Panes,
    /// Real services; when none is configured the demo feeds every pane.
    #[serde(skip_serializing_if = "Sources::is_empty")]
    pub sources: Sources,
}

/// `[ui]`: how the console looks and behaves.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct Ui {
    /// A built-in theme or the stem of a file in `<config dir>/themes/`.
    #[serde(deserialize_with = "theme_name")]
    pub theme: String,
    /// The keymap the user's `keymap.toml` is merged over.
    pub keymap: BaseKeymap,
    #[serde(deserialize_with = "max_fps")]
    pub max_fps: u32,
    /// Show a UTC clock in the status line.
    pub clock: bool,
    pub mouse: bool,
    /// Write nothing anywhere: no silence created or expired, no triage decision saved.
    pub read_only: bool,
}

impl Default for Ui {
    fn default() -> Self {
        Self {
            theme: "default".to_owned(),
            keymap: BaseKeymap::Default,
            max_fps: 20,
            clock: true,
            mouse: false,
            read_only: false,
        }
    }
}

/// `[demo]`: the embedded simulated PanDA.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct Demo {
    /// Seed of the simulation; the same seed replays the same story.
    #[serde(deserialize_with = "seed")]
    pub seed: u64,
    /// Simulated seconds per wall-clock second.
    #[serde(deserialize_with = "speed")]
    pub speed: f64,
}

impl Default for Demo {
    fn default() -> Self {
        Self {
            seed: 1,
            speed: 1.0,
        }
    }
}

/// `[log]`: the log file in the state folder.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct Log {
    pub level: LogLevel,
}

/// `[panes.*]`: the initial view of each pane.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct Panes {
    pub alerts: PaneView,
    pub tasks: PaneView,
    pub triage: PaneView,
    pub metrics: PaneView,
}

/// The initial sort and filter of one pane.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct PaneView {
    /// A column name, checked by the pane itself; empty means the pane's own default column.
    pub sort: String,
    pub descending: bool,
    pub filter: String,
}

impl Default for PaneView {
    fn default() -> Self {
        Self {
            sort: String::new(),
            descending: true,
            filter: String::new(),
        }
    }
}

/// `[[sources.*]]`: the services the panes are fed from.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct Sources {
    /// Alertmanagers (API v2), for the Alerts pane.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alertmanager: Vec<AlertmanagerSource>,
    /// Prometheus servers, for the Metrics pane.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prometheus: Vec<PrometheusSource>,
    /// BigPanDA monitors, for the Tasks and Triage panes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bigpanda: Vec<BigpandaSource>,
    /// PanDA servers (API v1), for the Tasks pane.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub panda: Vec<PandaSource>,
    /// Deployment events, from a JSON-lines file or an HTTP endpoint, for the Alerts pane.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventsSource>,
    /// Saved BigPanDA JSON answers, for offline work.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub file: Vec<FileSource>,
}

impl Sources {
    pub fn is_empty(&self) -> bool {
        self.alertmanager.is_empty()
            && self.prometheus.is_empty()
            && self.bigpanda.is_empty()
            && self.panda.is_empty()
            && self.events.is_empty()
            && self.file.is_empty()
    }
}

/// The keys every HTTP source takes, as one view for building its client.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Connection<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub token_env: &'a str,
    pub token_file: &'a str,
    pub ca_file: &'a str,
    pub ca_dir: &'a str,
    pub connect_timeout_secs: u64,
    pub read_timeout_secs: u64,
    pub total_timeout_secs: u64,
    pub max_body_mb: u64,
    pub refresh_secs: u64,
}

/// Declares the table of a source that talks HTTP: the keys every such source takes (name,
/// URL, token, CA, timeouts, body limit, refresh), with its own default refresh, then its own
/// keys with their defaults. Written once here so the sources cannot drift apart; the keys
/// stay flat in the file (`serde(flatten)` would hide misspelt keys from the checker).
macro_rules! http_source {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            refresh_secs = $refresh:expr;
            $(
                $(#[$field_meta:meta])*
                pub $field:ident: $type:ty = $default:expr,
            )*
        }
    ) => {
        http_source! {
            $(#[$meta])*
            pub struct $name {
                refresh_secs = $refresh;
                url = "http_url";
                $( $(#[$field_meta])* pub $field: $type = $default, )*
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            refresh_secs = $refresh:expr;
            url = $url_check:literal;
            $(
                $(#[$field_meta:meta])*
                pub $field:ident: $type:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
        #[serde(default, expecting = "a table")]
        pub struct $name {
            /// Names the source in pane titles and on its rows; unique among sources.
            pub name: String,
            /// Base URL, `http://` or `https://`, without the API path.
            #[serde(deserialize_with = $url_check)]
            pub url: String,
            /// Environment variable holding a token; empty for none.
            pub token_env: String,
            /// File whose first line is a token, read again when it changes; empty for none.
            pub token_file: String,
            /// PEM file of CA certificates trusted besides the system's; empty for none.
            pub ca_file: String,
            /// Folder of PEM CA certificates (such as /etc/grid-security/certificates).
            pub ca_dir: String,
            #[serde(deserialize_with = "timeout_secs")]
            pub connect_timeout_secs: u64,
            #[serde(deserialize_with = "timeout_secs")]
            pub read_timeout_secs: u64,
            #[serde(deserialize_with = "timeout_secs")]
            pub total_timeout_secs: u64,
            #[serde(deserialize_with = "max_body_mb")]
            pub max_body_mb: u64,
            /// Seconds between two polls.
            #[serde(deserialize_with = "refresh_secs")]
            pub refresh_secs: u64,
            $(
                $(#[$field_meta])*
                pub $field: $type,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    name: String::new(),
                    url: String::new(),
                    token_env: String::new(),
                    token_file: String::new(),
                    ca_file: String::new(),
                    ca_dir: String::new(),
                    connect_timeout_secs: 5,
                    read_timeout_secs: 15,
                    total_timeout_secs: 30,
                    max_body_mb: 32,
                    refresh_secs: $refresh,
                    $( $field: $default, )*
                }
            }
        }

        impl $name {
            pub fn connection(&self) -> Connection<'_> {
                Connection {
                    name: &self.name,
                    url: &self.url,
                    token_env: &self.token_env,
                    token_file: &self.token_file,
                    ca_file: &self.ca_file,
                    ca_dir: &self.ca_dir,
                    connect_timeout_secs: self.connect_timeout_secs,
                    read_timeout_secs: self.read_timeout_secs,
                    total_timeout_secs: self.total_timeout_secs,
                    max_body_mb: self.max_body_mb,
                    refresh_secs: self.refresh_secs,
                }
            }
        }
    };
}

http_source! {
    /// `[[sources.alertmanager]]`: one Alertmanager.
    pub struct AlertmanagerSource {
        refresh_secs = 15;
    }
}

http_source! {
    /// `[[sources.prometheus]]`: one Prometheus and its queries.
    pub struct PrometheusSource {
        refresh_secs = 30;
        /// How far back the sparklines reach, in minutes.
        #[serde(deserialize_with = "range_minutes")]
        pub range_minutes: u64 = 120,
        /// Points per series, about the pane's width in cells.
        #[serde(deserialize_with = "points")]
        pub points: u64 = 240,
        /// The queries, each a series (or one per label set) in the Metrics pane.
        pub queries: Vec<PrometheusQuery> = Vec::new(),
    }
}

http_source! {
    /// `[[sources.bigpanda]]`: one BigPanDA monitor, read through its JSON views. Its limit
    /// is 1000 requests an hour per client; the default refresh makes 24.
    pub struct BigpandaSource {
        refresh_secs = 300;
        /// How the token is sent: `Token` (a BigPanDA API key) or `Bearer` (an IAM token).
        #[serde(deserialize_with = "token_scheme")]
        pub token_scheme: String = "Token".to_string(),
        /// Which panes it feeds: any of "tasks" and "jobs" (failed and holding jobs, for Triage).
        #[serde(deserialize_with = "bigpanda_feeds")]
        pub feeds: Vec<String> = vec!["tasks".to_string(), "jobs".to_string()],
        /// Tasks modified in the last this many days.
        #[serde(deserialize_with = "days")]
        pub task_days: u64 = 3,
        /// Extra `/tasks/` filters, as a query string such as "tasktype=prod&campaign=MC23*".
        pub task_filter: String = String::new(),
        /// Failed and holding jobs of the last this many hours.
        #[serde(deserialize_with = "hours")]
        pub job_hours: u64 = 6,
        /// Extra `/jobs/` filters, as a query string such as "computingsite=CERN*".
        pub job_filter: String = String::new(),
        /// Most tasks and most jobs asked for in one poll.
        #[serde(deserialize_with = "record_limit")]
        pub limit: u64 = 5000,
    }
}

http_source! {
    /// `[[sources.panda]]`: one PanDA server, through its API v1.
    pub struct PandaSource {
        refresh_secs = 120;
        /// The virtual organisation sent in the `Origin` header with the token, e.g. "atlas".
        pub vo: String = String::new(),
        /// The role sent after the VO, e.g. "production"; empty for none.
        pub role: String = String::new(),
        /// Tasks modified in the last this many days (at most 30, the server's window).
        #[serde(deserialize_with = "panda_days")]
        pub task_days: u64 = 3,
        /// Task filters, as JSON: field to value or regex, such as
        /// '{"status": "running|scouting", "prodSourceLabel": "managed"}'.
        pub task_filter: String = String::new(),
        /// Most tasks asked for in one poll.
        #[serde(deserialize_with = "record_limit")]
        pub limit: u64 = 500,
    }
}

http_source! {
    /// `[[sources.events]]`: deployment events, either a JSON-lines file followed as it grows
    /// (`path`) or an HTTP endpoint answering a JSON array (`url`, which may then be empty).
    pub struct EventsSource {
        refresh_secs = 5;
        url = "http_url_or_empty";
        /// A JSON-lines file, followed as it grows and across rotation; empty when `url` is used.
        pub path: String = String::new(),
        /// Events older than this many hours are dropped.
        #[serde(deserialize_with = "hours")]
        pub keep_hours: u64 = 48,
    }
}

/// `[[sources.file]]`: saved BigPanDA JSON answers, read again whenever they change.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, expecting = "a table")]
pub struct FileSource {
    pub name: String,
    /// A saved `/tasks/?json` answer, for the Tasks pane; empty for none.
    pub tasks: String,
    /// A saved `/jobs/?json` answer (or job records), for the Triage pane; empty for none.
    pub jobs: String,
    /// Seconds between two looks at the files.
    #[serde(deserialize_with = "refresh_secs")]
    pub refresh_secs: u64,
}

impl Default for FileSource {
    fn default() -> Self {
        Self {
            name: String::new(),
            tasks: String::new(),
            jobs: String::new(),
            refresh_secs: 5,
        }
    }
}

/// `[[sources.prometheus.queries]]`: one named PromQL query.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default, expecting = "a table")]
pub struct PrometheusQuery {
    pub name: String,
    pub title: String,
    pub promql: String,
    pub unit: String,
}

/// The built-in keymaps a user keymap can start from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BaseKeymap {
    /// k9s- and vim-like.
    #[default]
    Default,
    Emacs,
}

/// How much goes to the log file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

/// An enumeration written in the file as one of a fixed set of lower-case names.
pub trait Named: Copy + PartialEq + 'static {
    /// Every value with its name, in the order they are listed to the user.
    const ALL: &'static [(&'static str, Self)];

    /// The name as written in the file.
    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, value)| *value == self)
            .map_or("", |(name, _)| name)
    }
}

impl Named for BaseKeymap {
    const ALL: &'static [(&'static str, Self)] = &[
        ("default", BaseKeymap::Default),
        ("emacs", BaseKeymap::Emacs),
    ];
}

impl Named for LogLevel {
    const ALL: &'static [(&'static str, Self)] = &[
        ("error", LogLevel::Error),
        ("warn", LogLevel::Warn),
        ("info", LogLevel::Info),
        ("debug", LogLevel::Debug),
        ("trace", LogLevel::Trace),
    ];
}

impl fmt::Display for BaseKeymap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for BaseKeymap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl Serialize for LogLevel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for BaseKeymap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OneOf::<Self>(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for LogLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OneOf::<Self>(std::marker::PhantomData))
    }
}

/// The built-in theme names; any other valid name refers to `themes/<name>.toml`.
pub const BUILT_IN_THEMES: [&str; 4] = ["default", "light", "high-contrast", "truecolor"];

/// Longest theme name accepted; it becomes a file name.
const THEME_NAME_MAX_CHARS: usize = 64;

pub(crate) fn theme_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(ThemeName)
}

pub(crate) fn max_fps<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let rule = IntegerIn { min: 1, max: 60 };
    let fps = deserializer.deserialize_any(rule)?;
    u32::try_from(fps).map_err(|_| de::Error::invalid_value(Unexpected::Unsigned(fps), &rule))
}

pub(crate) fn seed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn {
        min: 0,
        max: u64::MAX,
    })
}

pub(crate) fn speed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    deserializer.deserialize_any(NumberIn {
        above: 0.0,
        at_most: 3600.0,
    })
}

pub(crate) fn timeout_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn { min: 1, max: 600 })
}

pub(crate) fn max_body_mb<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn { min: 1, max: 1024 })
}

pub(crate) fn refresh_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn { min: 1, max: 3600 })
}

pub(crate) fn range_minutes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn {
        min: 1,
        max: 366 * 24 * 60,
    })
}

pub(crate) fn points<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn {
        min: 10,
        max: 10_000,
    })
}

pub(crate) fn days<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn { min: 1, max: 366 })
}

pub(crate) fn panda_days<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn { min: 1, max: 30 })
}

pub(crate) fn hours<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn {
        min: 1,
        max: 24 * 366,
    })
}

pub(crate) fn record_limit<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(IntegerIn {
        min: 1,
        max: 1_000_000,
    })
}

pub(crate) fn token_scheme<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(Word {
        allowed: &["Token", "Bearer"],
    })
}

pub(crate) fn bigpanda_feeds<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    deserializer.deserialize_any(Words {
        allowed: &["tasks", "jobs"],
    })
}

pub(crate) fn http_url_or_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    deserializer.deserialize_any(HttpUrlOrEmpty)
}

/// One of a few words, exactly as written.
struct Word {
    allowed: &'static [&'static str],
}

impl<'de> Visitor<'de> for Word {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted: Vec<String> = self
            .allowed
            .iter()
            .map(|word| format!("\"{word}\""))
            .collect();
        write!(f, "one of {}", quoted.join(", "))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        if self.allowed.contains(&value) {
            Ok(value.to_owned())
        } else {
            Err(E::invalid_value(Unexpected::Str(value), &self))
        }
    }
}

/// A list of distinct words, each one of a few, at least one.
struct Words {
    allowed: &'static [&'static str],
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expecting(f)
    }
}

impl<'de> Visitor<'de> for Words {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted: Vec<String> = self
            .allowed
            .iter()
            .map(|word| format!("\"{word}\""))
            .collect();
        write!(f, "a non-empty list of {}", quoted.join(", "))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut items: A) -> Result<Vec<String>, A::Error> {
        let mut words = Vec::new();
        while let Some(word) = items.next_element::<String>()? {
            if !self.allowed.contains(&word.as_str()) {
                return Err(de::Error::custom(format_args!(
                    "invalid value: list, expected {self} (\"{word}\" is not one of them)"
                )));
            }
            if !words.contains(&word) {
                words.push(word);
            }
        }
        if words.is_empty() {
            return Err(de::Error::invalid_length(0, &self));
        }
        Ok(words)
    }
}

/// [`HttpUrl`], or an empty string for "not used".
struct HttpUrlOrEmpty;

impl<'de> Visitor<'de> for HttpUrlOrEmpty {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("empty, or a URL starting with http:// or https://")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        if value.trim().is_empty() {
            Ok(String::new())
        } else {
            HttpUrl
                .visit_str(value)
                .map_err(|_: E| E::invalid_value(Unexpected::Str(value), &self))
        }
    }
}

pub(crate) fn http_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(HttpUrl)
}

/// An `http://` or `https://` URL with a host.
struct HttpUrl;

impl<'de> Visitor<'de> for HttpUrl {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a URL starting with http:// or https://, such as \"http://127.0.0.1:9093\"")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        let parsed = reqwest::Url::parse(value.trim()).ok();
        let fits = parsed
            .as_ref()
            .is_some_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
        if fits {
            Ok(value.trim().to_owned())
        } else {
            Err(E::invalid_value(Unexpected::Str(value), &self))
        }
    }
}

/// An integer from `min` to `max`, both included.
#[derive(Clone, Copy)]
struct IntegerIn {
    min: u64,
    max: u64,
}

impl<'de> Visitor<'de> for IntegerIn {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an integer from {} to {}", self.min, self.max)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
        self.visit_i128(i128::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
        self.visit_i128(i128::from(value))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<u64, E> {
        u64::try_from(value)
            .ok()
            .filter(|fitting| (self.min..=self.max).contains(fitting))
            .ok_or_else(|| E::invalid_value(Unexpected::Other("integer out of range"), &self))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<u64, E> {
        u64::try_from(value)
            .ok()
            .filter(|fitting| (self.min..=self.max).contains(fitting))
            .ok_or_else(|| E::invalid_value(Unexpected::Other("integer out of range"), &self))
    }
}

/// A number greater than `above` and at most `at_most`; integers are accepted as numbers.
#[derive(Clone, Copy)]
struct NumberIn {
    above: f64,
    at_most: f64,
}

impl<'de> Visitor<'de> for NumberIn {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a number greater than {} and at most {}",
            self.above, self.at_most
        )
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<f64, E> {
        // Written so that NaN fails both comparisons and is rejected.
        if value > self.above && value <= self.at_most {
            Ok(value)
        } else {
            Err(E::invalid_value(Unexpected::Float(value), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<f64, E> {
        // Precision is lost only far outside the accepted range, which is rejected anyway.
        self.visit_f64(value as f64)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<f64, E> {
        self.visit_f64(value as f64)
    }

    fn visit_i128<E: de::Error>(self, _value: i128) -> Result<f64, E> {
        Err(E::invalid_value(
            Unexpected::Other("integer out of range"),
            &self,
        ))
    }

    fn visit_u128<E: de::Error>(self, _value: u128) -> Result<f64, E> {
        Err(E::invalid_value(
            Unexpected::Other("integer out of range"),
            &self,
        ))
    }
}

/// A theme name: built in, or the stem of a file, so no path separators or dots.
struct ThemeName;

impl ThemeName {
    fn is_valid(name: &str) -> bool {
        let length = name.chars().count();
        (1..=THEME_NAME_MAX_CHARS).contains(&length)
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    }
}

impl<'de> Visitor<'de> for ThemeName {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a theme name ({}, or the name of a file in themes/ without .toml) \
             made of 1 to {THEME_NAME_MAX_CHARS} letters, digits, '-' or '_'",
            BUILT_IN_THEMES.join(", ")
        )
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        if Self::is_valid(value) {
            Ok(value.to_owned())
        } else {
            Err(E::invalid_value(Unexpected::Str(value), &self))
        }
    }
}

/// One of the names of a [`Named`] enumeration.
struct OneOf<T>(std::marker::PhantomData<T>);

impl<'de, T: Named> Visitor<'de> for OneOf<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = T::ALL
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect();
        write!(f, "one of {}", names.join(", "))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        T::ALL
            .iter()
            .find(|(name, _)| *name == value)
            .map(|(_, named)| *named)
            .ok_or_else(|| E::invalid_value(Unexpected::Str(value), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (name, level) in LogLevel::ALL {
            assert_eq!(level.name(), *name);
        }
        assert_eq!(BaseKeymap::Emacs.to_string(), "emacs");
    }

    #[test]
    fn theme_names_cannot_leave_the_themes_folder() {
        assert!(ThemeName::is_valid("high-contrast"));
        assert!(ThemeName::is_valid("solarisé_2"));
        assert!(!ThemeName::is_valid(""));
        assert!(!ThemeName::is_valid("../x"));
        assert!(!ThemeName::is_valid("dark.toml"));
        assert!(!ThemeName::is_valid(&"x".repeat(65)));
    }
}
