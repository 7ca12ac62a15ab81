//! The embedded simulated PanDA that feeds every pane when nothing is configured.
