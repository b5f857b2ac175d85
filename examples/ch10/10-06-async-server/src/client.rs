//! A load generator for the demo and the tests: client tasks that send requests until told
//! to stop, and check every answer against the rule the demo's configurations follow.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinSet;

/// A request that takes longer than this counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The greeting every demo and test configuration has: a version's greeting names it, so an
/// answer mixing two configurations shows.
pub fn greeting_for(version: u64) -> String {
    format!("Hello from version {version}")
}

/// The text of a valid configuration file.
pub fn config_text(version: u64) -> String {
    format!(
        "version = {version}\ngreeting = \"{}\"\n",
        greeting_for(version)
    )
}

/// What the clients saw.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub requests: u64,
    pub failed: u64,
    /// Answers whose greeting is not the one of their version.
    pub torn: u64,
    pub versions: BTreeSet<u64>,
    pub first_problem: Option<String>,
}

/// Running client tasks; half keep one connection open, half connect for every request.
pub struct Load {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
    tasks: JoinSet<LoadReport>,
}

impl Load {
    pub fn start(addr: SocketAddr, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicU64::new(0));
        let mut tasks = JoinSet::new();
        for client in 0..clients {
            let keep_alive = client % 2 == 0;
            let (stop, answered) = (Arc::clone(&stop), Arc::clone(&answered));
            tasks.spawn(run_client(addr, client, keep_alive, stop, answered));
        }
        Load {
            stop,
            answered,
            tasks,
        }
    }

    /// Requests answered so far, by all clients.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// Waits until `more` further requests have been answered (or a deadline passes).
    pub async fn wait_for_answers(&self, more: u64) {
        let target = self.answered() + more;
        let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
        while self.answered() < target && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub async fn stop(mut self) -> LoadReport {
        self.stop.store(true, Ordering::Relaxed);
        let mut total = LoadReport::default();
        while let Some(report) = self.tasks.join_next().await {
            let report = report.unwrap_or_else(|error| LoadReport {
                failed: 1,
                first_problem: Some(format!("client task failed: {error}")),
                ..LoadReport::default()
            });
            total.requests += report.requests;
            total.failed += report.failed;
            total.torn += report.torn;
            total.versions.extend(report.versions);
            total.first_problem = total.first_problem.or(report.first_problem);
        }
        total
    }
}

type Connection = (BufReader<OwnedReadHalf>, OwnedWriteHalf);

async fn run_client(
    addr: SocketAddr,
    client: usize,
    keep_alive: bool,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
) -> LoadReport {
    let mut report = LoadReport::default();
    let mut connection: Option<Connection> = None;
    let name = format!("client {client}");
    while !stop.load(Ordering::Relaxed) {
        report.requests += 1;
        let answer =
            tokio::time::timeout(REQUEST_TIMEOUT, request_on(addr, &mut connection, &name)).await;
        let problem = match answer {
            Ok(Ok(line)) => match check(&line, &name) {
                Ok(version) => {
                    report.versions.insert(version);
                    answered.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Err(torn) => {
                    report.torn += 1;
                    Some(torn)
                }
            },
            Ok(Err(error)) => {
                report.failed += 1;
                Some(format!("request failed: {error}"))
            }
            Err(_) => {
                report.failed += 1;
                Some(format!("no answer within {REQUEST_TIMEOUT:?}"))
            }
        };
        if problem.is_some() || !keep_alive {
            connection = None;
        }
        report.first_problem = report.first_problem.take().or(problem);
    }
    report
}

/// One request: on the open connection, or on a new one.
async fn request_on(
    addr: SocketAddr,
    connection: &mut Option<Connection>,
    name: &str,
) -> std::io::Result<String> {
    if connection.is_none() {
        let (reader, writer) = TcpStream::connect(addr).await?.into_split();
        *connection = Some((BufReader::new(reader), writer));
    }
    let Some((reader, writer)) = connection.as_mut() else {
        unreachable!("the connection was just opened");
    };
    writer.write_all(format!("{name}\n").as_bytes()).await?;
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(line)
}

/// One request on a new connection.
pub async fn request(addr: SocketAddr, name: &str) -> std::io::Result<String> {
    let line = request_on(addr, &mut None, name).await?;
    Ok(line.trim_end().to_owned())
}

/// One request, given up after `timeout`: a server that accepts the connection and never
/// answers would otherwise keep the caller waiting for ever. `ask` sends its request this way.
pub async fn request_within(
    addr: SocketAddr,
    name: &str,
    timeout: Duration,
) -> Result<String, String> {
    tokio::time::timeout(timeout, request(addr, name))
        .await
        .map_err(|_| format!("{addr}: no answer within {timeout:?}"))?
        .map_err(|error| format!("{addr}: {error}"))
}

/// The version an answer names, if its greeting is that version's.
fn check(line: &str, name: &str) -> Result<u64, String> {
    let line = line.trim_end();
    let torn = || format!("torn answer: {line:?}");
    let (version, rest) = line.split_once(' ').ok_or_else(torn)?;
    let version: u64 = version.parse().map_err(|_| torn())?;
    if rest == format!("{}, {name}!", greeting_for(version)) {
        Ok(version)
    } else {
        Err(torn())
    }
}
