//! Recipe 10.9: `patched/` is a project of its own whose `itoa` dependency `[patch.crates-io]`
//! redirects to the checkout in `patched/itoa/`. This builds and runs it, offline, and checks
//! that the checkout's code is what runs (`patched/output.txt`, which the page shows). After a
//! reviewed change: `cargo xtask bless`.

use std::path::Path;
use std::process::Command;

mod shown;
use shown::shown_at;

// ANCHOR: test
#[test]
fn the_patched_dependency_is_the_one_that_runs() {
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/patched");
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--offline", "--locked"])
        .current_dir(project)
        // a target directory of its own, so that the project's build never waits for ours
        .env(
            "CARGO_TARGET_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/patched"),
        )
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let at = shown_at("patched/output.txt"); // the page and line that show the output
    assert!(out.status.success(), "{at}cargo run in patched/: {stderr}");
    // `itoa::CHECKOUT` exists only in the checkout: with crates.io's itoa this would not build.
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        printed.contains("the local checkout (patched)"),
        "{at}{printed}"
    );
    let shown = Path::new(env!("CARGO_MANIFEST_DIR")).join("patched/output.txt");
    let compared = snapbox::Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV) // SNAPSHOTS=overwrite rewrites it
        .try_eq(
            Some(&"printed now"),
            snapbox::Data::text(printed),
            snapbox::Data::read_from(&shown, None).raw(),
        );
    if let Err(difference) = compared {
        panic!("{at}the output differs:\n{difference}");
    }
}
// ANCHOR_END: test
