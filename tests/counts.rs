//! A page that says "`cargo test -p NAME` runs N tests" is held to it: this check lists the
//! tests of that package's test binaries (`--list`; benchmarks, which `cargo test` runs once,
//! are not counted) and compares. A count it breaks down, "(2 in the library, 31 in the
//! program, 1 in `tests/sighup.rs`)", is checked part by part, and "(and ignores one …)"
//! (or "(…; and ignores one …)" after the parts) against the ignored tests. The binaries are
//! those `cargo build --tests` builds (`book_support::programs::build`), which are the ones
//! `cargo test` runs. A failure names the page and the line.

use std::collections::BTreeMap;
use std::process::Command;

use book_support::pages;
use book_support::programs::{self, Build, TestBinary};
use book_support::workspace::packages;
use cargo_metadata::TargetKind;

/// What a page claims, and where.
struct Claim {
    at: String,
    package: String,
    total: usize,
    ignored: usize,
    /// ("library" | "program" | "`tests/NAME.rs`", count)
    parts: Vec<(String, usize)>,
}

fn number(word: &str) -> Option<usize> {
    match word {
        "one" => Some(1),
        "two" => Some(2),
        "three" => Some(3),
        _ => word.replace(',', "").parse().ok(),
    }
}

/// Every claim of every page. A paragraph is read as one line, so a claim may wrap.
fn claims() -> Vec<Claim> {
    let mut found = Vec::new();
    for (page, text) in pages::all() {
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let Some(start) = line.find("`cargo test -p ") else {
                continue;
            };
            // The claim, and the rest of its paragraph.
            let mut rest = line[start..].to_owned();
            for next in lines
                .iter()
                .skip(n + 1)
                .take_while(|l| !l.trim().is_empty())
            {
                rest.push(' ');
                rest.push_str(next.trim());
            }
            let Some(command) = rest.strip_prefix("`cargo test -p ") else {
                continue;
            };
            let Some((package, after)) = command.split_once("` runs ") else {
                continue;
            };
            let Some((count, after)) = after.split_once(" tests") else {
                continue;
            };
            let Some(total) = number(count) else {
                continue;
            };
            let mut claim = Claim {
                at: format!("{}:{}", page.display(), n + 1),
                package: package.to_owned(),
                total,
                ignored: 0,
                parts: Vec::new(),
            };
            if let Some(inside) = after
                .strip_prefix(" (")
                .and_then(|inside| inside.split_once(')'))
                .map(|(inside, _)| inside)
            {
                // "(2 in the library, 31 in the program; and ignores one: …)", or either half.
                let (parts, ignored) = match inside.split_once("; and ignores ") {
                    Some((parts, ignored)) => (Some(parts), Some(ignored)),
                    None => match inside.strip_prefix("and ignores ") {
                        Some(ignored) => (None, Some(ignored)),
                        None => (Some(inside), None),
                    },
                };
                if let Some(ignored) = ignored {
                    let word = ignored.split([' ', ':', ',']).next().unwrap_or("");
                    claim.ignored = number(word).unwrap_or(usize::MAX);
                }
                if let Some(parts) = parts {
                    for part in parts.split(", ") {
                        let (count, place) = part.split_once(" in ").unwrap_or((part, ""));
                        let place = place.trim_start_matches("the ");
                        claim
                            .parts
                            .push((place.to_owned(), number(count).unwrap_or(usize::MAX)));
                    }
                }
            }
            found.push(claim);
        }
    }
    found
}

/// Where a binary's tests are, in the words pages use; `None` for a benchmark.
fn place(binary: &TestBinary) -> Option<String> {
    if binary.kinds.contains(&TargetKind::Bench) {
        None
    } else if binary.kinds.contains(&TargetKind::Lib) {
        Some("library".to_owned())
    } else if binary.kinds.contains(&TargetKind::Bin) {
        Some("program".to_owned())
    } else {
        Some(format!("`tests/{}.rs`", binary.name))
    }
}

/// How many tests a binary runs (`--list`), and how many it ignores.
fn listed(binary: &TestBinary) -> (usize, usize) {
    let count = |ignored: bool| {
        let mut command = Command::new(&binary.executable);
        command.args(["--list", "--format", "terse"]);
        if ignored {
            command.arg("--ignored");
        }
        let output = command
            .current_dir(&binary.package_dir)
            .output()
            .unwrap_or_else(|error| panic!("{}: {error}", binary.executable.display()));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| line.ends_with(": test"))
            .count()
    };
    let ignored = count(true);
    (count(false) - ignored, ignored)
}

#[test]
fn every_test_count_a_page_gives_is_what_cargo_test_runs() {
    let claims = claims();
    assert!(!claims.is_empty(), "no page says how many tests it runs");
    let binaries = match programs::build(Build::Tests) {
        Ok(binaries) => binaries,
        Err(error) => panic!("{}: {error}", claims[0].at),
    };
    let packages = packages();
    let mut problems = Vec::new();
    for claim in &claims {
        let Some(package) = packages.iter().find(|p| p.name == claim.package) else {
            problems.push(format!("{}: no package {}", claim.at, claim.package));
            continue;
        };
        let dir = package.path();
        let mut counted: BTreeMap<String, usize> = BTreeMap::new();
        let mut ignored = 0;
        for binary in binaries.iter().filter(|binary| binary.package_dir == dir) {
            let Some(place) = place(binary) else {
                continue;
            };
            let (run, skipped) = listed(binary);
            *counted.entry(place).or_default() += run;
            ignored += skipped;
        }
        if counted.is_empty() {
            problems.push(format!(
                "{}: `cargo test -p {}` builds no test binary",
                claim.at, claim.package
            ));
            continue;
        }
        let total: usize = counted.values().sum();
        if total != claim.total || ignored != claim.ignored {
            problems.push(format!(
                "{}: the page says {} tests ({} ignored); `cargo test -p {}` runs {total} \
                 ({ignored} ignored): {counted:?}",
                claim.at, claim.total, claim.ignored, claim.package
            ));
        }
        for (place, count) in &claim.parts {
            let actual = counted.get(place).copied().unwrap_or(0);
            if actual != *count {
                problems.push(format!(
                    "{}: the page says {count} in {place}; there are {actual}",
                    claim.at
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}
