//! The server: a line protocol on TCP. Each line a client sends is a name; the answer is
//! `LABEL: hello, NAME`, and ` (closing)` is added to the last answer of a connection.

use std::io;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::handover::{self, HandoverError};

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
    let mut upgrade = None;
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
                let (exe, args) = (options.exe.clone(), options.args.clone());
                let (fd, deadline) = (listener.as_raw_fd(), options.ready_deadline);
                upgrade = Some(tokio::spawn(async move {
                    handover::start_successor(&exe, &args, fd, deadline).await
                }));
            }
            outcome = async { upgrade.as_mut().expect("guarded").await }, if upgrade.is_some() => {
                upgrade = None;
                match outcome.unwrap_or_else(|error| Err(HandoverError::NotReady(error.to_string()))) {
                    Ok(successor) => break Ended::Replaced { successor },
                    Err(error) => log(label, &format!("upgrade failed: {error}; still serving")),
                }
            }
            Some(_) = signals.terminate.recv() => break Ended::Stopped("SIGTERM"),
            Some(_) = signals.interrupt.recv() => break Ended::Stopped("SIGINT"),
            Some(_finished) = connections.join_next() => {}
        }
    };
    // Closing our descriptor does not close the socket while the new process holds it:
    // connections waiting in its queue are accepted there.
    drop(listener);
    match &ended {
        Ended::Replaced { .. } => log(
            label,
            "the new process is ready; stopped accepting, draining",
        ),
        Ended::Stopped(signal) => log(label, &format!("{signal}: stopped accepting, draining")),
    }
    let _ = stop.send(true);
    let drained = tokio::time::timeout(options.drain_deadline, async {
        while connections.join_next().await.is_some() {}
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
/// (within the drain deadline), marks that answer `(closing)`, and closes: a client that sent
/// a request always gets its answer.
async fn handle(
    stream: TcpStream,
    label: String,
    mut stopping: watch::Receiver<bool>,
    drain_deadline: Duration,
) -> io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut closing_by = None;
    loop {
        let line = match closing_by {
            None => tokio::select! {
                line = lines.next_line() => line?, // cancel-safe: no request is half-read
                _ = stopping.wait_for(|stop| *stop) => {
                    closing_by = Some(Instant::now() + drain_deadline);
                    continue;
                }
            },
            Some(deadline) => match tokio::time::timeout_at(deadline, lines.next_line()).await {
                Ok(line) => line?,
                Err(_) => return Ok(()), // idle until the deadline
            },
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
        if closing_by.is_some() {
            return Ok(());
        }
    }
}
// ANCHOR_END: handle

/// The server's log, on stdout: `LABEL: message`. A new process shares it with the old one.
pub fn log(label: &str, message: &str) {
    println!("{label}: {message}");
}
