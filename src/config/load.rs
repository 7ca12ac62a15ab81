//! Layered loading: defaults, then the file, then `PANDAOPS_*` variables, then flags.
//!
//! Every layer is checked before the console starts, and all problems from all layers are
//! reported together. The environment is passed in as a function so that tests never read or
//! change the process environment. The user's file is read, never written.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::value::{Error as ValueError, F64Deserializer, StrDeserializer, U64Deserializer};

use super::check::{Origin, Problem, Severity, check, expectation};
use super::paths::{CONFIG_ENV, ConfigFileChoice, Paths};
use super::schema::{self, BaseKeymap, Config, LogLevel};

/// Exit status of `pandaops config check` when the configuration has errors.
pub const EXIT_CHECK_FAILED: i32 = 1;

/// Exit status of the console when it refuses to start because of configuration errors.
pub const EXIT_REFUSED_TO_START: i32 = 2;

/// Values given on the command line; they win over everything else.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub seed: Option<u64>,
    pub speed: Option<f64>,
    /// `--read-only`: turns read-only mode on whatever the file says; it cannot turn it off.
    pub read_only: bool,
}

/// A configuration the console can start with, and what the user should still be told.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<Problem>,
    /// The file that was read; `None` when there was none and the defaults were used.
    pub file_used: Option<PathBuf>,
}

/// Why the console cannot start with this configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Every problem found, warnings included, one per line when displayed.
    #[error("{}", Report(problems))]
    Invalid { problems: Vec<Problem> },
    #[error("{}: cannot read the config file: {cause}", path.display())]
    Unreadable { path: PathBuf, cause: io::Error },
    #[error("{}: the config file given by {chosen_by} does not exist", path.display())]
    Missing {
        path: PathBuf,
        chosen_by: &'static str,
    },
    #[error(
        "cannot find a home folder to hold the config, data and log folders; set HOME \
         (and pass --config or set {CONFIG_ENV} to use a config file elsewhere)"
    )]
    NoHomeDirectory,
}

impl ConfigError {
    /// The problems, when the configuration could be read but is not valid.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems } => problems,
            ConfigError::Unreadable { .. }
            | ConfigError::Missing { .. }
            | ConfigError::NoHomeDirectory => &[],
        }
    }
}

struct Report<'a>(&'a [Problem]);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// The documented example configuration; every value in it is the default.
pub fn example() -> &'static str {
    include_str!("../../config.example.toml")
}

/// Builds the configuration the console starts with, or every reason it cannot.
pub fn load(
    paths: &Paths,
    env: &dyn Fn(&str) -> Option<String>,
    overrides: &Overrides,
) -> Result<Loaded, ConfigError> {
    let text = read_config_file(paths)?;

    let file = text
        .as_deref()
        .map(|text| (text, paths.config_file.as_path()));
    let Layered { config, problems } = layer(file, env, overrides);

    if problems.iter().any(Problem::is_error) {
        return Err(ConfigError::Invalid { problems });
    }
    Ok(Loaded {
        config,
        warnings: problems,
        file_used: text.map(|_| paths.config_file.clone()),
    })
}

/// `pandaops config check`: the report to print and the exit status (0, or 1 on errors).
pub fn run_check(paths: &Paths, env: &dyn Fn(&str) -> Option<String>) -> (String, i32) {
    let text = match read_config_file(paths) {
        Ok(text) => text,
        Err(error) => return (format!("{error}\n"), EXIT_CHECK_FAILED),
    };

    let file = text
        .as_deref()
        .map(|text| (text, paths.config_file.as_path()));
    let Layered { problems, .. } = layer(file, env, &Overrides::default());

    let mut report = String::new();
    for problem in &problems {
        report.push_str(&format!("{problem}\n"));
    }

    let (in_file, elsewhere): (Vec<&Problem>, Vec<&Problem>) = problems
        .iter()
        .partition(|problem| problem.file().is_some());
    let config_file = paths.config_file.display();
    if text.is_some() {
        report.push_str(&format!("{config_file}: {}\n", summary(&in_file)));
    } else {
        report.push_str(&format!(
            "no config file at {config_file}; using defaults\n"
        ));
    }
    if !elsewhere.is_empty() {
        report.push_str(&format!("environment: {}\n", summary(&elsewhere)));
    }

    let code = if problems.iter().any(Problem::is_error) {
        EXIT_CHECK_FAILED
    } else {
        0
    };
    (report, code)
}

/// "OK", or the number of errors and warnings.
fn summary(problems: &[&Problem]) -> String {
    let errors = problems.iter().filter(|problem| problem.is_error()).count();
    let warnings = problems.len() - errors;
    let counted = |count: usize, what: &str| match count {
        0 => None,
        1 => Some(format!("1 {what}")),
        _ => Some(format!("{count} {what}s")),
    };
    let parts: Vec<String> = [counted(errors, "error"), counted(warnings, "warning")]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        "OK".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The file's text; `None` when the standard file does not exist.
fn read_config_file(paths: &Paths) -> Result<Option<String>, ConfigError> {
    let path = &paths.config_file;
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => match paths.config_file_choice {
            ConfigFileChoice::Standard => Ok(None),
            ConfigFileChoice::Env => Err(ConfigError::Missing {
                path: path.clone(),
                chosen_by: CONFIG_ENV,
            }),
            ConfigFileChoice::Flag => Err(ConfigError::Missing {
                path: path.clone(),
                chosen_by: "--config",
            }),
        },
        Err(cause) => Err(ConfigError::Unreadable {
            path: path.clone(),
            cause,
        }),
    }
}

/// The configuration after all layers, with every problem found on the way.
#[derive(Debug)]
struct Layered {
    config: Config,
    problems: Vec<Problem>,
}

/// Defaults < file < environment < flags. A file with errors still lets the later layers be
/// checked, so one run reports everything.
fn layer(
    file: Option<(&str, &Path)>,
    env: &dyn Fn(&str) -> Option<String>,
    overrides: &Overrides,
) -> Layered {
    let (mut config, mut problems) = match file {
        Some((text, path)) => {
            let checked = check(text, path);
            (checked.config.unwrap_or_default(), checked.problems)
        }
        None => (Config::default(), Vec::new()),
    };

    for (variable, setting) in ENVIRONMENT {
        // An empty variable counts as unset, as shells make it easy to leave one empty.
        let Some(value) = env(variable).filter(|value| !value.trim().is_empty()) else {
            continue;
        };
        let origin = Origin::Env {
            variable: variable.to_owned(),
        };
        if let Err(problem) = setting.set_from_text(&mut config, value.trim(), origin) {
            problems.push(problem);
        }
    }

    apply_flags(&mut config, overrides, &mut problems);
    Layered { config, problems }
}

fn apply_flags(config: &mut Config, overrides: &Overrides, problems: &mut Vec<Problem>) {
    let flag = |name: &str| Origin::Flag {
        flag: name.to_owned(),
    };

    if let Some(theme) = &overrides.theme
        && let Err(problem) = Setting::Theme.set_from_text(config, theme, flag("--theme"))
    {
        problems.push(problem);
    }
    if let Some(keymap) = &overrides.keymap
        && let Err(problem) = Setting::Keymap.set_from_text(config, keymap, flag("--keymap"))
    {
        problems.push(problem);
    }
    if let Some(seed) = overrides.seed {
        config.demo.seed = seed;
    }
    if overrides.read_only {
        config.ui.read_only = true;
    }
    if let Some(speed) = overrides.speed {
        match schema::speed(F64Deserializer::<ValueError>::new(speed)) {
            Ok(speed) => config.demo.speed = speed,
            Err(error) => {
                problems.push(Setting::Speed.problem(flag("--speed"), &error, &speed.to_string()))
            }
        }
    }
}

/// The variables that override settings, in the order they are applied.
const ENVIRONMENT: [(&str, Setting); 5] = [
    ("PANDAOPS_THEME", Setting::Theme),
    ("PANDAOPS_KEYMAP", Setting::Keymap),
    ("PANDAOPS_SEED", Setting::Seed),
    ("PANDAOPS_SPEED", Setting::Speed),
    ("PANDAOPS_LOG", Setting::LogLevel),
];

/// A setting that can also be given outside the file, as text.
#[derive(Clone, Copy, Debug)]
enum Setting {
    Theme,
    Keymap,
    Seed,
    Speed,
    LogLevel,
}

impl Setting {
    fn key_path(self) -> &'static str {
        match self {
            Setting::Theme => "ui.theme",
            Setting::Keymap => "ui.keymap",
            Setting::Seed => "demo.seed",
            Setting::Speed => "demo.speed",
            Setting::LogLevel => "log.level",
        }
    }

    /// Validates `text` with the same rules as the file and stores it in `config`.
    fn set_from_text(self, config: &mut Config, text: &str, origin: Origin) -> Result<(), Problem> {
        let as_text = || StrDeserializer::<ValueError>::new(text);
        let result = match self {
            Setting::Theme => schema::theme_name(as_text()).map(|theme| config.ui.theme = theme),
            Setting::Keymap => {
                BaseKeymap::deserialize(as_text()).map(|keymap| config.ui.keymap = keymap)
            }
            Setting::LogLevel => {
                LogLevel::deserialize(as_text()).map(|level| config.log.level = level)
            }
            // Text that is not a number is handed over as text, so the rule reports what it
            // expected in the same words as for the file.
            Setting::Seed => match text.parse::<u64>() {
                Ok(seed) => schema::seed(U64Deserializer::<ValueError>::new(seed)),
                Err(_) => schema::seed(as_text()),
            }
            .map(|seed| config.demo.seed = seed),
            Setting::Speed => match text.parse::<f64>() {
                Ok(speed) => schema::speed(F64Deserializer::<ValueError>::new(speed)),
                Err(_) => schema::speed(as_text()),
            }
            .map(|speed| config.demo.speed = speed),
        };
        result.map_err(|error| self.problem(origin, &error, &format!("{text:?}")))
    }

    fn problem(self, origin: Origin, error: &ValueError, found: &str) -> Problem {
        let key_path = self.key_path();
        Problem {
            severity: Severity::Error,
            origin,
            key_path: key_path.to_owned(),
            message: format!(
                "{key_path}: {}, found {found}",
                expectation(&error.to_string())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    const FILE: &str =
        "[ui]\ntheme = \"light\"\n[demo]\nseed = 7\nspeed = 2.0\n[log]\nlevel = \"warn\"\n";

    fn layered(
        file: Option<&str>,
        env: &'static [(&'static str, &'static str)],
        overrides: &Overrides,
    ) -> Layered {
        layer(
            file.map(|text| (text, Path::new("c.toml"))),
            &env_of(env),
            overrides,
        )
    }

    #[test]
    fn defaults_alone() {
        let result = layered(None, &[], &Overrides::default());
        assert_eq!(result.config, Config::default());
        assert!(result.problems.is_empty());
    }

    #[test]
    fn the_file_beats_the_defaults() {
        let result = layered(Some(FILE), &[], &Overrides::default());
        assert_eq!(result.config.ui.theme, "light");
        assert_eq!(result.config.demo.seed, 7);
        assert_eq!(result.config.log.level, LogLevel::Warn);
        assert_eq!(result.config.ui.max_fps, 20);
    }

    #[test]
    fn the_environment_beats_the_file() {
        let env = &[
            ("PANDAOPS_THEME", "high-contrast"),
            ("PANDAOPS_KEYMAP", "emacs"),
            ("PANDAOPS_SEED", " 42 "),
            ("PANDAOPS_SPEED", "60"),
            ("PANDAOPS_LOG", "trace"),
        ];
        let result = layered(Some(FILE), env, &Overrides::default());
        assert!(result.problems.is_empty(), "{:?}", result.problems);
        assert_eq!(result.config.ui.theme, "high-contrast");
        assert_eq!(result.config.ui.keymap, BaseKeymap::Emacs);
        assert_eq!(result.config.demo.seed, 42);
        assert_eq!(result.config.demo.speed, 60.0);
        assert_eq!(result.config.log.level, LogLevel::Trace);
    }

    #[test]
    fn flags_beat_the_environment() {
        let env = &[
            ("PANDAOPS_THEME", "high-contrast"),
            ("PANDAOPS_SEED", "42"),
            ("PANDAOPS_SPEED", "60"),
            ("PANDAOPS_KEYMAP", "default"),
        ];
        let overrides = Overrides {
            theme: Some("truecolor".to_owned()),
            keymap: Some("emacs".to_owned()),
            seed: Some(u64::MAX),
            speed: Some(3600.0),
            read_only: true,
        };
        let result = layered(Some(FILE), env, &overrides);
        assert!(result.problems.is_empty(), "{:?}", result.problems);
        assert_eq!(result.config.ui.theme, "truecolor");
        assert_eq!(result.config.ui.keymap, BaseKeymap::Emacs);
        assert_eq!(result.config.demo.seed, u64::MAX);
        assert_eq!(result.config.demo.speed, 3600.0);
        assert!(result.config.ui.read_only);
        // Layers only replace what they set.
        assert_eq!(result.config.log.level, LogLevel::Warn);
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let result = layered(Some(FILE), &[("PANDAOPS_THEME", "")], &Overrides::default());
        assert!(result.problems.is_empty());
        assert_eq!(result.config.ui.theme, "light");
    }

    #[test]
    fn bad_environment_values_name_the_variable_and_the_value() {
        let env = &[
            ("PANDAOPS_SEED", "abc"),
            ("PANDAOPS_SPEED", "-5"),
            ("PANDAOPS_LOG", "loud"),
            ("PANDAOPS_KEYMAP", "vim"),
            ("PANDAOPS_THEME", "../etc"),
        ];
        let result = layered(None, env, &Overrides::default());
        let report: Vec<String> = result.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            report,
            [
                r#"environment variable PANDAOPS_THEME: error: ui.theme: expected a theme name (default, light, high-contrast, truecolor, or the name of a file in themes/ without .toml) made of 1 to 64 letters, digits, '-' or '_', found "../etc""#,
                r#"environment variable PANDAOPS_KEYMAP: error: ui.keymap: expected one of "default", "emacs", found "vim""#,
                r#"environment variable PANDAOPS_SEED: error: demo.seed: expected an integer from 0 to 18446744073709551615, found "abc""#,
                r#"environment variable PANDAOPS_SPEED: error: demo.speed: expected a number greater than 0 and at most 3600, found "-5""#,
                r#"environment variable PANDAOPS_LOG: error: log.level: expected one of "error", "warn", "info", "debug", "trace", found "loud""#,
            ]
        );
    }

    #[test]
    fn bad_flags_are_errors_naming_the_flag() {
        let overrides = Overrides {
            theme: Some(String::new()),
            keymap: None,
            seed: None,
            speed: Some(0.0),
            read_only: false,
        };
        let result = layered(None, &[], &overrides);
        let report: Vec<String> = result.problems.iter().map(ToString::to_string).collect();
        assert_eq!(report.len(), 2);
        assert!(report[0].starts_with("flag --theme: error: ui.theme: expected a theme name"));
        assert_eq!(
            report[1],
            "flag --speed: error: demo.speed: expected a number greater than 0 and at most 3600, found 0"
        );
    }

    #[test]
    fn file_errors_and_environment_errors_are_reported_together() {
        let result = layered(
            Some("[ui]\nmax_fps = 0\n"),
            &[("PANDAOPS_SEED", "-1")],
            &Overrides::default(),
        );
        assert_eq!(result.problems.len(), 2);
    }

    #[test]
    fn summary_counts_in_words() {
        let error = Problem {
            severity: Severity::Error,
            origin: Origin::Flag {
                flag: "--x".to_owned(),
            },
            key_path: String::new(),
            message: String::new(),
        };
        let warning = Problem {
            severity: Severity::Warning,
            ..error.clone()
        };
        assert_eq!(summary(&[]), "OK");
        assert_eq!(summary(&[&error, &error, &warning]), "2 errors, 1 warning");
        assert_eq!(summary(&[&warning, &warning]), "2 warnings");
    }
}
