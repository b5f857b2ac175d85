//! Checks of mdBook include directives, shared by build.rs (which fails the build on them) and
//! the tests of the checks themselves. Hand-written because mdBook's own preprocessor does not
//! fail on them: it renders a misspelled anchor as an empty block without a word.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use book_support::without_opening_comment;

use walkdir::WalkDir;

/// One `{{#include …}}`-like directive found in a chapter.
pub struct Directive {
    pub line: usize,
    pub text: String,
    pub kind: &'static str,
    pub path: String,
    pub selector: Option<String>,
}

impl Directive {
    /// The anchor the directive shows: its selector, unless that is a line range.
    pub fn anchor(&self) -> Option<&str> {
        self.selector
            .as_deref()
            .filter(|selector| !selector.is_empty() && !is_line_range(selector))
    }
}

/// A selector `start:end` (1-based, inclusive), `start:` or `:end`, as mdBook reads it.
fn is_line_range(selector: &str) -> bool {
    selector.chars().all(|c| c.is_ascii_digit() || c == ':')
}

pub fn directives(content: &str) -> Vec<Directive> {
    let mut found = Vec::new();
    for (index, line) in content.lines().enumerate() {
        let mut rest = line;
        let mut offset = 0;
        while let Some(start) = rest.find("{{#") {
            let escaped = start > 0 && rest.as_bytes()[start - 1] == b'\\';
            let after = &rest[start + 3..];
            let Some(end) = after.find("}}") else { break };
            let inner = after[..end].trim();
            let mut words = inner.split_whitespace();
            let kind = match words.next() {
                Some("include") => "include",
                Some("rustdoc_include") => "rustdoc_include",
                Some("playground") => "playground",
                _ => "",
            };
            if !escaped
                && !kind.is_empty()
                && let Some(spec) = words.next()
            {
                let (path, selector) = match spec.split_once(':') {
                    Some((p, s)) => (p.to_owned(), Some(s.to_owned())),
                    None => (spec.to_owned(), None),
                };
                found.push(Directive {
                    line: index + 1,
                    text: format!("{{{{#{inner}}}}}"),
                    kind,
                    path,
                    selector,
                });
            }
            offset += start + 3 + end + 2;
            rest = &line[offset..];
        }
    }
    found
}

fn anchor_name(line: &str, marker: &str) -> Option<String> {
    let at = line.find(marker)?;
    let name: String = line[at + marker.len()..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Every problem with the include directives of one chapter, each naming the chapter file,
/// the line and the directive. `chapter` is relative to `src_dir`.
pub fn check_directives(root: &Path, src_dir: &Path, chapter: &Path, content: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let chapter_dir = src_dir.join(chapter.parent().unwrap_or(Path::new("")));
    let lines: Vec<&str> = content.lines().collect();
    for d in directives(content) {
        let at = format!("src/{}:{}: {}", chapter.display(), d.line, d.text);
        let line = lines.get(d.line - 1).copied().unwrap_or_default();
        let before = &line[..line.find("{{#").unwrap_or(0)];
        if !before.is_empty() && before.chars().all(|c| c.is_whitespace() || c == '>') {
            // mdBook pastes the file at the directive: only its first line gets this prefix,
            // the others fall out of the list item or quote and break the block.
            errors.push(format!(
                "{at}: an include inside a list item or quote (prefix {before:?}) breaks the \
                 block after its first line; move the block out to the left margin"
            ));
            continue;
        }
        let file = normalize(&chapter_dir.join(&d.path));
        let Ok(text) = fs::read_to_string(&file) else {
            errors.push(format!(
                "{at}: file {} does not exist",
                shown_path(root, &file)
            ));
            continue;
        };
        let Some(selector) = d.selector.filter(|s| !s.is_empty()) else {
            if text.trim().is_empty() {
                errors.push(format!("{at}: file {} is empty", shown_path(root, &file)));
            }
            continue;
        };
        if d.kind == "playground" {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        if is_line_range(&selector) {
            let mut parts = selector.splitn(2, ':');
            let start: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            let end: usize = parts
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(lines.len());
            if start == 0 || start > lines.len() || end > lines.len() || start > end {
                errors.push(format!(
                    "{at}: lines {selector} are outside {} ({} lines)",
                    shown_path(root, &file),
                    lines.len()
                ));
            }
            continue;
        }
        let starts: Vec<usize> = (0..lines.len())
            .filter(|&i| anchor_name(lines[i], "ANCHOR:").as_deref() == Some(selector.as_str()))
            .collect();
        let ends: Vec<usize> = (0..lines.len())
            .filter(|&i| anchor_name(lines[i], "ANCHOR_END:").as_deref() == Some(selector.as_str()))
            .collect();
        if starts.is_empty() {
            let mut known: Vec<String> = lines
                .iter()
                .filter_map(|l| anchor_name(l, "ANCHOR:"))
                .collect();
            known.sort();
            known.dedup();
            errors.push(format!(
                "{at}: anchor `{selector}` not found in {} (anchors there: {})",
                shown_path(root, &file),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ));
            continue;
        }
        if ends.is_empty() {
            errors.push(format!(
                "{at}: anchor `{selector}` has no `ANCHOR_END: {selector}` in {}",
                shown_path(root, &file)
            ));
            continue;
        }
        let region_has_code = starts.iter().any(|&s| {
            lines[s + 1..]
                .iter()
                .take_while(|l| anchor_name(l, "ANCHOR_END:").as_deref() != Some(&selector))
                .any(|l| {
                    !l.trim().is_empty()
                        && anchor_name(l, "ANCHOR:").is_none()
                        && anchor_name(l, "ANCHOR_END:").is_none()
                })
        });
        if !region_has_code {
            errors.push(format!(
                "{at}: anchor `{selector}` in {} encloses no code",
                shown_path(root, &file)
            ));
        }
    }
    errors
}

/// The anchors (`ANCHOR: name`) in the files under `dirs` (relative to `root`) that no page
/// shows: `shown` holds each included file with the anchor a directive selects. A reader who
/// opens or copies the file finds the marker and nothing it marks. A copy kept in several
/// recipe folders (the same text after its opening `//!` comment, `tests/shared_copies.rs`)
/// shows an anchor if one of them does. One error each, naming the file and the line.
pub fn unshown_anchors(root: &Path, dirs: &[&str], shown: &[(PathBuf, String)]) -> Vec<String> {
    let mut by_file: BTreeMap<&Path, HashSet<&str>> = BTreeMap::new();
    for (file, anchor) in shown {
        by_file.entry(file).or_default().insert(anchor);
    }
    // The anchors shown, by the text they are shown from (each file read once).
    let mut by_text: HashMap<String, HashSet<&str>> = HashMap::new();
    for (file, anchors) in by_file {
        if let Ok(text) = fs::read_to_string(file) {
            let text = without_opening_comment(&text);
            by_text.entry(text).or_default().extend(anchors);
        }
    }
    let mut errors = Vec::new();
    let files = dirs.iter().flat_map(|dir| {
        WalkDir::new(root.join(dir))
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| entry.file_name() != "target")
            .flatten()
            .filter(|entry| entry.file_type().is_file())
    });
    for entry in files {
        let Ok(text) = fs::read_to_string(entry.path()) else {
            continue; // not text
        };
        let shown_here = by_text.get(&without_opening_comment(&text));
        for (index, line) in text.lines().enumerate() {
            // A marker stands on a line of its own, after a comment's opening at most: not
            // the `ANCHOR:` a program writes into a file it makes.
            let before = &line[..line.find("ANCHOR:").unwrap_or(0)];
            let Some(name) = anchor_name(line, "ANCHOR:").filter(|_| {
                before
                    .chars()
                    .all(|c| c.is_whitespace() || "/#*-<!;".contains(c))
            }) else {
                continue;
            };
            if !shown_here.is_some_and(|anchors| anchors.contains(name.as_str())) {
                errors.push(format!(
                    "{}:{}: anchor `{name}` is shown by no page: remove its `ANCHOR` and \
                     `ANCHOR_END` lines, or include it in a page",
                    shown_path(root, entry.path()),
                    index + 1
                ));
            }
        }
    }
    errors
}

pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

pub fn shown_path(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// A line rustdoc and mdBook hide: `# code` or a lone `#`.
pub fn is_hidden(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("# ") || trimmed == "#"
}

/// The Markdown files under `src_dir` that are neither a chapter of `SUMMARY.md` (`chapters`,
/// relative to `src_dir`) nor included by one (`included`, absolute): mdBook renders none of
/// them, and nothing checks them. One error each, naming the file.
pub fn unlisted_pages(src_dir: &Path, chapters: &[PathBuf], included: &[PathBuf]) -> Vec<String> {
    let included: Vec<PathBuf> = included.iter().map(|file| normalize(file)).collect();
    WalkDir::new(src_dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .filter_map(|path| {
            let relative = path.strip_prefix(src_dir).ok()?;
            let listed = relative == Path::new("SUMMARY.md")
                || chapters.iter().any(|chapter| chapter == relative)
                || included.contains(&normalize(&path));
            (!listed).then(|| {
                format!(
                    "src/{}: not in SUMMARY.md and included by no page, so mdBook shows it \
                     nowhere and nothing checks it: link it in src/SUMMARY.md",
                    relative.display()
                )
            })
        })
        .collect()
}
