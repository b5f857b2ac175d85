// Three functions nobody calls, in a program. With `dead_code` denied, rustc reports the two
// that no other crate could reach, and not the `pub` one on a public path.
#![deny(dead_code)]

pub fn on_a_public_path() {}

pub(crate) fn crate_only() {}

mod private {
    pub fn in_a_private_module() {}
}

fn main() {}
