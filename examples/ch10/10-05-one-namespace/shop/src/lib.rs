//! `shop`: the shop's crates under one name. Depend on this crate alone, and switch the
//! optional parts on with features: `billing` (on by default), `shipping`, or `full`.

// ANCHOR: facade
// The core is always there, at the top of the namespace: `shop::Cart`, `shop::Money`.
pub use shop_core::{Cart, Item, Money};

// Each optional part is a crate of its own, and a module of the facade when its feature is
// on: `shop::billing::invoice` is `shop_billing::invoice`.
#[cfg(feature = "billing")]
pub use shop_billing as billing;

#[cfg(feature = "shipping")]
pub use shop_shipping as shipping;
// ANCHOR_END: facade

// ANCHOR: compiled_parts
/// The parts this build of the facade has, decided by its features.
pub const PARTS: &[&str] = &[
    "core",
    #[cfg(feature = "billing")]
    "billing",
    #[cfg(feature = "shipping")]
    "shipping",
];
// ANCHOR_END: compiled_parts
