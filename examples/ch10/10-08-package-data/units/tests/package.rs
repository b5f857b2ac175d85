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

/// Builds a copy of this crate, with `units_csv` as its data, in the folder `name` under
/// Cargo's scratch folder for tests; returns what the build printed on stderr if it failed.
fn build_with(name: &str, units_csv: &str) -> Result<Option<String>, Box<dyn Error>> {
    let copy = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&copy); // a copy left by an earlier run
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(copy.join("src"))?;
    std::fs::create_dir_all(copy.join("data"))?;
    for file in ["build.rs", "src/lib.rs"] {
        std::fs::copy(here.join(file), copy.join(file))?;
    }
    // A workspace of its own: under target/, Cargo would take it for a stray member of ours.
    let manifest = std::fs::read_to_string(here.join("Cargo.toml"))?;
    std::fs::write(
        copy.join("Cargo.toml"),
        format!("{manifest}\n[workspace]\n"),
    )?;
    std::fs::write(copy.join("data/units.csv"), units_csv)?;
    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", copy.join("target"))
        .output()?;
    Ok((!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned()))
}

#[test]
fn a_malformed_row_stops_the_build_and_names_its_line() -> Result<(), Box<dyn Error>> {
    assert_eq!(
        build_with("units-good", "unit,metres\ninch,0.0254\n")?,
        None,
        "a good table builds"
    );
    let no_comma =
        build_with("units-no-comma", "unit,metres\ninch,0.0254\nfoot;0.3048\n")?.expect("refused");
    assert!(
        no_comma.contains("data/units.csv:3: expected `unit,metres`"),
        "{no_comma}"
    );
    let not_a_number =
        build_with("units-not-a-number", "unit,metres\nmile,far\n")?.expect("refused");
    assert!(
        not_a_number.contains("data/units.csv:2: `far`: invalid float literal"),
        "{not_a_number}"
    );
    Ok(())
}
