//! Recipe 10.4, "Splitting a module into multiple files": the module `shapes` as one file
//! (`before/`) and split into a folder of files behind re-exports (`after/`), compiled side by
//! side (in the package's library, `lib.rs`), with a check that both offer the same public API.
//! Run it with `cargo run -p ch10-04-split-module`.

use ch10_04_split_module::{after, before, exercise};

use std::any::type_name;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: main
    let before = exercise!(before::shapes)?;
    let after = exercise!(after::shapes)?;
    println!("== the API used through before::shapes (one file)");
    for line in &before {
        println!("{line}");
    }
    println!("\n== the same through after::shapes (five files)");
    println!("identical, line for line: {}", before == after);
    // ANCHOR_END: main

    println!("\n== what the split does change: where the type is defined");
    println!("{}", type_name::<before::shapes::Circle>());
    println!("{}", type_name::<after::shapes::Circle>());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::{after, before, exercise};

    // ANCHOR: same_api
    /// `exercise!` compiles against both modules, so both have every item of the API with
    /// the same types; the assertion adds that every call gives the same result.
    #[test]
    fn the_split_module_has_the_same_api_and_behaviour() -> Result<(), Box<dyn Error>> {
        let before = exercise!(before::shapes)?;
        let after = exercise!(after::shapes)?;
        assert_eq!(before, after);
        Ok(())
    }
    // ANCHOR_END: same_api
}
