//! Recipe 10.6, "What it costs": how long a plugin swap takes: `PluginDir::load` of the other
//! version (check, private copy, dlopen, ABI check, symbol lookups, first call), then closing
//! the old library, as the host's `reload` does.
//!
//! Not criterion-shaped (one measurement is a whole swap, and what matters is its spread), so
//! this is a plain program that prints its statistics as `bench-result:` lines, which
//! `cargo xtask bench-tables` turns into the page's table.
//! `cargo bench -p ch10-06-plugin-host --bench plugin_swap` runs it; under `cargo test` (no
//! `--bench` argument) it only checks that it was built, and returns at once.

use std::error::Error;
use std::time::{Duration, Instant};

use greeter_plugin_abi::HostState;

use ch10_06_plugin_host::compile::{PluginCompiler, fixture, install, library_file_name};
use ch10_06_plugin_host::plugin::PluginDir;

/// How many plugin swaps are timed.
const SWAPS: usize = 50;

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`; `cargo test` runs bench targets without it.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("plugin_swap: built; it measures under `cargo bench` (cargo xtask bench-tables)");
        return Ok(());
    }
    plugin_swap()
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

// `report` is the same in the reload_latency bench of ch10-06-config-reload: each recipe
// folder stands alone (copy it anywhere), so they share no helper crate.
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
