//! The resource-prediction model behind the Tasks pane, found or trained off the UI task.
//!
//! At start the console loads the model file of `pandaops model train`; when there is none, or it
//! is from an incompatible version, it trains on the demo's history on a thread of its own, so the
//! first frame never waits, and says in the Tasks pane's title how far it is. A model trained on
//! the demo is labelled as trained on simulated data wherever its predictions show.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::app::{Message, ModelEvent, ModelInfo};
use crate::predict::{self, Predictor, Report, store};

/// Tasks of the demo's history the console trains on when it has no model file.
const CONSOLE_DEMO_TASKS: usize = predict::data::DEFAULT_DEMO_TASKS;
/// At most one progress note this often. Each note redraws the title, and a key pressed just
/// after a frame waits for the next frame; notes every few tens of milliseconds kept the console
/// at its frame limit while it trained, and keys waited for it.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Starts finding the model: `model_path` first, else training on the demo seeded with `seed`.
pub fn start(model_path: PathBuf, seed: u64, answers: mpsc::Sender<Message>) {
    let spawned = std::thread::Builder::new()
        .name("model".to_string())
        .spawn(move || {
            let mut last_note: Option<Instant> = None;
            let progress = |note: String| {
                if last_note.is_some_and(|at| at.elapsed() < PROGRESS_EVERY) {
                    return;
                }
                last_note = Some(Instant::now());
                let _ = answers.blocking_send(Message::Model(ModelEvent::Progress(note)));
            };
            let event = match load_or_train(&model_path, seed, progress) {
                Ok(found) => ModelEvent::Ready(Ok(found)),
                Err(reason) => {
                    tracing::error!(%reason, "no resource model");
                    ModelEvent::Ready(Err(reason))
                }
            };
            let _ = answers.blocking_send(Message::Model(event));
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the model thread");
    }
}

/// The model of `model_path`, or one trained on the demo seeded with `seed` (and kept there) when
/// the file is missing or unusable. Blocks: call it off the UI task. `progress` hears how
/// training goes, in tenths.
pub fn load_or_train(
    model_path: &std::path::Path,
    seed: u64,
    mut report_progress: impl FnMut(String),
) -> Result<(Arc<Predictor>, ModelInfo), String> {
    let why_training = match store::load(model_path) {
        Ok((predictor, report)) => return Ok((Arc::new(predictor), info(&report, None))),
        Err(store::LoadError::Missing(_)) => None,
        Err(other) => {
            tracing::warn!(error = %other, "model file not used");
            Some(other.to_string())
        }
    };

    let mut last_percent = None;
    let mut progress = |step: &predict::Progress| {
        // Tenths: enough to see it move, few enough frames over a slow link.
        let percent = (step.done * 10).checked_div(step.total).unwrap_or(0) * 10;
        if last_percent != Some((step.stage, percent)) {
            last_percent = Some((step.stage, percent));
            report_progress(format!("training on the demo: {} {percent}%", step.stage));
        }
    };
    let (predictor, report) = predict::train_demo_with(
        seed,
        CONSOLE_DEMO_TASKS,
        &predict::TrainOptions::default(),
        &mut progress,
    )
    .map_err(|error| format!("training on the demo failed: {error}"))?;
    // Kept for the next start; a model trained on real data is never overwritten by this, as
    // only a missing or unusable file gets here.
    if let Err(reason) = store::save(model_path, &predictor, &report) {
        tracing::warn!(%reason, "the demo-trained model was not saved");
    }
    Ok((Arc::new(predictor), info(&report, why_training)))
}

fn info(report: &Report, note: Option<String>) -> ModelInfo {
    ModelInfo {
        source: report.source.clone(),
        trained_at: report.trained_at.clone(),
        simulated: report.trained_on_simulated_data(),
        note,
    }
}
