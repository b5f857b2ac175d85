// ANCHOR: point
/// A point in the plane. Its fields are public, so they are part of the API.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

pub const ORIGIN: Point = Point { x: 0.0, y: 0.0 };
// ANCHOR_END: point
