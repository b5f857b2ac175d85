//! Recipe 10.4's library: the module `shapes` before and after the split, and `exercise!`, the
//! check that both offer the same API. The program (`main.rs`) and the book's compile-fail
//! case for a forgotten re-export both use them from here.

mod api;

// ANCHOR: two_versions
// Both versions in one crate: an inline module stands for a folder, so
// `before::shapes` is the file before/shapes.rs, and `after::shapes` is after/shapes.rs,
// whose own modules are in after/shapes/. In your crate, either one is just `mod shapes;`.
pub mod before {
    pub mod shapes;
}
pub mod after {
    pub mod shapes;
}
// ANCHOR_END: two_versions
