//! Loopback clients for the demo and the tests: threads that send requests until told to stop,
//! some on a new connection per request, some on one kept-alive connection, and count answers
//! by the version that gave them.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// A request with no answer after this long counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What the clients saw.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub requests: u64,
    pub failed: u64,
    /// Answers by label (`v1`, `v2`, ...).
    pub answers: BTreeMap<String, u64>,
    pub first_failure: Option<String>,
}

pub struct Clients {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    threads: Vec<JoinHandle<()>>,
}

impl Clients {
    /// `per_request` threads connect anew for each request; `keep_alive` threads reuse one
    /// connection until the server marks an answer `(closing)`.
    pub fn start(addr: SocketAddr, per_request: usize, keep_alive: usize) -> Clients {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let threads = (0..per_request + keep_alive)
            .map(|client| {
                let (stop, seen) = (Arc::clone(&stop), Arc::clone(&seen));
                let keep = client >= per_request;
                std::thread::spawn(move || run(addr, client, keep, &stop, &seen))
            })
            .collect();
        Clients {
            stop,
            seen,
            threads,
        }
    }

    /// What was seen so far.
    pub fn seen(&self) -> Seen {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until `label` has given `count` more answers, or `timeout` passes; returns
    /// whether it did.
    pub fn wait_for(&self, label: &str, count: u64, timeout: Duration) -> bool {
        let answers = |seen: Seen| seen.answers.get(label).copied().unwrap_or(0);
        let target = answers(self.seen()) + count;
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if answers(self.seen()) >= target {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    pub fn stop(mut self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        for thread in std::mem::take(&mut self.threads) {
            let _ = thread.join();
        }
        self.seen()
    }
}

fn run(addr: SocketAddr, client: usize, keep_alive: bool, stop: &AtomicBool, seen: &Mutex<Seen>) {
    let name = format!("client {client}");
    let mut connection = None;
    while !stop.load(Ordering::Relaxed) {
        let outcome = request(addr, &mut connection, &name);
        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.requests += 1;
        match outcome {
            Ok(label) => *seen.answers.entry(label).or_default() += 1,
            Err(error) => {
                seen.failed += 1;
                let failure = format!("{name}: {error}");
                seen.first_failure.get_or_insert(failure);
                connection = None;
            }
        }
        if !keep_alive {
            connection = None;
        }
    }
}

/// One request; returns the label of the version that answered.
fn request(
    addr: SocketAddr,
    connection: &mut Option<BufReader<TcpStream>>,
    name: &str,
) -> io::Result<String> {
    let reader = match connection {
        Some(reader) => reader,
        None => {
            let stream = TcpStream::connect_timeout(&addr, REQUEST_TIMEOUT)?;
            stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
            connection.insert(BufReader::new(stream))
        }
    };
    reader.get_mut().write_all(format!("{name}\n").as_bytes())?;
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "closed without an answer",
        ));
    }
    let answer = line.trim_end();
    let (label, rest) = answer
        .split_once(": hello, ")
        .ok_or_else(|| io::Error::other(format!("unexpected answer {answer:?}")))?;
    let label = label.to_owned();
    match rest.strip_suffix(" (closing)") {
        Some(rest) if rest == name => *connection = None, // the server closes it: reconnect
        None if rest == name => {}
        _ => {
            return Err(io::Error::other(format!(
                "answer for someone else: {answer:?}"
            )));
        }
    }
    Ok(label)
}
