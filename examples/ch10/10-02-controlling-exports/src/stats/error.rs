//! `crate::stats::error`: private; `stats` re-exports what it needs.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    Empty,
    NotANumber { at: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Empty => f.write_str("no data"),
            Error::NotANumber { at } => write!(f, "value {at} is not a number"),
        }
    }
}

impl std::error::Error for Error {}

/// The module's own `Result`, with one parameter: handy inside, a trap in a glob (see the page).
pub type Result<T> = std::result::Result<T, Error>;
