//! The trap: a `const` that holds an atomic. It compiles, and counts nothing.
//! This file also compiles on its own, so the recipe's test can run clippy on it.

use std::sync::atomic::{AtomicUsize, Ordering};

// ANCHOR: trap
/// Wrong: a `const` is a value, not a place. Each use below makes a fresh `AtomicUsize`.
pub const CALLS: AtomicUsize = AtomicUsize::new(0);

pub fn count_call() -> usize {
    CALLS.fetch_add(1, Ordering::Relaxed); // increments a temporary copy
    CALLS.load(Ordering::Relaxed) // reads another fresh copy: always 0
}
// ANCHOR_END: trap

#[cfg(test)]
mod tests {
    use std::env;
    use std::path::Path;
    use std::process::Command;

    use super::*;

    #[test]
    fn a_const_atomic_counts_nothing() {
        assert_eq!([count_call(), count_call(), count_call()], [0, 0, 0]);
    }

    /// `const_trap.clippy.txt` records clippy's warnings about this file, which the page
    /// quotes; this checks they are still what clippy says. After review, accept a new text
    /// with `SNAPSHOTS=overwrite cargo test -p ch10-06-reloading-modules`.
    #[test]
    fn clippy_still_warns_as_recorded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let here = "src";
        let out_dir = tempfile::tempdir().expect("a temporary directory");
        let run = Command::new("clippy-driver")
            .current_dir(root)
            .args(["--edition", "2024", "--crate-type", "lib", "--crate-name"])
            .args([
                "const_trap",
                "--emit=metadata",
                "--color=never",
                "--out-dir",
            ])
            .arg(out_dir.path())
            .arg(format!("{here}/const_trap.rs"))
            .output();
        let Ok(run) = run else {
            eprintln!("clippy-driver is not installed: not checked");
            return;
        };
        let said = String::from_utf8(run.stderr).expect("utf-8");
        // rustup installs a `clippy-driver` proxy even without the clippy component.
        if !run.status.success() && said.contains("is not installed") {
            eprintln!("clippy is not installed for this toolchain: not checked");
            return;
        }
        assert!(run.status.success(), "{said}");
        let recorded = std::fs::read_to_string(root.join("const_trap.clippy.txt"))
            .expect("const_trap.clippy.txt");
        // Each help line links the lint's page for clippy's own version (`rust-1.95.0`,
        // `master` for a nightly). The text is compared whole with the version that wrote it;
        // another version words its messages its own way, and must still name the same lints.
        let version = clippy_version(&recorded).expect("a help link in const_trap.clippy.txt");
        let bless = env::var("SNAPSHOTS").is_ok_and(|mode| mode == "overwrite");
        if clippy_version(&said).as_ref() != Some(&version) && !bless {
            assert_eq!(lints(&said), lints(&recorded), "{said}");
            eprintln!("recorded by another clippy ({version}): only the lints compared");
            return;
        }
        snapbox::assert_data_eq!(said, snapbox::file!["../const_trap.clippy.txt"].raw());
    }

    /// The clippy lints a message links to, in order, once each.
    fn lints(text: &str) -> Vec<&str> {
        let mut names = Vec::new();
        for link in text.split("index.html#").skip(1) {
            let end = link
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(link.len());
            if !names.contains(&&link[..end]) {
                names.push(&link[..end]);
            }
        }
        names
    }

    /// `rust-clippy/rust-1.95.0/` in clippy's help links, if there is one.
    fn clippy_version(text: &str) -> Option<String> {
        let start = text.find("rust-clippy/")?;
        let rest = &text[start..];
        let end = rest["rust-clippy/".len()..].find('/')? + "rust-clippy/".len() + 1;
        Some(rest[..end].to_owned())
    }
}
