//! Recipe 10.7: a program's arguments and its exit code.
//! `10-07-exit-codes [--times N] [NAME]` greets NAME (or the world) N times; a usage error
//! exits with 2, the convention of command-line tools, after a message on stderr.

use std::ffi::OsString;
use std::fmt;
use std::process::ExitCode;

// ANCHOR: options
#[derive(Debug, PartialEq)]
struct Options {
    times: u32,
    name: String,
}

#[derive(Debug, PartialEq)]
enum UsageError {
    /// An argument that is not valid Unicode: kept as the OS gave it.
    NotUnicode(OsString),
    MissingValue(&'static str),
    BadNumber(String),
    Unexpected(String),
}
// ANCHOR_END: options

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::NotUnicode(arg) => write!(f, "argument {arg:?} is not valid Unicode"),
            UsageError::MissingValue(option) => write!(f, "{option} needs a value"),
            UsageError::BadNumber(value) => write!(f, "`{value}` is not a number"),
            UsageError::Unexpected(arg) => write!(f, "unexpected argument `{arg}`"),
        }
    }
}

// ANCHOR: parse
/// Reads the arguments after the program's name.
fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Options, UsageError> {
    let mut options = Options {
        times: 1,
        name: "world".to_owned(),
    };
    let mut name_given = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg.into_string().map_err(UsageError::NotUnicode)?;
        if arg == "--times" {
            let value = args.next().ok_or(UsageError::MissingValue("--times"))?;
            let value = value.into_string().map_err(UsageError::NotUnicode)?;
            options.times = value.parse().map_err(|_| UsageError::BadNumber(value))?;
        } else if arg.starts_with('-') || name_given {
            return Err(UsageError::Unexpected(arg));
        } else {
            options.name = arg;
            name_given = true;
        }
    }
    Ok(options)
}
// ANCHOR_END: parse

// ANCHOR: main
fn main() -> ExitCode {
    let options = match parse(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            // The binary's name as Cargo builds it (the package's name).
            let program = env!("CARGO_BIN_NAME");
            eprintln!("{program}: {error}");
            eprintln!("usage: {program} [--times N] [NAME]");
            return ExitCode::from(2);
        }
    };
    for _ in 0..options.times {
        println!("Hello, {}!", options.name);
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    // ANCHOR: tests
    #[test]
    fn no_arguments_greet_the_world_once() {
        let expected = Options {
            times: 1,
            name: "world".to_owned(),
        };
        assert_eq!(parse(args(&[])), Ok(expected));
    }

    #[test]
    fn options_and_a_name_in_any_order() {
        let expected = Options {
            times: 3,
            name: "Ada".to_owned(),
        };
        assert_eq!(parse(args(&["--times", "3", "Ada"])), Ok(expected));
        let expected = Options {
            times: 3,
            name: "Ada".to_owned(),
        };
        assert_eq!(parse(args(&["Ada", "--times", "3"])), Ok(expected));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let error = parse(args(&["--times"])).unwrap_err();
        assert_eq!(error.to_string(), "--times needs a value");
        let error = parse(args(&["--times", "three"])).unwrap_err();
        assert_eq!(error.to_string(), "`three` is not a number");
        let error = parse(args(&["Ada", "Grace"])).unwrap_err();
        assert_eq!(error.to_string(), "unexpected argument `Grace`");
    }
    // ANCHOR_END: tests

    #[cfg(unix)]
    #[test]
    fn an_argument_that_is_not_unicode_is_an_error_not_a_panic() {
        use std::os::unix::ffi::OsStringExt;
        let arg = OsString::from_vec(vec![b'A', 0xff]);
        assert_eq!(parse([arg.clone()]), Err(UsageError::NotUnicode(arg)));
    }
}
