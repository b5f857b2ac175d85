//! The recipes' programs, run as a reader runs them, in one test binary so that they are built
//! once and both checks run side by side:
//!
//! - [`outputs`]: every program prints the `output.txt` its page shows;
//! - [`faults`]: 10.6's fault table is what the three fault programs observe.
//!
//! To accept a new output or table after review: `cargo xtask bless`.

mod faults;
mod outputs;

use std::sync::OnceLock;

use book_support::programs;

/// Builds the programs on first use (`book_support::programs::build`); both checks wait for it.
fn built() -> Result<(), String> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT.get_or_init(programs::build).clone()
}
