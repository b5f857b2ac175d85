//! The faults of the book's fault table (recipe 10.6, "What each way of reloading code
//! survives"), each provoked against the real `Host`: `examples/faults_process.rs` prints one line per row, and
//! `tests/fault_table.rs` checks them (alone in its test binary: a row counts this process's
//! children, open files and threads). A cell says what the run observed.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::host::{Host, PluginCommand, PluginError, Plugins, Timeouts, describe, signal_name};
use crate::protocol::{MAX_LINE, PROTOCOL_VERSION};

/// The rows, in the table's order.
pub const KEYS: [&str; 12] = [
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

/// Generous for a loaded machine; where a fault has to be waited out, a row shortens one.
const TIMEOUTS: Timeouts = Timeouts {
    start: Duration::from_secs(10),
    call: Duration::from_secs(3),
    stop: Duration::from_secs(5),
};

/// The rows that run first, one at a time: the one that counts this process's children, open
/// files and threads, and the two that write a program and start it. A file being written
/// while another thread starts a process is open in that child until it `exec`s, and starting
/// the file meanwhile fails with "Text file busy".
const ALONE: [&str; 3] = ["rapid-swaps-200", "truncated-file", "garbage-file"];

/// Every row, `KEY | CELL`, in the table's order. The rows in `ALONE` run first, one after
/// another; the others then run side by side, each with its own host. `scratch` is an empty
/// directory for the files they write.
pub fn rows(plugins: &Plugins, scratch: &Path) -> Vec<String> {
    let alone: Vec<String> = ALONE.iter().map(|key| row(key, plugins, scratch)).collect();
    let mut others = std::thread::scope(|scope| {
        let runs: Vec<_> = KEYS
            .iter()
            .filter(|key| !ALONE.contains(key))
            .map(|&key| scope.spawn(move || row(key, plugins, scratch)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a row's scenario panicked"))
            .collect::<Vec<_>>()
            .into_iter()
    });
    KEYS.iter()
        .map(|key| match ALONE.iter().position(|alone| alone == key) {
            Some(at) => alone[at].clone(),
            None => others.next().expect("one row per key"),
        })
        .collect()
}

/// `KEY | CELL` for one row; `scratch` is an empty directory for the files it writes.
pub fn row(key: &str, plugins: &Plugins, scratch: &Path) -> String {
    let cell = match cell(key, plugins, scratch) {
        Ok(cell) => cell,
        Err(error) => format!("n/a: the scenario itself failed: {error}"),
    };
    format!("{key} | {cell}")
}

fn cell(
    key: &str,
    plugins: &Plugins,
    scratch: &Path,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut host = Host::start(&plugins.v1(), TIMEOUTS)?;
    host.greet("Ada")?;
    let v1_pid = host.plugin().map(|p| p.id());
    let cell = match key {
        "panic" | "abort" | "segfault" | "exit" | "endless-loop" => {
            let mode = if key == "endless-loop" { "hang" } else { key };
            if key == "endless-loop" {
                // Waited out: a short call timeout for this plugin alone.
                host.set_timeouts(Timeouts {
                    call: Duration::from_millis(500),
                    ..TIMEOUTS
                });
            }
            host.reload(&plugins.faulty(mode))?;
            let before = host.greetings();
            let error = match host.greet("Ada") {
                Ok(_) => return Ok("n/a: no fault, it greeted".to_owned()),
                Err(error) => error,
            };
            // The greeting in progress failed, and is not retried: a clear error.
            match last_good_serves(&mut host, before)? {
                None => format!("clear error: {}, last good restarted", short(&error)),
                Some(wrong) => format!("state lost: {}; {wrong}", short(&error)),
            }
        }
        "thread-left-running" => {
            host.reload(&plugins.faulty(key))?;
            host.greet("Ada")?;
            let pid = host.plugin().ok_or("no plugin")?.id();
            // Its main thread and the one its greeting started (Linux lists them in /proc).
            let threads = fs::read_dir(format!("/proc/{pid}/task"))?.count();
            if threads < 2 {
                return Ok(format!("n/a: the plugin runs {threads} thread"));
            }
            let stopped = host.reload(&plugins.v1())?.ok_or("no old plugin")?;
            // A process ends with all its threads: the exit status says it ended, and it is
            // gone from /proc once waited for.
            let gone = !Path::new(&format!("/proc/{pid}")).exists();
            let detail = format!(
                "replaced; {stopped}, {}",
                if gone {
                    "its threads with it"
                } else {
                    "but it is still listed"
                }
            );
            kept(&mut host, &detail)?
        }
        "wrong-version" => refused(&mut host, &plugins.faulty("wrong-version"), v1_pid)?,
        // A process has one entry point, `main`: the nearest fault is a program that is not a
        // plugin of this protocol.
        "missing-entry" => refused(&mut host, &plugins.faulty("not-a-plugin"), v1_pid)?,
        "truncated-file" => {
            // Half of what the loader maps: half of the whole file of a debug build still
            // runs, its second half being debug information.
            let built = fs::read(plugins.v2().program)?;
            let mapped = mapped_len(&built).ok_or("not a 64-bit ELF file")?;
            let file = executable(scratch, "truncated", &built[..mapped / 2])?;
            refused(&mut host, &PluginCommand::new(file), v1_pid)?
        }
        "garbage-file" => {
            // A file that is no program at all, then a complete one whose mapped part has its
            // middle zeroed (zeroing the middle of a debug build's file hits debug information).
            let text = executable(scratch, "text", b"not a program, just text\n")?;
            let not_a_program = match host.reload(&PluginCommand::new(text)) {
                Ok(_) => return Ok("n/a: a text file loaded".to_owned()),
                Err(error) => error,
            };
            let mut built = fs::read(plugins.v2().program)?;
            let mapped = mapped_len(&built).ok_or("not a 64-bit ELF file")?;
            built[mapped / 4..mapped * 3 / 4].fill(0);
            let zeroed = executable(scratch, "zeroed", &built)?;
            let detail = match host.reload(&PluginCommand::new(zeroed)) {
                Ok(_) => return Ok("n/a: the zeroed file loaded".to_owned()),
                Err(error) => format!(
                    "text: {}; zeroed: {}",
                    os_error(&not_a_program),
                    short(&error)
                ),
            };
            if host.plugin().map(|p| p.id()) != v1_pid {
                return Ok(format!("clear error: {detail}; v1 was replaced"));
            }
            kept(&mut host, &detail)?
        }
        "replaced-while-writing" => {
            // The file is still open for writing, as while a linker or `cp` writes it.
            let file = scratch.join("being-written");
            let mut writer = fs::File::create(&file)?;
            writer.write_all(&fs::read(plugins.v2().program)?)?;
            fs::set_permissions(&file, fs::Permissions::from_mode(0o755))?;
            let cell = refused(&mut host, &PluginCommand::new(&file), v1_pid)?;
            drop(writer);
            cell
        }
        "rapid-swaps-200" => rapid_swaps(&mut host, plugins)?,
        _ => return Err(format!("unknown row {key}").into()),
    };
    host.shut_down();
    Ok(cell)
}

/// After a failed call: the failed call did not count, and the next greeting comes from v1
/// (the last good plugin), with the next count. `None` if so, else what was wrong.
fn last_good_serves(
    host: &mut Host,
    before: u64,
) -> Result<Option<String>, Box<dyn std::error::Error>> {
    if host.greetings() != before {
        return Ok(Some("the failed call was counted".to_owned()));
    }
    let text = match host.greet("Ada") {
        Ok(text) => text,
        Err(error) => return Ok(Some(format!("then {}", short(&error)))),
    };
    let name = host
        .plugin()
        .map(|p| p.name().to_owned())
        .unwrap_or_default();
    let expected = format!("Hello, Ada! (greeting #{})", before + 1);
    if name != "greeter v1" || text != expected || host.greetings() != before + 1 {
        return Ok(Some(format!("then {name} answered {text:?}")));
    }
    Ok(None)
}

/// The faulty version was refused before it served: is v1 still serving, count intact?
fn kept(host: &mut Host, detail: &str) -> Result<String, Box<dyn std::error::Error>> {
    let before = host.greetings();
    Ok(match last_good_serves(host, before)? {
        None => format!("kept last good: {detail}"),
        Some(wrong) => format!("state lost: {detail}; {wrong}"),
    })
}

/// A reload that must be refused, with v1 (the same process) serving on.
fn refused(
    host: &mut Host,
    command: &PluginCommand,
    v1_pid: Option<u32>,
) -> Result<String, Box<dyn std::error::Error>> {
    let error = match host.reload(command) {
        Ok(_) => return Ok("n/a: loaded, not refused".to_owned()),
        Err(error) => error,
    };
    let detail = format!("refused: {}", short(&error));
    if host.plugin().map(|p| p.id()) != v1_pid {
        return Ok(format!("clear error: {detail}; v1 was replaced"));
    }
    kept(host, &detail)
}

/// 200 swaps between v2 and v1, each followed by a greeting; then what tests/leaks.rs checks:
/// one child (the running plugin) and no zombie, no more open files or threads than before.
fn rapid_swaps(host: &mut Host, plugins: &Plugins) -> Result<String, Box<dyn std::error::Error>> {
    let (fds, threads) = (proc_count("/proc/self/fd")?, proc_count("/proc/self/task")?);
    let mut killed = 0;
    for swap in 0..200 {
        let next = if swap % 2 == 0 {
            plugins.v2()
        } else {
            plugins.v1()
        };
        if host.reload(&next)?.is_some_and(|stopped| stopped.killed) {
            killed += 1;
        }
        host.greet("Ada")?;
    }
    let running = host.plugin().map(|p| p.id()).ok_or("no plugin running")?;
    // An old plugin's threads and pipes end just after it: wait for them, up to 20 s.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut left = loop {
        let mut left = Vec::new();
        let children = children()?;
        if children.iter().any(|&(_, state)| state == 'Z') {
            left.push("a zombie".to_owned());
        }
        if children.iter().any(|&(pid, _)| pid != running) {
            left.push("a child".to_owned());
        }
        if proc_count("/proc/self/fd")? != fds {
            left.push("an fd".to_owned());
        }
        if proc_count("/proc/self/task")? != threads {
            left.push("a thread".to_owned());
        }
        if left.is_empty() || Instant::now() > deadline {
            break left;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if killed > 0 {
        left.push(format!("{killed} killed on stop"));
    }
    if !left.is_empty() {
        return Ok(format!("leaked: 200 swaps, left: {}", left.join(", ")));
    }
    kept(host, "200 swaps, no child, zombie, fd or thread left")
}

/// Entries of a `/proc` directory: open files, threads.
fn proc_count(dir: &str) -> std::io::Result<usize> {
    Ok(fs::read_dir(dir)?.count())
}

/// This process's children, zombies included: pid and state (`Z` for a zombie).
fn children() -> std::io::Result<Vec<(u32, char)>> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc")?.flatten() {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue; // not a process, or it has just ended
        };
        // `pid (comm) state ppid …`; comm may hold spaces, so split after its `)`.
        let Some((pid, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split(' ').collect();
        let pid = pid.split(' ').next().and_then(|pid| pid.parse().ok());
        if let (Some(pid), Some(&ppid)) = (pid, fields.get(1))
            && ppid == me
        {
            found.push((pid, fields[0].chars().next().unwrap_or('?')));
        }
    }
    Ok(found)
}

/// How many bytes of a 64-bit little-endian ELF file its loadable segments map: the end of
/// the last `PT_LOAD` segment in the file. `None` if it is not such a file.
pub fn mapped_len(elf: &[u8]) -> Option<usize> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(elf.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(elf.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(elf.get(at..at + 8)?.try_into().ok()?));
    if !elf.starts_with(b"\x7fELF\x02\x01") {
        return None;
    }
    let (table, size, count) = (u64_at(0x20)? as usize, u16_at(0x36)?, u16_at(0x38)?);
    let mut end = 0;
    for index in 0..usize::from(count) {
        let header = table + index * usize::from(size);
        if u32_at(header)? == 1 {
            // PT_LOAD: p_offset at 8, p_filesz at 32.
            end = end.max(u64_at(header + 8)? + u64_at(header + 32)?);
        }
    }
    usize::try_from(end).ok().filter(|&end| end > 0)
}

/// Writes `bytes` to `dir/name`, executable.
fn executable(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<std::path::PathBuf> {
    let file = dir.join(name);
    fs::write(&file, bytes)?;
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755))?;
    Ok(file)
}

/// `os error 8`, the short form of a spawn error.
fn os_error(error: &PluginError) -> String {
    match error {
        PluginError::Spawn { source, .. } => match source.raw_os_error() {
            Some(code) => format!("os error {code}"),
            None => source.to_string(),
        },
        other => short(other),
    }
}

/// The error in a few words, for a cell of at most 70 characters.
fn short(error: &PluginError) -> String {
    match error {
        // The OS's message, without the program's path.
        PluginError::Spawn { source, .. } => format!("cannot start: {source}"),
        PluginError::WrongVersion { found, .. } => {
            format!("protocol {found}, host speaks {PROTOCOL_VERSION}")
        }
        PluginError::Exited { status } => {
            use std::os::unix::process::ExitStatusExt;
            match (status.signal(), status.signal().and_then(signal_name)) {
                (Some(signal), Some(name)) => format!("died (signal {signal}, {name})"),
                _ => format!("died ({})", describe(status)),
            }
        }
        PluginError::Timeout { waited } => format!("no reply within {waited:?}, killed"),
        PluginError::TooLong => format!("reply over {MAX_LINE} bytes, killed"),
        PluginError::ClosedStdout => "closed its stdout, killed".to_owned(),
        PluginError::Garbage { error } => format!("garbage: {error}"),
        other => other.to_string(),
    }
}
