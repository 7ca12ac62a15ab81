//! pandaops: a terminal console for PanDA operators.
//!
//! The library holds everything; `main.rs` only parses the command line and dispatches.

pub mod action;
pub mod app;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod domain;
pub mod keymap;
pub mod metrics;
pub mod models;
pub mod predict;
pub mod review;
pub mod run;
pub mod snapshot;
pub mod sources;
pub mod term;
pub mod triage;
pub mod ui;
