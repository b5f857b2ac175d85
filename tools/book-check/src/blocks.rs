//! Rules about the code blocks of a page as written, shared by build.rs (which fails the build
//! on them) and the tests of the rules (tests/rules.rs). Each problem names the page and line.
//!
//! - every block the book colours as Rust is fenced ```` ```rust ````, so skeptic and mdBook's
//!   playground treat it as Rust too, and says no edition other than the book's;
//! - no indented code block (only fenced blocks are sorted and tested);
//! - a file is shown in the language it is written in, and a manifest is always one Cargo
//!   uses (a `toml` block is an include);
//! - a shown part of a Rust file (an anchor region or a line range) is complete Rust syntax,
//!   and a shown part of a TOML file is whole TOML;
//! - a `compile_fail` block is followed by its own case's `.stderr` and nothing else.

use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
use regex::Regex;

use crate::check::{Directive, directives, normalize, shown_path};

/// A code block, located in its file.
pub struct Fence {
    pub info: String,
    /// 1-based line of the opening fence.
    pub fence_line: usize,
    /// 1-based line of the closing fence (the last line of the block when it has none).
    pub end_line: usize,
    /// What skeptic puts in the test name: newlines before the block's first text.
    pub skeptic_line: usize,
    pub text: String,
}

/// The fenced code blocks of a Markdown text, as pulldown-cmark (skeptic's parser) finds them.
pub fn fences(markdown: &str) -> Vec<Fence> {
    blocks(markdown, true)
}

/// The 1-based first lines of the indented (four-space) code blocks of a Markdown text.
pub fn indented_blocks(markdown: &str) -> Vec<usize> {
    blocks(markdown, false)
        .into_iter()
        .map(|b| b.fence_line)
        .collect()
}

fn blocks(markdown: &str, fenced: bool) -> Vec<Fence> {
    let line_of = |offset: usize| markdown[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut current: Option<Fence> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) if fenced => info.to_string(),
                    CodeBlockKind::Indented if !fenced => String::new(),
                    _ => continue,
                };
                current = Some(Fence {
                    info,
                    fence_line: line_of(range.start),
                    end_line: line_of(range.end.saturating_sub(1).max(range.start)),
                    skeptic_line: 0,
                    text: String::new(),
                });
            }
            Event::Text(text) => {
                if let Some(fence) = current.as_mut() {
                    if fence.text.is_empty() {
                        fence.skeptic_line = markdown[..range.start].matches('\n').count();
                    }
                    fence.text.push_str(&text);
                }
            }
            Event::End(Tag::CodeBlock(_)) => found.extend(current.take()),
            _ => {}
        }
    }
    found
}

/// The info string's words, split as rustdoc and skeptic split them.
pub fn info_tokens(info: &str) -> Vec<&str> {
    info.split(|c: char| !(c == '_' || c == '-' || c.is_alphanumeric()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether skeptic (like rustdoc) takes a block for Rust: a `rust` word in its info string.
pub fn tested_as_rust(info: &str) -> bool {
    info_tokens(info).contains(&"rust")
}

/// The language mdBook 0.5.4 gives a fenced block: the first word of its info string, split
/// at spaces, tabs and commas; it writes `class="language-<first> <other words>"`.
pub fn mdbook_language(info: &str) -> &str {
    info.split([' ', '\t', ','])
        .find(|w| !w.is_empty())
        .unwrap_or("")
}

/// Whether the browser colours a fenced block as Rust. mdBook 0.5.4 ships highlight.js 10.1.1
/// with auto-detection off (`languages: []` in book.js); its `blockLanguage` takes the first
/// match of `\blang(?:uage)?-([\w-]+)\b` (any case) in the classes, else the first class that
/// names a language. Its Rust is `rust` with the alias `rs`. Hand-written (no crate models
/// highlight.js); where no `lang-` class matches, any class `rust`/`rs` counts, which can only
/// refuse more.
pub fn highlighted_as_rust(info: &str) -> bool {
    static CLASS_LANGUAGE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i-u)\blang(?:uage)?-([\w-]+)\b").expect("regex"));
    let first = mdbook_language(info);
    if first.is_empty() {
        return false;
    }
    let mut classes = vec![format!("language-{first}")];
    classes.extend(
        info.split([' ', '\t', ','])
            .filter(|w| !w.is_empty())
            .skip(1)
            .map(str::to_owned),
    );
    let is_rust = |name: &str| matches!(name.to_ascii_lowercase().as_str(), "rust" | "rs");
    match CLASS_LANGUAGE.captures(&classes.join(" ")) {
        Some(found) => is_rust(&found[1]),
        None => classes.iter().any(|c| is_rust(c)),
    }
}

/// The 1-based lines of raw HTML `<pre>`/`<code>` elements whose classes highlight.js reads
/// as Rust (the rule of `highlighted_as_rust`, on the element's own class list): coloured as
/// Rust in the browser, but no fenced block, so neither sorted nor tested.
pub fn html_rust_code(markdown: &str) -> Vec<usize> {
    static ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?is)<(?:pre|code)\b[^>]*?\bclass\s*=\s*["']([^"']*)["']"#).expect("regex")
    });
    static CLASS_LANGUAGE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i-u)\blang(?:uage)?-([\w-]+)\b").expect("regex"));
    let is_rust = |name: &str| matches!(name.to_ascii_lowercase().as_str(), "rust" | "rs");
    let mut found = Vec::new();
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        let html = match event {
            Event::Html(html) => html,
            _ => continue,
        };
        for element in ELEMENT.captures_iter(&html) {
            let classes = &element[1];
            let rust = match CLASS_LANGUAGE.captures(classes) {
                Some(found) => is_rust(&found[1]),
                None => classes.split_whitespace().any(is_rust),
            };
            if rust {
                let offset = range.start + element.get(0).map_or(0, |m| m.start());
                found.push(markdown[..offset.min(markdown.len())].matches('\n').count() + 1);
            }
        }
    }
    found
}

/// The language a file's name says it is written in, where a block's language must match it.
fn file_language(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        _ if name == "Cargo.lock" => Some("toml"),
        Some("rs") => Some("rust"),
        Some("toml") => Some("toml"),
        Some("md") => Some("markdown"),
        _ => None,
    }
}

/// The block's language in the terms of `file_language`.
fn block_language(info: &str) -> String {
    if tested_as_rust(info) || highlighted_as_rust(info) {
        return "rust".into();
    }
    match mdbook_language(info).to_ascii_lowercase().as_str() {
        "md" | "markdown" => "markdown".into(),
        other => other.into(),
    }
}

/// The block's one directive, when its body is that directive and nothing else.
pub fn only_directive(body: &str) -> Option<Directive> {
    let lines: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
    match lines.as_slice() {
        [one] if one.trim().starts_with("{{#") && one.trim().ends_with("}}") => {
            directives(one).into_iter().next()
        }
        _ => None,
    }
}

/// The block's directives, when every line of its body that is not blank is one directive.
pub fn only_directives(body: &str) -> Option<Vec<Directive>> {
    let lines: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut found = Vec::new();
    for line in &lines {
        found.push(only_directive(line)?);
    }
    (!found.is_empty()).then_some(found)
}

/// The lines of `text` a directive shows, as mdBook 0.5.4's `take_lines.rs` takes them
/// (its functions are private to mdbook-driver): a line range `a:b` (1-based, inclusive; `a`
/// alone is one line), or the lines between `ANCHOR: name` and `ANCHOR_END: name` without any
/// anchor line, of the first region for `include` and of every region for `rustdoc_include`.
pub fn shown_part(text: &str, selector: &str, every_region: bool) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if selector.chars().all(|c| c.is_ascii_digit() || c == ':') {
        let (start, end) = match selector.split_once(':') {
            Some((a, b)) => (a.parse().unwrap_or(1), b.parse().unwrap_or(lines.len())),
            None => {
                let n = selector.parse().unwrap_or(1);
                (n, n)
            }
        };
        let start: usize = start.max(1);
        return lines
            .get(start - 1..end.min(lines.len()))
            .unwrap_or_default()
            .join("\n");
    }
    static START: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"ANCHOR:\s*([\w_-]+)").expect("regex"));
    static END: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"ANCHOR_END:\s*([\w_-]+)").expect("regex"));
    let mut shown = Vec::new();
    let mut inside = false;
    for line in lines {
        if !line.contains("ANCHOR") {
            // No marker (the regexes are slow in debug builds): a line of code.
            if inside {
                shown.push(line);
            }
            continue;
        }
        if inside {
            match END.captures(line) {
                Some(end) if &end[1] == selector => {
                    inside = false;
                    if !every_region {
                        break;
                    }
                }
                Some(_) => {}
                None if START.is_match(line) => {}
                None => shown.push(line),
            }
        } else if START.captures(line).is_some_and(|s| &s[1] == selector) {
            inside = true;
        }
    }
    shown.join("\n")
}

/// Whether `code` is complete Rust: it tokenizes with balanced delimiters and parses as items,
/// as statements or as one expression (`syn`, the parser of Rust's procedural macros).
pub fn complete_rust(code: &str) -> Result<(), String> {
    use syn::parse::Parser as _;
    let tokens: proc_macro2::TokenStream = code
        .parse()
        .map_err(|_| "it does not tokenize as Rust (an unclosed delimiter, string or comment)")?;
    let items = syn::parse2::<syn::File>(tokens.clone());
    if items.is_ok()
        || syn::Block::parse_within.parse2(tokens.clone()).is_ok()
        || syn::parse2::<syn::Expr>(tokens).is_ok()
    {
        return Ok(());
    }
    Err(format!(
        "it is not complete Rust: it parses neither as items, nor as statements, nor as an \
         expression (as items: {})",
        items.err().map(|e| e.to_string()).unwrap_or_default()
    ))
}

/// Lines of prose (outside code) that say which version something was tested with, such as
/// "tested with rustc 1.88.0": a claim no run produced.
pub fn version_claims(markdown: &str) -> Vec<usize> {
    let line_of = |offset: usize| markdown[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut in_code = false;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(Tag::CodeBlock(_)) => in_code = false,
            Event::Text(text) if !in_code => {
                let text = text.to_lowercase();
                let claim = ["tested with ", "tested on ", "tested against "]
                    .iter()
                    .filter_map(|phrase| text.find(phrase).map(|at| &text[at + phrase.len()..]))
                    .any(|rest| {
                        let rest: String = rest.chars().take(40).collect();
                        let bytes = rest.as_bytes();
                        bytes
                            .windows(3)
                            .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
                    });
                if claim {
                    found.push(line_of(range.start));
                }
            }
            _ => {}
        }
    }
    found
}

/// Every problem with the blocks of one page as written. `shown` is the page's path as a
/// reader names it (`src/ch10/page.md`); `chapter_dir` the directory its includes are relative
/// to; `expands` whether mdBook expands its directives (not in README.md); `edition` the
/// book's edition.
pub fn check_page(
    root: &Path,
    chapter_dir: &Path,
    shown: &str,
    source: &str,
    expands: bool,
    edition: &str,
) -> Vec<String> {
    let mut errors = Vec::new();
    for line in indented_blocks(source) {
        errors.push(format!(
            "{shown}:{line}: an indented code block: only fenced blocks are sorted and tested; \
             fence it with its language (```rust, ```text, …), or indent it less"
        ));
    }
    for line in version_claims(source) {
        errors.push(format!(
            "{shown}:{line}: names the version something was tested with, which no run checks: \
             drop it, or include it from a file the test run writes (like the stamped bench tables)"
        ));
    }
    for line in html_rust_code(source) {
        errors.push(format!(
            "{shown}:{line}: raw HTML code coloured as Rust (class language-rust): it is not \
             tested; write a ```rust block"
        ));
    }
    let fences = fences(source);
    let lines: Vec<&str> = source.lines().collect();
    let file_of = |d: &Directive| shown_path(root, &normalize(&chapter_dir.join(&d.path)));
    let include_of = |fence: &Fence| {
        only_directive(&fence.text)
            .filter(|_| expands)
            .map(|d| (file_of(&d), d))
    };
    for (index, fence) in fences.iter().enumerate() {
        let at = format!("{shown}:{}", fence.fence_line);
        let info = fence.info.trim();
        let rust = tested_as_rust(info);
        if highlighted_as_rust(info) && !rust {
            errors.push(format!(
                "{at}: ```{info} is coloured as Rust in the book, but only ```rust is tested, \
                 gets hidden lines and a Run button: write ```rust"
            ));
        }
        if rust {
            for word in info_tokens(info) {
                if word.starts_with("edition") && word != format!("edition{edition}") {
                    errors.push(format!(
                        "{at}: ```{info} asks for {word}, but every block is compiled in the \
                         book's edition {edition} (book.toml): drop `{word}`"
                    ));
                }
            }
        }
        let shown_files = only_directives(&fence.text).filter(|_| expands);
        // What a block written in the page prints, typed below it, is compared with nothing.
        if rust && expands && shown_files.is_none() && !info_tokens(info).contains(&"compile_fail")
        {
            let next = fences.get(index + 1);
            let typed_output = next.filter(|n| {
                !tested_as_rust(&n.info)
                    && only_directives(&n.text).is_none()
                    && lines
                        .get(fence.end_line..n.fence_line - 1)
                        .is_some_and(|between| {
                            let between = between.join(" ").to_lowercase();
                            between.contains("prints") || between.contains("output")
                        })
            });
            if let Some(n) = typed_output {
                errors.push(format!(
                    "{shown}:{}: the output of the Rust block at line {} is typed by hand, and \
                     nothing compares it: check the outcome with assertions in the block, or \
                     move the program into its recipe package and include its output.txt",
                    n.fence_line, fence.fence_line
                ));
            }
        }
        if expands && block_language(info) == "toml" && shown_files.is_none() {
            errors.push(format!(
                "{at}: a ```toml block typed into the page is checked by nothing: include the \
                 part of a manifest Cargo uses ({{{{#include …/Cargo.toml:anchor}}}})"
            ));
        }
        let language = block_language(info);
        let files: Vec<String> = shown_files.iter().flatten().map(file_of).collect();
        for file in &files {
            if file.starts_with("tests/compile-fail/") && file.ends_with(".stderr") {
                let case = Path::new(file).with_extension("rs");
                let case = case.to_string_lossy();
                let previous = index.checked_sub(1).map(|i| &fences[i]);
                let follows_its_case = files.len() == 1
                    && previous.is_some_and(|p| {
                        info_tokens(&p.info).contains(&"compile_fail")
                            && include_of(p).is_some_and(|(f, _)| f == case)
                    });
                if !follows_its_case {
                    errors.push(format!(
                        "{at}: {file} is the message of {case}: show it alone, right after that \
                         compile_fail case, and nowhere else"
                    ));
                }
            }
        }
        for directive in shown_files.into_iter().flatten() {
            let file = file_of(&directive);
            if let Some(written) = file_language(&file) {
                if written != language {
                    errors.push(format!(
                        "{at}: {file} is {written}, shown in a ```{} block: fence it ```{written}",
                        mdbook_language(info)
                    ));
                    continue;
                }
            } else if language == "rust" || language == "toml" || language == "markdown" {
                errors.push(format!(
                    "{at}: {file} is not {language}, shown in a ```{info} block: fence it ```text"
                ));
                continue;
            }
            if let Some(selector) = directive.selector.as_deref().filter(|s| !s.is_empty())
                && directive.kind != "playground"
                && let Ok(text) = fs::read_to_string(root.join(&file))
            {
                let part = shown_part(&text, selector, directive.kind == "rustdoc_include");
                if language == "rust"
                    && let Err(why) = complete_rust(&part)
                {
                    errors.push(format!(
                        "{at}: the part of {file} shown ({selector}) is not a whole piece of \
                         code: {why}; move the anchor so it encloses whole items, statements or \
                         an expression"
                    ));
                }
                if language == "toml"
                    && let Err(why) = part.parse::<toml::Table>()
                {
                    let why = why.message().to_owned();
                    errors.push(format!(
                        "{at}: the part of {file} shown ({selector}) is not whole TOML ({why}); \
                         move the anchor so it encloses whole tables or keys"
                    ));
                }
            }
        }
        let Some((file, _)) = include_of(fence) else {
            continue;
        };
        // A compile_fail case and the message beside it are one pair.
        let stderr_of_case = rust && info_tokens(info).contains(&"compile_fail");
        if stderr_of_case {
            let wanted = Path::new(&file).with_extension("stderr");
            let wanted = wanted.to_string_lossy();
            let next = fences.get(index + 1);
            let adjacent = next.is_some_and(|n| {
                lines
                    .get(fence.end_line..n.fence_line - 1)
                    .is_some_and(|between| between.iter().all(|l| l.trim().is_empty()))
            });
            let message = next.and_then(|n| {
                include_of(n).filter(|(_, d)| d.kind == "include" && d.selector.is_none())
            });
            let ok = adjacent
                && next.is_some_and(|n| !tested_as_rust(&n.info))
                && message.as_ref().is_some_and(|(f, _)| *f == wanted);
            if !ok {
                errors.push(format!(
                    "{at}: the block right after this compile_fail case must be ```text with \
                     only {{{{#include …/{}}}}}, the message trybuild checks for this case{}",
                    Path::new(&*wanted)
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy(),
                    match &message {
                        Some((f, _)) if *f != wanted => format!(" (it shows {f})"),
                        _ => String::new(),
                    }
                ));
            }
        }
    }
    errors
}
