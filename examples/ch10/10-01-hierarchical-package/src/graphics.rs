//! `crate::graphics`, the package: this file is the module itself, and its children live in the
//! folder `graphics/` beside it (the layout of Rust 2018 and later).

// ANCHOR: children
pub mod formats; // graphics/formats/mod.rs: the older layout, kept to compare
pub mod primitive; // graphics/primitive.rs, its children in graphics/primitive/
// ANCHOR_END: children

/// A module's path and the file it was compiled from.
pub type Here = (&'static str, &'static str);

// ANCHOR: here
const HERE: Here = (module_path!(), file!());
// ANCHOR_END: here

/// Every module of the package, each with the file the compiler read it from.
pub fn modules() -> [Here; 8] {
    [
        HERE,
        formats::HERE,
        formats::jpg::HERE,
        formats::png::HERE,
        primitive::HERE,
        primitive::fill::HERE,
        primitive::line::HERE,
        primitive::text::HERE,
    ]
}
