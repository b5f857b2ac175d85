//! The replacement, for real: the package's binary deployed in a temporary directory, started,
//! replaced on SIGUSR2 while loopback clients keep sending requests, and stopped. Every process
//! started is reaped (this test process becomes their subreaper); every wait has a deadline.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ch10_06_binary_swap::client::Clients;
use ch10_06_binary_swap::deploy::{self, Orphans, Started, deploy, pid_in, shown};
use ch10_06_binary_swap::handover;

const BINARY: &str = env!("CARGO_BIN_EXE_ch10-06-binary-swap");
const WAIT: Duration = Duration::from_secs(20);

fn start_v1(dir: &Path, args: &[&str]) -> Started {
    deploy::become_subreaper().expect("become a subreaper");
    deploy(dir, Path::new(BINARY), "v1").expect("deploy v1");
    let v1 = Started::start(dir, args).expect("start v1");
    assert_eq!(shown(&v1.first_line), "v1: listening");
    v1
}

/// Deploys `label` and sends SIGUSR2 to `pid`; returns the pid of the process that took over.
fn replace(v1: &Started, pid: u32, old: &str, new: &str, orphans: &mut Orphans) -> u32 {
    deploy(v1_dir(v1), Path::new(BINARY), new).expect("deploy");
    deploy::signal(pid, libc::SIGUSR2).expect("SIGUSR2");
    let log = |expected: &str| assert_eq!(shown(&v1.next_line().expect("log line")), expected);
    log(&format!("{old}: SIGUSR2: starting the new binary"));
    let took_over = v1.next_line().expect("log line");
    assert_eq!(
        shown(&took_over),
        format!("{new}: took over the listening socket")
    );
    let new_pid = pid_in(&took_over).expect("a pid");
    orphans.adopt(new_pid);
    log(&format!(
        "{old}: the new process is ready; stopped accepting, draining"
    ));
    log(&format!("{old}: drained, exiting"));
    new_pid
}

fn v1_dir(v1: &Started) -> &Path {
    v1.dir.as_path()
}

#[test]
fn replacing_v1_by_v2_then_v3_drops_no_request() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut orphans = Orphans::default();
    let mut v1 = start_v1(dir.path(), &[]);
    let clients = Clients::start(v1.addr, 4, 4);
    assert!(clients.wait_for("v1", 200, WAIT), "{:?}", clients.seen());

    let v2 = replace(&v1, v1.pid, "v1", "v2", &mut orphans);
    assert!(v1.wait().expect("v1 exits").success());
    assert!(clients.wait_for("v2", 200, WAIT), "{:?}", clients.seen());

    // v2 got the socket as descriptor 3, and hands it on from there.
    let v3 = replace(&v1, v2, "v2", "v3", &mut orphans);
    assert!(orphans.reap(v2).expect("v2 exits").success());
    assert!(clients.wait_for("v3", 200, WAIT), "{:?}", clients.seen());

    let seen = clients.stop();
    assert_eq!(seen.failed, 0, "{:?}", seen.first_failure);
    for label in ["v1", "v2", "v3"] {
        assert!(seen.answers.get(label).is_some_and(|&n| n > 0), "{seen:?}");
    }
    assert_eq!(seen.requests, seen.answers.values().sum::<u64>());

    deploy::signal(v3, libc::SIGTERM).expect("SIGTERM");
    let rest = v1.rest_of_log().expect("every server process exits");
    assert_eq!(
        rest,
        [
            "v3: SIGTERM: stopped accepting, draining",
            "v3: drained, exiting"
        ]
    );
    assert!(orphans.reap(v3).expect("v3 exits").success());
}

#[test]
fn a_v2_that_fails_to_start_leaves_v1_serving() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut v1 = start_v1(dir.path(), &[]);
    let clients = Clients::start(v1.addr, 2, 2);
    assert!(clients.wait_for("v1", 100, WAIT), "{:?}", clients.seen());

    deploy(dir.path(), Path::new(BINARY), "").expect("deploy a bad v2");
    upgrade_fails(
        &v1,
        "the new process exited (exit status: 1) before it was ready",
    );
    assert_eq!(
        v1.next_error().expect("v2's error"),
        "error: VERSION beside the binary must be one word, not \"\""
    );
    assert!(clients.wait_for("v1", 100, WAIT), "{:?}", clients.seen());
    let seen = clients.stop();
    assert_eq!(seen.failed, 0, "{:?}", seen.first_failure);
    assert_eq!(seen.answers.keys().collect::<Vec<_>>(), ["v1"]);

    deploy::signal(v1.pid, libc::SIGTERM).expect("SIGTERM");
    assert!(v1.wait().expect("v1 exits").success());
    let rest = v1.rest_of_log().expect("no process left");
    assert_eq!(
        rest,
        [
            "v1: SIGTERM: stopped accepting, draining",
            "v1: drained, exiting"
        ]
    );
}

#[test]
fn a_v2_that_never_says_ready_is_killed_and_v1_keeps_serving() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut v1 = start_v1(dir.path(), &["--ready-deadline-ms", "500"]);
    let clients = Clients::start(v1.addr, 2, 2);
    assert!(clients.wait_for("v1", 100, WAIT), "{:?}", clients.seen());

    deploy(dir.path(), &never_ready(dir.path()), "v2").expect("deploy it");
    upgrade_fails(&v1, "the new process was not ready within 500ms; killed it");
    assert!(clients.wait_for("v1", 100, WAIT), "{:?}", clients.seen());
    let seen = clients.stop();
    assert_eq!(seen.failed, 0, "{:?}", seen.first_failure);

    deploy::signal(v1.pid, libc::SIGTERM).expect("SIGTERM");
    assert!(v1.wait().expect("v1 exits").success());
    // `sleep` held the shared stdout too: its end means the killed process is gone as well.
    let rest = v1.rest_of_log().expect("no process left");
    assert_eq!(
        rest,
        [
            "v1: SIGTERM: stopped accepting, draining",
            "v1: drained, exiting"
        ]
    );
}

#[test]
fn a_v2_that_closes_the_pipe_without_a_word_is_killed_at_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut v1 = start_v1(dir.path(), &[]); // the default deadline: 10 s
    deploy(dir.path(), &closes_the_pipe(dir.path()), "v2").expect("deploy it");
    let asked = std::time::Instant::now();
    upgrade_fails(
        &v1,
        "the new process closed the pipe without a word, was killed, before it was ready",
    );
    // Not the 10 s deadline: the accept loop waited only for the short grace.
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let clients = Clients::start(v1.addr, 1, 1);
    assert!(clients.wait_for("v1", 10, WAIT), "{:?}", clients.seen());
    assert_eq!(clients.stop().failed, 0);
    deploy::signal(v1.pid, libc::SIGTERM).expect("SIGTERM");
    assert!(v1.wait().expect("v1 exits").success());
}

/// A "binary" that closes the ready pipe without a word and runs on, holding the socket.
fn closes_the_pipe(dir: &Path) -> PathBuf {
    // bash: dash takes only one-digit descriptors in a redirection, and READY_FD is above 9.
    let text = "#!/bin/bash\neval \"exec $READY_FD>&-\"\nexec sleep 60\n";
    script(dir, "closes.sh", text)
}

/// A "binary" that starts, holds the inherited socket and the shared stdout, and never says
/// it is ready.
fn never_ready(dir: &Path) -> PathBuf {
    script(dir, "hangs.sh", "#!/bin/sh\nexec sleep 60\n")
}

/// An executable script `name` in `dir`, with `text`.
fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Sends v1 SIGUSR2 and checks that the upgrade fails for `why`, v1 serving on.
fn upgrade_fails(v1: &Started, why: &str) {
    deploy::signal(v1.pid, libc::SIGUSR2).expect("SIGUSR2");
    assert_eq!(
        v1.next_line().expect("log"),
        "v1: SIGUSR2: starting the new binary"
    );
    assert_eq!(
        v1.next_line().expect("log"),
        format!("v1: upgrade failed: {why}; still serving")
    );
}

#[test]
fn sigterm_during_a_handover_stops_the_new_process_too() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut v1 = start_v1(dir.path(), &["--ready-deadline-ms", "20000"]);
    deploy(dir.path(), &never_ready(dir.path()), "v2").expect("deploy it");
    deploy::signal(v1.pid, libc::SIGUSR2).expect("SIGUSR2");
    // Logged just before the new process is started, in the same step: the SIGTERM below is
    // handled after it, with the handover in progress.
    assert_eq!(
        v1.next_line().expect("log"),
        "v1: SIGUSR2: starting the new binary"
    );
    deploy::signal(v1.pid, libc::SIGTERM).expect("SIGTERM");
    assert!(v1.wait().expect("v1 exits").success());
    // `sleep` held the shared stdout too: its end means it is gone as well.
    let rest = v1.rest_of_log().expect("no process left");
    assert_eq!(
        rest,
        [
            "v1: SIGTERM: stopped accepting, draining",
            "v1: SIGTERM: stopped the new process too (signal: 15 (SIGTERM))",
            "v1: drained, exiting"
        ]
    );
}

#[test]
fn sigterm_right_after_sigusr2_leaves_no_server_running() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut orphans = Orphans::default();
    let mut v1 = start_v1(dir.path(), &[]);
    // An idle connection keeps v1 draining (up to its 10 s drain deadline) if v2 is ready
    // before the SIGTERM comes: then v1 is still there to pass it on.
    let idle = TcpStream::connect(v1.addr).expect("connect");
    deploy(dir.path(), Path::new(BINARY), "v2").expect("deploy v2");
    deploy::signal(v1.pid, libc::SIGUSR2).expect("SIGUSR2");
    deploy::signal(v1.pid, libc::SIGTERM).expect("SIGTERM");
    // v1 sees the SIGTERM before the SIGUSR2 (no v2 is started) or during the handover (v2 is
    // stopped too): it is there long before a v2 could say `ready`. The service stops in both.
    // (A stop once v2 is ready: `a_stop_sent_to_the_old_process_while_it_drains_is_passed_on`.)
    let mut log = Vec::new();
    let mut read = |line: String, orphans: &mut Orphans| {
        if let Some(pid) = line.strip_prefix("v2: took over").and_then(pid_in) {
            orphans.adopt(pid); // once v1 has exited, v2 is ours to reap
        }
        log.push(line);
    };
    loop {
        let line = v1.next_line().expect("a log line");
        let seen_by_v1 = line == "v1: SIGTERM: stopped accepting, draining"
            || line == "v1: stop signal: passed on to the new process";
        read(line, &mut orphans);
        if seen_by_v1 {
            break;
        }
    }
    drop(idle);
    assert!(v1.wait().expect("v1 exits").success());
    // Every server process holds the shared stdout: its end means none is left.
    for line in v1.rest_of_log().expect("no process left") {
        read(line, &mut orphans);
    }
    for pid in orphans.pids() {
        let _ = orphans.reap(pid); // not our child if v1 reaped it: then nothing to do
    }
    assert!(log.contains(&"v1: drained, exiting".to_owned()), "{log:?}");
}

#[test]
fn a_client_that_pipelines_during_a_handover_gets_a_clean_close() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut orphans = Orphans::default();
    let mut v1 = start_v1(dir.path(), &[]);
    let mut client = TcpStream::connect(v1.addr).expect("connect");
    client.set_read_timeout(Some(WAIT)).expect("timeout");
    client.write_all(b"first\n").expect("send");
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut answer = String::new();
    reader.read_line(&mut answer).expect("answer");
    assert_eq!(answer, "v1: hello, first\n");

    deploy(dir.path(), Path::new(BINARY), "v2").expect("deploy v2");
    deploy::signal(v1.pid, libc::SIGUSR2).expect("SIGUSR2");
    let log = |expected: &str| assert_eq!(shown(&v1.next_line().expect("log line")), expected);
    log("v1: SIGUSR2: starting the new binary");
    let took_over = v1.next_line().expect("log line");
    let v2 = pid_in(&took_over).expect("a pid");
    orphans.adopt(v2);
    log("v1: the new process is ready; stopped accepting, draining");

    // Two requests in one write, before reading: v1 answers the first, marked `(closing)`, and
    // ends its side of the stream; the second is not answered.
    client.write_all(b"second\nthird\n").expect("send");
    let mut rest = String::new();
    reader
        .read_to_string(&mut rest)
        .expect("the answer, then end of stream");
    assert_eq!(rest, "v1: hello, second (closing)\n");
    // v1 reads on until the client closes. Had it closed its socket instead, the first write
    // below would get a reset back, and the second would fail (EPIPE).
    client
        .write_all(b"fourth\n")
        .expect("send after the end of stream");
    std::thread::sleep(Duration::from_millis(200)); // time for a reset to come back
    client
        .write_all(b"fifth\n")
        .expect("no reset: v1 still reads what the client sends");
    drop((reader, client));
    log("v1: drained, exiting");
    assert!(v1.wait().expect("v1 exits").success());

    deploy::signal(v2, libc::SIGTERM).expect("SIGTERM");
    let rest = v1.rest_of_log().expect("every server process exits");
    assert_eq!(
        rest,
        [
            "v2: SIGTERM: stopped accepting, draining",
            "v2: drained, exiting"
        ]
    );
    assert!(orphans.reap(v2).expect("v2 exits").success());
}

#[test]
fn a_stop_sent_to_the_old_process_while_it_drains_is_passed_on() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut orphans = Orphans::default();
    let mut v1 = start_v1(dir.path(), &[]);
    // A connection v1 has answered on, left open: v1 drains it until it closes (or for 10 s),
    // so v1 is still there once v2 serves.
    let mut idle = TcpStream::connect(v1.addr).expect("connect");
    assert_eq!(ask(&mut idle, "idle"), "v1: hello, idle\n");

    deploy(dir.path(), Path::new(BINARY), "v2").expect("deploy v2");
    deploy::signal(v1.pid, libc::SIGUSR2).expect("SIGUSR2");
    let log = |expected: &str| assert_eq!(shown(&v1.next_line().expect("log line")), expected);
    log("v1: SIGUSR2: starting the new binary");
    let v2 = pid_in(&v1.next_line().expect("log line")).expect("a pid");
    orphans.adopt(v2);
    log("v1: the new process is ready; stopped accepting, draining");
    let mut client = TcpStream::connect(v1.addr).expect("connect");
    assert_eq!(ask(&mut client, "Ada"), "v2: hello, Ada\n");
    drop(client);

    deploy::signal(v1.pid, libc::SIGTERM).expect("SIGTERM");
    // v1 logs after its kill(2): v2's lines may come first.
    let mut lines = Vec::new();
    while !lines.contains(&"v1: stop signal: passed on to the new process".to_owned()) {
        lines.push(v1.next_line().expect("v1 passes the stop on"));
    }
    drop(idle);
    assert!(v1.wait().expect("v1 exits").success());
    // Every server process holds the shared stdout: its end means none is left.
    lines.extend(v1.rest_of_log().expect("every server process exits"));
    assert!(orphans.reap(v2).expect("v2 exits").success());
    let of = |label: &str| -> Vec<&str> {
        let lines = lines.iter().map(String::as_str);
        lines.filter(|line| line.starts_with(label)).collect()
    };
    assert_eq!(
        of("v1: "),
        [
            "v1: stop signal: passed on to the new process",
            "v1: drained, exiting"
        ]
    );
    assert_eq!(
        of("v2: "),
        [
            "v2: SIGTERM: stopped accepting, draining",
            "v2: drained, exiting"
        ]
    );
}

/// Sends `name` on `stream` and returns the answer line.
fn ask(stream: &mut TcpStream, name: &str) -> String {
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    stream
        .write_all(format!("{name}\n").as_bytes())
        .expect("send");
    let mut answer = String::new();
    BufReader::new(&*stream)
        .read_line(&mut answer)
        .expect("answer");
    answer
}

/// A `ready` written as the deadline passes is taken: the old process reads the pipe once more
/// before it kills. Here the new process (bash) writes it only once `heard` has given up.
#[tokio::test]
async fn a_ready_written_as_the_deadline_passes_is_taken() {
    use std::os::fd::AsFd;
    let dir = tempfile::tempdir().expect("temporary directory");
    let (go, said) = (dir.path().join("go"), dir.path().join("said"));
    let script = format!(
        "while [ ! -e '{}' ]; do sleep 0.01; done; echo ready >&\"$READY_FD\"; touch '{}'; \
         exec sleep 60",
        go.display(),
        said.display()
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let (bash, args) = (Path::new("/bin/bash"), ["-c".to_owned(), script]);
    let deadline = Duration::from_millis(100);
    let no_deploy_meanwhile = deploy::no_deploy_meanwhile();
    let mut upgrade =
        handover::start_successor(bash, &args, listener.as_fd(), deadline).expect("start bash");
    drop(no_deploy_meanwhile);
    let heard = upgrade.heard().await;
    assert!(
        heard.is_err(),
        "{heard:?}: past the deadline, with nothing written"
    );
    std::fs::write(&go, "").expect("let the script write");
    let by = std::time::Instant::now() + WAIT;
    while !said.exists() {
        assert!(std::time::Instant::now() < by, "the script did not write");
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = upgrade
        .conclude(heard)
        .await
        .expect("the ready in the pipe");
    let mut orphans = Orphans::default();
    orphans.adopt(pid); // released: ours to stop
    deploy::signal(pid, libc::SIGKILL).expect("SIGKILL");
    assert!(orphans.reap(pid).is_ok());
}

/// The old process is gone before the new one says `ready` (killed mid-handover): the word
/// reaches no one, and the new process, which holds the only copy of the socket, serves on.
#[test]
fn a_new_process_whose_old_one_is_gone_serves_on() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("temporary directory");
    deploy(dir.path(), Path::new(BINARY), "v2").expect("deploy");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let (reader, writer) = ready_pipe();
    // SAFETY: the read end is ours, closed once: the old process is gone.
    unsafe { libc::close(reader) };
    let socket = listener.as_raw_fd();
    let mut command = Command::new(dir.path().join("server"));
    command
        .arg("serve")
        .env("LISTEN_FDS", "1")
        .env("READY_FD", writer.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    // SAFETY: between fork and exec only dup2 and fcntl, which are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            // dup2 of a descriptor onto itself keeps its close-on-exec: clear it then.
            let moved = if socket == 3 {
                libc::fcntl(3, libc::F_SETFD, 0)
            } else {
                libc::dup2(socket, 3)
            };
            if moved == -1 || libc::fcntl(writer, libc::F_SETFD, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Killed and reaped on the way out if the test fails before it stops. No deploy of another
    // test may hold a binary open for writing while this child forks (ETXTBSY).
    let no_deploy_meanwhile = deploy::no_deploy_meanwhile();
    let mut v2 = Reaped(command.spawn().expect("start v2"));
    drop(no_deploy_meanwhile);
    // SAFETY: the write end is ours; the child has its own copy.
    unsafe { libc::close(writer) };
    drop(listener);
    let log = deploy::lines(v2.0.stdout.take());
    let next = || log.recv_timeout(deploy::LOG_TIMEOUT).expect("a log line");
    assert_eq!(shown(&next()), "v2: took over the listening socket");
    assert_eq!(
        next(),
        "v2: could not say ready (Broken pipe (os error 32)); serving on"
    );
    let mut client = TcpStream::connect(addr).expect("connect");
    client
        .set_read_timeout(Some(deploy::LOG_TIMEOUT))
        .expect("a read deadline");
    client.write_all(b"Ada\n").expect("send");
    let mut answer = String::new();
    BufReader::new(&client)
        .read_line(&mut answer)
        .expect("answer");
    assert_eq!(answer, "v2: hello, Ada\n");
    drop(client);
    deploy::signal(v2.0.id(), libc::SIGTERM).expect("SIGTERM");
    assert!(v2.wait().expect("v2 exits").success());
}

/// A process a test started itself: killed and reaped if the test ends before it has exited.
struct Reaped(std::process::Child);

impl Reaped {
    fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        deploy::wait_for(&mut self.0, deploy::LOG_TIMEOUT)
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Asked to say `ready` (`READY_FD`) but handed no socket (`LISTEN_FDS` cleared on the way,
/// by a wrapper script say): the new process refuses to start instead of binding a socket of
/// its own, which the old one's clients would never reach, and writes no `ready`.
#[test]
fn a_new_process_given_no_socket_refuses_to_say_ready() {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("temporary directory");
    deploy(dir.path(), Path::new(BINARY), "v2").expect("deploy");
    let (reader, writer) = ready_pipe();
    let mut command = Command::new(dir.path().join("server"));
    command
        .arg("serve")
        .env_remove("LISTEN_FDS")
        .env("READY_FD", writer.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: between fork and exec only fcntl, which is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::fcntl(writer, libc::F_SETFD, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let no_deploy_meanwhile = deploy::no_deploy_meanwhile();
    let v2 = command.spawn().expect("start v2");
    drop(no_deploy_meanwhile);
    // SAFETY: the write end is ours; the child has its own copy.
    unsafe { libc::close(writer) };
    let out = v2.wait_with_output().expect("v2 ends");
    assert!(!out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("LISTEN_FDS passed no socket"), "{stderr}");
    // SAFETY: the read end is ours, read and closed once here.
    let mut word = [0u8; 16];
    let read = unsafe { libc::read(reader, word.as_mut_ptr().cast(), word.len()) };
    unsafe { libc::close(reader) };
    assert_eq!(read, 0, "no `ready` written, and the pipe closed");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A pipe for a new process's word, as the old process makes it: `(read end, write end)`, the
/// write end moved to 10 or above, out of the way of the descriptors `READY_FD` may not name
/// (the standard streams and the socket at 3), and closed on exec. The caller owns both.
fn ready_pipe() -> (libc::c_int, libc::c_int) {
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors pipe(2) writes.
    assert_eq!(unsafe { libc::pipe(ends.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: the write end is ours, replaced by its copy and closed once here.
    let writer = unsafe {
        let moved = libc::fcntl(ends[1], libc::F_DUPFD_CLOEXEC, 10);
        libc::close(ends[1]);
        moved
    };
    assert!(writer >= 10, "F_DUPFD_CLOEXEC");
    (ends[0], writer)
}
