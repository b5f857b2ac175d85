//! The server's settings: a type whose every rule is checked while it is parsed.

use std::fmt;
use std::path::Path;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

// ANCHOR: config
/// What every handler reads, one whole value per request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which edit of the file this is; the server puts it in every answer.
    #[serde(deserialize_with = "at_least_one")]
    pub version: u64,
    /// The first words of every answer: one line, 1 to 200 characters.
    #[serde(deserialize_with = "one_short_line")]
    pub greeting: String,
}

// Each rule runs while its own value is parsed, so toml reports the value's line and column.
fn at_least_one<'de, D: Deserializer<'de>>(value: D) -> Result<u64, D::Error> {
    match u64::deserialize(value)? {
        0 => Err(D::Error::custom("version must be at least 1")),
        version => Ok(version),
    }
}

fn one_short_line<'de, D: Deserializer<'de>>(value: D) -> Result<String, D::Error> {
    let greeting = String::deserialize(value)?;
    let length = greeting.chars().count();
    if !(1..=200).contains(&length) {
        return Err(D::Error::custom(format!(
            "greeting must be 1 to 200 characters, not {length}"
        )));
    }
    if greeting.chars().any(char::is_control) {
        return Err(D::Error::custom(
            "greeting must be one line, without control characters",
        ));
    }
    Ok(greeting)
}
// ANCHOR_END: config

/// Why a file was not used; it names the file, and the line and column when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Reads and validates `path`: the whole file, or an error.
pub fn load(path: &Path) -> Result<(String, Config), ConfigError> {
    let shown = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    let text =
        std::fs::read_to_string(path).map_err(|error| ConfigError(format!("{shown}: {error}")))?;
    let config = parse(&text).map_err(|(position, message)| match position {
        Some((line, column)) => ConfigError(format!("{shown}:{line}:{column}: {message}")),
        None => ConfigError(format!("{shown}: {message}")),
    })?;
    Ok((text, config))
}

/// Parses TOML text; an error carries the 1-based line and column of the text at fault, or no
/// position when there is no such text (a missing key: toml gives it an empty span).
pub fn parse(text: &str) -> Result<Config, (Option<(usize, usize)>, String)> {
    toml::from_str(text).map_err(|error| {
        let message = error.message().trim_end().to_owned();
        let Some(span) = error.span().filter(|span| !span.is_empty()) else {
            return (None, message);
        };
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before[line_start..].chars().count() + 1;
        (Some((line, column)), message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_checked_at_the_value_they_are_about() {
        let ok = parse("version = 2\ngreeting = \"Hi\"\n").expect("valid");
        assert_eq!(ok.version, 2);
        let zero = parse("version = 0\ngreeting = \"Hi\"\n").unwrap_err();
        assert_eq!(zero, (Some((1, 11)), "version must be at least 1".into()));
        let empty = parse("version = 1\ngreeting = \"\"\n").unwrap_err();
        assert_eq!(empty.0, Some((2, 12)));
        assert!(empty.1.contains("1 to 200 characters, not 0"), "{empty:?}");
        let newline = parse("version = 1\ngreeting = \"a\\nb\"\n").unwrap_err();
        assert_eq!(newline.0, Some((2, 12)));
        assert!(newline.1.contains("one line"), "{newline:?}");
        let unknown = parse("version = 1\ngreting = \"Hi\"\n").unwrap_err();
        assert_eq!(unknown.0, Some((2, 1)), "{unknown:?}");
        let malformed = parse("version = = 1\n").unwrap_err();
        assert_eq!(malformed.0, Some((1, 11)), "{malformed:?}");
        // A missing key is nowhere in the file: no position.
        let missing = parse("version = 1\n").unwrap_err();
        assert_eq!(missing, (None, "missing field `greeting`".into()));
    }
}
