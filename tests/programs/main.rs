//! The recipes' programs, run as a reader runs them, in one test binary so that they are built
//! once and the checks run side by side:
//!
//! - [`outputs`]: every program prints the `output.txt` its page shows;
//! - [`faults`]: 10.6's fault table is what the three fault programs observe.
//!
//! They read the recipes' folders and the fault table (`src/ch10/faults/`), never the pages'
//! prose, which the root `Cargo.toml` declares to the test cache; the check that reads what
//! pages say about tests is `tests/counts.rs`.
//!
//! To accept a new output or table after review: `cargo xtask bless`.

mod faults;
mod outputs;

use std::sync::OnceLock;

use book_support::programs::{self, Build};

/// Builds the recipes' programs and the examples on first use (`Build::Programs`, with
/// `book_support::programs::build`); both checks wait for it.
fn built() -> Result<(), String> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT
        .get_or_init(|| programs::build(Build::Programs).map(drop))
        .clone()
}
