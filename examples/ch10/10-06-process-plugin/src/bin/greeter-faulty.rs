//! Recipe 10.6: a plugin that goes wrong in the way its argument names, for the demo and the
//! tests. The modes up to `reply-unread` fail when greeting (`flood-stderr` only slows it);
//! the others at the handshake or on stop.

use std::io::{self, Write};
use std::time::Duration;

use ch10_06_process_plugin::protocol::{
    MAX_LINE, PROTOCOL_VERSION, ReadLine, Reply, Request, read_line, serve, write_message,
};

fn main() -> io::Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let name = format!("greeter faulty ({mode})");
    match mode.as_str() {
        "panic" => serve(&name, |name, _| panic!("cannot greet {name}")),
        "abort" => serve(&name, |_, _| std::process::abort()),
        "segfault" => serve(&name, |_, _| {
            // SAFETY: none; this is the bug being shown. Address 16 is never mapped on Linux.
            unsafe { std::ptr::without_provenance_mut::<u8>(16).write_volatile(1) };
            unreachable!("the write above kills the process")
        }),
        "exit" => serve(&name, |_, _| std::process::exit(3)),
        "exit-leaving-a-child" => serve(&name, |_, _| {
            // The child inherits stdout and keeps it open for a second after this exits.
            let _ = std::process::Command::new("sleep").arg("1").spawn();
            std::process::exit(4)
        }),
        "hang" => serve(&name, |_, _| {
            loop {
                std::hint::spin_loop();
            }
        }),
        "garbage" => serve(&name, |_, _| {
            println!("debug: about to greet"); // a stray print on the protocol's stdout
            String::new()
        }),
        "reply-twice" => serve(&name, |name, count| {
            // A reply to a request it was never sent: its id is not the one asked for.
            println!(r#"{{"Greeting":{{"id":0,"text":"an extra reply"}}}}"#);
            format!("Hello, {name}! (greeting #{count})")
        }),
        "stale-error" => serve(&name, |name, count| {
            // An error about no request in particular, before the real reply.
            println!(r#"{{"Error":{{"id":null,"message":"a stale error"}}}}"#);
            format!("Hello, {name}! (greeting #{count})")
        }),
        "refuse" => {
            // Refuses every greeting, and goes on running.
            read_hello_and_answer(&name)?;
            let mut input = io::stdin().lock();
            while let ReadLine::Line(line) = read_line(&mut input, MAX_LINE)? {
                if let Ok(Request::Greet { id, .. }) = serde_json::from_slice(&line) {
                    let message = "no greetings today".to_owned();
                    let reply = Reply::Error {
                        id: Some(id),
                        message,
                    };
                    write_message(&mut io::stdout(), &reply)?;
                }
            }
            Ok(())
        }
        "oversized" => serve(&name, |_, _| "x".repeat(MAX_LINE * 4)),
        "close-stdout" => serve(&name, |_, _| {
            close_stdout();
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }),
        "thread-left-running" => serve(&name, |name, count| {
            std::thread::spawn(|| {
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            });
            format!("Hello, {name}! (greeting #{count})")
        }),
        "ignore-stdin-close" => {
            serve(&name, |name, count| {
                format!("Hello, {name}! (greeting #{count})")
            })?;
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        "flood-stdout" => {
            // After the handshake, writes lines as fast as it can, asked or not.
            read_hello_and_answer(&name)?;
            let lines = "{}\n".repeat(4096);
            loop {
                io::stdout().write_all(lines.as_bytes())?;
            }
        }
        "flood-stderr" => serve(&name, |name, count| {
            // 1 MiB to stderr, far more than its pipe holds, before it answers. `eprintln!`
            // panics if the write fails: if the host stopped reading the pipe, it is closed.
            let line = "e".repeat(1023);
            for _ in 0..1024 {
                eprintln!("{line}");
            }
            format!("Hello, {name}! (greeting #{count})")
        }),
        "stop-reading" => {
            // Its stdin pipe made one page small, as a system short of pipe memory makes it
            // (pipe(7)); after the handshake it reads nothing more.
            read_hello_and_answer(&name)?;
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        "reply-unread" => {
            // Like `stop-reading`, but it writes the replies to the next ten requests at once.
            read_hello_and_answer(&name)?;
            for id in 1..=10 {
                let text = format!("unread request {id}");
                write_message(&mut io::stdout(), &Reply::Greeting { id, text })?;
            }
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        "wrong-version" => answer_hello(&name, PROTOCOL_VERSION + 1),
        "slow-start" => loop {
            std::thread::sleep(Duration::from_secs(1));
        },
        "not-a-plugin" => {
            println!("usage: greeter-faulty MODE");
            Ok(())
        }
        _ => Err(io::Error::other(format!("unknown mode {mode:?}"))),
    }
}

/// Answers the handshake with `protocol`, then waits for stdin to close.
fn answer_hello(name: &str, protocol: u32) -> io::Result<()> {
    let mut input = io::stdin().lock();
    while let ReadLine::Line(line) = read_line(&mut input, MAX_LINE)? {
        if let Ok(Request::Hello { .. }) = serde_json::from_slice(&line) {
            let reply = Reply::Hello {
                protocol,
                name: name.to_owned(),
            };
            write_message(&mut io::stdout(), &reply)?;
        }
    }
    io::stdout().flush()
}

/// Reads the handshake and answers it; the modes that stop reading first shrink their stdin
/// pipe.
fn read_hello_and_answer(name: &str) -> io::Result<()> {
    let mut input = io::stdin().lock();
    if let ReadLine::Line(line) = read_line(&mut input, MAX_LINE)?
        && let Ok(Request::Hello { .. }) = serde_json::from_slice(&line)
    {
        if name.contains("stop-reading") || name.contains("reply-unread") {
            shrink_stdin_pipe()?;
        }
        let reply = Reply::Hello {
            protocol: PROTOCOL_VERSION,
            name: name.to_owned(),
        };
        return write_message(&mut io::stdout(), &reply);
    }
    Err(io::Error::other("no handshake"))
}

/// Makes the pipe on fd 0 one page (4096 bytes) small.
#[cfg(target_os = "linux")]
fn shrink_stdin_pipe() -> io::Result<()> {
    // SAFETY: fcntl on fd 0, which is open; F_SETPIPE_SZ takes an int.
    if unsafe { libc::fcntl(0, libc::F_SETPIPE_SZ, 4096) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn shrink_stdin_pipe() -> io::Result<()> {
    Err(io::Error::other("F_SETPIPE_SZ is Linux only"))
}

/// Closes file descriptor 1 while the process goes on.
#[cfg(unix)]
fn close_stdout() {
    use std::os::fd::{FromRawFd, OwnedFd};
    // SAFETY: fd 1 is open, and nothing uses it after this (the plugin then only sleeps).
    drop(unsafe { OwnedFd::from_raw_fd(1) });
}

#[cfg(not(unix))]
fn close_stdout() {}
