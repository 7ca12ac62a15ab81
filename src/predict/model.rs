//! The fitted models: one random forest per requirement with a split-conformal band, training on
//! time-ordered labelled tasks, prediction, and the explanation of a prediction.
//!
//! The four forests read the same task features and are not chained: feeding one model's
//! prediction into the next passes its errors on, and the forests see the same inputs anyway.
//! The IO class comes from a forest over the class itself (1 high, 0 low) with big leaves: the
//! share of high among the training tasks a task lands with is a raw probability, corrected per
//! tenth of probability by how far the calibration tasks' observed share of high differed from
//! their raw probability, which makes it calibrated on data like the calibration set. The class
//! is the side of one half that probability is on; a forest over log IO intensity gives the kB/s
//! value and its band.
//!
//! Nothing here panics: a fit smartcore refuses is a `TrainError` naming the target; a
//! prediction smartcore refuses is "no prediction: <reason>" for that target only.

use std::fmt;

use jiff::Timestamp;
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use super::features::{self, ENCODED_WIDTH, Features, Imputation, ProcessFactors, TaskInputs};
use super::metrics;
use super::targets::{
    DEFAULT_BASE_WALLTIME_SECS, DEFAULT_HS06_PER_CORE, Labels, Target, io_is_high, walltime_secs,
};
use crate::domain::Task;

type Forest = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;

/// The band's nominal coverage.
pub const NOMINAL_COVERAGE: f64 = 0.8;
/// Training rows kept in the model file for "nearest comparable tasks".
const KEPT_NEIGHBOURS: usize = 1500;
/// Fewer labelled rows than this cannot give a train, a calibration and a test part.
pub const MIN_ROWS: usize = 30;

/// A labelled task: what was known at definition time, and what it turned out to need.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRow {
    pub jeditaskid: u64,
    pub created: Option<Timestamp>,
    pub inputs: TaskInputs,
    pub labels: Labels,
}

impl TrainingRow {
    pub fn from_task(task: &Task) -> TrainingRow {
        TrainingRow {
            jeditaskid: task.jeditaskid,
            created: task.creation_time,
            inputs: TaskInputs::from_task(task),
            labels: Labels::from_task(task),
        }
    }
}

/// How the forests are grown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    pub n_trees: usize,
    pub max_depth: u16,
    pub min_samples_leaf: usize,
    pub seed: u64,
    /// Share of the rows, oldest first, for fitting; the next `calibration_share` calibrates
    /// the bands and the newest rest is the test.
    pub train_share: f64,
    pub calibration_share: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            n_trees: 16,
            max_depth: 12,
            min_samples_leaf: 25,
            seed: 7,
            train_share: 0.6,
            calibration_share: 0.2,
        }
    }
}

/// Where training is, for a progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

/// Why no model came out of training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrainError {
    TooFewRows {
        usable: usize,
        skipped: usize,
    },
    Fit {
        target: &'static str,
        reason: String,
    },
    Source(String),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::TooFewRows { usable, skipped } => write!(
                f,
                "too few tasks to train on: {usable} with all four labels ({skipped} skipped), \
                 need at least {MIN_ROWS}"
            ),
            TrainError::Fit { target, reason } => {
                write!(f, "the {target} model could not be fitted: {reason}")
            }
            TrainError::Source(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for TrainError {}

/// A predicted value with its band.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The predicted IO class.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct IoEstimate {
    /// Above 500 kB/s.
    pub high: bool,
    /// Calibrated probability of `high`.
    pub probability_high: f64,
    pub kb_per_s: Estimate,
}

impl IoEstimate {
    pub fn class(&self) -> &'static str {
        if self.high { "high" } else { "low" }
    }
}

/// Everything predicted for one task. A target that could not be predicted holds the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Inside the published pipeline's scope; predictions are made for every task anyway, and
    /// the caller decides whether to show them for tasks outside it.
    pub eligible: bool,
    pub not_eligible_reason: Option<String>,
    /// What was odd about the task's fields, one sentence each.
    pub flags: Vec<String>,
    pub ramcount_mb_per_core: Result<Estimate, String>,
    pub cputime_hs06s_per_event: Result<Estimate, String>,
    pub cpu_efficiency_pct: Result<Estimate, String>,
    pub io: Result<IoEstimate, String>,
    /// Walltime of a job over one input file's events on a 10 HS06 core, by PanDA's sizing
    /// rule with the predicted CPU time and efficiency. Its band joins the ends of the CTIME and
    /// efficiency bands, so it is wider than either and not calibrated on its own.
    pub walltime_secs_per_file: Result<Estimate, String>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct BandedForest {
    forest: Forest,
    /// Half width of the band where the forest predicts (log10 for logarithmic targets).
    half_width: f64,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct IoForest {
    /// Over log10(1 + kB/s), for the kB/s band.
    forest: Forest,
    half_width: f64,
    /// Over the class (1 for high, 0 for low): its mean over a leaf's tasks is a raw
    /// probability of high.
    class_forest: Forest,
    /// Per raw-probability bin of equal width over 0–1, how much the share of high among the
    /// calibration tasks in it differs from their mean raw probability, shrunk towards 0 for
    /// bins with few tasks.
    calibration: Vec<f64>,
}

/// Features a split of the regression forests chooses from: half, so that the one-hot columns
/// of processing type and framework are not crowded out (smartcore's default is the square root).
const HALF_THE_FEATURES: usize = ENCODED_WIDTH.div_ceil(2);
/// Tasks per leaf at least of the IO class forest.
const IO_CLASS_MIN_LEAF: usize = 40;
/// A calibration bin's correction counts fully once it holds this many tasks.
const IO_CALIBRATION_SHRINK_TASKS: f64 = 50.0;
/// Bins of the IO probability calibration.
const IO_CALIBRATION_BINS: usize = 10;

fn io_bin(raw_probability: f64) -> usize {
    ((raw_probability.clamp(0.0, 1.0) * IO_CALIBRATION_BINS as f64) as usize)
        .min(IO_CALIBRATION_BINS - 1)
}

impl IoForest {
    /// The calibrated probability of high: the raw probability corrected by its bin's bias.
    fn probability(&self, raw: f64) -> f64 {
        let raw = raw.clamp(0.0, 1.0);
        let correction = self.calibration.get(io_bin(raw)).copied().unwrap_or(0.0);
        (raw + correction).clamp(0.0, 1.0)
    }
}

/// A training row kept for explanations.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Neighbour {
    pub jeditaskid: u64,
    pub processing_type: String,
    pub framework: String,
    pub encoded: Vec<f64>,
    pub ramcount_mb_per_core: f64,
    pub cputime_hs06s_per_event: f64,
    pub cpu_efficiency_pct: f64,
    pub io_intensity_kb_per_s: f64,
}

/// Why a prediction is what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Encoded feature names and values, as the forests read them.
    pub features: Vec<(String, f64)>,
    pub flags: Vec<String>,
    /// The closest training tasks by feature distance, closest first, with the distance.
    pub neighbours: Vec<(f64, Neighbour)>,
}

/// The four fitted models and what they need to predict.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Predictor {
    imputation: Imputation,
    process_factors: ProcessFactors,
    seen_processing_types: Vec<String>,
    seen_frameworks: Vec<String>,
    seen_data_formats: Vec<String>,
    nominal_coverage: f64,
    ramcount: BandedForest,
    cputime: BandedForest,
    efficiency: BandedForest,
    io: IoForest,
    neighbours: Vec<Neighbour>,
}

/// Errors and band coverage of one target on the test rows, next to the baseline's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TargetReport {
    pub target: String,
    pub unit: String,
    pub rows: usize,
    pub model_mae: Option<f64>,
    pub model_r2: Option<f64>,
    /// Share of test values inside the band.
    pub coverage: Option<f64>,
    pub nominal_coverage: f64,
    pub baseline_mae: Option<f64>,
    pub baseline_r2: Option<f64>,
}

/// The IO class on the test rows, next to the baseline's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IoReport {
    pub rows: usize,
    pub model_accuracy: Option<f64>,
    pub baseline_accuracy: Option<f64>,
    /// Mean squared error of the probability of `high` (lower is better).
    pub brier: Option<f64>,
    /// The same for the baseline, whose probability is the share of `high` in the processing
    /// type's training tasks.
    pub baseline_brier: Option<f64>,
    /// Share of test kB/s values inside the kB/s band.
    pub coverage: Option<f64>,
}

/// What training did and how well the models do on the newest tasks.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub source: String,
    pub trained_at: String,
    pub rows_train: usize,
    pub rows_calibration: usize,
    pub rows_test: usize,
    pub rows_skipped: usize,
    pub targets: Vec<TargetReport>,
    pub io: IoReport,
}

impl Report {
    /// Whether the models learned from the simulated PanDA, which the console must say.
    pub fn trained_on_simulated_data(&self) -> bool {
        self.source.starts_with("demo")
    }

    /// Per target, how the model compares with the baseline: ahead with a lower MAE and a
    /// higher R², else behind. IO is ahead with a higher accuracy and a lower Brier score (its
    /// probability must be better too, as the console shows it), level with the same accuracy
    /// and a Brier score no worse, else behind.
    pub fn verdicts(&self) -> Vec<(String, Verdict)> {
        let lower = |model: Option<f64>, baseline: Option<f64>| match (model, baseline) {
            (Some(model), Some(baseline)) => model < baseline,
            _ => false,
        };
        let mut verdicts: Vec<(String, Verdict)> = self
            .targets
            .iter()
            .map(|target| {
                let ahead = lower(target.model_mae, target.baseline_mae)
                    && lower(
                        target.model_r2.map(|r2| -r2),
                        target.baseline_r2.map(|r2| -r2),
                    );
                let verdict = if ahead {
                    Verdict::Ahead
                } else {
                    Verdict::Behind
                };
                (target.target.clone(), verdict)
            })
            .collect();
        let brier_no_worse = match (self.io.brier, self.io.baseline_brier) {
            (Some(model), Some(baseline)) => model <= baseline,
            _ => false,
        };
        let brier_lower = lower(self.io.brier, self.io.baseline_brier);
        let io = match (self.io.model_accuracy, self.io.baseline_accuracy) {
            (Some(model), Some(baseline)) if model > baseline && brier_lower => Verdict::Ahead,
            (Some(model), Some(baseline)) if model >= baseline && brier_no_worse => Verdict::Level,
            _ => Verdict::Behind,
        };
        verdicts.push(("IO".to_string(), io));
        verdicts
    }

    /// Whether the model is ahead of the baseline on every target.
    pub fn model_ahead_everywhere(&self) -> bool {
        self.verdicts()
            .iter()
            .all(|(_, verdict)| *verdict == Verdict::Ahead)
    }
}

/// How the model compares with the baseline on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ahead,
    Level,
    Behind,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ahead => "ahead",
            Verdict::Level => "level",
            Verdict::Behind => "behind",
        }
    }
}

fn matrix(rows: &[Vec<f64>]) -> Result<DenseMatrix<f64>, String> {
    let values: Vec<f64> = rows.iter().flatten().copied().collect();
    DenseMatrix::new(rows.len(), ENCODED_WIDTH, values, false).map_err(|error| error.to_string())
}

fn fit(
    target: &'static str,
    x: &DenseMatrix<f64>,
    y: &[f64],
    options: &TrainOptions,
    salt: u64,
    features_per_split: usize,
) -> Result<Forest, TrainError> {
    let parameters = RandomForestRegressorParameters::default()
        .with_n_trees(options.n_trees.max(1))
        .with_max_depth(options.max_depth.max(1))
        .with_min_samples_leaf(options.min_samples_leaf.max(1))
        .with_m(features_per_split.clamp(1, ENCODED_WIDTH))
        .with_seed(options.seed.wrapping_add(salt));
    Forest::fit(x, &y.to_vec(), parameters).map_err(|error| TrainError::Fit {
        target,
        reason: error.to_string(),
    })
}

fn forward(target: Target, value: f64) -> f64 {
    if target.learned_as_log() {
        value.max(1e-6).log10()
    } else {
        value
    }
}

fn backward(target: Target, value: f64) -> f64 {
    let raw = if target.learned_as_log() {
        10f64.powf(value)
    } else {
        value
    };
    target.clamp(raw)
}

fn io_forward(kb_per_s: f64) -> f64 {
    (1.0 + kb_per_s.max(0.0)).log10()
}

fn io_backward(value: f64) -> f64 {
    (10f64.powf(value) - 1.0).max(0.0)
}

/// Every `step`-th item so that at most `keep` remain.
fn thin<T: Clone>(items: &[T], keep: usize) -> Vec<T> {
    if items.len() <= keep || keep == 0 {
        return items.to_vec();
    }
    let step = items.len() as f64 / keep as f64;
    (0..keep)
        .filter_map(|index| items.get((index as f64 * step) as usize).cloned())
        .collect()
}

#[derive(Clone)]
struct Prepared {
    row: TrainingRow,
    features: Features,
}

/// Trains the four models on labelled tasks (any order; they are sorted by creation time, the
/// oldest fitted on, the next calibrating the bands, the newest for the report).
pub fn train(
    rows: Vec<TrainingRow>,
    source: &str,
    options: &TrainOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Predictor, Report), TrainError> {
    let total = rows.len();
    let mut usable: Vec<Prepared> = rows
        .into_iter()
        .filter(|row| row.labels.complete())
        .map(|row| {
            let features = Features::from_inputs(&row.inputs);
            Prepared { row, features }
        })
        .collect();
    let skipped = total - usable.len();
    if usable.len() < MIN_ROWS {
        return Err(TrainError::TooFewRows {
            usable: usable.len(),
            skipped,
        });
    }
    usable.sort_by_key(|prepared| (prepared.row.created, prepared.row.jeditaskid));

    let n = usable.len();
    let n_train = ((n as f64 * options.train_share).round() as usize).clamp(10, n - 10);
    let n_calibration =
        ((n as f64 * options.calibration_share).round() as usize).clamp(5, n - n_train - 5);
    let (train_rows, rest) = usable.split_at(n_train);
    let (calibration_rows, test_rows) = rest.split_at(n_calibration);

    let imputation =
        Imputation::from_rows(&train_rows.iter().map(|p| &p.features).collect::<Vec<_>>());
    let process_factors = ProcessFactors::fit(
        &train_rows
            .iter()
            .map(|p| {
                let cputime = p.row.labels.cputime_hs06s_per_event.unwrap_or(f64::NAN);
                (&p.features, cputime)
            })
            .collect::<Vec<_>>(),
    );
    let encode_one = |features: &Features| {
        features::encode(features, &imputation, process_factors.factor(features).0)
    };
    let encode_own = |p: &Prepared| {
        let own = p.row.labels.cputime_hs06s_per_event.unwrap_or(f64::NAN);
        let factor = process_factors.factor_without(&p.features, own);
        features::encode(&p.features, &imputation, factor)
    };
    let x_train_rows: Vec<Vec<f64>> = train_rows.iter().map(encode_own).collect();
    let x_calibration_rows: Vec<Vec<f64>> = calibration_rows
        .iter()
        .map(|p| encode_one(&p.features))
        .collect();
    let x_train = matrix(&x_train_rows).map_err(TrainError::Source)?;
    let x_calibration = matrix(&x_calibration_rows).map_err(TrainError::Source)?;

    let steps = 5;
    let mut banded = Vec::new();
    for (index, target) in Target::ALL.into_iter().enumerate() {
        progress(&Progress {
            stage: target.name(),
            done: index,
            total: steps,
        });
        let y: Vec<f64> = train_rows
            .iter()
            .map(|p| forward(target, p.row.labels.get(target).unwrap_or(0.0)))
            .collect();
        let forest = fit(
            target.name(),
            &x_train,
            &y,
            options,
            index as u64,
            HALF_THE_FEATURES,
        )?;
        let predicted = forest
            .predict(&x_calibration)
            .map_err(|error| TrainError::Fit {
                target: target.name(),
                reason: error.to_string(),
            })?;
        let residuals: Vec<f64> = calibration_rows
            .iter()
            .zip(&predicted)
            .map(|(p, guess)| forward(target, p.row.labels.get(target).unwrap_or(0.0)) - guess)
            .collect();
        let half_width =
            metrics::conformal_half_width(&residuals, NOMINAL_COVERAGE).unwrap_or(f64::INFINITY);
        banded.push(BandedForest { forest, half_width });
    }

    progress(&Progress {
        stage: "IO",
        done: 3,
        total: steps,
    });
    let io_label = |p: &Prepared| io_forward(p.row.labels.io_intensity_kb_per_s.unwrap_or(0.0));
    let y_io: Vec<f64> = train_rows.iter().map(io_label).collect();
    let io_forest = fit("IO", &x_train, &y_io, options, 3, HALF_THE_FEATURES)?;
    let io_predicted = io_forest
        .predict(&x_calibration)
        .map_err(|error| TrainError::Fit {
            target: "IO",
            reason: error.to_string(),
        })?;
    let io_residuals: Vec<f64> = calibration_rows
        .iter()
        .zip(&io_predicted)
        .map(|(p, guess)| io_label(p) - guess)
        .collect();
    let io_half_width =
        metrics::conformal_half_width(&io_residuals, NOMINAL_COVERAGE).unwrap_or(f64::INFINITY);

    let io_class = |p: &Prepared| {
        let high = p.row.labels.io_intensity_kb_per_s.is_some_and(io_is_high);
        if high { 1.0 } else { 0.0 }
    };
    let y_class: Vec<f64> = train_rows.iter().map(io_class).collect();
    // Whether a task's IO is high often hangs on things no feature sees; big leaves make its
    // share among similar tasks the probability, rather than the class of a few neighbours.
    let class_options = TrainOptions {
        min_samples_leaf: options.min_samples_leaf.max(IO_CLASS_MIN_LEAF),
        ..*options
    };
    let class_forest = fit(
        "IO class",
        &x_train,
        &y_class,
        &class_options,
        4,
        ENCODED_WIDTH,
    )?;
    let raw = class_forest
        .predict(&x_calibration)
        .map_err(|error| TrainError::Fit {
            target: "IO class",
            reason: error.to_string(),
        })?;
    // Per bin: (observed high − raw probability) summed, and the count.
    let mut bins = vec![(0.0, 0usize); IO_CALIBRATION_BINS];
    for (p, raw) in calibration_rows.iter().zip(&raw) {
        let raw = raw.clamp(0.0, 1.0);
        if let Some(bin) = bins.get_mut(io_bin(raw)) {
            bin.0 += io_class(p) - raw;
            bin.1 += 1;
        }
    }
    let io = IoForest {
        forest: io_forest,
        half_width: io_half_width,
        class_forest,
        calibration: bins
            .into_iter()
            .map(|(bias, count)| bias / (count as f64 + IO_CALIBRATION_SHRINK_TASKS))
            .collect(),
    };

    let mut seen_processing_types: Vec<String> = train_rows
        .iter()
        .map(|p| p.features.processing_type.to_string())
        .collect();
    seen_processing_types.sort();
    seen_processing_types.dedup();
    let mut seen_frameworks: Vec<String> = train_rows
        .iter()
        .map(|p| p.features.framework.to_string())
        .collect();
    seen_frameworks.sort();
    seen_frameworks.dedup();
    let mut seen_data_formats: Vec<String> = train_rows
        .iter()
        .map(|p| p.features.data_format.to_string())
        .collect();
    seen_data_formats.sort();
    seen_data_formats.dedup();
    let neighbours = thin(train_rows, KEPT_NEIGHBOURS)
        .iter()
        .map(|p| Neighbour {
            jeditaskid: p.row.jeditaskid,
            processing_type: p.features.processing_type.to_string(),
            framework: p.features.framework.to_string(),
            encoded: encode_one(&p.features),
            ramcount_mb_per_core: p.row.labels.ramcount_mb_per_core.unwrap_or(0.0),
            cputime_hs06s_per_event: p.row.labels.cputime_hs06s_per_event.unwrap_or(0.0),
            cpu_efficiency_pct: p.row.labels.cpu_efficiency_pct.unwrap_or(0.0),
            io_intensity_kb_per_s: p.row.labels.io_intensity_kb_per_s.unwrap_or(0.0),
        })
        .collect();

    let mut banded = banded.into_iter();
    let (Some(ramcount), Some(cputime), Some(efficiency)) =
        (banded.next(), banded.next(), banded.next())
    else {
        return Err(TrainError::Source(
            "internal: fewer fitted models than targets".into(),
        ));
    };
    let predictor = Predictor {
        imputation,
        process_factors,
        seen_processing_types,
        seen_frameworks,
        seen_data_formats,
        nominal_coverage: NOMINAL_COVERAGE,
        ramcount,
        cputime,
        efficiency,
        io,
        neighbours,
    };

    progress(&Progress {
        stage: "evaluating",
        done: 5,
        total: steps,
    });
    let baseline = Baseline::fit(train_rows.iter().map(|p| (&p.features, &p.row.labels)));
    let test: Vec<(&Features, &Labels)> = test_rows
        .iter()
        .map(|p| (&p.features, &p.row.labels))
        .collect();
    let mut report = evaluate(&predictor, &baseline, &test);
    report.source = source.to_string();
    report.trained_at = Timestamp::now()
        .strftime("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    report.rows_train = train_rows.len();
    report.rows_calibration = calibration_rows.len();
    report.rows_skipped = skipped;
    progress(&Progress {
        stage: "done",
        done: steps,
        total: steps,
    });
    Ok((predictor, report))
}

/// The plain baseline: the training median of each target per processing type (the overall
/// median for a type it never saw), and the majority IO class per processing type.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    medians: Vec<(String, [f64; 3], f64)>,
    overall: ([f64; 3], f64),
}

impl Baseline {
    pub fn fit<'a>(rows: impl Iterator<Item = (&'a Features, &'a Labels)>) -> Baseline {
        let mut groups: std::collections::BTreeMap<&str, Vec<&Labels>> = Default::default();
        let mut all = Vec::new();
        for (features, labels) in rows {
            groups
                .entry(features.processing_type)
                .or_default()
                .push(labels);
            all.push(labels);
        }
        let summarise = |labels: &[&Labels]| {
            let mut values = [0.0; 3];
            for (slot, target) in values.iter_mut().zip(Target::ALL) {
                let mut column: Vec<f64> = labels.iter().filter_map(|l| l.get(target)).collect();
                *slot = metrics::median(&mut column).unwrap_or(0.0);
            }
            let high = labels
                .iter()
                .filter(|l| l.io_intensity_kb_per_s.is_some_and(io_is_high))
                .count();
            (values, high as f64 / labels.len().max(1) as f64)
        };
        Baseline {
            medians: groups
                .iter()
                .map(|(kind, labels)| {
                    let (values, high) = summarise(labels);
                    (kind.to_string(), values, high)
                })
                .collect(),
            overall: summarise(&all),
        }
    }

    /// The medians of the three regression targets and the share of `high` IO.
    fn for_type(&self, processing_type: &str) -> ([f64; 3], f64) {
        self.medians
            .iter()
            .find(|(kind, _, _)| kind == processing_type)
            .map(|(_, values, high)| (*values, *high))
            .unwrap_or(self.overall)
    }
}

/// Errors of the model and the baseline on labelled rows.
pub fn evaluate(
    predictor: &Predictor,
    baseline: &Baseline,
    rows: &[(&Features, &Labels)],
) -> Report {
    let features: Vec<&Features> = rows.iter().map(|(f, _)| *f).collect();
    let predictions = predictor.predict_features(&features);

    let mut targets = Vec::new();
    for (index, target) in Target::ALL.into_iter().enumerate() {
        let mut actual = Vec::new();
        let mut model = Vec::new();
        let mut base = Vec::new();
        let mut inside = 0usize;
        let mut banded = 0usize;
        for ((features, labels), prediction) in rows.iter().zip(&predictions) {
            let Some(value) = labels.get(target) else {
                continue;
            };
            let estimate = match target {
                Target::Ramcount => &prediction.ramcount_mb_per_core,
                Target::Cputime => &prediction.cputime_hs06s_per_event,
                Target::CpuEfficiency => &prediction.cpu_efficiency_pct,
            };
            let Ok(estimate) = estimate else {
                continue;
            };
            actual.push(value);
            model.push(estimate.value);
            base.push(baseline.for_type(features.processing_type).0[index]);
            banded += 1;
            if estimate.low <= value && value <= estimate.high {
                inside += 1;
            }
        }
        targets.push(TargetReport {
            target: target.name().to_string(),
            unit: target.unit().to_string(),
            rows: actual.len(),
            model_mae: metrics::mean_absolute_error(&actual, &model),
            model_r2: metrics::r_squared(&actual, &model),
            coverage: (banded > 0).then(|| inside as f64 / banded as f64),
            nominal_coverage: predictor.nominal_coverage,
            baseline_mae: metrics::mean_absolute_error(&actual, &base),
            baseline_r2: metrics::r_squared(&actual, &base),
        });
    }

    let mut io_rows = 0usize;
    let mut model_right = 0usize;
    let mut baseline_right = 0usize;
    let mut brier = 0.0;
    let mut baseline_brier = 0.0;
    let mut inside = 0usize;
    for ((features, labels), prediction) in rows.iter().zip(&predictions) {
        let (Some(actual), Ok(io)) = (labels.io_intensity_kb_per_s, &prediction.io) else {
            continue;
        };
        let high = io_is_high(actual);
        io_rows += 1;
        model_right += usize::from(io.high == high);
        let baseline_share = baseline.for_type(features.processing_type).1;
        baseline_right += usize::from((baseline_share > 0.5) == high);
        let outcome = if high { 1.0 } else { 0.0 };
        brier += (io.probability_high - outcome).powi(2);
        baseline_brier += (baseline_share - outcome).powi(2);
        inside += usize::from(io.kb_per_s.low <= actual && actual <= io.kb_per_s.high);
    }
    let share = |count: usize| (io_rows > 0).then(|| count as f64 / io_rows as f64);

    Report {
        source: String::new(),
        trained_at: String::new(),
        rows_train: 0,
        rows_calibration: 0,
        rows_test: rows.len(),
        rows_skipped: 0,
        targets,
        io: IoReport {
            rows: io_rows,
            model_accuracy: share(model_right),
            baseline_accuracy: share(baseline_right),
            brier: (io_rows > 0).then(|| brier / io_rows as f64),
            baseline_brier: (io_rows > 0).then(|| baseline_brier / io_rows as f64),
            coverage: share(inside),
        },
    }
}

fn no_prediction(reason: impl fmt::Display) -> String {
    format!("no prediction: {reason}")
}

impl Predictor {
    /// Predicts the four requirements of one task.
    pub fn predict(&self, task: &Task) -> Prediction {
        let features = Features::from_task(task);
        self.predict_features(&[&features])
            .pop()
            .unwrap_or_else(|| self.failed(&features, "the models returned nothing"))
    }

    /// Predicts many tasks at once, which is much cheaper per task than one by one.
    pub fn predict_many(&self, tasks: &[Task]) -> Vec<Prediction> {
        let features: Vec<Features> = tasks.iter().map(Features::from_task).collect();
        self.predict_features(&features.iter().collect::<Vec<_>>())
    }

    /// Predicts from fields as a source gave them (strings already read as numbers).
    pub fn predict_inputs(&self, inputs: &TaskInputs) -> Prediction {
        let features = Features::from_inputs(inputs);
        self.predict_features(&[&features])
            .pop()
            .unwrap_or_else(|| self.failed(&features, "the models returned nothing"))
    }

    fn flags_for(&self, features: &Features) -> Vec<String> {
        let mut flags = features.flags.clone();
        flags.extend(self.process_factors.factor(features).1);
        if !self
            .seen_processing_types
            .iter()
            .any(|kind| kind == features.processing_type)
        {
            flags.push(format!(
                "processing type {:?} was not seen in training",
                features.processing_type
            ));
        }
        if !self
            .seen_frameworks
            .iter()
            .any(|family| family == features.framework)
        {
            flags.push(format!(
                "framework {:?} was not seen in training",
                features.framework
            ));
        }
        if !self
            .seen_data_formats
            .iter()
            .any(|format| format == features.data_format)
        {
            flags.push(format!(
                "data format {:?} was not seen in training",
                features.data_format
            ));
        }
        flags
    }

    fn failed(&self, features: &Features, reason: &str) -> Prediction {
        let reason = no_prediction(reason);
        Prediction {
            eligible: features.eligible,
            not_eligible_reason: features.not_eligible_reason(),
            flags: self.flags_for(features),
            ramcount_mb_per_core: Err(reason.clone()),
            cputime_hs06s_per_event: Err(reason.clone()),
            cpu_efficiency_pct: Err(reason.clone()),
            io: Err(reason.clone()),
            walltime_secs_per_file: Err(reason),
        }
    }

    fn predict_features(&self, features: &[&Features]) -> Vec<Prediction> {
        if features.is_empty() {
            return Vec::new();
        }
        let encoded: Vec<Vec<f64>> = features.iter().map(|f| self.encode(f)).collect();
        let x = match matrix(&encoded) {
            Ok(x) => x,
            Err(reason) => return features.iter().map(|f| self.failed(f, &reason)).collect(),
        };
        let run = |forest: &Forest| -> Result<Vec<f64>, String> {
            let values = forest.predict(&x).map_err(no_prediction)?;
            if values.len() == features.len() {
                Ok(values)
            } else {
                Err(no_prediction(
                    "the model answered for a different number of tasks",
                ))
            }
        };
        let ramcount = run(&self.ramcount.forest);
        let cputime = run(&self.cputime.forest);
        let efficiency = run(&self.efficiency.forest);
        let io = run(&self.io.forest);
        let io_class = run(&self.io.class_forest);

        let banded = |target: Target,
                      model: &BandedForest,
                      values: &Result<Vec<f64>, String>,
                      index: usize|
         -> Result<Estimate, String> {
            let centre = *values
                .as_ref()?
                .get(index)
                .ok_or_else(|| no_prediction("missing row"))?;
            if !centre.is_finite() {
                return Err(no_prediction("the model gave a non-finite value"));
            }
            Ok(Estimate {
                value: backward(target, centre),
                low: backward(target, centre - model.half_width),
                high: backward(target, centre + model.half_width),
            })
        };

        features
            .iter()
            .enumerate()
            .map(|(index, f)| {
                let ramcount_mb_per_core =
                    banded(Target::Ramcount, &self.ramcount, &ramcount, index);
                let cputime_hs06s_per_event =
                    banded(Target::Cputime, &self.cputime, &cputime, index);
                let cpu_efficiency_pct =
                    banded(Target::CpuEfficiency, &self.efficiency, &efficiency, index);
                let io = self.io_estimate(&io, &io_class, index);
                let walltime_secs_per_file =
                    self.walltime(f, &cputime_hs06s_per_event, &cpu_efficiency_pct);
                Prediction {
                    eligible: f.eligible,
                    not_eligible_reason: f.not_eligible_reason(),
                    flags: self.flags_for(f),
                    ramcount_mb_per_core,
                    cputime_hs06s_per_event,
                    cpu_efficiency_pct,
                    io,
                    walltime_secs_per_file,
                }
            })
            .collect()
    }

    fn io_estimate(
        &self,
        values: &Result<Vec<f64>, String>,
        classes: &Result<Vec<f64>, String>,
        index: usize,
    ) -> Result<IoEstimate, String> {
        let missing = || no_prediction("missing row");
        let centre = *values.as_ref()?.get(index).ok_or_else(missing)?;
        let raw = *classes.as_ref()?.get(index).ok_or_else(missing)?;
        if !centre.is_finite() || !raw.is_finite() {
            return Err(no_prediction("the IO model gave a non-finite value"));
        }
        let probability_high = self.io.probability(raw);
        let kb_per_s = Estimate {
            value: io_backward(centre),
            low: io_backward(centre - self.io.half_width),
            high: io_backward(centre + self.io.half_width),
        };
        Ok(IoEstimate {
            high: probability_high >= 0.5,
            probability_high,
            kb_per_s,
        })
    }

    fn walltime(
        &self,
        features: &Features,
        cputime: &Result<Estimate, String>,
        efficiency: &Result<Estimate, String>,
    ) -> Result<Estimate, String> {
        let (cputime, efficiency) = match (cputime, efficiency) {
            (Ok(cputime), Ok(efficiency)) => (cputime, efficiency),
            (Err(reason), _) | (_, Err(reason)) => return Err(reason.clone()),
        };
        let n_files = features.n_files.unwrap_or(self.imputation.n_files).max(1.0);
        let events = features
            .total_events
            .unwrap_or(self.imputation.total_events)
            / n_files;
        let cores = features
            .corecount
            .unwrap_or(self.imputation.corecount)
            .max(1.0);
        let size = |cpu: f64, eff: f64| {
            walltime_secs(
                cpu,
                events,
                cores,
                DEFAULT_HS06_PER_CORE,
                (eff / 100.0).max(0.01),
                DEFAULT_BASE_WALLTIME_SECS,
            )
        };
        match (
            size(cputime.value, efficiency.value),
            size(cputime.low, efficiency.high),
            size(cputime.high, efficiency.low),
        ) {
            (Some(value), Some(low), Some(high)) => Ok(Estimate { value, low, high }),
            _ => Err(no_prediction("walltime could not be sized")),
        }
    }

    /// The features a prediction used and the `count` nearest training tasks.
    pub fn explain(&self, task: &Task, count: usize) -> Explanation {
        let features = Features::from_task(task);
        let encoded = self.encode(&features);
        let mut neighbours: Vec<(f64, Neighbour)> = self
            .neighbours
            .iter()
            .map(|neighbour| {
                let distance = neighbour
                    .encoded
                    .iter()
                    .zip(&encoded)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
                    .sqrt();
                (distance, neighbour.clone())
            })
            .filter(|(distance, _)| distance.is_finite())
            .collect();
        neighbours.sort_by(|a, b| a.0.total_cmp(&b.0));
        neighbours.truncate(count);
        Explanation {
            features: features::column_names().into_iter().zip(encoded).collect(),
            flags: self.flags_for(&features),
            neighbours,
        }
    }

    fn encode(&self, features: &Features) -> Vec<f64> {
        features::encode(
            features,
            &self.imputation,
            self.process_factors.factor(features).0,
        )
    }

    pub fn nominal_coverage(&self) -> f64 {
        self.nominal_coverage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_at_most_the_count() {
        let items: Vec<u32> = (0..10).collect();
        assert_eq!(thin(&items, 20).len(), 10);
        assert_eq!(thin(&items, 3), vec![0, 3, 6]);
    }

    #[test]
    fn io_is_ahead_only_with_a_better_accuracy_and_a_better_brier_score() {
        let report = |accuracy: f64, brier: f64| Report {
            source: String::new(),
            trained_at: String::new(),
            rows_train: 0,
            rows_calibration: 0,
            rows_test: 100,
            rows_skipped: 0,
            targets: Vec::new(),
            io: IoReport {
                rows: 100,
                model_accuracy: Some(accuracy),
                baseline_accuracy: Some(0.9),
                brier: Some(brier),
                baseline_brier: Some(0.05),
                coverage: None,
            },
        };
        let io = |accuracy, brier| report(accuracy, brier).verdicts()[0].1;
        assert_eq!(io(0.95, 0.04), Verdict::Ahead);
        assert_eq!(io(0.95, 0.06), Verdict::Behind);
        assert_eq!(io(0.90, 0.05), Verdict::Level);
        assert_eq!(io(0.90, 0.06), Verdict::Behind);
        assert_eq!(io(0.85, 0.01), Verdict::Behind);
    }

    #[test]
    fn too_few_rows_is_an_error_that_says_how_many() {
        let error = train(Vec::new(), "test", &TrainOptions::default(), &mut |_| {})
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.contains("too few tasks"), "{error}");
        assert!(error.contains("0 with all four labels"), "{error}");
    }
}
