//! What the book's checks (`tests/`, `tools/booktest`) and `cargo xtask` share:
//!
//! - [`workspace`]: the workspace's packages and the recipes among them, read with
//!   `cargo metadata`;
//! - [`pages`]: where a page shows a file (`src/<page>.md:LINE`), to name it first in a failure;
//! - [`programs`]: the recipes' programs and examples, built once as `cargo test` builds, and
//!   the test binaries;
//! - [`snapshot`]: files a test compares with what the code produces (outputs, drawings,
//!   messages), rewritten by `cargo xtask bless`;
//! - [`stamp`]: the hash line on the tables `cargo xtask bench-tables` writes.

pub mod pages;
#[cfg(feature = "workspace")]
pub mod programs;
#[cfg(feature = "snapshot")]
pub mod snapshot;
pub mod stamp;
#[cfg(feature = "workspace")]
pub mod workspace;

use std::path::{Path, PathBuf};

/// A file's text without its opening `//!` comment: what the copies of a file kept in several
/// recipe folders have in common (`tests/shared_copies.rs`), each comment saying where its copy
/// comes from.
pub fn without_opening_comment(text: &str) -> String {
    text.lines()
        .skip_while(|line| line.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The root of the book's repository.
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    here.canonicalize().unwrap_or(here)
}
