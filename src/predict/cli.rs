//! `pandaops model train|eval|predict` and `pandaops scout replay`: the prediction engine on the
//! command line. Tables go to standard output; progress and skipped records to standard error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use clap::Subcommand;

use super::data::{self, DEFAULT_DEMO_TASKS};
use super::features::{Features, TaskInputs};
use super::model::{self, Baseline, Estimate, Prediction, Progress, Report, TrainOptions};
use super::scout::{self, ScoutSettings};
use super::store;
use super::targets::Labels;
use crate::config::Paths;

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Train the RAMCOUNT, CTIME, CPU efficiency and IO models and save them in the data folder.
    Train {
        /// `demo` (the simulated PanDA's history), a saved BigPanDA /tasks/?json answer, or a
        /// BigPanDA URL such as "https://bigpanda.cern.ch/tasks/?status=done&days=30".
        #[arg(long, value_name = "demo|FILE|URL")]
        from: String,
        /// With --from demo: how many ended tasks to simulate.
        #[arg(long, default_value_t = DEFAULT_DEMO_TASKS)]
        tasks: usize,
        /// Trees per forest.
        #[arg(long, default_value_t = TrainOptions::default().n_trees)]
        trees: usize,
        /// Write the models here instead of the data folder.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print per target the model's MAE, R² and band coverage beside the baseline's (the
    /// median per processing type), on the newest tasks of the training source or on --from.
    Eval {
        /// Evaluate on these tasks instead (`demo`, a /tasks/?json file or a BigPanDA URL).
        #[arg(long, value_name = "demo|FILE|URL")]
        from: Option<String>,
        /// With --from demo: how many ended tasks to simulate.
        #[arg(long, default_value_t = 2000)]
        tasks: usize,
        /// The model file; by default the one in the data folder.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
    },
    /// Print the four predictions with their bands for the tasks of a /tasks/?json file.
    Predict {
        #[arg(long, value_name = "FILE")]
        task_json: PathBuf,
        /// The model file; by default the one in the data folder.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScoutCommand {
    /// Apply JEDI's scout rules to the first N finished jobs of one task and count how many of
    /// the remaining jobs exceed the scouted memory and CPU time, and the model's prediction.
    Replay {
        /// The task's jobs: BigPanDA job JSON or a CSV export with a header.
        #[arg(long, value_name = "FILE")]
        jobs: PathBuf,
        /// How many finished jobs act as scouts (1 to 1000).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
        scouts: u16,
        /// The task as a /tasks/?json record, for the model's column.
        #[arg(long, value_name = "FILE")]
        task_json: Option<PathBuf>,
        /// The task's processing type, for the model's column when there is no --task-json.
        #[arg(long)]
        processingtype: Option<String>,
        /// The task's transhome (e.g. Athena-24.0.53), with --processingtype.
        #[arg(long)]
        transhome: Option<String>,
        /// managed or user, with --processingtype.
        #[arg(long, default_value = "managed")]
        prodsourcelabel: String,
        /// The task's cpuEfficiency in % (JEDI's default 90).
        #[arg(long, default_value_t = ScoutSettings::default().cpu_efficiency_pct)]
        cpu_efficiency: f64,
        /// The task's baseWalltime in seconds.
        #[arg(long, default_value_t = ScoutSettings::default().base_walltime_secs)]
        base_walltime: f64,
        /// The task's baseRamCount in MB.
        #[arg(long, default_value_t = 0.0)]
        base_ramcount: f64,
        /// The model file; by default the one in the data folder.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
    },
}

/// A progress line on standard error, only when it is a terminal.
struct ProgressLine {
    shown: bool,
    enabled: bool,
}

impl ProgressLine {
    fn new() -> ProgressLine {
        ProgressLine {
            shown: false,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    fn update(&mut self, progress: &Progress) {
        if !self.enabled {
            return;
        }
        let width = 30;
        let filled = (progress.done * width)
            .checked_div(progress.total)
            .unwrap_or(0)
            .min(width);
        let mut stderr = std::io::stderr();
        let _ = write!(
            stderr,
            "\r{:<14} [{}{}] {}/{}   ",
            progress.stage,
            "#".repeat(filled),
            " ".repeat(width - filled),
            progress.done,
            progress.total
        );
        let _ = stderr.flush();
        self.shown = true;
    }

    fn finish(&mut self) {
        if self.shown {
            eprintln!();
            self.shown = false;
        }
    }
}

/// A BigPanDA `/tasks/` URL's answer, downloaded with a progress bar. The token, CA and
/// timeouts come from the `[[sources.bigpanda]]` entry of the same host, when there is one;
/// `json` is added to the query when missing.
fn download_tasks(
    from: &str,
    bigpanda: &[crate::config::BigpandaSource],
    line: &mut ProgressLine,
) -> Result<String> {
    let mut url = reqwest::Url::parse(from).map_err(|error| anyhow!("--from {from:?}: {error}"))?;
    if !url.query_pairs().any(|(key, _)| key == "json") {
        let query = match url.query() {
            Some(query) if !query.is_empty() => format!("{query}&json"),
            _ => "json".to_string(),
        };
        url.set_query(Some(&query));
    }
    let same_host = bigpanda.iter().find(|source| {
        reqwest::Url::parse(&source.url).is_ok_and(|configured| {
            configured.host_str() == url.host_str()
                && configured.port_or_known_default() == url.port_or_known_default()
        })
    });
    let mut settings = match same_host {
        Some(source) => {
            let mut settings = crate::sources::http_settings(&source.connection());
            settings.token_scheme = source.token_scheme.clone();
            settings
        }
        None => crate::sources::http::HttpSettings::default(),
    };
    // A training pull is one large answer: it may take long as a whole, but a server that
    // stops sending is given up on after the source's own read timeout.
    settings.total_timeout = settings
        .total_timeout
        .max(std::time::Duration::from_secs(600));
    settings.max_body_bytes = settings.max_body_bytes.max(1024 * 1024 * 1024);
    eprintln!(
        "{from}: downloading (giving up after {} s without data, {} s in all)",
        settings.read_timeout.as_secs(),
        settings.total_timeout.as_secs()
    );

    let mut base = url.clone();
    base.set_path("/");
    base.set_query(None);
    let name = same_host.map_or("bigpanda", |source| source.name.as_str());
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Option<u64>)>();
    let endpoint = crate::sources::http::Endpoint::new(name, base.as_str(), settings)
        .map_err(|error| anyhow!("{error}"))?
        .with_progress(Box::new(move |received, announced| {
            let _ = sender.send((received, announced));
        }));
    let path = url.path().trim_start_matches('/').to_string();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| anyhow!("cannot start the HTTP client: {error}"))?;
    let worker = std::thread::spawn(move || {
        runtime.block_on(async {
            let pairs: Vec<(&str, String)> = query
                .iter()
                .map(|(key, value)| (key.as_str(), value.clone()))
                .collect();
            endpoint.get_bytes(&path, &pairs).await
        })
    });
    // The bar counts megabytes: of the announced size, or of a growing guess without one.
    for (received, announced) in receiver {
        let total = announced.map_or(received + (received / 2).max(1 << 20), |size| {
            usize::try_from(size).unwrap_or(usize::MAX)
        });
        line.update(&Progress {
            stage: "download MB",
            done: received >> 20,
            total: (total >> 20).max(1),
        });
    }
    let body = worker
        .join()
        .map_err(|_| anyhow!("the download stopped unexpectedly"))?
        .map_err(|error| anyhow!("{error}"))?;
    line.finish();
    eprintln!("{from}: received {:.1} MB", body.len() as f64 / 1e6);
    String::from_utf8(body).map_err(|_| anyhow!("{from}: the answer is not UTF-8 text"))
}

/// Rows of `demo` or a file, with skipped records reported on standard error.
fn load_rows(
    from: &str,
    seed: u64,
    tasks: usize,
    bigpanda: &[crate::config::BigpandaSource],
    line: &mut ProgressLine,
) -> Result<(Vec<model::TrainingRow>, String)> {
    if from == "demo" {
        let rows = data::demo_rows(seed, tasks, &mut |done, total| {
            line.update(&Progress {
                stage: "demo history",
                done,
                total,
            })
        });
        return Ok((rows, format!("demo (seed {seed}, {tasks} tasks)")));
    }
    let loaded = if from.starts_with("http://") || from.starts_with("https://") {
        let text = download_tasks(from, bigpanda, line)?;
        data::parse_tasks(&text).map_err(|reason| anyhow!("{from}: {reason}"))?
    } else {
        data::read_tasks_file(Path::new(from)).map_err(|reason| anyhow!(reason))?
    };
    for skipped in loaded.skipped.iter().take(20) {
        eprintln!("{from}: skipped {skipped}");
    }
    if loaded.skipped.len() > 20 {
        eprintln!(
            "{from}: … and {} more skipped records",
            loaded.skipped.len() - 20
        );
    }
    Ok((loaded.rows, from.to_string()))
}

/// `pandaops model ...`; `bigpanda` are the configured monitors, whose token and CA a
/// `--from https://...` download uses.
pub fn model_command(
    command: &ModelCommand,
    paths: &Paths,
    seed: Option<u64>,
    bigpanda: &[crate::config::BigpandaSource],
) -> Result<i32> {
    let seed = seed.unwrap_or(1);
    match command {
        ModelCommand::Train {
            from,
            tasks,
            trees,
            output,
        } => {
            let mut line = ProgressLine::new();
            let (rows, source) = load_rows(from, seed, *tasks, bigpanda, &mut line)?;
            let options = TrainOptions {
                n_trees: (*trees).max(1),
                ..TrainOptions::default()
            };
            let started = std::time::Instant::now();
            let trained = model::train(rows, &source, &options, &mut |progress| {
                line.update(progress)
            });
            line.finish();
            let (predictor, report) = trained.map_err(|error| anyhow!("{error}"))?;
            let path = output.clone().unwrap_or_else(|| store::model_path(paths));
            let bytes = store::save(&path, &predictor, &report).map_err(|error| anyhow!(error))?;
            println!(
                "trained on {} tasks from {source} in {:.1} s; saved {} ({:.1} MB)",
                report.rows_train + report.rows_calibration + report.rows_test,
                started.elapsed().as_secs_f64(),
                path.display(),
                bytes as f64 / 1e6
            );
            print!("{}", format_report(&report));
            Ok(0)
        }
        ModelCommand::Eval { from, tasks, model } => {
            let path = model.clone().unwrap_or_else(|| store::model_path(paths));
            let (predictor, stored) = match store::load(&path) {
                Ok(loaded) => loaded,
                Err(error) => {
                    eprintln!("{error}");
                    return Ok(1);
                }
            };
            println!("models: {}", path.display());
            let Some(from) = from else {
                print!("{}", format_report(&stored));
                return Ok(0);
            };
            let mut line = ProgressLine::new();
            let (rows, source) =
                load_rows(from, seed.wrapping_add(1000), *tasks, bigpanda, &mut line)?;
            line.finish();
            let usable: Vec<(Features, Labels)> = rows
                .iter()
                .filter(|row| row.labels.complete())
                .map(|row| (Features::from_inputs(&row.inputs), row.labels))
                .collect();
            if usable.is_empty() {
                return Err(anyhow!(
                    "{source}: no task with all four labels to evaluate on"
                ));
            }
            // The baseline needs training rows of its own: the older half.
            let (older, newer) = usable.split_at(usable.len() / 2);
            let baseline = Baseline::fit(older.iter().map(|(f, l)| (f, l)));
            let test: Vec<(&Features, &Labels)> = newer.iter().map(|(f, l)| (f, l)).collect();
            let mut report = model::evaluate(&predictor, &baseline, &test);
            report.source = format!("{source} (baseline fitted on its older half)");
            report.trained_at = stored.trained_at.clone();
            report.rows_skipped = rows.len() - usable.len();
            print!("{}", format_report(&report));
            Ok(0)
        }
        ModelCommand::Predict { task_json, model } => {
            let path = model.clone().unwrap_or_else(|| store::model_path(paths));
            let (predictor, report) = match store::load(&path) {
                Ok(loaded) => loaded,
                Err(error) => {
                    eprintln!("{error}");
                    return Ok(1);
                }
            };
            let simulated = if report.trained_on_simulated_data() {
                " (simulated data)"
            } else {
                ""
            };
            println!(
                "models: {}, trained on {}{simulated}; bands: {:.0} % nominal coverage",
                path.display(),
                report.source,
                predictor.nominal_coverage() * 100.0
            );
            let loaded = data::read_tasks_file(task_json).map_err(|reason| anyhow!(reason))?;
            for skipped in &loaded.skipped {
                eprintln!("{}: skipped {skipped}", task_json.display());
            }
            for row in &loaded.rows {
                let prediction = predictor.predict_inputs(&row.inputs);
                print!("{}", format_prediction(row.jeditaskid, &prediction));
            }
            Ok(0)
        }
    }
}

fn estimate_text(estimate: &Result<Estimate, String>, decimals: usize) -> String {
    match estimate {
        Ok(e) => format!(
            "{:.*} [{:.*}–{:.*}]",
            decimals, e.value, decimals, e.low, decimals, e.high
        ),
        Err(reason) => reason.clone(),
    }
}

/// The four predictions of one task, a line each, with its flags.
pub fn format_prediction(jeditaskid: u64, prediction: &Prediction) -> String {
    let mut out = format!("task {jeditaskid}");
    match &prediction.not_eligible_reason {
        Some(reason) => out.push_str(&format!(" ({reason})\n")),
        None => out.push_str(" (eligible)\n"),
    }
    out.push_str(&format!(
        "  RAMCOUNT  {} MB/core\n",
        estimate_text(&prediction.ramcount_mb_per_core, 0)
    ));
    out.push_str(&format!(
        "  CTIME     {} HS06s/event\n",
        estimate_text(&prediction.cputime_hs06s_per_event, 3)
    ));
    out.push_str(&format!(
        "  CPU_EFF   {} %\n",
        estimate_text(&prediction.cpu_efficiency_pct, 1)
    ));
    match &prediction.io {
        Ok(io) => out.push_str(&format!(
            "  IO        {} (P(high) {:.2}; {:.0} [{:.0}–{:.0}] kB/s)\n",
            io.class(),
            io.probability_high,
            io.kb_per_s.value,
            io.kb_per_s.low,
            io.kb_per_s.high
        )),
        Err(reason) => out.push_str(&format!("  IO        {reason}\n")),
    }
    out.push_str(&format!(
        "  walltime  {} s per one-file job\n",
        estimate_text(&prediction.walltime_secs_per_file, 0)
    ));
    for flag in &prediction.flags {
        out.push_str(&format!("  flag: {flag}\n"));
    }
    out
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "—".to_string(), |value| format!("{value:.decimals$}"))
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(
        || "—".to_string(),
        |value| format!("{:.1} %", value * 100.0),
    )
}

/// The evaluation table.
pub fn format_report(report: &Report) -> String {
    let mut out = String::new();
    let simulated = if report.trained_on_simulated_data() {
        " (simulated data)"
    } else {
        ""
    };
    out.push_str(&format!(
        "source: {}{simulated}\ntrained: {}\nrows: {} train · {} calibration · {} test (newest) · {} skipped\n\n",
        report.source,
        report.trained_at,
        report.rows_train,
        report.rows_calibration,
        report.rows_test,
        report.rows_skipped
    ));
    out.push_str(&format!(
        "{:<9} {:<12} {:>6} {:>11} {:>9} {:>9} {:>9} {:>13} {:>12}\n",
        "target",
        "unit",
        "rows",
        "model MAE",
        "model R²",
        "coverage",
        "nominal",
        "baseline MAE",
        "baseline R²"
    ));
    for target in &report.targets {
        let decimals = match target.target.as_str() {
            "CTIME" => 3,
            "CPU_EFF" => 2,
            _ => 1,
        };
        out.push_str(&format!(
            "{:<9} {:<12} {:>6} {:>11} {:>9} {:>9} {:>9} {:>13} {:>12}\n",
            target.target,
            target.unit,
            target.rows,
            number(target.model_mae, decimals),
            number(target.model_r2, 3),
            percent(target.coverage),
            percent(Some(target.nominal_coverage)),
            number(target.baseline_mae, decimals),
            number(target.baseline_r2, 3)
        ));
    }
    out.push_str(&format!(
        "{:<9} {:<12} {:>6} accuracy {} (baseline {}), Brier {} (baseline {}), kB/s band \
         coverage {}\n",
        "IO",
        "low/high",
        report.io.rows,
        percent(report.io.model_accuracy),
        percent(report.io.baseline_accuracy),
        number(report.io.brier, 4),
        number(report.io.baseline_brier, 4),
        percent(report.io.coverage)
    ));
    let verdicts: Vec<String> = report
        .verdicts()
        .iter()
        .map(|(target, verdict)| format!("{target} {}", verdict.word()))
        .collect();
    out.push_str(&format!(
        "\nbaseline: median per processing type (IO: majority class per processing type, its \
         share of high as the probability)\n\
         ahead: a lower MAE and a higher R² (IO: a higher accuracy and a lower Brier score)\n\
         model against the baseline: {}\n",
        verdicts.join(", ")
    ));
    out
}

/// The task for the model's column: from a /tasks/?json record, or from flags and the jobs.
fn replay_task_inputs(
    task_json: Option<&Path>,
    processingtype: Option<&str>,
    transhome: Option<&str>,
    prodsourcelabel: &str,
    jobs: &[scout::JobRecord],
) -> Result<TaskInputs, String> {
    if let Some(path) = task_json {
        let loaded = data::read_tasks_file(path)?;
        return loaded
            .rows
            .into_iter()
            .next()
            .map(|row| row.inputs)
            .ok_or_else(|| format!("{}: no usable task record", path.display()));
    }
    let Some(processingtype) = processingtype else {
        return Err(
            "the model column needs the task: pass --task-json FILE, or --processingtype and \
             --transhome"
                .to_string(),
        );
    };
    let mut cores: Vec<f64> = jobs.iter().filter_map(|job| job.cores).collect();
    let corecount = super::metrics::median(&mut cores);
    let events: f64 = jobs.iter().filter_map(|job| job.nevents).sum();
    Ok(TaskInputs {
        taskname: String::new(),
        prodsourcelabel: prodsourcelabel.to_string(),
        processingtype: processingtype.to_string(),
        transhome: transhome.unwrap_or_default().to_string(),
        corecount,
        // One input file per job is assumed: the records do not say.
        n_files: Some(jobs.len() as f64),
        total_events: Some(events),
        dataset_count: Some(1.0),
    })
}

fn share(count: usize, of: usize) -> String {
    if of == 0 {
        return "— of 0".to_string();
    }
    format!(
        "{count} of {of} ({:.1} %)",
        count as f64 * 100.0 / of as f64
    )
}

pub fn scout_command(command: &ScoutCommand, paths: &Paths) -> Result<i32> {
    let ScoutCommand::Replay {
        jobs,
        scouts,
        task_json,
        processingtype,
        transhome,
        prodsourcelabel,
        cpu_efficiency,
        base_walltime,
        base_ramcount,
        model,
    } = command;
    let loaded = scout::read_jobs(jobs).map_err(|reason| anyhow!(reason))?;
    for skipped in loaded.skipped.iter().take(20) {
        eprintln!("{}: skipped {skipped}", jobs.display());
    }
    let settings = ScoutSettings {
        scouts: usize::from(*scouts),
        base_ramcount_mb: *base_ramcount,
        cpu_efficiency_pct: *cpu_efficiency,
        base_walltime_secs: *base_walltime,
    };
    let replayed = scout::replay(&loaded.jobs, &settings);
    let task = ReplayTask {
        task_json: task_json.as_deref(),
        processingtype: processingtype.as_deref(),
        transhome: transhome.as_deref(),
        prodsourcelabel,
    };
    let model_path = model.clone().unwrap_or_else(|| store::model_path(paths));
    print!(
        "{}",
        format_replay(&loaded, &replayed, &settings, &task, &model_path)
    );
    Ok(0)
}

/// What `scout replay` was told about the task, for the model's column.
struct ReplayTask<'a> {
    task_json: Option<&'a Path>,
    processingtype: Option<&'a str>,
    transhome: Option<&'a str>,
    prodsourcelabel: &'a str,
}

fn format_replay(
    loaded: &scout::LoadedJobs,
    replayed: &scout::Replay,
    settings: &ScoutSettings,
    task: &ReplayTask<'_>,
    model_path: &Path,
) -> String {
    let mut out = format!(
        "jobs: {} read, {} skipped, {} finished; scouts: the first {} finished; remaining: {}\n",
        loaded.jobs.len(),
        loaded.skipped.len(),
        replayed.finished,
        replayed.scouts.len(),
        replayed.remaining.len()
    );
    out.push_str(&format!(
        "rules: ramCount = p75 of maxPSS/core × 1.10; cpuTime = p95 × 1.5 (cpuEfficiency {} %, \
         baseWalltime {} s, baseRamCount {} MB)\n\n",
        settings.cpu_efficiency_pct, settings.base_walltime_secs, settings.base_ramcount_mb
    ));
    let scouted = &replayed.scouted;
    let cpu_text = |value: Option<f64>| match value {
        Some(value) if value < 10.0 => format!("{value:.3} ({:.0} mHS06s/event)", value * 1000.0),
        Some(value) => format!("{value:.1}"),
        None => "— (no scout counts)".to_string(),
    };
    out.push_str(&format!(
        "{:<28} {:<26} {}\n",
        "", "memory (MB/core)", "CPU time (HS06s/event)"
    ));
    let scouted_exceed = scout::exceeding(
        &replayed.remaining,
        scouted.ramcount_mb_per_core,
        scouted.cputime_hs06s_per_event,
        settings,
    );
    out.push_str(&format!(
        "{:<28} {:<26} {}\n",
        "scouted (JEDI rules)",
        number(scouted.ramcount_mb_per_core, 0),
        cpu_text(scouted.cputime_hs06s_per_event)
    ));
    out.push_str(&format!(
        "{:<28} {:<26} {}\n",
        "  remaining jobs above it",
        share(scouted_exceed.memory_over, scouted_exceed.memory_known),
        share(scouted_exceed.cpu_over, scouted_exceed.cpu_known)
    ));

    let task = replay_task_inputs(
        task.task_json,
        task.processingtype,
        task.transhome,
        task.prodsourcelabel,
        &loaded.jobs,
    );
    let prediction = task.and_then(|inputs| {
        store::load(model_path)
            .map(|(predictor, report)| (predictor.predict_inputs(&inputs), report.source))
            .map_err(|error| error.to_string())
    });
    match prediction {
        Err(reason) => out.push_str(&format!("\nno model column: {reason}\n")),
        Ok((prediction, source)) => {
            let simulated = if source.starts_with("demo") {
                " (simulated data)"
            } else {
                ""
            };
            out.push_str(&format!("\nmodel trained on {source}{simulated}\n"));
            let ram = prediction.ramcount_mb_per_core.as_ref().ok();
            let cpu = prediction.cputime_hs06s_per_event.as_ref().ok();
            for (label, pick) in [
                (
                    "model prediction",
                    (|e: &Estimate| e.value) as fn(&Estimate) -> f64,
                ),
                ("model band, upper end", |e: &Estimate| e.high),
            ] {
                let ram_limit = ram.map(pick);
                let cpu_limit = cpu.map(pick);
                let exceed = scout::exceeding(&replayed.remaining, ram_limit, cpu_limit, settings);
                out.push_str(&format!(
                    "{label:<28} {:<26} {}\n",
                    number(ram_limit, 0),
                    cpu_text(cpu_limit)
                ));
                out.push_str(&format!(
                    "{:<28} {:<26} {}\n",
                    "  remaining jobs above it",
                    share(exceed.memory_over, exceed.memory_known),
                    share(exceed.cpu_over, exceed.cpu_known)
                ));
            }
            if let Some(reason) = &prediction.not_eligible_reason {
                out.push_str(&format!("note: {reason}\n"));
            }
            for flag in &prediction.flags {
                out.push_str(&format!("flag: {flag}\n"));
            }
        }
    }
    out
}
