//! Recipe 10.11, "Distributing packages": the packaged crate as its users see it, through its
//! public API only. Run it with `cargo run -p ch10-11-distributing-packages`.

// ANCHOR: use
// A user's Cargo.toml names the package `ch10-publishable`; in code, `-` becomes `_`.
use ch10_publishable::slug;
// ANCHOR_END: use

fn main() {
    for title in ["Distributing packages", "Rust 2024: what is new?"] {
        println!("{title:?} -> {:?}", slug(title));
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn a_user_reaches_the_crate_through_its_public_api() {
        assert_eq!(slug("Distributing packages"), "distributing-packages");
    }
}
