//! The rules build.rs applies to every page beyond its includes, each tested on a broken copy
//! of a real page: the first line of the refusal names the page and line. That the real pages
//! pass them is what build.rs checks on every build (it refuses the book otherwise).

use std::fs;
use std::path::Path;

use book_check::blocks::{check_page, complete_rust, highlighted_as_rust};

use book_support::root;

fn page(chapter: &str) -> String {
    fs::read_to_string(root().join("src").join(chapter)).expect("read the chapter")
}

/// The problems of `chapter` as written, with `from` replaced by `to` once.
fn check_with(chapter: &str, from: &str, to: &str) -> Vec<String> {
    let content = page(chapter);
    assert!(
        content.contains(from),
        "{chapter} no longer contains {from:?}"
    );
    check(chapter, &content.replacen(from, to, 1))
}

fn check(chapter: &str, content: &str) -> Vec<String> {
    let dir = root()
        .join("src")
        .join(Path::new(chapter).parent().expect("dir"));
    check_page(
        &root(),
        &dir,
        &format!("src/{chapter}"),
        content,
        true,
        "2024",
    )
}

/// The 1-based line of the first line of `chapter` containing `text`.
fn line_of(chapter: &str, text: &str) -> usize {
    page(chapter)
        .lines()
        .position(|l| l.contains(text))
        .expect("line")
        + 1
}

/// The first problem starts with the page and line of the broken block.
fn assert_first(errors: &[String], chapter: &str, line: usize, says: &str) {
    let first = errors.first().map(String::as_str).unwrap_or_default();
    let at = format!("src/{chapter}:{line}: ");
    assert!(first.starts_with(&at), "expected {at}…, got {errors:#?}");
    assert!(first.contains(says), "expected {says:?} in {first}");
}

/// A page of ordinary size (check_page reads and parses every fragment of it).
const PAGE: &str = "ch10/10-10-load-by-name.md";
const BLOCK: &str = "```rust,noplayground\n{{#rustdoc_include ../../examples/ch10/10-10-load-by-name/src/commands.rs:match}}";

/// A Rust block the lexer cannot read is refused where its uses are read (for the Run
/// button), naming its page and line.
#[test]
fn a_rust_block_that_does_not_lex_is_refused() {
    let source = "# A page\n\n```rust\nfn main() {\n    let s = \"never closed;\n}\n```\n";
    assert_refused(
        source,
        source,
        "src/ch10/page.md:3: a Rust block that does not lex as Rust",
    );
}

/// `classify` on a page `src/ch10/page.md` (`source` as written, `expanded` after its
/// includes) sorts no block and gives first an error that starts with `says`.
fn assert_refused(source: &str, expanded: &str, says: &str) {
    use book_check::classify::{Doc, classify};
    let (mut blocks, mut errors) = (Vec::new(), Vec::new());
    let doc = Doc {
        shown: "src/ch10/page.md",
        chapter_dir: &root().join("src/ch10"),
        source,
        expanded,
        stem: "page",
    };
    classify(&root(), &doc, &mut blocks, &mut errors);
    assert!(blocks.is_empty());
    let first = errors.first().map(String::as_str).unwrap_or_default();
    assert!(first.starts_with(says), "{errors:#?}");
}

#[test]
fn a_block_coloured_as_rust_must_be_fenced_rust() {
    let line = line_of(PAGE, "commands.rs:match}}") - 1;
    for fence in ["```rs,noplayground", "```Rust,noplayground", "```RS"] {
        let errors = check_with(PAGE, BLOCK, &BLOCK.replace("```rust,noplayground", fence));
        assert_first(&errors, PAGE, line, "is coloured as Rust in the book");
    }
    // A new block that panics, fenced `rs`, at the end of the page.
    let content = page(PAGE) + "\n```rs\nfn main() { panic!(\"untested\") }\n```\n";
    let line = content.lines().count() - 2;
    assert_first(&check(PAGE, &content), PAGE, line, "write ```rust");
}

#[test]
fn highlight_js_languages_are_read_as_mdbook_writes_them() {
    for rust in [
        "rust",
        "rs",
        "RS",
        "Rust,ignore",
        "rust,noplayground",
        "{x} lang-rs",
    ] {
        assert!(highlighted_as_rust(rust), "{rust}");
    }
    for other in [
        "",
        "text",
        "ignore",
        "text,rust",
        "console",
        "rust-script",
        "toml",
    ] {
        assert!(!highlighted_as_rust(other), "{other}");
    }
}

#[test]
fn raw_html_code_coloured_as_rust_is_refused() {
    let content = page(PAGE);
    let heading = content.find("\n## ").expect("a second-level heading") + 1;
    let mut broken = content.clone();
    broken.insert_str(
        heading,
        "<pre><code class=\"language-rust\">fn main() { panic!() }\n</code></pre>\n\n",
    );
    let line = content[..heading].lines().count() + 1;
    assert_first(
        &check(PAGE, &broken),
        PAGE,
        line,
        "raw HTML code coloured as Rust",
    );
    let toml = "<pre><code class=\"language-toml\">[dependencies]\n</code></pre>\n\n";
    let mut fine = content.clone();
    fine.insert_str(heading, toml);
    assert_eq!(check(PAGE, &fine), Vec::<String>::new());
}

#[test]
fn an_indented_code_block_is_refused() {
    let content = page(PAGE);
    let heading = content.find("\n## ").expect("a second-level heading") + 1;
    let mut broken = content.clone();
    broken.insert_str(
        heading,
        "    fn main() { let n: u32 = \"not a number\"; }\n\n",
    );
    let line = content[..heading].lines().count() + 1;
    assert_first(&check(PAGE, &broken), PAGE, line, "an indented code block");
}

#[test]
fn a_block_cannot_ask_for_another_edition() {
    let line = line_of(PAGE, "commands.rs:match}}") - 1;
    let errors = check_with(
        PAGE,
        BLOCK,
        &BLOCK.replace("```rust,noplayground", "```rust,edition2021,noplayground"),
    );
    assert_first(&errors, PAGE, line, "asks for edition2021");
}

const CASES: &str = "ch10/10-01-hierarchical-package.md";

#[test]
fn a_compile_fail_case_is_followed_by_its_own_message() {
    // Two cases' messages swapped: each block sits above the other's message.
    let a = "private_function.stderr}}";
    let b = "private_module.stderr}}";
    let swapped = page(CASES)
        .replacen(a, "SWAP}}", 1)
        .replacen(b, a, 1)
        .replacen("SWAP}}", b, 1);
    let line = line_of(CASES, "private_function.rs}}") - 1;
    assert_first(
        &check(CASES, &swapped),
        CASES,
        line,
        "(it shows tests/compile-fail/",
    );

    // A case whose message is gone, or shown after some prose.
    let case = "private_function.rs}}\n```\n\n";
    let errors = check_with(CASES, case, &format!("{case}Some prose.\n\n"));
    assert_first(&errors, CASES, line, "must be ```text with only");
    let message = "```text\n{{#include ../../tests/compile-fail/ch10/10-01-hierarchical-package/private_function.stderr}}\n```\n";
    let errors = check_with(CASES, message, "");
    assert_first(&errors, CASES, line, "private_function.stderr");

    // A case's message shown together with another file, in the block after it.
    let other = "{{#include ../../tests/compile-fail/ch10/10-01-hierarchical-package/private_module.stderr}}\n```\n";
    let errors = check_with(
        CASES,
        message,
        &message.replace("}}\n```\n", &format!("}}}}\n{other}")),
    );
    assert_first(&errors, CASES, line, "must be ```text with only");
    let message_line = line_of(CASES, "private_function.stderr}}") - 1;
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("src/{CASES}:{message_line}: "))
                && e.contains("show it alone")),
        "{errors:#?}"
    );
}

/// Fenced as a block that compiles, a case would be counted as built by Cargo.
#[test]
fn a_compile_fail_case_must_be_shown_as_one() {
    let source = "# A page\n\n```rust,noplayground\n{{#include ../../tests/compile-fail/ch10/10-01-hierarchical-package/private_function.rs}}\n```\n";
    let case = fs::read_to_string(
        root().join("tests/compile-fail/ch10/10-01-hierarchical-package/private_function.rs"),
    )
    .expect("read the case");
    let expanded = format!("# A page\n\n```rust,noplayground\n{case}```\n");
    assert_refused(
        source,
        &expanded,
        "src/ch10/page.md:3: tests/compile-fail/ch10/10-01-hierarchical-package/private_function.rs is a compile-fail case",
    );
}

#[test]
fn a_shown_part_must_be_complete_rust() {
    let file = root().join("examples/ch10/10-10-load-by-name/src/main.rs");
    let lines: Vec<String> = fs::read_to_string(file)
        .expect("read main.rs")
        .lines()
        .map(str::to_owned)
        .collect();
    let find = |marker: &str| lines.iter().position(|l| l.contains(marker)).expect(marker) + 1;
    let (start, end) = (
        find("ANCHOR: use_match") + 1,
        find("ANCHOR_END: use_match") - 1,
    );
    let directive = "main.rs:use_match}}";
    let line = line_of(PAGE, directive) - 1;
    // The same lines as a range pass; one line shorter ends inside the `match`.
    let whole = check_with(PAGE, directive, &format!("main.rs:{start}:{end}}}}}"));
    assert_eq!(whole, Vec::<String>::new());
    let errors = check_with(PAGE, directive, &format!("main.rs:{start}:{}}}}}", end - 1));
    assert_first(&errors, PAGE, line, "is not a whole piece of code");

    assert!(complete_rust("fn a() {}\nstruct B;").is_ok());
    assert!(complete_rust("let x = 1;\nprintln!(\"{x}\");").is_ok());
    assert!(complete_rust("a + b").is_ok());
    assert!(complete_rust("match x {\n    1 => \"one\",\n").is_err());
    assert!(complete_rust("    1 => \"one\",\n    _ => \"many\",").is_err());
    assert!(complete_rust("pub struct A {\n    x: u32,").is_err());
}

#[test]
fn a_shown_part_of_a_manifest_must_be_whole_toml() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rules-toml");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).expect("create temp dir");
    let manifest = "[package]\nname = \"x\"\n# ANCHOR: include\ninclude = [\n    \"src/**/*.rs\",\n# ANCHOR_END: include\n]\n";
    fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    let page = "Its manifest:\n\n```toml\n{{#include ../Cargo.toml:include}}\n```\n";
    let errors = check_page(&dir, &dir.join("src"), "src/page.md", page, true, "2024");
    assert_first(&errors, "page.md", 3, "is not whole TOML");
    let whole = page.replace(":include}}", ":1:2}}");
    let errors = check_page(&dir, &dir.join("src"), "src/page.md", &whole, true, "2024");
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn a_manifest_is_included_not_typed() {
    const SHOP: &str = "ch10/10-05-one-namespace.md";
    let shown =
        "```toml\n{{#include ../../examples/ch10/10-05-one-namespace/Cargo.toml:shop}}\n```";
    let typed = "```toml\nshop = { path = \"shop\" }\n```";
    let line = line_of(SHOP, "10-05-one-namespace/Cargo.toml:shop}}") - 1;
    let errors = check_with(SHOP, shown, typed);
    assert_first(
        &errors,
        SHOP,
        line,
        "typed into the page is checked by nothing",
    );
}

#[test]
fn a_file_is_shown_in_its_own_language() {
    const RUN: &str = "ch10/10-07-runnable-package.md";
    let output = "```console\n{{#include ../../examples/ch10/10-07-runnable-package/session.txt}}";
    let line = line_of(RUN, "10-07-runnable-package/session.txt}}") - 1;
    let errors = check_with(RUN, output, &output.replace("```console", "```rust"));
    assert_first(&errors, RUN, line, "is not rust");
    // A program shown as text, or as TOML.
    let line = line_of(PAGE, "commands.rs:match}}") - 1;
    for fence in ["```text", "```toml"] {
        let errors = check_with(PAGE, BLOCK, &BLOCK.replace("```rust,noplayground", fence));
        assert_first(&errors, PAGE, line, "commands.rs is rust");
    }
    // A compile-fail message shown as Rust.
    let message = "```text\n{{#include ../../tests/compile-fail/ch10/10-01-hierarchical-package/private_function.stderr}}";
    let line = line_of(CASES, "private_function.stderr}}") - 1;
    let errors = check_with(CASES, message, &message.replace("```text", "```rust"));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("src/{CASES}:{line}: ")) && e.contains("is not rust")),
        "{errors:#?}"
    );
}

const RELOADING: &str = "ch10/10-06-reloading-modules.md";
const OUTCOME: &str = "The assertions at the end are the outcome";

#[test]
fn an_output_typed_below_a_block_written_in_the_page_is_refused() {
    let typed =
        format!("It prints:\n\n```text\nErr(\"unknown setting `timeout`\")\n```\n\n{OUTCOME}");
    let errors = check_with(RELOADING, OUTCOME, &typed);
    let line = line_of(RELOADING, OUTCOME) + 2;
    assert_first(&errors, RELOADING, line, "is typed by hand");
}

#[test]
fn a_tested_with_version_in_prose_is_refused() {
    let claimed = format!("Tested with rustc 1.70.0. {OUTCOME}");
    let errors = check_with(RELOADING, OUTCOME, &claimed);
    let line = line_of(RELOADING, OUTCOME);
    assert_first(
        &errors,
        RELOADING,
        line,
        "names the version something was tested with",
    );
}
