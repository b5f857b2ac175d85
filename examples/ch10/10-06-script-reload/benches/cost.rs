//! Recipe 10.6, "What it costs": one call of the script's `greet` through the host, one swap
//! (read, compile, check, trial call, swap, then the first call), and the memory each loaded
//! version leaves behind once it is dropped.
//!
//! A plain program that prints `bench-result:` lines. `cargo bench -p ch10-06-script-reload
//! --bench cost` runs it; under `cargo test` (no `--bench` argument) it returns at once.

use std::error::Error;
use std::fs;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ch10_06_script_reload::Host;
use ch10_06_script_reload::reloader::Scripts;
use ch10_06_script_reload::script::ScriptEngine;

const V1: &str = include_str!("../scripts/v1.rhai");
const V2: &str = include_str!("../scripts/v2.rhai");
const CALLS: usize = 20_000;
const SWAPS: usize = 200;

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`; `cargo test` runs bench targets without it.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("cost: built; it measures under `cargo bench`");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("greeter.rhai");
    fs::write(&path, V1)?;
    let scripts = Scripts::load(Arc::new(ScriptEngine::default()), &path)?;
    let mut host = Host::new(scripts.clone());

    // One greet through the host: load the live version, call, count.
    for _ in 0..1_000 {
        host.greet("Ada")?; // warm up
    }
    let mut calls = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        let text = host.greet("Ada")?;
        calls.push(started.elapsed());
        std::hint::black_box(text);
    }
    let (median, p99) = median_p99(&mut calls);
    println!(
        "bench-result: call median_ns={} p99_ns={}",
        median.as_nanos(),
        p99.as_nanos()
    );

    // Swaps: the file is in place (not timed); read, compile, check, swap, first call.
    let mut swaps = Vec::with_capacity(SWAPS);
    let mut rss_before = None;
    for swap in 0..SWAPS + 10 {
        let (text, expected) = if swap % 2 == 0 {
            (V2, "Good day")
        } else {
            (V1, "Hello")
        };
        fs::write(&path, text)?;
        let started = Instant::now();
        scripts.reload()?;
        let answer = host.greet("Ada")?;
        let took = started.elapsed();
        if !answer.starts_with(expected) {
            return Err(format!("swap {swap}: expected {expected:?}…, got {answer:?}").into());
        }
        // The first ten warm up the allocator; the RSS is read once they are done.
        if swap == 9 {
            rss_before = Some(resident_kb()?);
        } else if swap >= 10 {
            swaps.push(took);
        }
    }
    let rss_after = resident_kb()?;
    let (median, p99) = median_p99(&mut swaps);
    println!(
        "bench-result: swap median_us={} p99_us={}",
        median.as_micros(),
        p99.as_micros()
    );
    let grown = rss_after.saturating_sub(rss_before.ok_or("no warm-up")?);
    // Every old version was dropped at its swap: only the live one is held.
    println!(
        "bench-result: memory kb_per_version={:.1}",
        grown as f64 / SWAPS as f64
    );
    Ok(())
}

fn median_p99(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction).round() as usize];
    (at(0.5), at(0.99))
}

/// Resident memory from `/proc/self/statm` (its second field, in pages), in kB.
fn resident_kb() -> Result<u64, Box<dyn Error>> {
    let statm = fs::read_to_string("/proc/self/statm")?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .ok_or("statm has no resident field")?
        .parse()?;
    Ok(pages * page_size()? / 1024)
}

/// The page size from the auxiliary vector (`AT_PAGESZ`), as the kernel passed it.
fn page_size() -> Result<u64, Box<dyn Error>> {
    const AT_PAGESZ: u64 = 6;
    let auxv = fs::read("/proc/self/auxv")?;
    let words: Vec<u64> = auxv
        .chunks_exact(8)
        .map(|word| u64::from_ne_bytes(word.try_into().unwrap_or([0; 8])))
        .collect();
    words
        .chunks_exact(2)
        .find(|pair| pair[0] == AT_PAGESZ)
        .map(|pair| pair[1])
        .ok_or_else(|| "no AT_PAGESZ in /proc/self/auxv".into())
}
