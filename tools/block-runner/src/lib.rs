//! Runs the book's Rust blocks through skeptic, naming the source chapter and line on failure,
//! and remembering which exact snippets already passed so that an edit of prose does not
//! recompile every snippet of the book.
//!
//! The memory is a stamp file per passed snippet in `target/<profile>/booktest-passed/`, named
//! by a hash of everything the outcome depends on: the snippet's full text (hidden lines
//! included), whether it is run or only compiled, the package it compiles in, `rustc -vV`,
//! `Cargo.lock`, `RUSTFLAGS` and the source of skeptic's runtime (vendor/skeptic/src/rt.rs).
//! Only stamps are stored, never executables, and each is written to a temporary name and then
//! renamed, so concurrent tests never see a half-written entry. A clean checkout has no stamps:
//! every snippet is compiled and run. `BOOKTEST_CACHE=0` turns the memory off.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;
use std::{env, fs, thread};

/// Compiles and runs one block, as `skeptic::rt::run_test` does. `line` is the line of its
/// opening fence in `chapter`; `in_page` says its code is written there (not included).
pub fn run_test(
    chapter: &str,
    line: usize,
    in_page: bool,
    root: &str,
    out_dir: &str,
    target: &str,
    text: &str,
) {
    let stamp = stamp_path(root, out_dir, "run", text);
    checked(chapter, line, in_page, text, stamp, || {
        skeptic::rt::run_test(root, out_dir, target, text)
    });
}

/// Compiles one `no_run` block, as `skeptic::rt::compile_test` does.
pub fn compile_test(
    chapter: &str,
    line: usize,
    in_page: bool,
    root: &str,
    out_dir: &str,
    target: &str,
    text: &str,
) {
    let stamp = stamp_path(root, out_dir, "compile", text);
    checked(chapter, line, in_page, text, stamp, || {
        skeptic::rt::compile_test(root, out_dir, target, text)
    });
}

fn checked(
    chapter: &str,
    line: usize,
    in_page: bool,
    text: &str,
    stamp: Option<PathBuf>,
    test: impl FnOnce(),
) {
    if let Some(stamp) = &stamp
        && stamp.exists()
    {
        println!(
            "{chapter}:{line}: unchanged since it last passed ({})",
            stamp.display()
        );
        return;
    }
    quiet_skeptic_panics();
    // libtest shows a failed test's output from its first line: this one names the block.
    // rustc's messages below call it `test.rs`: skeptic's default template writes a newline,
    // then the block's code, hidden lines included, so test.rs line N is page line line+N-1.
    let lines = if in_page && text.starts_with('\n') {
        format!("; in rustc's messages, test.rs line N is {chapter} line {line}+N-1")
    } else {
        String::new()
    };
    eprintln!("{chapter}:{line}: the Rust block written here, as skeptic tests it{lines}:");
    match panic::catch_unwind(AssertUnwindSafe(test)) {
        Ok(()) => {
            if let Some(stamp) = stamp {
                write_stamp(&stamp, &format!("{chapter}:{line}\n"));
            }
        }
        Err(failure) => {
            let why = failure
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| failure.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            // skeptic's message is the rustc or program command line, on a temporary file.
            let what = if why.contains("--crate-type") {
                "does not compile (rustc's message above names it test.rs)".to_owned()
            } else if why.contains("out.exe") {
                "compiles, but the program failed (its output is above)".to_owned()
            } else {
                format!("could not be tested: {why}")
            };
            panic!("{chapter}:{line}: the Rust block {what}");
        }
    }
}

/// skeptic reports a failure by panicking with the whole rustc command line (hundreds of
/// `--extern` paths); `checked` catches that panic and panics again naming the page and line.
/// This keeps the panic hook from printing the first one; every other panic prints as before.
fn quiet_skeptic_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let in_skeptic = info.location().is_some_and(|at| {
                let file = at.file().replace('\\', "/");
                file.contains("skeptic") && file.ends_with("/rt.rs")
            });
            if !in_skeptic {
                previous(info);
            }
        }));
    });
}

/// Everything a snippet's outcome depends on besides its own text.
static ENVIRONMENT: LazyLock<u64> = LazyLock::new(|| {
    let mut hasher = DefaultHasher::new();
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc).arg("-vV").output().map(|o| o.stdout);
    version.unwrap_or_default().hash(&mut hasher);
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    fs::read(lock).unwrap_or_default().hash(&mut hasher);
    env::var("RUSTFLAGS").unwrap_or_default().hash(&mut hasher);
    // How skeptic compiles a block (its edition, its flags) is in its runtime: a patch to it
    // re-tests every block.
    include_str!("../vendor/skeptic/src/rt.rs").hash(&mut hasher);
    hasher.finish()
});

fn stamp_path(root: &str, out_dir: &str, mode: &str, text: &str) -> Option<PathBuf> {
    if env::var("BOOKTEST_CACHE").is_ok_and(|v| v == "0") {
        return None;
    }
    let mut hasher = DefaultHasher::new();
    // `root` is the package whose edition and dependencies the block compiles with.
    (*ENVIRONMENT, root, mode, text).hash(&mut hasher);
    // A build script's OUT_DIR: target/<profile>/build/<package>-<hash>/out (or
    // …/build/<package>/<hash>/out).
    let build = Path::new(out_dir)
        .ancestors()
        .skip(1)
        .find(|dir| dir.file_name().is_some_and(|name| name == "build"))?;
    let profile = build.parent()?;
    Some(
        profile
            .join("booktest-passed")
            .join(format!("{:016x}", hasher.finish())),
    )
}

fn write_stamp(stamp: &Path, content: &str) {
    let Some(dir) = stamp.parent() else { return };
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = dir.join(format!(
        ".{}.{}.{:?}",
        stamp.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        thread::current().id()
    ));
    if fs::write(&temporary, content).is_ok() && fs::rename(&temporary, stamp).is_err() {
        let _ = fs::remove_file(&temporary);
    }
}
