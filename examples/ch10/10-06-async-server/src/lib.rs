//! Recipe 10.6: an async server whose handlers read the current configuration per request,
//! reloaded from a file watch or SIGHUP through one validate-then-swap path.

pub mod client;
pub mod config;
pub mod reload;
pub mod server;
