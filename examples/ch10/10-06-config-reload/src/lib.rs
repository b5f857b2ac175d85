//! Recipe 10.6: reloading a configuration file while the program runs. The library is the
//! typed configuration (`config`), the reloader that watches, validates and swaps it
//! (`reloader`) and how it follows the path through symlinks (`follow`); `src/main.rs` is the
//! program that shows them, and `benches/` measure them.

pub mod config;
pub mod follow;
pub mod reloader;
