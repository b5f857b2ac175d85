//! The program's executable, as Cargo built it, read byte by byte.

use std::path::Path;

// ANCHOR: baked_in
#[test]
fn the_manifest_dir_is_an_absolute_path_baked_into_the_executable() -> std::io::Result<()> {
    // What `SOURCE_DATA` in src/main.rs expands to when Cargo builds this package.
    let source_data = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    assert!(Path::new(source_data).is_absolute());
    // Here, on the machine that built it, the folder exists...
    assert!(Path::new(source_data).join("greeting.txt").is_file());
    // ...and the program carries its path: on another machine, a folder that is not there.
    let program = std::fs::read(env!("CARGO_BIN_EXE_ch10-08-package-data"))?;
    let found = program
        .windows(source_data.len())
        .any(|window| window == source_data.as_bytes());
    assert!(found, "{source_data} not found in the program");
    Ok(())
}
// ANCHOR_END: baked_in
