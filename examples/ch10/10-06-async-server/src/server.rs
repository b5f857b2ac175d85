//! The server: a line protocol on TCP. Each line a client sends is a name; the answer is
//! `VERSION GREETING, NAME!`, both from the one configuration the request started with.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Config;

/// How long a shutdown waits for open connections before it cuts them.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(5);

// ANCHOR: handler
/// Serves one connection: one configuration snapshot per request.
async fn handle(
    stream: TcpStream,
    config: watch::Receiver<Arc<Config>>,
    mut stopping: watch::Receiver<bool>,
) -> io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new(); // the request being read, kept if the `select!` cancels a read
    loop {
        let request = tokio::select! {
            request = next_request(&mut reader, &mut line) => request,
            _ = stopping.wait_for(|stop| *stop) => return Ok(()), // between requests
        };
        let name = match request {
            Ok(Some(name)) => name,
            Ok(None) => return Ok(()), // the client closed the connection
            // too long, or not UTF-8
            Err(error) => return refuse(reader, writer, stopping, error).await,
        };
        // Clone the Arc and let the borrow go: `borrow()` holds the channel's read lock,
        // which must never be held across an `.await`.
        let config: Arc<Config> = Arc::clone(&config.borrow());
        // Two writes, with an `.await` between them: both parts come from `config`.
        let version = format!("{} ", config.version);
        writer.write_all(version.as_bytes()).await?;
        let rest = format!("{}, {}!\n", config.greeting, name.trim());
        writer.write_all(rest.as_bytes()).await?;
    }
}
// ANCHOR_END: handler

/// The longest request line, in bytes, without its newline: a longer one is refused before
/// it is all read, so one client cannot make the server hold more than this per connection.
pub const MAX_LINE: usize = 1024;

/// Reads the next line into `line` and returns it without its line ending; `None` at the end
/// of the stream. Cancel-safe: bytes read before a cancel stay in `line` for the next call.
async fn next_request(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> io::Result<Option<String>> {
    let room = (MAX_LINE + 2).saturating_sub(line.len()) as u64; // the line, "\r\n"
    // It returns at a newline, after `room` bytes, or at the end of the stream.
    (&mut *reader).take(room).read_until(b'\n', line).await?;
    if line.is_empty() {
        return Ok(None);
    }
    let without_ending = line.strip_suffix(b"\n").unwrap_or(line);
    let without_ending = without_ending.strip_suffix(b"\r").unwrap_or(without_ending);
    if without_ending.len() > MAX_LINE {
        let error = format!("request longer than {MAX_LINE} bytes");
        return Err(io::Error::new(io::ErrorKind::InvalidData, error));
    }
    let request = String::from_utf8(without_ending.to_vec())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "request is not UTF-8"));
    line.clear();
    request.map(Some)
}

/// Answers a bad request with `error: WHY` and closes the connection. What the client sent
/// after it is read and dropped until it closes its side (up to `DRAIN_DEADLINE`, or until the
/// server stops), so that the close is a clean end of stream and not a reset that could
/// destroy the error line.
async fn refuse(
    reader: BufReader<OwnedReadHalf>,
    mut writer: OwnedWriteHalf,
    mut stopping: watch::Receiver<bool>,
    why: io::Error,
) -> io::Result<()> {
    writer
        .write_all(format!("error: {why}\n").as_bytes())
        .await?;
    writer.shutdown().await?;
    let (mut rest, mut sink) = (reader, tokio::io::sink());
    tokio::select! {
        _ = tokio::time::timeout(DRAIN_DEADLINE, tokio::io::copy(&mut rest, &mut sink)) => {}
        _ = stopping.wait_for(|stop| *stop) => {} // a shutdown does not wait for this one
    }
    Err(why)
}

// ANCHOR: serve
/// Accepts until `shutdown` completes, then stops accepting and waits up to `DRAIN_DEADLINE`
/// for open connections (each finishes the request it is in). Returns how many were cut.
pub async fn serve(
    listener: TcpListener,
    config: watch::Receiver<Arc<Config>>,
    shutdown: impl Future<Output = ()>,
) -> usize {
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(handle(stream, config.clone(), stopping.clone()));
                }
                Err(error) => {
                    // Out of file descriptors, say: report it, wait a little, keep serving.
                    eprintln!("accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_finished) = connections.join_next() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener); // new connections are refused from here on
    let _ = stop.send(true);
    let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    match drained {
        Ok(()) => 0,
        Err(_deadline) => {
            let cut = connections.len();
            connections.shutdown().await;
            cut
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: shutdown
/// SIGTERM or Ctrl-C. The handlers are installed by `install`, before the server says it is
/// listening, so a signal that comes early is not lost (nor kills the process outright).
pub struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    pub fn install() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Shutdown {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Shutdown {})
    }

    /// Waits for the first of the two; returns its name.
    pub async fn wait(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
// ANCHOR_END: shutdown
