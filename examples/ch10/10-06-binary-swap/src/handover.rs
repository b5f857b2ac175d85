//! Both sides of the handover. The old process starts the new one with the listening socket
//! as file descriptor 3 and `LISTEN_FDS=1` (the systemd protocol, sd_listen_fds(3)), plus the
//! write end of a pipe named by `READY_FD`; the new one takes the socket and writes `ready`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The first passed descriptor, as sd_listen_fds(3) defines it (`SD_LISTEN_FDS_START`).
const LISTEN_FDS_START: RawFd = 3;

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

/// Takes ownership of a descriptor our parent left open for us, after checking it is open.
fn take_fd(fd: RawFd) -> io::Result<File> {
    // SAFETY: fcntl only reads the descriptor's flags; it fails with EBADF if it is not open.
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
/// Starts `exe` with the listening socket as descriptor 3 and waits until it writes `ready`.
/// On any failure the new process is killed and reaped, and the caller keeps serving.
pub async fn start_successor(
    exe: &Path,
    args: &[String],
    listener: RawFd,
    deadline: Duration,
) -> Result<u32, HandoverError> {
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

    let mut command = Command::new(exe);
    command
        .args(args)
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID") // listenfd accepts a missing pid; see the page
        .env("READY_FD", writer_fd.to_string())
        .stdin(Stdio::null());
    // SAFETY: the closure runs in the child between fork and exec, where only
    // async-signal-safe functions may be called; it calls only dup2 and fcntl, allocates
    // nothing and takes no lock. Every descriptor it names is open in the parent.
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
    let mut child = command.spawn().map_err(HandoverError::Spawn)?;
    // Our copy of the write end must go, or the read below would never see end-of-file.
    drop(writer_copy);

    let started = tokio::time::Instant::now();
    let read = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(reader).read_line(&mut line).map(|_| line)
    });
    let heard = match tokio::time::timeout(deadline, read).await {
        Ok(Ok(Ok(line))) if line == "ready\n" => return Ok(child.id()),
        Ok(Ok(Ok(_))) => None, // end of file: it closed the pipe without a word
        Ok(Ok(Err(error))) => Some(format!("could not be heard ({error})")),
        Ok(Err(error)) => Some(format!("could not be heard ({error})")),
        Err(_) => {
            let _ = child.kill();
            reap(child).await;
            return Err(HandoverError::Timeout(deadline));
        }
    };
    // It is exiting, most likely (its error message on the way): let it, up to the deadline.
    let status = exit_status(child, started + deadline).await;
    Err(HandoverError::NotReady(
        heard.unwrap_or(format!("exited ({status})")),
    ))
}
// ANCHOR_END: spawn

/// Waits for a child to exit until `deadline`, then kills it; reaps it either way.
async fn exit_status(mut child: Child, deadline: tokio::time::Instant) -> String {
    while tokio::time::Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) => return status.to_string(),
            Ok(None) => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(error) => return format!("wait failed: {error}"),
        }
    }
    let _ = child.kill();
    reap(child).await
}

/// Waits for a child that has exited or been killed, so it leaves no zombie behind.
async fn reap(mut child: Child) -> String {
    match tokio::task::spawn_blocking(move || child.wait()).await {
        Ok(Ok(status)) => status.to_string(),
        Ok(Err(error)) => format!("wait failed: {error}"),
        Err(error) => format!("wait failed: {error}"),
    }
}
