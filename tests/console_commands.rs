//! Runs the commands the book's console blocks show, as `tests/console.rs` lists them in
//! `tests/console-commands.txt`: each in the repository, offline, and each must end as its
//! page says (with success, or with the exit code its `# exits N` comment announces).
//!
//! This test reads the list and the recipes, not the pages' prose (root `Cargo.toml`,
//! `[package.metadata.test-cache]`), so an edit of prose does not run the commands again; it
//! reads a page only to name the line of a command that failed.

use std::fs;
use std::process::Command;

use book_support::root;

mod console_list;
use console_list::LIST;

/// `PAGE:LINE` of the `$` line that shows `command`, or the page alone.
fn shown_at(page: &str, command: &str) -> String {
    let text = fs::read_to_string(root().join(page)).unwrap_or_default();
    let line = text.lines().position(|line| {
        let line = line.trim_start().trim_start_matches('>').trim_start();
        line.strip_prefix("$ ")
            .is_some_and(|shown| shown.split(" #").next().unwrap_or("").trim() == command)
    });
    match line {
        Some(n) => format!("{page}:{}", n + 1),
        None => page.to_owned(),
    }
}

/// Runs `cargo ARGS` in the repository, offline and quiet; returns what went wrong.
fn run_cargo(args: &[&str], exits: i32) -> Result<(), String> {
    let (before, after) = match args.iter().position(|a| *a == "--") {
        Some(at) => args.split_at(at),
        None => (args, &[][..]),
    };
    let out = Command::new(env!("CARGO"))
        .args(before)
        .args(["--offline", "--quiet"])
        .args(after)
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if args.first() == Some(&"check") && stderr.lines().any(|l| l.starts_with("warning")) {
        // A build a page shows must be clean, as `.ci/run` wants every build.
        return Err(format!("warns:\n{stderr}"));
    }
    if out.status.code() == Some(exits) {
        Ok(())
    } else {
        Err(format!(
            "the page says it exits with {exits}; it exited with {}:\n{}",
            out.status, stderr
        ))
    }
}

#[test]
fn every_listed_command_ends_as_its_page_says() {
    let (listed, not_entries) = console_list::read();
    assert!(
        not_entries.is_empty(),
        "{LIST}: lines that are not `PAGE: COMMAND  # exits N`: {not_entries:?}"
    );
    assert!(!listed.is_empty(), "{LIST} lists nothing");
    // Independent commands: side by side.
    let failed: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = listed
            .iter()
            .map(|l| {
                scope.spawn(move || {
                    let words: Vec<&str> = l.command.split_whitespace().skip(1).collect();
                    run_cargo(&words, l.exits)
                        .err()
                        .map(|e| format!("{}: `{}`: {e}", shown_at(&l.page, &l.command), l.command))
                })
            })
            .collect();
        runs.into_iter()
            .filter_map(|r| r.join().expect("command runner panicked"))
            .collect()
    });
    println!("console commands run: {}", listed.len());
    assert!(failed.is_empty(), "\n{}\n", failed.join("\n"));
}
