//! Recipe 10.6, "What it costs": one global counter, measured with criterion: the recipe's
//! `counter` module (a relaxed atomic), its instance `Counter`, its `thread_local!` counter,
//! and the alternatives (`SeqCst`, a `Mutex`, per-thread slots), on one thread and on two.
//! `cargo xtask bench-tables` runs it (`cargo bench -p ch10-06-reloading-modules --bench
//! counters`) and writes the table the page shows; `cargo test` runs each benchmark once, in
//! criterion's test mode, to check that it builds and works.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Bencher, Criterion, criterion_group};

use ch10_06_reloading_modules::instance::Counter;
use ch10_06_reloading_modules::{counter, thread_safety};

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

// `settings` and `main` are the same in the config_read bench of ch10-06-config-reload: each
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
    targets = counters
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
