//! The runner against a small workspace of its own: a fake test binary (a shell script) in
//! `target/debug/deps/` counts its runs in a file outside the workspace.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

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
        fs::write(path, text).expect("write file");
    }

    /// A program that counts its runs outside the workspace and exits with `code`.
    fn binary(&self, relative: &str, code: &str) {
        let counter = self.outside.path().join("runs");
        self.write(
            relative,
            &format!(
                "#!/bin/sh\necho run >> '{}'\necho 'test result: ok. 1 passed'\nexit {code}\n",
                counter.display()
            ),
        );
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
        Command::new(env!("CARGO_BIN_EXE_test-cache"))
            .envs(vars.iter().copied())
            .arg(self.root.path())
            .arg(self.path(program))
            .args(args)
            .env("CARGO_MANIFEST_DIR", self.path(package))
            .env_remove("BOOKTEST_CACHE")
            .output()
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

    let steps: [(&str, &dyn Fn(), usize); 6] = [
        (
            "its page",
            &|| workspace.write("src/ch10/10-99-demo.md", "# Demo!\n"),
            2,
        ),
        (
            "its folder",
            &|| workspace.write(&format!("{DEMO}/src/main.rs"), "fn main(){}\n"),
            3,
        ),
        (
            "a new file in it",
            &|| workspace.write(&format!("{DEMO}/notes.txt"), "new\n"),
            4,
        ),
        (
            "another recipe",
            &|| workspace.write("examples/ch10/10-98-other/data.txt", "two\n"),
            4,
        ),
        (
            "another page",
            &|| workspace.write("src/introduction.md", "# Intro\n"),
            4,
        ),
        (
            "build output",
            &|| workspace.write(&format!("{DEMO}/target/x"), "built\n"),
            4,
        ),
    ];
    for (what, change, runs) in steps {
        change();
        workspace.run(DEMO, TEST, &[]);
        assert_eq!(workspace.runs(), runs, "after a change to {what}");
    }
    workspace.run(DEMO, TEST, &["some_test"]);
    assert_eq!(workspace.runs(), 5, "other arguments are another run");
    workspace.run_with(DEMO, TEST, &[], &[("A_VARIABLE_OF_ITS_OWN", "1")]);
    assert_eq!(workspace.runs(), 6, "another environment is another run");
    workspace.run(DEMO, TEST, &[]);
    workspace.run(DEMO, TEST, &[]);
    assert_eq!(workspace.runs(), 7, "recorded again");
    workspace.binary(TEST, "0 # linked again");
    workspace.run(DEMO, TEST, &[]);
    assert_eq!(workspace.runs(), 8, "a binary linked again runs again");
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

#[test]
fn a_binary_killed_by_a_signal_ends_the_runner_by_the_same_signal() {
    let workspace = Workspace::new();
    workspace.binary(TEST, "0");
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
    let cases: [(&str, &str, &[&str], Option<&str>); 5] = [
        ("`cargo run`", "target/debug/demo", &[], None),
        ("--list", TEST, &["--list"], None),
        ("--nocapture", TEST, &["--nocapture"], None),
        ("a package outside the workspace", TEST, &[], Some("/")),
        ("BOOKTEST_CACHE=0", TEST, &[], None),
    ];
    for (what, program, args, package) in cases {
        let before = workspace.runs();
        for _ in 0..2 {
            let mut command = Command::new(env!("CARGO_BIN_EXE_test-cache"));
            command
                .arg(workspace.root.path())
                .arg(workspace.path(program))
                .args(args)
                .env_remove("BOOKTEST_CACHE");
            match package {
                Some(dir) => command.env("CARGO_MANIFEST_DIR", dir),
                None => command.env("CARGO_MANIFEST_DIR", workspace.path(DEMO)),
            };
            if what.starts_with("BOOKTEST") {
                command.env("BOOKTEST_CACHE", "0");
            }
            let output = command.output().expect("run test-cache");
            assert!(output.status.success(), "{what}: {}", stderr(&output));
            assert!(!stderr(&output).contains("not run again"), "{what}");
        }
        assert_eq!(workspace.runs(), before + 2, "{what} ran twice");
    }
}

/// The script cargo starts: through the cache in the book's repository, where `cargo test`
/// built it; the program alone in a tree where it is not built.
#[test]
fn the_runner_script_runs_the_program_with_or_without_the_cache_built() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("runner");
    let unbuilt = tempfile::tempdir().expect("temp dir");
    let copy = unbuilt.path().join("tools/test-cache/runner");
    fs::create_dir_all(copy.parent().expect("a folder")).expect("create folder");
    fs::copy(&script, &copy).expect("copy the script");
    for runner in [script, copy] {
        let output = Command::new(&runner)
            .args(["sh", "-c", "echo ran"])
            .output()
            .expect("run the runner script");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "ran\n",
            "{}",
            runner.display()
        );
        assert_eq!(stderr(&output), "", "{}", runner.display());
    }
}
