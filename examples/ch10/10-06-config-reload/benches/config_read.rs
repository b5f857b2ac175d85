//! Recipe 10.6, "What it costs": reading one field of the current configuration, measured with
//! criterion: through the recipe's `ArcSwap<Snapshot<Config>>` (what `ConfigHandle::load`
//! reads), an `arc_swap::Cache`, an `RwLock`, a `Mutex`, and a plain `&Config` to compare,
//! without and with a writer swapping configurations on the other core.
//! `cargo xtask bench-tables` runs it (`cargo bench -p ch10-06-config-reload --bench
//! config_read`) and writes the table the page shows; `cargo test` runs each benchmark once, in
//! criterion's test mode, to check that it builds and works.

use std::hint::black_box;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread;
use std::time::Duration;

use arc_swap::{ArcSwap, Cache};
use criterion::{Bencher, Criterion, criterion_group};

use ch10_06_config_reload::config::Config;
use ch10_06_config_reload::reloader::Snapshot;

// ---- reading one field of the current configuration ------------------------------------

const TEXT: &str =
    "greeting = \"hello\"\ntimeout_ms = 1500\n\n[limits]\nrequests_per_second = 100\nburst = 200\n";

fn configs() -> [Arc<Snapshot<Config>>; 2] {
    let config: Config = toml::from_str(TEXT).expect("the benchmark's config parses");
    let mut other = config.clone();
    other.timeout_ms = NonZeroU64::new(900).expect("nonzero");
    [
        Arc::new(Snapshot {
            generation: 1,
            config,
        }),
        Arc::new(Snapshot {
            generation: 2,
            config: other,
        }),
    ]
}

/// How a writer publishes a new configuration.
type Swap<'a> = &'a (dyn Fn(&Arc<Snapshot<Config>>) + Sync);

/// The writer, when there is one.
fn writer_if(writer: bool, swap: Swap<'_>) -> Option<Swap<'_>> {
    writer.then_some(swap)
}

/// Runs `read` under criterion while, if `swap` is given, another thread swaps the two
/// configurations in as fast as it can.
fn with_writer<R: FnMut() -> u64>(b: &mut Bencher, swap: Option<Swap<'_>>, mut read: R) {
    let versions = configs();
    let running = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        if let Some(swap) = swap {
            s.spawn(|| {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    swap(&versions[n % 2]);
                    n += 1;
                    running.store(true, Ordering::Relaxed);
                }
            });
            // Measure only once the writer is swapping.
            while !running.load(Ordering::Relaxed) {
                thread::yield_now();
            }
        }
        b.iter(&mut read);
        stop.store(true, Ordering::Relaxed);
    });
}

fn config_reads(c: &mut Criterion) {
    let [first, _] = configs();
    let plain: &Config = &first.config;
    let arc: Arc<Config> = Arc::new(first.config.clone());
    // What `reloader.rs` publishes and `ConfigHandle::load` reads: an `ArcSwap<Snapshot<_>>`.
    let swapped = ArcSwap::new(Arc::clone(&first));
    let rw_lock = RwLock::new(Arc::clone(&first));
    let mutex = Mutex::new(Arc::clone(&first));

    for writer in [false, true] {
        let group_name = if writer {
            "config_read_writer"
        } else {
            "config_read"
        };
        let mut group = c.benchmark_group(group_name);
        if !writer {
            group.bench_function("plain_ref", |b| {
                with_writer(b, None, || black_box(plain).timeout_ms.get())
            });
            group.bench_function("arc", |b| {
                with_writer(b, None, || black_box(&arc).timeout_ms.get())
            });
        }
        let store = |next: &Arc<Snapshot<Config>>| swapped.store(Arc::clone(next));
        group.bench_function("arcswap_load", |b| {
            with_writer(b, writer_if(writer, &store), || {
                black_box(&swapped).load().config.timeout_ms.get()
            })
        });
        group.bench_function("arcswap_cache", |b| {
            // One `Cache` per reading thread: it re-reads the `ArcSwap` only after a swap.
            let mut cache = Cache::new(&swapped);
            with_writer(b, writer_if(writer, &store), || {
                black_box(&mut cache).load().config.timeout_ms.get()
            })
        });
        let write = |next: &Arc<Snapshot<Config>>| {
            *rw_lock.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(next);
        };
        group.bench_function("rwlock_read", |b| {
            with_writer(b, writer_if(writer, &write), || {
                let guard = black_box(&rw_lock)
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                guard.config.timeout_ms.get()
            })
        });
        group.bench_function("rwlock_clone_arc", |b| {
            // The 10.6 config module's `current()`: clone the `Arc` and let go of the lock.
            with_writer(b, writer_if(writer, &write), || {
                let snapshot = Arc::clone(
                    &black_box(&rw_lock)
                        .read()
                        .unwrap_or_else(PoisonError::into_inner),
                );
                snapshot.config.timeout_ms.get()
            })
        });
        let lock = |next: &Arc<Snapshot<Config>>| {
            *mutex.lock().unwrap_or_else(PoisonError::into_inner) = Arc::clone(next);
        };
        group.bench_function("mutex_lock", |b| {
            with_writer(b, writer_if(writer, &lock), || {
                let guard = black_box(&mutex)
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                guard.config.timeout_ms.get()
            })
        });
        group.finish();
    }
}

// `settings` and `main` are the same in the counters bench of ch10-06-reloading-modules: each
// recipe folder stands alone (copy it anywhere), so they share no helper crate.
fn settings() -> Criterion {
    // Short runs: about two seconds a benchmark. Medians of 50 samples each.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = settings();
    targets = config_reads
}

/// `criterion_main!`, after telling criterion where its results go: left to itself, it runs
/// `cargo metadata` to find the target directory, which took longer than all the benchmarks
/// in `cargo test`'s single run (the warm loop of this book is counted in seconds).
fn main() {
    if std::env::var_os("CRITERION_HOME").is_none() {
        // target/<profile>/deps/<this bench> → target/criterion, where criterion would write.
        let exe = std::env::current_exe().expect("the benchmark's path");
        if let Some(target) = exe.ancestors().nth(3) {
            // SAFETY: nothing else runs yet (first thing in `main`, before any thread).
            unsafe { std::env::set_var("CRITERION_HOME", target.join("criterion")) };
        }
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
