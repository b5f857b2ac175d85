// The check of recipe 10.4, run against a split that forgot one `pub use`.
use ch10_04_split_module::exercise;

// Stands for after/shapes.rs with the line `pub use rect::Rect;` left out.
mod split {
    pub use ch10_04_split_module::before::shapes::{
        Circle, ORIGIN, Point, Shape, ShapeError, total_area,
    };
}

fn main() {
    let _ = exercise!(split);
}
