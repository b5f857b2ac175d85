//! Runs the package's binaries as a user would. Cargo builds them before the integration
//! tests of their own package, and gives each test its path as `CARGO_BIN_EXE_<name>`.

use std::path::Path;
use std::process::{Command, Output};

mod shown;
use shown::shown_at;

fn run(exe: &str, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {exe}: {e}"))
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("utf-8 output")
}

// ANCHOR: greet_test
#[test]
fn greet_succeeds_with_names_and_fails_with_code_2_on_an_option() {
    let ok = run(env!("CARGO_BIN_EXE_greet"), &["Ada", "Grace"]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(text(&ok.stdout), "Hello, Ada and Grace!\n");

    let bad = run(env!("CARGO_BIN_EXE_greet"), &["--loud"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(text(&bad.stdout), "");
    assert_eq!(
        text(&bad.stderr),
        "greet: unknown option `--loud`\nusage: greet [NAME]...\n"
    );
}
// ANCHOR_END: greet_test

#[test]
fn shout_is_a_second_binary_sharing_the_library() {
    let out = run(env!("CARGO_BIN_EXE_shout"), &["Ada"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "HELLO, ADA!\n");
}

// ANCHOR: tally_test
#[test]
fn an_error_returned_from_main_is_printed_with_debug_and_exits_1() {
    let ok = run(env!("CARGO_BIN_EXE_tally"), &["1", "2", "39"]);
    assert!(ok.status.success());
    assert_eq!(text(&ok.stdout), "42\n");

    let bad = run(env!("CARGO_BIN_EXE_tally"), &["1", "two"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        text(&bad.stderr),
        "Error: ParseIntError { kind: InvalidDigit }\n"
    );
}
// ANCHOR_END: tally_test

/// The console session the 10.7 page shows, `session.txt` beside this package's Cargo.toml:
/// each command is run as written, with the `cargo` that runs this test (`-q` keeps cargo's
/// own progress lines out, so what it prints is the program's), and its output recorded, what
/// it writes to stderr included (as a terminal shows both). A command expected to fail carries
/// its exit code in the comment the page shows.
/// Compared by snapbox; after a reviewed change: `SNAPSHOTS=overwrite cargo test -p ch10-runnable`.
#[test]
fn the_session_shown_on_the_page_is_what_its_commands_print() {
    let mut session = String::new();
    for (command, exits, why) in [
        ("cargo run -q -p ch10-runnable -- Ada Grace", 0, ""),
        ("cargo run -q -p ch10-runnable --bin tally -- 1 2 39", 0, ""),
        (
            "cargo run -q -p ch10-runnable -- --loud",
            2,
            "a usage error",
        ),
    ] {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let out = Command::new(env!("CARGO"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap_or_else(|e| panic!("run {command}: {e}"));
        if out.status.code() != Some(exits) {
            panic!(
                "{}{command}: {} (the page shows exit code {exits}): {}",
                shown_at("session.txt"),
                out.status,
                text(&out.stderr)
            );
        }
        let comment = if exits == 0 {
            String::new()
        } else {
            format!("   # exits {exits}: {why}")
        };
        session.push_str(&format!(
            "$ {command}{comment}\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        ));
    }
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("session.txt");
    let compared = snapbox::Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        .try_eq(
            Some(&"printed now"),
            snapbox::Data::text(session),
            snapbox::Data::read_from(&file, None).raw(),
        );
    if let Err(difference) = compared {
        panic!(
            "{}the session differs:\n{difference}",
            shown_at("session.txt")
        );
    }
}

/// `cargo install --root DIR` puts the package's binaries into `DIR/bin` instead of
/// `~/.cargo/bin`: an installation just for one folder (the page "Python's 10.11–10.14").
/// Built offline, with the lock file, into a temporary folder that is deleted afterwards.
// ANCHOR: install_root
#[test]
fn cargo_install_root_puts_the_binaries_in_that_folder() {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-root");
    let _ = std::fs::remove_dir_all(&root);
    let out = Command::new(env!("CARGO"))
        .args(["install", "--quiet", "--offline", "--locked", "--path", "."])
        .arg("--root")
        .arg(&root)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // its own build folder, so that this build never waits for the one running the test
        .env("CARGO_TARGET_DIR", root.join("build"))
        .output()
        .expect("run cargo install");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exe = |name: &str| {
        root.join("bin")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };
    for binary in ["greet", "shout", "tally"] {
        let path = exe(binary);
        assert!(path.is_file(), "{} is missing", path.display());
    }
    let greet = run(exe("greet").to_str().expect("utf-8 path"), &["Ada"]);
    assert_eq!(text(&greet.stdout), "Hello, Ada!\n");
    std::fs::remove_dir_all(&root).expect("clean up");
}
// ANCHOR_END: install_root

/// In the book's repository a failure above starts with the page and line that show
/// `session.txt`; in a copy of this folder alone, with the file's name.
#[test]
fn a_failure_names_the_page_that_shows_the_session() {
    let page =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../src/ch10/10-07-runnable-package.md");
    let at = shown_at("session.txt");
    if page.exists() {
        let text = std::fs::read_to_string(&page).expect("read the page");
        let line = text
            .lines()
            .position(|l| l.contains("10-07-runnable-package/session.txt"))
            .expect("the page includes session.txt");
        assert_eq!(
            at,
            format!("src/ch10/10-07-runnable-package.md:{}: ", line + 1)
        );
    } else {
        assert_eq!(at, "session.txt: ");
    }
}
