//! The public API of `shapes`, written down once, as code that uses all of it.

// ANCHOR: exercise
/// Uses every public item of a `shapes` module, with every type written out, and returns
/// what the calls gave. It does not compile for a module that lost or renamed an item,
/// changed a signature, a public field or an enum variant, dropped a trait impl (auto traits
/// included), or gave `Shape` another required method.
#[macro_export]
macro_rules! exercise {
    ($($shapes:ident)::+) => {
        (|| -> Result<Vec<String>, Box<dyn std::error::Error>> {
            use std::error::Error;
            use std::fmt::Debug;
            use $($shapes)::+::{Circle, ORIGIN, Point, Rect, Shape, ShapeError, total_area};

            // Every function, as a pointer of its exact type.
            let new_circle: fn(Point, f64) -> Result<Circle, ShapeError> = Circle::new;
            let radius: fn(&Circle) -> f64 = Circle::radius;
            let new_rect: fn(Point, f64, f64) -> Result<Rect, ShapeError> = Rect::new;
            let corner: fn(&Rect) -> Point = Rect::corner;
            let around: fn(&Circle) -> Rect = Rect::around;
            let total: fn(&[&dyn Shape]) -> f64 = total_area;
            let origin: Point = ORIGIN;

            // The traits each type implements.
            fn value<T: Debug + Clone + PartialEq + Send + Sync + 'static>() {}
            fn copy<T: Copy>() {}
            fn error<T: Error + Send + Sync + 'static>() {}
            fn shape<T: Shape>() {}
            value::<Point>();
            value::<Circle>();
            value::<Rect>();
            value::<ShapeError>();
            copy::<Point>();
            error::<ShapeError>();
            shape::<Circle>();
            shape::<Rect>();

            // Public fields and variants, spelled out with their types: no `..`, no `_`.
            let Point { x, y } = Point { x: 1.0_f64, y: 2.0_f64 };
            let _ = ShapeError::NotPositive { what: "side", value: -1.0_f64 };
            let explain = |error: &ShapeError| match error {
                ShapeError::NotPositive { what, value } => format!("{what} = {value}: {error}"),
            };

            // A user's own shape: `Shape` keeps the same required methods and its default one.
            struct Square(f64);
            impl Shape for Square {
                fn area(&self) -> f64 {
                    self.0 * self.0
                }
                fn name(&self) -> &'static str {
                    "square"
                }
            }

            // What the calls give, one line each.
            let circle = new_circle(Point { x, y }, 1.5)?;
            let frame = around(&circle);
            let square = Square(2.0);
            let mut seen = vec![
                format!("{circle:?}, radius {}", radius(&circle)),
                format!("{frame:?}, corner {:?}", corner(&frame)),
                format!("{}; {}; {}", circle.describe(), frame.describe(), square.describe()),
                format!("total area {:.4}", total(&[&circle, &frame, &square])),
                format!("origin {origin:?}, clones equal: {}", circle.clone() == circle),
            ];
            let attempts = [
                new_rect(Point { x, y }, 3.0, 2.0).map(|rect| rect.describe()),
                new_circle(ORIGIN, 0.0).map(|circle| circle.describe()),
                new_rect(ORIGIN, -1.0, 2.0).map(|rect| rect.describe()),
                new_rect(ORIGIN, 2.0, -1.0).map(|rect| rect.describe()),
            ];
            for attempt in attempts {
                seen.push(match attempt {
                    Ok(made) => format!("made {made}"),
                    Err(error) => format!("refused: {}", explain(&error)),
                });
            }
            Ok(seen)
        })()
    };
}
// ANCHOR_END: exercise
