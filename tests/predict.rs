#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! The prediction engine: training on synthetic tasks with known relations recovers them, bands
//! cover what they promise on held-out tasks, degenerate inputs give flags or clear errors, the
//! model file round-trips and asks to be retrained when incompatible, JEDI's scout rules give the
//! values computed by hand, and `model train`, `model eval`, `model predict` and `scout replay`
//! work through the real binary in a home folder of their own.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::Timestamp;
use pandaops::domain::{Task, TaskStatus};
use pandaops::predict::model::{self, NOMINAL_COVERAGE, TrainOptions, TrainingRow, Verdict};
use pandaops::predict::targets::Labels;
use pandaops::predict::{TaskInputs, store};

/// A home folder for one test, removed when dropped.
struct Home {
    root: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let root =
            std::env::temp_dir().join(format!("pandaops-predict-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        Home { root }
    }

    fn model_file(&self) -> PathBuf {
        self.root.join("data/pandaops/models.json")
    }

    /// Runs the binary with only this home; returns (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let dir = |name: &str| self.root.join(name).display().to_string();
        let output = Command::new(env!("CARGO_BIN_EXE_pandaops"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.root.display().to_string())
            .env("XDG_CONFIG_HOME", dir("config"))
            .env("XDG_DATA_HOME", dir("data"))
            .env("XDG_STATE_HOME", dir("state"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/predict")
        .join(name)
        .display()
        .to_string()
}

fn normal(rng: &mut fastrand::Rng) -> f64 {
    let u = rng.f64().max(1e-12);
    let v = rng.f64();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Tasks whose needs follow fixed rules: memory by type, less per core on 8 cores; CPU per
/// event by type, growing with events per file; efficiency 10 points lower on 8 cores; IO high
/// for deriv and merge. Each with a little noise.
fn synthetic(count: usize, seed: u64) -> Vec<TrainingRow> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let kinds = [
        ("deriv", "AthDerivation-24.0.30", 2500.0, 2.0, true),
        ("simul", "AthSimulation-23.0.44", 3000.0, 400.0, false),
        ("evgen", "AthGeneration-23.6.31", 1500.0, 80.0, false),
        ("merge", "Athena-24.0.53", 1600.0, 0.5, true),
    ];
    (0..count)
        .map(|index| {
            let (kind, transhome, ram, cpu, io_high) = kinds[rng.usize(..kinds.len())];
            let cores = if rng.bool() { 8.0 } else { 1.0 };
            let n_files = rng.u64(10..2000) as f64;
            let events_per_file = rng.u64(1000..50_000) as f64;
            let noise = |rng: &mut fastrand::Rng, sd: f64| (sd * normal(rng)).exp();
            let ram = ram * if cores > 1.0 { 0.7 } else { 1.0 } * noise(&mut rng, 0.05);
            let cpu = cpu * (events_per_file / 1000.0).powf(0.3) * noise(&mut rng, 0.05);
            let efficiency = 90.0 - if cores > 1.0 { 10.0 } else { 0.0 } + normal(&mut rng);
            let io = if io_high { 1500.0 } else { 100.0 } * noise(&mut rng, 0.2);
            TrainingRow {
                jeditaskid: 1000 + index as u64,
                created: Timestamp::from_second(1_700_000_000 + index as i64 * 60).ok(),
                inputs: TaskInputs {
                    taskname: format!("mc23_13p6TeV.7{index:05}.sample.{kind}.X.e1"),
                    prodsourcelabel: "managed".into(),
                    processingtype: kind.into(),
                    transhome: transhome.into(),
                    corecount: Some(cores),
                    n_files: Some(n_files),
                    total_events: Some(n_files * events_per_file),
                    dataset_count: Some(1.0),
                },
                labels: Labels {
                    ramcount_mb_per_core: Some(ram),
                    cputime_hs06s_per_event: Some(cpu),
                    cpu_efficiency_pct: Some(efficiency),
                    io_intensity_kb_per_s: Some(io),
                },
            }
        })
        .collect()
}

fn small_options() -> TrainOptions {
    TrainOptions {
        n_trees: 12,
        ..TrainOptions::default()
    }
}

fn task(processingtype: &str, transhome: &str) -> Task {
    Task {
        jeditaskid: 42,
        taskname: "mc23_13p6TeV.700001.sample.deriv.X.e1".into(),
        status: TaskStatus::Defined,
        username: "prod".into(),
        prodsourcelabel: "managed".into(),
        processingtype: processingtype.into(),
        transhome: transhome.into(),
        corecount: Some(8),
        n_files: Some(100),
        n_files_finished: Some(0),
        n_files_failed: Some(0),
        total_events: Some(1_000_000),
        dataset_count: Some(1),
        ramcount_mb_per_core: None,
        cputime_hs06s_per_event: None,
        cpu_efficiency_pct: None,
        io_intensity_kb_per_s: None,
        creation_time: None,
        start_time: None,
        end_time: None,
        modification_time: None,
        error_dialog: String::new(),
        site: String::new(),
    }
}

#[test]
fn known_relations_are_recovered_and_bands_cover_what_they_promise() {
    let (predictor, report) = model::train(
        synthetic(3000, 1),
        "synthetic",
        &small_options(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.rows_test, 600);
    for target in &report.targets {
        // Bounds: the noise is small next to the relations, so a forest that learned them
        // explains over 90 % of the variance (80 % for efficiency, whose noise is 1 point in a
        // 10-point effect).
        let bound = if target.target == "CPU_EFF" { 0.8 } else { 0.9 };
        let r2 = target.model_r2.unwrap();
        assert!(r2 > bound, "{}: R² {r2} ≤ {bound}", target.target);
        // Split-conformal coverage on 600 held-out tasks: within 5 points of the nominal 80 %.
        let coverage = target.coverage.unwrap();
        assert!(
            (coverage - NOMINAL_COVERAGE).abs() <= 0.05,
            "{}: coverage {coverage}",
            target.target
        );
    }
    assert!(report.io.model_accuracy.unwrap() > 0.98, "{:?}", report.io);
    assert!(
        report.model_ahead_everywhere() || report.io.model_accuracy == report.io.baseline_accuracy
    );

    // A multicore deriv task needs about 0.7 × 2500 MB per core.
    let prediction = predictor.predict(&task("deriv", "AthDerivation-24.0.30"));
    let ram = prediction.ramcount_mb_per_core.unwrap();
    assert!((1500.0..2000.0).contains(&ram.value), "{ram:?}");
    assert!(ram.low <= ram.value && ram.value <= ram.high);
    assert!(prediction.io.unwrap().high);
    assert!(prediction.eligible);
    assert!(prediction.walltime_secs_per_file.is_ok());
}

/// Analysis tasks alike in every field but the data format their name carries: PHYSLITE
/// inputs make IO high, PHYS inputs low, and a name without a format either.
fn analysis_by_format(count: usize, seed: u64) -> Vec<TrainingRow> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..count)
        .map(|index| {
            let (format, high) = match rng.u32(0..3) {
                0 => ("DAOD_PHYSLITE.", true),
                1 => ("DAOD_PHYS.", false),
                _ => ("", rng.bool()),
            };
            let noise = (0.2 * normal(&mut rng)).exp();
            TrainingRow {
                jeditaskid: 5000 + index as u64,
                created: Timestamp::from_second(1_700_000_000 + index as i64 * 60).ok(),
                inputs: TaskInputs {
                    taskname: format!("user.jdoe.{format}ana.v{index}"),
                    prodsourcelabel: "user".into(),
                    processingtype: "panda-client-1.5.0-jedi-run".into(),
                    transhome: "AnalysisBase-24.2.35".into(),
                    corecount: Some(1.0),
                    n_files: Some(100.0),
                    total_events: Some(1e6),
                    dataset_count: Some(1.0),
                },
                labels: Labels {
                    ramcount_mb_per_core: Some(1500.0 * noise),
                    cputime_hs06s_per_event: Some(0.1 * noise),
                    cpu_efficiency_pct: Some(75.0 + normal(&mut rng)),
                    io_intensity_kb_per_s: Some(if high { 1500.0 } else { 150.0 } * noise),
                },
            }
        })
        .collect()
}

#[test]
fn the_data_format_in_the_name_decides_what_the_processing_type_cannot() {
    let (predictor, report) = model::train(
        analysis_by_format(1500, 8),
        "formats",
        &small_options(),
        &mut |_| {},
    )
    .unwrap();
    // Bound: a third of the tasks name no format and are a coin toss, so about 5 in 6 can be
    // right; the one processing type's majority gets about half.
    let model = report.io.model_accuracy.unwrap();
    let baseline = report.io.baseline_accuracy.unwrap();
    assert!(model > 0.78 && model > baseline + 0.2, "{:?}", report.io);
    assert!(report.io.brier.unwrap() < report.io.baseline_brier.unwrap());
    let verdicts = report.verdicts();
    assert_eq!(verdicts[3], ("IO".to_string(), Verdict::Ahead));

    let io_of = |taskname: &str| {
        let mut task = task("jedi-run", "AnalysisBase-24.2.35");
        task.taskname = taskname.into();
        task.prodsourcelabel = "user".into();
        predictor.predict(&task).io.unwrap()
    };
    let lite = io_of("user.ana.DAOD_PHYSLITE.v1");
    let phys = io_of("user.ana.DAOD_PHYS.v1");
    let unnamed = io_of("user.ana.v1");
    assert!(lite.high && lite.probability_high > 0.8, "{lite:?}");
    assert!(!phys.high && phys.probability_high < 0.2, "{phys:?}");
    assert!(
        (0.25..0.75).contains(&unnamed.probability_high),
        "{unnamed:?}"
    );
}

#[test]
fn degenerate_inputs_give_flags_or_clear_errors_never_panics() {
    // Empty.
    let error = model::train(Vec::new(), "empty", &small_options(), &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("too few tasks"), "{error}");

    // Labels that are NaN or missing are skipped and counted.
    let mut rows = synthetic(200, 2);
    rows[0].labels.ramcount_mb_per_core = Some(f64::NAN);
    rows[1].labels.io_intensity_kb_per_s = None;
    rows[2].inputs.n_files = Some(f64::INFINITY);
    rows[3].inputs.total_events = Some(-5.0);
    let (predictor, report) = model::train(rows, "odd", &small_options(), &mut |_| {}).unwrap();
    assert_eq!(report.rows_skipped, 2);

    // Identical rows: a flat model, no panic.
    let one = synthetic(1, 3).pop().unwrap();
    let identical: Vec<TrainingRow> = (0..60)
        .map(|index| TrainingRow {
            jeditaskid: index,
            ..one.clone()
        })
        .collect();
    let (flat, flat_report) =
        model::train(identical, "identical", &small_options(), &mut |_| {}).unwrap();
    let estimate = flat
        .predict(&task("deriv", "AthDerivation-24.0.30"))
        .ramcount_mb_per_core
        .unwrap();
    assert!(estimate.value.is_finite());
    assert_eq!(flat_report.targets[0].model_r2, None);

    // A single IO class: the probability of the other is small but defined.
    let mut low_only = synthetic(300, 4);
    for row in &mut low_only {
        row.labels.io_intensity_kb_per_s = Some(50.0);
    }
    let (low, _) = model::train(low_only, "low", &small_options(), &mut |_| {}).unwrap();
    let io = low
        .predict(&task("deriv", "AthDerivation-24.0.30"))
        .io
        .unwrap();
    assert!(!io.high && io.probability_high < 0.1, "{io:?}");

    // NaN and negative inputs and unseen categories at prediction time are flagged.
    let odd = pandaops::predict::TaskInputs {
        taskname: "user.jdoe.700001.DAOD_PHYSLITE.ana.v1".into(),
        prodsourcelabel: "test".into(),
        processingtype: "athena-trf".into(),
        transhome: "Gaudi-1".into(),
        corecount: Some(f64::NAN),
        n_files: Some(-1.0),
        total_events: None,
        dataset_count: Some(f64::INFINITY),
    };
    let prediction = predictor.predict_inputs(&odd);
    let flags = prediction.flags.join("\n");
    for expected in [
        "corecount is NaN",
        "n_files is negative",
        "total_events missing",
        "dataset_count is infinite",
        "neither managed nor user",
        "\"athena-trf\" was not seen in training",
        "framework \"others\" was not seen in training",
        "data format \"DAOD_PHYSLITE\" was not seen in training",
    ] {
        assert!(flags.contains(expected), "{expected:?} not in {flags}");
    }
    assert!(!prediction.eligible);
    assert!(
        prediction
            .not_eligible_reason
            .unwrap()
            .starts_with("not eligible")
    );
    assert!(prediction.ramcount_mb_per_core.unwrap().value.is_finite());
}

#[test]
fn many_at_once_equals_one_by_one_and_explanations_list_neighbours() {
    let (predictor, _) = model::train(
        synthetic(400, 5),
        "synthetic",
        &small_options(),
        &mut |_| {},
    )
    .unwrap();
    let tasks = vec![
        task("deriv", "AthDerivation-24.0.30"),
        task("simul", "AthSimulation-23.0.44"),
    ];
    let many = predictor.predict_many(&tasks);
    for (task, prediction) in tasks.iter().zip(&many) {
        assert_eq!(&predictor.predict(task), prediction);
    }
    let explanation = predictor.explain(&tasks[1], 3);
    assert_eq!(explanation.neighbours.len(), 3);
    assert!(
        explanation
            .neighbours
            .windows(2)
            .all(|pair| pair[0].0 <= pair[1].0)
    );
    assert_eq!(explanation.neighbours[0].1.processing_type, "simul");
    assert!(
        explanation
            .features
            .iter()
            .any(|(name, value)| name == "type=simul" && *value == 1.0)
    );
}

#[test]
fn the_model_file_round_trips_and_asks_to_retrain_when_incompatible() {
    let home = Home::new("store");
    let (predictor, report) = model::train(
        synthetic(200, 6),
        "synthetic",
        &small_options(),
        &mut |_| {},
    )
    .unwrap();
    let path = home.model_file();
    store::save(&path, &predictor, &report).unwrap();
    let (loaded, loaded_report) = store::load(&path).unwrap();
    // JSON numbers read back within a unit in the last place.
    assert_eq!(loaded_report.source, report.source);
    assert_eq!(loaded_report.rows_test, report.rows_test);
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(1.0),
        (a, b) => a == b,
    };
    for (a, b) in loaded_report.targets.iter().zip(&report.targets) {
        assert!(close(a.model_mae, b.model_mae) && close(a.model_r2, b.model_r2));
    }
    let task = task("merge", "Athena-24.0.53");
    let before = predictor.predict(&task).ramcount_mb_per_core.unwrap().value;
    let after = loaded.predict(&task).ramcount_mb_per_core.unwrap().value;
    assert!(
        (before - after).abs() <= 1e-9 * before,
        "{before} vs {after}"
    );

    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replacen("\"format_version\":2", "\"format_version\":99", 1),
    )
    .unwrap();
    let error = store::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("retrain with `pandaops model train`"),
        "{error}"
    );

    // A tree whose node points back at itself would loop inside smartcore: refused.
    let damaged = text.replacen("\"true_child\":1,", "\"true_child\":0,", 1);
    assert_ne!(damaged, text);
    fs::write(&path, damaged).unwrap();
    let error = store::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("is damaged") && error.contains("retrain"),
        "{error}"
    );

    fs::write(&path, "not json").unwrap();
    let error = store::load(&path).unwrap_err().to_string();
    assert!(error.contains("retrain"), "{error}");

    let missing = store::load(&home.root.join("none.json"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("no model file"), "{missing}");
}

#[test]
fn train_from_demo_then_eval_shows_the_model_ahead_of_the_baseline() {
    let home = Home::new("binary");
    let (code, out, err) = home.run(&["model", "train", "--from", "demo"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("saved"), "{out}");
    assert!(home.model_file().exists());
    let size = fs::metadata(home.model_file()).unwrap().len();
    assert!(size < 20_000_000, "{size} bytes");

    let (code, out, err) = home.run(&["model", "eval"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for header in [
        "model MAE",
        "model R²",
        "coverage",
        "baseline MAE",
        "baseline R²",
    ] {
        assert!(out.contains(header), "{header} missing in\n{out}");
    }
    // IO ahead means a higher accuracy and a lower Brier score; on the demo the data format an
    // analysis task names carries what the per-type majority cannot see.
    assert!(
        out.contains("RAMCOUNT ahead, CTIME ahead, CPU_EFF ahead, IO ahead"),
        "{out}"
    );

    let (code, out, err) = home.run(&["model", "predict", "--task-json", &fixture("tasks.json")]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("task 41000001 (eligible)"), "{out}");
    assert!(out.contains("task 41000002 (not eligible"), "{out}");
    assert!(out.contains("flag: total_events is NaN"), "{out}");
    assert!(out.contains("flag: dataset_count is negative"), "{out}");
    assert!(err.contains("record 4: no jeditaskid"), "{err}");
    assert!(err.contains("record 5: not a JSON object"), "{err}");

    // A URL nothing answers: the error names it.
    let (code, _, err) = home.run(&["model", "train", "--from", "http://127.0.0.1:9/tasks/?json"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("bigpanda (http://127.0.0.1:9/tasks/): cannot connect"),
        "{err}"
    );
}

/// The synthetic tasks as BigPanDA writes them: numbers sometimes as strings, CPU time in milli
/// units below 10, memory per job for some, creation dates without a zone, and a few records
/// that cannot be used.
fn saved_tasks_answer() -> String {
    let mut records: Vec<serde_json::Value> = synthetic(600, 8)
        .iter()
        .map(|row| {
            let cpu = row.labels.cputime_hs06s_per_event.unwrap();
            let (cputime, unit) = if cpu < 10.0 {
                (cpu * 1000.0, "mHS06sPerEvent")
            } else {
                (cpu, "HS06sPerEvent")
            };
            let created = row
                .created
                .unwrap()
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string();
            serde_json::json!({
                "jeditaskid": row.jeditaskid.to_string(),
                "taskname": row.inputs.taskname,
                "prodsourcelabel": row.inputs.prodsourcelabel,
                "processingtype": row.inputs.processingtype,
                "transhome": row.inputs.transhome,
                "corecount": row.inputs.corecount,
                "total_nfiles": row.inputs.n_files.map(|n| n.to_string()),
                "total_nevents": row.inputs.total_events,
                "distinct_datasetname_count": null,
                "ramcount": row.labels.ramcount_mb_per_core,
                "ramunit": "MBPerCore",
                "cputime": cputime,
                "cputimeunit": unit,
                "cpuefficiency": row.labels.cpu_efficiency_pct.map(|e| format!("{e:.2}")),
                "iointensity": row.labels.io_intensity_kb_per_s,
                "creationdate": created,
            })
        })
        .collect();
    records.push(serde_json::json!({"taskname": "no id at all"}));
    records.push(serde_json::json!("not a task"));
    serde_json::to_string(&serde_json::json!({ "tasks": records })).unwrap()
}

#[test]
fn train_from_a_saved_tasks_response() {
    let home = Home::new("file");
    let file = home.root.join("tasks.json");
    fs::write(&file, saved_tasks_answer()).unwrap();

    let file = file.display().to_string();
    // 24 trees: with 8, whether the CTIME model beat the baseline on these 600 tasks hung on
    // the forest's seed (R² 0.900 to 0.948 over seeds 0 to 9, the baseline's 0.913).
    let (code, out, err) = home.run(&["model", "train", "--from", &file, "--trees", "24"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("trained on 600 tasks"), "{out}");
    assert!(err.contains("record 601: no jeditaskid"), "{err}");
    assert!(err.contains("record 602: not a JSON object"), "{err}");
    let (code, out, _) = home.run(&["model", "eval", "--from", &file]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("RAMCOUNT ahead, CTIME ahead, CPU_EFF ahead"),
        "{out}"
    );
}

#[test]
fn train_from_a_bigpanda_url_with_the_configured_key() {
    use std::io::{Read, Write};

    let home = Home::new("url");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = saved_tasks_answer();
    // One request, answered with the saved tasks; its head is sent back for the checks.
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{answer}",
            answer.len()
        );
        stream.write_all(reply.as_bytes()).unwrap();
        String::from_utf8_lossy(&head).into_owned()
    });
    let key_file = home.root.join("bigpanda-key");
    fs::write(&key_file, "KEY-for-training\n").unwrap();
    let config = home.root.join("config/pandaops/config.toml");
    fs::create_dir_all(config.parent().unwrap()).unwrap();
    fs::write(
        &config,
        format!(
            "[[sources.bigpanda]]\nname = \"bp\"\nurl = \"http://127.0.0.1:{port}\"\n\
             token_file = \"{}\"\n",
            key_file.display()
        ),
    )
    .unwrap();

    let url = format!("http://127.0.0.1:{port}/tasks/?status=done&days=60");
    let (code, out, err) = home.run(&["model", "train", "--from", &url, "--trees", "8"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("trained on 600 tasks"), "{out}");
    assert!(err.contains("record 601: no jeditaskid"), "{err}");
    let head = server.join().unwrap();
    assert!(
        head.starts_with("GET /tasks/?status=done&days=60&json= HTTP/1.1"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: token key-for-training"),
        "{head}"
    );
}

#[test]
fn eval_without_a_model_says_how_to_get_one() {
    let home = Home::new("nomodel");
    let (code, _, err) = home.run(&["model", "eval"]);
    assert_eq!(code, 1);
    assert!(err.contains("pandaops model train --from demo"), "{err}");
}

#[test]
fn scout_replay_gives_the_hand_computed_values() {
    let home = Home::new("scout");
    // Scouts are jobs 1–4 (8 cores, 1000 events). Memory per core (kB): 500000, 550000, 600000,
    // 650000 → p75 612500 × 1.1 = 673750 / 1024 → 657 MB. CPU (HS06 s/event, core power
    // hs06sec / (wall × cores) = 10): (3600 − 600) × 10 × 8 × 0.9 / 1000 = 216 for three jobs,
    // (4600 − 600) × 72 / 1000 = 288 for one → p95 of [216, 216, 216, 288] = 277.2 × 1.5 →
    // 416. Remaining: job 5 (683.6 MB, 216), job 6 (488.3 MB, 460.8), job 7 (732.4 MB, 50
    // events: no CPU), job 8 (no maxpss, 216): memory 2 of 3 over, CPU 1 of 3 over.
    let (code, out, err) = home.run(&[
        "scout",
        "replay",
        "--jobs",
        &fixture("jobs_small.csv"),
        "--scouts",
        "4",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("jobs: 8 read, 1 skipped, 8 finished"), "{out}");
    let scouted = out
        .lines()
        .find(|line| line.starts_with("scouted"))
        .unwrap();
    assert!(scouted.contains(" 657 "), "{scouted}");
    assert!(scouted.contains("416.0"), "{scouted}");
    let above = out
        .lines()
        .find(|line| line.contains("remaining jobs above it"))
        .unwrap();
    assert!(above.contains("2 of 3 (66.7 %)"), "{above}");
    assert!(above.contains("1 of 3 (33.3 %)"), "{above}");
    assert!(
        out.contains("no model column: the model column needs the task"),
        "{out}"
    );
    assert!(err.contains("line 10"), "{err}");

    // JSON in BigPanDA's shape, ordered by end time, the failed job left out: scouts 001 and
    // 003 (1 GiB and 2 GiB on one core) → p75 1835008 kB × 1.1 / 1024 → 1971 MB; CPU (3600 −
    // 600) × 10 × 0.9 / 100 = 270 → × 1.5 = 405. Job 004 (3 GiB, 7200 s → 594) is over both.
    let (code, out, err) = home.run(&[
        "scout",
        "replay",
        "--jobs",
        &fixture("jobs_small.json"),
        "--scouts",
        "2",
        "--processingtype",
        "deriv",
        "--transhome",
        "AthDerivation-24.0.30",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let scouted = out
        .lines()
        .find(|line| line.starts_with("scouted"))
        .unwrap();
    assert!(
        scouted.contains(" 1971 ") && scouted.contains("405.0"),
        "{scouted}"
    );
    assert!(out.contains("1 of 1 (100.0 %)"), "{out}");
    assert!(out.contains("no model file"), "{out}");
}

#[test]
fn scout_replay_on_the_real_job_records() {
    let folder =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/panda-invex-job-records");
    let Ok(entries) = fs::read_dir(&folder) else {
        eprintln!(
            "SKIPPED scout_replay_on_the_real_job_records: {} is not there (the records may not be \
             copied into the project)",
            folder.display()
        );
        return;
    };
    let home = Home::new("real");
    let mut files = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "csv") {
            continue;
        }
        files += 1;
        let (code, out, err) =
            home.run(&["scout", "replay", "--jobs", &path.display().to_string()]);
        assert_eq!(code, 0, "{}: {out}\n{err}", path.display());
        assert!(out.contains(" 0 skipped"), "{out}");
        let scouted = out
            .lines()
            .find(|line| line.starts_with("scouted"))
            .unwrap();
        assert!(!scouted.contains('—'), "{}: {scouted}", path.display());
    }
    assert_eq!(files, 5);
}

#[test]
fn a_predictor_can_move_to_another_thread() {
    fn sendable<T: Send + Sync + 'static>() {}
    sendable::<pandaops::predict::Predictor>();
    sendable::<pandaops::predict::Prediction>();
    sendable::<pandaops::predict::Report>();
}

#[test]
fn verdicts_compare_every_target() {
    let (_, report) = model::train(
        synthetic(500, 7),
        "synthetic",
        &small_options(),
        &mut |_| {},
    )
    .unwrap();
    let verdicts = report.verdicts();
    assert_eq!(
        verdicts
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        vec!["RAMCOUNT", "CTIME", "CPU_EFF", "IO"]
    );
    assert!(
        verdicts
            .iter()
            .take(3)
            .all(|(_, verdict)| *verdict == Verdict::Ahead)
    );
}
