//! A logging facade with one global logger, set once, like the `log` crate.

use std::fmt;
use std::sync::OnceLock;

/// What a logger does with a message.
pub trait Log: Sync + Send {
    fn log(&self, message: &str);
}

/// This crate's only state: the logger, set at most once for the whole program.
static LOGGER: OnceLock<&'static dyn Log> = OnceLock::new();

/// Installs the program's logger; fails if one is already installed.
pub fn set_logger(logger: &'static dyn Log) -> Result<(), SetLoggerError> {
    LOGGER.set(logger).map_err(|_| SetLoggerError)
}

/// Sends `message` to the logger; returns `false` if no logger is installed.
pub fn log(message: &str) -> bool {
    match LOGGER.get() {
        Some(logger) => {
            logger.log(message);
            true
        }
        None => false,
    }
}

/// This crate's version, fixed at compile time.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// A logger was already installed.
#[derive(Debug)]
pub struct SetLoggerError;

impl fmt::Display for SetLoggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a logger is already installed")
    }
}

impl std::error::Error for SetLoggerError {}
