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
use crate::reloader::{ReloadEvent, Reloader, Scripts, Timing};
use crate::script::{LIMITS, Limits, ScriptEngine, ScriptError};

/// Far above the debounce; only reached when something is broken.
const DEADLINE: Duration = Duration::from_secs(20);

/// Shorter than the demo's debounce, to keep the tests quick.
const TEST_TIMING: Timing = Timing {
    debounce: Duration::from_millis(10),
    max_delay: Duration::from_millis(50),
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
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("greeter.rhai");
    fs::write(&path, text).expect("write the first script");
    let engine = Arc::new(ScriptEngine::default());
    let (reloader, changes) =
        Reloader::start(engine, &path, TEST_TIMING).expect("start the reloader");
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

#[test]
fn a_script_replaced_while_written_goes_live_only_whole() {
    let mut fixture = start(V1);
    let cut = V2.find("if count").expect("v2 has an if");
    let mut file = fs::File::create(&fixture.path).expect("open in place");
    file.write_all(&V2.as_bytes()[..cut])
        .expect("write the first part");
    file.flush().expect("flush");
    // The reloader reads the half-written file after the debounce, and refuses it (under
    // load it may first read the file still empty, which it refuses too).
    loop {
        match next_event(&fixture.changes) {
            ReloadEvent::Rejected(ScriptError::Syntax { line, column, .. }) => {
                assert_eq!((line, column), (4, 5));
                break;
            }
            ReloadEvent::Rejected(ScriptError::NoEntry { .. }) => {}
            ReloadEvent::Rejected(other) => panic!("expected a syntax error, got {other}"),
            ReloadEvent::Reloaded { generation } => {
                panic!("half a script went live ({generation})")
            }
        }
    }
    assert_eq!(
        fixture.host.greet("Ada").expect("v1"),
        "Hello, Ada! (greeting #1)"
    );
    file.write_all(&V2.as_bytes()[cut..])
        .expect("write the rest");
    drop(file);
    wait_for_generation(&fixture, 2);
    assert_eq!(
        fixture.host.greet("Ada").expect("v2"),
        "Good day, ADA. You are visitor number 2."
    );
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

#[test]
fn saving_identical_text_is_not_a_new_generation() {
    let fixture = start(V1);
    save(&fixture.path, V1).expect("save without changes");
    save(&fixture.path, V2).expect("a real change");
    match next_event(&fixture.changes) {
        ReloadEvent::Reloaded { generation } => assert_eq!(generation, 2),
        ReloadEvent::Rejected(error) => panic!("unexpected report: {error}"),
    }
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
            "trial call: array of more than 1000 elements",
        ),
        (
            "fn greet(name, count) { let m = #{}; for i in 0..2000 { let one = #{}; one[`k${i}`] = i; m.mixin(one); } }",
            "trial call: map of more than 1000 entries",
        ),
        // Nested arrays: freeing a deep nest recurses, so a deep one could overflow the stack.
        (
            "fn greet(name, count) { let a = []; loop { a = [a]; } }",
            "trial call: array of more than 1000 elements",
        ),
    ];
    let engine = ScriptEngine::default();
    for (script, expected) in cases {
        let error = engine
            .compile(Path::new("greeter.rhai"), script)
            .err()
            .unwrap_or_else(|| panic!("accepted {script}"));
        assert_eq!(run_message(error).1, expected, "{script}");
    }
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
fn top_level_statements_never_run_and_calls_share_nothing() {
    // If the top level ran, the loop would stop every call.
    let script = "loop { }\nfn greet(name, count) { name += \"!\"; `${name} #${count}` }\n";
    let mut fixture = start(script);
    assert_eq!(fixture.host.greet("Ada").expect("answers"), "Ada! #1");
    assert_eq!(fixture.host.greet("Ada").expect("answers"), "Ada! #2");
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
fn rapid_swaps_keep_every_call_whole() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("greeter.rhai");
    fs::write(&path, V1).expect("write");
    let scripts = Scripts::load(Arc::new(ScriptEngine::default()), &path).expect("load v1");
    let stop = Arc::new(AtomicBool::new(false));
    let caller = {
        let (scripts, stop) = (scripts.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            let mut calls = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let text = scripts.greet("Ada", 7).expect("every version answers");
                assert!(
                    text == "Hello, Ada! (greeting #7)"
                        || text == "Good day, ADA. You are visitor number 7.",
                    "a torn answer: {text}"
                );
                calls += 1;
            }
            calls
        })
    };
    let mut host = Host::new(scripts.clone());
    for swap in 1..=200u64 {
        let text = if swap % 2 == 1 { V2 } else { V1 };
        assert_eq!(scripts.reload_text(text).expect("swap"), swap + 1);
        let answer = host.greet("Ada").expect("the new version answers");
        assert_eq!(answer.starts_with("Good day"), swap % 2 == 1, "{answer}");
    }
    stop.store(true, Ordering::Relaxed);
    let calls = caller.join().expect("the caller saw only whole versions");
    assert!(calls > 0);
    assert_eq!(host.greetings(), 200);
}
