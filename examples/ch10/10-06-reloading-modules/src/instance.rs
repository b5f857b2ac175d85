//! The instance pattern: state in a value you create and pass, not in a module.

use std::sync::{Mutex, PoisonError};
use std::thread;

/// A counter you create, own and pass around: each one has its own count.
#[derive(Debug, Default)]
pub struct Counter {
    value: usize,
}

impl Counter {
    pub fn new() -> Counter {
        Counter::default()
    }

    pub fn increment(&mut self) {
        self.value += 1;
    }

    /// Adds another counter's count to this one.
    pub fn add(&mut self, other: &Counter) {
        self.value += other.value;
    }

    pub fn decrement(&mut self) {
        self.value = self.value.saturating_sub(1);
    }

    pub fn value(&self) -> usize {
        self.value
    }

    pub fn reset(&mut self) {
        self.value = 0;
    }
}

// ANCHOR: passing
/// Counts into the counter it is given, instead of reaching for a global one.
pub fn count_words(text: &str, words: &mut Counter) {
    for _ in text.split_whitespace() {
        words.increment();
    }
}

/// One counter shared by several threads. The threads borrow it, so `thread::scope` runs
/// them: every thread has ended before the scope returns, and the borrow with it.
pub fn count_words_in_parallel(texts: &[&str]) -> usize {
    let total = Mutex::new(Counter::new());
    thread::scope(|s| {
        for &text in texts {
            let total = &total;
            s.spawn(move || {
                let mut words = Counter::new();
                count_words(text, &mut words);
                // The lock is held only to add this thread's count.
                total
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .add(&words);
            });
        }
    });
    total
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .value()
}
// ANCHOR_END: passing
