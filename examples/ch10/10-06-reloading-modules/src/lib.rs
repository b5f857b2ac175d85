//! Recipe 10.6: the modules whose state the program shows and the benchmarks measure: a
//! global counter, the same counter as an instance, and the `Sync` statics of thread safety.
//! `src/main.rs` declares the recipe's other modules and uses these through `use`.

pub mod counter;
pub mod instance;
pub mod thread_safety;
