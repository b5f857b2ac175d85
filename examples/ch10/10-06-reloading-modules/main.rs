//! Recipe 10.6, "Reloading modules": what Rust has instead of `importlib.reload()`.
//! Run it with `cargo run --example 10-06-reloading-modules`.

mod counter;

// ANCHOR: aliases
// Two names for one module: `use` makes an alias, it never loads a second copy.
use crate::counter as first;
use crate::counter as second;
// ANCHOR_END: aliases

fn main() {
    // ANCHOR: shared
    first::reset();
    first::increment();
    first::increment();
    println!(
        "after two increments through `first`, `second` reads {}",
        second::value()
    );
    println!(
        "both names reach one static: {}",
        first::address() == second::address()
    );
    // ANCHOR_END: shared
    first::decrement();
    println!("after one decrement: {}", first::value());
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: imports_are_cached
    #[test]
    fn imports_are_cached_at_compile_time() {
        first::reset();
        first::increment();
        first::increment();
        assert_eq!(second::value(), 2);
        assert_eq!(first::address(), second::address());
    }
    // ANCHOR_END: imports_are_cached
}
