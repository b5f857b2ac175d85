//! Every recipe's folder works on its own, as its page's "Run it locally" section says: copied
//! out of the repository, `cargo test` and `cargo run` pass there, `cargo test --manifest-path
//! DIR/Cargo.toml` passes for each crate inside the folder (10.5's parts, 10.9's `ch10-codegen`:
//! a plain `cargo test` in the copy leaves their tests out), and `cargo run` prints the
//! `output.txt` the page shows.
//!
//! Slow (every folder is built outside the workspace), so it is ignored by a plain `cargo test`;
//! `.ci/run` runs it: `cargo test --test copy_out -- --ignored`. It runs offline, from the local
//! registry cache that the workspace's own build filled, with one target directory shared by all
//! the copies so that each dependency is compiled once.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use book_support::workspace::{Package, packages};
use walkdir::WalkDir;

/// Copies `from` into `to` as `cp -r` would, leaving out build output.
fn copy_dir(from: &Path, to: &Path) {
    let walk = WalkDir::new(from).into_iter();
    for entry in walk.filter_entry(|e| e.file_name() != "target") {
        let entry = entry.expect("read recipe folder");
        let target = to.join(entry.path().strip_prefix(from).expect("inside the folder"));
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("create folder");
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn cargo(dir: &Path, target_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo")
}

fn problem(recipe: &Package, what: &str, out: &Output) -> String {
    format!(
        "{} (copied out of {}): `{what}` failed ({})\n{}{}",
        recipe.name,
        recipe.dir,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "slow: builds every recipe folder outside the workspace; .ci/run runs it"]
fn every_recipe_folder_builds_tests_and_runs_when_copied_out() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let target_dir = scratch.path().join("target");
    let mut problems = Vec::new();
    let all = packages();
    let recipes: Vec<&Package> = all.iter().filter(|p| p.is_recipe()).collect();
    assert!(
        !recipes.is_empty(),
        "no recipe packages found under examples/"
    );
    for recipe in recipes {
        let name = Path::new(&recipe.dir).file_name().expect("folder name");
        let copy = scratch.path().join(name);
        copy_dir(&recipe.path(), &copy);
        // A folder copied out is a project of its own: no workspace above it.
        assert!(
            !scratch.path().join("Cargo.toml").exists(),
            "the scratch folder must not be a workspace"
        );
        let test = cargo(&copy, &target_dir, &["test", "--quiet"]);
        if !test.status.success() {
            problems.push(problem(recipe, "cargo test", &test));
            continue;
        }
        // A crate inside the folder is tested from its own manifest: `-p NAME` finds only
        // the crates this build uses (not 10.5's `shop-shipping`, nor 10.6's plugin).
        let inner: Vec<String> = recipe
            .inner(&all)
            .iter()
            .map(|p| p.manifest_in(recipe))
            .collect();
        let failed = inner.iter().find_map(|manifest| {
            let args = ["test", "--quiet", "--manifest-path", manifest];
            let test = cargo(&copy, &target_dir, &args);
            (!test.status.success()).then(|| (test, args.join(" ")))
        });
        if let Some((test, args)) = failed {
            problems.push(problem(recipe, &format!("cargo {args}"), &test));
            continue;
        }
        if recipe.bin.is_none() {
            continue;
        }
        let run = cargo(&copy, &target_dir, &["run", "--quiet"]);
        if !run.status.success() {
            problems.push(problem(recipe, "cargo run", &run));
            continue;
        }
        if let Ok(shown) = fs::read_to_string(recipe.path().join("output.txt")) {
            let printed = String::from_utf8_lossy(&run.stdout);
            if printed != shown {
                problems.push(format!(
                    "{}: copied out, `cargo run` prints something else than {}/output.txt\n\
                     --- shown\n{shown}--- printed\n{printed}",
                    recipe.name, recipe.dir
                ));
            }
        }
        eprintln!(
            "{}: copied out, cargo test (and {} crates inside) and cargo run pass",
            recipe.dir,
            inner.len()
        );
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}
