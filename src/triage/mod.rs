//! Error triage: diagnostics normalised into patterns, and failed jobs grouped by
//! (source, code, pattern).
//!
//! Grouping is pure and deterministic: the same jobs always give the same groups with the same ids,
//! whatever order they arrive in.

pub mod cli;
pub mod diag_regex;
pub mod export;
pub mod extract;
pub mod group;
pub mod journal;
pub mod normalize;
pub mod rules;
pub mod suggest;

pub use group::{ErrorGroup, group_errors};
pub use normalize::normalize;
