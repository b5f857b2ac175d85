//! Internal links of the book, checked offline the way mdBook 0.5 renders them: a link to a
//! chapter must name a chapter of `SUMMARY.md`, a link to another file must name a file under
//! `src/` (mdBook copies those into the site), and a `#fragment` must be the id of a heading
//! on the target page, computed as mdBook computes it. build.rs extracts the links and
//! headings of every chapter (after includes) with [`check_pages`] and fails the build on what
//! [`check`] reports.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Component, Path, PathBuf};

/// One chapter: its path under `src/`, the ids of its headings, and the links it holds.
pub struct Page {
    /// `ch10/10-06-reloading-modules.md`, as in `SUMMARY.md`.
    pub path: String,
    pub ids: BTreeSet<String>,
    pub links: Vec<Link>,
}

pub struct Link {
    /// Where to report it: `src/ch10/10-06-reloading-modules.md:12`.
    pub at: String,
    pub target: String,
}

/// mdBook's `id_from_content` (mdbook-html 0.5.4, `utils.rs`).
pub fn heading_id(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|ch| {
            if ch.is_alphanumeric() || ch == '_' || ch == '-' {
                Some(ch)
            } else if ch.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// mdBook's `unique_id`: a repeated heading gets `-1`, `-2`, … appended.
pub fn unique_id(id: &str, used: &mut HashSet<String>) -> String {
    if used.insert(id.to_owned()) {
        return id.to_owned();
    }
    (1..)
        .map(|n| format!("{id}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .expect("an unused id")
}

/// `https:`, `mailto:`, … : links that leave the book.
pub fn is_external(target: &str) -> bool {
    target.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// Dead links: a missing file, a missing heading, a path outside `src/`.
    pub errors: Vec<String>,
    /// Links to chapters not written yet (no such file under `src/`): dead for a reader too,
    /// but while a chapter is being written its siblings may be too. build.rs reports them
    /// as warnings, which `.ci/run` refuses, so they never reach the published book.
    pub unwritten: Vec<String>,
}

/// Every dead internal link of `pages`, with where it is and why.
pub fn check(pages: &[Page], src_dir: &Path) -> Report {
    let by_path: BTreeMap<&str, &Page> = pages.iter().map(|p| (p.path.as_str(), p)).collect();
    let mut errors = Vec::new();
    let mut unwritten = Vec::new();
    for page in pages {
        let dir = Path::new(&page.path).parent().unwrap_or(Path::new(""));
        for link in &page.links {
            let target = link.target.as_str();
            if target.is_empty() || is_external(target) {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((file, fragment)) => (file, Some(fragment)),
                None => (target, None),
            };
            let file = file.split('?').next().unwrap_or("");
            let at = &link.at;
            let dead = |why: String| format!("{at}: dead link `{target}`: {why}");
            let target_page = if file.is_empty() {
                Some(page)
            } else if file.starts_with('/') {
                errors.push(dead(
                    "an absolute path depends on where the book is served; use a relative one"
                        .into(),
                ));
                continue;
            } else {
                let Some(resolved) = normalize(&dir.join(file)) else {
                    errors.push(dead(
                        "it points outside src/, which the built book does not contain (link \
                         to the page that shows the file instead)"
                            .into(),
                    ));
                    continue;
                };
                let resolved = resolved.to_string_lossy().replace('\\', "/");
                let as_chapter = if let Some(stem) = resolved.strip_suffix(".html") {
                    let stem = stem
                        .strip_suffix("index")
                        .map_or(stem.to_owned(), |d| format!("{d}README"));
                    format!("{stem}.md")
                } else {
                    resolved.clone()
                };
                if as_chapter.ends_with(".md") {
                    match by_path.get(as_chapter.as_str()) {
                        Some(found) => Some(*found),
                        None if !src_dir.join(&as_chapter).exists() => {
                            unwritten.push(dead(format!(
                                "src/{as_chapter} does not exist (yet?): link it once it is \
                                 written and listed in src/SUMMARY.md, write its title without \
                                 a link until then, or fix the file name"
                            )));
                            continue;
                        }
                        None => {
                            errors.push(dead(format!(
                                "{as_chapter} is not a chapter of src/SUMMARY.md, so mdBook does \
                                 not render it"
                            )));
                            continue;
                        }
                    }
                } else if src_dir.join(&resolved).is_file() {
                    None
                } else {
                    errors.push(dead(format!("src/{resolved} does not exist")));
                    continue;
                }
            };
            if let (Some(fragment), Some(target_page)) = (fragment, target_page)
                && !fragment.is_empty()
                && !target_page.ids.contains(fragment)
            {
                let near: Vec<&String> = target_page
                    .ids
                    .iter()
                    .filter(|id| id.contains(fragment) || fragment.contains(id.as_str()))
                    .take(3)
                    .collect();
                errors.push(dead(format!(
                    "src/{} has no heading with id `{fragment}`{}",
                    target_page.path,
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!(" (similar: {near:?})")
                    }
                )));
            }
        }
    }
    errors.sort();
    errors.dedup();
    unwritten.sort();
    unwritten.dedup();
    Report { errors, unwritten }
}

/// The links and heading ids of every chapter after includes, checked by `check`.
pub fn check_pages(src_dir: &Path, sources: &[(PathBuf, String)], expanded: &[String]) -> Report {
    use pulldown_cmark::{Event, Options, Parser, Tag};
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
                        ids.insert(
                            explicit.unwrap_or_else(|| unique_id(&heading_id(&words), &mut used)),
                        );
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
                    found.push(Link {
                        at: line,
                        target: target.to_string(),
                    });
                }
                _ => {}
            }
        }
        pages.push(Page {
            path: path.to_string_lossy().replace('\\', "/"),
            ids,
            links: found,
        });
    }
    check(&pages, src_dir)
}
