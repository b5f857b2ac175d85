//! The server: a line protocol on TCP. Each line a client sends is a name; the answer is
//! `LABEL: hello, NAME`, and ` (closing)` is added to the last answer of a connection.

use std::io;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::handover;

/// What one process of the server is, and how it hands over.
pub struct Options {
    /// Shown in every answer: which version answered.
    pub label: String,
    /// The binary to start on SIGUSR2: the path this one was started from, where a deploy
    /// has put the new version.
    pub exe: PathBuf,
    /// The arguments this process was started with, given to the new one.
    pub args: Vec<String>,
    /// How long the new process has to say it is ready.
    pub ready_deadline: Duration,
    /// How long open connections have to finish once accepting has stopped.
    pub drain_deadline: Duration,
}

/// How `serve` ended.
pub enum Ended {
    /// A new process took over the socket.
    Replaced { successor: u32 },
    /// SIGTERM or SIGINT.
    Stopped(&'static str),
}

/// The signals `serve` reacts to, installed before the server says it is listening.
pub struct Signals {
    upgrade: Signal,
    terminate: Signal,
    interrupt: Signal,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        Ok(Signals {
            upgrade: signal(SignalKind::user_defined2())?,
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }
}

// ANCHOR: serve
/// Accepts until a new process has taken over (on SIGUSR2) or a stop signal, then drains.
pub async fn serve(listener: TcpListener, options: &Options, mut signals: Signals) -> Ended {
    let label = options.label.as_str();
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut upgrade: Option<handover::Upgrade> = None;
    let ended = loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let handler = handle(stream, label.to_owned(), stopping.clone(), options.drain_deadline);
                    connections.spawn(handler);
                }
                Err(error) => {
                    log(label, &format!("accept failed: {error}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = signals.upgrade.recv(), if upgrade.is_none() => {
                log(label, "SIGUSR2: starting the new binary");
                let (exe, args) = (&options.exe, &options.args);
                match handover::start_successor(exe, args, listener.as_fd(), options.ready_deadline) {
                    Ok(started) => upgrade = Some(started),
                    Err(error) => log(label, &format!("upgrade failed: {error}; still serving")),
                }
            }
            heard = async { upgrade.as_mut().expect("guarded").heard().await }, if upgrade.is_some() => {
                // ANCHOR: ready
                // The new process has said its word (or its time is up): `ready` ends the loop.
                let outcome = upgrade.take().expect("guarded").conclude(heard).await;
                match outcome {
                    Ok(successor) => break Ended::Replaced { successor },
                    Err(error) => log(label, &format!("upgrade failed: {error}; still serving")),
                }
                // ANCHOR_END: ready
            }
            Some(_) = signals.terminate.recv() => break Ended::Stopped("SIGTERM"),
            Some(_) = signals.interrupt.recv() => break Ended::Stopped("SIGINT"),
            Some(_finished) = connections.join_next() => {}
        }
    };
    // ANCHOR: ready
    // Closing our descriptor does not close the socket while the new process holds it:
    // connections waiting in its queue are accepted there.
    drop(listener);
    let _ = stop.send(true); // tells each connection to finish
    // ANCHOR_END: ready
    match &ended {
        Ended::Replaced { .. } => log(
            label,
            "the new process is ready; stopped accepting, draining",
        ),
        Ended::Stopped(signal) => log(label, &format!("{signal}: stopped accepting, draining")),
    }
    let drain_by = Instant::now() + options.drain_deadline;
    // A stop during a handover stops the new process too: the service is to stop.
    if let (Some(upgrade), Ended::Stopped(signal)) = (upgrade.take(), &ended) {
        let status = upgrade
            .stop(drain_by.saturating_duration_since(Instant::now()))
            .await;
        log(
            label,
            &format!("{signal}: stopped the new process too ({status})"),
        );
    }
    // A stop sent to this process once the new one has taken over is meant for the service:
    // pass it on. The new process is our child, not reaped, so its pid is still its own.
    let mut pass_on = match ended {
        Ended::Replaced { successor } => libc::pid_t::try_from(successor).ok(),
        Ended::Stopped(_) => None,
    };
    let drained = tokio::time::timeout_at(drain_by, async {
        loop {
            let signal = tokio::select! {
                biased; // a stop that is already here is passed on, even with nothing to drain
                Some(_) = signals.terminate.recv(), if pass_on.is_some() => libc::SIGTERM,
                Some(_) = signals.interrupt.recv(), if pass_on.is_some() => libc::SIGINT,
                next = connections.join_next() => match next {
                    Some(_finished) => continue,
                    None => break,
                },
            };
            if let Some(pid) = pass_on.take() {
                // SAFETY: kill(2) takes integers; the pid is our unreaped child's (above).
                unsafe { libc::kill(pid, signal) };
                log(label, "stop signal: passed on to the new process");
            }
        }
    })
    .await;
    match drained {
        Ok(()) => log(label, "drained, exiting"),
        Err(_) => {
            let cut = connections.len();
            connections.shutdown().await;
            log(
                label,
                &format!("{cut} connections cut at the deadline, exiting"),
            );
        }
    }
    ended
}
// ANCHOR_END: serve

// ANCHOR: handle
/// Serves one connection. Once draining, it answers the request in progress or the next one
/// (within the drain deadline), marks that answer `(closing)`, and closes.
async fn handle(
    stream: TcpStream,
    label: String,
    mut stopping: watch::Receiver<bool>,
    drain_deadline: Duration,
) -> io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let (mut reader, mut line) = (BufReader::new(reader), Vec::new());
    let mut closing_by = None;
    loop {
        let line = match closing_by {
            None => tokio::select! {
                biased; // once the server is stopping, the next answer is the last
                _ = stopping.wait_for(|stop| *stop) => {
                    closing_by = Some(Instant::now() + drain_deadline);
                    continue;
                }
                read = next_line(&mut reader, &mut line) => read?, // cancel-safe
            },
            Some(deadline) => {
                match tokio::time::timeout_at(deadline, next_line(&mut reader, &mut line)).await {
                    Ok(line) => line?,
                    Err(_) => return Ok(()), // idle until the deadline
                }
            }
        };
        let Some(name) = line else {
            return Ok(()); // the client closed the connection
        };
        let closing = if closing_by.is_some() {
            " (closing)"
        } else {
            ""
        };
        let answer = format!("{label}: hello, {}{closing}\n", name.trim());
        writer.write_all(answer.as_bytes()).await?;
        if let Some(deadline) = closing_by {
            // Send end of stream, then read until the client's: closing with its next
            // request unread would send a reset, which can destroy the answers before it.
            writer.shutdown().await?;
            let (mut rest, mut sink) = (reader, tokio::io::sink());
            let _ = tokio::time::timeout_at(deadline, tokio::io::copy(&mut rest, &mut sink)).await;
            return Ok(());
        }
    }
}

/// The longest request line; a longer one ends the connection, so that one client cannot make
/// the server hold more than this for it.
const MAX_LINE: usize = 1024;

/// The next line without its ending, `None` at the end of the stream. Cancel-safe: what was
/// read before a cancel stays in `line` for the next call. (The async server's `next_request`
/// again: each recipe folder stands alone, so it has its own copy.)
async fn next_line(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> io::Result<Option<String>> {
    let room = (MAX_LINE + 2).saturating_sub(line.len()) as u64; // the line, "\r\n"
    (&mut *reader).take(room).read_until(b'\n', line).await?;
    if line.is_empty() {
        return Ok(None);
    }
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    if text.len() > MAX_LINE {
        let error = format!("request longer than {MAX_LINE} bytes");
        return Err(io::Error::new(io::ErrorKind::InvalidData, error));
    }
    let request = String::from_utf8(text.to_vec())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "request is not UTF-8"));
    line.clear();
    request.map(Some)
}
// ANCHOR_END: handle

/// The server's log, on stdout: `LABEL: message`. A new process shares it with the old one.
/// A log line that cannot be written is lost, not a panic: `println!` panics when stdout is
/// a closed pipe or a full disk, which would end the server and its requests.
pub fn log(label: &str, message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{label}: {message}");
}
