//! Recipe 10.6: a server that hands its listening socket to a new version of itself.
//! `handover` passes the socket and waits for the successor's readiness; `server` accepts,
//! answers, and drains. Unix only: it inherits file descriptors across `exec`.

#[cfg(unix)]
pub mod client;
#[cfg(unix)]
pub mod deploy;
#[cfg(unix)]
pub mod handover;
#[cfg(unix)]
pub mod server;
