//! An example of the package: `cargo run -p ch10-runnable --example demo`. Examples use the
//! library like any other crate would, and are not installed by `cargo install`.

// ANCHOR: demo
fn main() {
    for names in [&[][..], &["Ada"], &["Ada", "Grace"]] {
        println!("{names:?} -> {}", ch10_runnable::greeting(names));
    }
}
// ANCHOR_END: demo
