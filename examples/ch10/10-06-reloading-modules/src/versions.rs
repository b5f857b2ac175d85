//! Where Rust *does* make a second copy of a module's state: the same file declared twice,
//! and two incompatible versions of one crate in the same build.

use std::sync::{Mutex, PoisonError};

// ANCHOR: path_twice
/// The counter's file once more, as a second module: a second module has a second static.
#[expect(
    clippy::duplicate_mod,
    reason = "on purpose: this is the mistake the recipe shows"
)]
#[allow(
    dead_code,
    reason = "this copy only needs a few of its functions, and which depends on the build"
)]
#[path = "counter.rs"]
pub mod counter_again;
// ANCHOR_END: path_twice

/// A logger that keeps what it is sent.
#[derive(Default)]
pub struct Recorder {
    lines: Mutex<Vec<String>>,
}

impl Recorder {
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `tiny1::Log` and `tiny2::Log` are two different traits: implementing one is not
/// implementing the other.
impl tiny1::Log for Recorder {
    fn log(&self, message: &str) {
        let line = format!("tiny {}: {message}", tiny1::version());
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cleanup::leak;
    use crate::counter;
    use crate::isolation::exclusive;

    #[test]
    fn the_same_file_declared_twice_is_two_modules() {
        let _state = exclusive();
        counter_again::reset();
        counter::increment();
        counter::increment();
        counter_again::increment();
        assert_eq!(counter::value(), 2);
        assert_eq!(counter_again::value(), 1);
        assert_ne!(counter::address(), counter_again::address());
        counter_again::reset();
    }

    #[test]
    fn two_versions_of_a_crate_have_two_loggers() {
        let recorder: &'static Recorder = leak(Recorder::default());
        tiny1::set_logger(recorder).expect("the only test that installs a tiny 1 logger");

        assert!(tiny1::log("through version 1"));
        assert!(!tiny2::log("through version 2")); // version 2 has no logger
        assert_eq!(recorder.lines(), ["tiny 1.0.0: through version 1"]);

        // A `OnceLock` is set once: there is no way back to "no logger".
        let another: &'static Recorder = leak(Recorder::default());
        assert!(tiny1::set_logger(another).is_err());
    }
}
