// ANCHOR: circle
// Names from the parent module: its re-exports and its private helper alike.
use super::{Point, Shape, ShapeError, positive};

#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    // `pub(super)`: private to users as before, readable by the sibling rect.rs.
    pub(super) center: Point,
    pub(super) radius: f64,
}

impl Circle {
    pub fn new(center: Point, radius: f64) -> Result<Circle, ShapeError> {
        Ok(Circle {
            center,
            radius: positive("radius", radius)?,
        })
    }

    pub fn radius(&self) -> f64 {
        self.radius
    }
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        std::f64::consts::PI * self.radius * self.radius
    }

    fn name(&self) -> &'static str {
        "circle"
    }
}
// ANCHOR_END: circle
