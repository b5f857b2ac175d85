//! `crate::graphics::primitive`: shapes to draw. Its children are files in `primitive/`.

pub mod fill;
pub mod line;
pub mod text;

pub(in crate::graphics) const HERE: super::Here = (module_path!(), file!());

/// A point on the canvas. A public struct with public fields: anyone may build one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}
