//! What a piece of Rust code refers to outside itself, read from its tokens: the crates its
//! paths start from, and whether it declares modules that live in other files. Used by
//! build.rs to decide which blocks may show mdBook's Run button.
//!
//! This reads tokens, not meaning: proc-macro2 lexes the code (comments dropped, literals
//! whole), then `use` trees, `extern crate` and every path root (`name::…`) are collected, and
//! names the code declares itself (`mod x`, `use a::x`, `use a as x`) are left out. Callers
//! decide which of the remaining names are crates (by looking them up in `Cargo.lock`).

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, LexError, Spacing, TokenStream, TokenTree};

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

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// The code's tokens in order, each group as its opening delimiter, its tokens and its closing
/// one; literals are left out (nothing in them is a path).
fn tokens(code: &str) -> Result<Vec<Token>, LexError> {
    fn flatten(stream: TokenStream, found: &mut Vec<Token>) {
        // proc-macro2 gives `::` as two puncts, the first joined to the second.
        let mut after_joint_colon = false;
        for tree in stream {
            let joint_colon = matches!(&tree, TokenTree::Punct(p)
                if p.as_char() == ':' && p.spacing() == Spacing::Joint && !after_joint_colon);
            match tree {
                TokenTree::Punct(punct) if punct.as_char() == ':' && after_joint_colon => {
                    found.pop();
                    found.push(Token::PathSep);
                }
                TokenTree::Punct(punct) => found.push(Token::Punct(punct.as_char())),
                TokenTree::Ident(ident) => found.push(Token::Ident(ident.to_string())),
                TokenTree::Group(group) => {
                    let (open, close) = match group.delimiter() {
                        Delimiter::Brace => (Some('{'), Some('}')),
                        Delimiter::Parenthesis => (Some('('), Some(')')),
                        Delimiter::Bracket => (Some('['), Some(']')),
                        Delimiter::None => (None, None),
                    };
                    found.extend(open.map(Token::Punct));
                    flatten(group.stream(), found);
                    found.extend(close.map(Token::Punct));
                }
                TokenTree::Literal(_) => {}
            }
            after_joint_colon = joint_colon;
        }
    }
    let stream: TokenStream = code.parse()?;
    let mut found = Vec::new();
    flatten(stream, &mut found);
    Ok(found)
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

/// Scans Rust code (rustdoc hidden lines included, see [`unhide`]); fails if it does not lex
/// as Rust (an unclosed string or delimiter, say).
pub fn scan(code: &str) -> Result<Uses, String> {
    let tokens = tokens(&unhide(code)).map_err(|error| error.to_string())?;
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
    Ok(Uses {
        roots,
        file_modules,
    })
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
