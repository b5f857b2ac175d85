//! The program run with names, as the page's console session runs it.

use std::process::Command;

#[test]
fn each_name_given_runs_its_command_and_an_unknown_one_is_an_error() -> std::io::Result<()> {
    let run = Command::new(env!("CARGO_BIN_EXE_ch10-10-load-by-name"))
        .args(["upper", "twice", "shout"])
        .output()?;
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "upper: MODULES ARE COMPILED IN\n\
         twice: modules are compiled in modules are compiled in\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "error: no command named `shout` (known: count, reverse, twice, upper)\n"
    );
    assert_eq!(run.status.code(), Some(1));
    Ok(())
}
