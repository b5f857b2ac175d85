//! The shop's core: the types every other part of the shop uses.

// ANCHOR: core
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Mul};

/// An amount of money, in cents so that sums are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money {
    cents: u64,
}

impl Money {
    pub const fn from_cents(cents: u64) -> Money {
        Money { cents }
    }

    pub const fn cents(self) -> u64 {
        self.cents
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money::from_cents(self.cents + other.cents)
    }
}

impl Mul<u32> for Money {
    type Output = Money;
    fn mul(self, times: u32) -> Money {
        Money::from_cents(self.cents * u64::from(times))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(amounts: I) -> Money {
        amounts.fold(Money::default(), Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

/// Something to sell. A download weighs nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub price: Money,
    pub grams: u32,
}

/// What a customer is buying: items and how many of each.
#[derive(Debug, Clone, Default)]
pub struct Cart {
    lines: Vec<(Item, u32)>,
}

impl Cart {
    pub fn new() -> Cart {
        Cart::default()
    }

    pub fn add(&mut self, item: Item, quantity: u32) -> &mut Cart {
        self.lines.push((item, quantity));
        self
    }

    pub fn lines(&self) -> impl Iterator<Item = (&Item, u32)> {
        self.lines.iter().map(|(item, quantity)| (item, *quantity))
    }

    pub fn subtotal(&self) -> Money {
        self.lines()
            .map(|(item, quantity)| item.price * quantity)
            .sum()
    }

    pub fn grams(&self) -> u32 {
        self.lines()
            .map(|(item, quantity)| item.grams * quantity)
            .sum()
    }
}
// ANCHOR_END: core

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cart_adds_up_its_lines() {
        let mut cart = Cart::new();
        let book = Item {
            name: "book".into(),
            price: Money::from_cents(1250),
            grams: 400,
        };
        cart.add(book, 2);
        assert_eq!(cart.subtotal(), Money::from_cents(2500));
        assert_eq!(cart.grams(), 800);
        assert_eq!(cart.subtotal().to_string(), "25.00");
    }
}
