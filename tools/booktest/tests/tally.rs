//! Accounts for every Rust block of the book: each is tested by skeptic, checked to fail to
//! compile by trybuild, shown from an example that Cargo builds and tests, or `ignore`d with a
//! reason the reader sees (build.rs enforces the reason). Prints the counts, and checks the
//! ones "How this book is tested" shows (`counts.txt`).
//!
//! Named to run after `snippets`: Cargo runs a package's test binaries in the order of their
//! names, and stops at the first that fails, so a new block that does not compile is reported
//! before the count it changed.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use book_check::classify::Kind;
use book_support::root;
use book_support::workspace::{owner, packages};
use walkdir::WalkDir;

use booktest::{Block, assert_none, summary};

// The book's blocks as build.rs sorted them: `pub const BLOCKS: &[Block] = &[…]`.
include!(concat!(env!("OUT_DIR"), "/blocks.rs"));

#[test]
fn every_rust_block_is_accounted_for() {
    let packages = packages();
    let mut problems = Vec::new();
    for b in BLOCKS {
        let at = format!("{}:{}: ```{}", b.chapter, b.line, b.info);
        match b.kind {
            Kind::Skeptic | Kind::Ignored => {}
            Kind::Example => {
                // The shown file must be part of a package that `cargo test` builds and tests.
                match owner(&packages, b.included) {
                    None => problems.push(format!(
                        "{at}: {} is in no package of the workspace",
                        b.included
                    )),
                    Some(p) if !p.tested => problems.push(format!(
                        "{at}: {} is not a default member of the workspace, so `cargo test` \
                         does not build it",
                        p.dir
                    )),
                    Some(_) => {}
                }
                if !root().join(b.included).exists() {
                    problems.push(format!("{at}: {} does not exist", b.included));
                }
            }
            Kind::CompileFail => {
                // The chapter must show the compiler's message right there, from the .stderr
                // file trybuild compares against.
                let stderr = Path::new(b.included).with_extension("stderr");
                let chapter = fs::read_to_string(root().join(b.chapter)).expect("read chapter");
                let file_name = stderr
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                if !chapter.contains(&file_name) {
                    problems.push(format!(
                        "{at}: shows {} but not the compiler message in {}",
                        b.included,
                        stderr.display()
                    ));
                }
            }
        }
    }
    // Straight to the terminal: the test harness would swallow println! of a passing test.
    let _ = std::io::stdout().write_all(summary(BLOCKS).as_bytes());
    assert_none(&problems);
}

#[test]
fn every_rust_file_under_examples_belongs_to_a_package_cargo_test_tests() {
    let packages = packages();
    let mut problems = Vec::new();
    let walk = WalkDir::new(root().join("examples")).into_iter();
    for entry in walk.filter_entry(|e| e.file_name() != "target") {
        let entry = entry.expect("read examples/");
        let relative = entry
            .path()
            .strip_prefix(root())
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        if !relative.ends_with(".rs") {
            continue;
        }
        match owner(&packages, &relative) {
            None => problems.push(format!("{relative} is in no package of the workspace")),
            Some(p) if !p.tested => problems.push(format!(
                "{relative}: its package {} is not a default member of the workspace",
                p.dir
            )),
            Some(_) => {}
        }
    }
    assert_none(&problems);
}

/// A reader finds the page of any program in one hop, and a compile error in a program names
/// its page: the package `examples/ch10/10-06-<name>/` belongs to a page
/// `src/ch10/10-06-<title>.md`, which shows it.
#[test]
fn every_recipe_package_mirrors_the_chapter_that_shows_it() {
    let mut problems = Vec::new();
    for package in packages() {
        // examples/<chapter dir>/<NN-MM>-<name>
        let parts: Vec<&str> = package.dir.split('/').collect();
        let [first, chapter_dir, program_dir] = parts.as_slice() else {
            continue; // the root package, the tools, or a crate inside a recipe's folder
        };
        if *first != "examples" {
            continue;
        }
        let recipe: String = program_dir.split('-').take(2).collect::<Vec<_>>().join("-");
        let pages: Vec<PathBuf> = fs::read_dir(root().join("src").join(chapter_dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|page| {
                page.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{recipe}-")))
            })
            .collect();
        let shown = pages.iter().any(|page| {
            fs::read_to_string(page)
                .is_ok_and(|text| text.contains(&format!("examples/{chapter_dir}/{program_dir}/")))
        });
        if !shown {
            problems.push(format!(
                "{}: no page src/{chapter_dir}/{recipe}-*.md shows examples/{chapter_dir}/{program_dir}/",
                package.dir
            ));
        }
    }
    assert_none(&problems);
}

/// Crates the mdBook playground may run besides the standard library. None: the playground's
/// list (its top crates of crates.io) cannot be checked offline, and no block of the book needs
/// one; add a crate here only after checking the playground carries it.
const PLAYGROUND_CRATES: &[&str] = &[];

/// Every crate name a block could refer to: the packages of `Cargo.lock` and the names the
/// workspace's packages give their dependencies (`tiny1 = { package = "tiny", … }`).
fn known_crates() -> BTreeSet<String> {
    let lock: toml::Table = fs::read_to_string(root().join("Cargo.lock"))
        .expect("read Cargo.lock")
        .parse()
        .expect("parse Cargo.lock");
    let mut names: BTreeSet<String> = lock["package"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
        .map(|n| n.replace('-', "_"))
        .collect();
    for package in packages() {
        names.extend(
            package
                .renamed_dependencies
                .iter()
                .map(|r| r.replace('-', "_")),
        );
    }
    names
}

/// mdBook puts a Run button on every Rust block unless its fence says `noplayground` (or
/// `ignore`). The button sends the block's code, hidden lines included, to the Rust playground,
/// which has the standard library and its own list of crates, and one file. So a block must carry
/// the marker when its code uses a crate outside `PLAYGROUND_CRATES`, declares a module kept in
/// another file (`mod name;`), or is a part of a program (a module file, or a library) rather
/// than a whole one. Blocks written in a page and compile_fail cases are whole programs.
#[test]
fn the_run_button_shows_only_on_blocks_the_playground_can_run() {
    let known = known_crates();
    let mut problems = Vec::new();
    let mut runnable = 0;
    for b in BLOCKS {
        // As mdBook splits the info string into classes.
        let classes: Vec<&str> = b.info.split([' ', '\t', ',']).collect();
        if classes
            .iter()
            .any(|c| matches!(*c, "noplayground" | "noplaypen" | "ignore"))
        {
            continue;
        }
        let mut reasons = Vec::new();
        let crates: Vec<&str> = b
            .roots
            .iter()
            .copied()
            .filter(|r| known.contains(*r) && !PLAYGROUND_CRATES.contains(r))
            .collect();
        if !crates.is_empty() {
            reasons.push(format!(
                "its code uses {} (the playground runs the standard library only here)",
                crates.join(", ")
            ));
        }
        if !b.file_modules.is_empty() {
            reasons.push(format!(
                "it declares `mod {};`, a file the playground does not have",
                b.file_modules.join(";`, `mod ")
            ));
        }
        if b.kind == Kind::Example && !b.included.ends_with("/main.rs") {
            reasons.push(format!(
                "it is a part of a program ({}), not a whole program",
                b.included
            ));
        }
        if reasons.is_empty() {
            runnable += 1;
        } else {
            problems.push(format!(
                "{}:{}: ```{}: the playground cannot run this block: {}. Write its fence as \
                 ```{},noplayground so mdBook shows no Run button.",
                b.chapter,
                b.line,
                b.info,
                reasons.join("; "),
                b.info.trim()
            ));
        }
    }
    let _ = std::io::stdout()
        .write_all(format!("playground: {runnable} Rust block(s) with a Run button\n").as_bytes());
    assert_none(&problems);
}

/// "How this book is tested" shows the counts by including `counts.txt`: it must be current.
#[test]
fn the_counts_the_book_shows_are_current() {
    let file = root().join("tools/booktest/tests/counts.txt");
    let now = summary(BLOCKS);
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
