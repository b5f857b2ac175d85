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
        "10-07-exit-codes: `three` is not a number\n\
         usage: 10-07-exit-codes [--times N] [NAME]\n"
    );
}
// ANCHOR_END: usage_test
