//! The faults of the book's fault table (recipe 10.6, "The cost of each approach"), each
//! provoked against the real `Host`: `examples/faults_process.rs` prints one line per row, and the
//! tests in `tests/plugin.rs` check the same outcomes. A cell says what the run observed.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::host::{Host, PluginCommand, PluginError, Plugins, Timeouts, describe};
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

/// Generous for a loaded machine, except where a fault has to be waited out.
const TIMEOUTS: Timeouts = Timeouts {
    start: Duration::from_secs(10),
    call: Duration::from_secs(3),
    stop: Duration::from_secs(5),
};

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
            host.reload(&plugins.faulty(mode))?;
            let error = match host.greet("Ada") {
                Ok(_) => return Ok("n/a: no fault, it greeted".to_owned()),
                Err(error) => error,
            };
            after_fault(&mut host, &short(&error))?
        }
        "thread-left-running" => {
            host.reload(&plugins.faulty(key))?;
            host.greet("Ada")?;
            let stopped = host.reload(&plugins.v1())?.ok_or("no old plugin")?;
            let detail = format!("stopped on reload, {stopped}");
            after_fault(&mut host, &detail)?
        }
        "wrong-version" => refused(&mut host, &plugins.faulty("wrong-version"), v1_pid)?,
        // A process has one entry point, `main`: the nearest fault is a program that is not a
        // plugin of this protocol.
        "missing-entry" => refused(&mut host, &plugins.faulty("not-a-plugin"), v1_pid)?,
        "truncated-file" => {
            // Cut inside the parts the loader maps. (Half of a debug build still runs: its
            // second half is debug information.)
            let built = fs::read(plugins.v2().program)?;
            let file = executable(scratch, "truncated", &built[..64 * 1024])?;
            refused(&mut host, &PluginCommand::new(file), v1_pid)?
        }
        "garbage-file" => {
            let garbage: Vec<u8> = (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect();
            let file = executable(scratch, "garbage", &garbage)?;
            refused(&mut host, &PluginCommand::new(file), v1_pid)?
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
        "rapid-swaps-200" => {
            let (mut clean, mut killed) = (0, 0);
            for swap in 0..200 {
                let next = if swap % 2 == 0 {
                    plugins.v2()
                } else {
                    plugins.v1()
                };
                match host.reload(&next)? {
                    Some(stopped) if stopped.killed => killed += 1,
                    Some(_) => clean += 1,
                    None => {}
                }
                host.greet("Ada")?;
            }
            let detail = format!("200 swaps, {clean} exited cleanly, {killed} killed");
            after_fault(&mut host, &detail)?
        }
        _ => return Err(format!("unknown row {key}").into()),
    };
    host.shut_down();
    Ok(cell)
}

/// After a fault: is a good plugin serving, and is the count right?
fn after_fault(host: &mut Host, detail: &str) -> Result<String, Box<dyn std::error::Error>> {
    let before = host.greetings();
    match host.greet("Ada") {
        Ok(_) if host.greetings() == before + 1 => Ok(format!("kept last good: {detail}")),
        Ok(_) => Ok(format!("clear error: {detail}; count lost")),
        Err(error) => Ok(format!("clear error: {detail}; then {error}")),
    }
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
    after_fault(host, &detail)
}

/// Writes `bytes` to `dir/name`, executable.
fn executable(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<std::path::PathBuf> {
    let file = dir.join(name);
    fs::write(&file, bytes)?;
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755))?;
    Ok(file)
}

/// The error in a few words, for a cell of at most 70 characters.
fn short(error: &PluginError) -> String {
    match error {
        // The OS's message, without the program's path.
        PluginError::Spawn { source, .. } => format!("cannot start: {source}"),
        PluginError::WrongVersion { found, .. } => {
            format!("protocol {found}, host speaks {PROTOCOL_VERSION}")
        }
        PluginError::Exited { status } => format!("died, {}", describe(status)),
        PluginError::Timeout { waited } => format!("no reply within {waited:?}, killed"),
        PluginError::TooLong => format!("reply over {MAX_LINE} bytes, killed"),
        PluginError::ClosedStdout => "closed its stdout, killed".to_owned(),
        PluginError::Garbage { error } => format!("garbage: {error}"),
        other => other.to_string(),
    }
}
