//! pandaops: a terminal console for PanDA operators.
//!
//! The library holds everything; `main.rs` only parses the command line and dispatches.

pub mod action;
pub mod catalogue;
pub mod config;
pub mod domain;
pub mod keymap;
pub mod metrics;
pub mod sources;
pub mod triage;
pub mod ui;
