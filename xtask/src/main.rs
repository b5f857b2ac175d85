//! Project commands, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! - `serve [ARGS…]`: serve the book at http://localhost:3000 (installs the pinned mdBook first)
//! - `build`: render the book into `target/book`, failing on any mdBook warning or error
//! - `mdbook [ARGS…]`: run the pinned mdBook with any arguments (installs it first)
//! - `time-tests`: in a fresh copy of the repository, time a clean `cargo test`, a warm
//!   `cargo test` after a one-sentence edit of a chapter, and `mdbook test`, and print them
//! - `bless`: rewrite every file a test compares with what the code produces (outputs, trees,
//!   compiler messages, …), then review them with `git diff`
//! - `bench-tables`: run the recipes' benchmarks and write the tables the book includes
//!   (`src/ch10/bench/*.md`), stamped with the machine and a hash (see `bench_tables.rs`)
//!
//! The mdBook version is pinned once, in the root `Cargo.toml` under
//! `[workspace.metadata.tools]`; it is installed into `.tools/` inside the project.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench_tables;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("build") => build(),
        Some("mdbook") => mdbook(&args[1..]),
        Some("time-tests") => time_tests(),
        Some("bench-tables") => bench_tables::run(),
        Some("bless") => bless(),
        _ => Err(
            "usage: cargo xtask serve [ARGS…] | build | mdbook [ARGS…] | time-tests | bench-tables | bless"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_owned()
}

/// The version under `[workspace.metadata.tools]` in the root Cargo.toml.
fn pinned(tool: &str) -> Result<String, String> {
    let manifest = fs::read_to_string(root().join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let mut in_tools = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_tools = line == "[workspace.metadata.tools]";
        } else if in_tools
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == tool
        {
            return Ok(value.trim().trim_matches('"').to_owned());
        }
    }
    Err(format!(
        "no `{tool} = \"…\"` under [workspace.metadata.tools] in Cargo.toml"
    ))
}

/// The pinned mdBook, installed into `.tools/` when missing or of another version.
fn mdbook_binary() -> Result<PathBuf, String> {
    let version = pinned("mdbook")?;
    let tools = root().join(".tools");
    let binary = tools
        .join("bin")
        .join(format!("mdbook{}", env::consts::EXE_SUFFIX));
    let installed = Command::new(&binary)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() == Some(&format!("mdbook v{version}")) {
        return Ok(binary);
    }
    eprintln!(
        "xtask: installing mdbook {version} into {} (once; takes a few minutes)",
        tools.display()
    );
    // With .tools/bin on PATH, cargo does not warn that it is missing from PATH.
    let search_path = env::var_os("PATH").unwrap_or_default();
    let path =
        env::join_paths(std::iter::once(tools.join("bin")).chain(env::split_paths(&search_path)))
            .map_err(|e| format!("cannot build PATH: {e}"))?;
    let status = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "install",
            "mdbook",
            "--locked",
            "--version",
            &version,
            "--root",
        ])
        .arg(&tools)
        .env("PATH", path)
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() {
        return Err(format!("cargo install mdbook {version} failed ({status})"));
    }
    Ok(binary)
}

fn mdbook(args: &[String]) -> Result<(), String> {
    let status = Command::new(mdbook_binary()?)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("mdbook {} failed ({status})", args.join(" ")))
    }
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut all = vec!["serve".to_owned()];
    all.extend_from_slice(args);
    mdbook(&all)
}

/// Renders the book; any line mdBook logs at WARN or ERROR level fails the build.
/// Runs `cargo test` with every snapshot switch on, so each file a test compares with what the
/// code produces (outputs, folder drawings, compiler and clippy messages, console sessions,
/// package lists) is rewritten instead: snapbox's `SNAPSHOTS=overwrite` and trybuild's
/// `TRYBUILD=overwrite`. Review the result with `git diff`.
fn bless() -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["test", "--workspace", "--no-fail-fast"])
        .env("SNAPSHOTS", "overwrite")
        .env("TRYBUILD", "overwrite")
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo test failed ({status}) with the snapshots rewritten: a failure above is not a \
             snapshot; review `git diff`"
        ));
    }
    eprintln!("xtask: snapshots rewritten where they differed; review them with `git diff`");
    Ok(())
}

fn build() -> Result<(), String> {
    let output = Command::new(mdbook_binary()?)
        .arg("build")
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprint!("{log}");
    let complaints: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    if !output.status.success() {
        return Err(format!("mdbook build failed ({})", output.status));
    }
    if !complaints.is_empty() {
        return Err(format!(
            "mdbook build logged {} warning(s)/error(s)",
            complaints.len()
        ));
    }
    eprintln!(
        "xtask: the book is in {}",
        root().join("target/book").display()
    );
    Ok(())
}

/// Times the verification loop on a fresh copy of the committed files (the working tree is
/// never touched): a clean `cargo test` with an empty target directory, a warm `cargo test`
/// after a one-sentence edit of a chapter, and `mdbook test` on the same book.
fn time_tests() -> Result<(), String> {
    let mdbook = mdbook_binary()?;
    let copy = env::temp_dir().join(format!("cookbook-time-tests-{}", std::process::id()));
    let _ = fs::remove_dir_all(&copy);
    let files = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run git ls-files: {e}"))?;
    for file in String::from_utf8_lossy(&files.stdout)
        .split('\0')
        .filter(|f| !f.is_empty())
    {
        let to = copy.join(file);
        fs::create_dir_all(to.parent().unwrap_or(&copy)).map_err(|e| e.to_string())?;
        fs::copy(root().join(file), &to).map_err(|e| format!("copy {file}: {e}"))?;
    }
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let timed = |what: &str, program: &Path, args: &[&str]| -> Result<(f64, bool), String> {
        eprintln!("xtask: timing {what} …");
        let started = std::time::Instant::now();
        let output = Command::new(program)
            .args(args)
            .current_dir(&copy)
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .map_err(|e| format!("cannot run {what}: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        if !output.status.success() {
            let log =
                String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
            let lines: Vec<&str> = log.lines().collect();
            eprintln!("xtask: {what} failed; its last lines:");
            for line in &lines[lines.len().saturating_sub(40)..] {
                eprintln!("  {line}");
            }
        }
        Ok((seconds, output.status.success()))
    };
    let cargo = Path::new(&cargo);
    let clean = timed("a clean `cargo test`", cargo, &["test"])?;
    // One sentence of one chapter changes; everything else stays warm.
    let chapter = copy.join("src/introduction.md");
    let text = fs::read_to_string(&chapter).map_err(|e| e.to_string())?;
    fs::write(
        &chapter,
        format!("{text}\nThis sentence was added to time a warm run.\n"),
    )
    .map_err(|e| e.to_string())?;
    let warm = timed("a warm `cargo test` after a prose edit", cargo, &["test"])?;
    let mdbook_test = timed("`mdbook test`", &mdbook, &["test"])?;
    let _ = fs::remove_dir_all(&copy);

    let outcome = |ok: bool| if ok { "passed" } else { "FAILED" };
    println!("| run | seconds | result |");
    println!("| --- | ---: | --- |");
    println!(
        "| clean `cargo test` | {:.1} | {} |",
        clean.0,
        outcome(clean.1)
    );
    println!(
        "| warm `cargo test` after a one-sentence edit | {:.1} | {} |",
        warm.0,
        outcome(warm.1)
    );
    println!(
        "| `mdbook test` (same book) | {:.1} | {} |",
        mdbook_test.0,
        outcome(mdbook_test.1)
    );
    println!();
    println!(
        "warm `cargo test` / `mdbook test` = {:.2}; measured on {}",
        warm.0 / mdbook_test.0,
        bench_tables::machine()
    );
    if clean.1 && warm.1 {
        Ok(())
    } else {
        Err("cargo test failed in the copy".into())
    }
}
