//! The recipes' programs and examples, built as `cargo test` builds its own targets, so the
//! book's checks can run them without a second build of their dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::root;

/// The command [`build`] runs, after `cargo`.
pub const BUILD: [&str; 4] = ["build", "--bins", "--examples", "--tests"];

/// Builds every recipe's binaries and examples (`cargo build --bins --examples --tests`).
///
/// `cargo test` builds a package's binaries only for its integration tests, so the programs a
/// reader runs with `cargo run` are built here. `--tests` makes Cargo resolve features as
/// `cargo test` does, dev-dependencies included (resolver 2 leaves them out of a plain build):
/// every library `cargo test` compiled is reused and only the programs are linked. A plain
/// `cargo build --bins`, or `cargo run -p PACKAGE`, compiles a second copy of each dependency
/// whose features differ.
pub fn build() -> Result<(), String> {
    let status = Command::new(env!("CARGO"))
        .args(BUILD)
        .arg("--quiet")
        .current_dir(root())
        .status()
        .map_err(|error| format!("cargo build: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", BUILD.join(" ")))
    }
}

/// `target/<profile>/`, the directory above the `deps/` this test runs from.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("this test's executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/")
        .to_path_buf()
}

/// The binary `name`, as `cargo run --bin NAME` runs it.
pub fn binary(name: &str) -> PathBuf {
    profile_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The example `name`, as `cargo run --example NAME` runs it.
pub fn example(name: &str) -> PathBuf {
    profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}
