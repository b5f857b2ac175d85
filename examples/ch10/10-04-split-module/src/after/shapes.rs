//! The `shapes` module after the split: the same API, from five files. This file keeps what
//! every shape shares and re-exports the items that moved to `shapes/`.

// ANCHOR: hub
// The moved items, one file each in shapes/. The modules stay private:
// only the re-exports below are part of the API, at the paths they always had.
mod circle;
mod error;
mod point;
mod rect;

pub use circle::Circle;
pub use error::ShapeError;
pub use point::{ORIGIN, Point};
pub use rect::Rect;
// ANCHOR_END: hub

// ANCHOR: shared
/// What every shape can do.
pub trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> &'static str;

    fn describe(&self) -> String {
        format!("{} of area {:.2}", self.name(), self.area())
    }
}

/// The sum of the areas, for shapes of any kind.
pub fn total_area(shapes: &[&dyn Shape]) -> f64 {
    shapes.iter().map(|shape| shape.area()).sum()
}

/// Private: the constructors' shared check. Still private, and still visible to
/// circle.rs and rect.rs: a module sees the private items of its ancestors.
fn positive(what: &'static str, value: f64) -> Result<f64, ShapeError> {
    if value > 0.0 {
        Ok(value)
    } else {
        Err(ShapeError::NotPositive { what, value })
    }
}
// ANCHOR_END: shared
