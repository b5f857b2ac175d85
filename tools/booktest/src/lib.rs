//! The book's blocks as `build.rs` sorted them (`blocks.rs` in `OUT_DIR`), for the tests that
//! account for them (`tests/policy.rs`, `tests/summary.rs`). The blocks themselves are tested
//! by `tests/snippets.rs`, through `block-runner`.

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

include!(concat!(env!("OUT_DIR"), "/blocks.rs"));

/// How many blocks of each kind the book has, one line (`counts.txt` holds it).
pub fn summary() -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in BLOCKS {
        *counts.entry(b.kind.name()).or_default() += 1;
    }
    format!(
        "book blocks: {} Rust blocks: {} run by skeptic, {} shown from code Cargo builds and tests, \
         {} checked to fail to compile, {} ignored with a reason\n",
        BLOCKS.len(),
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
