//! The `reverse` command.

pub fn run(input: &str) -> String {
    input.chars().rev().collect()
}
