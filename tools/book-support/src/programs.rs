//! The recipes' programs and examples, built as `cargo test` builds its own targets, so the
//! book's checks can run them without a second build of their dependencies.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{Message, TargetKind};

use crate::root;
use crate::workspace::recipes;

/// What [`build`] builds. Each asks for `--tests`, so that Cargo resolves features as `cargo
/// test` does, dev-dependencies included (resolver 2 leaves them out of a plain build): every
/// library `cargo test` compiled is reused, and the test binaries are the ones it runs.
#[derive(Clone, Copy, Debug)]
pub enum Build {
    /// `cargo build --tests`: the test binaries, which `cargo test` has built already.
    Tests,
    /// `cargo build --examples --tests --bin NAME…`: the test binaries, the examples, and each
    /// recipe's program, the one `cargo run` runs. `cargo test` builds a package's binaries only
    /// for its integration tests, so some are linked here.
    Programs,
}

impl Build {
    /// The arguments after `cargo`.
    pub fn args(self) -> Vec<String> {
        let mut args: Vec<String> = ["build", "--tests"].map(String::from).into();
        if let Build::Programs = self {
            args.push("--examples".to_owned());
            for bin in recipes().into_iter().filter_map(|recipe| recipe.bin) {
                args.extend(["--bin".to_owned(), bin]);
            }
        }
        args
    }
}

/// A test binary of the workspace, as [`build`] (and so `cargo test`) built it.
pub struct TestBinary {
    /// The folder of its package's `Cargo.toml`, canonical.
    pub package_dir: PathBuf,
    /// Its target's kinds (`lib`, `bin`, `test`, `bench`, …) and name.
    pub kinds: Vec<TargetKind>,
    pub name: String,
    pub executable: PathBuf,
}

/// Builds `what` in the default members (as `cargo test` at the root does), and returns the
/// test binaries among what it built. A plain `cargo build --bins`, or `cargo run -p
/// PACKAGE`, would compile a second copy of each dependency whose features differ (see
/// [`Build`]).
pub fn build(what: Build) -> Result<Vec<TestBinary>, String> {
    let args = what.args();
    let mut child = Command::new(env!("CARGO"))
        .args(&args)
        .args(["--quiet", "--message-format=json-render-diagnostics"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cargo build: {error}"))?;
    let stdout = child.stdout.take().ok_or("cargo build: no stdout")?;
    let mut tests = Vec::new();
    for message in Message::parse_stream(BufReader::new(stdout)) {
        let message = message.map_err(|error| format!("cargo build's output: {error}"))?;
        let Message::CompilerArtifact(artifact) = message else {
            continue;
        };
        let (Some(executable), true) = (artifact.executable, artifact.profile.test) else {
            continue;
        };
        let manifest = artifact.manifest_path.as_std_path();
        let package_dir = manifest
            .parent()
            .and_then(|dir| dir.canonicalize().ok())
            .ok_or_else(|| format!("{}: no folder", manifest.display()))?;
        tests.push(TestBinary {
            package_dir,
            kinds: artifact.target.kind,
            name: artifact.target.name,
            executable: executable.into_std_path_buf(),
        });
    }
    let status = child
        .wait()
        .map_err(|error| format!("cargo build: {error}"))?;
    if status.success() {
        Ok(tests)
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}

/// `target/<profile>/`, the directory above the `deps/` this test runs from.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("this test's executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/")
        .to_path_buf()
}

/// The binary `name`, as `cargo run --bin NAME` runs it.
pub fn binary(name: &str) -> PathBuf {
    profile_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The example `name`, as `cargo run --example NAME` runs it.
pub fn example(name: &str) -> PathBuf {
    profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// A command that runs `program` (a [`binary`] or an [`example`]) from the workspace root, as
/// `cargo run` does after [`build`] built it.
///
/// Without `CARGO` in its environment: a program that builds its helpers when cargo runs it
/// (10.6's process host builds its plugin binaries) would otherwise run a `cargo build` of its
/// own package, whose features differ from the workspace's, and compile a second copy of
/// serde and syn (the programs test took 10.7 s of a clean `cargo test` with it, 2.6 s
/// without). [`build`] has built those helpers.
pub fn command(program: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root()).env_remove("CARGO");
    command
}
