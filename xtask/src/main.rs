//! Project commands, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! - `serve [ARGS…]`: serve the book at http://localhost:3000 (installs the pinned mdBook first)
//! - `build`: render the book into `target/book`, failing on any mdBook warning or error
//! - `mdbook [ARGS…]`: run the pinned mdBook with any arguments (installs it first)
//! - `time-tests [--baseline REV]`: in a fresh copy of the repository, time the compile floor
//!   (a clean `cargo test --no-run`), a clean `cargo test`, a warm `cargo test` after a
//!   one-sentence edit of a chapter and after a one-line edit of a program, and `mdbook test`
//!   (and a clean `cargo test` of REV), and print them with when each cargo's build ended
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
        Some("time-tests") => time_tests(&args[1..]),
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

/// The pinned mdBook, installed into `.tools/` when missing or of another version.
fn mdbook_binary() -> Result<PathBuf, String> {
    let version = book_support::workspace::pinned_tool("mdbook")?;
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
        .args(["test", "--no-fail-fast"])
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
/// A copy of the committed files of `rev` (the work tree's, with `None`) in a new folder.
fn fresh_copy(name: &str, rev: Option<&str>) -> Result<PathBuf, String> {
    let copy = env::temp_dir().join(format!("cookbook-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&copy);
    fs::create_dir_all(&copy).map_err(|e| e.to_string())?;
    if let Some(rev) = rev {
        // `git archive REV | tar -x`: that commit's files, as a clone would have them.
        let archive = Command::new("git")
            .args(["archive", "--format=tar", rev])
            .current_dir(root())
            .output()
            .map_err(|e| format!("cannot run git archive: {e}"))?;
        if !archive.status.success() {
            return Err(format!("git archive {rev} failed"));
        }
        let mut tar = Command::new("tar")
            .args(["-x", "-C"])
            .arg(&copy)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run tar: {e}"))?;
        std::io::Write::write_all(&mut tar.stdin.take().ok_or("tar stdin")?, &archive.stdout)
            .map_err(|e| e.to_string())?;
        tar.wait().map_err(|e| e.to_string())?;
        return Ok(copy);
    }
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
    Ok(copy)
}

/// Runs `program args` in `dir`; returns how it went (see [`timed_command`]).
fn timed(what: &str, dir: &Path, program: &Path, args: &[&str]) -> Result<Timing, String> {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("BOOKTEST_CACHE");
    timed_command(what, &mut command)
}

/// How one timed command went.
#[derive(Clone, Copy)]
struct Timing {
    seconds: f64,
    passed: bool,
    /// When cargo printed its first `Finished` line: the end of its build, before any test ran.
    built: Option<f64>,
}

/// Runs `command`; returns the seconds it took, whether it passed and when cargo's build
/// finished. Standard error is read as it comes, to time its `Finished` line.
fn timed_command(what: &str, command: &mut Command) -> Result<Timing, String> {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    eprintln!("xtask: timing {what} …");
    let started = std::time::Instant::now();
    let mut child = command
        .env_remove("CARGO_TARGET_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let stdout = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let (mut log, mut built) = (Vec::new(), None);
    for line in BufReader::new(child.stderr.take().ok_or("no stderr")?).lines() {
        let line = line.map_err(|e| format!("{what}: {e}"))?;
        if built.is_none() && line.trim_start().starts_with("Finished ") {
            built = Some(started.elapsed().as_secs_f64());
        }
        log.push(line);
    }
    let status = child.wait().map_err(|e| format!("{what}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let stdout = stdout.join().unwrap_or_default();
    if !status.success() {
        let mut lines: Vec<String> = String::from_utf8_lossy(&stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        lines.extend(log);
        eprintln!("xtask: {what} failed; its last lines:");
        for line in &lines[lines.len().saturating_sub(40)..] {
            eprintln!("  {line}");
        }
    }
    Ok(Timing {
        seconds,
        passed: status.success(),
        built,
    })
}

fn append(file: &Path, line: &str) -> Result<(), String> {
    let text = fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    fs::write(file, format!("{text}{line}\n")).map_err(|e| format!("{}: {e}", file.display()))
}

/// `cargo xtask time-tests [--baseline REV]`: in a fresh copy of the committed files, times the
/// compile floor (a clean `cargo test --no-run`), a clean `cargo test`, a warm `cargo test` after
/// a one-sentence edit of a chapter and after a one-line edit of a recipe's program (both with
/// the test cache, `tools/test-cache`), a warm one with the cache off, and `mdbook test` on the
/// same book; with `--baseline REV`, also a clean `cargo test` of `REV`. Each `cargo` row also
/// says when cargo's build ended (its `Finished` line), so the clean run's tests can be
/// compared with the build of the same run.
fn time_tests(args: &[String]) -> Result<(), String> {
    let baseline = match args {
        [] => None,
        [flag, rev] if flag == "--baseline" => Some(rev.as_str()),
        _ => return Err("usage: cargo xtask time-tests [--baseline REV]".into()),
    };
    let mdbook = mdbook_binary()?;
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo = Path::new(&cargo);
    let copy = fresh_copy("time-tests", None)?;
    let floor = timed(
        "a clean `cargo test --no-run`",
        &copy,
        cargo,
        &["test", "--no-run"],
    )?;
    timed("`cargo clean`", &copy, cargo, &["clean"])?;
    let clean = timed("a clean `cargo test`", &copy, cargo, &["test"])?;
    // One sentence of one chapter changes; everything else stays warm.
    append(
        &copy.join("src/introduction.md"),
        "\nThis sentence was added to time a warm run.",
    )?;
    let prose = timed(
        "a warm `cargo test` after a prose edit",
        &copy,
        cargo,
        &["test"],
    )?;
    // One line of one recipe's program changes.
    append(
        &copy.join("examples/ch10/10-04-split-module/src/main.rs"),
        "// This line was added to time a warm run.",
    )?;
    let code = timed(
        "a warm `cargo test` after a code edit",
        &copy,
        cargo,
        &["test"],
    )?;
    // Nothing changes, and every test binary runs: what the test cache saves.
    let mut uncached = Command::new(cargo);
    uncached
        .arg("test")
        .current_dir(&copy)
        .env("BOOKTEST_CACHE", "0");
    let uncached = timed_command("a warm `cargo test` with BOOKTEST_CACHE=0", &mut uncached)?;
    let mdbook_test = timed("`mdbook test`", &copy, &mdbook, &["test"])?;
    let _ = fs::remove_dir_all(&copy);
    let before = match baseline {
        Some(rev) => {
            let old = fresh_copy("time-tests-baseline", Some(rev))?;
            let run = timed(
                &format!("a clean `cargo test` of {rev}"),
                &old,
                cargo,
                &["test"],
            )?;
            let _ = fs::remove_dir_all(&old);
            Some((rev, run))
        }
        None => None,
    };

    let outcome = |ok: bool| if ok { "passed" } else { "FAILED" };
    println!("| run | seconds | of which cargo's build | result |");
    println!("| --- | ---: | ---: | --- |");
    let mut rows = vec![
        (
            "clean `cargo test --no-run` (the compile floor)".to_owned(),
            floor,
        ),
        ("clean `cargo test`".to_owned(), clean),
        (
            "warm `cargo test` after a one-sentence edit".to_owned(),
            prose,
        ),
        (
            "warm `cargo test` after a one-line code edit".to_owned(),
            code,
        ),
        (
            "warm `cargo test`, nothing changed, `BOOKTEST_CACHE=0`".to_owned(),
            uncached,
        ),
        ("`mdbook test` (same book)".to_owned(), mdbook_test),
    ];
    if let Some((rev, run)) = before {
        rows.push((format!("clean `cargo test` of {rev}"), run));
    }
    for (what, timing) in &rows {
        let built = timing.built.map_or("–".to_owned(), |s| format!("{s:.1}"));
        println!(
            "| {what} | {:.1} | {built} | {} |",
            timing.seconds,
            outcome(timing.passed)
        );
    }
    println!();
    println!(
        "clean `cargo test` / compile floor = {:.2}; warm after prose / `mdbook test` = {:.2}",
        clean.seconds / floor.seconds,
        prose.seconds / mdbook_test.seconds
    );
    // Two clean builds of the same tree can differ by as much as the whole 15 % margin; the
    // clean run's own build is the same build as its tests follow.
    if let Some(built) = clean.built {
        println!(
            "clean `cargo test` / its own build (the floor within the same run) = {:.2}",
            clean.seconds / built
        );
    }
    if let Some((rev, run)) = before {
        println!(
            "clean `cargo test` / {rev}'s = {:.2}",
            clean.seconds / run.seconds
        );
    }
    println!("measured on {}", bench_tables::machine());
    if [floor, clean, prose, code, uncached]
        .iter()
        .all(|run| run.passed)
    {
        Ok(())
    } else {
        Err("cargo test failed in the copy".into())
    }
}
