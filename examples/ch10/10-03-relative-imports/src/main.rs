//! Recipe 10.3, "Importing submodules by relative names": `self`, `super`, `crate` and `::` in
//! paths, `use` groups, and a module named like a crate the package depends on.
//! Run it with `cargo run -p ch10-03-relative-imports`.

// ANCHOR: root
mod app;
mod toml; // our module, named like the `toml` crate in Cargo.toml
// ANCHOR_END: root

// ANCHOR: groups
use std::{error::Error, fmt::Write as _}; // two items of `std`, one renamed to `_`

use app::config::{self, defaults}; // `self`: the module `config` itself, and its child
use app::report;
// ANCHOR_END: groups

fn main() -> Result<(), Box<dyn Error>> {
    println!("== written by our module, read by the crate");
    // ANCHOR: main
    let text = defaults::report();
    print!("{text}");
    let table = report::check(&text)?; // the `toml` crate parses it
    println!("the toml crate read {} keys", table.len());
    // ANCHOR_END: main

    println!("\n== which `toml` a path means");
    // ANCHOR: which_toml
    // At the crate root our module is in scope, and an item in scope comes before a crate:
    println!("toml::NAME at the root: {}", toml::NAME);
    // A leading `::` skips the items in scope and names the crate:
    let parsed: ::toml::Table = ::toml::from_str("answer = 42")?;
    println!("::toml::from_str: {parsed:?}");
    // ANCHOR_END: which_toml

    println!("\n== the same item by different paths");
    let mut same = String::new();
    write!(
        same,
        "report::default_port() = {}, defaults::PORT = {}",
        report::default_port(),
        defaults::PORT
    )?;
    println!("{same}");
    let custom = config::Config {
        name: "custom".to_owned(),
        port: 9000,
    };
    print!("{}", report::write(&custom));
    Ok(())
}

// ANCHOR: glob_test
// At the root, where our `toml` is declared, even a `use` of it by its bare name is not
// ambiguous: an item declared in the module comes before a crate.
#[cfg(test)]
use toml::NAME as ROOT_TOML_NAME;

#[cfg(test)]
mod tests {
    // A child of the root: the glob brings in everything the root declares, our `toml` too.
    use super::*;

    #[test]
    fn after_a_glob_a_path_in_code_takes_the_globs_module() {
        // Both the glob's `toml` and the crate `toml` could start this path; in code, the
        // glob's module wins (in a `use`, the same path is refused as ambiguous).
        assert_eq!(toml::NAME, "our own module, crate::toml");
        assert_eq!(ROOT_TOML_NAME, toml::NAME);
    }
}
// ANCHOR_END: glob_test
