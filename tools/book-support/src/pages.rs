//! Where the book's pages show a file: the `{{#include …}}` and `{{#rustdoc_include …}}`
//! directives that name it, as `src/<page>.md:LINE`, so that a test failing on a file can say
//! first which page the reader sees it on.

use std::fs;
use std::path::{Component, Path, PathBuf};

use walkdir::WalkDir;

use crate::root;

/// `a/b/../c` → `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every page of the book as written, in file-name order: its path relative to the repository
/// (`src/ch10/….md`) and its text.
pub fn all() -> Vec<(PathBuf, String)> {
    let root = root();
    WalkDir::new(root.join("src"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| {
            let text = fs::read_to_string(e.path()).ok()?;
            let page = e.path().strip_prefix(&root).ok()?.to_owned();
            Some((page, text))
        })
        .collect()
}

/// Every `src/<page>.md:LINE` whose include directive names `file` (a path in the repository).
pub fn places_showing(file: &Path) -> Vec<String> {
    let root = root();
    let wanted = normalize(&root.join(file));
    let mut found = Vec::new();
    for (page, text) in all() {
        let dir = root.join(&page);
        let dir = dir.parent().unwrap_or(&root);
        for (n, line) in text.lines().enumerate() {
            for directive in line.split("{{#").skip(1) {
                let Some(rest) = directive
                    .strip_prefix("include ")
                    .or_else(|| directive.strip_prefix("rustdoc_include "))
                else {
                    continue;
                };
                let target = rest.split(['}', ':']).next().unwrap_or("").trim();
                if normalize(&dir.join(target)) == wanted {
                    found.push(format!("{}:{}", page.display(), n + 1));
                }
            }
        }
    }
    found
}

/// `src/<page>.md:LINE: ` for the first place that shows `file`, or `file: ` if none does.
pub fn first_place(file: &Path) -> String {
    let shown = file.strip_prefix(root()).unwrap_or(file);
    match places_showing(file).first() {
        Some(place) => format!("{place}: "),
        None => format!("{}: ", shown.display()),
    }
}
