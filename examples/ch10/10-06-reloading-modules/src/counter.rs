//! A module with global state: one counter for the whole program, like the Zig recipe's
//! `counter.zig`, but safe to use from any thread.

// ANCHOR: counter
use std::sync::atomic::{AtomicUsize, Ordering};

/// The module's state. A `static` is one place in memory for the whole program;
/// an atomic lets every thread change it without `unsafe` and without a lock.
static COUNT: AtomicUsize = AtomicUsize::new(0);

pub fn increment() {
    COUNT.fetch_add(1, Ordering::Relaxed);
}

/// Saturating: at zero it stays at zero, even when two threads race to decrement.
pub fn decrement() {
    let _ = COUNT.try_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
}

pub fn value() -> usize {
    COUNT.load(Ordering::Relaxed)
}

pub fn set(value: usize) {
    COUNT.store(value, Ordering::Relaxed);
}

pub fn reset() {
    set(0);
}
// ANCHOR_END: counter

/// Where the state lives, to show that every path to this module reaches the same static.
pub fn address() -> usize {
    (&raw const COUNT).addr()
}
