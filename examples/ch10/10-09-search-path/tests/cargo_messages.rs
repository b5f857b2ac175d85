//! What Cargo says in the three cases the page quotes, each in a throwaway project of its own
//! (offline): a build script that writes into `src/`, a `[patch]` in a member, and a patch
//! whose version the dependency does not accept.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Writes `files` (path, contents) under a new temporary folder.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (path, contents) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("a folder")).expect("create folders");
        fs::write(path, contents).expect("write a file");
    }
    dir
}

/// Runs `cargo ARGS` offline in `dir`; returns its standard error.
fn cargo(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .output()
        .expect("run cargo");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const LIB: &str = "pub fn f() {}\n";

#[test]
fn cargo_package_refuses_a_build_script_that_writes_into_src() {
    let dir = project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"writes-src\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
             description = \"x\"\nlicense = \"MIT\"\n",
        ),
        ("src/lib.rs", LIB),
        (
            "build.rs",
            "fn main() {\n    std::fs::write(\"src/gen.rs\", \"\").expect(\"write\");\n}\n",
        ),
    ]);
    let said = cargo(dir.path(), &["package"]);
    assert!(
        said.contains(
            "Source directory was modified by build.rs during cargo publish. \
             Build scripts should not modify anything outside of OUT_DIR."
        ),
        "{said}"
    );
}

#[test]
fn a_patch_in_a_member_is_ignored_with_a_warning() {
    let dir = project(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"member\"]\nresolver = \"3\"\n",
        ),
        (
            "member/Cargo.toml",
            "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [patch.crates-io]\nitoa = { path = \"../itoa\" }\n",
        ),
        ("member/src/lib.rs", LIB),
    ]);
    let said = cargo(
        dir.path(),
        &["metadata", "--format-version", "1", "--no-deps"],
    );
    assert!(
        said.contains("patch for the non root package will be ignored"),
        "{said}"
    );
}

#[test]
fn a_patch_of_another_version_is_not_used_with_a_warning() {
    let dir = project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nitoa = \"1\"\n\n[patch.crates-io]\nitoa = { path = \"itoa\" }\n",
        ),
        ("src/lib.rs", LIB),
        (
            "itoa/Cargo.toml",
            "[package]\nname = \"itoa\"\nversion = \"0.4.8\"\nedition = \"2021\"\n",
        ),
        ("itoa/src/lib.rs", ""),
    ]);
    let said = cargo(dir.path(), &["metadata", "--format-version", "1"]);
    assert!(
        said.contains("patch `itoa v0.4.8") && said.contains("was not used in the crate graph"),
        "{said}"
    );
}
