//! `crate::graphics::primitive::line`

use super::Point;

pub(in crate::graphics) const HERE: crate::graphics::Here = (module_path!(), file!());

// ANCHOR: line
/// A line segment. Public fields: part of the API, like the struct.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub from: Point,
    pub to: Point,
}

impl Line {
    pub fn length(&self) -> f64 {
        (squared(self.to.x - self.from.x) + squared(self.to.y - self.from.y)).sqrt()
    }
}

/// Private (no `pub`): usable in this module and in modules inside it, nowhere else.
fn squared(v: i32) -> f64 {
    f64::from(v) * f64::from(v)
}
// ANCHOR_END: line

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: child_sees_private
    #[test]
    fn a_child_module_sees_the_private_items_of_its_ancestors() {
        // `tests` is a module inside `line`, so `line`'s private `squared` is in reach.
        assert_eq!(squared(-3), 9.0);
    }
    // ANCHOR_END: child_sees_private

    #[test]
    fn length_of_a_3_4_5_triangle_side() {
        let line = Line {
            from: Point { x: 0, y: 0 },
            to: Point { x: 3, y: 4 },
        };
        assert_eq!(line.length(), 5.0);
    }
}
