//! Config files, checked over folders of fixtures, and loading through every layer.
//!
//! `tests/fixtures/config/valid/*.toml` must load with no problem at all.
//! `tests/fixtures/config/invalid/*.toml` each have a sibling `<name>.expected`: every line is a
//! substring the report must contain (the file is named by its bare file name, so lines read
//! `b23.toml:4:11: error: …`), except `errors: N` and `warnings: N`, which give exact counts,
//! and blank lines and lines starting with `#`, which are skipped.
//!
//! Nothing here reads the real user's folders or the process environment: paths are built under
//! Cargo's temporary folder and the environment is a function.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use pandaops::config::{
    self, BaseKeymap, Config, ConfigError, ConfigFileChoice, LogLevel, Overrides, Paths, Problem,
};

type TestResult = Result<(), Box<dyn Error>>;

/// An error message that names the file it is about.
fn about(path: &Path, error: impl std::fmt::Display) -> String {
    format!("{}: {error}", path.display())
}

fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(kind)
}

/// The `.toml` files of a fixture folder, sorted so failures are reported in a stable order.
fn fixtures(kind: &str) -> Result<Vec<PathBuf>, String> {
    let dir = fixture_dir(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .and_then(|entries| {
            entries
                .map(|entry| entry.map(|entry| entry.path()))
                .collect()
        })
        .map_err(|error| about(&dir, error))?;
    files.retain(|path| {
        path.extension()
            .is_some_and(|extension| extension == "toml")
    });
    files.sort();
    if files.is_empty() {
        return Err(about(&dir, "no fixtures"));
    }
    Ok(files)
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|error| about(path, error))
}

fn file_name(path: &Path) -> &Path {
    Path::new(path.file_name().unwrap_or_default())
}

/// Checks a fixture under its bare file name, so reports do not depend on the checkout.
fn check_fixture(path: &Path) -> Result<config::Checked, String> {
    Ok(config::check(&read(path)?, file_name(path)))
}

fn report(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn valid(name: &str) -> Result<Config, String> {
    let checked = check_fixture(&fixture_dir("valid").join(name))?;
    assert!(checked.problems.is_empty(), "{}", report(&checked.problems));
    checked
        .config
        .ok_or_else(|| format!("{name} gave no config"))
}

#[test]
fn every_valid_fixture_loads_without_any_problem() -> TestResult {
    for path in fixtures("valid")? {
        let checked = check_fixture(&path)?;
        assert!(
            checked.problems.is_empty() && checked.config.is_some(),
            "{}:\n{}",
            path.display(),
            report(&checked.problems)
        );
    }
    Ok(())
}

#[test]
fn every_invalid_fixture_reports_what_its_expected_file_lists() -> TestResult {
    let mut failures = Vec::new();
    for path in fixtures("invalid")? {
        let checked = check_fixture(&path)?;
        let report = report(&checked.problems);
        let expected = read(&path.with_extension("expected"))?;

        let errors = checked.problems.iter().filter(|p| p.is_error()).count();
        let warnings = checked.problems.len() - errors;
        for line in expected.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let failed = if let Some(count) = line.strip_prefix("errors:") {
                count.trim().parse() != Ok(errors)
            } else if let Some(count) = line.strip_prefix("warnings:") {
                count.trim().parse() != Ok(warnings)
            } else {
                !report.contains(line)
            };
            if failed {
                failures.push(format!(
                    "{}: missing `{line}` in:\n{report}\n",
                    path.display()
                ));
            }
        }

        assert!(
            !checked.problems.is_empty(),
            "{}: no problem found",
            path.display()
        );
        assert_eq!(
            checked.config.is_none(),
            errors > 0,
            "{}: a config must be given exactly when there is no error",
            path.display()
        );
        for problem in &checked.problems {
            let position = problem.position();
            assert!(
                position.is_some_and(|(line, column)| line >= 1 && column >= 1),
                "{}: `{problem}` has no position",
                path.display()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

#[test]
fn every_invalid_fixture_has_an_expected_file_and_the_reverse() -> TestResult {
    let dir = fixture_dir("invalid");
    for entry in fs::read_dir(&dir).map_err(|error| about(&dir, error))? {
        let path = entry?.path();
        let partner = match path.extension().and_then(|extension| extension.to_str()) {
            Some("toml") => path.with_extension("expected"),
            Some("expected") => path.with_extension("toml"),
            _ => return Err(about(&path, "unexpected file in the fixtures").into()),
        };
        assert!(partner.exists(), "{} is missing", partner.display());
    }
    Ok(())
}

#[test]
fn full_fixture_sets_every_key() -> TestResult {
    let config = valid("full.toml")?;
    assert_eq!(config.ui.theme, "high-contrast");
    assert_eq!(config.ui.keymap, BaseKeymap::Emacs);
    assert_eq!(config.ui.max_fps, 30);
    assert!(!config.ui.clock);
    assert!(config.ui.mouse);
    assert_eq!(config.demo.seed, 20_240_501);
    assert_eq!(config.demo.speed, 120.5);
    assert_eq!(config.log.level, LogLevel::Debug);
    assert_eq!(config.panes.alerts.sort, "severity");
    assert!(!config.panes.alerts.descending);
    assert_eq!(config.panes.alerts.filter, "site=CERN");
    assert_eq!(config.panes.metrics.sort, "title");

    // Nothing in it is a default, so a key the schema silently dropped would show here.
    let defaults = Config::default();
    assert_ne!(config.ui, defaults.ui);
    assert_ne!(config.panes.tasks, defaults.panes.tasks);
    Ok(())
}

#[test]
fn empty_and_comment_only_files_give_the_defaults() -> TestResult {
    assert_eq!(valid("empty.toml")?, Config::default());
    assert_eq!(valid("comments_only.toml")?, Config::default());
    Ok(())
}

#[test]
fn partial_fixture_keeps_defaults_for_everything_else() -> TestResult {
    let config = valid("partial.toml")?;
    assert_eq!(config.demo.speed, 2.0);
    assert_eq!(config.panes.tasks.filter, "mc23");
    assert!(config.panes.tasks.descending);
    assert_eq!(config.ui, Config::default().ui);
    Ok(())
}

#[test]
fn dotted_keys_and_inline_tables_are_understood() -> TestResult {
    let config = valid("dotted_and_inline.toml")?;
    assert_eq!(config.ui.max_fps, 45);
    assert_eq!(config.log.level, LogLevel::Trace);
    assert_eq!(config.panes.alerts.sort, "starts_at");
    assert!(!config.panes.alerts.descending);
    assert_eq!(config.panes.metrics.filter, "failure");
    Ok(())
}

#[test]
fn unicode_values_are_kept_as_written() -> TestResult {
    let config = valid("unicode.toml")?;
    assert_eq!(config.ui.theme, "solarisé_2");
    assert_eq!(config.panes.triage.filter, "Ошибка: 日本語 ✓ — “quoted”");
    assert_eq!(config.panes.alerts.sort, "sévérité");
    Ok(())
}

#[test]
fn range_limits_are_accepted() -> TestResult {
    let config = valid("boundaries.toml")?;
    assert_eq!(config.ui.max_fps, 60);
    assert_eq!(config.demo.seed, u64::MAX);
    assert_eq!(config.demo.speed, 3600.0);

    let config = valid("small_speed.toml")?;
    assert_eq!(config.ui.max_fps, 1);
    assert_eq!(config.demo.seed, 0);
    assert_eq!(config.demo.speed, 0.001);
    Ok(())
}

#[test]
fn windows_line_endings_are_fine() -> TestResult {
    let config = valid("crlf.toml")?;
    assert_eq!(config.ui.theme, "light");
    assert!(!config.ui.clock);
    Ok(())
}

#[test]
fn b23_keeps_what_is_valid_when_there_are_only_warnings() {
    let checked = config::check(
        "[ui]\nmax_fsp = 30\nmax_fps = 25\n[alertmanager]\nlegacy_option = true\n",
        Path::new("config.toml"),
    );
    assert_eq!(checked.problems.len(), 2, "{}", report(&checked.problems));
    assert!(checked.problems.iter().all(|problem| !problem.is_error()));
    let config = checked.config.unwrap_or_default();
    assert_eq!(config.ui.max_fps, 25);
}

#[test]
fn the_example_parses_cleanly_and_equals_the_defaults() -> TestResult {
    let checked = config::check(config::example(), Path::new("config.example.toml"));
    assert!(checked.problems.is_empty(), "{}", report(&checked.problems));
    assert_eq!(checked.config, Some(Config::default()));

    // Equal values could still hide a key missing from the example; compare the key trees too.
    let written: toml::Table = config::example().parse()?;
    let defaults = toml::Table::try_from(Config::default())?;
    assert_eq!(written, defaults);
    Ok(())
}

#[test]
fn every_key_in_the_example_has_a_comment_above_it() {
    let lines: Vec<&str> = config::example().lines().map(str::trim).collect();
    for (index, line) in lines.iter().enumerate() {
        if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
            continue;
        }
        let above = index.checked_sub(1).map(|above| lines[above]);
        assert!(
            above.is_some_and(|above| above.starts_with('#')),
            "config.example.toml:{}: `{line}` has no comment above it",
            index + 1
        );
    }
}

/// A fresh folder under Cargo's temporary folder for one test.
fn scratch(name: &str) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("config-tests")
        .join(name);
    // A leftover from an earlier run may or may not be there.
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("config")).map_err(|error| about(&root, error))?;
    Ok(root)
}

fn write_config(paths: &Paths, text: &str) -> Result<(), String> {
    fs::write(&paths.config_file, text).map_err(|error| about(&paths.config_file, error))
}

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn a_missing_standard_file_means_defaults() -> TestResult {
    let paths = Paths::under(&scratch("missing")?);
    let loaded = config::load(&paths, &no_env, &Overrides::default())?;
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.file_used, None);

    let (report, code) = config::run_check(&paths, &no_env);
    assert_eq!(code, 0);
    assert_eq!(
        report,
        format!(
            "no config file at {}; using defaults\n",
            paths.config_file.display()
        )
    );
    Ok(())
}

#[test]
fn a_missing_file_chosen_explicitly_is_an_error() -> TestResult {
    let mut paths = Paths::under(&scratch("explicit")?);
    paths.config_file_choice = ConfigFileChoice::Flag;
    let error = config::load(&paths, &no_env, &Overrides::default()).err();
    assert!(
        matches!(&error, Some(ConfigError::Missing { chosen_by, .. }) if *chosen_by == "--config"),
        "{error:?}"
    );
    let (report, code) = config::run_check(&paths, &no_env);
    assert_eq!(code, config::EXIT_CHECK_FAILED);
    assert!(report.contains("does not exist"), "{report}");
    Ok(())
}

#[test]
fn warnings_let_the_console_start_and_the_file_is_never_rewritten() -> TestResult {
    let paths = Paths::under(&scratch("warnings")?);
    let text = "[ui]\nmax_fsp = 30\nclock = false\n";
    write_config(&paths, text)?;

    let loaded = config::load(&paths, &no_env, &Overrides::default())?;
    assert!(!loaded.config.ui.clock);
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(
        loaded.file_used.as_deref(),
        Some(paths.config_file.as_path())
    );

    let (report, code) = config::run_check(&paths, &no_env);
    assert_eq!(code, 0);
    let file = paths.config_file.display();
    assert_eq!(
        report,
        format!(
            "{file}:2:1: warning: unknown key `max_fsp` in [ui] (did you mean `max_fps`?)\n\
             {file}: 1 warning\n"
        )
    );
    assert_eq!(read(&paths.config_file)?, text);
    Ok(())
}

#[test]
fn errors_stop_the_console_with_the_whole_report() -> TestResult {
    let paths = Paths::under(&scratch("errors")?);
    let text = read(&fixture_dir("invalid").join("b23.toml"))?;
    write_config(&paths, &text)?;

    let Err(error) = config::load(&paths, &no_env, &Overrides::default()) else {
        return Err("b23.toml loaded".into());
    };
    assert_eq!(error.problems().len(), 4);
    assert_eq!(error.to_string().lines().count(), 4, "{error}");

    let (report, code) = config::run_check(&paths, &no_env);
    assert_eq!(code, config::EXIT_CHECK_FAILED);
    let summary = format!("{}: 2 errors, 2 warnings", paths.config_file.display());
    assert_eq!(report.lines().last(), Some(summary.as_str()), "{report}");
    assert_eq!(read(&paths.config_file)?, text);
    Ok(())
}

#[test]
fn layers_override_in_order_defaults_file_environment_flags() -> TestResult {
    let paths = Paths::under(&scratch("layers")?);
    write_config(
        &paths,
        "[ui]\ntheme = \"light\"\nmax_fps = 10\n[demo]\nseed = 7\nspeed = 2.0\n",
    )?;
    let env = |name: &str| match name {
        "PANDAOPS_THEME" => Some("high-contrast".to_owned()),
        "PANDAOPS_SEED" => Some("8".to_owned()),
        "PANDAOPS_LOG" => Some("debug".to_owned()),
        _ => None,
    };
    let overrides = Overrides {
        seed: Some(9),
        ..Overrides::default()
    };

    let config = config::load(&paths, &env, &overrides)?.config;
    // Default, untouched by any layer.
    assert!(config.ui.clock);
    // File only.
    assert_eq!(config.ui.max_fps, 10);
    assert_eq!(config.demo.speed, 2.0);
    // Environment over the file.
    assert_eq!(config.ui.theme, "high-contrast");
    assert_eq!(config.log.level, LogLevel::Debug);
    // Flag over the environment and the file.
    assert_eq!(config.demo.seed, 9);
    Ok(())
}

#[test]
fn environment_errors_are_reported_with_the_file_problems() -> TestResult {
    let paths = Paths::under(&scratch("env-errors")?);
    write_config(&paths, "[ui]\nmax_fps = 0\n")?;
    let env = |name: &str| (name == "PANDAOPS_SPEED").then(|| "fast".to_owned());

    let (report, code) = config::run_check(&paths, &env);
    assert_eq!(code, config::EXIT_CHECK_FAILED);
    assert!(
        report.contains(
            "environment variable PANDAOPS_SPEED: error: demo.speed: expected a number \
             greater than 0 and at most 3600, found \"fast\""
        ),
        "{report}"
    );
    assert!(report.contains("environment: 1 error"), "{report}");
    assert!(report.contains(": 1 error\n"), "{report}");
    Ok(())
}

#[test]
fn the_example_source_blocks_parse_when_uncommented() -> TestResult {
    // A table header or `key = value`; prose that quotes a query string is left alone.
    let is_setting = |code: &str| {
        code.starts_with("[[")
            || code.split_once(" = ").is_some_and(|(key, _)| {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    // Uncomment the lines that follow the "[[sources." headers, as a user would.
    let mut text = String::new();
    let mut in_block = false;
    for line in config::example().lines() {
        if line.starts_with("# [[sources.") {
            in_block = true;
        }
        match line.strip_prefix("# ") {
            Some(code) if in_block && is_setting(code) => text.push_str(code),
            _ if line == "#" => in_block = false,
            _ => text.push_str(line),
        }
        text.push('\n');
    }
    let checked = config::check(&text, Path::new("uncommented.toml"));
    assert!(checked.problems.is_empty(), "{}", report(&checked.problems));
    let config = checked.config.ok_or("no config")?;
    assert_eq!(config.sources.alertmanager.len(), 1);
    assert_eq!(config.sources.alertmanager[0].url, "http://127.0.0.1:9093");
    assert_eq!(config.sources.alertmanager[0].refresh_secs, 15);
    assert_eq!(config.sources.prometheus.len(), 1);
    assert_eq!(config.sources.prometheus[0].range_minutes, 120);
    assert_eq!(config.sources.prometheus[0].queries[0].unit, "jobs");
    assert_eq!(config.sources.bigpanda[0].token_scheme, "Token");
    assert_eq!(config.sources.bigpanda[0].feeds, ["tasks", "jobs"]);
    assert_eq!(config.sources.panda[0].vo, "atlas");
    assert_eq!(config.sources.file[0].jobs, "/home/me/saved/jobs.json");
    Ok(())
}

#[test]
fn sources_fixture_keeps_every_source_in_order() -> TestResult {
    let config = valid("sources.toml")?;
    let names: Vec<&str> = config
        .sources
        .alertmanager
        .iter()
        .map(|source| source.name.as_str())
        .collect();
    assert_eq!(names, ["am-1", "am-2"]);
    assert_eq!(config.sources.alertmanager[1].refresh_secs, 60);
    assert_eq!(config.sources.alertmanager[0].refresh_secs, 15);
    assert_eq!(config.sources.prometheus[0].points, 500);
    assert_eq!(config.sources.prometheus[0].queries.len(), 2);
    assert_eq!(config.sources.prometheus[0].queries[1].unit, "req/s");
    Ok(())
}
