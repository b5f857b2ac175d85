//! Recipe 10.8: the package `cargo package` makes of this crate builds on its own, so
//! `include` in Cargo.toml lists everything the build reads (`build.rs` and `data/units.csv`).
//! `cargo package` unpacks the archive into `target/package/` and builds it there, as a user
//! of the published crate would; a file missing from `include` fails that build.

use std::error::Error;
use std::process::Command;

mod shown;
use shown::shown_at;

#[test]
fn the_packaged_crate_builds_from_its_archive_alone() -> Result<(), Box<dyn Error>> {
    // The cargo that runs this test; it released its build lock before running tests.
    let output = Command::new(env!("CARGO"))
        .args(["package", "--allow-dirty", "--offline", "--quiet"])
        .args(["-p", env!("CARGO_PKG_NAME")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}`include` leaves out what the build reads: cargo package: {stderr}",
        shown_at("Cargo.toml")
    );
    Ok(())
}
