//! Expands the book with mdBook's own `LinkPreprocessor` (through `mdbook-driver`, the library
//! of the pinned `mdbook` binary), checks every include directive, sorts every Rust block into
//! how it is tested, and hands the blocks skeptic must compile and run to skeptic.
//!
//! The build fails, naming the chapter, its line and the directive, when:
//! - an included file, anchor or line range does not exist, or an anchor region is empty;
//! - a Rust block renders with every line hidden (what a misspelled anchor used to do);
//! - a fenced block has no language, or a Rust block has no way of being tested;
//! - a rule of src/blocks.rs is broken: a block coloured as Rust not fenced ```rust, another
//!   edition asked for, an indented code block, a file shown in another language, a shown
//!   part that is not complete Rust, a compile_fail case not followed by its own `.stderr`;
//! - book.toml's edition is not the one skeptic compiles page blocks in.
//!
//! Refusals are `cargo::error=` lines, which cargo prints first (`error: booktest@…: src/…`).
//!
//! Outputs in `OUT_DIR`:
//! - `book/<chapter>.md`: each chapter as mdBook renders it (includes expanded);
//! - `skeptic/<chapter>.md`: the same, with the blocks tested elsewhere fenced as `text`;
//! - `book-tests.rs`: skeptic's tests, each calling `booktest::run_test` with its chapter and line;
//! - `blocks.rs`: every Rust block of the book with its kind, for the policy test.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use mdbook_driver::MDBook;
use mdbook_driver::book::BookItem;
use mdbook_driver::builtin_renderers::MarkdownRenderer;
use pulldown_cmark::{Event, Parser};

#[path = "src/blocks.rs"]
mod blocks;
#[path = "src/check.rs"]
mod check;
#[path = "src/links.rs"]
mod links;
#[allow(dead_code)]
#[path = "src/rust_uses.rs"]
mod rust_uses;
use blocks::{fences, html_rust_code, indented_blocks, info_tokens, only_directive};
use check::{check_directives, directives, is_hidden, normalize, shown_path};

/// How a Rust block is tested.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Compiled and run by skeptic, as it reads after expansion.
    Skeptic,
    /// Shown from a file under `examples/` or `crates/`: built and tested by Cargo.
    Example,
    /// Included from `tests/compile-fail/`: trybuild checks it fails with the shown message.
    CompileFail,
    /// `ignore`d, with the reason shown to the reader.
    Ignored,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Skeptic => "skeptic",
            Kind::Example => "example",
            Kind::CompileFail => "compile_fail",
            Kind::Ignored => "ignored",
        }
    }
}

struct Block {
    chapter: String,
    line: usize,
    kind: Kind,
    info: String,
    included: String,
    skeptic_name_suffix: Option<(String, usize)>,
    /// What its code (hidden lines included) names outside itself: for the Run-button policy.
    uses: rust_uses::Uses,
}

/// The reason an `ignore`d block must carry, in the paragraph right above it.
const IGNORE_REASON: &str = "**Not run:**";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("workspace root");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));

    for watched in [
        "book.toml",
        "src",
        "examples",
        "tests/compile-fail",
        "README.md",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    // For tests that run a block through skeptic themselves (tests/rules.rs).
    println!(
        "cargo:rustc-env=BOOKTEST_TARGET={}",
        env::var("TARGET").expect("TARGET")
    );

    let mut errors = Vec::new();
    check_mdbook_pin(&root, &mut errors);

    let book = match MDBook::load(&root) {
        Ok(book) => book,
        Err(e) => fail(&[format!(
            "book.toml / src/SUMMARY.md: mdBook cannot load the book: {e:#}"
        )]),
    };
    let src_dir = root.join(&book.config.book.src);
    let edition = check_edition(&root, &manifest_dir, &mut errors);

    // Source chapters, as written.
    let mut sources: Vec<(PathBuf, String)> = Vec::new();
    for item in book.iter() {
        if let BookItem::Chapter(ch) = item
            && let Some(path) = &ch.path
        {
            sources.push((path.clone(), ch.content.clone()));
        }
    }
    for (path, content) in &sources {
        errors.extend(check_directives(&root, &src_dir, path, content));
        // Anything a page includes, wherever it lives, changes the page.
        let chapter_dir = src_dir.join(path.parent().unwrap_or(Path::new("")));
        for d in directives(content) {
            let file = normalize(&chapter_dir.join(&d.path));
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    if !errors.is_empty() {
        // mdBook would only log these and go on: stop before rendering anything.
        fail(&errors);
    }

    // The same chapters after mdBook's preprocessors (includes expanded).
    let (expanded_book, _) = book
        .preprocess_book(&MarkdownRenderer::new())
        .unwrap_or_else(|e| fail(&[format!("mdBook failed to preprocess the book: {e:#}")]));
    // In book order, like `sources` (mdBook renames README.md to index.md, so not by path).
    let mut expanded: Vec<String> = Vec::new();
    for item in expanded_book.iter() {
        if let BookItem::Chapter(ch) = item
            && ch.path.is_some()
        {
            expanded.push(ch.content.clone());
        }
    }
    assert_eq!(expanded.len(), sources.len(), "mdBook kept every chapter");
    // Internal links and #fragments, as mdBook will render them (src/links.rs).
    let links = check_links(&src_dir, &sources, &expanded);
    errors.extend(links.errors);
    for unwritten in links.unwritten {
        println!("cargo:warning={unwritten}");
    }

    let book_out = out_dir.join("book");
    let skeptic_out = out_dir.join("skeptic");
    let _ = fs::remove_dir_all(&book_out);
    let _ = fs::remove_dir_all(&skeptic_out);
    fs::create_dir_all(&skeptic_out).expect("create OUT_DIR/skeptic");

    let mut blocks = Vec::new();
    let mut skeptic_docs = Vec::new();
    let mut docs: Vec<(String, PathBuf, String, String)> = sources
        .iter()
        .zip(&expanded)
        .map(|((path, source), expanded)| {
            let shown = format!("src/{}", path.display());
            let chapter_dir = src_dir.join(path.parent().unwrap_or(Path::new("")));
            (shown, chapter_dir, source.clone(), expanded.clone())
        })
        .collect();
    // The README's blocks are tested too; it has no includes.
    let readme = fs::read_to_string(root.join("README.md")).unwrap_or_default();
    docs.push(("README.md".into(), root.clone(), readme.clone(), readme));

    for (shown, chapter_dir, source, expanded) in &docs {
        if shown != "README.md" {
            let copy = book_out.join(shown.trim_start_matches("src/"));
            fs::create_dir_all(copy.parent().expect("parent")).expect("create OUT_DIR/book");
            fs::write(&copy, expanded).expect("write expanded chapter");
        }
        let is_page = shown != "README.md";
        errors.extend(blocks::check_page(
            &root,
            chapter_dir,
            shown,
            source,
            is_page,
            &edition,
        ));
        // An included file can start an indented block too.
        let (written, rendered) = (indented_blocks(source), indented_blocks(expanded));
        if rendered.len() > written.len() {
            errors.push(format!(
                "{shown}: an included file makes an indented code block (line {} after \
                 includes): only fenced blocks are sorted and tested",
                rendered[written.len()]
            ));
        }
        let (written, rendered) = (html_rust_code(source), html_rust_code(expanded));
        if rendered.len() > written.len() {
            errors.push(format!(
                "{shown}: an included file has raw HTML code coloured as Rust (line {} after \
                 includes): it is not tested; write a ```rust block",
                rendered[written.len()]
            ));
        }
        let flat = shown.trim_start_matches("src/").replace(['/', '\\'], "--");
        let stem = sanitize_test_name(flat.trim_end_matches(".md"));
        let skeptic_copy = classify(
            &root,
            chapter_dir,
            shown,
            source,
            expanded,
            &stem,
            &mut blocks,
            &mut errors,
        );
        let skeptic_path = skeptic_out.join(&flat);
        fs::write(&skeptic_path, skeptic_copy).expect("write skeptic copy");
        skeptic_docs.push(skeptic_path);
    }
    if !errors.is_empty() {
        fail(&errors);
    }

    skeptic::generate_doc_tests(&skeptic_docs);
    // skeptic registered the copies in OUT_DIR; the sources are what authors edit.
    write_book_tests(&out_dir, &blocks, &mut errors);
    write_manifest(&out_dir, &blocks);
    if !errors.is_empty() {
        fail(&errors);
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

/// Skeptic (patched, vendor/skeptic/PATCH.md) compiles page blocks in this package's edition;
/// the book declares the edition its blocks are written in (book.toml `[rust] edition`, which
/// mdBook also sends to the playground). They must be one.
fn check_edition(root: &Path, manifest_dir: &Path, errors: &mut Vec<String>) -> String {
    let read = |path: &Path, keys: [&str; 2]| -> String {
        let table: toml::Table = fs::read_to_string(path)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        table
            .get(keys[0])
            .and_then(|t| t.get(keys[1]))
            .and_then(|v| v.as_str())
            .unwrap_or("2015")
            .to_owned()
    };
    let book = read(&root.join("book.toml"), ["rust", "edition"]);
    let booktest = read(&manifest_dir.join("Cargo.toml"), ["package", "edition"]);
    if book != booktest {
        errors.push(format!(
            "book.toml: [rust] edition = \"{book}\" but tools/booktest/Cargo.toml has edition = \
             \"{booktest}\", the edition skeptic compiles the page blocks in: make them one"
        ));
    }
    book
}

/// `mdbook-driver` (which expands the book here) must be the version of the pinned `mdbook`
/// (which renders it for readers), or the tested text could differ from the published one.
fn check_mdbook_pin(root: &Path, errors: &mut Vec<String>) {
    let manifest: toml::Table = fs::read_to_string(root.join("Cargo.toml"))
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("root Cargo.toml parses");
    let pinned = manifest
        .get("workspace")
        .and_then(|w| w.get("metadata"))
        .and_then(|m| m.get("tools"))
        .and_then(|t| t.get("mdbook"))
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    let lock: toml::Table = fs::read_to_string(root.join("Cargo.lock"))
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let locked = lock
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("mdbook-driver"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    if pinned.is_empty() || (!locked.is_empty() && locked != pinned) {
        errors.push(format!(
            "Cargo.toml: [workspace.metadata.tools] mdbook = \"{pinned}\" but Cargo.lock has \
             mdbook-driver {locked}: pin both to the same version"
        ));
    }
}

/// Sorts the blocks of one document, checks each can be tested, and returns the copy of the
/// expanded document that skeptic reads (blocks tested elsewhere fenced as `text`).
#[allow(clippy::too_many_arguments)]
fn classify(
    root: &Path,
    chapter_dir: &Path,
    shown: &str,
    source: &str,
    expanded: &str,
    stem: &str,
    blocks: &mut Vec<Block>,
    errors: &mut Vec<String>,
) -> String {
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
                     `TRYBUILD=overwrite cargo test --test compile_fail` and review it",
                    shown_path(root, &stderr)
                ));
                continue;
            }
            Kind::CompileFail
        } else if included.starts_with("examples/") || included.starts_with("crates/") {
            // Part of a program or crate Cargo builds and tests (policy.rs checks which).
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
        blocks.push(Block {
            chapter: shown.to_owned(),
            line: src.fence_line,
            kind,
            info: src.info.clone(),
            included,
            skeptic_name_suffix,
            uses: rust_uses::scan(&exp.text),
        });
    }
    let mut copy = copy_lines.join("\n");
    copy.push('\n');
    copy
}

/// skeptic's own rule for turning a file stem or heading into part of a test name.
fn sanitize_test_name(s: &str) -> String {
    s.to_ascii_lowercase()
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Rewrites skeptic's generated tests so that each one calls `booktest::run_test` with the
/// chapter and line it came from (skeptic only knows the expanded copy in `OUT_DIR`).
fn write_book_tests(out_dir: &Path, blocks: &[Block], errors: &mut Vec<String>) {
    let generated =
        fs::read_to_string(out_dir.join("skeptic-tests.rs")).expect("skeptic wrote its tests");
    let mut out = String::from("// Generated by tools/booktest/build.rs from skeptic's tests.\n");
    // Page, line, and whether the block's code is written in the page (not included).
    let mut location: Option<(&str, usize, bool)> = None;
    let mut count = 0;
    for line in generated.lines() {
        if line.trim() == "extern crate skeptic;" {
            continue;
        }
        if let Some(name) = line
            .strip_prefix("#[test] fn ")
            .and_then(|rest| rest.split_once("()"))
            .map(|(name, _)| name)
        {
            location = blocks.iter().find_map(|b| {
                let (stem, n) = b.skeptic_name_suffix.as_ref()?;
                (name.starts_with(stem.as_str()) && name.ends_with(&format!("_line_{n}")))
                    .then_some((b.chapter.as_str(), b.line, b.included.is_empty()))
            });
            if location.is_none() {
                errors.push(format!(
                    "skeptic made test `{name}` from a block this build did not classify"
                ));
            }
            count += 1;
        }
        let mut line = line.to_owned();
        // Named by the line of the page, not of skeptic's expanded copy.
        if let Some((chapter, at, _)) = location
            && let Some(name) = line
                .strip_prefix("#[test] fn ")
                .and_then(|rest| rest.split_once("()"))
                .map(|(name, _)| name.to_owned())
        {
            let stem = sanitize_test_name(
                chapter
                    .trim_start_matches("src/")
                    .trim_end_matches(".md")
                    .replace(['/', '\\'], "--")
                    .as_str(),
            );
            line = line.replacen(&name, &format!("{stem}_line_{at}"), 1);
        }
        for call in ["run_test", "compile_test"] {
            let from = format!("skeptic::rt::{call}(");
            if line.contains(&from)
                && let Some((chapter, at, in_page)) = location
            {
                let to = format!("booktest::{call}(r#\"{chapter}\"#, {at}, {in_page}, ");
                line = line.replace(&from, &to);
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    let expected = blocks
        .iter()
        .filter(|b| b.skeptic_name_suffix.is_some())
        .count();
    if count != expected {
        errors.push(format!(
            "skeptic generated {count} tests for {expected} blocks it should test"
        ));
    }
    fs::write(out_dir.join("book-tests.rs"), out).expect("write book-tests.rs");
}

fn write_manifest(out_dir: &Path, blocks: &[Block]) {
    let mut out =
        String::from("// Generated by tools/booktest/build.rs: every Rust block of the book.\n");
    out.push_str("const BLOCKS: &[Block] = &[\n");
    for b in blocks {
        let _ = writeln!(
            out,
            "    Block {{ chapter: {:?}, line: {}, kind: {:?}, info: {:?}, included: {:?}, \
             roots: &{:?}, file_modules: &{:?} }},",
            b.chapter,
            b.line,
            b.kind.name(),
            b.info,
            b.included,
            b.uses.roots.iter().collect::<Vec<_>>(),
            b.uses.file_modules.iter().collect::<Vec<_>>(),
        );
    }
    out.push_str("];\n");
    fs::write(out_dir.join("blocks.rs"), out).expect("write blocks.rs");
}

/// The links and heading ids of every chapter after includes, checked by `links::check`.
fn check_links(
    src_dir: &Path,
    sources: &[(PathBuf, String)],
    expanded: &[String],
) -> links::Report {
    use pulldown_cmark::{Options, Tag};
    let mut pages = Vec::new();
    for ((path, source), text) in sources.iter().zip(expanded) {
        let shown = format!("src/{}", path.display());
        let mut ids = std::collections::BTreeSet::new();
        let mut used = std::collections::HashSet::new();
        let mut found = Vec::new();
        let mut heading: Option<(Option<String>, String)> = None;
        let options = Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES;
        for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
            match event {
                Event::Start(Tag::Heading(_, id, _)) => {
                    heading = Some((id.map(str::to_owned), String::new()));
                }
                Event::End(Tag::Heading(..)) => {
                    if let Some((explicit, words)) = heading.take() {
                        ids.insert(explicit.unwrap_or_else(|| {
                            links::unique_id(&links::heading_id(&words), &mut used)
                        }));
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, words)) = heading.as_mut() {
                        words.push_str(&t);
                    }
                }
                Event::Html(html) => {
                    // Ids written in raw HTML are anchors too.
                    for piece in html.split(" id=\"").skip(1) {
                        ids.extend(piece.split('"').next().map(str::to_owned));
                    }
                }
                Event::Start(Tag::Link(_, target, _) | Tag::Image(_, target, _)) => {
                    // Report the line as written; a link from an included file has none.
                    let line = source
                        .lines()
                        .position(|l| l.contains(&format!("]({target}")))
                        .map(|n| format!("{shown}:{}", n + 1))
                        .unwrap_or_else(|| {
                            let n = text[..range.start].matches('\n').count() + 1;
                            format!("{shown} (line {n} after includes)")
                        });
                    found.push(links::Link {
                        at: line,
                        target: target.to_string(),
                    });
                }
                _ => {}
            }
        }
        pages.push(links::Page {
            path: path.to_string_lossy().replace('\\', "/"),
            ids,
            links: found,
        });
    }
    links::check(&pages, src_dir)
}
