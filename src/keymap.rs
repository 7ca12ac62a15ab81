//! Keymaps: per-context bindings loaded from TOML, user maps merged over the defaults.
