//! Runs the package's binaries as a user would. Cargo builds them before the integration
//! tests of their own package, and gives each test its path as `CARGO_BIN_EXE_<name>`.

use std::process::{Command, Output};

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
/// own progress lines out, so what it prints is the program's), and its output recorded.
/// Compared by snapbox; after a reviewed change: `SNAPSHOTS=overwrite cargo test -p ch10-runnable`.
#[test]
fn the_session_shown_on_the_page_is_what_its_commands_print() {
    let mut session = String::new();
    for command in [
        "cargo run -q -p ch10-runnable -- Ada Grace",
        "cargo run -q -p ch10-runnable --bin tally -- 1 2 39",
    ] {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let out = Command::new(env!("CARGO"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap_or_else(|e| panic!("run {command}: {e}"));
        assert!(out.status.success(), "{command}: {}", text(&out.stderr));
        session.push_str(&format!("$ {command}\n{}", text(&out.stdout)));
    }
    snapbox::assert_data_eq!(session, snapbox::file!["../session.txt"].raw());
}
