//! Recipe 10.4, "Splitting a module into multiple files": the module `shapes` as one file
//! (`before/`) and split into a folder of files behind re-exports (`after/`), compiled side by
//! side, with a check that both offer the same public API.
//! Run it with `cargo run -p ch10-04-split-module`.

mod api;

// ANCHOR: two_versions
// Both versions in one program: an inline module stands for a folder, so
// `before::shapes` is the file before/shapes.rs, and `after::shapes` is after/shapes.rs,
// whose own modules are in after/shapes/. In your crate, either one is just `mod shapes;`.
mod before {
    pub mod shapes;
}
mod after {
    pub mod shapes;
}
// ANCHOR_END: two_versions

use std::any::type_name;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: main
    let before = api::exercise!(before::shapes)?;
    let after = api::exercise!(after::shapes)?;
    println!("== the API used through before::shapes (one file)");
    for line in &before {
        println!("{line}");
    }
    println!("\n== the same through after::shapes (five files)");
    println!("identical, line for line: {}", before == after);
    // ANCHOR_END: main

    // ANCHOR: type_names
    println!("\n== what the split does change: where the type is defined");
    println!("{}", type_name::<before::shapes::Circle>());
    println!("{}", type_name::<after::shapes::Circle>());
    // ANCHOR_END: type_names
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::api;

    // ANCHOR: same_api
    /// `exercise!` compiles against both modules, so both have every item of the API with
    /// the same types; the assertion adds that every call gives the same result.
    #[test]
    fn the_split_module_has_the_same_api_and_behaviour() -> Result<(), Box<dyn Error>> {
        let before = api::exercise!(crate::before::shapes)?;
        let after = api::exercise!(crate::after::shapes)?;
        assert_eq!(before, after);
        Ok(())
    }
    // ANCHOR_END: same_api
}
