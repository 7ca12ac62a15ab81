//! Where pandaops keeps its files: the config folder, the data folder and the state folder.
//!
//! The standard folders come from the platform's conventions (XDG on Linux). The config file
//! alone can be moved with `PANDAOPS_CONFIG` or `--config` (the flag wins); `keymap.toml` and
//! `themes/` stay in the standard config folder. Nothing here creates or writes anything.

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use super::load::ConfigError;

/// The environment variable that moves the config file.
pub const CONFIG_ENV: &str = "PANDAOPS_CONFIG";

/// The file names inside the folders.
const CONFIG_FILE: &str = "config.toml";
const KEYMAP_FILE: &str = "keymap.toml";
const THEMES_DIR: &str = "themes";
const LOG_FILE: &str = "pandaops.log";

/// Who chose the config file; a file chosen explicitly must exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigFileChoice {
    /// The standard location; a missing file means defaults.
    Standard,
    /// `PANDAOPS_CONFIG`.
    Env,
    /// `--config`.
    Flag,
}

/// The folders and files of one installation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    /// Holds `keymap.toml` and `themes/`.
    pub config_dir: PathBuf,
    /// Holds the triage journal and the models.
    pub data_dir: PathBuf,
    /// Holds the log file.
    pub state_dir: PathBuf,
    pub config_file_choice: ConfigFileChoice,
}

impl Paths {
    /// The platform's folders, with the config file moved by `--config` or `PANDAOPS_CONFIG`.
    pub fn discover(
        config_flag: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let dirs = ProjectDirs::from("", "", "pandaops").ok_or(ConfigError::NoHomeDirectory)?;
        let config_dir = dirs.config_dir().to_path_buf();
        let data_dir = dirs.data_dir().to_path_buf();
        // Limitation: only Linux has a state folder; elsewhere the log goes to the data folder.
        let state_dir = dirs.state_dir().unwrap_or(dirs.data_dir()).to_path_buf();

        let from_env = env(CONFIG_ENV).filter(|value| !value.trim().is_empty());
        let (config_file, config_file_choice) = match (config_flag, from_env) {
            (Some(flag), _) => (flag.to_path_buf(), ConfigFileChoice::Flag),
            (None, Some(value)) => (PathBuf::from(value), ConfigFileChoice::Env),
            (None, None) => (config_dir.join(CONFIG_FILE), ConfigFileChoice::Standard),
        };

        Ok(Self {
            config_file,
            config_dir,
            data_dir,
            state_dir,
            config_file_choice,
        })
    }

    /// Folders under one root (`config/`, `data/`, `state/`), for tests and portable setups.
    pub fn under(root: &Path) -> Self {
        let config_dir = root.join("config");
        Self {
            config_file: config_dir.join(CONFIG_FILE),
            config_dir,
            data_dir: root.join("data"),
            state_dir: root.join("state"),
            config_file_choice: ConfigFileChoice::Standard,
        }
    }

    /// The user's keymap, merged over the base keymap.
    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join(KEYMAP_FILE)
    }

    /// The folder of user themes, one `<name>.toml` each.
    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join(THEMES_DIR)
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join(LOG_FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_a_root_everything_stays_inside_it() {
        let root = Path::new("/tmp/pandaops-test-root");
        let paths = Paths::under(root);
        assert_eq!(paths.config_file, root.join("config/config.toml"));
        assert_eq!(paths.keymap_file(), root.join("config/keymap.toml"));
        assert_eq!(paths.themes_dir(), root.join("config/themes"));
        assert_eq!(paths.log_file(), root.join("state/pandaops.log"));
        assert_eq!(paths.data_dir, root.join("data"));
    }

    #[test]
    fn the_flag_beats_the_environment_which_beats_the_standard_place() {
        let env = |name: &str| (name == CONFIG_ENV).then(|| "/from/env.toml".to_owned());
        let no_env = |_: &str| None;

        // ProjectDirs needs a home folder; without one there is nothing to compare.
        let Ok(standard) = Paths::discover(None, &no_env) else {
            return;
        };
        assert_eq!(
            standard.config_file,
            standard.config_dir.join("config.toml")
        );
        assert_eq!(standard.config_file_choice, ConfigFileChoice::Standard);

        let Ok(by_env) = Paths::discover(None, &env) else {
            return;
        };
        assert_eq!(by_env.config_file, Path::new("/from/env.toml"));
        assert_eq!(by_env.config_file_choice, ConfigFileChoice::Env);
        assert_eq!(by_env.config_dir, standard.config_dir);

        let Ok(by_flag) = Paths::discover(Some(Path::new("flag.toml")), &env) else {
            return;
        };
        assert_eq!(by_flag.config_file, Path::new("flag.toml"));
        assert_eq!(by_flag.config_file_choice, ConfigFileChoice::Flag);
    }
}
