//! The server's settings: a type whose every rule is checked while it is parsed.

use std::fmt;
use std::io::{self, Read};
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
    let text = read_text(path).map_err(|error| ConfigError(format!("{shown}: {error}")))?;
    let config = parse(&text).map_err(|(position, message)| match position {
        Some((line, column)) => ConfigError(format!("{shown}:{line}:{column}: {message}")),
        None => ConfigError(format!("{shown}: {message}")),
    })?;
    Ok((text, config))
}

/// The largest configuration file read; a larger one is refused, and reading stops there.
pub const MAX_BYTES: u64 = 1 << 20;

/// Reads the file whole, if it is a regular file of at most `MAX_BYTES`. Opened without
/// blocking (`O_NONBLOCK`, which changes nothing for a regular file), so that a FIFO or a
/// device put at the path is refused instead of holding the reload, and the runtime's
/// shutdown, forever.
fn read_text(path: &Path) -> io::Result<String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let too_large = |what: String| io::Error::new(io::ErrorKind::FileTooLarge, what);
    if metadata.len() > MAX_BYTES {
        let size = metadata.len();
        return Err(too_large(format!(
            "{size} bytes, larger than the limit of {MAX_BYTES} bytes"
        )));
    }
    // It may grow after the check: read one byte past the limit, at most, to know.
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large(format!(
            "larger than the limit of {MAX_BYTES} bytes when read"
        )));
    }
    String::from_utf8(bytes)
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, format!("not UTF-8: {error}")))
}

/// Parses TOML text; an error carries the 1-based line and column of the text at fault, or no
/// position when there is no such text (a missing key: toml gives it the span 0..0).
pub fn parse(text: &str) -> Result<Config, (Option<(usize, usize)>, String)> {
    toml::from_str(text).map_err(|error| {
        let message = error.message().trim_end().to_owned();
        // A missing key has the empty span 0..0; an error at the end of the text an empty
        // span there, which is a place to show.
        let Some(span) = error.span().filter(|span| *span != (0..0)) else {
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

    #[test]
    fn a_fifo_a_large_file_and_bad_utf8_are_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("app.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.expect("run mkfifo").success());
        // No writer ever opens it: a blocking open would wait forever.
        let refused = load(&fifo).expect_err("a FIFO is no configuration");
        assert_eq!(refused.0, "app.toml: not a regular file");

        let large = dir.path().join("large.toml");
        let size = MAX_BYTES + 1;
        std::fs::write(&large, vec![b'#'; size as usize]).expect("write");
        let refused = load(&large).expect_err("too large");
        let expected =
            format!("large.toml: {size} bytes, larger than the limit of {MAX_BYTES} bytes");
        assert_eq!(refused.0, expected);

        let latin1 = dir.path().join("latin1.toml");
        std::fs::write(&latin1, b"greeting = \"caf\xe9\"\n").expect("write");
        let refused = load(&latin1).expect_err("not UTF-8");
        assert!(
            refused.0.starts_with("latin1.toml: not UTF-8: "),
            "{}",
            refused.0
        );
    }
}
