// ANCHOR: error
use std::error::Error;
use std::fmt;

/// Why a shape could not be made.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeError {
    NotPositive { what: &'static str, value: f64 },
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeError::NotPositive { what, value } => {
                write!(f, "{what} must be positive, not {value}")
            }
        }
    }
}

impl Error for ShapeError {}
// ANCHOR_END: error
