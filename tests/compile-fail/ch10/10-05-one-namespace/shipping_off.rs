// The companion crate depends on `shop` with `features = ["billing"]` and no default
// features: `shipping` is off, so the facade has no module `shop::shipping`.
use shop::shipping::{Zone, quote};

fn main() {
    let cart = shop::Cart::new();
    println!("{:?}", quote(&cart, Zone::Domestic));
}
