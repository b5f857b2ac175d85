//! The `upper` command.

pub fn run(input: &str) -> String {
    input.to_uppercase()
}
