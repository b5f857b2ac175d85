//! Real libraries, real files: each test has its own plugin directory; the plugins are built
//! once per test run.

use std::os::unix::fs::symlink;
use std::sync::OnceLock;
use std::time::Instant;

use greeter_plugin_abi::{DescribeFn, GreetFn, StrRef, symbols};
use libloading::Library;
use tempfile::TempDir;

use super::*;
use ch10_06_plugin_host::compile::{PluginSource, repo_file};
use ch10_06_plugin_host::faults;
use ch10_06_plugin_host::plugin::call_with_buffer;

struct Built {
    dir: PathBuf,
    compiler: PluginCompiler,
    v1: PathBuf,
    v2: PathBuf,
    missing_symbol: PathBuf,
    not_a_plugin: PathBuf,
    wrong_abi: PathBuf,
    panics: PathBuf,
    panics_in_describe: PathBuf,
    thread_local: PathBuf,
    plugin_crate: PathBuf,
}

fn plugin_crate_source() -> PluginSource {
    PluginSource {
        name: "greeter-plugin",
        source: repo_file("plugin/src/lib.rs"),
        cfgs: &[],
    }
}

/// Builds every plugin these tests and the fault table's children load, once, in parallel,
/// into one directory under `target/` that each run overwrites.
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let dir = exe
            .parent()
            .unwrap()
            .with_file_name("10-06-plugin-host-tests");
        fs::create_dir_all(&dir).unwrap();
        let compiler = PluginCompiler::new(&dir).unwrap();
        let mut sources = vec![
            fixture("greeter-v1", "v1", &[]),
            fixture("greeter-v2", "v2", &[]),
            fixture("missing-symbol", "missing_symbol", &[]),
            fixture("not-a-plugin", "not_a_plugin", &[]),
            fixture("wrong-abi", "wrong_abi", &[]),
            fixture("panics", "panics", &[]),
            fixture("panics-in-describe", "panics", &["panic_in_describe"]),
            fixture("thread-local", "thread_local", &[]),
            plugin_crate_source(),
        ];
        let own_count = sources.len();
        // The fault table's plugins, except those already listed (one name, one build: the
        // same source and cfgs, checked).
        for fault_plugin in faults::plugin_sources() {
            match sources
                .iter()
                .find(|source| source.name == fault_plugin.name)
            {
                Some(same) => assert_eq!(
                    (&same.source, same.cfgs),
                    (&fault_plugin.source, fault_plugin.cfgs),
                    "{}",
                    same.name
                ),
                None => sources.push(fault_plugin),
            }
        }
        let mut paths = compiler.build_all(&sources).unwrap();
        paths.truncate(own_count);
        let [
            v1,
            v2,
            missing_symbol,
            not_a_plugin,
            wrong_abi,
            panics,
            panics_in_describe,
            thread_local,
            plugin_crate,
        ] = <[PathBuf; 9]>::try_from(paths).unwrap();
        Built {
            dir,
            compiler,
            v1,
            v2,
            missing_symbol,
            not_a_plugin,
            wrong_abi,
            panics,
            panics_in_describe,
            thread_local,
            plugin_crate,
        }
    })
}

/// A host running `first` from its own plugin directory.
struct Setup {
    host: Host, // dropped first: closes its libraries
    library: PathBuf,
    dir: TempDir,
}

impl Setup {
    fn new(first: &Path) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join(library_file_name("greeter"));
        install(first, &library).unwrap();
        let plugins = PluginDir::new(dir.path()).unwrap();
        let first = plugins.load(&library).unwrap();
        Setup {
            host: Host::new(plugins, first).unwrap(),
            library,
            dir,
        }
    }

    /// Tries to reload `file`; checks it is refused and the previous plugin (v1) still works.
    fn assert_refused(&mut self, file: &Path) -> LoadError {
        let description = self.host.active.description().to_owned();
        let copy = self.host.active.copy_path().to_owned();
        let greetings = self.host.state.greetings;
        let error = match self.host.reload(file) {
            Ok(loaded) => panic!(
                "{} was loaded ({loaded}), should be refused",
                file.display()
            ),
            Err(error) => error,
        };
        assert!(!error.to_string().is_empty());
        assert_eq!(self.host.active.description(), description);
        assert_eq!(self.host.active.copy_path(), copy);
        assert_eq!(
            self.host.greet("Ada").unwrap(),
            format!("Hello, Ada! (greeting #{})", greetings + 1)
        );
        error
    }
}

#[test]
fn swapping_v1_for_v2_keeps_the_host_state_and_runs_the_new_code() {
    let mut t = Setup::new(&built().v1);
    assert_eq!(t.host.active.description(), "greeter v1");
    assert_eq!(t.host.greet("Ada").unwrap(), "Hello, Ada! (greeting #1)");
    assert_eq!(
        t.host.greet("Grace").unwrap(),
        "Hello, Grace! (greeting #2)"
    );
    let v1_copy = t.host.active.copy_path().to_owned();
    assert!(!v1_copy.exists(), "the private copy is deleted once loaded");
    assert!(is_mapped(&v1_copy), "while the library stays mapped");

    install(&built().v2, &t.library).unwrap();
    assert_eq!(t.host.reload(&t.library).unwrap(), "greeter v2");
    assert_eq!(
        t.host.greet("Linus").unwrap(),
        "Good day, LINUS. You are visitor number 3."
    );
    assert_eq!(t.host.state.greetings, 3);
    assert!(!is_mapped(&v1_copy), "v1 is unloaded");

    // Same path, third file: the new code again, not a cached old one.
    install(&built().v1, &t.library).unwrap();
    assert_eq!(t.host.reload(&t.library).unwrap(), "greeter v1");
    assert_eq!(t.host.greet("Ada").unwrap(), "Hello, Ada! (greeting #4)");
}

#[test]
fn the_plugin_crate_builds_and_loads() {
    let mut t = Setup::new(&built().v1);
    install(&built().plugin_crate, &t.library).unwrap();
    let description = t.host.reload(&t.library).unwrap();
    assert!(description.starts_with("greeter-plugin"), "{description}");
    let answer = t.host.greet("Ada").unwrap();
    assert!(answer.contains("Ada"), "{answer}");
}

#[test]
fn a_missing_symbol_is_refused() {
    let mut t = Setup::new(&built().v1);
    install(&built().missing_symbol, &t.library).unwrap();
    let error = t.assert_refused(&t.library.clone());
    assert!(
        matches!(error, LoadError::MissingSymbol { symbol, .. } if symbol == symbols::GREET),
        "{error:?}"
    );
}

#[test]
fn a_library_without_an_abi_version_is_refused() {
    let mut t = Setup::new(&built().v1);
    install(&built().not_a_plugin, &t.library).unwrap();
    let error = t.assert_refused(&t.library.clone());
    assert!(
        matches!(error, LoadError::MissingSymbol { symbol, .. } if symbol == symbols::ABI_VERSION),
        "{error:?}"
    );
}

#[test]
fn a_wrong_abi_version_is_refused_before_any_call() {
    let mut t = Setup::new(&built().v1);
    install(&built().wrong_abi, &t.library).unwrap();
    let mark =
        std::env::temp_dir().join(format!("greeter-abi-2-initialised-{}", std::process::id()));
    let error = t.assert_refused(&t.library.clone());
    let initialised = mark.exists();
    let _ = fs::remove_file(&mark);
    assert!(!initialised, "dlopen ran the ABI 2 plugin's initialiser");
    assert!(
        matches!(
            error,
            LoadError::WrongAbiVersion {
                found: 2,
                expected: 1,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn files_that_are_not_libraries_are_refused() {
    let mut t = Setup::new(&built().v1);
    for bytes in [&b"#!/bin/sh\necho hello\n"[..], b""] {
        install_bytes(bytes, &t.library).unwrap();
        let error = t.assert_refused(&t.library.clone());
        assert!(matches!(error, LoadError::NotALibrary { .. }), "{error:?}");
        assert!(
            !error.to_string().contains("greeter-copy-"),
            "names the copy: {error}"
        );
    }
    // Unchecked, dlopen maps a truncated library and the process dies of SIGBUS.
    let v2 = fs::read(&built().v2).unwrap();
    for len in [4, 64, v2.len() / 2, v2.len() - 1] {
        install_bytes(&v2[..len], &t.library).unwrap();
        let error = t.assert_refused(&t.library.clone());
        assert!(
            matches!(error, LoadError::Incomplete { .. }),
            "{len}: {error:?}"
        );
    }
    let dir = t.dir.path().to_owned();
    let error = t.assert_refused(&dir);
    assert!(matches!(error, LoadError::NotAFile { .. }), "{error:?}");
    let error = t.assert_refused(&t.dir.path().join("no-such-file.so"));
    assert!(matches!(error, LoadError::Io { .. }), "{error:?}");
}

#[test]
fn a_fifo_in_the_plugin_directory_is_refused_without_blocking() {
    use std::os::unix::ffi::OsStrExt;
    let mut t = Setup::new(&built().v1);
    let fifo = t.dir.path().join("fifo.so");
    let name = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: `name` is a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
    // Should the open wait for a writer, one comes after 10 s, and the test fails.
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let waited_out = finished.recv_timeout(Duration::from_secs(10)).is_err();
            if waited_out {
                let _ = fs::OpenOptions::new().write(true).open(&fifo);
            }
            waited_out
        })
    };
    let error = t.assert_refused(&fifo);
    let _ = done.send(()); // the writer may have given up waiting already
    assert!(
        !writer.join().unwrap(),
        "opening the FIFO waited for a writer"
    );
    assert!(matches!(error, LoadError::NotAFile { .. }), "{error:?}");
}

#[test]
fn a_file_too_large_to_read_is_refused_before_it_is_read() {
    let mut t = Setup::new(&built().v1);
    let huge = t.dir.path().join("huge.so");
    // A sparse file: its length says 1 GiB, and no disk space is used.
    fs::File::create(&huge)
        .and_then(|file| file.set_len(4 * ch10_06_plugin_host::plugin::MAX_LIBRARY_BYTES))
        .expect("a sparse file");
    let error = t.assert_refused(&huge);
    // The length the file's metadata gives: refused before a byte is read.
    let expected = 4 * ch10_06_plugin_host::plugin::MAX_LIBRARY_BYTES;
    assert!(
        matches!(error, LoadError::TooLarge { len, .. } if len == expected),
        "{error:?}"
    );
}

#[test]
fn a_panic_in_the_plugin_is_an_error_and_the_state_is_unchanged() {
    let mut t = Setup::new(&built().v1);
    t.host.greet("Ada").unwrap();
    install(&built().panics, &t.library).unwrap();
    assert_eq!(t.host.reload(&t.library).unwrap(), "greeter that panics");
    for _ in 0..2 {
        match t.host.greet("Ada") {
            Err(CallError::Panicked { message }) => assert_eq!(
                message,
                "index out of bounds: the len is 3 but the index is 3 (at panics.rs:25:38)"
            ),
            other => panic!("expected a caught panic, got {other:?}"),
        }
        assert_eq!(
            t.host.state.greetings, 1,
            "the panicking call changed nothing"
        );
    }
    install(&built().v2, &t.library).unwrap();
    t.host.reload(&t.library).unwrap();
    assert_eq!(
        t.host.greet("Ada").unwrap(),
        "Good day, ADA. You are visitor number 2."
    );
}

#[test]
fn a_plugin_that_panics_on_its_first_call_is_refused() {
    let mut t = Setup::new(&built().v1);
    install(&built().panics_in_describe, &t.library).unwrap();
    let error = t.assert_refused(&t.library.clone());
    assert!(
        matches!(
            &error,
            LoadError::FirstCallFailed { error: CallError::Panicked { message }, .. }
                if message == "describe is broken (at panics.rs:12:13)"
        ),
        "{error:?}"
    );
}

#[test]
fn a_file_or_directory_others_can_write_is_refused() {
    let mut t = Setup::new(&built().v1);
    install(&built().v2, &t.library).unwrap();
    fs::set_permissions(&t.library, fs::Permissions::from_mode(0o666)).unwrap();
    let error = t.assert_refused(&t.library.clone());
    assert!(
        matches!(error, LoadError::WritableByOthers { mode, .. } if mode & 0o777 == 0o666),
        "{error:?}"
    );

    fs::set_permissions(&t.library, fs::Permissions::from_mode(0o775)).unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Writable by a group that is not ours (65534, "nogroup"): refused.
        std::os::unix::fs::chown(&t.library, None, Some(65534)).unwrap();
        let error = t.assert_refused(&t.library.clone());
        assert!(error.to_string().contains("its group could"), "{error}");
        // SAFETY: getegid has no preconditions.
        std::os::unix::fs::chown(&t.library, None, Some(unsafe { libc::getegid() })).unwrap();
    } else {
        eprintln!("skipped: giving a file to another group needs root");
    }
    // A directory on the way that others can write, made so after the host started.
    let sub = t.dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let in_sub = sub.join(library_file_name("greeter"));
    install(&built().v2, &in_sub).unwrap();
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o777)).unwrap();
    let error = t.assert_refused(&in_sub);
    assert!(
        matches!(&error, LoadError::WritableByOthers { file, .. } if file.ends_with("sub")),
        "{error:?}"
    );
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();

    fs::set_permissions(t.dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let error = t.assert_refused(&t.library.clone());
    assert!(
        matches!(&error, LoadError::WritableByOthers { file, .. } if !file.ends_with("sub")),
        "the plugin directory itself, at the next load: {error:?}"
    );
    fs::set_permissions(t.dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    // Writable by our own group (a umask of 002): loaded.
    assert_eq!(t.host.reload(&t.library).unwrap(), "greeter v2");

    fs::set_permissions(t.dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let error = PluginDir::new(t.dir.path()).err().unwrap();
    assert!(
        matches!(error, LoadError::WritableByOthers { .. }),
        "{error:?}"
    );
}

#[test]
fn files_outside_the_plugin_directory_are_refused() {
    let mut t = Setup::new(&built().v1);
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join(library_file_name("greeter"));
    install(&built().v2, &outside).unwrap();
    let through_symlink = t.dir.path().join("link.so");
    symlink(&outside, &through_symlink).unwrap();
    let through_dot_dot = t
        .dir
        .path()
        .join("..")
        .join(elsewhere.path().file_name().unwrap())
        .join(library_file_name("greeter"));
    for file in [&outside, &through_symlink, &through_dot_dot] {
        let error = t.assert_refused(file);
        assert!(
            matches!(error, LoadError::OutsidePluginDir { .. }),
            "{error:?}"
        );
    }
}

#[test]
fn a_file_owned_by_another_user_is_refused() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: giving a file to another user needs root");
        return;
    }
    let mut t = Setup::new(&built().v1);
    install(&built().v2, &t.library).unwrap();
    std::os::unix::fs::chown(&t.library, Some(65534), None).unwrap();
    let error = t.assert_refused(&t.library.clone());
    assert!(
        matches!(error, LoadError::WrongOwner { owner: 65534, .. }),
        "{error:?}"
    );
}

#[test]
fn a_rebuilt_library_is_seen_and_reloaded() {
    let mut t = Setup::new(&built().v1);
    let mut watcher = LibraryWatcher::new(&t.library).unwrap();
    fs::write(t.dir.path().join("notes.txt"), "another file").unwrap();
    assert!(
        !watcher.wait_for_change(Duration::from_millis(300)),
        "other files are ignored"
    );

    // Rebuild v2 straight into the watched path, as `cargo build` would.
    built()
        .compiler
        .build_to(&fixture("greeter-v2", "v2", &[]), &t.library)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(watcher.wait_for_change(left), "no change seen within 10 s");
        // A change seen halfway through a build fails to load; the next event retries.
        if let Ok("greeter v2") = t.host.reload(&t.library) {
            break;
        }
    }
    assert_eq!(
        t.host.greet("Ada").unwrap(),
        "Good day, ADA. You are visitor number 1."
    );
    // Loading reads the file: that is no change, or the host would reload forever.
    assert!(!watcher.wait_for_change(Duration::from_millis(300)));
}

/// Whether `path` is still mapped into this process.
fn is_mapped(path: &Path) -> bool {
    let maps = fs::read_to_string("/proc/self/maps").unwrap();
    maps.contains(path.to_str().unwrap())
}

#[test]
fn a_thread_local_destructor_pins_the_old_copy_but_the_new_code_still_loads() {
    let mut t = Setup::new(&built().thread_local);
    // First use on this thread registers the destructor of the plugin's thread_local.
    t.host.greet("Ada").unwrap();
    let old_copy = t.host.active.copy_path().to_owned();
    install(&built().v2, &t.library).unwrap();
    t.host.reload(&t.library).unwrap();
    assert!(
        is_mapped(&old_copy),
        "dlclose left it mapped until this thread exits"
    );
    assert_eq!(
        t.host.greet("Ada").unwrap(),
        "Good day, ADA. You are visitor number 2."
    );
}

/// The reason for private copies: reopening the same path gives back the pinned old library.
#[test]
fn without_a_copy_reopening_the_same_path_returns_the_old_code() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join(library_file_name("greeter"));
    let describe = |library: &Library| {
        // SAFETY: fixtures of this ABI export `greeter_describe` with this type.
        let describe = unsafe { *library.get::<DescribeFn>(symbols::DESCRIBE).unwrap() };
        // SAFETY: the library is loaded; the buffer is lent for the call.
        call_with_buffer(|out| unsafe { describe(out) }).unwrap()
    };
    install(&built().thread_local, &library).unwrap();
    // SAFETY: a fixture of this test suite.
    let first = unsafe { Library::new(&library) }.unwrap();
    // SAFETY: as above, for `greeter_greet`.
    let greet = unsafe { *first.get::<GreetFn>(symbols::GREET).unwrap() };
    let mut next = HostState::default();
    // SAFETY: the library is loaded; the arguments are valid for the call.
    call_with_buffer(|out| unsafe {
        greet(HostState::default(), StrRef::new("Ada"), &raw mut next, out)
    })
    .unwrap();
    first.close().unwrap();

    install(&built().v2, &library).unwrap(); // a new file, same path
    // SAFETY: a fixture of this test suite.
    let second = unsafe { Library::new(&library) }.unwrap();
    assert_eq!(
        describe(&second),
        "greeter with a thread_local",
        "old code!"
    );
}

/// Runs `fault` in a child process of this test program (the ignored test below) and returns
/// what became of it, and the child's temporary directory.
fn provoke_in_child(fault: &str) -> (String, TempDir) {
    let temp = tempfile::tempdir().unwrap();
    let program = std::env::current_exe().unwrap();
    let args = ["--exact", "tests::fault_child", "--ignored", "--nocapture"];
    let child = faults::child(&program, &args, fault, &built().dir, temp.path());
    (faults::observe(child).unwrap(), temp)
}

#[test]
#[ignore = "the child process of provoke_in_child; run alone it does nothing"]
fn fault_child() {
    if let Some(result) = faults::run_as_child() {
        result.unwrap();
    }
}

#[test]
fn each_fault_ends_as_the_table_says() {
    let expected = [
        ("panic", "clear error: the panic at panics.rs:"),
        ("abort", "host died: SIGABRT, during greet"),
        ("segfault", "host died: SIGSEGV, during greet"),
        ("exit", "host died: the process exited with 3, during greet"),
        (
            "endless-loop",
            "host hung: greet still running after 500ms, still running 500ms later",
        ),
        (
            "thread-left-running",
            "leaked: its thread runs on, its copy stays mapped",
        ),
        ("wrong-version", "kept last good: refused, built for ABI 2"),
        (
            "missing-entry",
            "kept last good: refused, no `greeter_greet` export",
        ),
        ("truncated-file", "kept last good: refused, shorter than"),
        (
            "garbage-file",
            "host died: SIGSEGV, during dlopen of an ELF file",
        ),
        (
            "replaced-while-writing",
            "kept last good: each partial file refused",
        ),
        (
            "rapid-swaps-200",
            "kept last good: v2 answers, every greeting counted, 1 copy mapped",
        ),
    ];
    assert_eq!(expected.map(|(fault, _)| fault), faults::FAULTS);
    std::thread::scope(|scope| {
        for (fault, outcome) in expected {
            scope.spawn(move || {
                let (observed, _temp) = provoke_in_child(fault);
                assert!(observed.starts_with(outcome), "{fault}: {observed}");
            });
        }
    });
}

#[test]
fn the_default_panic_hook_of_a_plugins_std_keeps_memory_at_every_load() {
    // The plugin's own quiet hook keeps 200 swaps within 32 MB (`rapid-swaps-200` above).
    let (observed, _temp) = provoke_in_child("default-hook-loads");
    let kept_mb: u64 = observed
        .strip_prefix("each load kept ")
        .and_then(|rest| rest.split_once(" MB"))
        .and_then(|(mb, _)| mb.parse().ok())
        .unwrap_or_else(|| panic!("{observed}"));
    println!("{observed}");
    assert!(kept_mb >= 8, "{observed}");
}

#[test]
fn a_copy_left_by_a_host_that_died_in_dlopen_is_removed_by_the_next_host() {
    let (observed, temp) = provoke_in_child("abort-at-load");
    assert_eq!(observed, "host died: SIGABRT, during dlopen");
    let left = |temp: &Path| {
        fs::read_dir(temp)
            .unwrap()
            .filter(|entry| {
                let name = entry.as_ref().unwrap().file_name();
                name.to_string_lossy().starts_with("greeter-copy-")
            })
            .count()
    };
    assert_eq!(left(temp.path()), 1, "the copy the loader was opening");
    ch10_06_plugin_host::plugin::remove_stale_copies(temp.path());
    assert_eq!(left(temp.path()), 0);
}

#[test]
fn a_plugin_that_stops_its_thread_in_shutdown_leaves_no_thread_behind() {
    let (observed, _temp) = provoke_in_child("thread-stopped-by-shutdown");
    // The thread is gone; the copy stays mapped all the same (see the page).
    assert!(
        observed.starts_with("leaked: its thread stopped, its copy stays mapped"),
        "{observed}"
    );
}

#[test]
fn a_symlinked_library_is_reloaded_when_its_target_is_rebuilt() {
    let mut t = Setup::new(&built().v1);
    let builds = t.dir.path().join("builds");
    fs::create_dir(&builds).unwrap();
    let target = builds.join(library_file_name("greeter"));
    install(&built().v1, &target).unwrap();
    let link = t.dir.path().join("current.so");
    symlink("builds/libgreeter.so", &link).unwrap();
    let mut watcher = LibraryWatcher::new(&link).unwrap();

    // Rebuilt where the link points, as `cargo build` rebuilds target/debug/.
    built()
        .compiler
        .build_to(&fixture("greeter-v2", "v2", &[]), &target)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(watcher.wait_for_change(left), "no change seen within 10 s");
        if let Ok("greeter v2") = t.host.reload(&link) {
            break;
        }
    }
    // The link pointed elsewhere: the new target is watched too.
    let other = t.dir.path().join("other");
    fs::create_dir(&other).unwrap();
    install(&built().v1, &other.join("libgreeter.so")).unwrap();
    let new_link = t.dir.path().join("new-link.so");
    symlink("other/libgreeter.so", &new_link).unwrap();
    fs::rename(&new_link, &link).unwrap();
    assert!(
        watcher.wait_for_change(Duration::from_secs(10)),
        "the link changed"
    );
    assert_eq!(t.host.reload(&link).unwrap(), "greeter v1");
    install(&built().v2, &other.join("libgreeter.so")).unwrap();
    assert!(
        watcher.wait_for_change(Duration::from_secs(10)),
        "its new target changed"
    );
}
