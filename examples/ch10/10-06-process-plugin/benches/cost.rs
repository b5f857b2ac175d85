//! Recipe 10.6, "The cost of each approach": what a plugin in a child process costs the host.
//!
//! - `call`: one greeting through `Host::greet`: a request and a reply over two pipes, with a
//!   context switch to the plugin and back;
//! - `swap`: `Host::reload` of the other version (start the program, handshake, stop the old
//!   one: close its stdin, wait for it) and the first greeting;
//! - `memory`: the host's resident memory growth per swap (from `/proc/self/statm`), and the
//!   resident memory of one plugin process, which every running version costs.
//!
//! Not criterion-shaped (what matters is the spread), so it prints `bench-result:` lines that
//! `cargo xtask bench-tables` reads. `cargo bench -p ch10-06-process-plugin --bench cost` runs
//! it; under `cargo test` (no `--bench` argument) it returns at once.

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use ch10_06_process_plugin::host::{Host, Plugins, Timeouts};

const CALLS: usize = 20_000;
const SWAPS: usize = 200;

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`; `cargo test` runs bench targets without it.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("cost: built; it measures under `cargo bench` (cargo xtask bench-tables)");
        return Ok(());
    }
    let plugins = Plugins {
        dir: Path::new(env!("CARGO_BIN_EXE_greeter-plugin"))
            .parent()
            .ok_or("no target directory")?,
    };
    let mut host = Host::start(&plugins.v1(), Timeouts::default())?;
    for _ in 0..1000 {
        host.greet("Ada")?; // warm up
    }
    let mut calls = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        std::hint::black_box(host.greet("Ada")?);
        calls.push(started.elapsed());
    }
    let (median, p99) = stats(&mut calls);
    println!(
        "bench-result: call median_ns={:.0} p99_ns={:.0}",
        median.as_secs_f64() * 1e9,
        p99.as_secs_f64() * 1e9
    );

    let rss_before = resident_kb("/proc/self/statm")?;
    let mut swaps = Vec::with_capacity(SWAPS);
    for swap in 0..SWAPS {
        let next = if swap % 2 == 0 {
            plugins.v2()
        } else {
            plugins.v1()
        };
        let started = Instant::now();
        host.reload(&next)?;
        host.greet("Ada")?;
        swaps.push(started.elapsed());
    }
    let rss_after = resident_kb("/proc/self/statm")?;
    let (median, p99) = stats(&mut swaps);
    println!(
        "bench-result: swap median_us={:.0} p99_us={:.0}",
        median.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    let pid = host.plugin().ok_or("no plugin")?.id();
    let plugin_kb = resident_kb(&format!("/proc/{pid}/statm"))?;
    println!(
        "bench-result: memory kb_per_version={:.1} plugin_process_kb={plugin_kb:.0}",
        (rss_after - rss_before) / SWAPS as f64
    );
    host.shut_down();
    Ok(())
}

/// Median and 99th percentile (nearest rank).
fn stats(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let rank = |p: f64| samples[((p * samples.len() as f64).ceil() as usize).max(1) - 1];
    (rank(0.5), rank(0.99))
}

/// The resident set of a process in kB: the second field of its `statm`, in pages.
fn resident_kb(statm: &str) -> Result<f64, Box<dyn Error>> {
    let text = std::fs::read_to_string(statm)?;
    let pages: f64 = text
        .split_whitespace()
        .nth(1)
        .ok_or("statm has no second field")?
        .parse()?;
    Ok(pages * page_size_kb())
}

/// 4 kB, the page size of x86-64 and most aarch64 Linux systems; `getconf PAGESIZE` says.
fn page_size_kb() -> f64 {
    std::process::Command::new("getconf")
        .arg("PAGESIZE")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .map_or(4.0, |bytes| bytes / 1024.0)
}
