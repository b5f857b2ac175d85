// Edition 2024 denies (lint `static_mut_refs`) any reference to a `static mut`, even an implicit one.
static mut LOG: Vec<String> = Vec::new();

fn main() {
    unsafe {
        LOG.push("started".to_owned());
    }
}
