//! Configuration: constants fixed when the program is compiled, and run-time settings that
//! are replaced as a whole, the Rust counterpart of the Zig recipe's `config.zig`.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use serde::Deserialize;

/// Fixed when the program is compiled: changing one means rebuilding.
pub const VERSION: &str = "1.0.0";
pub const APP_NAME: &str = "MyApp";
pub const MAX_CONNECTIONS: usize = 100;

// ANCHOR: config
/// One complete set of run-time settings, typed. A change makes a new `Config`; a `Config`
/// that a reader holds never changes under it. In a file, a missing key keeps its default;
/// a misspelled key or a value of the wrong type is an error, never a silent default.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub debug_mode: bool,
    pub feature_x: bool,
    pub log_level: u8,
    pub timeout_secs: u32,
}

/// The settings in force, created on first use (`Arc::new` cannot run at compile time).
/// Readers take a snapshot (a clone of the `Arc`); a reload replaces the `Arc` in one step.
static CURRENT: LazyLock<RwLock<Arc<Config>>> = LazyLock::new(RwLock::default);

/// The settings in force now, as one consistent snapshot.
pub fn current() -> Arc<Config> {
    Arc::clone(&CURRENT.read().unwrap_or_else(PoisonError::into_inner))
}

/// Replaces every setting at once; returns the settings it replaced. No thread ever sees a
/// mix of old and new settings, nor the defaults in between.
pub fn reload(next: Config) -> Arc<Config> {
    // The lock is only held to swap the `Arc` or to change one field of a `Config`: a
    // poisoned lock still holds a complete `Config`, so it is safe to go on.
    let mut current = CURRENT.write().unwrap_or_else(PoisonError::into_inner);
    std::mem::replace(&mut *current, Arc::new(next))
}

pub fn reset() {
    reload(Config::default());
}

/// Changes some settings. `Arc::make_mut` copies the settings first if a reader still holds
/// the snapshot, so that reader's snapshot stays as it was.
pub fn update(change: impl FnOnce(&mut Config)) {
    let mut current = CURRENT.write().unwrap_or_else(PoisonError::into_inner);
    change(Arc::make_mut(&mut current));
}
// ANCHOR_END: config

impl Config {
    /// Reads settings from TOML: every key a field of `Config`, each value of its type.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(ConfigError::Parse)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(ConfigError::Read)?;
        Config::from_toml(&text)
    }
}

/// Reloads the settings from a file. On any error the settings in force stay as they were.
pub fn reload_from_file(path: &Path) -> Result<Arc<Config>, ConfigError> {
    let next = Config::load(path)?;
    Ok(reload(next))
}

#[derive(Debug)]
pub enum ConfigError {
    Read(std::io::Error),
    Parse(toml::de::Error),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read(e) => write!(f, "cannot read the configuration: {e}"),
            ConfigError::Parse(e) => write!(f, "invalid configuration: {}", e.message()),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Read(e) => Some(e),
            ConfigError::Parse(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread;

    use super::*;
    use crate::isolation::exclusive;

    fn old_settings() -> Config {
        Config {
            feature_x: true,
            timeout_secs: 30,
            ..Config::default()
        }
    }

    fn new_settings() -> Config {
        Config {
            feature_x: false,
            timeout_secs: 60,
            ..Config::default()
        }
    }

    /// The Zig recipe's reload (reset, then set each value) with a reader forced in between:
    /// the reader gets the defaults, neither the old settings nor the new ones.
    #[test]
    fn reset_then_set_lets_a_reader_see_the_defaults() {
        let _state = exclusive();
        reload(old_settings());
        let reset_done = Barrier::new(2);
        let read_done = Barrier::new(2);
        let seen = thread::scope(|s| {
            s.spawn(|| {
                reset();
                reset_done.wait();
                read_done.wait();
                update(|config| config.feature_x = false);
                update(|config| config.timeout_secs = 60);
            });
            reset_done.wait();
            let seen = current().timeout_secs;
            read_done.wait();
            seen
        });
        assert_eq!(seen, 0); // neither 30 nor 60
    }

    /// `reload` has no "in between": a reader running through a thousand reloads only
    /// ever sees one complete set of settings or the other.
    #[test]
    fn readers_never_see_a_half_reloaded_config() {
        let _state = exclusive();
        let (old, new) = (old_settings(), new_settings());
        reload(old.clone());
        let done = AtomicBool::new(false);
        let reader_started = Barrier::new(2);
        let reads = thread::scope(|s| {
            let reader = s.spawn(|| {
                reader_started.wait();
                let mut reads = 0;
                loop {
                    let finished = done.load(Ordering::Acquire);
                    let seen = current();
                    assert!(*seen == old || *seen == new, "torn read: {seen:?}");
                    reads += 1;
                    if finished {
                        return reads;
                    }
                }
            });
            reader_started.wait();
            for i in 0..1000 {
                reload(if i % 2 == 0 { new.clone() } else { old.clone() });
            }
            done.store(true, Ordering::Release);
            reader.join().expect("the reader saw a torn config")
        });
        assert!(reads > 0);
    }

    #[test]
    fn a_file_with_a_wrong_type_is_rejected() {
        let error = Config::from_toml("timeout_secs = 1.5").expect_err("a float is no u32");
        assert!(error.to_string().contains("expected u32"), "{error}");
    }

    #[test]
    fn a_misspelled_key_is_rejected_not_defaulted() {
        let error = Config::from_toml("timout_secs = 5").expect_err("no such setting");
        assert!(
            error.to_string().contains("unknown field `timout_secs`"),
            "{error}"
        );
    }
}
