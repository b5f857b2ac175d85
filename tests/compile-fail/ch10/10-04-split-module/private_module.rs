// What a user of the split module can name: `shapes::Circle`, not `shapes::circle::Circle`.
mod shapes {
    mod circle {
        pub struct Circle;
    }
    pub use circle::Circle;
}

fn main() {
    let _ = shapes::Circle; // the path it always had
    let _ = shapes::circle::Circle;
}
