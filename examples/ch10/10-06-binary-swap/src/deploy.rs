//! What the demo and the tests do as a deploy tool and a supervisor would: put a release in a
//! directory, start the server, signal it, read its log, reap every process it started.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

// ANCHOR: deploy
/// Puts a release in `dir`: the binary as `server` and its label as `VERSION`, each written
/// beside its final name and renamed over it. A running binary is never written in place
/// (Linux refuses that, ETXTBSY); the old process keeps its own, now nameless, copy.
pub fn deploy(dir: &Path, binary: &Path, label: &str) -> io::Result<()> {
    // Only for a deploy from a process that also starts servers (the demo, the tests).
    let _no_spawn_meanwhile = SPAWNING.lock().unwrap_or_else(PoisonError::into_inner);
    std::fs::write(dir.join("VERSION.new"), label)?;
    std::fs::rename(dir.join("VERSION.new"), dir.join("VERSION"))?;
    std::fs::copy(binary, dir.join("server.new"))?;
    std::fs::rename(dir.join("server.new"), dir.join("server"))
}
// ANCHOR_END: deploy

/// Held while this process writes a binary or starts a process. A process started while a
/// binary is open for writing gets a copy of that descriptor until its `exec`, and an `exec`
/// of the binary meanwhile fails with ETXTBSY; the tests deploy and start in parallel threads.
static SPAWNING: Mutex<()> = Mutex::new(());

/// Holds `SPAWNING`: for a test that starts a process of its own.
pub fn no_deploy_meanwhile() -> MutexGuard<'static, ()> {
    SPAWNING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sends `signal` to `pid`.
pub fn signal(pid: u32, signal: libc::c_int) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: kill(2) takes plain integers. The caller names a process it has not reaped yet,
    // so the pid cannot have been reused.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Makes this process the one that orphans of its descendants are given to (Linux), so it
/// can reap the new server once the old one, its parent, has exited.
#[cfg(target_os = "linux")]
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) takes integers and changes only this process.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Waits (with a deadline) for a process that is not our child but has become ours to reap.
#[cfg(target_os = "linux")]
pub fn reap_orphan(pid: u32, timeout: Duration) -> io::Result<ExitStatus> {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    let deadline = Instant::now() + timeout;
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes the status into a local integer.
        match unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } {
            0 if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            0 => return Err(io::Error::new(io::ErrorKind::TimedOut, "still running")),
            -1 => return Err(io::Error::last_os_error()),
            _ => return Ok(ExitStatus::from_raw(status)),
        }
    }
}

/// Server processes that outlived their parent (each new version, once the old one exits):
/// killed and reaped on drop unless `reap` has waited for them, so that a demo or a test that
/// stops half-way leaves nothing running.
#[cfg(target_os = "linux")]
#[derive(Default)]
pub struct Orphans(Vec<u32>);

#[cfg(target_os = "linux")]
impl Orphans {
    /// From now on, `pid` is ours to reap.
    pub fn adopt(&mut self, pid: u32) {
        self.0.push(pid);
    }

    /// Waits for `pid` to exit (with a deadline), and reaps it. Unless it is still running, it
    /// is forgotten, also when it was not ours to reap (ECHILD: another process reaped it).
    pub fn reap(&mut self, pid: u32) -> io::Result<ExitStatus> {
        let status = reap_orphan(pid, LOG_TIMEOUT);
        if !matches!(&status, Err(error) if error.kind() == io::ErrorKind::TimedOut) {
            self.0.retain(|&orphan| orphan != pid);
        }
        status
    }

    /// The pids adopted and not reaped yet.
    pub fn pids(&self) -> Vec<u32> {
        self.0.clone()
    }
}

#[cfg(target_os = "linux")]
impl Drop for Orphans {
    fn drop(&mut self) {
        for &pid in &self.0 {
            let _ = signal(pid, libc::SIGKILL);
            let _ = reap_orphan(pid, LOG_TIMEOUT);
        }
    }
}

/// The first server process, with its log: stdout lines (shared by every process it starts)
/// and stderr lines, each on a channel.
pub struct Started {
    pub child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    /// Its first log line, which names its address.
    pub first_line: String,
    /// The release directory it was started from.
    pub dir: std::path::PathBuf,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

/// How long the demo and the tests wait for a log line or an exit.
pub const LOG_TIMEOUT: Duration = Duration::from_secs(20);

impl Started {
    pub fn start(dir: &Path, args: &[&str]) -> io::Result<Started> {
        let no_deploy_meanwhile = no_deploy_meanwhile();
        let mut child = Command::new(dir.join("server"))
            .arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        drop(no_deploy_meanwhile);
        let stdout = lines(child.stdout.take());
        let stderr = lines(child.stderr.take());
        let mut started = Started {
            pid: child.id(),
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            first_line: String::new(),
            dir: dir.to_owned(),
            stdout,
            stderr,
        };
        let first = started.next_line()?;
        // "v1: listening (pid 1234, 127.0.0.1:40000)"
        let addr = first
            .split_once(", ")
            .and_then(|(_, addr)| addr.strip_suffix(')'))
            .and_then(|addr| addr.parse().ok());
        match addr {
            Some(addr) => started.addr = addr,
            None => return Err(io::Error::other(format!("no address in {first:?}"))),
        }
        started.first_line = first;
        Ok(started)
    }

    /// The next line of the servers' shared stdout.
    pub fn next_line(&self) -> io::Result<String> {
        next(&self.stdout)
    }

    /// The next line of the servers' shared stderr.
    pub fn next_error(&self) -> io::Result<String> {
        next(&self.stderr)
    }

    /// Reads stdout to its end: every process that holds it has exited.
    pub fn rest_of_log(&self) -> io::Result<Vec<String>> {
        let deadline = Instant::now() + LOG_TIMEOUT;
        let mut rest = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => rest.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(rest),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "stdout still open"));
                }
            }
        }
    }

    /// Waits for the first process to exit, and reaps it.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        wait_for(&mut self.child, LOG_TIMEOUT)
    }
}

/// Waits (with a deadline) for a child of this process to exit, and reaps it.
pub fn wait_for(child: &mut Child, timeout: Duration) -> io::Result<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "still running"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// How long dropping a `Started` that still runs waits after SIGTERM before it kills.
const STOP_TIMEOUT: Duration = Duration::from_secs(2);

impl Drop for Started {
    /// SIGTERM first, which stops a new process it has started too (`Upgrade::stop`); SIGKILL
    /// if it still runs after `STOP_TIMEOUT`. A kill alone would leave that new process running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = signal(self.pid, libc::SIGTERM);
            let _ = wait_for(&mut self.child, STOP_TIMEOUT);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of `pipe`, read on a thread of their own, so that each can be waited for with a
/// deadline.
pub fn lines(pipe: Option<impl io::Read + Send + 'static>) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
    }
    receiver
}

fn next(lines: &Receiver<String>) -> io::Result<String> {
    lines
        .recv_timeout(LOG_TIMEOUT)
        .map_err(|error| io::Error::new(io::ErrorKind::TimedOut, format!("no log line: {error}")))
}

/// The pid in a log line such as "v2: took over the listening socket (pid 1234)".
pub fn pid_in(line: &str) -> Option<u32> {
    let (_, after) = line.split_once("(pid ")?;
    after.split([',', ')']).next()?.parse().ok()
}

/// A log line as the demo shows it: without the pid and the address, which change every run.
pub fn shown(line: &str) -> &str {
    line.split_once(" (pid ").map_or(line, |(before, _)| before)
}
