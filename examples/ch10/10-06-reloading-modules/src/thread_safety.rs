//! Global state that threads can share safely: a `Mutex`, atomics, or one copy per thread.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

// ANCHOR: mutex
/// `Mutex::new` is a `const fn`: a static `Mutex` needs no lazy initialisation.
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    EVENTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(event.to_owned());
}

pub fn events() -> Vec<String> {
    EVENTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}
// ANCHOR_END: mutex

// ANCHOR: publish
static ANSWER: AtomicU64 = AtomicU64::new(0);
static READY: AtomicBool = AtomicBool::new(false);

/// Writes the data, then raises the flag with `Release`: every write before it is
/// published together with the flag.
pub fn publish(answer: u64) {
    ANSWER.store(answer, Ordering::Relaxed);
    READY.store(true, Ordering::Release);
}

/// Reads the flag with `Acquire`: once it reads `true`, it sees the data written before
/// the flag was raised.
pub fn published() -> Option<u64> {
    READY
        .load(Ordering::Acquire)
        .then(|| ANSWER.load(Ordering::Relaxed))
}
// ANCHOR_END: publish

thread_local! {
    /// One counter per thread: no locking, and no thread sees another's count.
    static CALLS_ON_THIS_THREAD: Cell<u32> = const { Cell::new(0) };
}

pub fn count_call_on_this_thread() -> u32 {
    CALLS_ON_THIS_THREAD.with(|calls| {
        calls.set(calls.get() + 1);
        calls.get()
    })
}

#[cfg(test)]
mod tests {
    use std::thread;

    use super::*;

    #[test]
    fn a_reader_that_sees_the_flag_sees_the_data() {
        thread::scope(|s| {
            let reader = s.spawn(|| {
                loop {
                    if let Some(answer) = published() {
                        return answer;
                    }
                    thread::yield_now();
                }
            });
            s.spawn(|| publish(42));
            assert_eq!(reader.join().expect("reader"), 42);
        });
    }

    #[test]
    fn a_static_mutex_collects_from_every_thread() {
        thread::scope(|s| {
            for name in ["a", "b", "c"] {
                s.spawn(move || record(name));
            }
        });
        let mut seen = events();
        seen.sort();
        assert_eq!(seen, ["a", "b", "c"]);
    }

    #[test]
    fn each_thread_has_its_own_thread_local() {
        let calls_on = || (count_call_on_this_thread(), count_call_on_this_thread());
        let first = thread::spawn(calls_on).join().expect("first thread");
        let second = thread::spawn(calls_on).join().expect("second thread");
        assert_eq!(first, (1, 2));
        assert_eq!(second, (1, 2)); // a fresh count on a new thread
    }
}
