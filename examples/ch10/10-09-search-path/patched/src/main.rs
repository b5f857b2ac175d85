//! Recipe 10.9: a program whose `itoa` dependency is redirected by `[patch.crates-io]`.

// ANCHOR: main
fn main() {
    let mut buffer = itoa::Buffer::new();
    println!("itoa formats 1234 as {}", buffer.format(1234));
    println!("the itoa that was built: {}", itoa::CHECKOUT);
}
// ANCHOR_END: main
