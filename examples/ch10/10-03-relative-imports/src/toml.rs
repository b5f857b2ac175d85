//! `crate::toml`: our own small TOML writer, named like the `toml` crate this package also
//! depends on. Which of the two a path means is the subject of the recipe.

use std::fmt::Write as _; // for `writeln!` into a String

/// Says which `toml` a path reached: the crate has no item of this name.
pub const NAME: &str = "our own module, crate::toml";

/// Writes `key = value` lines, strings quoted, numbers as they are.
pub fn render(pairs: &[(&str, Value)]) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        match value {
            Value::Text(text) => writeln!(out, "{key} = {text:?}"),
            Value::Number(n) => writeln!(out, "{key} = {n}"),
        }
        .expect("writing to a String cannot fail");
    }
    out
}

pub enum Value {
    Text(String),
    Number(i64),
}
