//! What a task says about its needs before any job runs: the published pipeline's features,
//! checked and encoded as numbers for the forests.
//!
//! Every oddity in the input (a missing or non-finite count, a negative count, a category the
//! training never saw) becomes a flag on the task; nothing odd is passed on silently. Being
//! outside the published pipeline's scope is "not eligible", which is not an error.

use crate::domain::Task;

/// Processing types the published pipeline keeps; every other type is `others`.
pub const KEPT_PROCESSING_TYPES: [&str; 12] = [
    "deriv",
    "jedi-run",
    "merge",
    "jedi-athena",
    "simul",
    "pile",
    "evgen",
    "recon",
    "reprocessing",
    "athena-trf",
    "run-evp",
    "athena-evp",
];

/// Frameworks (from `transhome`) the published pipeline keeps; every other is `others`.
pub const KEPT_FRAMEWORKS: [&str; 8] = [
    "AthDerivation",
    "AnalysisBase",
    "Athena",
    "AthAnalysis",
    "AtlasOffline",
    "AthGeneration",
    "AthSimulation",
    "MCProd",
];

/// The bucket for every processing type or framework outside the kept lists.
pub const OTHERS: &str = "others";

/// The (processing type, framework) pairs of production tasks the published pipeline predicts.
pub const VALID_PAIRS: [(&str, &str); 8] = [
    ("deriv", "Athena"),
    ("deriv", "AthDerivation"),
    ("merge", "Athena"),
    ("simul", "Athena"),
    ("simul", "AtlasOffline"),
    ("recon", "Athena"),
    ("pile", "Athena"),
    ("evgen", "AthGeneration"),
];

/// The processing type bucket: a type with two or more `-` (like `panda-client-1.4.98-jedi-run`)
/// is cut to its last two `-` separated parts first, then anything not kept is `others`.
pub fn processing_type_bucket(processingtype: &str) -> &'static str {
    let trimmed = processingtype.trim();
    let candidate = match trimmed.rmatch_indices('-').nth(1) {
        Some((at, _)) => &trimmed[at + 1..],
        None => trimmed,
    };
    KEPT_PROCESSING_TYPES
        .into_iter()
        .find(|kept| *kept == candidate)
        .unwrap_or(OTHERS)
}

/// The framework bucket from `transhome`: `AnalysisBase…` is AnalysisBase,
/// `AnalysisTransforms-X_…` is X, anything else the part before the first `/` or `-`; a name not
/// kept is `others`.
pub fn framework_bucket(transhome: &str) -> &'static str {
    let trimmed = transhome.trim();
    let name = if trimmed.starts_with("AnalysisBase") {
        "AnalysisBase"
    } else if let Some(rest) = trimmed.strip_prefix("AnalysisTransforms-") {
        rest.split('_').next().unwrap_or_default()
    } else {
        trimmed.split(['/', '-']).next().unwrap_or_default()
    };
    KEPT_FRAMEWORKS
        .into_iter()
        .find(|kept| *kept == name)
        .unwrap_or(OTHERS)
}

/// The physics process of a task from its name, known when the task is defined: the third
/// dot-separated part of production names (`mc23_13p6TeV.<DSID>.<physics short>.<step>…`, or
/// the stream of data names), `None` for analysis names and names without that shape. CPU time
/// per event depends strongly on the process (a generator and its settings), which none of the
/// published features carry.
pub fn process_key(taskname: &str) -> Option<String> {
    let mut parts = taskname.split('.');
    let first = parts.next()?;
    let production =
        first.starts_with("mc") || first.starts_with("data") || first.starts_with("valid");
    let key = parts.nth(1)?;
    (production && parts.next().is_some() && !key.is_empty()).then(|| key.to_string())
}

/// Data format families a task name may carry; a name naming none of them is `others`.
/// `DAOD` stands for every derivation but the two common analysis formats.
pub const KEPT_FORMATS: [&str; 9] = [
    "EVNT",
    "HITS",
    "RDO",
    "ESD",
    "AOD",
    "DAOD_PHYS",
    "DAOD_PHYSLITE",
    "DAOD",
    "NTUP",
];

/// The data format a task name carries, known when the task is defined: the first format named
/// by one of its dot- or underscore-separated words (`DAOD_<name>` and `NTUP_<name>` take the
/// word after them), or `others`. Production names carry the format they write
/// (`mc23_13p6TeV.<DSID>.<physics short>.deriv.DAOD_PHYS.<tags>`); analysis names usually carry
/// the dataset they read, and the IO of an analysis hangs on the size of its input's events (a
/// few kB for PHYSLITE, tens for PHYS, hundreds for AOD).
pub fn data_format_bucket(taskname: &str) -> &'static str {
    let mut words = taskname.split(['.', '_']);
    while let Some(word) = words.next() {
        let family = match word {
            "EVNT" => "EVNT",
            "HITS" => "HITS",
            "RDO" => "RDO",
            "ESD" => "ESD",
            "AOD" => "AOD",
            "NTUP" => "NTUP",
            "DAOD" => match words.next() {
                Some("PHYS") => "DAOD_PHYS",
                Some("PHYSLITE") => "DAOD_PHYSLITE",
                _ => "DAOD",
            },
            _ => continue,
        };
        return family;
    }
    OTHERS
}

/// The fields a prediction reads, as numbers that may be anything a source sent.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInputs {
    /// Only its physics process and data format are read (see [`process_key`] and
    /// [`data_format_bucket`]).
    pub taskname: String,
    pub prodsourcelabel: String,
    pub processingtype: String,
    pub transhome: String,
    pub corecount: Option<f64>,
    pub n_files: Option<f64>,
    pub total_events: Option<f64>,
    pub dataset_count: Option<f64>,
}

impl TaskInputs {
    pub fn from_task(task: &Task) -> TaskInputs {
        TaskInputs {
            taskname: task.taskname.clone(),
            prodsourcelabel: task.prodsourcelabel.clone(),
            processingtype: task.processingtype.clone(),
            transhome: task.transhome.clone(),
            corecount: task.corecount.map(f64::from),
            n_files: task.n_files.map(|n| n as f64),
            total_events: task.total_events.map(|n| n as f64),
            dataset_count: task.dataset_count.map(f64::from),
        }
    }
}

/// The names of a task that features read, borrowed.
struct Names<'a> {
    taskname: &'a str,
    prodsourcelabel: &'a str,
    processingtype: &'a str,
    transhome: &'a str,
}

/// A task's features after checking, with what was odd about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// `None` when missing or unusable (then flagged); filled with the training median when
    /// encoded.
    pub n_files: Option<f64>,
    pub total_events: Option<f64>,
    pub dataset_count: Option<f64>,
    pub corecount: Option<f64>,
    /// `managed` is production, anything else analysis.
    pub production: bool,
    pub processing_type: &'static str,
    pub framework: &'static str,
    /// The data format family named in the task name (see [`data_format_bucket`]).
    pub data_format: &'static str,
    /// The physics process named in the task name, when it names one.
    pub process: Option<String>,
    /// One plain sentence per oddity.
    pub flags: Vec<String>,
    /// Inside the published pipeline's scope (a production task of one of [`VALID_PAIRS`]).
    pub eligible: bool,
}

/// A count that must be finite and not negative; anything else is flagged and left out.
fn checked_count(name: &str, value: Option<f64>, flags: &mut Vec<String>) -> Option<f64> {
    match value {
        None => {
            flags.push(format!("{name} missing; the training median is used"));
            None
        }
        Some(value) if value.is_nan() => {
            flags.push(format!("{name} is NaN; the training median is used"));
            None
        }
        Some(value) if value.is_infinite() => {
            flags.push(format!("{name} is infinite; the training median is used"));
            None
        }
        Some(value) if value < 0.0 => {
            flags.push(format!(
                "{name} is negative ({value}); the training median is used"
            ));
            None
        }
        Some(value) => Some(value),
    }
}

impl Features {
    pub fn from_inputs(inputs: &TaskInputs) -> Features {
        Features::from_fields(
            Names {
                taskname: &inputs.taskname,
                prodsourcelabel: &inputs.prodsourcelabel,
                processingtype: &inputs.processingtype,
                transhome: &inputs.transhome,
            },
            [
                inputs.n_files,
                inputs.total_events,
                inputs.dataset_count,
                inputs.corecount,
            ],
        )
    }

    /// From the names and the numbers (files, events, datasets, cores) of a task.
    fn from_fields(names: Names<'_>, numbers: [Option<f64>; 4]) -> Features {
        let [n_files, total_events, dataset_count, corecount] = numbers;
        let mut flags = Vec::new();
        let n_files = checked_count("n_files", n_files, &mut flags);
        let total_events = checked_count("total_events", total_events, &mut flags);
        let dataset_count = checked_count("dataset_count", dataset_count, &mut flags);
        let corecount = match checked_count("corecount", corecount, &mut flags) {
            Some(cores) if cores < 1.0 => {
                flags.push(format!("corecount {cores} is below 1; 1 is used"));
                Some(1.0)
            }
            other => other,
        };

        let label = names.prodsourcelabel.trim();
        let production = label == "managed";
        if label != "managed" && label != "user" {
            flags.push(format!(
                "prodsourcelabel {label:?} is neither managed nor user; read as user"
            ));
        }
        let processing_type = processing_type_bucket(names.processingtype);
        let framework = framework_bucket(names.transhome);
        if names.transhome.trim().is_empty() {
            flags.push("transhome missing; framework read as others".to_string());
        }
        let eligible = production
            && VALID_PAIRS
                .iter()
                .any(|(kind, family)| *kind == processing_type && *family == framework);

        Features {
            n_files,
            total_events,
            dataset_count,
            corecount,
            production,
            processing_type,
            framework,
            data_format: data_format_bucket(names.taskname),
            process: process_key(names.taskname),
            flags,
            eligible,
        }
    }

    pub fn from_task(task: &Task) -> Features {
        Features::from_fields(
            Names {
                taskname: &task.taskname,
                prodsourcelabel: &task.prodsourcelabel,
                processingtype: &task.processingtype,
                transhome: &task.transhome,
            },
            [
                task.n_files.map(|n| n as f64),
                task.total_events.map(|n| n as f64),
                task.dataset_count.map(f64::from),
                task.corecount.map(f64::from),
            ],
        )
    }

    /// Why the task is outside the published scope, or `None` when it is inside.
    pub fn not_eligible_reason(&self) -> Option<String> {
        if self.eligible {
            return None;
        }
        let label = if self.production { "managed" } else { "user" };
        Some(format!(
            "not eligible: {label} {}/{} is outside the published pipeline's scope",
            self.processing_type, self.framework
        ))
    }
}

/// Values used in place of missing numbers, from the training rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Imputation {
    pub n_files: f64,
    pub total_events: f64,
    pub dataset_count: f64,
    pub corecount: f64,
}

impl Imputation {
    /// Medians of the rows' known values (1 where nothing is known).
    pub fn from_rows(rows: &[&Features]) -> Imputation {
        let median_of = |pick: &dyn Fn(&Features) -> Option<f64>| {
            let mut values: Vec<f64> = rows.iter().filter_map(|row| pick(row)).collect();
            super::metrics::median(&mut values).unwrap_or(1.0)
        };
        Imputation {
            n_files: median_of(&|row| row.n_files),
            total_events: median_of(&|row| row.total_events),
            dataset_count: median_of(&|row| row.dataset_count),
            corecount: median_of(&|row| row.corecount),
        }
    }
}

/// Tasks of a process count fully towards its factor once there are this many.
const PROCESS_SHRINK_TASKS: f64 = 5.0;

/// How much more or less CPU per event each physics process needs than is usual for its
/// processing type, learned from training rows: the mean of log10(CTIME) minus the median of
/// its processing type, shrunk towards 0 for processes with few tasks. A training task's own
/// factor leaves its own CTIME out, so the forests cannot learn the answer from it.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ProcessFactors {
    /// Per process: the sum of deviations and the number of tasks.
    sums: std::collections::BTreeMap<String, (f64, f64)>,
    /// Per processing type: the median of log10(CTIME).
    medians: std::collections::BTreeMap<String, f64>,
}

impl ProcessFactors {
    /// From features and their CTIME labels (HS06·s per event).
    pub fn fit(rows: &[(&Features, f64)]) -> ProcessFactors {
        use std::collections::BTreeMap;
        let mut by_type: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for (features, cputime) in rows {
            if *cputime > 0.0 && cputime.is_finite() {
                by_type
                    .entry(features.processing_type)
                    .or_default()
                    .push(cputime.log10());
            }
        }
        let medians: BTreeMap<String, f64> = by_type
            .into_iter()
            .filter_map(|(kind, mut values)| {
                super::metrics::median(&mut values).map(|median| (kind.to_string(), median))
            })
            .collect();
        let mut factors = ProcessFactors {
            sums: BTreeMap::new(),
            medians,
        };
        for (features, cputime) in rows {
            if let (Some(process), Some(deviation)) =
                (&features.process, factors.deviation(features, *cputime))
            {
                let entry = factors.sums.entry(process.clone()).or_insert((0.0, 0.0));
                entry.0 += deviation;
                entry.1 += 1.0;
            }
        }
        factors
    }

    fn deviation(&self, features: &Features, cputime: f64) -> Option<f64> {
        let median = self.medians.get(features.processing_type)?;
        (cputime > 0.0 && cputime.is_finite()).then(|| cputime.log10() - median)
    }

    /// The factor of a task's process (0 when it names none or an unseen one), and a flag
    /// for an unseen one.
    pub fn factor(&self, features: &Features) -> (f64, Option<String>) {
        match &features.process {
            None => (0.0, None),
            Some(process) => match self.sums.get(process) {
                Some((sum, count)) => (sum / (count + PROCESS_SHRINK_TASKS), None),
                None => (
                    0.0,
                    Some(format!(
                        "physics process {process:?} was not seen in training"
                    )),
                ),
            },
        }
    }

    /// The factor of a training task, its own CTIME left out.
    pub fn factor_without(&self, features: &Features, own_cputime: f64) -> f64 {
        let (Some(process), Some(deviation)) =
            (&features.process, self.deviation(features, own_cputime))
        else {
            return self.factor(features).0;
        };
        match self.sums.get(process) {
            Some((sum, count)) => (sum - deviation) / (count - 1.0 + PROCESS_SHRINK_TASKS),
            None => 0.0,
        }
    }
}

/// Names of the encoded columns, in order (for the explanation of a prediction).
pub fn column_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "log10 files",
        "log10 events",
        "datasets",
        "log10 events/file",
        "cores",
        "multicore",
        "analysis",
        "process CPU factor",
    ]
    .iter()
    .map(|name| name.to_string())
    .collect();
    names.extend(
        KEPT_PROCESSING_TYPES
            .iter()
            .chain([&OTHERS])
            .map(|kind| format!("type={kind}")),
    );
    names.extend(
        KEPT_FRAMEWORKS
            .iter()
            .chain([&OTHERS])
            .map(|family| format!("framework={family}")),
    );
    names.extend(
        KEPT_FORMATS
            .iter()
            .chain([&OTHERS])
            .map(|format| format!("format={format}")),
    );
    names
}

/// How many numbers [`encode`] writes.
pub const ENCODED_WIDTH: usize =
    8 + KEPT_PROCESSING_TYPES.len() + 1 + KEPT_FRAMEWORKS.len() + 1 + KEPT_FORMATS.len() + 1;

/// The numbers the forests read: scaled counts, the process's CPU factor (see
/// [`ProcessFactors`]), then one-hot processing type, framework and data format.
pub fn encode(features: &Features, fill: &Imputation, process_factor: f64) -> Vec<f64> {
    let n_files = features.n_files.unwrap_or(fill.n_files);
    let total_events = features.total_events.unwrap_or(fill.total_events);
    let dataset_count = features.dataset_count.unwrap_or(fill.dataset_count);
    let cores = features.corecount.unwrap_or(fill.corecount).max(1.0);
    let events_per_file = total_events / n_files.max(1.0);

    let mut row = Vec::with_capacity(ENCODED_WIDTH);
    row.push((n_files + 1.0).log10());
    row.push((total_events + 1.0).log10());
    row.push(dataset_count);
    row.push((events_per_file + 1.0).log10());
    row.push(cores);
    row.push(if cores > 1.0 { 1.0 } else { 0.0 });
    row.push(if features.production { 0.0 } else { 1.0 });
    row.push(if process_factor.is_finite() {
        process_factor
    } else {
        0.0
    });
    for kind in KEPT_PROCESSING_TYPES.iter().chain([&OTHERS]) {
        row.push(if *kind == features.processing_type {
            1.0
        } else {
            0.0
        });
    }
    for family in KEPT_FRAMEWORKS.iter().chain([&OTHERS]) {
        row.push(if *family == features.framework {
            1.0
        } else {
            0.0
        });
    }
    for format in KEPT_FORMATS.iter().chain([&OTHERS]) {
        row.push(if *format == features.data_format {
            1.0
        } else {
            0.0
        });
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> TaskInputs {
        TaskInputs {
            taskname: "mc23_13p6TeV.700001.Sh_ttbar.deriv.DAOD_PHYS.e1_s2_r3_p4".into(),
            prodsourcelabel: "managed".into(),
            processingtype: "deriv".into(),
            transhome: "AthDerivation-24.0.30".into(),
            corecount: Some(8.0),
            n_files: Some(100.0),
            total_events: Some(1e6),
            dataset_count: Some(1.0),
        }
    }

    #[test]
    fn processing_types_are_bucketed_as_published() {
        assert_eq!(
            processing_type_bucket("panda-client-1.4.98-jedi-run"),
            "jedi-run"
        );
        assert_eq!(processing_type_bucket("deriv"), "deriv");
        assert_eq!(processing_type_bucket("jedi-athena"), "jedi-athena");
        assert_eq!(processing_type_bucket("urgent"), OTHERS);
        assert_eq!(processing_type_bucket("a-b-c"), OTHERS);
        assert_eq!(processing_type_bucket(""), OTHERS);
    }

    #[test]
    fn frameworks_are_read_from_transhome() {
        assert_eq!(framework_bucket("AthDerivation-24.0.30"), "AthDerivation");
        assert_eq!(framework_bucket("AnalysisBase24.2.35"), "AnalysisBase");
        assert_eq!(
            framework_bucket("AnalysisTransforms-AthAnalysis_21.2.1"),
            "AthAnalysis"
        );
        assert_eq!(framework_bucket("AtlasOffline/21.0.15"), "AtlasOffline");
        assert_eq!(framework_bucket("Gaudi-1"), OTHERS);
    }

    #[test]
    fn odd_numbers_are_flagged_and_left_out() {
        let mut odd = inputs();
        odd.n_files = Some(f64::NAN);
        odd.total_events = Some(f64::INFINITY);
        odd.dataset_count = Some(-3.0);
        odd.corecount = None;
        let features = Features::from_inputs(&odd);
        assert_eq!(features.n_files, None);
        assert_eq!(features.total_events, None);
        assert_eq!(features.dataset_count, None);
        assert_eq!(features.flags.len(), 4, "{:?}", features.flags);
        assert!(features.flags[0].contains("NaN"));
        assert!(features.flags[1].contains("infinite"));
        assert!(features.flags[2].contains("negative"));
        let fill = Imputation {
            n_files: 10.0,
            total_events: 1000.0,
            dataset_count: 1.0,
            corecount: 1.0,
        };
        let row = encode(&features, &fill, 0.0);
        assert_eq!(row.len(), ENCODED_WIDTH);
        assert!(row.iter().all(|value| value.is_finite()));
        assert_eq!(column_names().len(), ENCODED_WIDTH);
    }

    #[test]
    fn the_process_is_read_from_production_names_only() {
        assert_eq!(
            process_key("mc23_13p6TeV.700001.Sh_ttbar.deriv.DAOD_PHYS.e1_p4").as_deref(),
            Some("Sh_ttbar")
        );
        assert_eq!(process_key("user.jdoe.700001.ana.v1"), None);
        assert_eq!(process_key("mc23.short"), None);
        assert_eq!(process_key(""), None);
    }

    #[test]
    fn the_data_format_is_read_from_production_and_analysis_names() {
        let cases = [
            (
                "mc23_13p6TeV.700001.Sh_ttbar.deriv.DAOD_PHYS.e1_s2_r3_p4",
                "DAOD_PHYS",
            ),
            (
                "mc23_13p6TeV.700001.Sh_ttbar.deriv.DAOD_PHYSLITE.e1_p4",
                "DAOD_PHYSLITE",
            ),
            (
                "data24_13p6TeV.00480000.physics_Main.deriv.DAOD_FTAG1.r1_p2",
                "DAOD",
            ),
            ("mc23_13p6TeV.700001.Sh_ttbar.simul.HITS.e1_s2", "HITS"),
            ("mc23_13p6TeV.700001.Sh_ttbar.evgen.EVNT.e1", "EVNT"),
            ("mc23_13p6TeV.700001.Sh_ttbar.digit.RDO.e1_s2_r3", "RDO"),
            (
                "user.jdoe.700001.DAOD_PHYSLITE.Zmumu_ntuple.v2",
                "DAOD_PHYSLITE",
            ),
            ("user.jdoe.Zmumu_ntuple_DAOD_PHYS_v2.20260101", "DAOD_PHYS"),
            ("user.jdoe.data24_13p6TeV.00480000.AOD.tau_fakes_v1", "AOD"),
            ("user.jdoe.NTUP_PILEUP.v1", "NTUP"),
            ("user.jdoe.Zmumu_ntuple_v2.20260101", OTHERS),
            ("user.jdoe.AODfix.v1", OTHERS),
            ("", OTHERS),
        ];
        for (name, expected) in cases {
            assert_eq!(data_format_bucket(name), expected, "{name}");
        }
    }

    #[test]
    fn scope_follows_the_valid_pairs() {
        assert!(Features::from_inputs(&inputs()).eligible);
        let mut user = inputs();
        user.prodsourcelabel = "user".into();
        let features = Features::from_inputs(&user);
        assert!(!features.eligible);
        assert!(features.not_eligible_reason().is_some());
        assert!(features.flags.is_empty());
        let mut simul = inputs();
        simul.processingtype = "simul".into();
        simul.transhome = "AthSimulation-23.0.44".into();
        assert!(!Features::from_inputs(&simul).eligible);
    }
}
