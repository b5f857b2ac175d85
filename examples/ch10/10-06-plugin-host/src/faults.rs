//! The faults of 10.6's side-by-side table, provoked against the real loader. Each runs in a
//! child process (a fault may kill the host), which prints what it observed as `cell: …`; the
//! parent turns the child's end (exit code, signal, a hang the watchdog reported) into a cell.
//! The tests and `examples/faults_dylib.rs` both use this; they differ only in which program
//! is the child.

use std::error::Error;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use greeter_plugin_abi::HostState;

use crate::compile::{PluginCompiler, PluginSource, fixture, install_bytes, library_file_name};
use crate::plugin::{CallError, LoadError, Plugin, PluginDir};
use crate::watchdog::{Call, Watchdog};

/// The rows of the table, in order.
pub const FAULTS: [&str; 12] = [
    "panic",
    "abort",
    "segfault",
    "exit",
    "endless-loop",
    "thread-left-running",
    "wrong-version",
    "missing-entry",
    "truncated-file",
    "garbage-file",
    "replaced-while-writing",
    "rapid-swaps-200",
];

/// Which fault a child process provokes, and where the built plugins are.
pub const FAULT_VAR: &str = "GREETER_FAULT";
pub const PLUGINS_VAR: &str = "GREETER_FAULT_PLUGINS";

/// How long a call may run before the watchdog reports it: the call timeout the child-process
/// column's endless-loop row sets, so that both columns wait as long.
const CALL_LIMIT: Duration = Duration::from_millis(500);
/// How long a child the watchdog reported is given before the kill.
const GRACE: Duration = Duration::from_millis(500);

/// Every plugin the faults load.
pub fn plugin_sources() -> Vec<PluginSource> {
    vec![
        fixture("greeter-v1", "v1", &[]),
        fixture("greeter-v2", "v2", &[]),
        fixture("panics", "panics", &[]),
        fixture("panics-default-hook", "panics", &["default_panic_hook"]),
        fixture("wrong-abi", "wrong_abi", &[]),
        fixture("missing-symbol", "missing_symbol", &[]),
        fixture("aborts", "faults", &["fault=\"abort\""]),
        fixture("exits", "faults", &["fault=\"exit\""]),
        fixture("segfaults", "faults", &["fault=\"segfault\""]),
        fixture("loops", "faults", &["fault=\"endless_loop\""]),
        fixture(
            "leaves-thread",
            "faults",
            &["fault=\"thread_left_running\""],
        ),
        fixture("aborts-at-load", "faults", &["fault=\"abort_at_load\""]),
        fixture("worker-thread", "worker_thread", &[]),
    ]
}

/// Builds every plugin of [`plugin_sources`] into `dir`.
pub fn build_plugins(dir: &Path) -> io::Result<()> {
    PluginCompiler::new(dir)?.build_all(&plugin_sources())?;
    Ok(())
}

/// A child process of `program` that provokes `fault` with the plugins built in `plugins`,
/// with its own temporary directory `temp` (where the host puts its private copies) and
/// `RUST_BACKTRACE=1`, the setting that once leaked memory on every panic.
pub fn child(program: &Path, args: &[&str], fault: &str, plugins: &Path, temp: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env(FAULT_VAR, fault)
        .env(PLUGINS_VAR, plugins)
        .env("TMPDIR", temp)
        .env("RUST_BACKTRACE", "1");
    command
}

/// Runs a child that provokes a fault and says what became of it: the `cell:` line it printed
/// if it lived, else how it ended. A child still running after the watchdog reported it is
/// hung: only a kill ends it. A child whose own check failed (`check failed:`) is an error, not
/// a cell.
pub fn observe(mut command: Command) -> io::Result<String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let (lines, receive) = mpsc::channel();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    drop(lines);
    let mut seen = Seen::default();
    let mut still_running = false;
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        match receive.recv_timeout(Duration::from_millis(10)) {
            Ok(line) => seen.absorb(&line),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Both pipes closed: the child has exited (or closed them; then wait tells).
            Err(mpsc::RecvTimeoutError::Disconnected) => break Some(child.wait()?),
        }
        if seen.hang.is_some() || Instant::now() > deadline {
            // A reported hang gets `GRACE` more, to show that nothing but a kill ends it.
            if seen.hang.is_some() {
                std::thread::sleep(GRACE);
                still_running = child.try_wait()?.is_none();
            }
            child.kill()?;
            child.wait()?; // reaped: no zombie
            break None;
        }
    };
    receive.iter().for_each(|line| seen.absorb(&line)); // what the pipes still held
    if let Some(failed) = seen.failed {
        return Err(io::Error::other(format!(
            "the child's check failed: {failed}"
        )));
    }
    let step = seen.step.as_deref().unwrap_or("start");
    Ok(match (status, seen.hang) {
        (None, Some(report)) if still_running => {
            format!("host hung: {report}, still running {GRACE:?} later: only a kill ends it")
        }
        (None, Some(report)) => format!("host hung: {report}, then ended before the kill"),
        (None, None) => format!("host hung: no report within 60 s, during {step}"),
        (Some(status), _) if status.success() => {
            seen.cell.unwrap_or_else(|| "no cell printed".to_owned())
        }
        (Some(status), _) => format!("host died: {}, during {step}", ending(status)),
    })
}

/// The last `cell:`, `step:`, `watchdog:` and `check failed:` lines a child printed.
#[derive(Default)]
struct Seen {
    cell: Option<String>,
    step: Option<String>,
    hang: Option<String>,
    failed: Option<String>,
}

impl Seen {
    fn absorb(&mut self, line: &str) {
        let Some((key, text)) = line.split_once(": ") else {
            return;
        };
        let field = match key {
            "cell" => &mut self.cell,
            "step" => &mut self.step,
            "watchdog" => &mut self.hang,
            "check failed" => &mut self.failed,
            _ => return,
        };
        *field = Some(text.to_owned());
    }
}

fn ending(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("the process exited with {code}"),
        (None, Some(libc::SIGABRT)) => "SIGABRT".to_owned(),
        (None, Some(libc::SIGSEGV)) => "SIGSEGV".to_owned(),
        (None, Some(libc::SIGBUS)) => "SIGBUS".to_owned(),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => format!("{status}"),
    }
}

/// In a child started by [`child`]: provokes the fault and prints `cell: …`; a fault that
/// kills the process prints `step: …` first. `None` when this process is no such child.
pub fn run_as_child() -> Option<Result<(), Box<dyn Error>>> {
    let fault = std::env::var(FAULT_VAR).ok()?;
    let plugins = PathBuf::from(std::env::var_os(PLUGINS_VAR)?);
    Some(match provoke(&fault, &plugins) {
        Ok(cell) => {
            println!("cell: {cell}");
            Ok(())
        }
        Err(error) => {
            println!("check failed: {error}");
            Err(error)
        }
    })
}

fn step(what: &str) {
    println!("step: {what}");
    let _ = io::stdout().flush();
}

/// A host with its own plugin directory, running greeter v1.
struct Host {
    plugins: PluginDir,
    library: PathBuf,
    built: PathBuf,
    active: Plugin,
    state: HostState,
    _dir: tempfile::TempDir,
}

impl Host {
    fn new(built: &Path) -> Result<Host, Box<dyn Error>> {
        let dir = tempfile::tempdir()?;
        let library = dir.path().join(library_file_name("greeter"));
        install_bytes(
            &fs::read(built.join(library_file_name("greeter-v1")))?,
            &library,
        )?;
        let plugins = PluginDir::new(dir.path())?;
        let active = plugins.load(&library)?;
        let mut host = Host {
            plugins,
            library,
            built: built.to_owned(),
            active,
            state: HostState::default(),
            _dir: dir,
        };
        host.greet()?;
        Ok(host)
    }

    fn install(&self, name: &str) -> io::Result<()> {
        install_bytes(
            &fs::read(self.built.join(library_file_name(name)))?,
            &self.library,
        )
    }

    fn reload(&mut self) -> Result<(), LoadError> {
        self.active = self.plugins.load(&self.library)?;
        Ok(())
    }

    fn greet(&mut self) -> Result<String, CallError> {
        self.active.greet(&mut self.state, "Ada")
    }

    /// Installs `name`, reloads and greets: the fault happens somewhere in there.
    fn swap_to(&mut self, name: &str) -> Result<Result<String, CallError>, LoadError> {
        self.install(name).map_err(|error| LoadError::Io {
            file: self.library.clone(),
            error,
        })?;
        step("dlopen");
        self.reload()?;
        step("greet");
        Ok(self.greet())
    }

    /// After a refused reload: is the previous plugin still answering, with the state kept?
    fn kept(&mut self, error: &LoadError, cell: &str) -> Result<String, Box<dyn Error>> {
        let greetings = self.state.greetings;
        self.greet()?;
        if self.state.greetings != greetings + 1 {
            return Err(format!("state lost after {error}").into());
        }
        Ok(format!("kept last good: {cell}"))
    }
}

fn unexpected(what: impl std::fmt::Debug) -> Box<dyn Error> {
    format!("unexpected outcome: {what:?}").into()
}

/// Provokes one fault in this process and describes what the host observed.
fn provoke(fault: &str, built: &Path) -> Result<String, Box<dyn Error>> {
    let mut host = Host::new(built)?;
    match fault {
        "panic" => {
            let greetings = host.state.greetings;
            match host.swap_to("panics")? {
                Err(CallError::Panicked { message }) if host.state.greetings == greetings => {
                    let at = message.rsplit_once("(at ").map_or("", |(_, at)| at);
                    let at = at.trim_end_matches(')');
                    Ok(format!(
                        "clear error: the panic at {at} is caught, state kept"
                    ))
                }
                other => Err(unexpected(other)),
            }
        }
        "abort" => Err(unexpected(host.swap_to("aborts"))),
        "segfault" => Err(unexpected(host.swap_to("segfaults"))),
        "exit" => Err(unexpected(host.swap_to("exits"))),
        "endless-loop" => {
            let watchdog = Watchdog::new(CALL_LIMIT, |what, _running| {
                eprintln!("watchdog: {what} still running after {CALL_LIMIT:?}");
            })?;
            let armed = watchdog.arm(Call::Greet);
            let result = host.swap_to("loops");
            drop(armed);
            Err(unexpected(result))
        }
        "thread-left-running" => threads_after_swap(&mut host, "leaves-thread"),
        "wrong-version" => match host.swap_to("wrong-abi") {
            Err(
                error @ LoadError::WrongAbiVersion {
                    found, expected, ..
                },
            ) => host.kept(
                &error,
                &format!("refused, built for ABI {found}, host has {expected}"),
            ),
            other => Err(unexpected(other)),
        },
        "missing-entry" => match host.swap_to("missing-symbol") {
            Err(error @ LoadError::MissingSymbol { symbol, .. }) => {
                host.kept(&error, &format!("refused, no `{symbol}` export"))
            }
            other => Err(unexpected(other)),
        },
        "truncated-file" => {
            let v2 = fs::read(built.join(library_file_name("greeter-v2")))?;
            install_bytes(&v2[..v2.len() / 2], &host.library)?;
            match host.reload() {
                Err(error @ LoadError::Incomplete { .. }) => {
                    host.kept(&error, "refused, shorter than its ELF headers say")
                }
                other => Err(unexpected(other.map(|()| "loaded"))),
            }
        }
        "garbage-file" => garbage(&mut host, built),
        "replaced-while-writing" => replaced_while_writing(&mut host, built),
        "rapid-swaps-200" => rapid_swaps(&mut host),
        // Not rows of the table: a plugin that stops its thread in `shutdown`, a library
        // whose constructor aborts inside `dlopen`, and what the default panic hook costs.
        "thread-stopped-by-shutdown" => threads_after_swap(&mut host, "worker-thread"),
        "default-hook-loads" => default_hook_loads(&mut host),
        "abort-at-load" => Err(unexpected(host.swap_to("aborts-at-load"))),
        _ => Err(format!("no such fault: {fault}").into()),
    }
}

/// Loads `name`, whose first greeting starts a thread, then swaps back to v1: does the thread
/// run on, and is the old copy still mapped?
fn threads_after_swap(host: &mut Host, name: &str) -> Result<String, Box<dyn Error>> {
    let threads_before = threads()?;
    host.swap_to(name)?.map_err(unexpected)?;
    let old_copy = host.active.copy_path().to_owned();
    if threads()? != threads_before + 1 {
        return Err(unexpected("no thread started"));
    }
    host.install("greeter-v1")?;
    host.reload()?;
    host.greet()?;
    let runs_on = threads()? > threads_before;
    let maps = fs::read_to_string("/proc/self/maps")?;
    let mapped = maps.contains(old_copy.to_string_lossy().as_ref());
    // v1 answers either way; what the old version left behind decides the label.
    let label = if runs_on || mapped {
        "leaked"
    } else {
        "kept last good"
    };
    Ok(format!(
        "{label}: its thread {}, its copy {}",
        if runs_on { "runs on" } else { "stopped" },
        if mapped { "stays mapped" } else { "unmapped" }
    ))
}

/// The threads of this process.
fn threads() -> io::Result<usize> {
    Ok(fs::read_dir("/proc/self/task")?.count())
}

/// A file that is not ELF is refused; one whose middle is zeroed, at full length, is not.
fn garbage(host: &mut Host, built: &Path) -> Result<String, Box<dyn Error>> {
    install_bytes(b"#!/bin/sh\necho not a library\n", &host.library)?;
    match host.reload() {
        Err(LoadError::NotALibrary { .. }) => {}
        other => return Err(unexpected(other.map(|()| "loaded"))),
    }
    let mut bytes = fs::read(built.join(library_file_name("greeter-v2")))?;
    let length = bytes.len();
    bytes[length / 4..length * 3 / 4].fill(0);
    install_bytes(&bytes, &host.library)?;
    step("dlopen of an ELF file with a zeroed middle");
    match host.reload() {
        Err(error) => host.kept(&error, &format!("refused: {error}")),
        Ok(()) => Ok(format!("loaded, then greeted: {:?}", host.greet())),
    }
}

/// A writer copies v2 over the library in place (`cp` truncates, then writes) while the host
/// reloads it again and again: each reload sees a part of the file, or all of it.
fn replaced_while_writing(host: &mut Host, built: &Path) -> Result<String, Box<dyn Error>> {
    let v2 = fs::read(built.join(library_file_name("greeter-v2")))?;
    let v2_len = v2.len() as u64;
    let library = host.library.clone();
    let writer = std::thread::spawn(move || -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&library)?;
        for chunk in v2.chunks(v2.len() / 64 + 1) {
            file.write_all(chunk)?;
            file.flush()?;
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    });
    let (mut refused, mut loaded) = (0, 0);
    while !writer.is_finished() {
        match host.reload() {
            Ok(()) => {
                // v1, whole, before the truncation; or v2, which must then be whole: the file
                // only grows, so what the host read is at most what is there now.
                let answer = host.greet()?;
                let now = fs::metadata(&host.library)?.len();
                if answer.starts_with("Good day") && now < v2_len {
                    return Err(unexpected(("a partial file loaded", now, v2_len)));
                }
                loaded += 1;
            }
            Err(LoadError::Incomplete { .. } | LoadError::NotALibrary { .. }) => refused += 1,
            Err(other) => return Err(unexpected(other)),
        }
    }
    writer.join().map_err(|_| "writer panicked")??;
    host.reload()?;
    let answer = host.greet()?;
    if refused == 0 || !answer.starts_with("Good day") {
        return Err(unexpected((refused, loaded, answer)));
    }
    Ok("kept last good: each partial file refused, then the whole one loaded".to_owned())
}

/// 200 swaps through a plugin that panics on every greeting, v2 and v1, ending on v2 (the
/// panic handler of a plugin's own `std` once kept tens of megabytes per load with
/// `RUST_BACKTRACE=1`).
fn rapid_swaps(host: &mut Host) -> Result<String, Box<dyn Error>> {
    let before = Usage::now()?;
    let greetings = host.state.greetings;
    let mut answered = 0;
    for i in 0..200 {
        let name = ["panics", "greeter-v2", "greeter-v1"][i % 3];
        match (name, host.swap_to(name)?) {
            ("panics", Err(CallError::Panicked { .. })) => {}
            (_, Ok(_)) => answered += 1,
            other => return Err(unexpected(other)),
        }
    }
    let last = host.greet()?; // the 200th swap was to v2
    let after = Usage::now()?;
    let copies = after.mapped_copies;
    let grown_mb = after.rss_kb.saturating_sub(before.rss_kb) / 1024;
    let counted = host.state.greetings == greetings + answered + 1;
    if after.fds != before.fds || copies != 1 || grown_mb >= 32 || !counted {
        return Err(unexpected((before, after, answered, host.state.greetings)));
    }
    if !last.starts_with("Good day") {
        return Err(unexpected(last));
    }
    Ok(
        "kept last good: v2 answers, every greeting counted, 1 copy mapped, no fd leaked, \
        RSS under 32 MB more"
            .to_owned(),
    )
}

/// Loads of a plugin that panics with the default hook of its own `std` back in place, which
/// prints a backtrace (`RUST_BACKTRACE=1`): the resident memory each load keeps, measured after
/// swapping back to v1 each time.
fn default_hook_loads(host: &mut Host) -> Result<String, Box<dyn Error>> {
    const LOADS: u64 = 5;
    let before = Usage::now()?;
    for _ in 0..LOADS {
        match host.swap_to("panics-default-hook")? {
            Err(CallError::Panicked { .. }) => {}
            other => return Err(unexpected(other)),
        }
        host.swap_to("greeter-v1")??;
    }
    let after = Usage::now()?;
    let kept_mb = after.rss_kb.saturating_sub(before.rss_kb) / 1024 / LOADS;
    Ok(format!(
        "each load kept {kept_mb} MB; {} copies mapped",
        after.mapped_copies
    ))
}

/// What a process holds: open files, mapped plugin copies, resident memory.
#[derive(Debug)]
pub struct Usage {
    pub fds: usize,
    pub mapped_copies: usize,
    pub rss_kb: u64,
}

impl Usage {
    pub fn now() -> io::Result<Usage> {
        let fds = fs::read_dir("/proc/self/fd")?.count();
        let maps = fs::read_to_string("/proc/self/maps")?;
        let mut copies: Vec<&str> = maps
            .lines()
            .filter_map(|line| line.split_whitespace().nth(5))
            .filter(|path| path.contains("greeter-copy-"))
            .collect();
        copies.dedup();
        let statm = fs::read_to_string("/proc/self/statm")?;
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|resident| resident.parse().ok())
            .ok_or_else(|| io::Error::other("unreadable /proc/self/statm"))?;
        // SAFETY: sysconf has no preconditions.
        let page_kb = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64 / 1024;
        Ok(Usage {
            fds,
            mapped_copies: copies.len(),
            rss_kb: pages * page_kb,
        })
    }
}
