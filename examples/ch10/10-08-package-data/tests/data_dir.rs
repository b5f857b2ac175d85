//! The program run as a user runs it: with the data folder named by `CH10_08_DATA_DIR`, and
//! copied into an installation with its data beside it.

use std::process::Command;
use std::sync::{Mutex, PoisonError};

/// Held while a test writes a program or starts one: a process started while another thread
/// has a file open for writing holds that file too until it runs its program, and running the
/// file then fails with "Text file busy" (ETXTBSY).
static SPAWNING: Mutex<()> = Mutex::new(());

// ANCHOR: named_folder
#[test]
fn the_program_reads_the_data_folder_the_user_names() -> std::io::Result<()> {
    let folder = tempfile::tempdir()?;
    let greeting = "Hello from the folder the user named.";
    std::fs::write(folder.path().join("greeting.txt"), format!("{greeting}\n"))?;
    let spawning = SPAWNING.lock().unwrap_or_else(PoisonError::into_inner);
    let run = Command::new(env!("CARGO_BIN_EXE_ch10-08-package-data"))
        .env("CH10_08_DATA_DIR", folder.path())
        .output()?;
    drop(spawning);
    assert!(run.status.success(), "{run:?}");
    let printed = String::from_utf8_lossy(&run.stdout);
    let line = format!("in the data folder: {greeting}");
    assert!(printed.lines().any(|l| l == line), "{printed}");
    Ok(())
}
// ANCHOR_END: named_folder

// ANCHOR: installed_copy
#[test]
fn an_installed_copy_of_the_program_reads_the_data_beside_it() -> std::io::Result<()> {
    // An installation anywhere on disk: bin/ch10-08-package-data and bin/data/greeting.txt.
    let prefix = tempfile::tempdir()?;
    let bin = prefix.path().join("bin");
    std::fs::create_dir_all(bin.join("data"))?;
    let greeting = "Hello from the data installed beside the program.";
    std::fs::write(bin.join("data/greeting.txt"), format!("{greeting}\n"))?;
    let program = bin.join("ch10-08-package-data");
    let spawning = SPAWNING.lock().unwrap_or_else(PoisonError::into_inner);
    std::fs::copy(env!("CARGO_BIN_EXE_ch10-08-package-data"), &program)?;
    let run = Command::new(&program)
        .env_remove("CH10_08_DATA_DIR")
        .output()?;
    drop(spawning);
    assert!(run.status.success(), "{run:?}");
    let printed = String::from_utf8_lossy(&run.stdout);
    let line = format!("in the data folder: {greeting}");
    assert!(printed.lines().any(|l| l == line), "{printed}");
    Ok(())
}
// ANCHOR_END: installed_copy
