//! Every command a page shows in a ```console block is one the tests run, as written, or one
//! the page says it does not run.
//!
//! - `cargo run -p PACKAGE …` with arguments, `--bin` or `--example`, `cargo check …` and
//!   `cargo package --list …` are run in the repository and must succeed: this test lists them
//!   in `tests/console-commands.txt` (compared by snapbox; `cargo xtask bless` rewrites it), and
//!   `tests/console_commands.rs` runs that list, so an edit of prose that leaves the commands
//!   alone does not run them again. `cargo run -p PACKAGE` alone runs the program
//!   `tests/programs/outputs.rs` runs and compares with its page. A command that fails on
//!   purpose says so in a comment the reader sees: `# exits 1: …`.
//! - `cargo test -p PACKAGE …` must name packages that a plain `cargo test` at the root tests
//!   (it does not run them a second time here).
//! - The copy-the-folder block of "Run it locally" (`cp -r examples/…`, `cd`, `cargo run`,
//!   `cargo test`) is what `tests/copy_out.rs` does; here its shape and its folder are checked.
//! - Any other command needs the words `**Not run:**` and a reason in the paragraph right above
//!   its block, where the reader sees them.
//!
//! A failure names the page and the line of the command.

use std::collections::BTreeSet;

use book_support::workspace::packages;
use book_support::{pages, root};

mod console_list;
use console_list::{Entry, LIST};

/// The paragraph right above a block says why its commands are not run.
const NOT_RUN: &str = "**Not run:**";

/// One ```console block: the page, its `$` lines with their line numbers, and the paragraph
/// right above it.
struct Block {
    page: String,
    commands: Vec<ShownCommand>,
    above: String,
}

/// A `$` line: its line number, the command, and the exit code its comment announces
/// (`# exits 1: …`), 0 by default.
#[derive(Debug, PartialEq)]
struct ShownCommand {
    line: usize,
    text: String,
    exits: i32,
}

fn blocks() -> Vec<Block> {
    pages::all()
        .iter()
        .flat_map(|(page, text)| blocks_in(&page.display().to_string(), text))
        .collect()
}

/// The ```console blocks of one page, quoted ones (`> `) included.
fn blocks_in(page: &str, text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.trim_start().trim_start_matches('>'))
        .collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("```console") {
            let mut above: Vec<&str> = lines[..i]
                .iter()
                .rev()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty())
                .copied()
                .collect();
            above.reverse();
            let mut commands = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                if let Some(command) = lines[i].trim_start().strip_prefix("$ ") {
                    // A trailing `# comment` explains the command to the reader.
                    let (text, comment) = command.split_once(" #").unwrap_or((command, ""));
                    let exits = comment
                        .trim()
                        .strip_prefix("exits ")
                        .and_then(|rest| rest.split(':').next()?.trim().parse().ok())
                        .unwrap_or(0);
                    commands.push(ShownCommand {
                        line: i + 1,
                        text: text.trim().to_owned(),
                        exits,
                    });
                }
                i += 1;
            }
            found.push(Block {
                page: page.to_owned(),
                commands,
                above: above.join("\n"),
            });
        }
        i += 1;
    }
    found
}

/// `-p NAME` (or `--package NAME`) arguments of a cargo command.
fn selected(words: &[&str]) -> Vec<String> {
    words
        .windows(2)
        .filter(|w| w[0] == "-p" || w[0] == "--package")
        .map(|w| w[1].to_owned())
        .collect()
}

/// A command a page shows that the tests run, and the line that shows it.
struct Listed {
    entry: Entry,
    line: usize,
}

/// Compares the list with the commands the pages show (snapbox; `cargo xtask bless` rewrites
/// it), and names the page and line of each command it lacks.
fn listed_as_shown(shown: &[Listed]) -> Vec<String> {
    let entries: BTreeSet<&Entry> = shown.iter().map(|s| &s.entry).collect();
    let text = console_list::text(entries.iter().copied());
    let Err(difference) = book_support::snapshot::check(&root().join(LIST), &text) else {
        return Vec::new();
    };
    let (in_file, not_entries) = console_list::read();
    let mut problems: Vec<String> = shown
        .iter()
        .filter(|s| !in_file.contains(&s.entry))
        .map(|s| {
            format!(
                "{}:{}: `{}` is not in {LIST}, whose commands tests/console_commands.rs runs",
                s.entry.page, s.line, s.entry.command
            )
        })
        .collect();
    problems.extend(
        in_file
            .iter()
            .filter(|entry| !entries.contains(entry))
            .map(|entry| {
                format!(
                    "{}: {LIST} lists it, and the page no longer shows it",
                    entry.line()
                )
            }),
    );
    problems.extend(
        not_entries
            .iter()
            .map(|line| format!("{LIST}: `{line}` is not `PAGE: COMMAND  # exits N`")),
    );
    problems.push(difference);
    problems
}

#[test]
fn every_command_a_page_shows_is_run_or_marked_not_run() {
    let packages = packages();
    let tested = |name: &str| packages.iter().any(|p| p.name == name && p.tested);
    let mut to_run: Vec<Listed> = Vec::new();
    let mut problems = Vec::new();
    let mut counts = [0usize; 4]; // run here, checked, copy-out, not run
    let blocks = blocks();
    // Every page's commands outside its copy-the-folder blocks.
    let mut page_commands: std::collections::HashMap<String, Vec<String>> = Default::default();
    for block in &blocks {
        if !block
            .commands
            .first()
            .is_some_and(|c| c.text.starts_with("cp -r "))
        {
            let commands = block.commands.iter().map(|c| c.text.clone());
            page_commands
                .entry(block.page.clone())
                .or_default()
                .extend(commands);
        }
    }
    for block in blocks {
        let Some(ShownCommand {
            line: first_line,
            text: first,
            ..
        }) = block.commands.first()
        else {
            continue;
        };
        let marked_not_run = block.above.contains(NOT_RUN);
        if let Some(rest) = first.strip_prefix("cp -r examples/") {
            // The copy-the-folder block: exactly what tests/copy_out.rs does.
            let folder = rest.split_whitespace().next().unwrap_or("");
            let at = format!("{}:{first_line}", block.page);
            let recipe = packages
                .iter()
                .find(|p| p.is_recipe() && p.dir == format!("examples/{folder}"));
            let shape: Vec<&str> = block.commands.iter().map(|c| c.text.as_str()).collect();
            let expected_cd = format!("cd {}", rest.split_whitespace().nth(1).unwrap_or("?"));
            let Some(recipe) = recipe else {
                problems.push(format!("{at}: examples/{folder} is no recipe package"));
                continue;
            };
            // After `cargo test`, one `cargo test --manifest-path DIR/Cargo.toml` for each crate
            // inside the folder that the page tests with `cargo test -p` in the repository: a
            // plain `cargo test` in the copy skips them.
            let inner = recipe.inner(&packages);
            let named: Vec<String> = page_commands
                .get(&block.page)
                .into_iter()
                .flatten()
                .filter(|c| c.starts_with("cargo test "))
                .flat_map(|c| selected(&c.split_whitespace().collect::<Vec<_>>()))
                .collect();
            let inner_tests = named.iter().filter_map(|name| {
                let package = inner.iter().find(|p| &p.name == name)?;
                Some(format!(
                    "cargo test --manifest-path {}",
                    package.manifest_in(recipe)
                ))
            });
            let expected: Vec<String> =
                [expected_cd.clone(), "cargo run".into(), "cargo test".into()]
                    .into_iter()
                    .chain(inner_tests)
                    .collect();
            if shape[1..] == expected[..] {
                counts[2] += 1;
            } else {
                problems.push(format!(
                    "{at}: a copy-the-folder block is `cp -r` then {expected:?}, as \
                     tests/copy_out.rs runs it; this one is {shape:?}"
                ));
            }
            continue;
        }
        for ShownCommand {
            line,
            text: command,
            exits,
        } in &block.commands
        {
            let at = format!("{}:{line}: `{command}`", block.page);
            let words: Vec<&str> = command.split_whitespace().collect();
            let unknown: Vec<String> = selected(&words)
                .into_iter()
                .filter(|p| !tested(p))
                .collect();
            match words.as_slice() {
                _ if marked_not_run => counts[3] += 1,
                ["cargo", "test"] => counts[1] += 1, // this very run
                ["cargo", "run" | "test" | "check" | "package", ..] if !unknown.is_empty() => {
                    problems.push(format!(
                        "{at}: names {unknown:?}, which is not a package `cargo test` tests"
                    ))
                }
                ["cargo", "run", "-p", _] | ["cargo", "test", "-p", ..] => counts[1] += 1,
                ["cargo", "run", "-p", ..]
                | ["cargo", "check", ..]
                | ["cargo", "package", "--list", ..] => {
                    to_run.push(Listed {
                        entry: Entry {
                            page: block.page.clone(),
                            command: command.clone(),
                            exits: *exits,
                        },
                        line: *line,
                    });
                }
                _ => problems.push(format!(
                    "{at}: not run by the tests; run it here (see tests/console.rs) or say why \
                     in the paragraph above its block, starting with {NOT_RUN}"
                )),
            }
        }
    }
    // Commands written in a sentence, `cargo run -p NAME` or `cargo test -p NAME`, must name a
    // package that `cargo test` tests (the programs themselves run in tests/programs/outputs.rs).
    for (page, text) in pages::all() {
        let page = page.display();
        for (n, line) in text.lines().enumerate() {
            for span in line.split('`').skip(1).step_by(2) {
                let words: Vec<&str> = span.split_whitespace().collect();
                if let ["cargo", "run" | "test", ..] = words.as_slice() {
                    // `NAME` and `…` are placeholders the sentence explains.
                    let placeholder = |p: &str| p.contains('…') || p == p.to_uppercase();
                    for name in selected(&words)
                        .iter()
                        .filter(|p| !placeholder(p) && !tested(p))
                    {
                        problems.push(format!(
                            "{page}:{}: `{span}` names {name:?}, which is not a package `cargo \
                             test` tests",
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    counts[0] = to_run.len();
    problems.extend(listed_as_shown(&to_run));
    println!(
        "console commands: {} run by tests/console_commands.rs, {} checked (run by this cargo \
         test), {} copy-the-folder blocks (tests/copy_out.rs), {} marked not run",
        counts[0], counts[1], counts[2], counts[3]
    );
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The parser of this test, on a page made for the purpose.
#[test]
fn a_command_is_read_with_its_line_and_without_its_comment() {
    let page = "Text.\n**Not run:** it uploads.\n\n```console\n$ cargo publish   # uploads\n\
                $ cargo run -p x -- y   # exits 2: no y\n```\n";
    let blocks = blocks_in("page.md", page);
    assert_eq!(blocks.len(), 1);
    let command = |line, text: &str, exits| ShownCommand {
        line,
        text: text.to_owned(),
        exits,
    };
    assert_eq!(
        blocks[0].commands,
        [
            command(5, "cargo publish", 0),
            command(6, "cargo run -p x -- y", 2)
        ]
    );
    assert!(blocks[0].above.contains(NOT_RUN));
    assert_eq!(
        selected(&["cargo", "run", "-p", "a", "--package", "b"]),
        ["a", "b"]
    );
}

#[test]
fn a_quoted_console_block_is_read_too() {
    let page = "> Try it:\n>\n> ```console\n> $ cargo run -p x -- --watch\n> ```\n";
    let blocks = blocks_in("page.md", page);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].commands[0].text, "cargo run -p x -- --watch");
    assert_eq!(blocks[0].commands[0].line, 4);
}
