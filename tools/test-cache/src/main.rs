//! The runner `cargo` starts this workspace's programs with (`.cargo/config.toml`, through the
//! script `tools/test-cache/runner`): a test binary that already passed with the same
//! executable, arguments, environment and inputs is not run again. Its recorded output is
//! printed instead, after a line that says so; `BOOKTEST_CACHE=0 cargo test` runs
//! everything. The Rust repository's test runner does the same for its compiler tests
//! (rustc-dev-guide, "Running tests": passed tests are cached, `--force-rerun` runs them).
//!
//! The inputs of a test binary are the files it may read at run time:
//! - a recipe's package (anything under `examples/ch10/<recipe>/`): that folder, the recipe's
//!   pages (`src/ch10/<recipe>.md`, `src/ch10/<recipe>/`) and the workspace's `Cargo.toml`,
//!   `Cargo.lock` and `.cargo/`. A recipe's tests need nothing else: `tests/copy_out.rs` runs
//!   them in a copy of the folder alone (one of them compares a message with its page);
//! - any other package (the book's checks): the whole work tree, unless its `Cargo.toml`
//!   declares less (below).
//!
//! A package whose tests read less than that says so in its manifest; the paths are from the
//! workspace root, and the workspace's `Cargo.toml`, `Cargo.lock` and `.cargo/` are always
//! inputs too:
//!
//! ```toml
//! [package.metadata.test-cache]
//! reads = ["tests/compile-fail"]          # every test binary of the package
//! [package.metadata.test-cache.targets]
//! programs = ["examples", "src/ch10/faults"] # the test target `programs` only
//! ```
//!
//! A file read only to name a page in a failure's message is not an input: it cannot turn a
//! failure into a pass. A declaration that leaves out a file the outcome depends on lets a
//! stale pass through; `.ci/run` runs with the cache off, so such a pass cannot land.
//!
//! Build output (`target/`), `.git/`, `node_modules/` and `.tools/` are not inputs. What the
//! binary was compiled from is in the binary: it is identified by its path, size and
//! modification time, which change whenever cargo links it again.
//!
//! Test threads: a binary runs with `RUST_TEST_THREADS` set to eight per core (of the cores
//! libtest would count, `std::thread::available_parallelism`) unless the variable is set
//! already; `--test-threads` overrides both. Most of the book's tests wait, on the clock
//! (debounces, quiet seconds, timeouts) or on the processes they start, and one thread per
//! core, libtest's default, leaves the cores idle meanwhile.
//!
//! Passing runs are recorded in `target/<profile>/passed-tests/`. Only a test binary of this
//! workspace's own build (`target/<profile>/deps/`) run by cargo in one of its packages is
//! cached, and only when it passes. Programs started by `cargo run`, a benchmark, `--list`,
//! `--nocapture` and `--show-output` always run.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use walkdir::WalkDir;

/// Arguments after which a binary always runs: listing, benchmarking, or watching output.
const ALWAYS_RUN: [&str; 7] = [
    "--list",
    "--bench",
    "--nocapture",
    "--no-capture",
    "--show-output",
    "--help",
    "-h",
];

/// Variables the shell changes without changing what a test sees (`cd`, `nice`, a subshell).
const NOT_KEYED: [&str; 4] = ["OLDPWD", "PWD", "_", "SHLVL"];

/// Folders that are never inputs: build output, git's store, npm's packages, installed tools.
const NOT_INPUTS: [&str; 4] = ["target", ".git", "node_modules", ".tools"];

/// Test threads per core when `RUST_TEST_THREADS` is not set.
const THREADS_PER_CORE: usize = 8;

/// The variables a test binary runs with besides this runner's own: `RUST_TEST_THREADS`,
/// unless it is set.
fn test_threads() -> Option<(&'static str, String)> {
    if std::env::var_os("RUST_TEST_THREADS").is_some() {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    Some(("RUST_TEST_THREADS", (THREADS_PER_CORE * cores).to_string()))
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(root), Some(program)) = (args.next(), args.next()) else {
        eprintln!("usage: test-cache WORKSPACE_ROOT PROGRAM [ARGS…]");
        return ExitCode::from(2);
    };
    let (root, program) = (PathBuf::from(root), PathBuf::from(program));
    let args: Vec<OsString> = args.collect();
    let entry = match Entry::for_run(&root, &program, &args) {
        Ok(entry) => entry,
        Err(why) => {
            eprintln!("test-cache: {}: not cached ({why})", program.display());
            None
        }
    };
    match run(&program, &args, entry.as_ref()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("test-cache: cannot run {}: {error}", program.display());
            ExitCode::from(101)
        }
    }
}

/// Where one test binary's last passing run is recorded, and the key it was recorded under.
struct Entry {
    file: PathBuf,
    key: Key,
    hash: String,
    scope: String,
}

/// What a run's result depends on: the executable (and this runner), its arguments, the
/// environment, the package it runs in and the files it may read.
struct Key {
    root: PathBuf,
    program: PathBuf,
    args: Vec<OsString>,
    package: PathBuf,
    inputs: Vec<PathBuf>,
}

impl Key {
    fn hash(&self) -> io::Result<String> {
        let mut key = Sha256::new();
        for executable in [self.program.clone(), std::env::current_exe()?] {
            let meta = fs::metadata(&executable)?;
            let modified = meta.modified()?.duration_since(UNIX_EPOCH);
            let nanos = modified.unwrap_or_default().as_nanos();
            field(&mut key, executable.as_os_str().as_encoded_bytes());
            field(&mut key, format!("{} {nanos}", meta.len()).as_bytes());
        }
        for arg in &self.args {
            field(&mut key, arg.as_encoded_bytes());
        }
        let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(name, _)| !NOT_KEYED.iter().any(|n| name == *n))
            .collect();
        vars.sort();
        for (name, value) in vars {
            field(&mut key, name.as_encoded_bytes());
            field(&mut key, value.as_encoded_bytes());
        }
        field(&mut key, self.package.as_os_str().as_encoded_bytes());
        for input in &self.inputs {
            hash_tree(&mut key, &self.root, input)?;
        }
        Ok(hex(&key.finalize()))
    }
}

impl Entry {
    /// The entry for running `program args`, or `None` when this run is not one to cache.
    fn for_run(root: &Path, program: &Path, args: &[OsString]) -> io::Result<Option<Entry>> {
        if std::env::var_os("BOOKTEST_CACHE").is_some_and(|v| v == "0")
            || std::env::var_os("RUST_TEST_NOCAPTURE").is_some()
            || args
                .iter()
                .any(|a| ALWAYS_RUN.iter().any(|flag| a == *flag))
        {
            return Ok(None);
        }
        let Some(package) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
            return Ok(None);
        };
        // `target/<profile>/deps/<test binary>`, in this workspace's own target folder.
        let in_deps = |p: &Path| p.parent().and_then(Path::file_name) == Some(OsStr::new("deps"));
        if !in_deps(program) {
            return Ok(None);
        }
        let root = root.canonicalize()?;
        let (package, program) = (package.canonicalize()?, program.canonicalize()?);
        let Some(profile) = program
            .parent()
            .filter(|_| in_deps(&program))
            .and_then(Path::parent)
        else {
            return Ok(None);
        };
        if profile.parent() != Some(&root.join("target"))
            || !package.starts_with(&root)
            || package.starts_with(root.join("target"))
        {
            return Ok(None);
        }
        let (scope, inputs) = match declared_reads(&root, &package, &program)? {
            Some(declared) => declared,
            None => inputs(&root, &package),
        };
        let key = Key {
            root,
            program: program.clone(),
            args: args.to_vec(),
            package,
            inputs,
        };

        // One entry per binary and arguments: `cargo test NAME` keeps the plain run's entry.
        let mut name = program.file_name().unwrap_or_default().to_owned();
        let args_hash = hex(&Sha256::digest(
            args.join(OsStr::new("\0")).as_encoded_bytes(),
        ));
        name.push(format!(".{}", &args_hash[..16]));
        Ok(Some(Entry {
            file: profile.join("passed-tests").join(name),
            hash: key.hash()?,
            key,
            scope,
        }))
    }

    /// The output of the recorded run, if it was recorded under this entry's key.
    fn recorded(&self) -> Option<(Vec<u8>, SystemTime)> {
        let bytes = fs::read(&self.file).ok()?;
        let (key, output) = bytes.split_at(bytes.iter().position(|&b| b == b'\n')?);
        let when = fs::metadata(&self.file).and_then(|m| m.modified()).ok()?;
        (key == self.hash.as_bytes()).then(|| (output[1..].to_vec(), when))
    }

    /// Records a passing run's output; written whole to a new file, then renamed over the old.
    fn record(&self, output: &[u8]) -> io::Result<()> {
        let dir = self.file.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let partial = self
            .file
            .with_extension(format!("{}.partial", std::process::id()));
        let mut text = self.hash.clone().into_bytes();
        text.push(b'\n');
        text.extend_from_slice(output);
        fs::write(&partial, text)?;
        fs::rename(&partial, &self.file)
    }
}

/// The files a test binary of `package` may read, and how to name them in one phrase.
fn inputs(root: &Path, package: &Path) -> (String, Vec<PathBuf>) {
    let recipes = root.join("examples/ch10");
    let recipe = package
        .strip_prefix(&recipes)
        .ok()
        .and_then(|inside| inside.components().next())
        .map(|first| first.as_os_str().to_owned());
    match recipe {
        Some(recipe) => {
            let name = recipe.to_string_lossy().into_owned();
            let paths = [
                format!("examples/ch10/{name}"),
                format!("src/ch10/{name}.md"),
                format!("src/ch10/{name}"),
                "Cargo.toml".to_owned(),
                "Cargo.lock".to_owned(),
                ".cargo".to_owned(),
            ];
            (
                format!("examples/ch10/{name}/ and its pages"),
                paths.iter().map(|p| root.join(p)).collect(),
            )
        }
        None => ("the work tree".to_owned(), vec![root.to_owned()]),
    }
}

/// The inputs `package`'s manifest declares for the test binary `program`, if it declares any
/// (`[package.metadata.test-cache]`: `targets.<target>`, else `reads`); an error when the
/// declaration is not a list of paths.
fn declared_reads(
    root: &Path,
    package: &Path,
    program: &Path,
) -> io::Result<Option<(String, Vec<PathBuf>)>> {
    let manifest = package.join("Cargo.toml");
    let invalid = |why: &str| io::Error::other(format!("{}: {why}", manifest.display()));
    let Ok(text) = fs::read_to_string(&manifest) else {
        return Ok(None);
    };
    let manifest_table: toml::Table = text.parse().map_err(|_| invalid("not TOML"))?;
    let Some(declared) = manifest_table
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("test-cache"))
    else {
        return Ok(None);
    };
    // A test binary is `<target>-<hash>`, its target's name with `-` as `_`.
    let binary = program
        .file_name()
        .and_then(OsStr::to_str)
        .unwrap_or_default();
    let target = binary.rsplit_once('-').map_or(binary, |(name, _)| name);
    let for_target = declared
        .get("targets")
        .and_then(toml::Value::as_table)
        .and_then(|targets| {
            targets
                .iter()
                .find(|(name, _)| name.replace('-', "_") == target)
                .map(|(_, reads)| reads)
        });
    let Some(reads) = for_target.or_else(|| declared.get("reads")) else {
        return Ok(None);
    };
    let not_paths = || invalid("[package.metadata.test-cache] reads: not a list of paths");
    let mut paths: Vec<String> = reads
        .as_array()
        .ok_or_else(not_paths)?
        .iter()
        .map(|path| path.as_str().map(str::to_owned).ok_or_else(not_paths))
        .collect::<io::Result<_>>()?;
    let scope = if paths.is_empty() {
        "the workspace's manifests".to_owned()
    } else {
        format!("{}: what its manifest declares it reads", paths.join(", "))
    };
    paths.extend(["Cargo.toml", "Cargo.lock", ".cargo"].map(str::to_owned));
    Ok(Some((scope, paths.iter().map(|p| root.join(p)).collect())))
}

/// Adds every file under `path` (a file or a folder; absent is an input too) to `key`, in a
/// fixed order, each as its path relative to `root` and its contents: a regular file's bytes,
/// a symbolic link's target; of anything else (a FIFO, a socket), which reading could block
/// on, only its name.
fn hash_tree(key: &mut Sha256, root: &Path, path: &Path) -> io::Result<()> {
    let walk = WalkDir::new(path).sort_by_file_name().into_iter();
    for entry in walk.filter_entry(|e| {
        !(e.file_type().is_dir() && NOT_INPUTS.iter().any(|n| e.file_name() == *n))
    }) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error)
                if error.io_error().map(io::Error::kind) == Some(io::ErrorKind::NotFound) =>
            {
                field(key, b"absent");
                field(key, path.as_os_str().as_encoded_bytes());
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        field(key, relative.as_os_str().as_encoded_bytes());
        if entry.file_type().is_file() {
            field(key, &fs::read(entry.path())?);
        } else if entry.file_type().is_symlink() {
            let target = fs::read_link(entry.path())?;
            field(key, target.as_os_str().as_encoded_bytes());
        }
    }
    Ok(())
}

/// Adds one length-prefixed field, so that no two different sequences of fields hash alike.
fn field(key: &mut Sha256, bytes: &[u8]) {
    key.update((bytes.len() as u64).to_le_bytes());
    key.update(bytes);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `program args`, or prints its recorded run when `entry` holds one with the same key.
fn run(program: &Path, args: &[OsString], entry: Option<&Entry>) -> io::Result<ExitCode> {
    let Some(entry) = entry else {
        return run_in_place(program, args);
    };
    if let Some((output, when)) = entry.recorded() {
        eprintln!(
            "     (test-cache) passed {} with this binary, its arguments and unchanged inputs \
             ({}); not run again: BOOKTEST_CACHE=0 runs it",
            ago(when),
            entry.scope
        );
        io::stdout().write_all(&output)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut child = Command::new(program)
        .args(args)
        .envs(test_threads())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut from_child = child.stdout.take().expect("stdout is piped");
    let mut output = Vec::new();
    let mut chunk = [0; 8192];
    let mut stdout = io::stdout();
    loop {
        let n = match from_child.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        stdout.write_all(&chunk[..n])?;
        stdout.flush()?;
        output.extend_from_slice(&chunk[..n]);
    }
    let status = child.wait()?;
    // A pass is recorded under the inputs it ran with: an edit made meanwhile is not recorded.
    if status.success() && entry.key.hash().is_ok_and(|after| after == entry.hash) {
        if let Err(error) = entry.record(&output) {
            eprintln!(
                "test-cache: cannot record {}: {error}",
                entry.file.display()
            );
        }
    } else {
        let _ = fs::remove_file(&entry.file);
    }
    Ok(exit_like(status))
}

/// Runs a program that is not cached as if this runner were not there: on Unix this process
/// becomes the program (`exec`), so signals sent to it reach the program.
fn run_in_place(program: &Path, args: &[OsString]) -> io::Result<ExitCode> {
    let mut command = Command::new(program);
    command.args(args).envs(test_threads());
    #[cfg(unix)]
    {
        let error = std::os::unix::process::CommandExt::exec(&mut command);
        Err(error)
    }
    #[cfg(not(unix))]
    command.status().map(exit_like)
}

/// How long ago `when` was, in the largest whole unit.
fn ago(when: SystemTime) -> String {
    let seconds = SystemTime::now()
        .duration_since(when)
        .unwrap_or_default()
        .as_secs();
    match seconds {
        0..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86400),
    }
}

/// Ends this process as the program ended: with its exit code, or by its signal.
fn exit_like(status: ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(101));
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        // SAFETY: restores the default action of `signal` and raises it on this process,
        // which then ends as the program did; no other thread is running.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
    ExitCode::from(101)
}
