// Edition 2024 rejects any reference to a `static mut`, even an implicit one.
static mut LOG: Vec<String> = Vec::new();

fn main() {
    unsafe {
        LOG.push("started".to_owned());
    }
}
