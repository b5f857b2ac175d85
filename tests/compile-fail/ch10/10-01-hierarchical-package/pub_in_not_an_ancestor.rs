mod graphics {
    pub mod formats {
        pub fn encode(fill: &super::primitive::Fill) -> Vec<u8> {
            fill.pixels()
        }
    }

    pub mod primitive {
        pub struct Fill;

        impl Fill {
            // `pub(in path)` may only name a module this item is inside; formats is not.
            pub(in crate::graphics::formats) fn pixels(&self) -> Vec<u8> {
                vec![0; 4]
            }
        }
    }
}

fn main() {
    println!("{:?}", graphics::formats::encode(&graphics::primitive::Fill));
}
