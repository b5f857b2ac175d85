//! Recipe 10.6: loading and reloading a plugin built as a dynamic library. The library is the
//! loader (`plugin`), the file watcher (`watch`), the watchdog that reports a hung call
//! (`watchdog`), the faults the tests provoke (`faults`) and the plugin builder its demo and
//! tests use (`compile`); `src/main.rs` is the host program, and `benches/` measure a swap.

pub mod compile;
pub mod faults;
pub mod plugin;
pub mod watch;
pub mod watchdog;
