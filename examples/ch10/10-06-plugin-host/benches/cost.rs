//! Recipe 10.6, the side-by-side cost of reloading code: what one greeting call, one swap and
//! one loaded version cost with a dynamic library. The child-process and script recipes have a
//! bench of the same name and shape; `cargo xtask bench-tables` puts them in one table.
//!
//! `cargo bench -p ch10-06-plugin-host --bench cost` prints `bench-result:` lines; under
//! `cargo test` (no `--bench` argument) it only checks that it was built, and returns at once.

use std::error::Error;
use std::time::{Duration, Instant};

use greeter_plugin_abi::HostState;

use ch10_06_plugin_host::compile::{PluginCompiler, fixture, install, library_file_name};
use ch10_06_plugin_host::faults::Usage;
use ch10_06_plugin_host::plugin::PluginDir;

/// Calls per timed batch (one `Instant` pair per batch, not per call), batches, swaps.
const BATCH: u32 = 1_000;
const BATCHES: usize = 200;
const SWAPS: usize = 100;

fn main() -> Result<(), Box<dyn Error>> {
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("cost: built; it measures under `cargo bench` (cargo xtask bench-tables)");
        return Ok(());
    }
    let build = tempfile::tempdir()?;
    let built = PluginCompiler::new(build.path())?.build_all(&[
        fixture("greeter-v1", "v1", &[]),
        fixture("greeter-v2", "v2", &[]),
    ])?;
    let plugin_dir = tempfile::tempdir()?;
    let library = plugin_dir.path().join(library_file_name("greeter"));
    install(&built[0], &library)?;
    let plugins = PluginDir::new(plugin_dir.path())?;
    let mut active = plugins.load(&library)?;
    let mut state = HostState::default();

    // A call: one greeting through the C ABI, answer copied into a host String.
    let mut per_call = Vec::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let started = Instant::now();
        for _ in 0..BATCH {
            std::hint::black_box(active.greet(&mut state, std::hint::black_box("Ada"))?);
        }
        per_call.push(started.elapsed() / BATCH);
    }
    report("call", "ns", &mut per_call, |d| d.as_secs_f64() * 1e9);

    // A swap: load the other version (checks, private copy, dlopen, first call), then close
    // the old one; and what each loaded version leaves in memory.
    let before = Usage::now()?;
    let mut swaps = Vec::with_capacity(SWAPS);
    for i in 1..=SWAPS {
        install(&built[i % 2], &library)?;
        let started = Instant::now();
        let new = plugins.load(&library)?;
        drop(std::mem::replace(&mut active, new));
        active.greet(&mut state, "Ada")?;
        swaps.push(started.elapsed());
    }
    let after = Usage::now()?;
    report("swap", "us", &mut swaps, |d| d.as_secs_f64() * 1e6);
    let grown = after.rss_kb.saturating_sub(before.rss_kb) as f64;
    println!(
        "bench-result: memory kb_per_version={:.1}",
        grown / SWAPS as f64
    );
    Ok(())
}

/// Prints `bench-result: NAME median_UNIT=… p99_UNIT=…` (p99 by nearest rank).
fn report(name: &str, unit: &str, samples: &mut [Duration], scale: fn(Duration) -> f64) {
    samples.sort();
    let rank = |p: f64| samples[((p * samples.len() as f64).ceil() as usize).max(1) - 1];
    println!(
        "bench-result: {name} median_{unit}={:.1} p99_{unit}={:.1}",
        scale(rank(0.5)),
        scale(rank(0.99))
    );
}
