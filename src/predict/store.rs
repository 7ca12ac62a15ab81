//! The model file in the data folder: a versioned JSON document with the training report.
//!
//! Limitation: numbers are read back by serde_json's default float parser, which can differ
//! from the written value in the last bit, so predictions after a reload agree with those before
//! it to about 1e-12 relative, not exactly.
//!
//! A file written by an incompatible version (another format version or smartcore series, whose
//! fitted trees do not read back) is not an error to the console: it says to retrain.

use std::fmt;
use std::path::{Path, PathBuf};

use super::model::{Predictor, Report};
use crate::config::Paths;

/// The model file's name in the data folder.
pub const MODEL_FILE_NAME: &str = "models.json";
/// Bumped whenever the stored structure or the encoding of the features changes (2: the data
/// format named in the task name became a feature).
pub const FORMAT_VERSION: u32 = 2;
/// smartcore changes its fitted-tree layout between series; a file of another series is refitted.
pub const SMARTCORE_SERIES: &str = "0.7";
const FORMAT_NAME: &str = "pandaops-models";

pub fn model_path(paths: &Paths) -> PathBuf {
    paths.data_dir.join(MODEL_FILE_NAME)
}

#[derive(Debug, serde::Deserialize)]
struct Header {
    format: String,
    format_version: u32,
    crate_version: String,
    smartcore: String,
}

#[derive(serde::Serialize)]
struct Outgoing<'a> {
    format: &'static str,
    format_version: u32,
    crate_version: &'static str,
    smartcore: &'static str,
    report: &'a Report,
    predictor: &'a Predictor,
}

#[derive(serde::Deserialize)]
struct Incoming {
    report: Report,
    predictor: Predictor,
}

/// Why no model could be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Missing(PathBuf),
    Incompatible { path: PathBuf, found: String },
    Unreadable { path: PathBuf, reason: String },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Missing(path) => write!(
                f,
                "no model file at {}; train one with `pandaops model train --from demo`",
                path.display()
            ),
            LoadError::Incompatible { path, found } => write!(
                f,
                "{} was written by {found}, which this pandaops {} cannot read; retrain with \
                 `pandaops model train`",
                path.display(),
                env!("CARGO_PKG_VERSION")
            ),
            LoadError::Unreadable { path, reason } => write!(
                f,
                "{} cannot be read ({reason}); retrain with `pandaops model train`",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// The file's bytes.
pub fn to_bytes(predictor: &Predictor, report: &Report) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&Outgoing {
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        crate_version: env!("CARGO_PKG_VERSION"),
        smartcore: SMARTCORE_SERIES,
        report,
        predictor,
    })
    .map_err(|error| format!("cannot encode the models: {error}"))
}

/// Writes the file atomically (temporary file, sync, rename); returns its size in bytes.
pub fn save(path: &Path, predictor: &Predictor, report: &Report) -> Result<usize, String> {
    let bytes = to_bytes(predictor, report)?;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    }
    crate::triage::rules::write_atomically(path, &bytes)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    Ok(bytes.len())
}

/// Reads a model file written by [`save`].
pub fn load(path: &Path) -> Result<(Predictor, Report), LoadError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::Missing(path.to_path_buf()));
        }
        Err(error) => {
            return Err(LoadError::Unreadable {
                path: path.to_path_buf(),
                reason: error.to_string(),
            });
        }
    };
    from_bytes(path, &bytes)
}

/// The forests inside a model file, as paths into its JSON.
const FORESTS: [&str; 5] = [
    "/predictor/ramcount/forest",
    "/predictor/cputime/forest",
    "/predictor/efficiency/forest",
    "/predictor/io/forest",
    "/predictor/io/class_forest",
];

/// Checks that every tree of a stored forest can be walked: smartcore indexes nodes without
/// checking, so a damaged file could otherwise panic or loop inside a prediction. Children come
/// after their parent when smartcore grows a tree, so requiring that rules out cycles.
fn check_forests(document: &serde_json::Value) -> Result<(), String> {
    for forest in FORESTS {
        let trees = document
            .pointer(&format!("{forest}/forest_regressor/trees"))
            .and_then(|trees| trees.as_array())
            .filter(|trees| !trees.is_empty())
            .ok_or_else(|| format!("{forest} has no trees"))?;
        for (index, tree) in trees.iter().enumerate() {
            let nodes = tree
                .get("nodes")
                .and_then(|nodes| nodes.as_array())
                .filter(|nodes| !nodes.is_empty())
                .ok_or_else(|| format!("{forest}: tree {index} has no nodes"))?;
            for (at, node) in nodes.iter().enumerate() {
                let child = |name: &str| node.get(name).and_then(|child| child.as_u64());
                let feature = node.get("split_feature").and_then(|f| f.as_u64());
                let fine = match (child("true_child"), child("false_child")) {
                    (None, None) => true,
                    (Some(yes), Some(no)) => {
                        let inside =
                            |child: u64| child as usize > at && (child as usize) < nodes.len();
                        inside(yes)
                            && inside(no)
                            && feature
                                .is_some_and(|f| (f as usize) < super::features::ENCODED_WIDTH)
                    }
                    _ => false,
                };
                if !fine {
                    return Err(format!("{forest}: tree {index} node {at} is damaged"));
                }
            }
        }
    }
    Ok(())
}

/// Reads a model file's bytes; `path` is only for messages.
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<(Predictor, Report), LoadError> {
    let unreadable = |reason: String| LoadError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|error| unreadable(format!("not a pandaops model file: {error}")))?;
    let header: Header = serde_json::from_value(document.clone())
        .map_err(|error| unreadable(format!("not a pandaops model file: {error}")))?;
    if header.format != FORMAT_NAME
        || header.format_version != FORMAT_VERSION
        || header.smartcore != SMARTCORE_SERIES
    {
        return Err(LoadError::Incompatible {
            path: path.to_path_buf(),
            found: format!(
                "pandaops {} (model format {} {}, smartcore {})",
                header.crate_version, header.format, header.format_version, header.smartcore
            ),
        });
    }
    check_forests(&document).map_err(unreadable)?;
    let incoming: Incoming =
        serde_json::from_value(document).map_err(|error| unreadable(error.to_string()))?;
    Ok((incoming.predictor, incoming.report))
}
