//! The `count` command.

pub fn run(input: &str) -> String {
    format!("{} words", input.split_whitespace().count())
}
