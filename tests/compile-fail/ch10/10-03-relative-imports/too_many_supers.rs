// The crate root has no parent.
mod shapes {
    pub fn draw() {
        super::super::log("circle");
    }
}

fn log(message: &str) {
    println!("{message}");
}

fn main() {
    shapes::draw();
    log("done");
}
