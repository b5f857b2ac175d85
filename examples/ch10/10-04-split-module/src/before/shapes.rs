//! The `shapes` module before the split: every item in one file.

// ANCHOR: all
use std::error::Error;
use std::fmt;

/// A point in the plane. Its fields are public, so they are part of the API.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

pub const ORIGIN: Point = Point { x: 0.0, y: 0.0 };

/// Why a shape could not be made.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeError {
    NotPositive { what: &'static str, value: f64 },
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeError::NotPositive { what, value } => {
                write!(f, "{what} must be positive, not {value}")
            }
        }
    }
}

impl Error for ShapeError {}

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

/// Private: the constructors' shared check.
fn positive(what: &'static str, value: f64) -> Result<f64, ShapeError> {
    if value > 0.0 {
        Ok(value)
    } else {
        Err(ShapeError::NotPositive { what, value })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    center: Point,
    radius: f64,
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

    /// The smallest rectangle around a circle: reads the circle's private fields.
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
// ANCHOR_END: all
