//! Runs every recipe's program as a reader would (`cargo run -p PACKAGE`), and checks what it
//! prints against `output.txt` beside its `Cargo.toml`, the file the chapter shows. It builds
//! the programs first (`cargo build --bins`). To accept a new output after review:
//! `cargo xtask bless`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use book_support::root;
use book_support::workspace::{Package, recipes};
use book_support::{pages, snapshot};

const TIME_LIMIT: Duration = Duration::from_secs(120);

/// `target/<profile>/NAME`, next to the `deps/` directory this test runs from.
fn program_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    profile.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// `cargo test` builds a package's binary only for its integration tests, so the programs a
/// reader runs are built here, as `cargo run` would build them.
fn build_programs() {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--bins", "--quiet"])
        .current_dir(root())
        .status()
        .expect("run cargo build --bins");
    assert!(status.success(), "cargo build --bins failed ({status})");
}

#[test]
fn every_program_runs_and_prints_what_its_chapter_shows() {
    build_programs();
    // The programs are independent: run them side by side.
    let problems: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = recipes()
            .into_iter()
            .filter(|recipe| recipe.path().join("output.txt").exists())
            .map(|recipe| scope.spawn(move || check_program(&recipe)))
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().expect("program checker panicked"))
            .collect()
    });
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

/// Runs one program; returns what is wrong with it, if anything.
fn check_program(recipe: &Package) -> Option<String> {
    // Every message starts with the page and line that show this program's output.
    let shown = recipe.path().join("output.txt");
    let name = format!("{}{}", pages::first_place(&shown), recipe.name);
    let Some(bin) = &recipe.bin else {
        return Some(format!(
            "{name}: has an output.txt but no binary for `cargo run` (set `default-run`)"
        ));
    };
    let binary = program_binary(bin);
    if !binary.exists() {
        return Some(format!(
            "{name}: {} was not built by `cargo build --bins`",
            binary.display()
        ));
    }
    let started = Instant::now();
    let mut child = Command::new(&binary)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start program");
    // Read stdout/stderr on threads so a chatty example cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).map(|_| s)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out.join().expect("stdout thread").expect("utf-8 stdout");
    let stderr = err.join().expect("stderr thread").expect("utf-8 stderr");
    match status {
        None => {
            return Some(format!(
                "{name}: still running after {TIME_LIMIT:?}; killed"
            ));
        }
        Some(status) if !status.success() => {
            return Some(format!(
                "{name}: exited with {status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
            ));
        }
        Some(_) => {}
    }
    // The page shows output.txt: the program must print exactly that.
    snapshot::check(&shown, &stdout)
        .err()
        .map(|difference| format!("{name} prints something else than the page shows\n{difference}"))
}
