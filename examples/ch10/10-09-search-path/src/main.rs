//! Recipe 10.9, "Adding directories to the module search path": Rust has no search path.
//! A module from another folder with `#[path]`, a file pasted with `include!`, code that a
//! build script generated, and a crate in another folder as a path dependency.
//! Run it with `cargo run -p ch10-09-search-path`.

use std::path::{Path, PathBuf};

// ANCHOR: path
// Without the attribute, `mod geometry;` would look for `geometry.rs` beside this file.
#[path = "../shared/geometry.rs"]
mod geometry;
// ANCHOR_END: path

// ANCHOR: include_file
/// Colour names and values, a Rust expression kept in a file of its own.
const PALETTE: [(&str, u32); 3] = include!("../shared/palette.rs");
// ANCHOR_END: include_file

// ANCHOR: generated
// A path dependency (`codegen/` beside this package), whose build script wrote this constant's code.
use ch10_codegen::PRIMES;
// ANCHOR_END: generated

fn main() {
    // ANCHOR: main
    println!("== #[path]: a module from another folder");
    println!("geometry::area(3.0, 4.0) = {}", geometry::area(3.0, 4.0));
    println!("module path: {}", geometry::MODULE);
    // `file!()` is relative to the folder cargo runs rustc in: the workspace's root, or the
    // package's own when it is built alone. Its last two parts read the same in both.
    let parts: Vec<_> = Path::new(geometry::FILE).components().collect();
    let last_two: PathBuf = parts[parts.len().saturating_sub(2)..].iter().collect();
    println!("read from:   …/{}", last_two.display());

    println!("\n== include!: a file pasted in place");
    for (name, rgb) in PALETTE {
        println!("{name:<5} #{rgb:06x}");
    }

    println!("\n== include! of generated code, from a path dependency");
    println!(
        "{} primes below 100, the last {:?}",
        PRIMES.len(),
        PRIMES.last()
    );
    // ANCHOR_END: main
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: tests
    #[test]
    fn the_module_is_named_by_its_mod_line_not_its_folder() {
        assert!(geometry::MODULE.ends_with("::geometry"));
        assert!(!geometry::MODULE.contains("shared"));
        assert!(geometry::FILE.ends_with("shared/geometry.rs"));
    }

    #[test]
    fn an_included_file_is_the_expression_it_holds() {
        assert_eq!(PALETTE[0], ("red", 0xff0000));
        assert_eq!(PALETTE.len(), 3);
    }

    #[test]
    fn generated_code_is_an_ordinary_constant() {
        assert_eq!(PRIMES[..4], [2, 3, 5, 7]);
        assert!(PRIMES.iter().all(|&p| p < 100));
    }
    // ANCHOR_END: tests

    #[test]
    fn area_multiplies() {
        assert_eq!(geometry::area(2.0, 5.0), 10.0);
    }
}
