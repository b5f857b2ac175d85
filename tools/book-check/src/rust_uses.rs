//! What a piece of Rust code refers to outside itself, read from its tokens: the crates its
//! paths start from, and whether it declares modules that live in other files. Used by
//! build.rs (which blocks may show mdBook's Run button) and by the root crate's
//! `tests/run_it_locally.rs` (which dependencies a recipe's program needs). Standard library only.
//!
//! This is a lexical scan, not a compiler: comments and literals are skipped, `use` trees,
//! `extern crate` and every path root (`name::…`) are collected, and names the code declares
//! itself (`mod x`, `use a::x`, `use a as x`) are left out. Callers decide which of the
//! remaining names are crates (by looking them up in `Cargo.lock`).

use std::collections::BTreeSet;

/// Crates every Rust program has.
pub const STANDARD_CRATES: &[&str] = &["std", "core", "alloc", "proc_macro", "test"];

const KEYWORDS: &[&str] = &["crate", "self", "super", "Self"];

/// The code with rustdoc's hidden-line markers (`# `) removed, so hidden lines count.
pub fn unhide(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    for line in code.lines() {
        let trimmed = line.trim_start();
        let shown = if trimmed == "#" {
            ""
        } else if let Some(rest) = trimmed.strip_prefix("# ") {
            rest
        } else if let Some(rest) = trimmed.strip_prefix("##") {
            // `##` escapes a line that really starts with `#`.
            out.push('#');
            rest
        } else {
            line
        };
        out.push_str(shown);
        out.push('\n');
    }
    out
}

/// The code with comments, strings and character literals replaced by spaces (lines kept).
pub fn strip_comments_and_literals(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && !prev_is_ident(&chars, i)
            && raw_string_start(&chars, i + usize::from(c == 'b')).is_some()
        {
            let start = i + usize::from(c == 'b');
            let hashes = raw_string_start(&chars, start).unwrap_or(0);
            // Skip `r`, the hashes and the quote, then find `"` followed by as many hashes.
            let mut j = start + 1 + hashes + 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &skipped in &chars[i..j.min(chars.len())] {
                out.push(blank(skipped));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{1F600}'), or a lifetime ('a) left as is.
            let end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// At `r` of `r"…"` or `r#"…"#`: the number of hashes.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i) != Some(&'r') {
        return None;
    }
    let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
    (chars.get(i + 1 + hashes) == Some(&'"')).then_some(hashes)
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            found.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            found.push(Token::PathSep);
            i += 2;
        } else {
            if !c.is_whitespace() {
                found.push(Token::Punct(c));
            }
            i += 1;
        }
    }
    found
}

/// What a piece of code refers to outside itself.
#[derive(Debug, Default, PartialEq)]
pub struct Uses {
    /// First segments of paths, `use` trees and `extern crate`s that the code does not declare
    /// itself and that are not the standard library: crates, or names from elsewhere.
    pub roots: BTreeSet<String>,
    /// The code declares a module whose body is in another file (`mod name;`).
    pub file_modules: BTreeSet<String>,
}

/// Scans Rust code (rustdoc hidden lines included, see [`unhide`]).
pub fn scan(code: &str) -> Uses {
    let code = strip_comments_and_literals(&unhide(code));
    let tokens = tokens(&code);
    let ident = |i: usize| match tokens.get(i) {
        Some(Token::Ident(name)) => Some(name.as_str()),
        _ => None,
    };
    let mut roots = BTreeSet::new();
    // `::name::…` names a crate even where a module of the same name is declared.
    let mut extern_roots = BTreeSet::new();
    let mut declared = BTreeSet::new();
    let mut file_modules = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        match ident(i) {
            Some("mod") => {
                if let Some(name) = ident(i + 1) {
                    declared.insert(name.to_owned());
                    if tokens.get(i + 2) == Some(&Token::Punct(';')) {
                        file_modules.insert(name.to_owned());
                    }
                }
                i += 2;
            }
            Some("extern") if ident(i + 1) == Some("crate") => {
                if let Some(name) = ident(i + 2) {
                    roots.insert(name.to_owned());
                    if ident(i + 3) == Some("as")
                        && let Some(alias) = ident(i + 4)
                    {
                        declared.insert(alias.to_owned());
                    }
                }
                i += 3;
            }
            Some("use") => {
                // `use a::b::{c, d::e as f};`: the root is `a` (after an optional `::`);
                // every last name and alias is declared here.
                let mut j = i + 1;
                let explicit = tokens.get(j) == Some(&Token::PathSep);
                if explicit {
                    j += 1;
                }
                if let Some(first) = ident(j) {
                    if explicit {
                        extern_roots.insert(first.to_owned());
                    } else {
                        roots.insert(first.to_owned());
                    }
                }
                let mut depth = 0;
                while j < tokens.len() {
                    match &tokens[j] {
                        Token::Punct('{') => depth += 1,
                        Token::Punct('}') => depth -= 1,
                        Token::Punct(';') if depth <= 0 => break,
                        Token::Ident(name)
                            if tokens.get(j + 1) != Some(&Token::PathSep)
                                && name != "as"
                                && name != "self" =>
                        {
                            declared.insert(name.clone());
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
            }
            Some(name) => {
                let starts_path = tokens.get(i + 1) == Some(&Token::PathSep)
                    && (i == 0 || tokens[i - 1] != Token::PathSep);
                if starts_path {
                    roots.insert(name.to_owned());
                }
                // `::name` at the start of a path (not `a::name`, `<T>::name`, `f()::…`).
                let after_leading_sep = i >= 1
                    && tokens[i - 1] == Token::PathSep
                    && (i < 2
                        || !matches!(
                            tokens[i - 2],
                            Token::Ident(_) | Token::Punct('>') | Token::Punct(')')
                        ));
                if after_leading_sep && tokens.get(i + 1) == Some(&Token::PathSep) {
                    extern_roots.insert(name.to_owned());
                }
                i += 1;
            }
            None => i += 1,
        }
    }
    let roots = roots
        .into_iter()
        .filter(|r| !declared.contains(r))
        .chain(extern_roots)
        .filter(|r| {
            !STANDARD_CRATES.contains(&r.as_str())
                && !KEYWORDS.contains(&r.as_str())
                && !is_primitive(r)
        })
        .collect();
    Uses {
        roots,
        file_modules,
    }
}

fn is_primitive(name: &str) -> bool {
    matches!(
        name,
        "bool"
            | "char"
            | "str"
            | "f32"
            | "f64"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
    )
}

/// The paths a program names in its string literals that start with one of `prefixes`
/// (`"crates/ch10-plugin/src"`): files of the repository it reads when it runs.
pub fn repository_paths(code: &str, prefixes: &[&str]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for piece in code.split('"').skip(1).step_by(2) {
        if prefixes.iter().any(|p| piece.starts_with(p))
            && !piece.contains(char::is_whitespace)
            && !piece.contains('{')
        {
            found.insert(piece.to_owned());
        }
    }
    found
}
