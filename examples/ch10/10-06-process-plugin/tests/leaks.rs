//! No process, pipe or thread outlives its plugin, over many reloads and faults. Alone in its
//! test binary, so that no other test's processes or files are counted. Reads Linux's `/proc`.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::time::{Duration, Instant};

use ch10_06_process_plugin::host::{Host, Plugins, Timeouts};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

/// Processes whose parent is this one, zombies included (state `Z`, not yet waited for).
fn children() -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue; // not a process, or it has just ended
        };
        // `pid (comm) state ppid …`; comm may hold spaces, so split after its `)`.
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split(' ').collect();
        if fields.get(1) == Some(&me.as_str()) {
            found.push(format!(
                "{} state {}",
                entry.file_name().to_string_lossy(),
                fields[0]
            ));
        }
    }
    found
}

/// Waits until `done`, for at most 20 s: threads and pipes end just after their process.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn many_reloads_and_faults_leave_no_process_fd_or_thread_behind() {
    let plugins = Plugins {
        dir: Path::new(env!("CARGO_BIN_EXE_greeter-plugin"))
            .parent()
            .expect("target/debug"),
    };
    let timeouts = Timeouts {
        start: Duration::from_secs(20),
        call: Duration::from_secs(20),
        stop: Duration::from_millis(20),
    };
    let (fds, tasks) = (open_fds(), threads());
    assert_eq!(children(), Vec::<String>::new(), "no children before");
    let mut host = Host::start(&plugins.v1(), timeouts).expect("start");
    let modes = [
        "panic",
        "abort",
        "segfault",
        "exit",
        "garbage",
        "oversized",
        "close-stdout",
    ];
    let mut expected = 0;
    for round in 0..100 {
        let next = if round % 2 == 0 {
            plugins.v2()
        } else {
            plugins.v1()
        };
        host.reload(&next).expect("reload");
        host.greet("Ada").expect("greet");
        expected += 1;
        if round % 5 == 0 {
            host.reload(&plugins.faulty(modes[round / 5 % modes.len()]))
                .expect("reload faulty");
            host.greet("Ada").expect_err("a fault");
            host.reload(&plugins.faulty("wrong-version"))
                .expect_err("refused");
            // It is killed when the next reload stops it: a shorter wait for it alone (a
            // plugin keeps the timeouts it was started with).
            let quick_kill = Duration::from_millis(5);
            host.set_timeouts(Timeouts {
                stop: quick_kill,
                ..timeouts
            });
            host.reload(&plugins.faulty("ignore-stdin-close"))
                .expect("reload");
            host.set_timeouts(timeouts);
        }
    }
    assert_eq!(host.greetings(), expected);
    host.shut_down();
    eventually("a child process is left", || children().is_empty());
    eventually("a pipe is left open", || open_fds() == fds);
    eventually("a thread is left running", || threads() == tasks);
}
