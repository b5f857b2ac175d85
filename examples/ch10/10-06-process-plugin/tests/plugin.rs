//! Real plugin processes: the binaries of this package, which cargo builds for these tests.
//! Every wait has a deadline (the host's timeouts); every process is waited for. Unix: exit
//! statuses by signal, file modes; ELF files and `ETXTBSY` on Linux.
#![cfg(unix)]

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ch10_06_process_plugin::fault_table::mapped_len;
use ch10_06_process_plugin::host::{
    Host, PluginCommand, PluginError, PluginProcess, Plugins, Timeouts,
};

/// Generous, for a loaded machine: only a fault waits them out, and each test that provokes
/// one shortens the timeout it waits for.
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

/// A host on v1 that has greeted once.
fn host_on_v1(timeouts: Timeouts) -> Host {
    let mut host = Host::start(&plugins().v1(), timeouts).expect("start v1");
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #1)"
    );
    host
}

fn pid(host: &Host) -> u32 {
    host.plugin().expect("a running plugin").id()
}

fn name_of(host: &Host) -> &str {
    host.plugin().expect("a running plugin").name()
}

#[test]
fn swapping_v1_for_v2_keeps_the_host_state_and_runs_the_new_code() {
    let mut host = host_on_v1(TIMEOUTS);
    let v1_pid = pid(&host);
    let stopped = host
        .reload(&plugins().v2())
        .expect("reload v2")
        .expect("v1");
    assert!(!stopped.killed, "v1 exits when its stdin closes");
    assert!(stopped.status.expect("waited").success());
    assert_ne!(pid(&host), v1_pid);
    assert_eq!(name_of(&host), "greeter v2");
    let text = host.greet("Linus").expect("greet");
    assert_eq!(text, "Good day, LINUS. You are visitor number 2.");
    host.reload(&plugins().v1()).expect("back to v1");
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #3)"
    );
    assert_eq!(host.greetings(), 3);
    assert!(host.shut_down().expect("running").status.is_ok());
}

/// Each fault while greeting: the error, then the host is back on v1 (a new process), and the
/// count went on from where it was.
fn a_fault_while_greeting(mode: &str, timeouts: Timeouts, check: impl Fn(&PluginError) -> bool) {
    let mut host = host_on_v1(TIMEOUTS);
    host.set_timeouts(timeouts);
    host.reload(&plugins().faulty(mode)).expect("reload");
    let faulty_pid = pid(&host);
    let error = host.greet("Ada").expect_err("the fault");
    assert!(check(&error), "{mode}: unexpected error {error:?}");
    assert_eq!(
        host.greetings(),
        1,
        "{mode}: a failed greeting does not count"
    );
    assert_eq!(
        name_of(&host),
        "greeter v1",
        "{mode}: back to the last good plugin"
    );
    assert_ne!(pid(&host), faulty_pid);
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #2)"
    );
}

#[cfg(unix)]
fn killed_by(error: &PluginError, signal: i32) -> bool {
    use std::os::unix::process::ExitStatusExt;
    matches!(error, PluginError::Exited { status } if status.signal() == Some(signal))
}

fn exited_with(error: &PluginError, code: i32) -> bool {
    matches!(error, PluginError::Exited { status } if status.code() == Some(code))
}

#[test]
fn a_plugin_that_exits_leaving_a_child_is_reported_as_exited() {
    // Its child holds the stdout pipe open: no end of file comes, the call times out, and the
    // exit status, there by then, is what the host reports.
    let timeouts = Timeouts {
        call: Duration::from_millis(500),
        ..TIMEOUTS
    };
    a_fault_while_greeting("exit-leaving-a-child", timeouts, |e| exited_with(e, 4));
}

#[test]
fn a_panic_in_the_plugin_is_an_exit_status_101() {
    a_fault_while_greeting("panic", TIMEOUTS, |e| exited_with(e, 101));
}

#[test]
fn an_abort_in_the_plugin_is_sigabrt() {
    a_fault_while_greeting("abort", TIMEOUTS, |e| killed_by(e, libc::SIGABRT));
}

#[test]
fn a_segfault_in_the_plugin_is_sigsegv() {
    a_fault_while_greeting("segfault", TIMEOUTS, |e| killed_by(e, libc::SIGSEGV));
}

#[test]
fn process_exit_in_the_plugin_is_its_exit_status() {
    a_fault_while_greeting("exit", TIMEOUTS, |e| exited_with(e, 3));
}

#[test]
fn an_endless_loop_is_killed_after_the_call_timeout() {
    // The restarted v1 gets the same timeout for the greeting after it: ample for a reply.
    let timeouts = Timeouts {
        call: Duration::from_millis(500),
        ..TIMEOUTS
    };
    a_fault_while_greeting(
        "hang",
        timeouts,
        |e| matches!(e, PluginError::Timeout { waited } if *waited == Duration::from_millis(500)),
    );
}

#[test]
fn a_stray_print_on_stdout_is_garbage() {
    a_fault_while_greeting(
        "garbage",
        TIMEOUTS,
        |e| matches!(e, PluginError::Garbage { error } if error.contains("expected value")),
    );
}

#[test]
fn an_oversized_reply_is_refused_after_max_line_bytes() {
    a_fault_while_greeting("oversized", TIMEOUTS, |e| matches!(e, PluginError::TooLong));
}

#[test]
fn a_reply_with_another_id_is_out_of_step() {
    a_fault_while_greeting(
        "reply-twice",
        TIMEOUTS,
        |e| matches!(e, PluginError::Unexpected { reply } if reply.contains("an extra reply")),
    );
}

#[test]
fn a_plugin_that_closes_its_stdout_is_killed() {
    let timeouts = Timeouts {
        stop: Duration::from_millis(300),
        ..TIMEOUTS
    };
    a_fault_while_greeting("close-stdout", timeouts, |e| {
        matches!(e, PluginError::ClosedStdout)
    });
}

/// A reload that must be refused: the error, and v1 serves on in the same process.
fn refused(command: &PluginCommand, timeouts: Timeouts, check: impl Fn(&PluginError) -> bool) {
    let mut host = host_on_v1(TIMEOUTS);
    host.set_timeouts(timeouts);
    let v1_pid = pid(&host);
    let error = host.reload(command).expect_err("refused");
    assert!(
        check(&error),
        "{}: unexpected error {error:?}",
        command.label()
    );
    assert_eq!(pid(&host), v1_pid, "the old plugin still serves");
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #2)"
    );
}

#[test]
fn a_wrong_protocol_version_is_refused_at_the_handshake() {
    refused(&plugins().faulty("wrong-version"), TIMEOUTS, |e| {
        matches!(e, PluginError::WrongVersion { found: 3, .. })
    });
}

#[test]
fn a_program_that_is_not_a_plugin_is_refused() {
    refused(&plugins().faulty("not-a-plugin"), TIMEOUTS, |e| {
        matches!(e, PluginError::Garbage { .. })
    });
}

#[test]
fn a_plugin_that_never_shakes_hands_is_killed_after_the_start_timeout() {
    let timeouts = Timeouts {
        start: Duration::from_millis(300),
        ..TIMEOUTS
    };
    refused(&plugins().faulty("slow-start"), timeouts, |e| {
        matches!(e, PluginError::Timeout { .. })
    });
}

// ELF files and ETXTBSY: Linux.
#[cfg(target_os = "linux")]
#[test]
fn files_that_cannot_run_are_refused() {
    let scratch = tempfile_dir("cannot-run");
    let v2 = fs::read(plugins().v2().program).expect("read v2");
    let executable = |name: &str, bytes: &[u8]| {
        let file = scratch.join(name);
        fs::write(&file, bytes).expect("write");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).expect("chmod");
        PluginCommand::new(file)
    };
    let spawn_error = |kind: std::io::ErrorKind| move |e: &PluginError| matches!(e, PluginError::Spawn { source, .. } if source.kind() == kind);
    let missing = PluginCommand::new(scratch.join("missing"));
    refused(
        &missing,
        TIMEOUTS,
        spawn_error(std::io::ErrorKind::NotFound),
    );
    let not_executable =
        PluginCommand::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    refused(
        &not_executable,
        TIMEOUTS,
        spawn_error(std::io::ErrorKind::PermissionDenied),
    );
    // ENOEXEC: std does not hand a file without `#!` to /bin/sh, as execvp(3) would.
    let garbage = executable("garbage", &[0x7f; 4096]);
    refused(
        &garbage,
        TIMEOUTS,
        |e| matches!(e, PluginError::Spawn { source, .. } if source.raw_os_error() == Some(libc::ENOEXEC)),
    );
    let empty = executable("empty", b"");
    refused(
        &empty,
        TIMEOUTS,
        |e| matches!(e, PluginError::Spawn { source, .. } if source.raw_os_error() == Some(libc::ENOEXEC)),
    );
    // Cut in half of what the loader maps, or that part's middle zeroed: it dies before it
    // can answer.
    let mapped = mapped_len(&v2).expect("an ELF file");
    let truncated = executable("truncated", &v2[..mapped / 2]);
    refused(&truncated, TIMEOUTS, |e| {
        matches!(e, PluginError::Exited { .. })
    });
    let mut zeroed = v2.clone();
    zeroed[mapped / 4..mapped * 3 / 4].fill(0);
    let zeroed = executable("zeroed", &zeroed);
    refused(&zeroed, TIMEOUTS, |e| {
        matches!(e, PluginError::Exited { .. })
    });
    fs::remove_dir_all(&scratch).expect("clean up");
}

#[cfg(target_os = "linux")]
#[test]
fn a_debug_build_cut_in_half_or_zeroed_in_its_middle_still_runs() {
    let scratch = tempfile_dir("debug-info");
    let v2 = fs::read(plugins().v2().program).expect("read v2");
    let mapped = mapped_len(&v2).expect("an ELF file");
    // In a debug build most of the file is debug information, after all the loader maps.
    assert!(
        mapped < v2.len() / 4,
        "{mapped} of {} bytes mapped",
        v2.len()
    );
    let mut zeroed = v2.clone();
    zeroed[v2.len() / 4..v2.len() * 3 / 4].fill(0);
    for (name, bytes) in [("half", &v2[..v2.len() / 2]), ("zeroed", &zeroed[..])] {
        let file = scratch.join(name);
        fs::write(&file, bytes).expect("write");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).expect("chmod");
        let mut host = host_on_v1(TIMEOUTS);
        host.reload(&PluginCommand::new(&file)).expect("it runs");
        assert_eq!(name_of(&host), "greeter v2", "{name}");
        assert_eq!(
            host.greet("Ada").expect("greet"),
            "Good day, ADA. You are visitor number 2."
        );
    }
    fs::remove_dir_all(&scratch).expect("clean up");
}

#[cfg(target_os = "linux")]
#[test]
fn a_program_still_being_written_is_refused_with_text_file_busy() {
    let scratch = tempfile_dir("being-written");
    let file = scratch.join("greeter-v2");
    let mut writer = fs::File::create(&file).expect("create");
    writer
        .write_all(&fs::read(plugins().v2().program).expect("read v2"))
        .expect("write");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).expect("chmod");
    refused(
        &PluginCommand::new(&file),
        TIMEOUTS,
        |e| matches!(e, PluginError::Spawn { source, .. } if source.kind() == std::io::ErrorKind::ExecutableFileBusy),
    );
    drop(writer); // written: now it starts
    let mut host = host_on_v1(TIMEOUTS);
    host.reload(&PluginCommand::new(&file))
        .expect("complete file");
    assert_eq!(name_of(&host), "greeter v2");
    drop(host);
    fs::remove_dir_all(&scratch).expect("clean up");
}

#[test]
fn a_plugin_that_dies_while_idle_is_restarted() {
    let mut host = host_on_v1(TIMEOUTS);
    let v1_pid = pid(&host);
    let status = Command::new("kill")
        .args(["-KILL", &v1_pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let error = host.greet("Ada").expect_err("it is gone");
    assert!(killed_by(&error, libc::SIGKILL), "{error:?}");
    assert_ne!(pid(&host), v1_pid, "restarted");
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #2)"
    );
}

#[test]
fn a_request_over_the_limit_is_not_sent() {
    let mut host = host_on_v1(TIMEOUTS);
    let v1_pid = pid(&host);
    let error = host.greet(&"x".repeat(20_000)).expect_err("too long");
    assert!(matches!(error, PluginError::RequestTooLong), "{error:?}");
    assert_eq!(pid(&host), v1_pid, "the plugin was not touched");
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #2)"
    );
}

#[test]
fn a_thread_left_running_ends_with_its_process() {
    let mut host = host_on_v1(TIMEOUTS);
    host.reload(&plugins().faulty("thread-left-running"))
        .expect("reload");
    host.greet("Ada").expect("it greets");
    let stopped = host.reload(&plugins().v1()).expect("reload").expect("old");
    assert!(!stopped.killed);
    assert!(stopped.status.expect("waited").success());
}

#[test]
fn a_plugin_that_ignores_stdin_closing_is_killed_after_the_stop_timeout() {
    let timeouts = Timeouts {
        stop: Duration::from_millis(300),
        ..TIMEOUTS
    };
    let plugin =
        PluginProcess::start(&plugins().faulty("ignore-stdin-close"), timeouts).expect("start");
    let stopped = plugin.stop();
    assert!(stopped.killed);
    assert!(killed_by_status(
        &stopped.status.expect("waited"),
        libc::SIGKILL
    ));
}

fn killed_by_status(status: &std::process::ExitStatus, signal: i32) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(signal)
}

#[cfg(target_os = "linux")]
#[test]
fn a_plugin_that_stops_reading_cannot_block_the_host_on_a_full_pipe() {
    // Its stdin pipe holds 4096 bytes: a request of 16 000 cannot be written whole.
    let mut host = host_on_v1(TIMEOUTS);
    host.set_timeouts(Timeouts {
        call: Duration::from_millis(500),
        ..TIMEOUTS
    });
    host.reload(&plugins().faulty("stop-reading"))
        .expect("reload");
    let error = host.greet(&"x".repeat(16_000)).expect_err("no reply");
    assert!(
        matches!(error, PluginError::Timeout { waited } if waited == Duration::from_millis(500)),
        "{error:?}"
    );
    assert_eq!(host.greetings(), 1);
    assert_eq!(name_of(&host), "greeter v1");
    assert_eq!(
        host.greet("Ada").expect("greet"),
        "Hello, Ada! (greeting #2)"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_plugin_that_replies_without_reading_is_killed() {
    // Its replies come, but the requests pile up unwritten: by the third at the latest, the
    // one waiting to be written is still there.
    let mut host = host_on_v1(TIMEOUTS);
    host.reload(&plugins().faulty("reply-unread"))
        .expect("reload");
    let name = "x".repeat(16_000);
    let error = (0..3)
        .find_map(|_| host.greet(&name).err())
        .expect("refused by the third request");
    assert!(matches!(error, PluginError::NotReading), "{error:?}");
    // Its early replies were counted, so it had become the last good plugin; breaking the
    // protocol cost it that place: the host is back on v1, not on a restarted copy of it.
    assert_eq!(name_of(&host), "greeter v1");
    let next = host.greetings() + 1;
    assert_eq!(
        host.greet("Ada").expect("greet"),
        format!("Hello, Ada! (greeting #{next})")
    );
}

#[test]
fn an_error_about_no_request_is_out_of_step() {
    a_fault_while_greeting(
        "stale-error",
        TIMEOUTS,
        |e| matches!(e, PluginError::Unexpected { reply } if reply.contains("a stale error")),
    );
}

#[test]
fn a_refused_greeting_is_not_counted_and_the_plugin_keeps_running() {
    let mut host = host_on_v1(TIMEOUTS);
    host.reload(&plugins().faulty("refuse")).expect("reload");
    let refusing = pid(&host);
    for _ in 0..2 {
        let error = host.greet("Ada").expect_err("refused");
        assert!(
            matches!(&error, PluginError::Refused { message } if message == "no greetings today"),
            "{error:?}"
        );
    }
    assert_eq!(host.greetings(), 1);
    assert_eq!(pid(&host), refusing, "the same process");
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ch10-06-process-plugin-{what}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The page's "Try it", run as shown: `try-it.txt` beside `Cargo.toml` is the command and what
/// it printed (the command's `target/debug/greeter-plugin` is the binary cargo built).
#[test]
fn a_person_can_type_the_protocol() {
    let shown = r#"printf '%s\n' '{"Hello":{"protocol":2}}' '{"Greet":{"id":1,"name":"Ada","count":7}}' | target/debug/greeter-plugin"#;
    let real = shown.replace(
        "target/debug/greeter-plugin",
        env!("CARGO_BIN_EXE_greeter-plugin"),
    );
    let out = Command::new("sh")
        .args(["-c", &real])
        .output()
        .expect("run the pipeline");
    assert!(out.status.success(), "{}", out.status);
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        printed,
        "{\"Hello\":{\"protocol\":2,\"name\":\"greeter v1\"}}\n\
         {\"Greeting\":{\"id\":1,\"text\":\"Hello, Ada! (greeting #7)\"}}\n"
    );
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("try-it.txt");
    let recorded = format!(
        "Recorded by the test `a_person_can_type_the_protocol` (`SNAPSHOTS=overwrite` rewrites \
         it); do not edit.\nANCHOR: session\n$ {shown}\n{printed}ANCHOR_END: session\n"
    );
    let compared = snapbox::Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        .try_eq(
            Some(&"recorded now"),
            snapbox::Data::text(recorded),
            snapbox::Data::read_from(&file, None).raw(),
        );
    if let Err(difference) = compared {
        panic!("the session differs:\n{difference}");
    }
}
