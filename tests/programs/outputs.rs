//! Runs every recipe's program as a reader would (`cargo run -p PACKAGE`), and checks what it
//! prints against `output.txt` beside its `Cargo.toml`, the file the chapter shows. It builds
//! the programs first, reusing what `cargo test` built (`crate::built`).

use std::process::Stdio;
use std::time::{Duration, Instant};

use book_support::programs::{self, Build};
use book_support::workspace::{Package, recipes};
use book_support::{pages, snapshot};

const TIME_LIMIT: Duration = Duration::from_secs(120);

#[test]
fn every_program_runs_and_prints_what_its_chapter_shows() {
    if let Err(error) = crate::built() {
        panic!("{error}");
    }
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
    let binary = programs::binary(bin);
    if !binary.exists() {
        return Some(format!(
            "{name}: {} was not built by `cargo {}`",
            binary.display(),
            Build::Programs.args().join(" ")
        ));
    }
    let started = Instant::now();
    let mut child = programs::command(&binary)
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
