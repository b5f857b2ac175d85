//! The checks that stop a stale include from passing, tested on broken copies of real pages.
//! build.rs runs the same `check_directives` on every chapter before mdBook expands it.

use std::fs;
use std::path::{Path, PathBuf};

use book_check::check::{check_directives, is_hidden};
use book_support::root;

const CHAPTER: &str = "ch10/10-06-reloading-modules.md";

fn chapter() -> String {
    fs::read_to_string(root().join("src").join(CHAPTER)).expect("read the 10.6 chapter")
}

fn check(content: &str) -> Vec<String> {
    check_directives(&root(), &root().join("src"), Path::new(CHAPTER), content)
}

/// Breaks the first directive of `chapter` that contains `from`, and returns the errors.
fn check_with(from: &str, to: &str) -> Vec<String> {
    let content = chapter();
    assert!(
        content.contains(from),
        "the chapter no longer contains {from:?}"
    );
    check(&content.replacen(from, to, 1))
}

#[test]
fn the_real_chapters_pass() {
    assert_eq!(check(&chapter()), Vec::<String>::new());
}

#[test]
fn a_misspelled_anchor_fails_with_the_message_the_book_shows() {
    let errors = check_with("main.rs:aliases}}", "main.rs:aliasses}}");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    // "How this book is tested" includes this file: keep the message it shows real, as cargo
    // prints build.rs's `cargo::error=` lines. (`\{{#` keeps mdBook from expanding the quoted
    // directive.)
    let shown = format!(
        "error: booktest@{}: {}\n",
        env!("CARGO_PKG_VERSION"),
        errors[0].replace("{{#", "\\{{#")
    );
    let file = root().join("tools/book-check/tests/misspelled-anchor.txt");
    if let Err(difference) = book_support::snapshot::check(&file, &shown) {
        panic!("the message changed: {difference}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let errors = check_with("counter.rs:counter}}", "countr.rs:counter}}");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("src/ch10/10-06-reloading-modules.md:"));
    assert!(
        errors[0]
            .ends_with("file examples/ch10/10-06-reloading-modules/src/countr.rs does not exist")
    );
}

#[test]
fn an_anchor_without_its_end_or_without_code_is_refused() {
    let dir = tempfile_dir("anchors");
    fs::write(
        dir.join("code.rs"),
        "// ANCHOR: open\nfn a() {}\n// ANCHOR: empty\n\n// ANCHOR_END: empty\n",
    )
    .expect("write code.rs");
    let src = dir.join("src");
    fs::create_dir_all(&src).expect("create src");
    let content = "```rust\n{{#include ../code.rs:open}}\n```\n\n```rust\n{{#rustdoc_include ../code.rs:empty}}\n```\n\n```rust\n{{#include ../code.rs:9:12}}\n```\n";
    let errors = check_directives(&dir, &src, Path::new("page.md"), content);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].contains("src/page.md:2:") && errors[0].contains("has no `ANCHOR_END: open`")
    );
    assert!(errors[1].contains("src/page.md:6:") && errors[1].contains("encloses no code"));
    assert!(
        errors[2].contains("src/page.md:10:") && errors[2].contains("outside code.rs (5 lines)")
    );
}

#[test]
fn an_include_indented_in_a_list_item_is_refused() {
    let errors = check_with(
        "```rust,noplayground\n{{#rustdoc_include ../../examples/ch10/10-06-reloading-modules/src/counter.rs:counter}}",
        "   ```rust,noplayground\n   {{#rustdoc_include ../../examples/ch10/10-06-reloading-modules/src/counter.rs:counter}}",
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("inside a list item or quote"),
        "{errors:#?}"
    );
}

#[test]
fn an_escaped_directive_is_left_alone() {
    let errors = check("Write \\{{#include no/such/file.rs}} to include a file.\n");
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn hidden_lines_are_recognised_like_rustdoc_does() {
    assert!(is_hidden("# use std::fmt;"));
    assert!(is_hidden("    # let x = 1;"));
    assert!(is_hidden("#"));
    assert!(!is_hidden("#[derive(Debug)]"));
    assert!(!is_hidden("#![allow(dead_code)]"));
}

fn tempfile_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("guards-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

mod links {
    use std::collections::BTreeSet;
    use std::path::Path;

    use book_check::links::{Link, Page, check, heading_id};

    fn page(path: &str, ids: &[&str], targets: &[&str]) -> Page {
        Page {
            path: path.into(),
            ids: ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
            links: targets
                .iter()
                .map(|t| Link {
                    at: format!("src/{path}:1"),
                    target: t.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn heading_ids_are_computed_as_mdbook_does() {
        assert_eq!(
            heading_id("`const` vs `static` vs `let`"),
            "const-vs-static-vs-let"
        );
        assert_eq!(
            heading_id("Thread safety considerations"),
            "thread-safety-considerations"
        );
        assert_eq!(
            heading_id("10.6 Reloading modules"),
            "106-reloading-modules"
        );
    }

    #[test]
    fn dead_links_are_reported_and_good_ones_are_not() {
        let pages = [
            page(
                "ch10/a.md",
                &["problem"],
                &[
                    "#problem",
                    "b.md#solution",
                    "../introduction.md",
                    "https://example.org/#whatever",
                    "#missing",
                    "b.md#nope",
                    "../../examples/x/main.rs",
                    "c.md",
                    "10-09-not-written.md",
                ],
            ),
            page("ch10/b.md", &["solution"], &[]),
            page("introduction.md", &[], &[]),
        ];
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src");
        let report = check(&pages, &src);
        let text = report.errors.join("\n");
        assert_eq!(report.errors.len(), 3, "{text}");
        assert!(text.contains("`#missing`: src/ch10/a.md has no heading with id `missing`"));
        assert!(text.contains("`b.md#nope`"));
        assert!(text.contains("points outside src/"));
        assert_eq!(report.unwritten.len(), 2, "{:?}", report.unwritten);
        assert!(report.unwritten[1].contains("`c.md`"));
    }
}

/// An anchor no page shows is a marker for nothing in a file a reader copies; a copy of a
/// shown file in another recipe folder, and an `ANCHOR:` a program writes, are not refused.
#[test]
fn an_anchor_no_page_shows_is_refused() {
    use book_check::check::unshown_anchors;
    let dir = tempfile::tempdir().expect("temporary directory");
    let (one, two) = (
        dir.path().join("examples/one"),
        dir.path().join("examples/two"),
    );
    fs::create_dir_all(&one).expect("create a recipe folder");
    fs::create_dir_all(&two).expect("create a recipe folder");
    let code = "// ANCHOR: shown\nfn a() {}\n// ANCHOR_END: shown\n\
                // ANCHOR: unshown\nfn b() {}\n// ANCHOR_END: unshown\n\
                fn c() -> String { \"ANCHOR: written\\n\".into() }\n";
    fs::write(one.join("lib.rs"), format!("//! The first.\n{code}")).expect("write");
    fs::write(
        two.join("lib.rs"),
        format!("//! A copy of the first.\n{code}"),
    )
    .expect("write");
    let shown = [(one.join("lib.rs"), "shown".to_owned())];
    let errors = unshown_anchors(dir.path(), &["examples"], &shown);
    assert_eq!(
        errors,
        [
            "examples/one/lib.rs:5: anchor `unshown` is shown by no page: remove its `ANCHOR` \
             and `ANCHOR_END` lines, or include it in a page",
            "examples/two/lib.rs:5: anchor `unshown` is shown by no page: remove its `ANCHOR` \
             and `ANCHOR_END` lines, or include it in a page",
        ]
    );
}

/// A page left out of SUMMARY.md is not rendered, so none of the other checks sees it.
#[test]
fn a_page_neither_listed_nor_included_is_refused() {
    use book_check::check::unlisted_pages;
    let dir = tempfile::tempdir().expect("temporary directory");
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("ch10")).expect("create src/ch10");
    for file in [
        "SUMMARY.md",
        "ch10/page.md",
        "ch10/table.md",
        "ch10/forgotten.md",
    ] {
        fs::write(src.join(file), "# x\n").expect("write a page");
    }
    fs::write(src.join("ch10/notes.txt"), "not a page\n").expect("write a file");
    let chapters = [PathBuf::from("ch10/page.md")];
    let included = [src.join("ch10/../ch10/table.md")];
    let errors = unlisted_pages(&src, &chapters, &included);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("src/ch10/forgotten.md: not in SUMMARY.md"),
        "{}",
        errors[0]
    );
}

mod rust_uses {
    use book_check::rust_uses::scan;

    #[test]
    fn crates_are_found_and_local_names_are_not() {
        let uses = scan(
            "use serde::Deserialize;\nmod toml; // a module named like a crate\n\
             # use std::fs;\nfn f() { let s = \"notify::x\"; toml::NAME; ::toml::from_str(s); \
             arc_swap::ArcSwap::new(1); }\n#[cfg(test)]\nmod tests;\n",
        )
        .expect("lexes");
        let roots: Vec<&str> = uses.roots.iter().map(String::as_str).collect();
        assert_eq!(roots, ["arc_swap", "serde", "toml"]);
        let modules: Vec<&str> = uses.file_modules.iter().map(String::as_str).collect();
        assert_eq!(modules, ["tests", "toml"]);
    }

    #[test]
    fn paths_in_literals_comments_and_lifetimes_are_not_crates() {
        let uses = scan(
            "/* a /* nested */ serde::x */ fn f<'a>(s: &'a str) -> char {\n\
             let _ = (r#\"notify::x \"quoted\" \"#, b\"libc::y\", '\\'', c\"z::w\");\n\
             /// a doc comment naming tokio::spawn\n\
             let v = Vec::<u8>::new(); regex::Regex::new(s); 'x'\n}\n",
        )
        .expect("lexes");
        let roots: Vec<&str> = uses.roots.iter().map(String::as_str).collect();
        assert_eq!(roots, ["Vec", "regex"]);
    }

    #[test]
    fn code_that_does_not_lex_is_an_error() {
        assert!(scan("fn main() { let s = \"never closed; }\n").is_err());
        assert!(scan("fn main() {\n").is_err());
    }
}
