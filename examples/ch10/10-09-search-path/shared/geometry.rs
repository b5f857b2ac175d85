//! Shared code kept outside the program's module tree; `main.rs` loads it with `#[path]`.
//! Any number of programs can do the same: each compiles its own copy of the module.

// ANCHOR: geometry
/// The area of a `width` × `height` rectangle.
pub fn area(width: f64, height: f64) -> f64 {
    width * height
}

/// Where this module sits in the crate: decided by the `mod` line, not by the folder.
pub const MODULE: &str = module_path!();
/// The file it was read from.
pub const FILE: &str = file!();
// ANCHOR_END: geometry
