// ANCHOR: rect
use super::{Circle, Point, Shape, ShapeError, positive};

#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    corner: Point,
    width: f64,
    height: f64,
}

impl Rect {
    pub fn new(corner: Point, width: f64, height: f64) -> Result<Rect, ShapeError> {
        Ok(Rect {
            corner,
            width: positive("width", width)?,
            height: positive("height", height)?,
        })
    }

    pub fn corner(&self) -> Point {
        self.corner
    }

    /// The smallest rectangle around a circle: reads the circle's `pub(super)` fields.
    pub fn around(circle: &Circle) -> Rect {
        let Point { x, y } = circle.center;
        let side = 2.0 * circle.radius;
        Rect {
            corner: Point {
                x: x - circle.radius,
                y: y - circle.radius,
            },
            width: side,
            height: side,
        }
    }
}

impl Shape for Rect {
    fn area(&self) -> f64 {
        self.width * self.height
    }

    fn name(&self) -> &'static str {
        "rectangle"
    }
}
// ANCHOR_END: rect
