//! The command line: subcommands, flags, and what each one does.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow};
use clap::{Parser, Subcommand};
use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::app::App;
use crate::config::{self, Config, EXIT_REFUSED_TO_START, Overrides, Paths};
use crate::domain::PaneId;
use crate::keymap::{self, Keymap};
use crate::run::{self, LoopOptions};
use crate::snapshot::{self, SnapshotOptions, View};
use crate::sources::Sources;
use crate::term;
use crate::triage::export::{self, ExportFormat, ExportOptions, ExportTable};
use crate::triage::rules::{ImportFormat, known_rules_path};
use crate::ui::theme::{self, ColorSupport, Theme};

#[derive(Debug, Parser)]
#[command(
    name = "pandaops",
    version,
    about = "A terminal console for PanDA operators"
)]
pub struct Cli {
    /// Config file to read instead of the standard one.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Theme: default, light, high-contrast, truecolor, or a file in the themes folder.
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// Base keymap: default or emacs.
    #[arg(long, global = true)]
    pub keymap: Option<String>,
    /// Seed of the simulated PanDA.
    #[arg(long, global = true)]
    pub seed: Option<u64>,
    /// Simulated seconds per second in the demo.
    #[arg(long, global = true, allow_negative_numbers = true)]
    pub speed: Option<f64>,
    /// Look, never touch: no silence created or expired, no triage decision saved.
    #[arg(long, global = true)]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the console once on the demo and print the screen as plain text.
    Snapshot {
        /// Screen size, WIDTHxHEIGHT.
        #[arg(long, default_value = "120x40")]
        size: String,
        /// all, alerts, tasks, triage or metrics.
        #[arg(long, default_value = "all")]
        view: String,
        /// Simulated seconds the demo runs before the screen is taken.
        #[arg(long, default_value_t = 60)]
        at: u64,
    },
    /// Error triage on diagnostics from a file or a paste.
    Triage {
        #[command(subcommand)]
        action: TriageCommand,
    },
    /// Resource-prediction models: train, evaluate, predict.
    Model {
        #[command(subcommand)]
        action: crate::predict::cli::ModelCommand,
    },
    /// JEDI's scout rules replayed on the job records of one task.
    Scout {
        #[command(subcommand)]
        action: crate::predict::cli::ScoutCommand,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Group diagnostics (one per line, CSV with source, code and diagnostic columns, or JSON job
    /// records) and print a template and an ERROR_DIAG regex for each group.
    Group {
        /// File to read, or - for standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// Read JSON job records (BigPanDA /jobs/?json, /job?pandaid=..&json, JSON lines, PanDA
        /// server records) even when the input does not start like them.
        #[arg(long)]
        jobs: bool,
    },
    /// Write the confirmed and edited decisions as ERROR_CLASSIFICATION rows and RETRYERRORS
    /// proposals (inactive unless --activate-retries), leaving out rows the known rules hold.
    Export {
        /// json (both tables), csv (one table, see --table) or sql (Oracle INSERT statements).
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// For csv: classification (the default) or retryerrors.
        #[arg(long, value_enum)]
        table: Option<ExportTable>,
        /// Write here, atomically, instead of to standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The decisions journal to read; by default the console's, in the data folder.
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        /// For sql: the schema of PanDA's tables [default: ATLAS_PANDA].
        #[arg(long)]
        schema: Option<String>,
        /// Make the RETRYERRORS rows active (ACTIVE = 'Y') instead of log-only.
        #[arg(long)]
        activate_retries: bool,
    },
    /// Read existing ERROR_CLASSIFICATION or RETRYERRORS rows (CSV with a header, or JSON) into the
    /// known rules; bad rows are skipped and reported.
    Import {
        /// A database dump or a file of `triage export`.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// csv or json; guessed from the extension or the first character when not given.
        #[arg(long, value_enum)]
        format: Option<ImportFormat>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the config file, the keymap and the themes; exit status 1 on errors.
    Check,
    /// Print where the config, keymap, themes, data and log live.
    Path,
    /// Print the example configuration, every key documented.
    Example,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Cli {
    fn has_overrides(&self) -> bool {
        self.overrides() != Overrides::default()
    }

    fn overrides(&self) -> Overrides {
        Overrides {
            theme: self.theme.clone(),
            keymap: self.keymap.clone(),
            seed: self.seed,
            speed: self.speed,
            read_only: self.read_only,
        }
    }
}

/// Runs the command line; returns the exit status.
pub fn main(cli: Cli) -> Result<i32> {
    // Grouping pasted diagnostics needs no configuration.
    if let Some(Command::Triage {
        action: TriageCommand::Group { file, jobs },
    }) = &cli.command
    {
        let kind = if *jobs {
            crate::triage::cli::InputKind::JobRecords
        } else {
            crate::triage::cli::InputKind::Detect
        };
        return Ok(crate::triage::cli::group_command(file, kind)?);
    }
    let paths = Paths::discover(cli.config.as_deref(), &process_env)?;
    match &cli.command {
        Some(Command::Config {
            action: ConfigCommand::Example,
        }) => {
            print!("{}", config::example());
            Ok(0)
        }
        Some(Command::Config {
            action: ConfigCommand::Path,
        }) => {
            println!("config file  {}", paths.config_file.display());
            println!("keymap       {}", paths.keymap_file().display());
            println!("themes       {}", paths.themes_dir().display());
            println!("data         {}", paths.data_dir.display());
            println!("log          {}", paths.log_file().display());
            Ok(0)
        }
        Some(Command::Config {
            action: ConfigCommand::Check,
        }) => Ok(check(&cli, &paths)),
        Some(Command::Snapshot { size, view, at }) => {
            if *at > snapshot::MAX_AT_SECS {
                return Err(anyhow!(
                    "--at {at}: the demo can be run for at most {} simulated seconds (one day)",
                    snapshot::MAX_AT_SECS
                ));
            }
            let (width, height) = snapshot::parse_size(size).map_err(|e| anyhow!(e))?;
            let view = View::parse(view).map_err(|e| anyhow!(e))?;
            let Some(setup) = prepare(
                &cli,
                &paths,
                ColorSupport {
                    truecolor: false,
                    no_color: true,
                },
            )?
            else {
                return Ok(EXIT_REFUSED_TO_START);
            };
            let options = SnapshotOptions {
                width,
                height,
                view,
                seed: setup.config.demo.seed,
                at_secs: *at,
                model: Some(crate::predict::store::model_path(&paths)),
            };
            let text = snapshot::render(&options, setup.keymap, &setup.theme_name, setup.themes);
            println!("{text}");
            Ok(0)
        }
        Some(Command::Triage {
            action:
                TriageCommand::Export {
                    format,
                    table,
                    output,
                    journal,
                    schema,
                    activate_retries,
                },
        }) => {
            // A journal named on the command line must exist: a typo would export nothing and
            // look like success. The console's own journal may not exist yet (no decisions).
            if let Some(named) = journal
                && !named.exists()
            {
                anyhow::bail!(
                    "no decisions journal at {}; leave out --journal for the console's own ({})",
                    named.display(),
                    export::default_journal_path(&paths.data_dir).display()
                );
            }
            let options = ExportOptions {
                format: *format,
                table: *table,
                output: output.clone(),
                journal: journal
                    .clone()
                    .unwrap_or_else(|| export::default_journal_path(&paths.data_dir)),
                known_rules: known_rules_path(&paths.data_dir),
                schema: schema.clone(),
                activate_retries: *activate_retries,
            };
            Ok(export::export_command(&options)?)
        }
        Some(Command::Triage {
            action: TriageCommand::Import { file, format },
        }) => Ok(crate::triage::rules::import_command(
            file,
            *format,
            &paths.data_dir,
        )?),
        Some(Command::Model { action }) => {
            // Only the BigPanDA sources matter here, for the token of a --from URL; a config
            // that does not load leaves them out rather than stopping an offline command.
            let bigpanda = config::load(&paths, &process_env, &cli.overrides())
                .map(|loaded| loaded.config.sources.bigpanda)
                .unwrap_or_default();
            crate::predict::cli::model_command(action, &paths, cli.seed, &bigpanda)
        }
        Some(Command::Scout { action }) => crate::predict::cli::scout_command(action, &paths),
        Some(Command::Triage { .. }) => Ok(0),
        None => console(&cli, &paths),
    }
}

/// `pandaops config check`: the config file, then the keymap, then the themes.
fn check(cli: &Cli, paths: &Paths) -> i32 {
    // The report is written at the end in one go, so a closed pipe (`| head -1`) is a quiet
    // end rather than a panic in the middle.
    let mut out = String::new();
    let (report, mut config_status) = config::run_check(paths, &process_env);
    out.push_str(&report);

    // The values the console would start with, flags included, checked as it would check them.
    let loaded = config::load(paths, &process_env, &cli.overrides());
    if let Err(error) = &loaded
        && cli.has_overrides()
    {
        let _ = writeln!(out, "with the command-line flags: {error}");
        config_status = config_status.max(config::EXIT_CHECK_FAILED);
    }
    if let Ok(loaded) = &loaded {
        let problems = semantic_problems(&loaded.config, &theme::names(Some(&paths.themes_dir())));
        for problem in &problems {
            let _ = writeln!(out, "{}: {problem}", paths.config_file.display());
        }
        if !problems.is_empty() {
            config_status = config_status.max(config::EXIT_CHECK_FAILED);
        }
    }
    if let Ok(loaded) = &loaded {
        for warning in missing_token_files(&loaded.config.sources) {
            let _ = writeln!(out, "{}: {warning}", paths.config_file.display());
        }
    }
    let base = loaded
        .as_ref()
        .map(|loaded| loaded.config.ui.keymap.to_string())
        .unwrap_or_else(|_| "default".to_string());
    let keymap_file = paths.keymap_file();
    let user_keymap = keymap_file.exists().then_some(keymap_file.as_path());
    let (keymap_report, keymap_status) = keymap::check_report(&base, user_keymap);
    // The report quotes the user's file, which may hold anything.
    for line in keymap_report.lines() {
        let _ = writeln!(out, "{}", crate::ui::text::sanitize(line));
    }

    let mut theme_status = 0;
    let themes_dir = paths.themes_dir();
    for name in theme::names(Some(&themes_dir)) {
        match theme::load(
            &name,
            Some(&themes_dir),
            ColorSupport {
                truecolor: true,
                no_color: false,
            },
        ) {
            Ok((_, warnings)) => {
                for warning in warnings {
                    let _ = writeln!(out, "theme {name}: warning: {warning}");
                }
            }
            Err(error) => {
                let _ = writeln!(out, "theme {name}: error: {error}");
                theme_status = 1;
            }
        }
    }
    let status = config_status.max(keymap_status).max(theme_status);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => status,
        Err(error) => {
            eprintln!("pandaops: cannot write the report: {error}");
            status.max(1)
        }
        Ok(()) => status,
    }
}

/// Token files that are not there now: a warning, since a token is often written later (a
/// refreshed token), and the source says so until it is.
fn missing_token_files(sources: &config::Sources) -> Vec<String> {
    let connections = sources
        .alertmanager
        .iter()
        .map(|s| ("alertmanager", s.connection()))
        .enumerate()
        .chain(
            sources
                .prometheus
                .iter()
                .map(|s| ("prometheus", s.connection()))
                .enumerate(),
        )
        .chain(
            sources
                .bigpanda
                .iter()
                .map(|s| ("bigpanda", s.connection()))
                .enumerate(),
        )
        .chain(
            sources
                .panda
                .iter()
                .map(|s| ("panda", s.connection()))
                .enumerate(),
        )
        .chain(
            sources
                .events
                .iter()
                .map(|s| ("events", s.connection()))
                .enumerate(),
        );
    connections
        .filter(|(_, (_, connection))| {
            let file = connection.token_file.trim();
            !file.is_empty() && !std::path::Path::new(file).is_file()
        })
        .map(|(index, (kind, connection))| {
            format!(
                "warning: sources.{kind}.{index}.token_file: no file {:?} now; the source will \
                 say its token is missing until there is one",
                connection.token_file.trim()
            )
        })
        .collect()
}

/// Values that parse but name something that does not exist: a theme, a pane's sort column, a
/// field in a pane's filter. Each message names the key and the value.
fn semantic_problems(config: &Config, theme_names: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if !theme_names.contains(&config.ui.theme) {
        problems.push(format!(
            "error: ui.theme: unknown theme {:?}; expected one of: {}",
            config.ui.theme,
            theme_names.join(", ")
        ));
    }
    for (pane, name, view) in [
        (PaneId::Alerts, "alerts", &config.panes.alerts),
        (PaneId::Tasks, "tasks", &config.panes.tasks),
        (PaneId::Triage, "triage", &config.panes.triage),
        (PaneId::Metrics, "metrics", &config.panes.metrics),
    ] {
        let columns = crate::app::columns_of(pane);
        if !view.sort.is_empty() && !columns.contains(&view.sort.as_str()) {
            problems.push(format!(
                "error: panes.{name}.sort: no column {:?} in {}; expected one of: {}",
                view.sort,
                pane.title(),
                columns.join(", ")
            ));
        }
        // Alert labels are open-ended, so any field name may be a label there.
        if pane != PaneId::Alerts {
            let fields = crate::app::filter_fields(pane);
            let filter = crate::app::filter::Filter::parse(&view.filter);
            for unknown in filter.unknown_fields(&fields) {
                problems.push(format!(
                    "error: panes.{name}.filter: no field {unknown:?} in {}; expected one of: {}",
                    pane.title(),
                    fields.join(", ")
                ));
            }
        }
    }
    problems
}

/// Everything the console needs before it can draw.
struct Setup {
    config: Config,
    keymap: Keymap,
    theme_name: String,
    themes: BTreeMap<String, Theme>,
    theme_notes: BTreeMap<String, String>,
    /// Told to the operator at start: config warnings, keymap conflicts, theme fallbacks.
    notes: Vec<String>,
}

/// Loads the configuration, the keymap and every theme. Errors are printed and give `None`.
fn prepare(cli: &Cli, paths: &Paths, colors: ColorSupport) -> Result<Option<Setup>> {
    let loaded = match config::load(paths, &process_env, &cli.overrides()) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("{error}");
            eprintln!(
                "pandaops: not started; fix the configuration or run `pandaops config check`"
            );
            return Ok(None);
        }
    };
    let mut notes: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();

    let problems = semantic_problems(&loaded.config, &theme::names(Some(&paths.themes_dir())));
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("{problem}");
        }
        eprintln!("pandaops: not started; fix the configuration or run `pandaops config check`");
        return Ok(None);
    }

    let keymap_file = paths.keymap_file();
    let user_keymap = keymap_file.exists().then_some(keymap_file.as_path());
    let loaded_keymap = match keymap::load(&loaded.config.ui.keymap.to_string(), user_keymap) {
        Ok(loaded_keymap) => loaded_keymap,
        Err(error) => {
            eprintln!("{error}");
            return Ok(None);
        }
    };
    if loaded_keymap.has_errors() {
        for problem in &loaded_keymap.problems {
            eprintln!("{problem}");
        }
        eprintln!("pandaops: not started; fix the keymap or run `pandaops config check`");
        return Ok(None);
    }
    notes.extend(loaded_keymap.problems.iter().map(ToString::to_string));

    let themes_dir = paths.themes_dir();
    let wanted = loaded.config.ui.theme.clone();
    let mut themes = BTreeMap::new();
    let mut theme_notes = BTreeMap::new();
    for name in theme::names(Some(&themes_dir)) {
        match theme::load(&name, Some(&themes_dir), colors) {
            Ok((theme, warnings)) => {
                if name == wanted {
                    notes.extend(warnings.iter().cloned());
                }
                if !warnings.is_empty() {
                    theme_notes.insert(name.clone(), warnings.join("; "));
                }
                themes.insert(name, theme);
            }
            Err(error) if name == wanted => {
                eprintln!("theme {name}: {error}");
                eprintln!("pandaops: not started; fix the theme or run `pandaops config check`");
                return Ok(None);
            }
            Err(error) => notes.push(format!("theme {name} not available: {error}")),
        }
    }
    if !themes.contains_key(&wanted) {
        eprintln!("pandaops: not started; fix the configuration or run `pandaops config check`");
        eprintln!(
            "unknown theme {wanted:?}; themes: {}",
            themes.keys().cloned().collect::<Vec<_>>().join(", ")
        );
        return Ok(None);
    }

    Ok(Some(Setup {
        config: loaded.config,
        keymap: loaded_keymap.keymap,
        theme_name: wanted,
        themes,
        theme_notes,
        notes,
    }))
}

fn init_logging(paths: &Paths, level: &str) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(&paths.state_dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.log_file())
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("PANDAOPS_LOG_FILTER")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("pandaops={level}")));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Some(guard)
}

/// Starts the live console on the demo.
fn console(cli: &Cli, paths: &Paths) -> Result<i32> {
    let term_name = std::env::var("TERM").ok();
    if let Err(reason) = term::check_capable(
        term_name.as_deref(),
        std::io::stdout().is_terminal(),
        std::io::stdin().is_terminal(),
    ) {
        eprintln!("pandaops: {reason}");
        return Ok(EXIT_REFUSED_TO_START);
    }

    let Some(setup) = prepare(cli, paths, ColorSupport::from_environment())? else {
        return Ok(EXIT_REFUSED_TO_START);
    };
    let _log_guard = init_logging(paths, &setup.config.log.level.to_string());
    tracing::info!(config = ?paths.config_file, "pandaops starting");
    for note in &setup.notes {
        tracing::warn!("{note}");
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let model = Some((
        crate::predict::store::model_path(paths),
        setup.config.demo.seed,
    ));
    let exit = runtime.block_on(live(setup, paths.data_dir.join("decisions.jsonl"), model))?;
    // Sources may be mid-request; they are dropped, not awaited.
    runtime.shutdown_background();
    Ok(exit.code())
}

async fn live(
    setup: Setup,
    journal: std::path::PathBuf,
    model: Option<(std::path::PathBuf, u64)>,
) -> Result<run::Exit> {
    let (events_tx, events_rx) = mpsc::channel(256);
    // The demo feeds every pane unless real sources are configured; the two never mix.
    let simulated = setup.config.sources.is_empty();
    let sources = if simulated {
        Sources::start_demo(
            setup.config.demo.seed,
            setup.config.demo.speed,
            Timestamp::now(),
            events_tx,
        )
    } else {
        Sources::start_configured(&setup.config.sources, events_tx)
    };

    let mut app = App::new(
        setup.keymap,
        &setup.theme_name,
        setup.themes,
        Timestamp::now(),
    );
    app.simulated = simulated;
    app.read_only = setup.config.ui.read_only;
    app.show_clock = setup.config.ui.clock;
    app.operator = operator();
    app.theme_notes = setup.theme_notes;
    apply_pane_config(&mut app, &setup.config);
    if !setup.notes.is_empty() {
        app.notify(format!(
            "{} configuration note{} (first: {}); see `pandaops config check`",
            setup.notes.len(),
            if setup.notes.len() == 1 { "" } else { "s" },
            setup.notes[0]
        ));
    }

    let (mut terminal, _guard) =
        term::enter(setup.config.ui.mouse).context("cannot set up the terminal")?;
    let options = LoopOptions {
        max_fps: setup.config.ui.max_fps,
        mouse: setup.config.ui.mouse,
        journal: Some(journal),
        read_only: setup.config.ui.read_only,
        model,
    };
    let exit = run::run(&mut terminal, &mut app, &sources, events_rx, &options).await;
    term::restore();
    let exit = exit.context("the terminal failed")?;
    tracing::info!(?exit, "pandaops stopped");
    Ok(exit)
}

/// Who is deciding, for the journal: `user@host`.
fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("{user}@{host}")
}

fn apply_pane_config(app: &mut App, config: &Config) {
    for (pane, view) in [
        (PaneId::Alerts, &config.panes.alerts),
        (PaneId::Tasks, &config.panes.tasks),
        (PaneId::Triage, &config.panes.triage),
        (PaneId::Metrics, &config.panes.metrics),
    ] {
        if !view.sort.is_empty() {
            app.sort_pane(pane, &view.sort, Some(view.descending));
        }
        if !view.filter.is_empty() {
            app.set_filter(pane, &view.filter);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_do_not_exist_are_errors_naming_key_and_value() {
        let mut config = Config::default();
        let themes = vec!["default".to_string(), "light".to_string()];
        assert!(semantic_problems(&config, &themes).is_empty());

        config.ui.theme = "mytheme".into();
        config.panes.tasks.sort = "bogus".into();
        config.panes.triage.filter = "stat=x jobs>3".into();
        config.panes.alerts.filter = "team=panda".into();
        let problems = semantic_problems(&config, &themes);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("ui.theme") && problems[0].contains("\"mytheme\""));
        assert!(problems[1].contains("panes.tasks.sort") && problems[1].contains("\"bogus\""));
        assert!(problems[2].contains("panes.triage.filter") && problems[2].contains("\"stat\""));
    }

    #[test]
    fn sort_column_names_work_as_filter_fields_too() {
        let mut config = Config::default();
        config.panes.tasks.filter = "jeditaskid=4 taskname=mc23".into();
        assert!(semantic_problems(&config, &["default".to_string()]).is_empty());
    }
}
