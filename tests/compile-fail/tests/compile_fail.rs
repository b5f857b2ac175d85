//! Every snippet the book shows as "does not compile" (```rust,compile_fail blocks include them
//! from tests/compile-fail/) must fail to compile with exactly the message in its `.stderr` file,
//! which the page shows too. A snippet that starts compiling, or whose message changes, fails here.
//! To accept a new compiler message after review: `cargo xtask bless`.
//!
//! trybuild writes its report straight to the terminal, so the first lines a reader of a failure
//! sees would be its own. The test runs trybuild in a copy of itself instead, and fails with one
//! line per failing case, naming the page that shows the case first, then trybuild's report.

use std::path::Path;
use std::process::Command;

use book_support::{pages, root};

const TEST: &str = "snippets_shown_as_not_compiling_fail_with_the_shown_message";
/// This package's folder, where the cases are, in the repository.
const CASES: &str = "tests/compile-fail";
/// Set in the copy that runs trybuild.
const RUN_TRYBUILD: &str = "COOKBOOK_RUN_TRYBUILD";

#[test]
fn snippets_shown_as_not_compiling_fail_with_the_shown_message() {
    if std::env::var_os(RUN_TRYBUILD).is_some() {
        trybuild::TestCases::new().compile_fail("ch10/**/*.rs");
        return;
    }
    let output = Command::new(std::env::current_exe().expect("this test's executable"))
        .args(["--exact", TEST, "--nocapture"])
        .env(RUN_TRYBUILD, "1")
        .output()
        .expect("run trybuild in a copy of this test");
    if output.status.success() {
        return;
    }
    let report = without_colours(&format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    ));
    let mut failed = failing_cases(&report);
    if failed.is_empty() {
        failed.push(format!("trybuild failed ({})", output.status));
    }
    panic!(
        "{}\nIf a new message is right: `cargo xtask bless`, and review `git diff`.\n\n{report}",
        failed.join("\n")
    );
}

// ANCHOR: edition_2015_test
/// The cases recipe 10.3 shows as "Rust 2015 style" were valid Rust 2015: this compiles each
/// with `--edition 2015`.
#[test]
fn edition_2015_accepted_what_edition_2024_refuses() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("ch10/10-03-relative-imports");
    // Cargo's scratch folder for integration tests, under target/
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("edition-2015");
    for case in ["bare_name_is_the_crate", "use_without_crate", "rooted_path"] {
        let run = Command::new("rustc")
            .args(["--edition", "2015", "--emit=metadata", "--color=never"])
            .arg("--out-dir")
            .arg(&out_dir)
            .arg(cases.join(format!("{case}.rs")))
            .output()
            .expect("run rustc");
        let said = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{case}.rs in Rust 2015:\n{said}");
    }
}
// ANCHOR_END: edition_2015_test

/// One line per case that trybuild's report does not call `ok`, starting with the page that
/// shows the case.
fn failing_cases(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|line| {
            let (case, outcome) = line.strip_prefix("test ")?.split_once(" ... ")?;
            // trybuild names a case by its path in this package; the book by its path in the
            // repository.
            let case = format!("{CASES}/{}", case.trim());
            (case.ends_with(".rs") && outcome.trim() != "ok").then(|| {
                let place = pages::first_place(&root().join(&case));
                let what = match outcome.trim() {
                    "mismatch" => {
                        "fails with another message than its .stderr, which the page shows"
                    }
                    _ => "does not fail as shown (it compiles, or trybuild could not check it)",
                };
                format!("{place}{case}: {what}; trybuild's report below")
            })
        })
        .collect()
}

/// A mismatch as trybuild 1.0 reports it (colours included) is named by its page first.
#[test]
fn a_failing_case_is_named_by_the_page_that_shows_it() {
    let report = "test \u{1b}[0m\u{1b}[1mch10/10-06-reloading-modules/static_refcell.rs\u{1b}[0m ... \u{1b}[0m\u{1b}[32mok\n\
                  test \u{1b}[0m\u{1b}[1mch10/10-06-reloading-modules/static_mut_reference.rs\u{1b}[0m ... \u{1b}[0m\u{1b}[1m\u{1b}[31mmismatch\n";
    let lines = failing_cases(&without_colours(report));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("src/ch10/10-06-module-state.md:")
            && lines[0].contains(
                "tests/compile-fail/ch10/10-06-reloading-modules/static_mut_reference.rs: fails with another message"
            ),
        "{}",
        lines[0]
    );
}

/// trybuild colours its report even into a pipe; the escapes would garble a CI log.
/// (Hand-written: one loop is shorter than a dependency for `ESC [ … m`.)
fn without_colours(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}
