// `mod name;` with no body reads the module from a file; here there is none.
mod shapes;

fn main() {
    shapes::draw();
}
