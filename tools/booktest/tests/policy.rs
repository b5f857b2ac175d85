//! Accounts for every Rust block of the book: each is tested by skeptic, checked to fail to
//! compile by trybuild, shown from an example that Cargo builds and tests, or `ignore`d with a
//! reason the reader sees (build.rs enforces the reason). Prints the counts.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

struct Block {
    chapter: &'static str,
    line: usize,
    kind: &'static str,
    info: &'static str,
    included: &'static str,
    /// Names its code starts paths from that it does not declare (crates, among others).
    roots: &'static [&'static str],
    /// Modules it declares in other files (`mod name;`).
    file_modules: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/blocks.rs"));

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `[[example]]` targets of the companion crate: name -> (path, test).
fn examples() -> BTreeMap<String, (String, bool)> {
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml"))
        .expect("read Cargo.toml")
        .parse()
        .expect("parse Cargo.toml");
    manifest
        .get("example")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .map(|e| {
            let name = e["name"].as_str().expect("example name").to_owned();
            let path = e["path"].as_str().expect("example path").to_owned();
            let test = e.get("test").and_then(|t| t.as_bool()).unwrap_or(false);
            (name, (path, test))
        })
        .collect()
}

/// `crates/NAME` directories that `cargo test` at the root builds: default members of the
/// workspace and path dependencies of the companion crate.
fn crates_built_by_cargo_test() -> BTreeSet<String> {
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml"))
        .expect("read Cargo.toml")
        .parse()
        .expect("parse Cargo.toml");
    let mut built = BTreeSet::new();
    let members = manifest["workspace"].get("default-members");
    for member in members.and_then(|m| m.as_array()).into_iter().flatten() {
        built.extend(member.as_str().map(str::to_owned));
    }
    for table in ["dependencies", "dev-dependencies"] {
        let deps = manifest.get(table).and_then(|t| t.as_table());
        for (_, dep) in deps.into_iter().flatten() {
            built.extend(dep.get("path").and_then(|p| p.as_str()).map(str::to_owned));
        }
    }
    built
}

#[test]
fn every_rust_block_is_accounted_for() {
    let examples = examples();
    let example_dirs: BTreeSet<PathBuf> = examples
        .values()
        .map(|(path, _)| Path::new(path).parent().expect("example dir").to_owned())
        .collect();
    let built_crates = crates_built_by_cargo_test();
    let mut problems = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in BLOCKS {
        *counts.entry(b.kind).or_default() += 1;
        let at = format!("{}:{}: ```{}", b.chapter, b.line, b.info);
        match b.kind {
            "skeptic" | "ignored" => {}
            "example" if b.included.starts_with("crates/") => {
                // A workspace crate: `cargo test` must build it (a default member, or a path
                // dependency of the companion crate).
                let dir = b.included.split('/').take(2).collect::<Vec<_>>().join("/");
                if !built_crates.contains(&dir) {
                    problems.push(format!(
                        "{at}: {dir} is neither a default member of the workspace nor a path \
                         dependency of the companion crate, so `cargo test` does not build it"
                    ));
                }
            }
            "example" => {
                // The shown file must be compiled as part of an example target that runs its tests:
                // it lies in the folder of the example's main.rs, or in a folder below it (module
                // files such as `graphics/primitive/line.rs`).
                let owner = examples.values().find(|(path, _)| {
                    let dir = Path::new(path).parent().expect("example dir");
                    Path::new(b.included).starts_with(dir)
                });
                match owner {
                    None => problems.push(format!(
                        "{at}: {} is not part of any [[example]] in Cargo.toml (known dirs: {:?})",
                        b.included, example_dirs
                    )),
                    Some((_, false)) => problems.push(format!(
                        "{at}: the example holding {} must set `test = true`",
                        b.included
                    )),
                    Some(_) => {}
                }
                if !root().join(b.included).exists() {
                    problems.push(format!("{at}: {} does not exist", b.included));
                }
            }
            "compile_fail" => {
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
            other => problems.push(format!("{at}: unknown kind {other}")),
        }
    }
    // Straight to the terminal: the test harness would swallow println! of a passing test.
    let _ = std::io::stdout().write_all(summary(&counts).as_bytes());
    assert_none(&problems);
}

/// The counts `every_rust_block_is_accounted_for` prints, one line.
fn summary(counts: &BTreeMap<&str, usize>) -> String {
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
fn assert_none(problems: &[String]) {
    for problem in problems {
        eprintln!("{problem}");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s), listed above",
        problems.len()
    );
}

/// "How this book is tested" shows the counts by including `counts.txt`: it must be current.
#[test]
fn the_counts_the_book_shows_are_current() {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in BLOCKS {
        *counts.entry(b.kind).or_default() += 1;
    }
    let file = root().join("tools/booktest/tests/counts.txt");
    let now = summary(&counts);
    if std::env::var_os("UPDATE_OUTPUT").is_some() {
        fs::write(&file, &now).expect("write counts.txt");
    }
    let shown = fs::read_to_string(&file).unwrap_or_default();
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
    assert_none(&if shown == now {
        Vec::new()
    } else {
        vec![format!(
            "{page}:{line}: shows the counts of tools/booktest/tests/counts.txt, {shown:?}, but \
             the book has {now:?}: run UPDATE_OUTPUT=1 cargo test -p booktest --test policy"
        )]
    });
}

#[test]
fn every_program_under_examples_is_an_example_target_that_runs_its_tests() {
    let examples = examples();
    let declared: BTreeSet<String> = examples.values().map(|(p, _)| p.clone()).collect();
    let mut problems = Vec::new();
    let mut stack = vec![root().join("examples")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read examples dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "main.rs") {
                let relative = path
                    .strip_prefix(root())
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                if !declared.contains(&relative) {
                    problems.push(format!("{relative} has no [[example]] entry in Cargo.toml"));
                }
            }
        }
    }
    for (name, (path, test)) in &examples {
        if !test {
            problems.push(format!("example {name} ({path}) must set `test = true`"));
        }
        if !root().join(path).exists() {
            problems.push(format!("example {name}: {path} does not exist"));
        }
    }
    assert_none(&problems);
}

/// A reader finds the page of any program in one hop, and a compile error in a program names
/// its page: `examples/ch10/10-06-<name>/` belongs to `src/ch10/10-06-<title>.md`, which shows it.
#[test]
fn every_example_mirrors_the_chapter_that_shows_it() {
    let mut problems = Vec::new();
    for (name, (path, _)) in examples() {
        // examples/<chapter dir>/<NN-MM>-<name>/main.rs
        let parts: Vec<&str> = path.split('/').collect();
        let [_, chapter_dir, program_dir, _] = parts.as_slice() else {
            problems.push(format!(
                "{name}: {path} is not examples/<chapter>/<recipe>/main.rs"
            ));
            continue;
        };
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
                "{name}: no page src/{chapter_dir}/{recipe}-*.md shows examples/{chapter_dir}/{program_dir}/"
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
/// companion crate gives its dependencies (`tiny1 = { package = "tiny", … }`).
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
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml"))
        .expect("read Cargo.toml")
        .parse()
        .expect("parse Cargo.toml");
    for table in ["dependencies", "dev-dependencies"] {
        let deps = manifest.get(table).and_then(|t| t.as_table());
        names.extend(deps.into_iter().flatten().map(|(k, _)| k.replace('-', "_")));
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
        if b.kind == "example" && !b.included.ends_with("/main.rs") {
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
