//! Recipe 10.5, "One namespace from separate directories and crates": a download store that
//! uses the facade crate `shop` (`shop/` beside this package) with its `billing` part and without
//! `shipping`, as the companion crate's Cargo.toml asks.
//! Run it with `cargo run -p ch10-05-one-namespace`.

// ANCHOR: uses
// One dependency, one namespace: the core at the top, each part as a module.
use shop::billing;
use shop::{Cart, Item, Money};
// ANCHOR_END: uses

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: main
    println!("parts of shop in this build: {}", shop::PARTS.join(", "));

    let mut cart = Cart::new();
    cart.add(download("e-book", 1299), 1)
        .add(download("audio book", 899), 2);
    let invoice = billing::invoice(&cart, 1, 20)?;
    println!("{invoice}");

    match billing::invoice(&Cart::new(), 2, 20) {
        Ok(invoice) => println!("invoiced an empty cart: {invoice}"),
        Err(error) => println!("refused: {error}"),
    }
    // ANCHOR_END: main
    Ok(())
}

/// A download: a price, and no weight to ship.
fn download(name: &str, cents: u64) -> Item {
    Item {
        name: name.to_owned(),
        price: Money::from_cents(cents),
        grams: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shop::billing::BillingError;

    // ANCHOR: tests
    /// `shop::Money`, `shop::billing::Invoice::total` and the `Money` inside `shop::Cart` are
    /// one type, defined once in shop-core, whichever path names it.
    #[test]
    fn every_path_names_the_same_types() -> Result<(), BillingError> {
        let mut cart = Cart::new();
        cart.add(download("song", 100), 3);
        let invoice: billing::Invoice = billing::invoice(&cart, 9, 10)?;
        let expected: Money = Money::from_cents(330);
        assert_eq!(invoice.total, expected);
        assert_eq!(invoice.subtotal, cart.subtotal());
        Ok(())
    }

    /// `cargo test` builds the facade with the features this crate's Cargo.toml asks for:
    /// `billing`, and not `shipping`. (`billing` is also the facade's default feature, so this
    /// cannot tell whether `default-features = false` took effect.)
    #[test]
    fn the_build_has_the_parts_the_manifest_asks_for() {
        assert_eq!(shop::PARTS, ["core", "billing"]);
    }
    // ANCHOR_END: tests
}
