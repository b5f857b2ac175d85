//! The program as a shell runs it: what it prints, and the exit code the shell sees.

use std::process::Command;

// ANCHOR: usage_test
#[test]
fn a_usage_error_goes_to_stderr_with_exit_code_2() {
    let run = Command::new(env!("CARGO_BIN_EXE_ch10-07-exit-codes"))
        .args(["--times", "three"])
        .output()
        .expect("run the program");
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&run.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "ch10-07-exit-codes: `three` is not a number\n\
         usage: ch10-07-exit-codes [--times N] [NAME]\n"
    );
}
// ANCHOR_END: usage_test

/// The child process of the test below: prints into std's stdout buffer and into a
/// `BufWriter` of its own, then exits with the code it is given.
#[cfg(unix)]
#[test]
#[ignore = "the child process of process_exit_keeps_the_low_8_bits_and_runs_no_destructor"]
fn exit_child() {
    use std::io::Write;
    let Ok(code) = std::env::var("EXIT_CHILD_CODE") else {
        return;
    };
    let code: i32 = code.parse().expect("an exit code");
    print!("[std's stdout buffer]"); // no newline: still in std's line buffer
    let mut own = std::io::BufWriter::new(std::io::stdout());
    write!(own, "[a BufWriter of its own]").expect("into the buffer");
    std::process::exit(code);
}

/// Unix keeps the low 8 bits of an exit code; Windows keeps all 32.
#[cfg(unix)]
#[test]
fn process_exit_keeps_the_low_8_bits_and_runs_no_destructor() {
    for (code, seen) in [(3, 3), (300, 44), (-1, 255)] {
        let run = Command::new(std::env::current_exe().expect("this test program"))
            .args(["--exact", "exit_child", "--ignored", "--nocapture"])
            .env("EXIT_CHILD_CODE", code.to_string())
            .output()
            .expect("run the child");
        assert_eq!(run.status.code(), Some(seen), "exit({code})");
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(out.contains("[std's stdout buffer]"), "exit({code}): {out}");
        assert!(
            !out.contains("[a BufWriter of its own]"),
            "exit({code}): {out}"
        );
    }
}
