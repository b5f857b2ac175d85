//! Wires the book's checks into cargo: `book_check::run` (tools/book-check) expands the book
//! with mdBook's own preprocessor, checks it and writes the tests' inputs into `OUT_DIR`; this
//! tells cargo what to watch and prints its refusals.
//!
//! Refusals are `cargo::error=` lines, which cargo prints first (`error: booktest@…: src/…`).

use std::env;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("workspace root");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let report = book_check::run(&root, &manifest_dir, &out_dir);
    for file in &report.watched {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    for warning in &report.warnings {
        println!("cargo:warning={warning}");
    }
    if !report.errors.is_empty() {
        fail(&report.errors);
    }
}

/// Reports every refusal as a `cargo::error=` line, which cargo prints first and as it is
/// (`error: booktest@0.1.0: src/ch10/page.md:LINE: …`), and fails the build with them.
fn fail(errors: &[String]) -> ! {
    for error in errors {
        println!("cargo::error={}", error.replace(['\n', '\r'], " "));
    }
    println!(
        "cargo::error=the book is not consistent with its code ({} problem(s) above)",
        errors.len()
    );
    // Success, with errors logged: cargo then shows only them, not this script's other output.
    std::process::exit(0);
}
