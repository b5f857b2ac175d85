//! `crate::stats`, a small statistics module. Its files are private modules: what it offers is
//! the list of `pub use` below, under short paths, whichever file each item is written in.

// ANCHOR: modules
mod error;
mod measure;
pub mod prelude;
// ANCHOR_END: modules

// ANCHOR: reexports
pub use error::{Error, Result};
pub use measure::{Max, Mean, Measure, Median};
// ANCHOR_END: reexports

// ANCHOR: sealed
mod sealed {
    /// `pub` inside a private module: this crate can name it, no code outside can.
    pub trait Sealed {}
}
// ANCHOR_END: sealed

// ANCHOR: hidden
/// What the `summary!` macro expands to calls this. A macro's expansion can land in any module,
/// or in another crate, so the function must be `pub`; it is not meant to be called directly,
/// so it is left out of the documentation, and the `__` in its path says so in code.
#[doc(hidden)]
pub mod __private {
    use super::{Max, Mean, Measure, Median, Result};

    pub fn summarise(data: &[f64]) -> Result<String> {
        Ok(format!(
            "n = {}, mean = {}, median = {}, max = {}",
            data.len(),
            Mean.of(data)?,
            Median.of(data)?,
            Max.of(data)?
        ))
    }
}

/// `summary!(3.0, 1.0, 4.0)` describes the numbers, or says why it cannot.
#[macro_export]
macro_rules! summary {
    ($($x:expr),* $(,)?) => {
        $crate::stats::__private::summarise(&[$($x),*])
    };
}
// ANCHOR_END: hidden
