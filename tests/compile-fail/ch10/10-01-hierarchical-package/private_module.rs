mod graphics {
    mod primitive {
        pub struct Point {
            pub x: i32,
            pub y: i32,
        }
    }
}

fn main() {
    // `Point` is `pub`, but the module holding it is not: no path from here reaches it.
    let origin = graphics::primitive::Point { x: 0, y: 0 };
    let _ = (origin.x, origin.y);
}
