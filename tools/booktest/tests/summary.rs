//! "How this book is tested" shows how many blocks of each kind the book has (`counts.txt`).
//! Its own test binary, named to run after `snippets`: Cargo runs a package's test binaries in
//! the order of their names, and stops at the first that fails, so a new block that does not
//! compile is reported before the count it changed.

use std::fs;

use book_support::root;

use booktest::{assert_none, summary};

/// "How this book is tested" shows the counts by including `counts.txt`: it must be current.
#[test]
fn the_counts_the_book_shows_are_current() {
    let file = root().join("tools/booktest/tests/counts.txt");
    let now = summary();
    let page = "src/how-this-book-is-tested.md";
    let line = fs::read_to_string(root().join(page))
        .expect("read the page")
        .lines()
        .position(|l| l.contains("tests/counts.txt"))
        .map_or(0, |n| n + 1);
    assert!(
        line > 0,
        "{page} no longer includes tools/booktest/tests/counts.txt"
    );
    // Compared by snapbox; `cargo xtask bless` rewrites the file.
    assert_none(&match book_support::snapshot::check(&file, &now) {
        Ok(()) => Vec::new(),
        Err(difference) => vec![format!(
            "{page}:{line}: shows the counts of tools/booktest/tests/counts.txt, not the book's \
             now\n{difference}"
        )],
    });
}
