// The check of recipe 10.4, run against a split that forgot one `pub use`.
#[path = "../../../../examples/ch10/10-04-split-module/src/api.rs"]
mod api;
#[path = "../../../../examples/ch10/10-04-split-module/src/before/shapes.rs"]
mod shapes;

// Stands for after/shapes.rs with the line `pub use rect::Rect;` left out.
mod split {
    pub use crate::shapes::{Circle, ORIGIN, Point, Shape, ShapeError, total_area};
}

fn main() {
    let _ = api::exercise!(split);
}
