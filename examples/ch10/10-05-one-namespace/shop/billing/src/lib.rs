//! The shop's billing: invoices for a cart. A crate of its own, which the facade `shop`
//! re-exports as `shop::billing` when its `billing` feature is on.

// ANCHOR: billing
use std::error::Error;
use std::fmt;

use shop_core::{Cart, Money};

/// An invoice: what was bought, and what is owed.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub number: u32,
    pub lines: Vec<String>,
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BillingError {
    EmptyCart,
}

impl fmt::Display for BillingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BillingError::EmptyCart => f.write_str("nothing to invoice: the cart is empty"),
        }
    }
}

impl Error for BillingError {}

/// Bills a cart, with `tax_percent` of tax rounded to the nearest cent.
pub fn invoice(cart: &Cart, number: u32, tax_percent: u64) -> Result<Invoice, BillingError> {
    let lines: Vec<String> = cart
        .lines()
        .map(|(item, quantity)| format!("{quantity} x {} at {}", item.name, item.price))
        .collect();
    if lines.is_empty() {
        return Err(BillingError::EmptyCart);
    }
    let subtotal = cart.subtotal();
    let tax = Money::from_cents((subtotal.cents() * tax_percent + 50) / 100);
    Ok(Invoice {
        number,
        lines,
        subtotal,
        tax,
        total: subtotal + tax,
    })
}

impl fmt::Display for Invoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invoice #{}", self.number)?;
        for line in &self.lines {
            writeln!(f, "  {line}")?;
        }
        writeln!(f, "  subtotal {}", self.subtotal)?;
        writeln!(f, "  tax      {}", self.tax)?;
        write!(f, "  total    {}", self.total)
    }
}
// ANCHOR_END: billing

#[cfg(test)]
mod tests {
    use super::*;
    use shop_core::Item;

    #[test]
    fn tax_is_rounded_to_the_cent() -> Result<(), BillingError> {
        let mut cart = Cart::new();
        let song = Item {
            name: "song".into(),
            price: Money::from_cents(99),
            grams: 0,
        };
        cart.add(song, 3);
        let invoice = invoice(&cart, 7, 20)?;
        // 297 cents at 20 % is 59.4 cents: 59.
        assert_eq!(invoice.tax, Money::from_cents(59));
        assert_eq!(invoice.total, Money::from_cents(356));
        Ok(())
    }

    #[test]
    fn an_empty_cart_is_not_invoiced() {
        assert_eq!(invoice(&Cart::new(), 1, 20), Err(BillingError::EmptyCart));
    }
}
