//! The pins the book depends on: the edition page blocks compile in, and the mdBook version.

use std::fs;
use std::path::Path;

/// `book.toml`'s edition, which must be booktest's (skeptic compiles page blocks in it).
pub fn check_edition(root: &Path, manifest_dir: &Path, errors: &mut Vec<String>) -> String {
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
/// `[workspace.metadata.tools] mdbook` must be the `mdbook-driver` version in `Cargo.lock`.
pub fn check_mdbook_pin(root: &Path, errors: &mut Vec<String>) {
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
