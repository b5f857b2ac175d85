//! The protocol host and plugin speak over the plugin's stdin and stdout: one JSON message
//! per line, each at most `MAX_LINE` bytes. The host sends a request, the plugin writes one
//! reply. The first request is always `Hello`, whose shape never changes, so a host and a
//! plugin built for different versions can still tell each other which version they speak.

use std::io::{self, BufRead, Read, Write};

use serde::{Deserialize, Serialize};

// ANCHOR: messages
/// The version of everything below except `Hello`. A change that an older peer could not
/// read bumps it (2: `Reply::Error` carries the id of the request it refuses).
pub const PROTOCOL_VERSION: u32 = 2;

/// The longest line either side accepts, newline excluded. A pipe may hold less (pipe(7)): the
/// host's writer thread, not the pipe, keeps a plugin that stops reading from blocking it.
pub const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// The handshake: the first request. The plugin answers `Reply::Hello`.
    Hello { protocol: u32 },
    /// `count` is the host's state: the plugin keeps none. The reply carries the same `id`.
    Greet { id: u64, name: String, count: u64 },
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Hello {
        protocol: u32,
        name: String,
    },
    Greeting {
        id: u64,
        text: String,
    },
    /// The plugin refused the request `id` (none: a line it could not read as a request), and
    /// goes on running.
    Error {
        id: Option<u64>,
        message: String,
    },
}
// ANCHOR_END: messages

/// What reading a line can find besides a line.
#[derive(Debug)]
pub enum ReadLine {
    Line(Vec<u8>),
    /// End of input before a newline (what was read of the last line is dropped).
    End,
    /// More than `MAX_LINE` bytes without a newline.
    TooLong,
}

// ANCHOR: read_line
/// Reads one line of at most `limit` bytes: never more than `limit + 1` bytes are buffered,
/// whatever the other side writes.
pub fn read_line(input: &mut impl BufRead, limit: usize) -> io::Result<ReadLine> {
    let mut line = Vec::new();
    input.take(limit as u64 + 1).read_until(b'\n', &mut line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
        Ok(ReadLine::Line(line))
    } else if line.len() > limit {
        Ok(ReadLine::TooLong)
    } else {
        Ok(ReadLine::End)
    }
}
// ANCHOR_END: read_line

/// Writes `message` as one line and flushes it. serde_json escapes newlines inside strings,
/// so the only newline is the one that ends the message.
pub fn write_message(output: &mut impl Write, message: &impl Serialize) -> io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    output.write_all(&line)?;
    output.flush()
}

/// The plugin's side: answers requests on stdin until it is closed, then returns. `greet`
/// is the plugin's code; `name` says which plugin this is in the handshake.
pub fn serve(name: &str, greet: impl Fn(&str, u64) -> String) -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    loop {
        let line = match read_line(&mut input, MAX_LINE)? {
            ReadLine::Line(line) => line,
            ReadLine::End => return Ok(()), // the host closed stdin: stop
            ReadLine::TooLong => return Err(io::Error::other("request longer than MAX_LINE")),
        };
        let reply = match serde_json::from_slice::<Request>(&line) {
            // Whatever version the host speaks, say which one this plugin speaks: the host
            // decides whether they match.
            Ok(Request::Hello { .. }) => Reply::Hello {
                protocol: PROTOCOL_VERSION,
                name: name.to_owned(),
            },
            Ok(Request::Greet { id, name, count }) => Reply::Greeting {
                id,
                text: greet(&name, count),
            },
            Err(error) => Reply::Error {
                id: None,
                message: format!("not a request: {error}"),
            },
        };
        write_message(&mut output, &reply)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], limit: usize) -> ReadLine {
        read_line(&mut &input[..], limit).expect("reading a slice")
    }

    #[test]
    fn read_line_takes_lines_up_to_the_limit_and_refuses_longer_ones() {
        assert!(matches!(read(b"abcd\nrest", 4), ReadLine::Line(l) if l == b"abcd"));
        assert!(matches!(read(b"abcde\n", 4), ReadLine::TooLong));
        assert!(matches!(read(b"abcdefgh", 4), ReadLine::TooLong));
        assert!(
            matches!(read(b"abc", 4), ReadLine::End),
            "no newline: cut short"
        );
        assert!(matches!(read(b"", 4), ReadLine::End));
    }

    #[test]
    fn a_message_is_one_line_whatever_its_strings_hold() {
        let mut out = Vec::new();
        let text = "two\nlines".to_owned();
        write_message(&mut out, &Reply::Greeting { id: 1, text }).expect("write");
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        assert!(out.ends_with(b"\n"));
    }
}
