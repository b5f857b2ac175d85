//! The server's settings: a type whose every rule is checked while it is parsed.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

// ANCHOR: config
/// What every handler reads, one whole value per request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawConfig")]
pub struct Config {
    /// Which edit of the file this is; the server puts it in every answer.
    pub version: u64,
    /// The first words of every answer: one line, 1 to 200 characters.
    pub greeting: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    version: u64,
    greeting: String,
}

impl TryFrom<RawConfig> for Config {
    type Error = String;

    fn try_from(raw: RawConfig) -> Result<Self, String> {
        if raw.version == 0 {
            return Err("version must be at least 1".into());
        }
        let length = raw.greeting.chars().count();
        if !(1..=200).contains(&length) {
            return Err(format!(
                "greeting must be 1 to 200 characters, not {length}"
            ));
        }
        if raw.greeting.chars().any(char::is_control) {
            return Err("greeting must be one line, without control characters".into());
        }
        Ok(Config {
            version: raw.version,
            greeting: raw.greeting,
        })
    }
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
    let config = parse(&text).map_err(|(line, column, message)| {
        ConfigError(format!("{shown}:{line}:{column}: {message}"))
    })?;
    Ok((text, config))
}

/// Parses TOML text; an error carries its 1-based line and column.
pub fn parse(text: &str) -> Result<Config, (usize, usize, String)> {
    toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column, error.message().trim_end().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_checked_with_a_position() {
        let ok = parse("version = 2\ngreeting = \"Hi\"\n").expect("valid");
        assert_eq!(ok.version, 2);
        let zero = parse("version = 0\ngreeting = \"Hi\"\n").unwrap_err();
        assert_eq!((zero.0, zero.1), (1, 1));
        assert!(zero.2.contains("version must be at least 1"), "{zero:?}");
        let empty = parse("version = 1\ngreeting = \"\"\n").unwrap_err();
        assert!(empty.2.contains("1 to 200 characters, not 0"), "{empty:?}");
        let newline = parse("version = 1\ngreeting = \"a\\nb\"\n").unwrap_err();
        assert!(newline.2.contains("one line"), "{newline:?}");
        let unknown = parse("version = 1\ngreting = \"Hi\"\n").unwrap_err();
        assert_eq!((unknown.0, unknown.1), (2, 1), "{unknown:?}");
        let malformed = parse("version = = 1\n").unwrap_err();
        assert_eq!((malformed.0, malformed.1), (1, 11), "{malformed:?}");
    }
}
