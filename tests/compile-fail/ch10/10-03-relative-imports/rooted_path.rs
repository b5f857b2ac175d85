// Rust 2015 style: a leading `::` meant the crate root. (Valid Rust 2015.)
mod shapes {
    pub struct Circle;
}

mod draw {
    use ::shapes::Circle;

    pub fn circle() -> Circle {
        Circle
    }
}

fn main() {
    let _ = draw::circle();
}
