//! Keeping tests that share global state out of each other's way. `cargo test` runs tests
//! on several threads at once, so resetting at the start and at the end is not enough.

use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use crate::{config, counter};

// ANCHOR: serial
/// A lock for the tests that touch some global state, with the way to reset that state.
pub struct Serial {
    lock: Mutex<()>,
    reset: fn(),
}

/// While a test holds this, no other test holds one from the same `Serial`. The state is
/// reset when it is taken and again when it is dropped, which happens even if the test
/// panics, so the next test starts clean.
#[must_use = "the lock is released, and the state reset, when this is dropped"]
pub struct Exclusive {
    reset: fn(),
    _lock: MutexGuard<'static, ()>,
}

impl Serial {
    pub const fn new(reset: fn()) -> Serial {
        Serial {
            lock: Mutex::new(()),
            reset,
        }
    }

    pub fn lock(&'static self) -> Exclusive {
        // A test that panicked while holding the lock poisoned it. Its guard has reset the
        // state on the way out, so the poison tells nothing: take the lock anyway.
        let lock = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.exclusive(lock)
    }

    /// `None` while another test holds the lock.
    pub fn try_lock(&'static self) -> Option<Exclusive> {
        match self.lock.try_lock() {
            Ok(lock) => Some(self.exclusive(lock)),
            Err(TryLockError::Poisoned(poisoned)) => Some(self.exclusive(poisoned.into_inner())),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn exclusive(&'static self, lock: MutexGuard<'static, ()>) -> Exclusive {
        (self.reset)();
        Exclusive {
            reset: self.reset,
            _lock: lock,
        }
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        // `drop` runs before the fields are dropped: the state is reset while the lock is held.
        (self.reset)();
    }
}
// ANCHOR_END: serial

/// Every test that reads or changes this program's global state holds this lock.
static GLOBAL_STATE: Serial = Serial::new(reset_all);

pub fn exclusive() -> Exclusive {
    GLOBAL_STATE.lock()
}

fn reset_all() {
    counter::reset();
    config::reset();
}

#[cfg(test)]
mod tests {
    use std::panic;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    use super::*;

    /// Two tests written the Zig recipe's way (reset at the start, reset at the end), on two
    /// threads as `cargo test` runs them, with the unlucky interleaving forced by barriers.
    /// Returns what the first test reads where it expects 1.
    fn zig_recipe_pattern_on_two_threads() -> usize {
        let first_has_counted = Barrier::new(2);
        let second_has_reset = Barrier::new(2);
        thread::scope(|s| {
            let first = s.spawn(|| {
                counter::reset();
                counter::increment();
                first_has_counted.wait();
                second_has_reset.wait();
                let seen = counter::value(); // the test expects 1 here
                counter::reset();
                seen
            });
            s.spawn(|| {
                first_has_counted.wait();
                counter::reset(); // the second test starts
                second_has_reset.wait();
            });
            first.join().expect("first test thread")
        })
    }

    #[test]
    fn reset_at_start_and_end_does_not_isolate_parallel_tests() {
        let _state = exclusive(); // keep the real tests out of this staged one
        assert_eq!(zig_recipe_pattern_on_two_threads(), 0);
    }

    #[test]
    fn the_guard_keeps_a_second_test_out() {
        let _state = exclusive();
        counter::increment();
        let second_got_in = thread::scope(|s| {
            s.spawn(|| GLOBAL_STATE.try_lock().is_some())
                .join()
                .expect("second test thread")
        });
        assert!(!second_got_in);
        assert_eq!(counter::value(), 1);
    }

    /// State of its own, so that this test can panic with the lock held without
    /// disturbing the others.
    static PRIVATE_COUNT: AtomicUsize = AtomicUsize::new(0);
    static PRIVATE_STATE: Serial = Serial::new(|| PRIVATE_COUNT.store(0, Ordering::Relaxed));

    #[test]
    fn the_guard_resets_even_when_the_test_panics() {
        let outcome = panic::catch_unwind(|| {
            let _state = PRIVATE_STATE.lock();
            PRIVATE_COUNT.store(99, Ordering::Relaxed);
            panic!("the test fails half-way");
        });
        assert!(outcome.is_err());
        assert_eq!(PRIVATE_COUNT.load(Ordering::Relaxed), 0);
        assert!(PRIVATE_STATE.lock.is_poisoned());
        let _next_test = PRIVATE_STATE.lock(); // still usable
    }
}

/// Two tests on a static of their own, kept apart by `serial_test` instead of a guard.
/// `#[serial(visits)]` tests run one at a time; they still reset the state themselves.
#[cfg(test)]
mod serial_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serial_test::serial;

    static VISITS: AtomicUsize = AtomicUsize::new(0);

    #[test]
    #[serial(visits)]
    fn first_visit_counts_one() {
        VISITS.store(0, Ordering::Relaxed);
        VISITS.fetch_add(1, Ordering::Relaxed);
        assert_eq!(VISITS.load(Ordering::Relaxed), 1);
    }

    #[test]
    #[serial(visits)]
    fn second_visit_counts_one_too() {
        VISITS.store(0, Ordering::Relaxed);
        VISITS.fetch_add(1, Ordering::Relaxed);
        assert_eq!(VISITS.load(Ordering::Relaxed), 1);
    }
}
