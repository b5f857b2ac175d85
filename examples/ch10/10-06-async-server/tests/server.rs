#![cfg(unix)] // signals to the spawned binary: kill(2)
//! The server under load and reload: real sockets on 127.0.0.1 (port 0), real files, the real
//! binary for the signals. Every wait has a deadline; every process started is stopped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ch10_06_async_server::client::{Load, config_text, request, request_within};
use ch10_06_async_server::reload::{self, Report, Triggers};
use ch10_06_async_server::server;

mod session;

const DEADLINE: Duration = Duration::from_secs(10);

fn save(path: &Path, text: &str) {
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, text).expect("write the temporary file");
    std::fs::rename(&temporary, path).expect("rename it over the file");
}

async fn next_report(reports: &mut tokio::sync::mpsc::UnboundedReceiver<Report>) -> Report {
    tokio::time::timeout(DEADLINE, reports.recv())
        .await
        .expect("a reload report within the deadline")
        .expect("the reloader is running")
}

const WATCH_ONLY: Triggers = Triggers {
    watch_file: true,
    // Each test saves by rename, whose events come together: what they check does not depend
    // on the debounce, and the load test's 30 saves wait for it 30 times. The binary, which
    // the other tests start, uses `DEBOUNCE`.
    debounce: Duration::from_millis(10),
    sighup: false, // signals are process-wide: only the spawned binary gets them
};

/// A server on 127.0.0.1, port 0, serving `app.toml` (version 1) from its own directory,
/// reloading on file changes.
struct Served {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    reloading: reload::Reloading,
    addr: SocketAddr,
    /// Send to stop it; `server` then returns how many connections it cut.
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<usize>,
}

async fn serve_version_1() -> Served {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("app.toml");
    save(&path, &config_text(1));
    let reloading = reload::start(&path, WATCH_ONLY).expect("start");
    let config = reloading.config.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, config, async {
        let _ = stopped.await;
    }));
    Served {
        _dir: dir,
        path,
        reloading,
        addr,
        stop,
        server,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_with_reloads_has_no_failed_or_torn_answer() {
    let Served {
        _dir,
        path,
        mut reloading,
        addr,
        stop,
        server,
    } = serve_version_1().await;

    let load = Load::start(addr, 8);
    let mut version = 1;
    for round in 1..=30 {
        load.wait_for_answers(50).await;
        if round % 3 == 0 {
            save(
                &path,
                &format!("version = {}\ngreeting = \"\"\n", version + 1),
            );
            let report = next_report(&mut reloading.reports).await;
            assert!(report.outcome.is_err(), "{report}");
            assert_eq!(report.serving, version);
        } else {
            version += 1;
            save(&path, &config_text(version));
            let report = next_report(&mut reloading.reports).await;
            assert_eq!(report.outcome.expect("loaded").version, version);
        }
    }
    load.wait_for_answers(50).await;
    let seen = load.stop().await;
    assert_eq!(seen.failed, 0, "{:?}", seen.first_problem);
    assert_eq!(seen.torn, 0, "{:?}", seen.first_problem);
    assert!(seen.requests >= 1500, "{} requests", seen.requests);
    assert_eq!(seen.versions.last(), Some(&version));
    assert!(
        seen.versions.len() > 2,
        "clients saw only {:?}",
        seen.versions
    );

    let _ = stop.send(());
    let cut = tokio::time::timeout(DEADLINE, server)
        .await
        .expect("stops")
        .expect("no panic");
    assert_eq!(cut, 0);
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_after_the_timeout() {
    // Never accepted, never read: the kernel completes the connection all the same, so the
    // request is sent and its answer waited for.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = silent.local_addr().expect("its address");
    let timeout = Duration::from_millis(200);
    let started = Instant::now();
    let answer = tokio::time::timeout(DEADLINE, request_within(addr, "Ada", timeout))
        .await
        .expect("gives up by itself, before the test's deadline");
    assert_eq!(answer, Err(format!("{addr}: no answer within 200ms")));
    assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_is_kept_out_and_the_fix_is_loaded() {
    let Served {
        _dir,
        path,
        mut reloading,
        addr,
        stop,
        server,
    } = serve_version_1().await;

    let bad = [
        ("version = = 2\n", "app.toml:1:11: "),
        (
            "version = 0\ngreeting = \"Hi\"\n",
            "app.toml:1:11: version must be at least 1",
        ),
        (
            "version = 2\ngreeting = \"a\\nb\"\n",
            "app.toml:2:12: greeting must be one line",
        ),
        ("", "app.toml: missing field `version`"),
        (
            "version = 2\ngreeting = \"Hi\"\nport = 80\n",
            "app.toml:3:1: unknown field `port`",
        ),
        (
            "version = \"two\"\ngreeting = \"Hi\"\n",
            "app.toml:1:11: invalid type: string",
        ),
    ];
    for (text, expected) in bad {
        save(&path, text);
        let report = next_report(&mut reloading.reports).await;
        let error = report.outcome.expect_err("refused").to_string();
        assert!(
            error.contains(expected),
            "{error:?} should contain {expected:?}"
        );
        assert_eq!(report.serving, 1);
        let answer = request(addr, "test").await.expect("answered");
        assert_eq!(answer, "1 Hello from version 1, test!");
    }
    std::fs::remove_file(&path).expect("delete the file");
    let report = next_report(&mut reloading.reports).await;
    let error = report.outcome.expect_err("refused").to_string();
    assert!(error.starts_with("app.toml: No such file"), "{error}");
    assert_eq!(report.serving, 1);
    let answer = request(addr, "test").await.expect("answered");
    assert_eq!(answer, "1 Hello from version 1, test!");

    // The last good text again, after refusals: the fix is reported, not taken for a touch.
    save(&path, &config_text(1));
    let report = next_report(&mut reloading.reports).await;
    assert_eq!(report.outcome.expect("loaded").version, 1);

    save(&path, &config_text(2));
    let report = next_report(&mut reloading.reports).await;
    assert_eq!(report.outcome.expect("loaded").version, 2);
    let answer = request(addr, "test").await.expect("answered");
    assert_eq!(answer, "2 Hello from version 2, test!");
    let _ = stop.send(());
    tokio::time::timeout(DEADLINE, server)
        .await
        .expect("stops")
        .expect("no panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_line_over_the_limit_is_refused_and_its_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Served {
        _dir,
        reloading: _reloading,
        addr,
        stop,
        server,
        ..
    } = serve_version_1().await;

    let longest = "n".repeat(server::MAX_LINE);
    let answer = request(addr, &longest).await.expect("answered");
    assert_eq!(answer, format!("1 Hello from version 1, {longest}!"));

    // 1 MiB with no newline, the client's side left open: only the limit can end the read.
    // The server holds at most MAX_LINE + 2 bytes of it, and reads the rest into a sink.
    let mut client = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut answer = String::new();
    tokio::time::timeout(DEADLINE, async {
        client.write_all(&vec![b'n'; 1 << 20]).await?;
        client.read_to_string(&mut answer).await
    })
    .await
    .expect("refused at the limit, within the deadline")
    .expect("an answer, then a clean end of stream");
    assert_eq!(answer, "error: request longer than 1024 bytes\n");
    drop(client);

    let answer = request(addr, "test").await.expect("answered");
    assert_eq!(
        answer, "1 Hello from version 1, test!",
        "the server goes on"
    );
    let _ = stop.send(());
    let cut = tokio::time::timeout(DEADLINE, server)
        .await
        .expect("stops")
        .expect("no panic");
    assert_eq!(cut, 0);
}

/// A refused client that keeps its connection open does not hold a shutdown up: `refuse` reads
/// what it sends only until the server stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_client_that_stays_connected_does_not_hold_up_a_shutdown() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let Served {
        _dir,
        reloading: _reloading,
        addr,
        stop,
        server,
        ..
    } = serve_version_1().await;

    let refused = Instant::now();
    let mut client = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut answer = String::new();
    tokio::time::timeout(DEADLINE, async {
        client.write_all(&[b'n'; server::MAX_LINE + 2]).await?; // no newline
        tokio::io::BufReader::new(&mut client)
            .read_line(&mut answer)
            .await
    })
    .await
    .expect("within the deadline")
    .expect("an answer");
    assert_eq!(answer, "error: request longer than 1024 bytes\n");

    let _ = stop.send(());
    let cut = tokio::time::timeout(DEADLINE, server)
        .await
        .expect("stops")
        .expect("no panic");
    assert_eq!(cut, 0);
    // `refuse` would read on until DRAIN_DEADLINE after the refusal: the shutdown did not wait.
    assert!(
        refused.elapsed() < server::DRAIN_DEADLINE,
        "{:?}",
        refused.elapsed()
    );
    drop(client);
}

/// The binary, started with `serve`; killed and reaped if a test fails half-way.
struct Spawned {
    child: Child,
    addr: SocketAddr,
    log: mpsc::Receiver<String>,
}

impl Spawned {
    fn start(args: &[&str]) -> Spawned {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ch10-06-async-server"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let (log_sender, log) = mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = log_sender.send(line);
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("read stdout");
        let mut spawned = Spawned {
            child,
            addr: "127.0.0.1:0".parse().expect("address"),
            log,
        };
        // `listening on ADDRESS (pid PID)`
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split(' ').next());
        match addr.and_then(|addr| addr.parse().ok()) {
            Some(addr) => spawned.addr = addr,
            None => panic!("no address in {first:?}; log: {:?}", spawned.log_line()),
        }
        spawned
    }

    fn log_line(&self) -> String {
        self.log
            .recv_timeout(DEADLINE)
            .expect("a log line within the deadline")
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child, which is not reaped yet (so the pid is its own).
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit in time");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ask(addr: SocketAddr) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(async { tokio::time::timeout(DEADLINE, request(addr, "test")).await })
        .expect("answered in time")
        .expect("answered")
}

#[test]
fn sighup_reloads_the_binary_and_sigterm_stops_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("app.toml");
    save(&path, &config_text(1));
    let path_arg = path.to_str().expect("UTF-8 path");
    // `--no-watch`: only SIGHUP reloads, so the test knows which trigger did it
    let mut server = Spawned::start(&["serve", path_arg, "--no-watch"]);
    assert_eq!(ask(server.addr), "1 Hello from version 1, test!");

    save(&path, &config_text(2));
    assert_eq!(
        ask(server.addr),
        "1 Hello from version 1, test!",
        "no reload without SIGHUP"
    );
    server.signal(libc::SIGHUP);
    assert_eq!(server.log_line(), "SIGHUP: loaded version 2");
    assert_eq!(ask(server.addr), "2 Hello from version 2, test!");

    save(&path, "version = 3\n");
    server.signal(libc::SIGHUP);
    assert_eq!(
        server.log_line(),
        "SIGHUP: rejected app.toml: missing field `greeting`; still serving version 2"
    );
    assert_eq!(ask(server.addr), "2 Hello from version 2, test!");

    // An idle keep-alive connection does not hold the shutdown up.
    let idle = std::net::TcpStream::connect(server.addr).expect("connect");
    server.signal(libc::SIGTERM);
    assert_eq!(server.log_line(), "SIGTERM: stopped accepting, draining");
    assert_eq!(
        server.log_line(),
        "stopped (0 connections cut at the deadline)"
    );
    assert!(server.wait().success());
    drop(idle);
}

#[test]
fn the_file_watch_reloads_the_binary_and_sigint_stops_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("app.toml");
    save(&path, &config_text(1));
    let mut server = Spawned::start(&["serve", path.to_str().expect("UTF-8 path")]);
    save(&path, &config_text(2));
    assert_eq!(server.log_line(), "file changed: loaded version 2");
    assert_eq!(ask(server.addr), "2 Hello from version 2, test!");
    server.signal(libc::SIGINT);
    assert_eq!(server.log_line(), "SIGINT: stopped accepting, draining");
    assert!(server.wait().success());
}

#[test]
fn a_bad_first_file_stops_the_binary_with_its_position() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("app.toml");
    save(&path, "version = 1\ngreeting = 7\n");
    let output = Command::new(env!("CARGO_BIN_EXE_ch10-06-async-server"))
        .args(["serve", path.to_str().expect("UTF-8 path")])
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: app.toml:2:12: invalid type: integer `7`, expected a string\n"
    );
}

/// The page's "Try it", run as shown: `try-it.txt` beside `Cargo.toml` is what it records.
/// Terminal 2's `cargo run -q -p ch10-06-async-server --` is the binary cargo built.
#[cfg(target_os = "linux")]
#[test]
fn the_try_it_session_is_what_the_page_shows() {
    let program = env!("CARGO_BIN_EXE_ch10-06-async-server");
    let mut session = session::Session::new("terminal_1", "terminal_2");
    session.placeholder("cargo run -q -p ch10-06-async-server --", program);
    session.before(
        r#"printf 'version = 1\ngreeting = "Hello"\n' > /tmp/app.toml"#,
        "",
    );
    session.start(
        "cargo run -q -p ch10-06-async-server -- serve /tmp/app.toml",
        program,
        &["serve", "/tmp/app.toml"],
    );
    let listening = session.line();
    let port = listening
        .strip_prefix("listening on 127.0.0.1:")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no port in {listening:?}"));
    session.placeholder("127.0.0.1:40113", &format!("127.0.0.1:{port}"));
    let pid = session.pid();
    session.placeholder("(pid 4242)", &format!("(pid {pid})"));
    session.placeholder("kill -HUP 4242", &format!("kill -HUP {pid}"));
    session.then("terminal_1_then");
    let ask = "cargo run -q -p ch10-06-async-server -- ask 127.0.0.1:40113 Ada";
    session.beside(ask, "");
    session.beside(
        r#"printf 'version = 2\ngreeting = "Hi"\n' > /tmp/app.toml"#,
        "",
    );
    session.lines(1);
    session.beside(ask, "");
    session.beside("kill -HUP 4242", "the pid terminal 1 shows");
    session.lines(1);
    session.signal(libc::SIGINT, "^C");
    session.lines(2);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("try-it.txt");
    session.finish(&file, "the_try_it_session_is_what_the_page_shows");
}
