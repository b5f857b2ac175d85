//! What `build.rs` tells the tests about the book's blocks: `tests/tally.rs` includes the
//! list it writes (`blocks.rs` in `OUT_DIR`, a `BLOCKS` of these [`Block`]s) and accounts for
//! them. The blocks themselves are tested by `tests/snippets.rs`, through `block-runner`.
//!
//! The list is included by the test, not here: cargo rebuilds every target of this package
//! after the build script reruns (after any page edit), and a library without the list is
//! rebuilt in a moment.

use std::collections::BTreeMap;

use book_check::classify::Kind;

/// One Rust block of the book: where it is, how it is tested, what its code names.
pub struct Block {
    pub chapter: &'static str,
    pub line: usize,
    pub kind: Kind,
    pub info: &'static str,
    pub included: &'static str,
    /// Names its code starts paths from that it does not declare (crates, among others).
    pub roots: &'static [&'static str],
    /// Modules it declares in other files (`mod name;`).
    pub file_modules: &'static [&'static str],
}

/// How many of `blocks` are of each kind, one line (`tests/counts.txt` holds the book's).
pub fn summary(blocks: &[Block]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in blocks {
        *counts.entry(b.kind.name()).or_default() += 1;
    }
    format!(
        "book blocks: {} Rust blocks: {} run by skeptic, {} shown from code Cargo builds and tests, \
         {} checked to fail to compile, {} ignored with a reason\n",
        blocks.len(),
        counts.get("skeptic").unwrap_or(&0),
        counts.get("example").unwrap_or(&0),
        counts.get("compile_fail").unwrap_or(&0),
        counts.get("ignored").unwrap_or(&0),
    )
}

/// Fails with the problems, each (page:line first) on its own line of the test's output before
/// the panic message, so the first line of a failure names a page.
pub fn assert_none(problems: &[String]) {
    for problem in problems {
        eprintln!("{problem}");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s), listed above",
        problems.len()
    );
}
