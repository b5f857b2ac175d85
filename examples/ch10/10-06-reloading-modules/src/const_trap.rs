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
        // Each help line links the lint's page for clippy's own version; any version's page
        // documents the lint, so compare the rest and keep the version the page shows.
        let recorded = std::fs::read_to_string(root.join("const_trap.clippy.txt"))
            .expect("const_trap.clippy.txt");
        let said = match (clippy_version(&recorded), clippy_version(&said)) {
            (Some(shown), Some(now)) => said.replace(&now, &shown),
            _ => said,
        };
        snapbox::assert_data_eq!(said, snapbox::file!["../const_trap.clippy.txt"].raw());
    }

    /// `rust-clippy/rust-1.95.0/` in clippy's help links, if there is one.
    fn clippy_version(text: &str) -> Option<String> {
        let start = text.find("rust-clippy/")?;
        let rest = &text[start..];
        let end = rest["rust-clippy/".len()..].find('/')? + "rust-clippy/".len() + 1;
        Some(rest[..end].to_owned())
    }
}
