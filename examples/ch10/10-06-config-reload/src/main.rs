//! Recipe 10.6, "Reloading modules": a configuration file reloaded while threads read it.
//! Run the scripted demo with `cargo run -p ch10-06-config-reload`, or watch your own file
//! with `cargo run -p ch10-06-config-reload -- --watch app.toml` (Ctrl-C stops it).

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod tests;

use std::error::Error;
use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread;
use std::time::Duration;

use ch10_06_config_reload::{config, reloader};
use config::Config;
use reloader::{ConfigHandle, ReloadError, ReloadEvent, Reloader};

/// How long the demo waits for the reloader to react to one edit before giving up.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

const FIRST: &str = r#"
greeting = "hello"
timeout_ms = 1500

[limits]
requests_per_second = 100
burst = 200
"#;

/// What the demo saves, in order: the description printed, then the file's new text.
const EDITS: [(&str, &str); 8] = [
    (
        "shorter timeout",
        "greeting = \"hello\"\ntimeout_ms = 800\n\n[limits]\nrequests_per_second = 100\nburst = 200\n",
    ),
    ("malformed", "greeting = \"hello\"\ntimeout_ms = = 800\n"),
    (
        "truncated",
        "greeting = \"hello\"\ntimeout_ms = 800\n\n[limits\n",
    ),
    ("empty", ""),
    (
        "wrong type",
        "greeting = \"hello\"\ntimeout_ms = \"fast\"\n\n[limits]\nrequests_per_second = 100\nburst = 200\n",
    ),
    (
        "zero timeout",
        "greeting = \"hello\"\ntimeout_ms = 0\n\n[limits]\nrequests_per_second = 100\nburst = 200\n",
    ),
    (
        "burst below rate",
        "greeting = \"hello\"\ntimeout_ms = 800\n\n[limits]\nrequests_per_second = 100\nburst = 50\n",
    ),
    (
        "fixed",
        "greeting = \"hi\"\ntimeout_ms = 800\n\n[limits]\nrequests_per_second = 300\nburst = 300\n",
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [] => demo(),
        [flag, path] if flag == "--watch" => watch(Path::new(path)),
        _ => Err("usage: ch10-06-config-reload [--watch FILE.toml]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Saves as many editors do: write a temporary file beside the target, then rename it over the
/// target. Readers of the path see the old file or the new one, never a half-written one.
fn save(path: &Path, text: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("toml.tmp");
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

fn demo() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.toml");
    save(&path, FIRST)?;

    // ANCHOR: start
    let (reloader, changes) = Reloader::<Config>::start(&path)?;
    let first = reloader.load();
    println!("generation {}: {}", first.generation, first.config);

    // Reader threads, as a server's request handlers would be.
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let config = reloader.handle();
            let stop = Arc::clone(&stop);
            thread::spawn(move || read_until_stopped(&config, &stop))
        })
        .collect();
    // ANCHOR_END: start

    let shown_dir = format!("{}/", dir.path().display());
    for (description, text) in EDITS {
        println!("save {description}:");
        save(&path, text)?;
        report(next_event(&changes)?, &reloader, &shown_dir);
    }
    println!("delete the file:");
    fs::remove_file(&path)?;
    report(next_event(&changes)?, &reloader, &shown_dir);
    println!("create it again:");
    save(&path, FIRST)?;
    report(next_event(&changes)?, &reloader, &shown_dir);

    stop.store(true, Ordering::Relaxed);
    let mut in_order = true;
    for reader in readers {
        in_order &= reader.join().map_err(|_| "a reader thread panicked")?;
    }
    println!("readers never saw a generation older than one they had seen: {in_order}");
    Ok(())
}

// ANCHOR: reader
/// Reads the configuration the way a request handler would: one `load()` per request, every
/// field from that one snapshot (its `Limits` cannot hold a burst below the rate: the type
/// refuses one). Returns whether the generations it saw never went back.
fn read_until_stopped(config: &ConfigHandle<Config>, stop: &AtomicBool) -> bool {
    let mut in_order = true;
    let mut last_generation = 0;
    while !stop.load(Ordering::Relaxed) {
        let snapshot = config.load();
        let limits = &snapshot.config.limits;
        let _allowed = (limits.requests_per_second(), limits.burst()); // serve the request
        in_order &= snapshot.generation >= last_generation;
        last_generation = snapshot.generation;
        drop(snapshot);
        thread::sleep(Duration::from_millis(1)); // the rest of the request
    }
    in_order
}
// ANCHOR_END: reader

/// Waits for the reloader's next report, with a deadline instead of a guessed sleep.
fn next_event(changes: &Receiver<ReloadEvent<Config>>) -> Result<ReloadEvent<Config>, String> {
    changes
        .recv_timeout(EVENT_TIMEOUT)
        .map_err(|error| format!("no reload event within {EVENT_TIMEOUT:?}: {error}"))
}

fn report(event: ReloadEvent<Config>, reloader: &Reloader<Config>, shown_dir: &str) {
    match event {
        ReloadEvent::Reloaded(snapshot) => {
            println!("  generation {}: {}", snapshot.generation, snapshot.config);
        }
        ReloadEvent::Rejected(error) => {
            // The temporary directory differs on each run; print the file name only.
            println!("  rejected: {}", error.to_string().replace(shown_dir, ""));
            let current = reloader.load();
            println!("  still serving generation {}", current.generation);
        }
    }
}

/// `--watch FILE`: report every change until Ctrl-C. Try editing FILE in another terminal, or
/// `kill -HUP` the process to reload it as it is.
fn watch(path: &Path) -> Result<(), Box<dyn Error>> {
    let (reloader, changes) = Reloader::<Config>::start(path)?;
    #[cfg(unix)]
    reload_on_sighup(&reloader)?;
    let first = reloader.load();
    println!("generation {}: {}", first.generation, first.config);
    println!(
        "watching {} (pid {}); edit and save it, Ctrl-C to stop",
        path.display(),
        std::process::id()
    );
    for event in changes {
        match event {
            ReloadEvent::Reloaded(snapshot) => {
                println!("generation {}: {}", snapshot.generation, snapshot.config);
            }
            ReloadEvent::Rejected(error) => {
                let generation = reloader.load().generation;
                let what = match error {
                    ReloadError::Watch { .. } => "watch failed",
                    _ => "rejected",
                };
                println!("{what}: {error} (still serving generation {generation})");
            }
        }
    }
    Ok(())
}

// ANCHOR: sighup
/// SIGHUP asks for a reload, as it does of many daemons: on a mount that reports no changes
/// (NFS, some container mounts), or to apply the file again as it is.
#[cfg(unix)]
fn reload_on_sighup(reloader: &Reloader<Config>) -> std::io::Result<()> {
    use signal_hook::{consts::SIGHUP, iterator::Signals};
    let mut signals = Signals::new([SIGHUP])?; // from here on, SIGHUP no longer ends us
    let trigger = reloader.trigger();
    thread::spawn(move || {
        for _ in signals.forever() {
            println!("SIGHUP: reloading");
            trigger.reload();
        }
    });
    Ok(())
}
// ANCHOR_END: sighup
