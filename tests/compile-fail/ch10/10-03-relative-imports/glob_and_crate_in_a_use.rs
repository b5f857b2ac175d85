// Our own module `toml`, in a package that also depends on the `toml` crate.
mod toml {
    pub const NAME: &str = "our own module";
}

mod report {
    use crate::*; // brings in our `toml`, beside the `toml` crate
    use toml::NAME; // which one?

    pub fn name() -> &'static str {
        NAME
    }
}

fn main() {
    println!("{}", report::name());
}
