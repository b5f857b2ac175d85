//! The host's side: start a plugin program, shake hands, call it with a deadline, stop it,
//! and a `Host` that keeps the state and goes on with the last good plugin after a fault.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

use crate::protocol::{self, MAX_LINE, PROTOCOL_VERSION, ReadLine, Reply, Request};

/// What to start: a program and its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct PluginCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl PluginCommand {
    pub fn new(program: impl Into<PathBuf>) -> PluginCommand {
        PluginCommand {
            program: program.into(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> PluginCommand {
        self.args.push(arg.into());
        self
    }

    /// The program's file name and arguments, as messages name it.
    pub fn label(&self) -> String {
        let name = self.program.file_name().unwrap_or(self.program.as_os_str());
        let mut label = name.to_string_lossy().into_owned();
        for arg in &self.args {
            label.push(' ');
            label.push_str(&arg.to_string_lossy());
        }
        label
    }
}

/// How long the host waits for a plugin.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// From starting the program to its answer to the handshake.
    pub start: Duration,
    /// For the reply to one request.
    pub call: Duration,
    /// From closing its stdin (or seeing its stdout closed) to killing it.
    pub stop: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            start: Duration::from_secs(5),
            call: Duration::from_secs(2),
            stop: Duration::from_secs(2),
        }
    }
}

/// Everything that can go wrong with a plugin. Except for `RequestTooLong` and a greeting's
/// `Refused`, the plugin's process has been killed (if it was still running) and waited for.
#[derive(Debug)]
pub enum PluginError {
    /// The program did not start: missing, not executable, not a program, being written.
    Spawn { program: String, source: io::Error },
    /// It answered the handshake with another protocol version.
    WrongVersion { plugin: String, found: u32 },
    /// No reply in time.
    Timeout { waited: Duration },
    /// It exited, or a signal killed it, before it replied.
    Exited { status: ExitStatus },
    /// It closed its stdout but did not exit.
    ClosedStdout,
    /// A reply longer than `MAX_LINE`.
    TooLong,
    /// A line that is not a reply of this protocol.
    Garbage { error: String },
    /// A reply of the wrong kind (a greeting to the handshake, …).
    Unexpected { reply: String },
    /// The plugin answered with an error message: to a greeting, and it is still running; or
    /// to the handshake, and it was not started (`start` and `reload` kill it).
    Refused { message: String },
    /// The request is longer than `MAX_LINE`; nothing was sent.
    RequestTooLong,
    /// The previous request is still not written: the plugin does not read its stdin.
    NotReading,
    /// Reading its stdout failed.
    Io(io::Error),
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginError::Spawn { program, source } => write!(f, "cannot start {program}: {source}"),
            PluginError::WrongVersion { plugin, found } => write!(
                f,
                "{plugin} speaks protocol {found}, this host speaks {PROTOCOL_VERSION}"
            ),
            PluginError::Timeout { waited } => write!(f, "no reply within {waited:?}, killed"),
            PluginError::Exited { status } => {
                write!(f, "the plugin died before replying: {}", describe(status))
            }
            PluginError::ClosedStdout => write!(f, "the plugin closed its stdout, killed"),
            PluginError::TooLong => write!(f, "a reply longer than {MAX_LINE} bytes, killed"),
            PluginError::Garbage { error } => write!(f, "not a reply ({error}), killed"),
            PluginError::Unexpected { reply } => write!(f, "unexpected reply {reply}, killed"),
            PluginError::Refused { message } => write!(f, "the plugin refused: {message}"),
            PluginError::RequestTooLong => {
                write!(f, "request longer than {MAX_LINE} bytes, not sent")
            }
            PluginError::NotReading => write!(f, "the plugin does not read its requests, killed"),
            PluginError::Io(error) => write!(f, "reading the plugin's reply: {error}"),
        }
    }
}

impl std::error::Error for PluginError {}

impl PluginError {
    /// The plugin wrote what this protocol does not allow, or stopped reading or writing its
    /// pipes: a fault of the version, whatever the request. (A crash or a hang may be one
    /// input's.)
    pub fn broke_protocol(&self) -> bool {
        matches!(
            self,
            PluginError::NotReading
                | PluginError::Unexpected { .. }
                | PluginError::Garbage { .. }
                | PluginError::TooLong
                | PluginError::ClosedStdout
        )
    }
}

/// `exit status 3`, or on Unix `killed by signal 11 (SIGSEGV)`. (std's own `Display` adds
/// "(core dumped)" when the system wrote a core file, which depends on the machine.)
pub fn describe(status: &ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return match signal_name(signal) {
                Some(name) => format!("killed by signal {signal} ({name})"),
                None => format!("killed by signal {signal}"),
            };
        }
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => status.to_string(),
    }
}

/// The name of a signal a crash sends (the numbers differ between systems).
#[cfg(unix)]
pub fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGTERM => "SIGTERM",
        _ => return None,
    })
}

/// How a stopped plugin ended.
#[derive(Debug)]
pub struct Stopped {
    pub status: io::Result<ExitStatus>,
    /// It had not exited `Timeouts::stop` after its stdin was closed, so it was killed.
    pub killed: bool,
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.status, self.killed) {
            (Ok(status), false) => write!(f, "exited ({})", describe(status)),
            (Ok(_), true) => write!(f, "did not exit when its stdin closed, killed"),
            (Err(error), _) => write!(f, "waiting for it failed: {error}"),
        }
    }
}

// ANCHOR: process
/// A running plugin program. Dropping it kills the process and waits for it; `stop` asks it
/// to exit first.
pub struct PluginProcess {
    command: PluginCommand,
    name: String,
    child: Child,
    /// Requests for the thread that writes the plugin's stdin. `None` once closed: the thread
    /// then closes the pipe, the plugin's signal to exit.
    requests: Option<SyncSender<Vec<u8>>>,
    /// Lines from the plugin's stdout, read by a thread of their own.
    replies: Receiver<io::Result<ReadLine>>,
    /// Set once the process has been waited for.
    ended: Option<io::Result<ExitStatus>>,
    timeouts: Timeouts,
    /// The id of the last request: a reply with another id is out of step.
    last_id: u64,
}

impl PluginProcess {
    /// Starts `command` and shakes hands: the plugin must answer `Hello` with this host's
    /// protocol version within `timeouts.start`.
    pub fn start(command: &PluginCommand, timeouts: Timeouts) -> Result<Self, PluginError> {
        let mut child = spawn(command)?;
        // std has no timeout for a pipe's reads or writes: threads do them, the host waits.
        let Pipes { requests, replies } = match pipe_threads(&mut child, command.label()) {
            Ok(pipes) => pipes,
            Err(error) => {
                // No thread for a pipe (the system is out of threads): end the child here.
                let _ = child.kill();
                let _ = child.wait();
                return Err(PluginError::Io(error));
            }
        };
        let mut plugin = PluginProcess {
            command: command.clone(),
            name: String::new(),
            child,
            requests: Some(requests),
            replies,
            ended: None,
            timeouts,
            last_id: 0,
        };
        let hello = Request::Hello {
            protocol: PROTOCOL_VERSION,
        };
        // On any error, `plugin` is dropped here: killed and waited for.
        match plugin.exchange(&hello, timeouts.start)? {
            Reply::Hello { protocol, name } if protocol == PROTOCOL_VERSION => {
                plugin.name = name;
                Ok(plugin)
            }
            Reply::Hello { protocol, name } => Err(PluginError::WrongVersion {
                plugin: name,
                found: protocol,
            }),
            Reply::Error { message, .. } => Err(PluginError::Refused { message }),
            other => Err(PluginError::Unexpected {
                reply: format!("{other:?}"),
            }),
        }
    }

    /// One greeting, with the host's count. The plugin must reply within `timeouts.call`.
    pub fn greet(&mut self, name: &str, count: u64) -> Result<String, PluginError> {
        self.last_id += 1;
        let request = Request::Greet {
            id: self.last_id,
            name: name.to_owned(),
            count,
        };
        match self.exchange(&request, self.timeouts.call)? {
            Reply::Greeting { id, text } if id == self.last_id => Ok(text),
            Reply::Error {
                id: Some(id),
                message,
            } if id == self.last_id => Err(PluginError::Refused { message }),
            // A reply to another request, or an error about no request: out of step.
            other => Err(self.kill_with(PluginError::Unexpected {
                reply: format!("{other:?}"),
            })),
        }
    }

    /// Sends one request and waits for one reply. After any error but `RequestTooLong`, the
    /// process has been killed and waited for: after a timeout a late
    /// reply would answer the next request, so a plugin is never asked again.
    fn exchange(&mut self, request: &Request, timeout: Duration) -> Result<Reply, PluginError> {
        let mut line = serde_json::to_vec(request).map_err(|e| PluginError::Io(e.into()))?;
        if line.len() > MAX_LINE {
            return Err(PluginError::RequestTooLong);
        }
        line.push(b'\n');
        let Some(requests) = &self.requests else {
            return Err(self.died());
        };
        // The writer thread writes it: a plugin that does not read misses the deadline below.
        match requests.try_send(line) {
            Err(TrySendError::Full(_)) => return Err(self.kill_with(PluginError::NotReading)),
            // Sent, or a write failed (the plugin exited?): read what it wrote, then the end.
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
        }
        match self.replies.recv_timeout(timeout) {
            Ok(Ok(ReadLine::Line(line))) => match serde_json::from_slice(&line) {
                Ok(reply) => Ok(reply),
                Err(error) => Err(self.kill_with(PluginError::Garbage {
                    error: error.to_string(),
                })),
            },
            Ok(Ok(ReadLine::TooLong)) => Err(self.kill_with(PluginError::TooLong)),
            Ok(Ok(ReadLine::End)) | Err(RecvTimeoutError::Disconnected) => Err(self.died()),
            Ok(Err(error)) => Err(self.kill_with(PluginError::Io(error))),
            Err(RecvTimeoutError::Timeout) => {
                // A process the plugin started can hold its stdout open after it exited: then
                // its exit status, not the timeout, says what happened.
                if self.wait_until(Instant::now()).is_some() {
                    return Err(self.died());
                }
                Err(self.kill_with(PluginError::Timeout { waited: timeout }))
            }
        }
    }
}
// ANCHOR_END: process

impl PluginProcess {
    /// The plugin's name, from the handshake.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn command(&self) -> &PluginCommand {
        &self.command
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Still running: not yet waited for.
    pub fn is_running(&self) -> bool {
        self.ended.is_none()
    }

    // ANCHOR: stop
    /// Closes the plugin's stdin, which tells it to exit, and waits up to `timeouts.stop`;
    /// then kills it. Either way the process is waited for: no zombie is left.
    pub fn stop(mut self) -> Stopped {
        self.requests = None;
        if let Some(status) = self.wait_until(Instant::now() + self.timeouts.stop) {
            return Stopped {
                status: Ok(status),
                killed: false,
            };
        }
        self.kill();
        let status = match &self.ended {
            Some(Ok(status)) => Ok(*status),
            Some(Err(error)) => Err(io::Error::new(error.kind(), error.to_string())),
            None => Err(io::Error::other("not waited for")),
        };
        Stopped {
            status,
            killed: true,
        }
    }

    /// The plugin closed its stdout or its stdin: it is probably exiting. Waits for it up to
    /// `timeouts.stop`, then kills it.
    fn died(&mut self) -> PluginError {
        if let Some(Ok(status)) = &self.ended {
            return PluginError::Exited { status: *status };
        }
        match self.wait_until(Instant::now() + self.timeouts.stop) {
            Some(status) => PluginError::Exited { status },
            None => self.kill_with(PluginError::ClosedStdout),
        }
    }

    /// Polls `try_wait` until `deadline`: std has no wait with a timeout. The pause doubles
    /// from 50 µs to 2 ms: a plugin that exits at once is seen at once, a slow one costs few
    /// polls.
    fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        let mut pause = Duration::from_micros(50);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.ended = Some(Ok(status));
                    self.requests = None; // ends the writer thread
                    return Some(status);
                }
                Ok(None) if Instant::now() < deadline => {
                    thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(2));
                }
                Ok(None) => return None,
                Err(error) => {
                    self.ended = Some(Err(error));
                    return None;
                }
            }
        }
    }

    fn kill_with(&mut self, error: PluginError) -> PluginError {
        self.kill();
        error
    }

    /// SIGKILL (on Unix), then wait.
    fn kill(&mut self) {
        if self.ended.is_none() {
            self.requests = None;
            let _ = self.child.kill(); // Ok as well if it has already exited
            self.ended = Some(self.child.wait());
        }
    }
    // ANCHOR_END: stop
}

impl Drop for PluginProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The host's ends of a plugin's stdin and stdout, each served by a thread.
struct Pipes {
    requests: SyncSender<Vec<u8>>,
    replies: Receiver<io::Result<ReadLine>>,
}

/// Starts the threads that write the child's stdin, read its stdout and forward its stderr.
fn pipe_threads(child: &mut Child, label: String) -> io::Result<Pipes> {
    let piped = || io::Error::other("a pipe was not set up");
    let stdin = child.stdin.take().ok_or_else(piped)?;
    let stdout = child.stdout.take().ok_or_else(piped)?;
    let stderr = child.stderr.take().ok_or_else(piped)?;
    let requests = write_lines_on_a_thread(stdin)?;
    let replies = read_lines_on_a_thread(stdout)?;
    forward_stderr(stderr, label)?;
    Ok(Pipes { requests, replies })
}

/// Reads `stdout` line by line on a thread of its own, sending each line (or the end) into
/// the channel it returns. The channel holds one line: while it is full the thread waits, the
/// pipe fills and a plugin that writes more blocks, so however much it writes the host holds
/// at most two lines of it. Portable and safe, unlike `poll(2)` through `libc`; the thread
/// ends when the pipe closes (the process exited) or the host drops the receiver.
fn read_lines_on_a_thread(
    stdout: impl Read + Send + 'static,
) -> io::Result<Receiver<io::Result<ReadLine>>> {
    let (lines, replies) = mpsc::sync_channel(1);
    thread::Builder::new().spawn(move || {
        let mut stdout = BufReader::new(stdout);
        loop {
            let line = protocol::read_line(&mut stdout, MAX_LINE);
            let last = !matches!(line, Ok(ReadLine::Line(_)));
            if lines.send(line).is_err() || last {
                return;
            }
        }
    })?;
    Ok(replies)
}

/// Writes each line it is sent to `stdin`, on a thread of its own, so that a write into a
/// full pipe never blocks the host: it only makes the plugin miss its deadline. The thread
/// ends, closing the pipe, when the host drops the sender or a write fails.
fn write_lines_on_a_thread(
    mut stdin: impl Write + Send + 'static,
) -> io::Result<SyncSender<Vec<u8>>> {
    // One request at a time: the host sends the next once the previous one is answered.
    let (requests, lines) = mpsc::sync_channel::<Vec<u8>>(1);
    thread::Builder::new().spawn(move || {
        for line in lines {
            if stdin.write_all(&line).and_then(|()| stdin.flush()).is_err() {
                return;
            }
        }
    })?;
    Ok(requests)
}

/// Starts the program with all three pipes. "Text file busy" (ETXTBSY) means the file is
/// open for writing: still being written, or, in a program that writes plugins itself (the
/// tests do), for an instant held by a process another thread is starting, which keeps a copy
/// of every descriptor until it runs its program. Only the second passes: it is retried.
fn spawn(command: &PluginCommand) -> Result<Child, PluginError> {
    let mut tries = 0;
    loop {
        let spawned = Command::new(&command.program)
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Err(error) if error.kind() == io::ErrorKind::ExecutableFileBusy && tries < 5 => {
                tries += 1;
                thread::sleep(Duration::from_millis(20));
            }
            spawned => {
                return spawned.map_err(|source| PluginError::Spawn {
                    program: command.label(),
                    source,
                });
            }
        }
    }
}

/// Copies the plugin's stderr to the host's, each line prefixed with `label`, on a thread of
/// its own: the pipe is always read, so a plugin writing to stderr never blocks on a full
/// pipe, even when writing to the host's stderr fails (`eprintln!` would panic, ending the
/// thread). The thread ends when the pipe closes.
fn forward_stderr(stderr: impl Read + Send + 'static, label: String) -> io::Result<()> {
    thread::Builder::new().spawn(move || {
        let mut stderr = BufReader::new(stderr);
        let mut line = Vec::new();
        loop {
            line.clear();
            // At most 4 KiB at a time: a line without end is forwarded in pieces.
            match stderr.by_ref().take(4096).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim_end_matches('\n');
                    let _ = writeln!(io::stderr().lock(), "[{label}] {text}");
                }
            }
        }
    })?;
    Ok(())
}

// ANCHOR: host
/// Keeps the state (the greeting count) and one running plugin. After a fault it goes on with
/// the last plugin that answered a greeting, restarted if it died; a plugin that broke the
/// protocol loses that place to the one that held it before.
pub struct Host {
    /// The plugin that serves requests, or is restarted to.
    command: PluginCommand,
    running: Option<PluginProcess>,
    /// The last plugin that answered a greeting and has not broken the protocol since.
    last_good: Option<PluginCommand>,
    /// The last good plugin before it: where the host goes back to if it breaks the protocol.
    good_before: Option<PluginCommand>,
    greetings: u64,
    timeouts: Timeouts,
}

impl Host {
    pub fn start(command: &PluginCommand, timeouts: Timeouts) -> Result<Host, PluginError> {
        let running = PluginProcess::start(command, timeouts)?;
        Ok(Host {
            command: command.clone(),
            running: Some(running),
            last_good: None,
            good_before: None,
            greetings: 0,
            timeouts,
        })
    }

    /// Starts `command` and switches to it once it has shaken hands, then stops the old
    /// plugin. On error nothing changes: the old plugin goes on serving.
    pub fn reload(&mut self, command: &PluginCommand) -> Result<Option<Stopped>, PluginError> {
        let new = PluginProcess::start(command, self.timeouts)?;
        self.command = command.clone();
        let old = self.running.replace(new);
        Ok(old.map(PluginProcess::stop))
    }

    /// One greeting, counted only if it arrives. After a fault this also waits for the dead
    /// plugin (up to `Timeouts::stop`) and starts the last good one (up to `Timeouts::start`),
    /// so one call can take the three timeouts together, not only `Timeouts::call`.
    pub fn greet(&mut self, name: &str) -> Result<String, PluginError> {
        let count = self.greetings + 1;
        let plugin = match &mut self.running {
            Some(plugin) => plugin,
            None => self
                .running
                .insert(PluginProcess::start(&self.command, self.timeouts)?),
        };
        let result = plugin.greet(name, count);
        match &result {
            Ok(_) => {
                self.greetings = count; // only a greeting that arrived counts
                if self.last_good.as_ref() != Some(&self.command) {
                    self.good_before = self.last_good.replace(self.command.clone());
                }
            }
            Err(error) if !plugin.is_running() => {
                if error.broke_protocol() && self.last_good.as_ref() == Some(&self.command) {
                    self.last_good = self.good_before.take();
                }
                // Back to the last good plugin (this one, if it only died), started afresh. If
                // that fails, the next greeting tries again and returns the error.
                if let Some(good) = &self.last_good {
                    self.command = good.clone();
                }
                self.running = PluginProcess::start(&self.command, self.timeouts).ok();
            }
            Err(_) => {} // refused: the plugin is fine
        }
        result
    }
}
// ANCHOR_END: host

impl Host {
    /// For the plugins started from now on.
    pub fn set_timeouts(&mut self, timeouts: Timeouts) {
        self.timeouts = timeouts;
    }

    pub fn greetings(&self) -> u64 {
        self.greetings
    }

    /// The running plugin, if any (none only when restarting it failed; the next greeting
    /// tries again).
    pub fn plugin(&self) -> Option<&PluginProcess> {
        self.running.as_ref()
    }

    /// Stops the running plugin (close its stdin, wait, kill if need be).
    pub fn shut_down(mut self) -> Option<Stopped> {
        self.running.take().map(PluginProcess::stop)
    }
}

/// The directory holding this package's binaries (`target/debug/` or `target/release/`).
/// `cargo run` builds only the program it runs, so when cargo runs us (it sets `CARGO`), the
/// plugin binaries are built first, into the same directory.
pub fn plugin_dir() -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().unwrap_or(Path::new(".")).to_owned();
    // An example runs from target/debug/examples/, a test or bench from target/debug/deps/.
    if dir.ends_with("examples") || dir.ends_with("deps") {
        dir.pop();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let mut build = Command::new(cargo);
        build
            .args(["build", "--quiet", "--bins", "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .stdout(Stdio::null());
        if let Some(target_dir) = dir.parent() {
            build.env("CARGO_TARGET_DIR", target_dir);
        }
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let status = build.status()?;
        if !status.success() {
            return Err(io::Error::other(format!(
                "building the plugins failed ({status})"
            )));
        }
    }
    Ok(dir)
}

/// The binaries of this package, in `dir`.
pub struct Plugins<'a> {
    pub dir: &'a Path,
}

impl Plugins<'_> {
    pub fn program(&self, name: &str) -> PluginCommand {
        PluginCommand::new(
            self.dir
                .join(format!("{name}{}", std::env::consts::EXE_SUFFIX)),
        )
    }

    pub fn v1(&self) -> PluginCommand {
        self.program("greeter-plugin")
    }

    pub fn v2(&self) -> PluginCommand {
        self.program("greeter-v2")
    }

    pub fn faulty(&self, mode: &str) -> PluginCommand {
        self.program("greeter-faulty").arg(mode)
    }
}
