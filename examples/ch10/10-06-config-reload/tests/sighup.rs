//! The program itself, as it runs in production: `--watch FILE`, then `kill -HUP`. Its output
//! is read line by line with a deadline; the process is killed and reaped whatever happens.
#![cfg(unix)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

/// Far above anything the program takes; only reached when something is broken.
const DEADLINE: Duration = Duration::from_secs(20);

const GOOD: &str =
    "greeting = \"hello\"\ntimeout_ms = 1500\n\n[limits]\nrequests_per_second = 100\nburst = 200\n";

/// The running program: killed and reaped when dropped, even if the test failed.
struct Program {
    child: Child,
    lines: Receiver<String>,
}

impl Program {
    fn watch(path: &std::path::Path) -> Program {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ch10-06-config-reload"))
            .arg("--watch")
            .arg(path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the program");
        let stdout = child.stdout.take().expect("its output");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Program { child, lines }
    }

    /// The next line the program prints, within the deadline.
    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(DEADLINE)
            .expect("the program printed a line within the deadline")
    }

    fn hang_up(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) with a pid of our own child and a valid signal number.
        let result = unsafe { libc::kill(pid, libc::SIGHUP) };
        assert_eq!(result, 0, "kill: {}", std::io::Error::last_os_error());
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sighup_reloads_through_the_same_checks() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("app.toml");
    fs::write(&path, GOOD).expect("first file");
    let program = Program::watch(&path);
    assert!(program.next_line().starts_with("generation 1: "));
    assert!(
        program.next_line().starts_with("watching "),
        "SIGHUP is handled from here on"
    );

    program.hang_up();
    assert_eq!(program.next_line(), "SIGHUP: reloading");
    assert_eq!(
        program.next_line(),
        "generation 2: greeting \"hello\", timeout 1500 ms, 100 requests/s (burst 200)"
    );

    // A bad save is rejected; asking again gives the same error, and generation 2 stays.
    let temporary = path.with_extension("toml.tmp");
    fs::write(&temporary, "timeout_ms = = 1\n").expect("bad file");
    fs::rename(&temporary, &path).expect("rename-save");
    let rejected = program.next_line();
    assert!(rejected.starts_with("rejected: "), "{rejected}");
    assert!(rejected.ends_with("extra `=`, expected nothing (still serving generation 2)"));
    program.hang_up();
    assert_eq!(program.next_line(), "SIGHUP: reloading");
    assert_eq!(program.next_line(), rejected);
}

mod session;

/// The page's "Try it", run as shown: `try-it.txt` beside `Cargo.toml` is what it records.
#[cfg(target_os = "linux")] // GNU sed's `-i`
#[test]
fn the_try_it_session_is_what_the_page_shows() {
    let mut session = session::Session::new("terminal_1", "terminal_2");
    session.before(
        r#"printf 'greeting = "hello"\ntimeout_ms = 1500\n\n[limits]\nrequests_per_second = 100\nburst = 200\n' > /tmp/app.toml"#,
        "",
    );
    session.start(
        "cargo run -q -p ch10-06-config-reload -- --watch /tmp/app.toml",
        env!("CARGO_BIN_EXE_ch10-06-config-reload"),
        &["--watch", "/tmp/app.toml"],
    );
    let pid = session.pid();
    session.placeholder("(pid 4242)", &format!("(pid {pid})"));
    session.placeholder("kill -HUP 4242", &format!("kill -HUP {pid}"));
    session.lines(2);
    session.then("terminal_1_then");
    session.beside(
        "sed -i 's/1500/900/' /tmp/app.toml",
        "GNU sed; on macOS: sed -i ''",
    );
    session.lines(1);
    session.beside("sed -i 's/burst = 200/burst = 20/' /tmp/app.toml", "");
    session.lines(1);
    session.beside("kill -HUP 4242", "the pid terminal 1 shows");
    session.lines(2);
    session.beside("sed -i 's/burst = 20/burst = 250/' /tmp/app.toml", "");
    session.lines(1);
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("try-it.txt");
    session.finish(&file, "the_try_it_session_is_what_the_page_shows");
}
