//! Recipe 10.11: the files `cargo package` puts into this crate's package are the ones the
//! page shows (`package-list.txt`). To accept a change: `SNAPSHOTS=overwrite cargo test -p
//! ch10-publishable`.

use std::error::Error;
use std::fs;
use std::path::Path;
use std::process::Command;

mod shown;
use shown::shown_at;

/// Written by Cargo only in a Git checkout (the commit the package was made from), so the
/// comparison leaves it out: the test passes in a copy without `.git` too.
const VCS_INFO: &str = ".cargo_vcs_info.json";

// ANCHOR: test
#[test]
fn the_package_holds_the_files_the_page_shows() -> Result<(), Box<dyn Error>> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The cargo that runs this test; it released its build lock before running tests.
    let output = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .args(["-p", env!("CARGO_PKG_NAME")])
        .current_dir(crate_dir)
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo package --list: {stderr}");
    let listed = String::from_utf8(output.stdout)?;

    let shown_file = crate_dir.join("package-list.txt");
    if std::env::var_os("SNAPSHOTS").is_some_and(|v| v == "overwrite") {
        fs::write(&shown_file, &listed)?;
    }
    let shown = fs::read_to_string(&shown_file)?;
    let files = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| *line != VCS_INFO)
            .map(str::to_owned)
            .collect()
    };
    if files(&listed) != files(&shown) {
        panic!(
            "{}the package holds other files than the page shows:\n{listed}\n\
             (after a review: SNAPSHOTS=overwrite)",
            shown_at("package-list.txt")
        );
    }
    // What `include` leaves out:
    assert!(!listed.contains("tests/") && !listed.contains("notes/"));
    Ok(())
}
// ANCHOR_END: test

/// What `cargo publish --dry-run` does before it would upload: make the archive, unpack it into
/// `target/package/` and build it there. A file the build needs but `include` left out fails.
#[test]
fn the_package_builds_from_its_archive_alone() -> Result<(), Box<dyn Error>> {
    let output = Command::new(env!("CARGO"))
        .args(["package", "--allow-dirty", "--offline", "--quiet"])
        .args(["-p", env!("CARGO_PKG_NAME")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}cargo package: {stderr}",
        shown_at("Cargo.toml")
    );
    Ok(())
}
