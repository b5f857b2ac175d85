//! The program run as a user runs it, with the data folder named by `CH10_08_DATA_DIR`.

use std::process::Command;

// ANCHOR: named_folder
#[test]
fn the_program_reads_the_data_folder_the_user_names() -> std::io::Result<()> {
    let folder = tempfile::tempdir()?;
    let greeting = "Hello from the folder the user named.";
    std::fs::write(folder.path().join("greeting.txt"), format!("{greeting}\n"))?;
    let run = Command::new(env!("CARGO_BIN_EXE_ch10-08-package-data"))
        .env("CH10_08_DATA_DIR", folder.path())
        .output()?;
    assert!(run.status.success(), "{run:?}");
    let printed = String::from_utf8_lossy(&run.stdout);
    let line = format!("in the data folder: {greeting}");
    assert!(printed.lines().any(|l| l == line), "{printed}");
    Ok(())
}
// ANCHOR_END: named_folder
