//! Recipe 10.6, "What it costs": how long a configuration reload takes, from the moment a
//! rename-save returns to the moment a reader sees the new value.
//!
//! Not criterion-shaped (one measurement is a whole reload, and what matters is its spread),
//! so this is a plain program: it runs the recipe's `Reloader` and prints its statistics as a
//! `bench-result:` line that `cargo xtask bench-tables` turns into the page's table.
//! `cargo bench -p ch10-06-config-reload --bench reload_latency` runs it; under `cargo test`
//! (no `--bench` argument) it only checks that it was built, and returns at once.

use std::error::Error;
use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use ch10_06_config_reload::config::Config;
use ch10_06_config_reload::reloader::{DEBOUNCE, ReloadEvent, Reloader};

/// How many reloads are timed.
const RELOADS: usize = 200;
/// A reload that takes longer than this is broken, not slow.
const DEADLINE: Duration = Duration::from_secs(10);
/// How often the reader looks: sleeping between looks leaves the cores to the watcher and the
/// reloader (a spinning reader on a two-core machine delays them), at the cost of this much
/// resolution.
const POLL: Duration = Duration::from_micros(100);

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`; `cargo test` runs bench targets without it.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!(
            "reload_latency: built; it measures under `cargo bench` (cargo xtask bench-tables)"
        );
        return Ok(());
    }
    reload_latency()
}

fn config_text(timeout_ms: u64) -> String {
    format!(
        "greeting = \"hello\"\ntimeout_ms = {timeout_ms}\n\n[limits]\nrequests_per_second = 100\nburst = 200\n"
    )
}

/// Saves like an editor: a temporary file beside the target, renamed over it.
fn rename_save(path: &Path, text: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("toml.tmp");
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

/// From the moment a rename-save returns to the moment a reader's `load()` sees the new value.
fn reload_latency() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.toml");
    rename_save(&path, &config_text(1000))?;
    let (reloader, changes) = Reloader::<Config>::start(&path)?;
    let handle = reloader.handle();
    let mut samples = Vec::with_capacity(RELOADS);
    for i in 1..=RELOADS as u64 {
        let timeout_ms = 1000 + i;
        rename_save(&path, &config_text(timeout_ms))?;
        let saved = Instant::now();
        // The reader loads the current configuration, as a request handler would, every POLL.
        while handle.load().config.timeout_ms.get() != timeout_ms {
            if saved.elapsed() > DEADLINE {
                return Err(format!("reload {i} not seen within {DEADLINE:?}").into());
            }
            thread::sleep(POLL);
        }
        samples.push(saved.elapsed());
        // Every report must be a reload: a rejected file would mean we measured something else.
        for change in changes.try_iter() {
            if let ReloadEvent::Rejected(error) = change {
                return Err(format!("reload {i} rejected: {error}").into());
            }
        }
    }
    let generation = reloader.load().generation;
    if generation != 1 + RELOADS as u64 {
        return Err(format!("expected {} generations, got {generation}", 1 + RELOADS).into());
    }
    report(
        "reload_latency",
        &[
            ("debounce_ms", DEBOUNCE.as_secs_f64() * 1e3),
            ("poll_ms", POLL.as_secs_f64() * 1e3),
        ],
        &mut samples,
    );
    Ok(())
}

// `report` is the same in the plugin_swap bench of ch10-06-plugin-host: each recipe folder
// stands alone (copy it anywhere), so they share no helper crate.
/// Prints `bench-result: NAME n=… median_ms=… p99_ms=… max_ms=…` (p99 by nearest rank).
fn report(name: &str, extra: &[(&str, f64)], samples: &mut [Duration]) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let rank = |p: f64| samples[((p * samples.len() as f64).ceil() as usize).max(1) - 1];
    let mut line = format!("bench-result: {name} n={}", samples.len());
    for (key, value) in extra {
        line += &format!(" {key}={value:.3}");
    }
    line += &format!(
        " median_ms={:.3} p99_ms={:.3} max_ms={:.3} min_ms={:.3}",
        ms(rank(0.5)),
        ms(rank(0.99)),
        ms(samples[samples.len() - 1]),
        ms(samples[0]),
    );
    println!("{line}");
}
