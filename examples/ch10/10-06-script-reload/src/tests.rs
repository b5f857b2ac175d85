//! Real files in a temporary directory, the real watcher, real threads. Every wait has a
//! deadline, and no test relies on timing: a test waits for the reloader's reports.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::Host;
use crate::follow::lookups;
use crate::reloader::{Options, ReloadEvent, Reloader, Scripts};
use crate::script::{LIMITS, Limits, ScriptEngine, ScriptError};

/// Far above the debounce; only reached when something is broken.
const DEADLINE: Duration = Duration::from_secs(20);

/// Shorter than the demo's debounce, to keep the tests quick.
const TEST_TIMING: Options = Options {
    debounce: Duration::from_millis(10),
    max_delay: Duration::from_millis(50),
    write_quiet: Duration::from_millis(500),
    max_bytes: 4096,
};

const V1: &str = include_str!("../scripts/v1.rhai");
const V2: &str = include_str!("../scripts/v2.rhai");
const V3: &str = include_str!("../scripts/v3.rhai");

fn save(path: &Path, text: &str) -> io::Result<()> {
    let temporary = path.with_extension("rhai.tmp");
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

struct Fixture {
    _dir: TempDir,
    path: PathBuf,
    reloader: Reloader,
    changes: Receiver<ReloadEvent>,
    host: Host,
}

fn start(text: &str) -> Fixture {
    start_with(text, TEST_TIMING)
}

fn start_with(text: &str, options: Options) -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("greeter.rhai");
    fs::write(&path, text).expect("write the first script");
    let engine = Arc::new(ScriptEngine::default());
    let (reloader, changes) = Reloader::start(engine, &path, options).expect("start the reloader");
    let host = Host::new(reloader.scripts().clone());
    Fixture {
        _dir: dir,
        path,
        reloader,
        changes,
        host,
    }
}

fn next_event(changes: &Receiver<ReloadEvent>) -> ReloadEvent {
    changes
        .recv_timeout(DEADLINE)
        .expect("the reloader reports within the deadline")
}

/// Skips reports until generation `generation` is live (an in-place write can be read
/// half-written first, and rejected).
fn wait_for_generation(fixture: &Fixture, generation: u64) {
    let give_up = Instant::now() + DEADLINE;
    while fixture.reloader.scripts().generation() < generation {
        let left = give_up
            .checked_duration_since(Instant::now())
            .expect("the new version went live before the deadline");
        if let Err(error) = fixture.changes.recv_timeout(left) {
            panic!("waiting for generation {generation}: {error}");
        }
    }
}

/// Saves `bad` by rename, expects it refused, v1 still answering and the count unchanged;
/// then saves v2 and expects it live. Returns the refusal.
fn refused(bad: &str) -> ScriptError {
    let mut fixture = start(V1);
    assert_eq!(
        fixture.host.greet("Ada").expect("v1 answers"),
        "Hello, Ada! (greeting #1)"
    );
    save(&fixture.path, bad).expect("save the bad script");
    let error = match next_event(&fixture.changes) {
        ReloadEvent::Rejected(error) => error,
        ReloadEvent::Reloaded { generation } => panic!("went live as generation {generation}"),
    };
    assert_eq!(fixture.reloader.scripts().generation(), 1);
    assert_eq!(
        fixture.host.greetings(),
        1,
        "a refused script changes no state"
    );
    assert_eq!(
        fixture.host.greet("Grace").expect("v1 still answers"),
        "Hello, Grace! (greeting #2)"
    );
    save(&fixture.path, V2).expect("save the fix");
    wait_for_generation(&fixture, 2);
    assert_eq!(
        fixture.host.greet("Linus").expect("v2 answers"),
        "Good day, LINUS. You are visitor number 3."
    );
    error
}

/// Waits, report by report, until the host's answer starts with `greeting`; then returns the
/// live generation (nothing else is saved meanwhile, so it is the one that answered).
fn generation_once_live(fixture: &mut Fixture, greeting: &str) -> u64 {
    let give_up = Instant::now() + DEADLINE;
    loop {
        assert!(
            Instant::now() < give_up,
            "{greeting:?} live before the deadline"
        );
        if let ReloadEvent::Rejected(error) = next_event(&fixture.changes) {
            panic!("unexpected report: {error}");
        }
        let answer = fixture.host.greet("Ada").expect("a version answers");
        if answer.starts_with(greeting) {
            return fixture.reloader.scripts().generation();
        }
    }
}

/// The message of a refused call, after checking it names the file.
fn run_message(error: ScriptError) -> (Option<(usize, usize)>, String) {
    match error {
        ScriptError::Run { path, at, message } => {
            assert!(path.ends_with("greeter.rhai"), "{}", path.display());
            (at, message)
        }
        other => panic!("expected a run error, got {other}"),
    }
}

#[test]
fn rename_saves_are_seen_every_time() {
    let mut fixture = start(V1);
    for (generation, text) in [(2, V2), (3, V1), (4, V2)] {
        save(&fixture.path, text).expect("rename-save");
        match next_event(&fixture.changes) {
            ReloadEvent::Reloaded { generation: live } => assert_eq!(live, generation),
            ReloadEvent::Rejected(error) => panic!("refused a good script: {error}"),
        }
    }
    assert_eq!(
        fixture.host.greet("Ada").expect("v2 answers"),
        "Good day, ADA. You are visitor number 1."
    );
}

#[test]
fn an_in_place_write_is_seen() {
    let mut fixture = start(V1);
    fs::write(&fixture.path, V2).expect("write in place");
    wait_for_generation(&fixture, 2);
    let text = fixture.host.greet("Ada").expect("a whole version answers");
    assert_eq!(text, "Good day, ADA. You are visitor number 1.");
}

/// A writer that pauses with the file open, after a first half that is a whole valid script:
/// nothing is read before it closes the file, so the half never goes live.
#[cfg(target_os = "linux")]
#[test]
fn a_slow_writer_whose_half_is_a_valid_script_does_not_go_live_half_way() {
    // A fallback far above the pause, however late the writer thread wakes.
    let options = Options {
        write_quiet: Duration::from_secs(5),
        ..TEST_TIMING
    };
    let mut fixture = start_with(V1, options);
    let (half, rest) = (V3, "\nfn farewell(name) {\n    `Goodbye, ${name}!`\n}\n");
    let mut file = fs::File::create(&fixture.path).expect("open in place");
    file.write_all(half.as_bytes())
        .expect("write v3, a whole script");
    thread::sleep(Duration::from_millis(300)); // the writer pauses; the file compiles now
    wait_for_a_read_of(&fixture.path, move || {
        file.write_all(rest.as_bytes()).expect("write the rest");
        drop(file); // closed: the save is whole
    });
    // The whole is being read; v2 saved now is read after it. Had the half gone live as
    // generation 2, the whole would be 3, and v2 4.
    save(&fixture.path, V2).expect("save v2");
    assert_eq!(generation_once_live(&mut fixture, "Good day"), 3);
}

#[test]
fn other_files_in_the_directory_are_ignored() {
    let fixture = start(V1);
    let other = fixture.path.with_file_name("other.rhai");
    for _ in 0..20 {
        fs::write(&other, "fn greet(").expect("write a neighbour");
    }
    save(&fixture.path, V2).expect("rename-save");
    match next_event(&fixture.changes) {
        ReloadEvent::Reloaded { generation } => assert_eq!(generation, 2),
        ReloadEvent::Rejected(error) => panic!("unexpected report: {error}"),
    }
}

/// Runs `save`, then waits until something opens `path`: the reloader's read, since the test
/// never opens the file itself and Linux's inotify reports opens.
#[cfg(target_os = "linux")]
fn wait_for_a_read_of(path: &Path, save: impl FnOnce()) {
    use notify::event::AccessKind;
    use notify::{EventKind, RecursiveMode, Watcher};
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender).expect("a watcher");
    let dir = path.parent().expect("a directory");
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .expect("watch the directory");
    save();
    let give_up = Instant::now() + DEADLINE;
    loop {
        let left = give_up
            .checked_duration_since(Instant::now())
            .expect("the reloader read the file before the deadline");
        let event: notify::Event = match events.recv_timeout(left) {
            Ok(event) => event.expect("no watcher error"),
            Err(error) => panic!("waiting for the reloader's read: {error}"),
        };
        if matches!(event.kind, EventKind::Access(AccessKind::Open(_)))
            && event.paths.iter().any(|seen| seen == path)
        {
            return;
        }
    }
}

/// The identical save is read (and skipped) before the real change is made, so the two are
/// not merged into one read: without the check, the identical text would be generation 2.
#[cfg(target_os = "linux")]
#[test]
fn saving_identical_text_is_not_a_new_generation() {
    let mut fixture = start(V1);
    wait_for_a_read_of(&fixture.path, || {
        save(&fixture.path, V1).expect("save without changes");
    });
    save(&fixture.path, V2).expect("a real change");
    assert_eq!(generation_once_live(&mut fixture, "Good day"), 2);
}

#[test]
fn refuses_a_syntax_error_with_its_line_and_column() {
    match refused(include_str!("../scripts/syntax-error.rhai")) {
        ScriptError::Syntax {
            path,
            line,
            column,
            message,
        } => {
            assert!(path.ends_with("greeter.rhai"));
            assert_eq!((line, column), (3, 5));
            assert!(message.contains("Expecting ';'"), "{message}");
        }
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn refuses_a_truncated_script() {
    let cut = &V2[..V2.find("text +=").expect("v2 appends")];
    match refused(cut) {
        ScriptError::Syntax { line, column, .. } => assert_eq!((line, column), (5, 9)),
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn refuses_a_file_that_is_not_text() {
    let garbage = String::from_utf8_lossy(b"\x7fELF\x02\x01\x01\x00").into_owned();
    assert!(matches!(refused(&garbage), ScriptError::Syntax { .. }));
    // Bytes that are not UTF-8 are a read error.
    let mut fixture = start(V1);
    let temporary = fixture.path.with_extension("tmp");
    fs::write(&temporary, b"fn greet(\xff\xfe)").expect("write bytes");
    fs::rename(&temporary, &fixture.path).expect("rename");
    match next_event(&fixture.changes) {
        ReloadEvent::Rejected(ScriptError::Read { source, .. }) => {
            assert_eq!(source.kind(), io::ErrorKind::InvalidData);
        }
        ReloadEvent::Rejected(other) => panic!("expected a read error, got {other}"),
        ReloadEvent::Reloaded { .. } => panic!("garbage went live"),
    }
    assert!(fixture.host.greet("Ada").is_ok());
}

#[test]
fn stops_an_endless_loop() {
    let (at, message) = run_message(refused(include_str!("../scripts/endless-loop.rhai")));
    assert_eq!(message, "trial call: stopped after 20000 operations");
    assert_eq!(
        at, None,
        "rhai reports a limit at the call site, the host's"
    );
}

#[test]
fn stops_deep_recursion() {
    let (_, message) = run_message(refused(include_str!("../scripts/deep-recursion.rhai")));
    assert_eq!(message, "trial call: stopped at 16 nested calls");
}

/// The deepest recursion the limits allow, with the most nesting a function body may have,
/// stops cleanly on a thread with half of Rust's default 2 MiB stack (a native stack overflow
/// would abort this whole test process instead).
#[test]
fn deep_recursion_fits_in_half_the_default_thread_stack() {
    let script = "fn greet(name, count) { depth(count) }\n\
                  fn depth(n) { let a = [n, n]; if n > 0 { (1 + (1 + (1 + depth(n + 1)))) } else { 0 } }";
    let stopped = thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let engine = ScriptEngine::default();
            engine
                .compile(Path::new("deep.rhai"), script)
                .err()
                .map(|error| error.to_string())
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
    assert_eq!(
        stopped.as_deref(),
        Some("deep.rhai: trial call: stopped at 16 nested calls")
    );
}

#[test]
fn refuses_a_huge_string() {
    let (_, message) = run_message(refused(include_str!("../scripts/huge-string.rhai")));
    assert_eq!(message, "trial call: string longer than 10000 bytes");
}

#[test]
fn refuses_huge_arrays_maps_and_deep_nesting() {
    let cases = [
        (
            "fn greet(name, count) { let a = []; loop { a.push(count); } }",
            "trial call: array or BLOB of more than 1000 elements",
        ),
        (
            "fn greet(name, count) { let m = #{}; for i in 0..2000 { let one = #{}; one[`k${i}`] = i; m.mixin(one); } }",
            "trial call: map of more than 1000 entries",
        ),
        // Nested arrays: freeing a deep nest recurses, so a deep one could overflow the stack.
        (
            "fn greet(name, count) { let a = []; loop { a = [a]; } }",
            "trial call: array or BLOB of more than 1000 elements",
        ),
    ];
    // A deadline far away: what stops each script is its size limit, however slow the machine.
    let engine = ScriptEngine::new(Limits {
        deadline: Duration::from_secs(600),
        ..LIMITS
    });
    for (script, expected) in cases {
        let error = engine
            .compile(Path::new("greeter.rhai"), script)
            .err()
            .unwrap_or_else(|| panic!("accepted {script}"));
        assert_eq!(run_message(error).1, expected, "{script}");
    }
}

/// The nesting limits are the engine's own, not rhai's defaults (which differ by build): a
/// nesting the book's limits accept is refused by an engine whose limit is lower.
#[test]
fn an_expression_nested_past_the_limit_is_refused_when_compiled() {
    let nested = format!(
        "fn greet(name, count) {{ let n = {}count{}; `Hello, ${{name}}!` }}",
        "(".repeat(4),
        ")".repeat(4)
    );
    ScriptEngine::default()
        .compile(Path::new("greeter.rhai"), &nested)
        .unwrap_or_else(|error| panic!("refused with the book's limits: {error}"));
    let shallow = ScriptEngine::new(Limits {
        function_expr_depth: 4,
        ..LIMITS
    });
    let error = shallow
        .compile(Path::new("greeter.rhai"), &nested)
        .err()
        .expect("compiled past a function_expr_depth of 4");
    assert_eq!(
        error.to_string(),
        "greeter.rhai:1:33: Expression exceeds maximum complexity"
    );
}

/// rhai checks a map's size when the map is used whole, not when `m[key] = value` adds a key:
/// a map built that way passes the map limit, and only the operation count bounds it.
#[test]
fn a_map_grown_by_index_is_bounded_by_operations_only() {
    // A deadline far away: what stops the endless map is the operation count, however slow
    // the machine.
    let engine = ScriptEngine::new(Limits {
        deadline: Duration::from_secs(600),
        ..LIMITS
    });
    let grows =
        "fn greet(name, count) { let m = #{}; for i in 0..1500 { m[`k${i}`] = i; } `${name}` }";
    let compiled = engine
        .compile(Path::new("greeter.rhai"), grows)
        .expect("a map of 1500 entries, over the limit of 1000, is not refused");
    let text = engine.greet(Path::new("greeter.rhai"), &compiled, "Ada", 1);
    assert_eq!(text.expect("answers"), "Ada");
    let endless =
        "fn greet(name, count) { let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; } }";
    let error = engine
        .compile(Path::new("greeter.rhai"), endless)
        .err()
        .expect("stopped");
    assert_eq!(
        run_message(error).1,
        "trial call: stopped after 20000 operations"
    );
}

#[test]
fn refuses_a_script_without_greet_name_count() {
    match refused(include_str!("../scripts/no-greet.rhai")) {
        ScriptError::NoEntry { message, .. } => {
            assert_eq!(
                message,
                "no `greet(name, count)`: the script defines no `greet`"
            );
        }
        other => panic!("expected a missing entry, got {other}"),
    }
    match refused("fn greet(name) { `Hello, ${name}!` }") {
        ScriptError::NoEntry { message, .. } => {
            assert_eq!(
                message,
                "no `greet(name, count)`: its `greet` takes 1 parameter"
            );
        }
        other => panic!("expected a wrong signature, got {other}"),
    }
}

#[test]
fn refuses_a_runtime_error_an_exit_and_a_wrong_answer_at_load() {
    let (at, message) = run_message(refused(
        "fn greet(name, count) {\n    let parts = [1, 2, 3];\n    let last = count + 2;\n    parts[last]\n}\n",
    ));
    assert_eq!(at, Some((4, 11)));
    assert_eq!(
        message,
        "trial call: Array index 3 out of bounds: only 3 elements in array"
    );
    let (at, message) = run_message(refused("fn greet(name, count) {\n    throw \"boom\";\n}\n"));
    assert_eq!(
        (at, message.as_str()),
        (Some((2, 5)), "trial call: Runtime error: boom")
    );
    // `exit` ends the script, not the process: greet answered `()`.
    let (_, message) = run_message(refused("fn greet(name, count) { exit(); }"));
    assert_eq!(message, "trial call: `greet` returned (), not a string");
    let (_, message) = run_message(refused("fn greet(name, count) { count }"));
    assert_eq!(message, "trial call: `greet` returned i64, not a string");
}

#[test]
fn scripts_cannot_sleep() {
    for call in ["sleep(1.0e300)", "sleep(3600)"] {
        let script = format!("fn greet(name, count) {{\n    {call};\n    \"late\"\n}}\n");
        let error = refused(&script).to_string();
        assert!(error.contains("`sleep` is not allowed"), "{call}: {error}");
    }
}

#[test]
fn scripts_cannot_start_threads() {
    match refused("fn greet(name, count) {\n    spawn(|| loop { });\n    \"started\"\n}\n") {
        ScriptError::Syntax { message, .. } => {
            assert_eq!(message, "'spawn' is a reserved keyword");
        }
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn a_deadline_stops_what_the_operation_count_allows() {
    let limits = Limits {
        operations: 0, // no limit
        deadline: Duration::from_millis(50),
        ..LIMITS
    };
    let engine = ScriptEngine::new(limits);
    let error = engine
        .compile(
            Path::new("greeter.rhai"),
            include_str!("../scripts/endless-loop.rhai"),
        )
        .err()
        .expect("an endless loop is refused");
    assert_eq!(
        run_message(error).1,
        "trial call: stopped at the 50ms deadline"
    );
}

// ANCHOR: no_rollback_test
/// A live script that fails for one input: that call fails with its position, the count does
/// not move, and the same version answers the next call (no rollback).
#[test]
fn a_failing_call_keeps_the_live_script_and_the_count() {
    let mut fixture = start(V1);
    fixture.host.greet("Ada").expect("v1 answers");
    save(&fixture.path, V3).expect("save v3");
    wait_for_generation(&fixture, 2);

    let (at, message) = run_message(fixture.host.greet("").expect_err("v3 refuses no name"));
    assert_eq!(
        (at, message.as_str()),
        (Some((4, 9)), "Runtime error: greet needs a name")
    );
    assert_eq!(fixture.host.greetings(), 1);
    assert_eq!(fixture.reloader.scripts().generation(), 2);
    assert_eq!(
        fixture.host.greet("Grace").expect("v3 still answers"),
        "Hi Grace, greeting #2"
    );
}
// ANCHOR_END: no_rollback_test

#[test]
fn top_level_statements_never_run() {
    // If the top level ran, the loop would stop every call.
    let script = "loop { }\nfn greet(name, count) { `${name} #${count}` }\n";
    let mut fixture = start(script);
    assert_eq!(fixture.host.greet("Ada").expect("answers"), "Ada #1");
    assert_eq!(fixture.host.greet("Ada").expect("answers"), "Ada #2");
}

#[test]
fn a_deleted_script_keeps_the_live_one_and_a_recreated_one_is_loaded() {
    let mut fixture = start(V1);
    fs::remove_file(&fixture.path).expect("delete");
    match next_event(&fixture.changes) {
        ReloadEvent::Rejected(ScriptError::Read { source, .. }) => {
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        ReloadEvent::Rejected(other) => panic!("expected a read error, got {other}"),
        ReloadEvent::Reloaded { .. } => panic!("reloaded a deleted file"),
    }
    assert!(fixture.host.greet("Ada").is_ok(), "v1 is still in memory");
    fs::write(&fixture.path, V2).expect("recreate");
    wait_for_generation(&fixture, 2);
}

#[test]
fn start_refuses_a_bad_first_script() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("greeter.rhai");
    fs::write(&path, "fn greet(name, count) {").expect("write");
    let engine = Arc::new(ScriptEngine::default());
    match Reloader::start(Arc::clone(&engine), &path, TEST_TIMING) {
        Err(ScriptError::Syntax { line, .. }) => assert_eq!(line, 1),
        Err(other) => panic!("expected a syntax error, got {other}"),
        Ok(_) => panic!("started with a bad script"),
    }
    match Scripts::load(engine, &dir.path().join("missing.rhai")) {
        Err(ScriptError::Read { source, .. }) => assert_eq!(source.kind(), io::ErrorKind::NotFound),
        Err(other) => panic!("expected a read error, got {other}"),
        Ok(_) => panic!("loaded a missing file"),
    }
}

#[test]
fn concurrent_reloads_go_live_in_the_order_they_read() {
    // Versions 0, 1, 2, ... saved by rename, while two threads call `reload` and a third
    // greets: no answer may come from an older version than the answer before it.
    let version = |n: u32| format!("fn greet(name, count) {{ \"{n}\" }}\n");
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("greeter.rhai");
    fs::write(&path, version(0)).expect("write");
    let scripts = Scripts::load(Arc::new(ScriptEngine::default()), &path).expect("load");
    let stop = Arc::new(AtomicBool::new(false));
    let reloaders: Vec<_> = (0..2)
        .map(|_| {
            let (scripts, stop) = (scripts.clone(), Arc::clone(&stop));
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    scripts.reload().expect("a save by rename is always whole");
                }
            })
        })
        .collect();
    let caller = {
        let (scripts, stop) = (scripts.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            let (mut last, mut calls) = (0u32, 0u64);
            while !stop.load(Ordering::Relaxed) {
                let answer = scripts.greet("Ada", 1).expect("every version answers");
                let seen: u32 = answer.parse().expect("a version number");
                assert!(seen >= last, "version {seen} went live after {last}");
                (last, calls) = (seen, calls + 1);
            }
            calls
        })
    };
    for n in 1..=300 {
        save(&path, &version(n)).expect("save");
    }
    stop.store(true, Ordering::Relaxed);
    for reloader in reloaders {
        reloader.join().expect("a reloader");
    }
    assert!(caller.join().expect("no older version went live") > 0);
    scripts.reload().expect("the last save");
    assert_eq!(scripts.greet("Ada", 1).expect("answers"), "300");
}

#[test]
fn a_panic_while_checking_is_refused_and_reloading_goes_on() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("greeter.rhai");
    fs::write(&path, V1).expect("write");
    // A host function with a bug, as a bug in rhai would be.
    let mut engine = ScriptEngine::default();
    engine
        .engine_mut()
        .register_fn("shout", |_: &str| -> String { panic!("a bug in shout") });
    let (reloader, changes) = Reloader::start(Arc::new(engine), &path, TEST_TIMING).expect("start");
    save(&path, "fn greet(name, count) { shout(name) }\n").expect("save");
    match next_event(&changes) {
        ReloadEvent::Rejected(error) => assert_eq!(
            run_message(error),
            (None, "the check panicked: a bug in shout".to_owned())
        ),
        ReloadEvent::Reloaded { generation } => panic!("went live as generation {generation}"),
    }
    // The reloader's thread is still there: the next save goes live.
    save(&path, V2).expect("save the fix");
    match next_event(&changes) {
        ReloadEvent::Reloaded { generation } => assert_eq!(generation, 2),
        ReloadEvent::Rejected(error) => panic!("refused v2: {error}"),
    }
    assert!(reloader.scripts().greet("Ada", 1).is_ok());
}

/// Runs `work` on another thread and fails if it has not returned within the deadline.
fn returns_promptly(what: &str, work: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    thread::spawn(move || {
        work();
        let _ = done.send(());
    });
    finished
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{what} did not return within {DEADLINE:?}"));
}

/// Skips reports until one refuses the file with a read error of `kind`; returns its text.
fn wait_for_read_error(fixture: &Fixture, kind: io::ErrorKind) -> String {
    loop {
        match next_event(&fixture.changes) {
            ReloadEvent::Rejected(ScriptError::Read { source, .. }) if source.kind() == kind => {
                return source.to_string();
            }
            ReloadEvent::Rejected(ScriptError::Read { .. }) => {} // e.g. NotFound on the way
            ReloadEvent::Rejected(other) => panic!("expected a read error {kind:?}, got {other}"),
            ReloadEvent::Reloaded { generation } => panic!("went live as {generation}"),
        }
    }
}

fn generation_of(event: ReloadEvent) -> u64 {
    match event {
        ReloadEvent::Reloaded { generation } => generation,
        ReloadEvent::Rejected(error) => panic!("refused a good script: {error}"),
    }
}

#[cfg(unix)]
fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL in the path");
    // SAFETY: `name` is a NUL-terminated path that lives across the call.
    let result = unsafe { libc::mkfifo(name.as_ptr(), 0o600) };
    assert_eq!(result, 0, "mkfifo: {}", io::Error::last_os_error());
}

#[cfg(unix)]
#[test]
fn a_fifo_at_the_path_is_refused_without_blocking_and_drop_returns() {
    let mut fixture = start(V1);
    fs::remove_file(&fixture.path).expect("remove");
    make_fifo(&fixture.path);
    let said = wait_for_read_error(&fixture, io::ErrorKind::InvalidInput);
    assert_eq!(said, "not a regular file but a FIFO");
    assert_eq!(
        fixture.host.greet("Ada").expect("v1 answers"),
        "Hello, Ada! (greeting #1)"
    );

    // Nor does `start` block on a FIFO.
    let fifo = fixture.path.with_file_name("fifo.rhai");
    make_fifo(&fifo);
    returns_promptly("start on a FIFO", move || {
        let engine = Arc::new(ScriptEngine::default());
        let error = Reloader::start(engine, &fifo, TEST_TIMING)
            .err()
            .expect("refused");
        assert!(
            error.to_string().ends_with("not a regular file but a FIFO"),
            "{error}"
        );
    });
    // The worker is not stuck in a read: dropping the reloader returns.
    let Fixture { _dir, reloader, .. } = fixture;
    returns_promptly("drop after a FIFO", move || drop(reloader));
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let fixture = start(V1);
    // A valid script, but over the tests' 4096-byte limit.
    let padded = format!("{V2}{}", "// padding\n".repeat(500));
    save(&fixture.path, &padded).expect("save a large script");
    let said = wait_for_read_error(&fixture, io::ErrorKind::FileTooLarge);
    // The length is refused from the file's metadata, before a byte is read.
    let expected = format!(
        "{} bytes, larger than the limit of 4096 bytes",
        padded.len()
    );
    assert_eq!(said, expected);
    assert_eq!(fixture.reloader.scripts().generation(), 1);
    // A 50 MB file (sparse: no time spent writing it) against the default limit.
    let huge = fixture.path.with_file_name("huge.rhai");
    fs::File::create(&huge)
        .and_then(|file| file.set_len(50 * 1024 * 1024))
        .expect("a 50 MB file");
    returns_promptly("start on a 50 MB file", move || {
        let engine = Arc::new(ScriptEngine::default());
        let error = Reloader::start(engine, &huge, Options::default())
            .err()
            .expect("refused");
        assert!(
            error
                .to_string()
                .ends_with("52428800 bytes, larger than the limit of 1048576 bytes"),
            "{error}"
        );
    });
}

#[cfg(unix)]
#[test]
fn a_link_to_a_device_is_refused() {
    let fixture = start(V1);
    let link = fixture.path.with_file_name("zero.rhai");
    std::os::unix::fs::symlink("/dev/zero", &link).expect("link to /dev/zero");
    fs::rename(&link, &fixture.path).expect("put it at the path");
    let said = wait_for_read_error(&fixture, io::ErrorKind::InvalidInput);
    assert_eq!(said, "not a regular file but a character device");
}

/// A Kubernetes ConfigMap volume as the kubelet updates it: the script in a timestamped
/// directory, `..data` a link to it, the key a link through `..data`; an update writes a new
/// directory, renames a new `..data` link over the old one and removes the old directory.
#[cfg(unix)]
#[test]
fn every_configmap_update_is_loaded() {
    use std::os::unix::fs::symlink;
    let mount = tempfile::tempdir().expect("temporary directory");
    let mount = mount.path();
    let mut data = "..2026_12_01_00_00_00.1".to_owned();
    fs::create_dir(mount.join(&data)).expect("data directory");
    fs::write(mount.join(&data).join("greeter.rhai"), V1).expect("the script");
    symlink(&data, mount.join("..data")).expect("..data");
    symlink("..data/greeter.rhai", mount.join("greeter.rhai")).expect("the key");
    let path = mount.join("greeter.rhai");
    let engine = Arc::new(ScriptEngine::default());
    let (reloader, changes) = Reloader::start(engine, &path, TEST_TIMING).expect("start");
    assert!(
        lookups(&path)
            .iter()
            .any(|looked| looked.ends_with("..data"))
    );
    for (update, text) in [(1, V2), (2, V3), (3, V1)] {
        let next = format!("..2026_12_01_00_{update:02}_00.{}", update + 1);
        fs::create_dir(mount.join(&next)).expect("new data directory");
        fs::write(mount.join(&next).join("greeter.rhai"), text).expect("the new script");
        symlink(&next, mount.join("..data_tmp")).expect("..data_tmp");
        fs::rename(mount.join("..data_tmp"), mount.join("..data")).expect("swap ..data");
        fs::remove_dir_all(mount.join(&data)).expect("remove the old directory");
        data = next;
        assert_eq!(generation_of(next_event(&changes)), update + 1);
    }
    let answer = reloader.scripts().greet("Ada", 1).expect("v1 answers");
    assert_eq!(answer, "Hello, Ada! (greeting #1)");
}

#[cfg(unix)]
#[test]
fn saves_through_a_symlink_are_loaded() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("temporary directory");
    let (scripts, real, other) = (
        dir.path().join("scripts"),
        dir.path().join("real"),
        dir.path().join("other"),
    );
    for folder in [&scripts, &real, &other] {
        fs::create_dir(folder).expect("folder");
    }
    fs::write(real.join("greeter.rhai"), V1).expect("target");
    let path = scripts.join("greeter.rhai");
    symlink("../real/greeter.rhai", &path).expect("link");
    let engine = Arc::new(ScriptEngine::default());
    let (reloader, changes) = Reloader::start(engine, &path, TEST_TIMING).expect("start");

    save(&real.join("greeter.rhai"), V2).expect("rename-save the target");
    assert_eq!(generation_of(next_event(&changes)), 2);
    fs::write(real.join("greeter.rhai"), V3).expect("write the target in place");
    assert_eq!(generation_of(next_event(&changes)), 3);
    // Point the link elsewhere (as `ln -sfn` does: a new link renamed over the old one).
    fs::write(other.join("greeter.rhai"), V1).expect("another target");
    symlink(other.join("greeter.rhai"), scripts.join("greeter.rhai.new")).expect("new link");
    fs::rename(scripts.join("greeter.rhai.new"), &path).expect("swap the link");
    assert_eq!(generation_of(next_event(&changes)), 4);
    // The old target no longer matters; the new one does.
    fs::write(real.join("greeter.rhai"), "fn greet(").expect("edit the old target");
    fs::write(other.join("greeter.rhai"), V2).expect("edit the new target");
    assert_eq!(generation_of(next_event(&changes)), 5);
    let answer = reloader.scripts().greet("Ada", 1).expect("v2 answers");
    assert_eq!(answer, "Good day, ADA. You are visitor number 1.");
}

/// rhai checks a string's size when the function that built it returns: a string at the
/// limit whose every character is replaced by the string itself is built whole (10,000 times
/// the limit, 100 MB) before it is refused. On Linux the test reads that peak from `/proc`.
#[test]
fn a_string_built_in_one_call_is_refused_only_after_it_is_built() {
    let engine = ScriptEngine::new(Limits {
        deadline: Duration::from_secs(600),
        ..LIMITS
    });
    let script = r#"fn greet(name, count) { let s = ""; s.pad(10000, "x"); let t = s; s.replace("x", t); s }"#;
    let error = engine
        .compile(Path::new("greeter.rhai"), script)
        .err()
        .unwrap_or_else(|| panic!("accepted {script}"));
    assert_eq!(
        run_message(error).1,
        "trial call: string longer than 10000 bytes"
    );
    #[cfg(target_os = "linux")]
    {
        // The process's peak resident memory (no other test here comes near 100 MB).
        let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
        let peak_kb: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
            .expect("VmHWM");
        assert!(peak_kb >= 100_000, "peak {peak_kb} kB");
    }
}
