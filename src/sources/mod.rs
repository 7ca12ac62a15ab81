//! Data sources. Each runs as its own task and reports snapshots and health to the app.

pub mod demo;
