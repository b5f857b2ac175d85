//! The shop's shipping: parcels and their cost for a cart. A crate of its own, which the
//! facade `shop` re-exports as `shop::shipping` when its `shipping` feature is on.

// ANCHOR: shipping
use shop_core::{Cart, Money};

/// The heaviest parcel the carrier takes.
pub const MAX_PARCEL_GRAMS: u32 = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Domestic,
    International,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub parcels: u32,
    pub cost: Money,
}

/// What shipping the cart costs, or `None` when there is nothing to ship (downloads only).
pub fn quote(cart: &Cart, zone: Zone) -> Option<Quote> {
    let grams = cart.grams();
    if grams == 0 {
        return None;
    }
    let parcels = grams.div_ceil(MAX_PARCEL_GRAMS);
    let per_parcel = match zone {
        Zone::Domestic => Money::from_cents(590),
        Zone::International => Money::from_cents(1890),
    };
    Some(Quote {
        parcels,
        cost: per_parcel * parcels,
    })
}
// ANCHOR_END: shipping

#[cfg(test)]
mod tests {
    use super::*;
    use shop_core::Item;

    #[test]
    fn heavy_carts_need_more_parcels() {
        let mut cart = Cart::new();
        let anvil = Item {
            name: "anvil".into(),
            price: Money::from_cents(9900),
            grams: 15_000,
        };
        cart.add(anvil, 2);
        let quote = quote(&cart, Zone::Domestic);
        assert_eq!(
            quote,
            Some(Quote {
                parcels: 2,
                cost: Money::from_cents(1180)
            })
        );
    }

    #[test]
    fn downloads_are_not_shipped() {
        let mut cart = Cart::new();
        let ebook = Item {
            name: "e-book".into(),
            price: Money::from_cents(500),
            grams: 0,
        };
        cart.add(ebook, 1);
        assert_eq!(quote(&cart, Zone::International), None);
    }
}
