//! Recipe 10.6, "What it costs": how long a config reload and a plugin swap take.
//!
//! Not criterion-shaped (one measurement is a whole reload, and what matters is its spread),
//! so this is a plain program: it runs the recipe's own `Reloader` (`reloader.rs`) and
//! `PluginDir::load` (`plugin.rs`), included with `#[path]`, and prints its statistics as
//! `bench-result:` lines that `cargo xtask bench-tables` turns into the page's tables.
//! `cargo bench --bench 10-06-reload` runs it; under `cargo test` (no `--bench` argument) it
//! only checks that it was built, and returns at once.

#[path = "../../examples/ch10/10-06-plugin-host/src/compile.rs"]
#[allow(dead_code)]
mod compile;
#[path = "../../examples/ch10/10-06-config-reload/src/config.rs"]
#[allow(dead_code)]
mod config;
#[path = "../../examples/ch10/10-06-plugin-host/src/plugin.rs"]
#[allow(dead_code)]
mod plugin;
#[path = "../../examples/ch10/10-06-config-reload/src/reloader.rs"]
#[allow(dead_code)]
mod reloader;

use std::error::Error;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use greeter_plugin_abi::HostState;

use compile::{PluginCompiler, fixture, library_file_name};
use config::Config;
use plugin::PluginDir;
use reloader::{DEBOUNCE, ReloadEvent, Reloader};

/// How many reloads and plugin swaps are timed.
const RELOADS: usize = 200;
const SWAPS: usize = 50;
/// A reload or a swap that takes longer than this is broken, not slow.
const DEADLINE: Duration = Duration::from_secs(10);
/// How often the reader looks: sleeping between looks leaves the cores to the watcher and the
/// reloader (a spinning reader on a two-core machine delays them), at the cost of this much
/// resolution.
const POLL: Duration = Duration::from_micros(100);

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`; `cargo test` runs bench targets without it.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("10-06-reload: built; it measures under `cargo bench` (cargo xtask bench-tables)");
        return Ok(());
    }
    reload_latency()?;
    plugin_swap()?;
    Ok(())
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

/// Puts a built plugin at `library` the way cargo does (a new file under the old name). Not
/// timed: the swap starts when the new library is in place.
fn install(built: &Path, library: &Path) -> std::io::Result<()> {
    let temporary = library.with_extension("new");
    fs::copy(built, &temporary)?;
    fs::set_permissions(&temporary, fs::Permissions::from_mode(0o755))?;
    fs::rename(&temporary, library)
}

/// `PluginDir::load` (check, private copy, dlopen, ABI check, symbol lookups, first call) of the
/// other version, then dropping the old plugin (dlclose), as `Host::reload` does.
fn plugin_swap() -> Result<(), Box<dyn Error>> {
    let build = tempfile::tempdir()?;
    let compiler = PluginCompiler::new(build.path())?;
    let built = compiler.build_all(&[
        fixture("greeter-v1", "v1", &[]),
        fixture("greeter-v2", "v2", &[]),
    ])?;
    let plugin_dir = tempfile::tempdir()?;
    let library = plugin_dir.path().join(library_file_name("greeter"));
    install(&built[0], &library)?;
    let plugins = PluginDir::new(plugin_dir.path())?;
    let mut active = plugins.load(&library)?;
    let mut state = HostState::default();
    active.greet(&mut state, "Ada")?;
    let (mut loads, mut closes, mut swaps) = (Vec::new(), Vec::new(), Vec::new());
    for i in 1..=SWAPS {
        let version = i % 2; // v2, v1, v2…
        install(&built[version], &library)?;
        let started = Instant::now();
        let new = plugins.load(&library)?;
        let loaded = Instant::now();
        drop(std::mem::replace(&mut active, new)); // the old library is closed
        let done = Instant::now();
        loads.push(loaded - started);
        closes.push(done - loaded);
        swaps.push(done - started);
        // Not timed: the new code answers, so the swap really happened.
        let answer = active.greet(&mut state, "Ada")?;
        let expected = ["Hello, Ada!", "Good day, ADA."][version];
        if !answer.starts_with(expected) {
            return Err(format!("swap {i}: expected {expected:?}…, got {answer:?}").into());
        }
    }
    report("plugin_load", &[], &mut loads);
    report("plugin_close", &[], &mut closes);
    report("plugin_swap", &[], &mut swaps);
    Ok(())
}

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
