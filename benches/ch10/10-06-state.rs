//! Recipe 10.6, "What it costs": global counters and config reads, measured with criterion.
//!
//! The code measured is the recipe's own, included with `#[path]`: the counter module, the
//! instance `Counter` and the `thread_local!` counter of `10-06-reloading-modules`, and the
//! `Config` and `Snapshot` types of `10-06-config-reload`. `cargo xtask bench-tables` runs this
//! (`cargo bench --bench 10-06-state`) and writes the tables the page shows; `cargo test` runs
//! each benchmark once, in criterion's test mode, to check that it builds and works.

#[path = "../../examples/ch10/10-06-config-reload/src/config.rs"]
#[allow(dead_code)]
mod config;
#[path = "../../examples/ch10/10-06-reloading-modules/src/counter.rs"]
#[allow(dead_code)]
mod counter;
#[path = "../../examples/ch10/10-06-reloading-modules/src/instance.rs"]
#[allow(dead_code)]
mod instance;
#[path = "../../examples/ch10/10-06-config-reload/src/reloader.rs"]
#[allow(dead_code)]
mod reloader;
// `cargo test` compiles this bench with `cfg(test)` but no test harness: the file's test
// module is built, never run, and its imports look unused.
#[path = "../../examples/ch10/10-06-reloading-modules/src/thread_safety.rs"]
#[allow(dead_code, unused_imports)]
mod thread_safety;

use std::hint::black_box;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use arc_swap::{ArcSwap, Cache};
use criterion::{Bencher, Criterion, criterion_group};

use config::Config;
use instance::Counter;
use reloader::Snapshot;

// ---- global counters -------------------------------------------------------------------

static SEQ_CST: AtomicUsize = AtomicUsize::new(0);
static LOCKED: Mutex<usize> = Mutex::new(0);

fn seq_cst_increment() {
    SEQ_CST.fetch_add(1, Ordering::SeqCst);
}

fn mutex_increment() {
    *LOCKED.lock().unwrap_or_else(PoisonError::into_inner) += 1;
}

/// A per-thread counter summed on read: each thread adds to its own cache line (a plain load
/// and store, no locked instruction, since only that thread writes it); a read sums them.
#[repr(align(128))] // two cache lines: adjacent-line prefetch would pair 64-byte slots
#[derive(Default)]
struct Slot(AtomicUsize);

#[derive(Default)]
struct PerThreadCounter {
    slots: [Slot; 2],
}

impl PerThreadCounter {
    fn increment(&self, thread: usize) {
        let slot = &self.slots[thread].0;
        slot.store(slot.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    fn value(&self) -> usize {
        self.slots.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
    }
}

static PER_THREAD: PerThreadCounter = PerThreadCounter {
    slots: [Slot(AtomicUsize::new(0)), Slot(AtomicUsize::new(0))],
};

/// Runs `iters` operations on each of two threads at once and returns the time the calling
/// thread took from the common start until both had finished: time per operation per thread.
/// `make(thread)` builds each thread's operation (its own instance, its own slot…).
fn two_threads<F: FnMut()>(iters: u64, make: impl Fn(usize) -> F + Sync) -> Duration {
    let start = Barrier::new(2);
    thread::scope(|s| {
        let other = s.spawn(|| {
            let mut op = make(1);
            start.wait();
            for _ in 0..iters {
                op();
            }
        });
        let mut op = make(0);
        start.wait();
        let started = Instant::now();
        for _ in 0..iters {
            op();
        }
        other.join().expect("second thread");
        started.elapsed()
    })
}

/// Checks that a shared counter moved by exactly `2 * iters` (nothing lost, nothing elided).
fn counted(b: &mut Bencher, value: impl Fn() -> usize, make: impl Fn(usize) -> fn() + Sync) {
    b.iter_custom(|iters| {
        let before = value();
        let elapsed = two_threads(iters, &make);
        assert_eq!(value() - before, 2 * iters as usize, "lost increments");
        elapsed
    });
}

fn counters(c: &mut Criterion) {
    let mut one = c.benchmark_group("counter_1_thread");
    one.bench_function("atomic_relaxed", |b| b.iter(counter::increment));
    one.bench_function("atomic_seqcst", |b| b.iter(seq_cst_increment));
    one.bench_function("mutex", |b| b.iter(mutex_increment));
    one.bench_function("per_thread_slots", |b| {
        b.iter(|| PER_THREAD.increment(black_box(0)))
    });
    one.bench_function("thread_local", |b| {
        b.iter(thread_safety::count_call_on_this_thread)
    });
    one.bench_function("instance", |b| {
        let mut counter = Counter::new();
        // Through an opaque `&mut`, so the count is really stored each time.
        b.iter(|| black_box(&mut counter).increment());
        assert!(counter.value() > 0);
    });
    one.finish();

    let mut two = c.benchmark_group("counter_2_threads");
    two.bench_function("atomic_relaxed", |b| {
        counted(b, counter::value, |_| counter::increment)
    });
    two.bench_function("atomic_seqcst", |b| {
        counted(b, || SEQ_CST.load(Ordering::SeqCst), |_| seq_cst_increment)
    });
    two.bench_function("mutex", |b| {
        let value = || *LOCKED.lock().unwrap_or_else(PoisonError::into_inner);
        counted(b, value, |_| mutex_increment)
    });
    two.bench_function("per_thread_slots", |b| {
        b.iter_custom(|iters| {
            let before = PER_THREAD.value();
            let elapsed = two_threads(iters, |t| move || PER_THREAD.increment(black_box(t)));
            assert_eq!(PER_THREAD.value() - before, 2 * iters as usize);
            elapsed
        })
    });
    two.bench_function("thread_local", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, |_| {
                || {
                    black_box(thread_safety::count_call_on_this_thread());
                }
            })
        })
    });
    two.bench_function("instance", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, |_| {
                let mut counter = Counter::new();
                move || black_box(&mut counter).increment()
            })
        })
    });
    two.finish();
}

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

fn settings() -> Criterion {
    // Short runs: 24 benchmarks in about two minutes. Medians of 50 samples each.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = settings();
    targets = counters, config_reads
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
