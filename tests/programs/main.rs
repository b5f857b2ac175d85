//! The recipes' programs, run as a reader runs them, in one test binary so that they are built
//! once and the checks run side by side:
//!
//! - [`outputs`]: every program prints the `output.txt` its page shows;
//! - [`faults`]: 10.6's fault table is what the three fault programs observe;
//! - [`counts`]: every "`cargo test -p NAME` runs N tests" on a page is what it runs.
//!
//! To accept a new output or table after review: `cargo xtask bless`.

mod counts;
mod faults;
mod outputs;

use std::sync::OnceLock;

use book_support::programs;

/// Builds the programs on first use (`book_support::programs::build`), and returns the test
/// binaries among what it built; every check waits for it.
fn built() -> Result<&'static [programs::TestBinary], String> {
    static BUILT: OnceLock<Result<Vec<programs::TestBinary>, String>> = OnceLock::new();
    match BUILT.get_or_init(programs::build) {
        Ok(binaries) => Ok(binaries),
        Err(error) => Err(error.clone()),
    }
}
