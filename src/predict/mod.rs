//! Resource prediction: RAMCOUNT, CTIME, CPU efficiency and IO class of a task before any scout
//! job runs, each with a calibrated band, plus the replay of JEDI's scout rules on job records.
//!
//! The features follow the published PanDA pipeline (files, events, datasets, production or
//! analysis, processing type, framework, cores), with the physics process and the data format
//! that a task name carries; the models are smartcore random forests with split-conformal bands.
//! Training uses tasks that ran to an end, ordered by creation time: the oldest fit the forests,
//! the next calibrate the bands, the newest measure the result against a baseline (the median
//! per processing type).
//!
//! Limitation: the requested CPU time unit (`cpuTimeUnit`) is not a feature. In finished-task
//! records JEDI has rewritten it from the scouted value (below 10 HS06·s it becomes
//! `mHS06sPerEvent`), so it would hand the model the answer; and a console task does not carry
//! the requested unit.
//!
//! Nothing here panics or takes the console down: a bad input is flagged, a failed model call is
//! "no prediction: <reason>" for that target, and an unreadable model file asks to retrain.

pub mod cli;
pub mod data;
pub mod features;
pub mod metrics;
pub mod model;
pub mod scout;
pub mod store;
pub mod targets;

pub use features::{Features, TaskInputs};
pub use model::{
    Estimate, Explanation, IoEstimate, Prediction, Predictor, Progress, Report, TrainError,
    TrainOptions, TrainingRow,
};

/// Trains on `count` tasks of the demo's history (seeded by `seed`); `progress` hears about
/// both the history and the fits. Runs on the calling thread: call it off the UI task.
pub fn train_demo_with(
    seed: u64,
    count: usize,
    options: &TrainOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Predictor, Report), TrainError> {
    let rows = data::demo_rows(seed, count, &mut |done, total| {
        progress(&Progress {
            stage: "demo history",
            done,
            total,
        })
    });
    model::train(
        rows,
        &format!("demo (seed {seed}, {count} tasks)"),
        options,
        progress,
    )
}

/// Trains on the demo's default history size with default options.
pub fn train_demo(seed: u64) -> Result<(Predictor, Report), TrainError> {
    train_demo_with(
        seed,
        data::DEFAULT_DEMO_TASKS,
        &TrainOptions::default(),
        &mut |_| {},
    )
}
