//! The book's rules, as `tools/booktest/build.rs` applies them: it expands the book with
//! mdBook's own `LinkPreprocessor` (through `mdbook-driver`, the library of the pinned `mdbook`
//! binary), checks every include directive and link, sorts every Rust block into how it is
//! tested, and hands the blocks skeptic must compile and run to skeptic.
//!
//! [`run`] refuses the book, naming the chapter, its line and the directive, when:
//! - an included file, anchor or line range does not exist, or an anchor region is empty
//!   ([`check`]);
//! - a Rust block renders with every line hidden, a fenced block has no language, or a Rust
//!   block has no way of being tested ([`classify`]);
//! - a rule of [`blocks`] is broken: a block coloured as Rust not fenced ```rust, another
//!   edition asked for, an indented code block, a file shown in another language, a shown
//!   part that is not complete Rust, a compile_fail case not followed by its own `.stderr`;
//! - an internal link or `#fragment` leads nowhere ([`links`]);
//! - book.toml's edition is not the one skeptic compiles page blocks in, or the mdBook pin and
//!   `Cargo.lock` disagree ([`pins`]).
//!
//! What it writes into `OUT_DIR`:
//! - `book/<chapter>.md`: each chapter as mdBook renders it (includes expanded);
//! - `skeptic/<chapter>.md`: the same, with the blocks tested elsewhere fenced as `text`;
//! - `book-tests.rs`: skeptic's tests, each calling `block_runner::run_test` with its chapter and
//!   line ([`emit`]);
//! - `blocks.rs`: every Rust block of the book with its [`classify::Kind`], for
//!   `tools/booktest/tests/tally.rs`.
//!
//! Without the `build` feature (mdBook and skeptic), only the rules build: that is what the
//! tests of the rules link.

pub mod blocks;
pub mod check;
pub mod classify;
#[cfg(feature = "build")]
pub mod emit;
pub mod links;
pub mod pins;
pub mod rust_uses;

#[cfg(feature = "build")]
pub use run::{Report, run};

#[cfg(feature = "build")]
mod run {
    use std::fs;
    use std::path::{Path, PathBuf};

    use mdbook_driver::MDBook;
    use mdbook_driver::book::BookItem;
    use mdbook_driver::builtin_renderers::MarkdownRenderer;

    use crate::blocks::{self, html_rust_code, indented_blocks};
    use crate::check::{check_directives, directives, normalize, unlisted_pages, unshown_anchors};
    use crate::classify::{Doc, classify, sanitize_test_name};
    use crate::{emit, links, pins};

    /// What build.rs reports to cargo.
    #[derive(Default)]
    pub struct Report {
        /// Files whose change must rerun the checks.
        pub watched: Vec<PathBuf>,
        /// Links to chapters not written yet (`.ci/run` refuses warnings).
        pub warnings: Vec<String>,
        /// Refusals, each starting with `src/…md:LINE:`; empty when the book is consistent.
        pub errors: Vec<String>,
    }

    /// Checks the book at `root` and, if it is consistent, writes the test inputs into
    /// `out_dir`. `booktest_manifest_dir` is where booktest's `Cargo.toml` is.
    pub fn run(root: &Path, booktest_manifest_dir: &Path, out_dir: &Path) -> Report {
        let mut report = Report::default();
        for watched in [
            "book.toml",
            "src",
            "examples",
            "tests/compile-fail",
            "README.md",
            "Cargo.toml",
            "Cargo.lock",
        ] {
            report.watched.push(root.join(watched));
        }
        check_book(root, booktest_manifest_dir, out_dir, &mut report);
        report
    }

    fn check_book(root: &Path, manifest_dir: &Path, out_dir: &Path, report: &mut Report) {
        let errors = &mut report.errors;
        pins::check_mdbook_pin(root, errors);

        let book = match MDBook::load(root) {
            Ok(book) => book,
            Err(e) => {
                errors.push(format!(
                    "book.toml / src/SUMMARY.md: mdBook cannot load the book: {e:#}"
                ));
                return;
            }
        };
        let src_dir = root.join(&book.config.book.src);
        let edition = pins::check_edition(root, manifest_dir, errors);

        // Source chapters, as written.
        let mut sources: Vec<(PathBuf, String)> = Vec::new();
        for item in book.iter() {
            if let BookItem::Chapter(ch) = item
                && let Some(path) = &ch.path
            {
                sources.push((path.clone(), ch.content.clone()));
            }
        }
        let mut shown_anchors = Vec::new();
        for (path, content) in &sources {
            errors.extend(check_directives(root, &src_dir, path, content));
            // Anything a page includes, wherever it lives, changes the page.
            let chapter_dir = src_dir.join(path.parent().unwrap_or(Path::new("")));
            for d in directives(content) {
                let file = normalize(&chapter_dir.join(&d.path));
                if let Some(anchor) = d.anchor() {
                    shown_anchors.push((file.clone(), anchor.to_owned()));
                }
                report.watched.push(file);
            }
        }
        let chapters: Vec<PathBuf> = sources.iter().map(|(path, _)| path.clone()).collect();
        errors.extend(unlisted_pages(&src_dir, &chapters, &report.watched));
        // The folders watched above that hold the files pages show (not `tests/browser/`'s
        // node_modules).
        errors.extend(unshown_anchors(
            root,
            &["examples", "tests/compile-fail"],
            &shown_anchors,
        ));
        if !errors.is_empty() {
            // mdBook would only log these and go on: stop before rendering anything.
            return;
        }

        // The same chapters after mdBook's preprocessors (includes expanded).
        let expanded_book = match book.preprocess_book(&MarkdownRenderer::new()) {
            Ok((expanded_book, _)) => expanded_book,
            Err(e) => {
                errors.push(format!("mdBook failed to preprocess the book: {e:#}"));
                return;
            }
        };
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
        // Internal links and #fragments, as mdBook will render them.
        let links = links::check_pages(&src_dir, &sources, &expanded);
        errors.extend(links.errors);
        report.warnings.extend(links.unwritten);

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
        docs.push(("README.md".into(), root.to_owned(), readme.clone(), readme));

        for (shown, chapter_dir, source, expanded) in &docs {
            let is_page = shown != "README.md";
            if is_page {
                let copy = book_out.join(shown.trim_start_matches("src/"));
                fs::create_dir_all(copy.parent().expect("parent")).expect("create OUT_DIR/book");
                fs::write(&copy, expanded).expect("write expanded chapter");
            }
            errors.extend(blocks::check_page(
                root,
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
            let doc = Doc {
                shown,
                chapter_dir,
                source,
                expanded,
                stem: &stem,
            };
            let skeptic_copy = classify(root, &doc, &mut blocks, errors);
            let skeptic_path = skeptic_out.join(&flat);
            fs::write(&skeptic_path, skeptic_copy).expect("write skeptic copy");
            skeptic_docs.push(skeptic_path);
        }
        if !errors.is_empty() {
            return;
        }

        skeptic::generate_doc_tests(&skeptic_docs);
        // skeptic does not watch these copies (vendor/skeptic/PATCH.md): `watched` has the pages.
        emit::write_book_tests(out_dir, &blocks, errors);
        emit::write_manifest(out_dir, &blocks);
    }
}
