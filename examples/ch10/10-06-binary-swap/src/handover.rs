//! Both sides of the handover. The old process starts the new one with the listening socket
//! as file descriptor 3 and `LISTEN_FDS=1` (the systemd protocol, sd_listen_fds(3)), plus the
//! write end of a pipe named by `READY_FD`; the new one takes the socket and writes `ready`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::unix::pipe;
use tokio::time::Instant;

/// The first passed descriptor, as sd_listen_fds(3) defines it (`SD_LISTEN_FDS_START`).
const LISTEN_FDS_START: RawFd = 3;
/// How long a new process that closed the pipe without `ready` gets to exit before it is
/// killed: the accept loop waits for this, so it is short.
const EXIT_GRACE: Duration = Duration::from_millis(200);

// ANCHOR: inherit
/// What a process was given by the one it replaces, read from the environment.
pub struct Inherited {
    pub listener: Option<TcpListener>,
    pub ready: Option<File>,
}

/// Call first thing in `main`, before any thread starts: listenfd removes `LISTEN_FDS` and
/// `LISTEN_PID` from the environment, and so does this for `READY_FD` (so the descriptors are
/// not offered again to a process this one starts).
pub fn inherit() -> io::Result<Inherited> {
    let listener = listenfd::ListenFd::from_env().take_tcp_listener(0)?;
    let ready = match std::env::var("READY_FD") {
        Ok(fd) => {
            let fd: RawFd = fd
                .parse()
                .map_err(|_| io::Error::other(format!("READY_FD={fd:?} is not a number")))?;
            // SAFETY: there is no other thread yet (this runs first in `main`).
            unsafe { std::env::remove_var("READY_FD") };
            Some(take_fd(fd)?)
        }
        Err(_) => None,
    };
    Ok(Inherited { listener, ready })
}

/// Takes ownership of a descriptor our parent left open for us, after checking it is open and
/// is neither standard input, output or error nor the listening socket (`LISTEN_FDS` starts at
/// 3): a second owner of one of those would close it under the first.
fn take_fd(fd: RawFd) -> io::Result<File> {
    if (0..=3).contains(&fd) {
        return Err(io::Error::other(format!(
            "READY_FD={fd} is a standard stream or the listening socket"
        )));
    }
    // SAFETY: fcntl takes integers. F_SETFD sets the descriptor's close-on-exec flag (so the
    // pipe is not passed on to a process this one starts), and fails with EBADF if it is not open.
    if fd < 0 || unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
        return Err(io::Error::other(format!(
            "READY_FD={fd} is not an open descriptor"
        )));
    }
    // SAFETY: the descriptor is open, was left to this process alone, and nothing else in it
    // owns it: READY_FD was removed from the environment above.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// The new process says it is ready: it holds the socket and is about to accept.
pub fn notify_ready(ready: Option<File>) -> io::Result<()> {
    match ready {
        Some(mut pipe) => pipe.write_all(b"ready\n"), // dropping it closes our end
        None => Ok(()),
    }
}
// ANCHOR_END: inherit

/// How a handover failed; the old process goes on serving in every case.
#[derive(Debug)]
pub enum HandoverError {
    Spawn(io::Error),
    /// The new process exited (or closed the pipe) without saying it was ready.
    NotReady(String),
    /// It said nothing within the deadline, and was killed.
    Timeout(Duration),
}

impl std::fmt::Display for HandoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Spawn(error) => write!(f, "cannot start the new process: {error}"),
            Self::NotReady(why) => write!(f, "the new process {why} before it was ready"),
            Self::Timeout(deadline) => {
                write!(
                    f,
                    "the new process was not ready within {deadline:?}; killed it"
                )
            }
        }
    }
}

// ANCHOR: spawn
/// A handover in progress: the new process, started, and the pipe it says `ready` on.
/// Dropped before it is over, it kills the new process and reaps it.
pub struct Upgrade {
    successor: Successor,
    pipe: BufReader<pipe::Receiver>,
    /// What `heard` has read from the pipe so far.
    word: Vec<u8>,
    give_up: Instant,
    deadline: Duration,
}

/// The line the new process wrote, or the read's error; `Err(Elapsed)` past the deadline.
type Heard = Result<io::Result<String>, tokio::time::error::Elapsed>;

/// Starts `exe` with the listening socket as descriptor 3, and a pipe to say `ready` on.
/// `listener` is borrowed: it is open for the whole call, and the child gets its own copy.
pub fn start_successor(
    exe: &Path,
    args: &[String],
    listener: BorrowedFd<'_>,
    deadline: Duration,
) -> Result<Upgrade, HandoverError> {
    let (reader, writer) = io::pipe().map_err(HandoverError::Spawn)?;
    // The write end gets a number of 10 or more: never 0-2, nor 3, which dup2 overwrites.
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) only duplicates an open descriptor we own.
    let writer_fd = unsafe { libc::fcntl(writer.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
    if writer_fd == -1 {
        return Err(HandoverError::Spawn(io::Error::last_os_error()));
    }
    // SAFETY: writer_fd was just created by fcntl and is owned by nothing else.
    let writer_copy = unsafe { OwnedFd::from_raw_fd(writer_fd) };
    drop(writer);
    // An async read end: the accept loop goes on while `heard` waits on it.
    let reader = pipe::Receiver::from_owned_fd(reader.into()).map_err(HandoverError::Spawn)?;

    let listener = listener.as_raw_fd();
    let mut command = Command::new(exe);
    command
        .args(args)
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID") // listenfd accepts a missing pid; see the page
        // what a socket-activated first server may have been given, wrong for this socket
        .env_remove("LISTEN_FDS_FIRST_FD")
        .env_remove("LISTEN_FDNAMES")
        .env("READY_FD", writer_fd.to_string())
        .stdin(Stdio::null());
    // SAFETY: the closure runs in the child between fork and exec, where only
    // async-signal-safe functions may be called (signal-safety(7)). It calls only dup2 and
    // fcntl, which are, and `io::Error::last_os_error`, which reads errno and allocates
    // nothing; it takes no lock. Both descriptors are open: `listener` is borrowed until this
    // function returns, after `spawn`, and `writer_copy` is dropped after `spawn` too.
    unsafe {
        command.pre_exec(move || {
            if listener == LISTEN_FDS_START {
                // Already at 3: clear close-on-exec so that exec keeps it.
                if libc::fcntl(listener, libc::F_SETFD, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
            } else if libc::dup2(listener, LISTEN_FDS_START) == -1 {
                return Err(io::Error::last_os_error()); // dup2's copy has no close-on-exec
            }
            if libc::fcntl(writer_fd, libc::F_SETFD, 0) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command.spawn().map_err(HandoverError::Spawn)?;
    // Our copy of the write end must go, or the read below would never see end-of-file.
    drop(writer_copy);

    Ok(Upgrade {
        successor: Successor(Some(child)),
        pipe: BufReader::new(reader),
        word: Vec::new(),
        give_up: Instant::now() + deadline,
        deadline,
    })
}
// ANCHOR_END: spawn

impl Upgrade {
    /// Waits for the new process's word, up to the deadline. Cancel-safe: `read_until` keeps
    /// what it has read in `self.word`, so calling it again in a `select!` loop goes on with the
    /// same read and deadline. Call it again only if the previous call did not complete.
    pub async fn heard(&mut self) -> Heard {
        let read = self.pipe.read_until(b'\n', &mut self.word);
        let read = tokio::time::timeout_at(self.give_up, read).await?;
        Ok(read.map(|_| String::from_utf8_lossy(&self.word).into_owned()))
    }

    // ANCHOR: conclude
    /// What the word means. `ready`: the new process serves on, no longer ours to kill. Anything
    /// else: it is killed if it still runs, reaped, and the caller goes on serving.
    pub async fn conclude(self, heard: Heard) -> Result<u32, HandoverError> {
        let Upgrade {
            mut successor,
            pipe,
            word,
            give_up,
            deadline,
        } = self;
        let why = match heard {
            Ok(Ok(line)) if line == "ready\n" => return Ok(successor.release()),
            Ok(Ok(line)) if line.is_empty() => None, // end of file: it closed the pipe
            Ok(Ok(line)) => Some(format!("said {:?}", line.trim_end())),
            Ok(Err(error)) => Some(format!("could not be heard ({error})")),
            Err(_elapsed) => {
                // A `ready` written as the deadline passed: it may be accepting already.
                if word_now(pipe, word) == b"ready\n" {
                    return Ok(successor.release());
                }
                successor.stop(Duration::ZERO).await; // SIGKILL at once
                return Err(HandoverError::Timeout(deadline));
            }
        };
        // It is exiting, most likely (its error message on the way): let it, for a moment.
        let by = give_up.min(Instant::now() + EXIT_GRACE);
        let (status, killed) = successor.wait_until(by).await;
        let why = why.unwrap_or_else(|| {
            if killed {
                "closed the pipe without a word, was killed,".to_owned()
            } else {
                format!("exited ({status})")
            }
        });
        Err(HandoverError::NotReady(why))
    }
    // ANCHOR_END: conclude

    /// For a stop signal that comes during the handover: sends the new process SIGTERM, which
    /// ends it if it has not installed its handlers yet and drains it if it has (it may have
    /// said `ready` and accepted connections just now); SIGKILL after `grace`; reaped.
    pub async fn stop(self, grace: Duration) -> String {
        let mut successor = self.successor;
        successor.stop(grace).await
    }
}

/// The word in the pipe now, without waiting: what `heard` read, what its buffer holds, and
/// what a plain non-blocking read(2) finds (tokio's readiness may lag behind the pipe).
fn word_now(pipe: BufReader<pipe::Receiver>, mut word: Vec<u8>) -> Vec<u8> {
    word.extend_from_slice(pipe.buffer());
    if let Ok(fd) = pipe.into_inner().into_nonblocking_fd() {
        let mut rest = [0; 64];
        if let Ok(read) = File::from(fd).read(&mut rest) {
            word.extend_from_slice(&rest[..read]);
        }
    }
    word
}

/// The new process while it is ours: killed (SIGKILL) and reaped on drop, so that no path out
/// of `serve`, a panic included, leaves it running. A wrapper script must `exec` the server,
/// or the server would be a grandchild, which this kill does not reach.
struct Successor(Option<Child>);

impl Successor {
    /// It took over: from now on it is the server, and outlives this process. Returns its pid
    /// (taking `self`, so there is always one: no made-up pid such as 0).
    fn release(mut self) -> u32 {
        // Not waited for: it outlives this process, which exits once drained.
        let pid = self.0.take().map(|child| child.id());
        pid.expect("a successor holds its child until released")
    }

    /// SIGTERM, then SIGKILL after `grace` (at once if zero); returns its exit status.
    async fn stop(&mut self, grace: Duration) -> String {
        if let Some(child) = self.0.as_mut() {
            if grace.is_zero() {
                let _ = child.kill();
            } else if let Ok(pid) = libc::pid_t::try_from(child.id()) {
                // SAFETY: kill(2) takes integers; the child is not reaped, so the pid is its own.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
        }
        self.wait_until(Instant::now() + grace).await.0
    }

    /// Waits for it to exit until `deadline`, then kills it; reaps it either way. Returns its
    /// exit status, and whether it was killed here.
    async fn wait_until(&mut self, deadline: Instant) -> (String, bool) {
        let Some(child) = self.0.as_mut() else {
            return ("released".into(), false);
        };
        let mut killed = false;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    self.0 = None;
                    return (status.to_string(), killed);
                }
                Ok(None) => {
                    if Instant::now() >= deadline && !killed {
                        killed = child.kill().is_ok();
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(error) => return (format!("wait failed: {error}"), killed), // Drop tries again
            }
        }
    }
}

impl Drop for Successor {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait(); // SIGKILL cannot be caught or ignored: this does not wait long
        }
    }
}
