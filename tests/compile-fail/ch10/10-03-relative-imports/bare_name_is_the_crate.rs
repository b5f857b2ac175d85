// Our own module `toml`, in a package that also depends on the `toml` crate. (Valid Rust 2015,
// where `toml::render` in a `use` meant `crate::toml::render`.)
mod toml {
    pub fn render() -> String {
        "port = 8080\n".to_owned()
    }
}

mod report {
    use toml::render;

    pub fn text() -> String {
        render()
    }
}

fn main() {
    print!("{}", report::text());
}
