//! A "Try it" session of the book, run as a reader runs it: terminal 1 starts the program,
//! terminal 2 types shell commands beside it, terminal 1 shows what the program prints. The
//! page shows `try-it.txt`, which this records: every command as typed and every line printed
//! (standard output and error, as a terminal shows both; the program's two streams are read
//! apart, so a line on one is not ordered against a line on the other). Paths under `/tmp/` are made in a
//! temporary directory, and a pid or a port the program prints is shown as the page's
//! placeholder (`4242`, `40113`) and typed back as the real one. The program is the binary
//! cargo built, shown as `cargo run -q …`, which prints nothing of its own around it.

// Each package's sessions use part of this shared copy.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// Far above anything the program takes; only reached when something is broken.
const DEADLINE: Duration = Duration::from_secs(20);

pub struct Session {
    dir: tempfile::TempDir,
    /// (what the page shows, what it is in this run): `/tmp`, a pid, a port.
    placeholders: Vec<(String, String)>,
    program: Option<Child>,
    stdin: Option<ChildStdin>,
    lines: Option<Receiver<String>>,
    /// The blocks recorded so far, with their anchors, and the open one of each terminal.
    blocks: Vec<(String, String)>,
    terminal_1: (String, String),
    terminal_2: (String, String),
}

impl Session {
    /// A session whose first block of terminal 1 is `anchor_1`, and of terminal 2 `anchor_2`.
    pub fn new(anchor_1: &str, anchor_2: &str) -> Session {
        let dir = tempfile::tempdir().expect("temporary directory");
        let tmp = dir.path().to_string_lossy().into_owned();
        Session {
            dir,
            placeholders: vec![("/tmp".to_owned(), tmp)],
            program: None,
            stdin: None,
            lines: None,
            blocks: Vec::new(),
            terminal_1: (anchor_1.to_owned(), String::new()),
            terminal_2: (anchor_2.to_owned(), String::new()),
        }
    }

    /// The text as this run has it: placeholders replaced by their values.
    fn real(&self, shown: &str) -> String {
        self.placeholders
            .iter()
            .fold(shown.to_owned(), |text, (shown, real)| {
                text.replace(shown, real)
            })
    }

    /// The text as the page shows it.
    fn shown(&self, real: &str) -> String {
        self.placeholders
            .iter()
            .fold(real.to_owned(), |text, (shown, real)| {
                text.replace(real, shown)
            })
    }

    /// `real` (a pid, a port) is shown as `shown`, everywhere in the session, and typed back as
    /// `real` from now on.
    pub fn placeholder(&mut self, shown: &str, real: &str) {
        self.placeholders.push((shown.to_owned(), real.to_owned()));
    }

    /// Runs `command` with `sh`, its standard error into its output as in a terminal, for at
    /// most `DEADLINE`; returns what it printed.
    fn run_shell(&self, command: &str) -> String {
        let mut shell = Command::new("sh")
            .arg("-c")
            .arg(format!("{{ {}\n}} 2>&1", self.real(command)))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("sh -c {command:?}: {error}"));
        let mut stdout = shell.stdout.take().expect("piped");
        // Read on a thread, so a command that prints much cannot block on a full pipe.
        let printed = thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let deadline = Instant::now() + DEADLINE;
        let status = loop {
            match shell.try_wait().expect("wait for sh") {
                Some(status) => break status,
                None if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                None => {
                    let _ = shell.kill();
                    let _ = shell.wait();
                    panic!("{command}: still running after {DEADLINE:?}; killed");
                }
            }
        };
        let printed = printed.join().expect("the reader thread");
        assert!(status.success(), "{command}: {status}\n{printed}");
        printed
    }

    /// A shell command typed in terminal 1, before the program runs; `# comment` if not empty.
    pub fn before(&mut self, command: &str, comment: &str) {
        let printed = self.run_shell(command);
        self.terminal_1.1 += &typed(&self.real(command), comment);
        self.terminal_1.1 += &printed;
    }

    /// Starts `program` with `args` in terminal 1, shown as `$ shown`.
    pub fn start(&mut self, shown: &str, program: &str, args: &[&str]) {
        let mut child = Command::new(program)
            .args(args.iter().map(|arg| self.real(arg)))
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("{program}: {error}"));
        let (sender, lines) = mpsc::channel();
        let stdout = child
            .stdout
            .take()
            .map(|out| Box::new(out) as Box<dyn Read + Send>);
        let stderr = child
            .stderr
            .take()
            .map(|err| Box::new(err) as Box<dyn Read + Send>);
        for stream in [stdout, stderr].into_iter().flatten() {
            let sender = sender.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        self.terminal_1.1 += &typed(&self.real(shown), "");
        self.stdin = child.stdin.take();
        self.program = Some(child);
        self.lines = Some(lines);
    }

    /// The program's pid, to make a placeholder of it.
    pub fn pid(&self) -> String {
        self.program.as_ref().expect("started").id().to_string()
    }

    /// The next line the program prints, recorded in terminal 1.
    pub fn line(&mut self) -> String {
        let lines = self.lines.as_ref().expect("started");
        let line = lines.recv_timeout(DEADLINE).unwrap_or_else(|error| {
            let why = match error {
                mpsc::RecvTimeoutError::Timeout => format!("no line within {DEADLINE:?}"),
                mpsc::RecvTimeoutError::Disconnected => "the program closed its output".into(),
            };
            panic!("{why}; so far:\n{}", self.so_far())
        });
        self.terminal_1.1 += &format!("{line}\n");
        line
    }

    /// The next `count` lines.
    pub fn lines(&mut self, count: usize) {
        for _ in 0..count {
            self.line();
        }
    }

    /// Whatever the program prints for `quiet`; for a step the page says prints nothing.
    pub fn quiet(&mut self, quiet: Duration) {
        let lines = self.lines.as_ref().expect("started");
        let until = Instant::now() + quiet;
        let mut printed = Vec::new();
        // Ends at the deadline, or when the program has exited and closed its output.
        while let Ok(line) = lines.recv_timeout(until.saturating_duration_since(Instant::now())) {
            printed.push(line);
        }
        for line in printed {
            self.terminal_1.1 += &format!("{line}\n");
        }
    }

    /// A line typed into the program's standard input, in terminal 1.
    pub fn type_line(&mut self, line: &str) {
        let real = self.real(line);
        let stdin = self.stdin.as_mut().expect("started");
        writeln!(stdin, "{real}").expect("type a line");
        self.terminal_1.1 += &format!("{real}\n");
    }

    /// A shell command typed in terminal 2 while the program runs; then the lines it prints.
    pub fn beside(&mut self, command: &str, comment: &str) {
        let printed = self.run_shell(command);
        self.terminal_2.1 += &typed(&self.real(command), comment);
        self.terminal_2.1 += &printed;
    }

    /// Closes terminal 1's block; what it shows from now on goes to a block named `anchor`.
    pub fn then(&mut self, anchor: &str) {
        let done = std::mem::replace(&mut self.terminal_1, (anchor.to_owned(), String::new()));
        self.blocks.push(done);
    }

    /// Sends `signal` to the program (Ctrl-C is SIGINT), shown as `^C` where it is typed.
    pub fn signal(&mut self, signal: libc::c_int, shown: &str) {
        let pid =
            libc::pid_t::try_from(self.program.as_ref().expect("started").id()).expect("a pid");
        // SAFETY: kill(2) with the pid of our own child, not yet reaped, and a signal number.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
        self.terminal_1.1 += shown;
    }

    /// Ends the session (the program is killed and reaped when the session drops) and returns
    /// its blocks as the page shows them, terminal 2's second: (anchor, text).
    pub fn blocks(&mut self) -> Vec<(String, String)> {
        self.quiet(Duration::from_millis(300));
        let mut blocks = std::mem::take(&mut self.blocks);
        blocks.push(std::mem::take(&mut self.terminal_1));
        blocks.insert(1, std::mem::take(&mut self.terminal_2));
        blocks
            .into_iter()
            .map(|(anchor, text)| (anchor, self.shown(&text)))
            .collect()
    }

    /// Ends the session and compares its blocks with `file`, which `test` writes.
    pub fn finish(mut self, file: &Path, test: &str) {
        compare(&self.blocks(), file, test);
    }

    fn so_far(&self) -> String {
        format!("{}{}", self.terminal_1.1, self.terminal_2.1)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(mut program) = self.program.take() {
            let _ = program.kill();
            let _ = program.wait();
        }
    }
}

/// Compares a session's blocks with `file`, which `test` writes (`SNAPSHOTS=overwrite`).
pub fn compare(blocks: &[(String, String)], file: &Path, test: &str) {
    let mut recorded = format!(
        "Recorded by the test `{test}` (`SNAPSHOTS=overwrite` rewrites it); do not edit.\n"
    );
    for (anchor, text) in blocks {
        recorded += &format!("ANCHOR: {anchor}\n{text}ANCHOR_END: {anchor}\n");
    }
    let compared = snapbox::Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        .try_eq(
            Some(&"recorded now"),
            snapbox::Data::text(recorded),
            snapbox::Data::read_from(file, None).raw(),
        );
    if let Err(difference) = compared {
        panic!("the session differs:\n{difference}");
    }
}

/// `$ command`, and `   # comment` after it if there is one.
fn typed(command: &str, comment: &str) -> String {
    if comment.is_empty() {
        format!("$ {command}\n")
    } else {
        format!("$ {command}   # {comment}\n")
    }
}
