//! The binary `shout`, found by Cargo because it is `src/bin/shout.rs`.

// ANCHOR: shout
fn main() {
    let names: Vec<String> = std::env::args().skip(1).collect();
    println!("{}", ch10_runnable::greeting(&names).to_uppercase());
}
// ANCHOR_END: shout
