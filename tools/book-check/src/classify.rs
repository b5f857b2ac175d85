//! Sorts every Rust block of a page into how it is tested ([`Kind`]), and refuses a block
//! that cannot be tested: no language, no visible line, a `compile_fail` block that is not an
//! include of a trybuild case with its message, an `ignore` without the reason shown.

use std::path::Path;

use crate::blocks::{fences, info_tokens, only_directive};
use crate::check::{is_hidden, normalize, shown_path};
use crate::rust_uses;

/// How a Rust block is tested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Compiled and run by skeptic, as it reads after expansion.
    Skeptic,
    /// Shown from a file under `examples/` or `tests/`: built and tested by Cargo.
    Example,
    /// Included from `tests/compile-fail/`: trybuild checks it fails with the shown message.
    CompileFail,
    /// `ignore`d, with the reason shown to the reader.
    Ignored,
}

impl Kind {
    /// How the book's counts name it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Skeptic => "skeptic",
            Kind::Example => "example",
            Kind::CompileFail => "compile_fail",
            Kind::Ignored => "ignored",
        }
    }
}

/// A Rust block of the book, sorted.
pub struct Block {
    /// `src/ch10/page.md`, or `README.md`.
    pub chapter: String,
    /// The line of its opening fence, as written.
    pub line: usize,
    pub kind: Kind,
    /// Its info string (`rust,noplayground`…).
    pub info: String,
    /// The file it includes, relative to the repository (empty when written in the page).
    pub included: String,
    /// skeptic's test name stem and line, for the blocks skeptic tests.
    pub skeptic_name_suffix: Option<(String, usize)>,
    /// What its code (hidden lines included) names outside itself: for the Run-button policy.
    pub uses: rust_uses::Uses,
}

/// The reason an `ignore`d block must carry, in the paragraph right above it.
pub const IGNORE_REASON: &str = "**Not run:**";

/// One document to sort: a page (or the README) as written and after its includes.
pub struct Doc<'a> {
    /// `src/ch10/page.md`, or `README.md`.
    pub shown: &'a str,
    /// The directory its includes are relative to.
    pub chapter_dir: &'a Path,
    pub source: &'a str,
    pub expanded: &'a str,
    /// skeptic's test name stem for it.
    pub stem: &'a str,
}

/// Sorts the blocks of one document, checks each can be tested, and returns the copy of the
/// expanded document that skeptic reads (blocks tested elsewhere fenced as `text`).
pub fn classify(
    root: &Path,
    doc: &Doc<'_>,
    blocks: &mut Vec<Block>,
    errors: &mut Vec<String>,
) -> String {
    let Doc {
        shown,
        chapter_dir,
        source,
        expanded,
        stem,
    } = *doc;
    let source_fences = fences(source);
    let expanded_fences = fences(expanded);
    if source_fences.len() != expanded_fences.len() {
        errors.push(format!(
            "{shown}: {} fenced blocks as written but {} after includes: an included file \
             contains a ``` fence, which breaks the page",
            source_fences.len(),
            expanded_fences.len()
        ));
        return expanded.to_owned();
    }
    let source_lines: Vec<&str> = source.lines().collect();
    let mut copy_lines: Vec<String> = expanded.lines().map(str::to_owned).collect();
    for (src, exp) in source_fences.iter().zip(&expanded_fences) {
        let at = format!("{shown}:{}", src.fence_line);
        if src.info.trim().is_empty() {
            errors.push(format!(
                "{at}: fenced block without a language: write ```rust, ```text, ```console, …"
            ));
            continue;
        }
        let tokens = info_tokens(&src.info);
        if !tokens.contains(&"rust") {
            continue;
        }
        if !exp
            .text
            .lines()
            .any(|l| !l.trim().is_empty() && !is_hidden(l))
        {
            errors.push(format!(
                "{at}: this Rust block renders with no visible line (a misspelled anchor, or an \
                 include of hidden lines only)"
            ));
            continue;
        }
        let included = only_directive(&src.text)
            .as_ref()
            .map(|d| shown_path(root, &normalize(&chapter_dir.join(&d.path))))
            .unwrap_or_default();

        let kind = if tokens.contains(&"compile_fail") {
            if !included.starts_with("tests/compile-fail/") || !included.ends_with(".rs") {
                errors.push(format!(
                    "{at}: a compile_fail block must be exactly one {{{{#include}}}} of a file \
                     under tests/compile-fail/, which trybuild checks"
                ));
                continue;
            }
            let stderr = root.join(&included).with_extension("stderr");
            if !stderr.exists() {
                errors.push(format!(
                    "{at}: {included} has no {} with the compiler's message: run \
                     `cargo xtask bless` and review it",
                    shown_path(root, &stderr)
                ));
                continue;
            }
            Kind::CompileFail
        } else if included.starts_with("tests/compile-fail/ch10/") {
            errors.push(format!(
                "{at}: {included} is a compile-fail case: fence it ```rust,compile_fail, with \
                 its message below"
            ));
            continue;
        } else if included.starts_with("examples/") || included.starts_with("tests/") {
            // Part of a package Cargo builds and tests: a recipe's, or one of the book's own
            // checks (tools/booktest/tests/tally.rs checks which).
            Kind::Example
        } else if tokens.contains(&"ignore") {
            let above = source_lines[..src.fence_line - 1]
                .iter()
                .rev()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty())
                .any(|l| l.contains(IGNORE_REASON));
            if !above {
                errors.push(format!(
                    "{at}: an `ignore`d block needs its reason in the paragraph right above it, \
                     starting with {IGNORE_REASON}"
                ));
                continue;
            }
            Kind::Ignored
        } else {
            Kind::Skeptic
        };

        let skeptic_name_suffix = match kind {
            Kind::Skeptic | Kind::Ignored => Some((stem.to_owned(), exp.skeptic_line)),
            Kind::Example | Kind::CompileFail => {
                // Tested elsewhere: hide it from skeptic without moving any line.
                let fence = &mut copy_lines[exp.fence_line - 1];
                let indent = fence.len() - fence.trim_start().len();
                let ticks: String = fence
                    .trim_start()
                    .chars()
                    .take_while(|&c| c == '`' || c == '~')
                    .collect();
                *fence = format!("{}{}text", &fence[..indent], ticks);
                None
            }
        };
        let uses = match rust_uses::scan(&exp.text) {
            Ok(uses) => uses,
            Err(error) => {
                errors.push(format!(
                    "{at}: a Rust block that does not lex as Rust ({error}): fix it, or fence \
                     it as what it is"
                ));
                continue;
            }
        };
        blocks.push(Block {
            chapter: shown.to_owned(),
            line: src.fence_line,
            kind,
            info: src.info.clone(),
            included,
            skeptic_name_suffix,
            uses,
        });
    }
    let mut copy = copy_lines.join("\n");
    copy.push('\n');
    copy
}

/// skeptic's own rule for turning a file stem or heading into part of a test name.
pub fn sanitize_test_name(s: &str) -> String {
    s.to_ascii_lowercase()
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}
