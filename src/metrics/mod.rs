//! Analysis of metric series: anomaly detection and the scale of sparklines.

pub mod anomaly;
pub mod scale;
