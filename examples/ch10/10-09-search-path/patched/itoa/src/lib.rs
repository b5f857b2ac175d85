//! A stand-in for a local checkout of `itoa`, with a change of our own: `CHECKOUT` says which
//! copy of the crate a build used.

use std::fmt::Display;

// ANCHOR: checkout
/// Not in the published crate: the change made in this checkout.
pub const CHECKOUT: &str = "the local checkout (patched)";
// ANCHOR_END: checkout

/// Formats integers, as the published `itoa::Buffer` does (through `Display` here).
#[derive(Default)]
pub struct Buffer {
    text: String,
}

impl Buffer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn format<I: Display>(&mut self, n: I) -> &str {
        self.text = n.to_string();
        &self.text
    }
}
