//! Recipe 10.6, "Reloading modules": what Rust has instead of `importlib.reload()`.
//! Run it with `cargo run -p ch10-06-reloading-modules`.

use std::error::Error;

// The recipe's modules are the package's library (`src/lib.rs`), which its benchmarks use too.
use ch10_06_reloading_modules::{
    cleanup, config, const_trap, constants, counter, instance, thread_safety, versions,
};
use config::Config;
use instance::Counter;

// ANCHOR: aliases
// Two names for one module of the library: `use` makes an alias, it never loads a second copy.
use ch10_06_reloading_modules::counter as first;
use ch10_06_reloading_modules::counter as second;
// ANCHOR_END: aliases

#[allow(
    clippy::too_many_lines,
    reason = "the demo walks through the recipe's sections in order, one after the other"
)]
fn main() -> Result<(), Box<dyn Error>> {
    println!("== import caching");
    first::reset();
    first::increment();
    first::increment();
    println!(
        "after two increments through `first`, `second` reads {}",
        second::value()
    );
    println!(
        "both names reach one static: {}",
        first::address() == second::address()
    );
    first::decrement();
    println!("after one decrement: {}", first::value());
    first::set(5);
    println!("after set(5): {}", second::value());

    println!("\n== the same file declared twice");
    versions::counter_again::increment();
    println!(
        "counter: {}, counter_again: {}, one static: {}",
        counter::value(),
        versions::counter_again::value(),
        counter::address() == versions::counter_again::address()
    );

    println!("\n== configuration");
    println!(
        "{} {}, at most {} connections",
        config::APP_NAME,
        config::VERSION,
        config::MAX_CONNECTIONS
    );
    config::reload(Config {
        feature_x: true,
        timeout_secs: 30,
        ..Config::default()
    });
    let snapshot = config::current();
    config::reload(Config::from_toml("feature_x = false\ntimeout_secs = 60")?);
    let now = config::current();
    println!(
        "after a reload: feature_x = {}, timeout = {} s",
        now.feature_x, now.timeout_secs
    );
    println!(
        "a snapshot taken before still reads timeout = {} s",
        snapshot.timeout_secs
    );
    config::update(|config| {
        config.debug_mode = true;
        config.log_level = 3;
    });
    let now = config::current();
    println!(
        "two settings changed: debug_mode = {}, log_level = {}",
        now.debug_mode, now.log_level
    );
    match Config::from_toml("timeout = 90") {
        Ok(_) => println!("accepted a misspelled key"),
        Err(e) => println!("rejected: {e}"),
    }
    let missing = std::path::Path::new("no-such-dir/settings.toml");
    if let Err(e) = config::reload_from_file(missing) {
        println!("{e}; timeout is still {} s", config::current().timeout_secs);
    }
    config::reset();

    println!("\n== compile time and run time");
    println!("squares computed by the compiler: {:?}", constants::SQUARES);
    println!(
        "package version from Cargo.toml: {}",
        constants::PACKAGE_VERSION
    );
    println!(
        "build tag: {}",
        constants::BUILD_TAG.unwrap_or("none (COOKBOOK_BUILD_TAG was not set)")
    );
    println!(
        "{}: debug is level {:?}",
        constants::GREETING,
        constants::LOG_LEVELS.get("debug")
    );

    println!("\n== the `const` trap");
    let counts: Vec<usize> = (0..3).map(|_| const_trap::count_call()).collect();
    println!("count_call() three times: {counts:?}");

    println!("\n== instances");
    let mut a = Counter::new();
    let mut b = Counter::new();
    instance::count_words("two words", &mut a);
    instance::count_words("three more words", &mut b);
    b.decrement();
    println!("a = {}, b = {}", a.value(), b.value());
    let texts = ["one", "two words", "and three more"];
    println!(
        "words counted on {} threads into one shared counter: {}",
        texts.len(),
        instance::count_words_in_parallel(&texts)
    );
    a.reset();

    println!("\n== two versions of one crate");
    let recorder = cleanup::leak(versions::Recorder::default());
    tiny1::set_logger(recorder)?;
    println!(
        "tiny {} logs: {}; tiny {} logs: {}",
        tiny1::version(),
        tiny1::log("hello"),
        tiny2::version(),
        tiny2::log("hello")
    );
    println!("the recorder got {:?}", recorder.lines());

    println!("\n== threads");
    std::thread::spawn(|| thread_safety::publish(42))
        .join()
        .map_err(|_| "the publishing thread panicked")?;
    thread_safety::record("published");
    println!(
        "published: {:?}; events: {:?}",
        thread_safety::published(),
        thread_safety::events()
    );
    let here = (
        thread_safety::count_call_on_this_thread(),
        thread_safety::count_call_on_this_thread(),
    );
    let there = std::thread::spawn(thread_safety::count_call_on_this_thread)
        .join()
        .map_err(|_| "the counting thread panicked")?;
    println!("calls on this thread: {here:?}; on a new thread: {there}");

    println!("\n== cleanup");
    cleanup::demo()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! One test for each of the 16 tests of the Zig recipe that the page follows, with the same intent. Every test that
    //! touches global state holds `exclusive()`: tests run on parallel threads.

    use super::*;
    use ch10_06_reloading_modules::isolation::exclusive;

    // ANCHOR: imports_are_cached
    #[test]
    fn imports_are_cached_at_compile_time() {
        let _state = exclusive();
        first::increment();
        first::increment();
        assert_eq!(second::value(), 2);
        assert_eq!(first::address(), second::address());
    }
    // ANCHOR_END: imports_are_cached

    #[test]
    fn module_state_is_shared_across_imports() {
        let _state = exclusive();
        first::increment();
        assert_eq!(first::value(), 1);
        assert_eq!(second::value(), 1);
        second::increment();
        assert_eq!(first::value(), 2);
    }

    #[test]
    fn resetting_module_state() {
        let _state = exclusive();
        assert_eq!(counter::value(), 0);
        for _ in 0..3 {
            counter::increment();
        }
        assert_eq!(counter::value(), 3);
        counter::reset();
        assert_eq!(counter::value(), 0);
        counter::decrement(); // saturates at zero
        assert_eq!(counter::value(), 0);
    }

    #[test]
    fn module_initialization_pattern() {
        // Serialises, resets now, and resets again when it goes out of scope: Zig's
        // `reset(); defer reset();` as one value.
        let _state = exclusive();
        config::update(|config| config.debug_mode = true);
        assert!(config::current().debug_mode);
        config::update(|config| config.log_level = 3);
        assert_eq!(config::current().log_level, 3);
    }

    // ANCHOR: constants_test
    #[test]
    fn compile_time_constants_are_truly_constant() {
        // Checked by the compiler: a wrong value fails the build, not the test.
        const { assert!(config::MAX_CONNECTIONS == 100) };
        assert_eq!(config::VERSION, "1.0.0");
        assert_eq!(config::APP_NAME, "MyApp");
    }
    // ANCHOR_END: constants_test

    #[test]
    fn module_singleton_pattern() {
        use crate::counter as mod1;
        use crate::counter as mod2;
        let _state = exclusive();
        mod1::increment();
        assert_eq!(mod1::value(), mod2::value());
        // One module, one static: a second independent counter needs an instance
        // (or a second module, see `the_same_file_declared_twice_is_two_modules`).
        assert_eq!(mod1::address(), mod2::address());
    }

    #[test]
    fn instance_pattern_for_independent_state() {
        let mut counter_a = Counter::new();
        let mut counter_b = Counter::new();
        counter_a.increment();
        counter_a.increment();
        counter_b.increment();
        assert_eq!(counter_a.value(), 2);
        assert_eq!(counter_b.value(), 1);
    }

    #[test]
    fn avoiding_global_state_for_testability() {
        // No lock, no reset: this counter belongs to this test alone.
        let mut words = Counter::new();
        instance::count_words("no global state here", &mut words);
        assert_eq!(words.value(), 4);
    }

    #[test]
    fn scoped_state_management() {
        let _state = exclusive();
        for _ in 0..3 {
            counter::increment();
        }
        assert_eq!(counter::value(), 3);
    } // `_state` is dropped here: the counter is reset, then the next test may start

    #[test]
    fn configuration_changes() {
        let _state = exclusive();
        config::reload(Config {
            feature_x: true,
            timeout_secs: 30,
            ..Config::default()
        });
        let before = config::current();
        assert!(before.feature_x);
        assert_eq!(before.timeout_secs, 30);

        // A reload is one swap: never a reset followed by sets.
        config::reload(Config {
            feature_x: false,
            timeout_secs: 60,
            ..Config::default()
        });
        let now = config::current();
        assert!(!now.feature_x);
        assert_eq!(now.timeout_secs, 60);
        assert_eq!(before.timeout_secs, 30); // a snapshot never changes
    }

    #[test]
    fn understanding_compile_time_vs_runtime() {
        const SQUARE_OF_SEVEN: u64 = constants::SQUARES[7]; // evaluated by the compiler
        let _state = exclusive();
        assert_eq!(SQUARE_OF_SEVEN, 49);
        assert_eq!(constants::PACKAGE_VERSION, env!("CARGO_PKG_VERSION"));
        config::update(|config| config.timeout_secs = 42); // changed while the program runs
        assert_eq!(config::current().timeout_secs, 42);
    }

    #[test]
    fn best_practices_for_module_state() {
        // Global state: thread-safe, resettable, and touched only under the guard.
        let _state = exclusive();
        counter::increment();
        assert!(counter::value() > 0);
        // Everything else: an instance.
        let mut local = Counter::new();
        local.increment();
        assert_eq!(local.value(), 1);
    }

    #[test]
    fn cleanup_module_resources() {
        let _state = exclusive();
        config::update(|config| config.feature_x = true);
        let replaced = std::sync::Arc::downgrade(&config::current());
        config::reset();
        // The replaced settings were freed when the last `Arc` to them went away.
        assert!(replaced.upgrade().is_none());
    }

    #[test]
    fn reload_config_from_file() {
        let _state = exclusive();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "debug_mode = true\nlog_level = 2\n").expect("write");
        config::reload_from_file(&path).expect("valid settings");
        assert_eq!(config::current().log_level, 2);

        // Edited while the program runs; read again: that is the whole "reload".
        std::fs::write(&path, "debug_mode = false\nlog_level = 4\n").expect("write");
        config::reload_from_file(&path).expect("valid settings");
        let now = config::current();
        assert!(!now.debug_mode);
        assert_eq!(now.log_level, 4);

        // A broken edit is reported, and the settings in force stay as they were.
        std::fs::write(&path, "log_level = \"verbose\"\n").expect("write");
        assert!(config::reload_from_file(&path).is_err());
        assert_eq!(config::current().log_level, 4);
    }

    // ANCHOR: isolated
    #[test]
    fn isolated_test_1() {
        let _state = exclusive();
        counter::increment();
        assert_eq!(counter::value(), 1);
    }

    #[test]
    fn isolated_test_2() {
        let _state = exclusive();
        // Starts from zero, whichever test ran before or runs at the same time.
        assert_eq!(counter::value(), 0);
    }
    // ANCHOR_END: isolated
}
