//! The runner against a small workspace of its own: a fake test binary (a shell script) in
//! `target/debug/deps/` counts its runs in a file outside the workspace.
#![cfg(unix)]

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use tempfile::TempDir;

/// Held for writing while a test writes a file it may run, and for reading while a test
/// starts a process. A process forked by one test thread inherits every open descriptor until
/// it calls exec, so running a file another thread is writing at that moment fails with
/// "Text file busy" (ETXTBSY; rust-lang/rust#114554).
static FILES_AND_FORKS: RwLock<()> = RwLock::new(());

/// Writes `text` to `path`, with no process being started meanwhile.
fn write_file(path: &Path, text: &str) {
    let _no_fork = FILES_AND_FORKS
        .write()
        .unwrap_or_else(PoisonError::into_inner);
    fs::write(path, text).expect("write file");
}

/// Copies `from` to `to`, with no process being started meanwhile.
fn copy_file(from: &Path, to: &Path) {
    let _no_fork = FILES_AND_FORKS
        .write()
        .unwrap_or_else(PoisonError::into_inner);
    fs::copy(from, to).expect("copy");
}

/// `command.output()`, started while no file is being written.
fn output(command: &mut Command) -> io::Result<Output> {
    let child = {
        let _no_write = FILES_AND_FORKS
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?
    };
    child.wait_with_output()
}

struct Workspace {
    root: TempDir,
    outside: TempDir,
}

impl Workspace {
    /// A workspace with two recipes, a page for one, a book check and a fake test binary.
    fn new() -> Workspace {
        let workspace = Workspace {
            root: tempfile::tempdir().expect("temp dir"),
            outside: tempfile::tempdir().expect("temp dir"),
        };
        for (file, text) in [
            ("Cargo.toml", "[workspace]\n"),
            ("examples/ch10/10-99-demo/Cargo.toml", "[package]\n"),
            ("examples/ch10/10-99-demo/src/main.rs", "fn main() {}\n"),
            ("examples/ch10/10-98-other/data.txt", "one\n"),
            ("src/ch10/10-99-demo.md", "# Demo\n"),
            ("src/introduction.md", "# Introduction\n"),
            ("src/ch10/10-99-demo/part.md", "# Part\n"),
            ("Cargo.lock", "# lock\n"),
            (".cargo/config.toml", "# config\n"),
            ("tools/check/Cargo.toml", "[package]\n"),
        ] {
            workspace.write(file, text);
        }
        workspace.binary("target/debug/deps/demo-0123", "0");
        workspace
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("a folder")).expect("create folder");
        write_file(&path, text);
    }

    /// A program that counts its runs outside the workspace and exits with `code`.
    fn binary(&self, relative: &str, code: &str) {
        let counter = self.outside.path().join("runs");
        self.script(
            relative,
            &format!(
                "echo run >> '{}'\necho 'test result: ok. 1 passed'\nexit {code}\n",
                counter.display()
            ),
        );
    }

    /// An executable shell script with the commands `body`.
    fn script(&self, relative: &str, body: &str) {
        self.write(relative, &format!("#!/bin/sh\n{body}"));
        let mut permissions = fs::metadata(self.path(relative))
            .expect("stat")
            .permissions();
        permissions.set_mode(0o755);
        fs::set_permissions(self.path(relative), permissions).expect("chmod");
    }

    fn runs(&self) -> usize {
        fs::read_to_string(self.outside.path().join("runs")).map_or(0, |t| t.lines().count())
    }

    /// Runs `program args` through the runner as cargo would for the package in `package`.
    fn run(&self, package: &str, program: &str, args: &[&str]) -> Output {
        self.run_with(package, program, args, &[])
    }

    /// The same, with the variables `vars` added to the environment.
    fn run_with(
        &self,
        package: &str,
        program: &str,
        args: &[&str],
        vars: &[(&str, &str)],
    ) -> Output {
        output(
            Command::new(env!("CARGO_BIN_EXE_test-cache"))
                .arg(self.root.path())
                .arg(self.path(program))
                .args(args)
                .env("CARGO_MANIFEST_DIR", self.path(package))
                .env_remove("BOOKTEST_CACHE")
                .env_remove("RUST_TEST_NOCAPTURE")
                .env_remove("RUST_TEST_THREADS")
                .envs(vars.iter().copied()),
        )
        .expect("run test-cache")
    }
}

const DEMO: &str = "examples/ch10/10-99-demo";
const TEST: &str = "target/debug/deps/demo-0123";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_passing_test_binary_runs_again_only_when_one_of_its_inputs_changes() {
    let workspace = Workspace::new();
    let first = workspace.run(DEMO, TEST, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = workspace.run(DEMO, TEST, &[]);
    assert_eq!(workspace.runs(), 1, "the second run was not cached");
    assert!(second.status.success());
    assert_eq!(
        second.stdout, first.stdout,
        "the recorded output is printed"
    );
    assert!(
        stderr(&second).contains("not run again"),
        "{}",
        stderr(&second)
    );

    // (what changes, the file and its new text, how many runs there have been after it)
    let steps = [
        ("its page", "src/ch10/10-99-demo.md", 2),
        (
            "a page in its page's folder",
            "src/ch10/10-99-demo/part.md",
            3,
        ),
        (
            "a file of its folder",
            "examples/ch10/10-99-demo/src/main.rs",
            4,
        ),
        (
            "a new file in its folder",
            "examples/ch10/10-99-demo/notes.txt",
            5,
        ),
        ("Cargo.lock", "Cargo.lock", 6),
        (".cargo/", ".cargo/config.toml", 7),
        ("another recipe", "examples/ch10/10-98-other/data.txt", 7),
        ("another page", "src/introduction.md", 7),
        ("build output", "examples/ch10/10-99-demo/target/x", 7),
    ];
    for (what, file, runs) in steps {
        workspace.write(file, "changed\n");
        workspace.run(DEMO, TEST, &[]);
        assert_eq!(workspace.runs(), runs, "after a change to {what}");
    }
    workspace.run(DEMO, TEST, &["some_test"]);
    assert_eq!(workspace.runs(), 8, "other arguments are another run");
    workspace.run_with(DEMO, TEST, &[], &[("A_VARIABLE_OF_ITS_OWN", "1")]);
    assert_eq!(workspace.runs(), 9, "another environment is another run");
    workspace.run(DEMO, TEST, &[]);
    workspace.run_with(DEMO, TEST, &[], &[("OLDPWD", "/elsewhere"), ("SHLVL", "9")]);
    assert_eq!(workspace.runs(), 10, "a `cd` or a subshell is the same run");

    // Linked again: the same bytes, a later modification time.
    let later = SystemTime::now() + Duration::from_secs(2);
    let file = fs::File::options().append(true).open(workspace.path(TEST));
    file.and_then(|f| f.set_modified(later))
        .expect("set the time");
    workspace.run(DEMO, TEST, &[]);
    assert_eq!(workspace.runs(), 11, "a binary linked again runs again");
}

#[test]
fn a_book_check_runs_again_after_any_change_in_the_tree() {
    let workspace = Workspace::new();
    workspace.run("tools/check", TEST, &[]);
    workspace.run("tools/check", TEST, &[]);
    assert_eq!(workspace.runs(), 1);
    workspace.write("examples/ch10/10-98-other/data.txt", "two\n");
    workspace.run("tools/check", TEST, &[]);
    assert_eq!(workspace.runs(), 2);
    workspace.write("target/debug/other", "built\n");
    workspace.run("tools/check", TEST, &[]);
    assert_eq!(workspace.runs(), 2, "build output is not an input");
}

/// A package may declare what its tests read; `targets.<name>` speaks for one test target.
#[test]
fn a_package_that_declares_its_reads_runs_again_only_when_those_change() {
    let workspace = Workspace::new();
    workspace.write(
        "tools/check/Cargo.toml",
        "[package]\n[package.metadata.test-cache]\nreads = [\"tools/check\"]\n\
         [package.metadata.test-cache.targets]\ndemo = [\"examples/ch10/10-98-other\"]\n",
    );
    const OTHER: &str = "target/debug/deps/other_check-4567";
    workspace.binary(OTHER, "0");
    let run_both = || {
        workspace.run("tools/check", TEST, &[]);
        workspace.run("tools/check", OTHER, &[]);
    };
    run_both();
    assert_eq!(workspace.runs(), 2);
    let first = workspace.run("tools/check", TEST, &[]);
    assert!(
        stderr(&first).contains("examples/ch10/10-98-other: what its manifest declares it reads"),
        "{}",
        stderr(&first)
    );
    // (what changes, the file, how many runs there have been after both run again)
    let steps = [
        ("a page, read by neither", "src/introduction.md", 2),
        ("another recipe", "examples/ch10/10-99-demo/src/main.rs", 2),
        ("what `demo` reads", "examples/ch10/10-98-other/data.txt", 3),
        ("what the package reads", "tools/check/src/lib.rs", 4),
        ("Cargo.lock, read by every test", "Cargo.lock", 6),
    ];
    for (what, file, runs) in steps {
        workspace.write(file, "changed\n");
        run_both();
        assert_eq!(workspace.runs(), runs, "after a change to {what}");
    }
}

#[test]
fn a_declaration_that_is_not_a_list_of_paths_is_refused_and_the_binary_runs() {
    let workspace = Workspace::new();
    workspace.write(
        "tools/check/Cargo.toml",
        "[package]\n[package.metadata.test-cache]\nreads = \"tools/check\"\n",
    );
    for runs in 1..=2 {
        let output = workspace.run("tools/check", TEST, &[]);
        assert!(output.status.success());
        assert!(
            stderr(&output).contains("reads: not a list of paths"),
            "{}",
            stderr(&output)
        );
        assert_eq!(workspace.runs(), runs, "never cached");
    }
}

#[test]
fn a_failing_binary_is_never_cached_and_its_exit_code_is_kept() {
    let workspace = Workspace::new();
    workspace.binary(TEST, "3");
    for runs in 1..=2 {
        let output = workspace.run(DEMO, TEST, &[]);
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(workspace.runs(), runs);
    }
}

/// A pass is recorded only for the inputs it ran with: here the binary rewrites an input while
/// it runs, and the test puts the old text back, as an editor's undo would.
#[test]
fn a_pass_with_an_input_changed_during_the_run_is_not_recorded() {
    let workspace = Workspace::new();
    let counter = workspace.outside.path().join("runs");
    let input = format!("{DEMO}/input.txt");
    workspace.write(&input, "before\n");
    let text = format!(
        "#!/bin/sh\necho run >> '{}'\necho after > '{}'\n",
        counter.display(),
        workspace.path(&input).display()
    );
    workspace.write(TEST, &text);
    for runs in 1..=2 {
        assert!(workspace.run(DEMO, TEST, &[]).status.success());
        assert_eq!(workspace.runs(), runs, "the run saw `after`, not `before`");
        workspace.write(&input, "before\n");
    }
}

#[test]
fn a_fifo_among_the_inputs_is_not_read() {
    let workspace = Workspace::new();
    let fifo = workspace.path(&format!("{DEMO}/a.fifo"));
    let made = output(Command::new("mkfifo").arg(&fifo)).expect("run mkfifo");
    assert!(made.status.success());
    // Reading it would block until a writer came, and none comes.
    workspace.run(DEMO, TEST, &[]);
    workspace.run(DEMO, TEST, &[]);
    assert_eq!(workspace.runs(), 1);
}

#[test]
fn a_binary_killed_by_a_signal_ends_the_runner_by_the_same_signal() {
    let workspace = Workspace::new();
    workspace.write(TEST, "#!/bin/sh\nkill -TERM $$\n");
    let output = workspace.run(DEMO, TEST, &[]);
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGTERM),
        "{:?}",
        output.status
    );
}

#[test]
fn programs_that_are_not_plain_test_runs_always_run() {
    let workspace = Workspace::new();
    workspace.binary("target/debug/demo", "0");
    // (what, program, arguments, variables, package)
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<&'a str>,
        Vec<(&'a str, &'a str)>,
        &'a str,
    );
    let mut cases: Vec<Case> = vec![
        ("`cargo run`", "target/debug/demo", vec![], vec![], DEMO),
        ("a package outside the workspace", TEST, vec![], vec![], "/"),
        (
            "BOOKTEST_CACHE=0",
            TEST,
            vec![],
            vec![("BOOKTEST_CACHE", "0")],
            DEMO,
        ),
        (
            "RUST_TEST_NOCAPTURE",
            TEST,
            vec![],
            vec![("RUST_TEST_NOCAPTURE", "1")],
            DEMO,
        ),
    ];
    let flags = [
        "--list",
        "--bench",
        "--nocapture",
        "--no-capture",
        "--show-output",
        "--help",
        "-h",
    ];
    cases.extend(flags.map(|flag| (flag, TEST, vec![flag], vec![], DEMO)));
    for (what, program, args, vars, package) in cases {
        let before = workspace.runs();
        for _ in 0..2 {
            let output = workspace.run_with(package, program, &args, &vars);
            assert!(output.status.success(), "{what}: {}", stderr(&output));
            assert!(!stderr(&output).contains("not run again"), "{what}");
        }
        assert_eq!(workspace.runs(), before + 2, "{what} ran twice");
    }
}

/// Eight test threads per core unless `RUST_TEST_THREADS` is set, cached or not.
#[test]
fn a_test_binary_runs_with_eight_threads_per_core_unless_told_otherwise() {
    let workspace = Workspace::new();
    let program = "target/debug/deps/threads-4567";
    workspace.script(program, "echo \"threads ${RUST_TEST_THREADS:-unset}\"\n");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let eight_per_core = format!("threads {}\n", 8 * cores);
    // (what, variables, output, printed from the record)
    let cases = [
        ("run", vec![], eight_per_core.as_str(), false),
        ("run again", vec![], &eight_per_core, true),
        (
            "BOOKTEST_CACHE=0",
            vec![("BOOKTEST_CACHE", "0")],
            &eight_per_core,
            false,
        ),
        (
            "RUST_TEST_THREADS=3",
            vec![("RUST_TEST_THREADS", "3")],
            "threads 3\n",
            false,
        ),
    ];
    for (what, vars, expected, cached) in cases {
        let output = workspace.run_with(DEMO, program, &[], &vars);
        assert!(output.status.success(), "{what}: {}", stderr(&output));
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected, "{what}");
        assert_eq!(stderr(&output).contains("not run again"), cached, "{what}");
    }
}

/// The script cargo starts: a test binary through the cache once it is built in the
/// workspace's `target/debug/`, anything else as it is.
#[test]
fn the_runner_script_caches_test_binaries_once_the_cache_is_built() {
    let workspace = Workspace::new();
    let script = workspace.path("tools/test-cache/runner");
    fs::create_dir_all(script.parent().expect("a folder")).expect("create folder");
    copy_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("runner"),
        &script,
    );
    let through_script = |program: &str| {
        output(
            Command::new(&script)
                .arg(workspace.path(program))
                .env("CARGO_MANIFEST_DIR", workspace.path(DEMO))
                .env_remove("BOOKTEST_CACHE")
                .env_remove("RUST_TEST_NOCAPTURE"),
        )
        .expect("run the runner script")
    };
    for runs in 1..=2 {
        assert!(through_script(TEST).status.success());
        assert_eq!(workspace.runs(), runs, "not built yet: every run runs");
    }
    let built = workspace.path("target/debug/test-cache");
    copy_file(Path::new(env!("CARGO_BIN_EXE_test-cache")), &built);
    through_script(TEST);
    let second = through_script(TEST);
    assert!(
        stderr(&second).contains("not run again"),
        "{}",
        stderr(&second)
    );
    assert_eq!(workspace.runs(), 3);

    workspace.binary("target/debug/demo", "0");
    through_script("target/debug/demo");
    through_script("target/debug/demo");
    assert_eq!(
        workspace.runs(),
        5,
        "a program `cargo run` starts always runs"
    );
}
