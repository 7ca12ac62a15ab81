//! Costs of the resource prediction: all four targets for 10,000 tasks (target under 100 ms on
//! one core), training on 50,000 tasks (target under a minute), and the model file's size
//! (target under 20 MB).
//!
//! Run with `cargo bench --bench predict`; it prints medians over repeated runs.

use std::time::{Duration, Instant};

use pandaops::predict::model::{self, TrainOptions};
use pandaops::predict::{data, store};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let rows = data::demo_rows(1, 50_000, &mut |_, _| {});
    println!(
        "demo history: {} ended tasks simulated in {:.1} s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );

    let mut train_runs = Vec::new();
    let mut trained = None;
    for _ in 0..3 {
        let started = Instant::now();
        let result = model::train(rows.clone(), "bench", &TrainOptions::default(), &mut |_| {});
        train_runs.push(started.elapsed());
        trained = Some(result?);
    }
    let (predictor, report) = trained.ok_or("no training run")?;
    println!(
        "train on {} tasks: median {:.2} s over {} runs",
        rows.len(),
        median(train_runs.clone()).as_secs_f64(),
        train_runs.len()
    );

    let bytes = store::to_bytes(&predictor, &report)?;
    println!("model file: {:.2} MB", bytes.len() as f64 / 1e6);

    let tasks: Vec<pandaops::domain::Task> = pandaops::sources::demo::history::ended_tasks(
        2,
        jiff::Timestamp::UNIX_EPOCH,
        10_000,
        &mut |_, _| {},
    );
    let mut feature_runs = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        let features: Vec<pandaops::predict::Features> = tasks
            .iter()
            .map(pandaops::predict::Features::from_task)
            .collect();
        feature_runs.push(started.elapsed());
        assert_eq!(features.len(), tasks.len());
    }
    println!(
        "read the features of {} tasks alone: median {:.1} ms",
        tasks.len(),
        median(feature_runs).as_secs_f64() * 1000.0
    );

    let mut predict_runs = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        let predictions = predictor.predict_many(&tasks);
        predict_runs.push(started.elapsed());
        assert_eq!(predictions.len(), tasks.len());
    }
    println!(
        "predict 4 targets for {} tasks: median {:.1} ms over {} runs",
        tasks.len(),
        median(predict_runs.clone()).as_secs_f64() * 1000.0,
        predict_runs.len()
    );

    let started = Instant::now();
    let reloaded = store::from_bytes(std::path::Path::new("bench"), &bytes);
    println!(
        "model file load: {:.0} ms ({})",
        started.elapsed().as_secs_f64() * 1000.0,
        if reloaded.is_ok() { "ok" } else { "failed" }
    );
    Ok(())
}
