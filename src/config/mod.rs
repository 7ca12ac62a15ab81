//! Configuration: schema, layered loading, validation with file positions, paths.
//!
//! The console's settings come from four layers, each overriding the one before: the defaults,
//! `config.toml`, `PANDAOPS_*` environment variables and command-line flags. Every problem in
//! every layer is reported at once, with file, line and column for the file. Unknown keys are
//! warnings and the console starts; wrong types and invalid values are errors and it does not
//! (exit status [`EXIT_REFUSED_TO_START`]). `pandaops config check` exits with
//! [`EXIT_CHECK_FAILED`] on errors. The user's file is never written.

mod check;
mod load;
mod paths;
mod schema;

pub use check::{Checked, Origin, Problem, Severity, check};
pub use load::{
    ConfigError, EXIT_CHECK_FAILED, EXIT_REFUSED_TO_START, Loaded, Overrides, example, load,
    run_check,
};
pub use paths::{CONFIG_ENV, ConfigFileChoice, Paths};
pub use schema::{
    AlertmanagerSource, BUILT_IN_THEMES, BaseKeymap, BigpandaSource, Config, Connection, Demo,
    EventsSource, FileSource, Log, LogLevel, Named, PandaSource, PaneView, Panes, PrometheusQuery,
    PrometheusSource, Sources, Ui,
};
