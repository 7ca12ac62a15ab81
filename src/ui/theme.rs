//! Themes: named styles loaded from TOML, adapted to the terminal colour support.
