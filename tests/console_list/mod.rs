//! `tests/console-commands.txt`, the commands the book's console blocks run: written by
//! `tests/console.rs` (through snapbox, so `cargo xtask bless` rewrites it) and run by
//! `tests/console_commands.rs`. One line per command: `PAGE: COMMAND  # exits N`, the page
//! without the line, which prose edits move.
// Each of the two binaries that include this module uses a part of it.
#![allow(dead_code)]

use std::fs;

use book_support::root;

/// The list, from the workspace root.
pub const LIST: &str = "tests/console-commands.txt";

/// Its first line, which says where it comes from.
pub const HEADER: &str = "# The commands the book's pages run (tests/console.rs lists them, \
                          tests/console_commands.rs runs them); `cargo xtask bless` rewrites \
                          this file.";

/// One command: the page that shows it, the command, the exit code it must end with.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub page: String,
    pub command: String,
    pub exits: i32,
}

impl Entry {
    /// Its line in the list.
    pub fn line(&self) -> String {
        format!("{}: {}  # exits {}", self.page, self.command, self.exits)
    }

    /// An entry from its line in the list; `None` for the header and for a line that is not
    /// `PAGE: COMMAND  # exits N`.
    pub fn parse(line: &str) -> Option<Entry> {
        let (page, rest) = line.split_once(": ")?;
        let (command, exits) = rest.rsplit_once("  # exits ")?;
        Some(Entry {
            page: page.to_owned(),
            command: command.to_owned(),
            exits: exits.parse().ok()?,
        })
    }
}

/// The list as `entries` make it, one line each after the header.
pub fn text<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> String {
    let mut text = format!("{HEADER}\n");
    for entry in entries {
        text.push_str(&entry.line());
        text.push('\n');
    }
    text
}

/// The entries of the list as it is in the repository (none when it is missing), with the
/// lines that are not entries.
pub fn read() -> (Vec<Entry>, Vec<String>) {
    let text = fs::read_to_string(root().join(LIST)).unwrap_or_default();
    let (mut entries, mut other) = (Vec::new(), Vec::new());
    for line in text
        .lines()
        .filter(|l| *l != HEADER && !l.trim().is_empty())
    {
        match Entry::parse(line) {
            Some(entry) => entries.push(entry),
            None => other.push(line.to_owned()),
        }
    }
    (entries, other)
}
