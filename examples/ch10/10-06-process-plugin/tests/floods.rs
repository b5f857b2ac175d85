//! A plugin that writes without end, to its stdout or its stderr, cannot grow the host's
//! memory or stall it. Alone in its test binary: one test measures this process's memory, the
//! other points its stderr at `/dev/full`. Reads Linux's `/proc`.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::time::{Duration, Instant};

use ch10_06_process_plugin::host::{Host, PluginError, Plugins, Timeouts};

const TIMEOUTS: Timeouts = Timeouts {
    start: Duration::from_secs(20),
    call: Duration::from_secs(20),
    stop: Duration::from_secs(20),
};

fn plugins() -> Plugins<'static> {
    Plugins {
        dir: Path::new(env!("CARGO_BIN_EXE_greeter-plugin"))
            .parent()
            .expect("target/debug"),
    }
}

/// Resident memory of this process, in KiB (`/proc/self/statm` counts pages).
fn rss_kb() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split(' ')
        .nth(1)
        .and_then(|pages| pages.parse().ok())
        .expect("resident pages");
    // SAFETY: sysconf has no preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page_size).expect("a page size") / 1024
}

/// Bytes process `pid` has written so far (`wchar` in `/proc/PID/io`).
fn bytes_written(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).expect("/proc/PID/io");
    io.lines()
        .find_map(|line| line.strip_prefix("wchar: "))
        .and_then(|count| count.parse().ok())
        .expect("a wchar line")
}

/// Whether process `pid` is asleep (`S` in `/proc/PID/stat`), not running or ready to run.
fn is_asleep(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // "PID (COMMAND) STATE …": the command may hold spaces and parentheses, not the rest.
    let after_command = stat.rsplit_once(") ").map(|(_, rest)| rest);
    after_command.is_some_and(|rest| rest.starts_with('S'))
}

/// Waits until process `pid` sleeps and has written nothing for `still`, for at most 20 s;
/// returns how much it wrote.
fn wait_until_blocked(pid: u32, still: Duration) -> u64 {
    let give_up = Instant::now() + Duration::from_secs(20);
    let mut written = bytes_written(pid);
    loop {
        std::thread::sleep(still);
        let now = bytes_written(pid);
        if now == written && is_asleep(pid) {
            return now;
        }
        assert!(
            Instant::now() < give_up,
            "still writing or not asleep after 20 s"
        );
        written = now;
    }
}

#[test]
fn a_plugin_flooding_stdout_while_idle_is_held_back_by_its_full_pipe() {
    let mut host = Host::start(&plugins().v1(), TIMEOUTS).expect("start");
    host.greet("Ada").expect("greet");
    host.reload(&plugins().faulty("flood-stdout"))
        .expect("reload");
    // The plugin writes as fast as it can while the host asks nothing. Once the host's
    // channel (one line), its reader's line and the pipe are full, the plugin blocks.
    let before = rss_kb();
    let pid = host.plugin().expect("the flooding plugin").id();
    let written = wait_until_blocked(pid, Duration::from_millis(200));
    let grown = rss_kb().saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "the host grew by {grown} KiB while the plugin wrote {written} bytes"
    );
    // The next call reads the first line it wrote, which is no reply: killed.
    let error = host.greet("Ada").expect_err("not a reply");
    assert!(matches!(error, PluginError::Garbage { .. }), "{error:?}");
    assert_eq!(host.greetings(), 1, "the failed call did not count");
    let plugin = host.plugin().expect("restarted");
    assert_eq!(plugin.name(), "greeter v1");
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #2)"
    );
}

#[test]
fn a_plugin_flooding_stderr_is_drained_even_when_the_host_stderr_fails() {
    use std::os::fd::AsRawFd;
    // This process's stderr becomes /dev/full, where every write fails (ENOSPC).
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    // SAFETY: dup/dup2 on open descriptors; fd 2 is restored below.
    let saved = unsafe { libc::dup(2) };
    assert!(saved >= 0, "dup");
    assert_eq!(unsafe { libc::dup2(full.as_raw_fd(), 2) }, 2);
    let mut host = Host::start(&plugins().v1(), TIMEOUTS).expect("start");
    host.reload(&plugins().faulty("flood-stderr"))
        .expect("reload");
    // 1 MiB to stderr before each reply: more than the pipe holds, so it is answered only if
    // the host goes on reading the pipe after its own writes fail.
    let answers: Vec<_> = (0..3).map(|_| host.greet("Ada")).collect();
    drop(host);
    // SAFETY: `saved` is the original fd 2.
    unsafe {
        libc::dup2(saved, 2);
        libc::close(saved);
    }
    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(
            answer.expect("greet"),
            format!("Hello, Ada! (greeting #{})", n + 1)
        );
    }
}
