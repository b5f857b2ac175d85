//! Recipe 10.6: reloading code that runs in a child process. `protocol` is what host and
//! plugin share (the messages, and the plugin's `serve` loop); `host` starts, calls, stops and
//! replaces plugin processes. `src/main.rs` is the host program; `src/bin/` holds the plugins.

#[cfg(unix)]
pub mod fault_table;
pub mod host;
pub mod protocol;
