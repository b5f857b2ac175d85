//! Recipe 10.6: reloading a configuration file while the program runs. The library is the
//! typed configuration (`config`) and the reloader that watches, validates and swaps it
//! (`reloader`); `src/main.rs` is the program that shows them, and `benches/` measure them.

pub mod config;
pub mod reloader;
