// Inline modules behave as files do: `circle` is shapes/circle.rs, `rect` is shapes/rect.rs.
mod shapes {
    mod circle {
        pub struct Circle {
            radius: f64, // private: visible in `circle` and its children only
        }
    }
    mod rect {
        use super::circle::Circle;

        pub fn side_around(circle: &Circle) -> f64 {
            2.0 * circle.radius
        }
    }
}

fn main() {}
