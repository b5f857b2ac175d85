// Rust 2015 style: in a `use`, a path started at the crate root. (Valid Rust 2015: a test of
// the 10.3 example compiles this file with `--edition 2015`.)
mod shapes {
    pub struct Circle;
}

mod draw {
    use shapes::Circle;

    pub fn circle() -> Circle {
        Circle
    }
}

fn main() {
    let _ = draw::circle();
}
