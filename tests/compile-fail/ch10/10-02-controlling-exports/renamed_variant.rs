// `Colour::Red` was renamed `Crimson`. The glob `use Colour::*` no longer brings a `Red`, so
// the pattern `Red` is now a new variable that matches every colour. Plain rustc accepts it
// with three warnings; denied, as `-D warnings` in CI denies them, they stop the build.
#![deny(warnings)]

mod colour {
    #[derive(Clone, Copy)]
    pub enum Colour {
        Crimson,
        Green,
    }
}

use colour::Colour::{self, *};

fn is_red(colour: Colour) -> bool {
    match colour {
        Red => true,
        _ => false,
    }
}

fn main() {
    assert!(is_red(Green)); // true: `Red` matched Green
    let _ = Crimson;
}
