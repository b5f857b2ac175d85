// A compile-fail case is one file, so the modules are written inline: `mod line { … }` is what
// `mod line;` reads from line.rs.
mod graphics {
    pub mod line {
        pub fn length(dx: i32, dy: i32) -> f64 {
            (squared(dx) + squared(dy)).sqrt()
        }

        fn squared(v: i32) -> f64 {
            f64::from(v) * f64::from(v)
        }
    }
}

fn main() {
    println!("{}", graphics::line::length(3, 4));
    println!("{}", graphics::line::squared(3));
}
