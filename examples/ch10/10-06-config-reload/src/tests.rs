//! Real files in a temporary directory, the real watcher, real threads. Every wait has a
//! deadline, and a test waits for the reloader's reports rather than for time to pass (the few
//! that rest on timing say so, with wide margins).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tempfile::TempDir;

use crate::config::Config;
use crate::reloader::{Options, ReloadError, ReloadEvent, Reloader, line_and_column};
use crate::save;

/// Far above the debounce; only reached when something is broken.
pub(crate) const DEADLINE: Duration = Duration::from_secs(10);

/// Shorter than the demo's `DEBOUNCE`, to keep the tests quick; what they check does not
/// depend on it (the demo itself, which the book's repository runs and compares with
/// output.txt, uses the default).
pub(crate) const TEST_OPTIONS: Options = Options {
    debounce: Duration::from_millis(10),
    max_delay: Duration::from_millis(50),
    write_quiet: Duration::from_secs(1),
    max_bytes: 4096,
};

pub(crate) const GOOD: &str =
    "greeting = \"hello\"\ntimeout_ms = 1500\n\n[limits]\nrequests_per_second = 100\nburst = 200\n";

pub(crate) fn good_with_timeout(timeout_ms: u64) -> String {
    GOOD.replace("1500", &timeout_ms.to_string())
}

pub(crate) struct Fixture<T> {
    pub(crate) dir: TempDir,
    pub(crate) path: PathBuf,
    pub(crate) reloader: Reloader<T>,
    pub(crate) changes: Receiver<ReloadEvent<T>>,
}

pub(crate) fn start<T>(text: &str) -> Fixture<T>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    start_with(text, TEST_OPTIONS)
}

pub(crate) fn start_with<T>(text: &str, options: Options) -> Fixture<T>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("app.toml");
    fs::write(&path, text).expect("write the first file");
    let (reloader, changes) =
        Reloader::<T>::start_with(&path, options).expect("start the reloader");
    Fixture {
        dir,
        path,
        reloader,
        changes,
    }
}

pub(crate) fn next_event<T>(changes: &Receiver<ReloadEvent<T>>) -> ReloadEvent<T> {
    changes
        .recv_timeout(DEADLINE)
        .expect("the reloader reports within the deadline")
}

/// Skips reports until `config` is live (a burst of saves can be reported in several steps).
pub(crate) fn wait_until_live<T: PartialEq + std::fmt::Debug>(fixture: &Fixture<T>, config: &T) {
    let give_up = Instant::now() + DEADLINE;
    loop {
        let left = give_up
            .checked_duration_since(Instant::now())
            .expect("the new configuration went live before the deadline");
        match fixture.changes.recv_timeout(left) {
            Ok(ReloadEvent::Reloaded(snapshot)) if snapshot.config == *config => break,
            Ok(_) => {}
            Err(error) => panic!("waiting for {config:?}: {error}"),
        }
    }
    assert_eq!(fixture.reloader.load().config, *config);
}

pub(crate) fn parse_config(text: &str) -> Config {
    toml::from_str(text).expect("a valid test configuration")
}

#[test]
fn a_valid_in_place_change_is_seen_within_the_deadline() {
    let fixture = start::<Config>(GOOD);
    let started = Instant::now();
    let text = good_with_timeout(900);
    fs::write(&fixture.path, &text).expect("write in place");
    wait_until_live(&fixture, &parse_config(&text));
    assert!(started.elapsed() < DEADLINE);
    assert!(fixture.reloader.load().generation >= 2);
}

#[test]
fn rename_saves_are_seen_every_time() {
    // A watch on the file itself would hear the first rename and then nothing.
    let fixture = start::<Config>(GOOD);
    for (round, timeout_ms) in [(2, 700), (3, 600), (4, 500)] {
        save(&fixture.path, &good_with_timeout(timeout_ms)).expect("rename-save");
        match next_event(&fixture.changes) {
            ReloadEvent::Reloaded(snapshot) => {
                assert_eq!(snapshot.generation, round);
                assert_eq!(snapshot.config.timeout_ms.get(), timeout_ms);
            }
            ReloadEvent::Rejected(error) => panic!("rejected a valid file: {error}"),
        }
    }
}

#[test]
fn other_files_in_the_directory_are_ignored() {
    let fixture = start::<Config>(GOOD);
    let other = fixture.path.with_file_name("other.toml");
    for _ in 0..20 {
        fs::write(&other, "not = [valid").expect("write a neighbour");
    }
    save(&fixture.path, &good_with_timeout(42)).expect("rename-save");
    // The very next report is about our file: nothing was said about the neighbour.
    match next_event(&fixture.changes) {
        ReloadEvent::Reloaded(snapshot) => {
            assert_eq!(snapshot.generation, 2);
            assert_eq!(snapshot.config.timeout_ms.get(), 42);
        }
        ReloadEvent::Rejected(error) => panic!("unexpected report: {error}"),
    }
}

/// Saves `bad` (by rename, so it is read whole), expects it rejected at `line:column` (`0, 0`:
/// with no position) with a message containing `message`, the old configuration still served,
/// and then a fix picked up.
fn rejects(bad: &str, line: usize, column: usize, message: &str) {
    let expected = (line > 0).then_some((line, column));
    let fixture = start::<Config>(GOOD);
    save(&fixture.path, bad).expect("save the bad file");
    match next_event(&fixture.changes) {
        ReloadEvent::Rejected(ReloadError::Parse {
            path,
            at,
            message: said,
        }) => {
            assert_eq!(path, fixture.path);
            assert_eq!(at, expected, "position of: {said}");
            assert!(
                said.contains(message),
                "{said:?} should contain {message:?}"
            );
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let still = fixture.reloader.load();
    assert_eq!((still.generation, &still.config), (1, &parse_config(GOOD)));

    let fixed = good_with_timeout(333);
    save(&fixture.path, &fixed).expect("save the fix");
    wait_until_live(&fixture, &parse_config(&fixed));
    assert_eq!(fixture.reloader.load().generation, 2);
}

#[test]
fn rejects_malformed_toml() {
    rejects(
        "greeting = \"hello\"\ntimeout_ms = = 800\n",
        2,
        14,
        "extra `=`",
    );
}

#[test]
fn rejects_a_truncated_file() {
    // The first lines of GOOD, cut inside a table header, then inside a string.
    rejects(
        "greeting = \"hello\"\ntimeout_ms = 800\n\n[lim",
        4,
        5,
        "unclosed table",
    );
    rejects("greeting = \"hel", 1, 16, "invalid basic string");
    // Cut between lines: valid TOML, but a required table is missing.
    rejects(
        &GOOD[..GOOD.find("[limits]").expect("limits")],
        0,
        0,
        "missing field `limits`",
    );
}

#[test]
fn rejects_an_empty_file() {
    rejects("", 0, 0, "missing field `greeting`"); // nowhere in the file: no position
}

#[test]
fn rejects_a_wrong_type() {
    rejects(
        &GOOD.replace("1500", "\"fast\""),
        2,
        14,
        "invalid type: string \"fast\"",
    );
    rejects(
        &GOOD.replace("burst = 200", "burst = -5"),
        6,
        9,
        "integer `-5`, expected u32",
    );
}

#[test]
fn rejects_an_invalid_value() {
    rejects(&GOOD.replace("1500", "0"), 2, 14, "nonzero");
}

#[test]
fn rejects_inconsistent_fields() {
    rejects(
        &GOOD.replace("burst = 200", "burst = 50"),
        4,
        1,
        "burst (50) must be at least",
    );
}

#[test]
fn rejects_an_unknown_key() {
    rejects(
        &GOOD.replace("timeout_ms", "timeout"),
        2,
        1,
        "unknown field `timeout`",
    );
}

#[test]
fn a_deleted_file_keeps_the_config_and_a_recreated_one_is_loaded() {
    let fixture = start::<Config>(GOOD);
    fs::remove_file(&fixture.path).expect("delete");
    match next_event(&fixture.changes) {
        ReloadEvent::Rejected(ReloadError::Read { path, source }) => {
            assert_eq!(path, fixture.path);
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("expected a read error, got {other:?}"),
    }
    assert_eq!(fixture.reloader.load().generation, 1);

    // Recreated in place (a new inode, seen as Create), not by rename.
    let recreated = good_with_timeout(1234);
    fs::write(&fixture.path, &recreated).expect("recreate");
    wait_until_live(&fixture, &parse_config(&recreated));
}

#[test]
fn a_file_renamed_away_and_back_is_seen() {
    let fixture = start::<Config>(GOOD);
    let aside = fixture.path.with_extension("bak");
    fs::rename(&fixture.path, &aside).expect("rename away");
    match next_event(&fixture.changes) {
        ReloadEvent::Rejected(ReloadError::Read { source, .. }) => {
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("expected a read error, got {other:?}"),
    }
    fs::write(&aside, good_with_timeout(55)).expect("edit the moved file");
    fs::rename(&aside, &fixture.path).expect("rename back");
    wait_until_live(&fixture, &parse_config(&good_with_timeout(55)));
}

#[test]
fn start_refuses_a_bad_first_file_with_its_position() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("app.toml");
    fs::write(&path, "greeting = 3\n").expect("write");
    match Reloader::<Config>::start(&path) {
        Err(ReloadError::Parse { at, .. }) => assert_eq!(at, Some((1, 12))),
        Err(other) => panic!("expected a parse error, got {other}"),
        Ok(_) => panic!("started with an invalid file"),
    }
    match Reloader::<Config>::start(dir.path().join("missing.toml")) {
        Err(ReloadError::Read { source, .. }) => {
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        Err(other) => panic!("expected a read error, got {other}"),
        Ok(_) => panic!("started without a file"),
    }
}

#[test]
fn line_and_column_count_characters_from_one() {
    let text = "a = 1\nname = \"café\" x\n";
    assert_eq!(line_and_column(text, 0), (1, 1));
    assert_eq!(line_and_column(text, 6), (2, 1));
    let x = text.find(" x").expect("x") + 1;
    assert_eq!(line_and_column(text, x), (2, 15)); // é is two bytes, one column
    assert_eq!(line_and_column(text, text.len() + 10), (3, 1));
}

/// For the soak: `b == 2 * a` in every valid file. A reader that saw `a` of one version and
/// `b` of another would break it.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(try_from = "RawPair")]
struct Pair {
    a: u64,
    b: u64,
}

#[derive(Deserialize)]
struct RawPair {
    a: u64,
    b: u64,
}

impl TryFrom<RawPair> for Pair {
    type Error = String;
    fn try_from(raw: RawPair) -> Result<Self, String> {
        if raw.b == 2 * raw.a {
            Ok(Pair { a: raw.a, b: raw.b })
        } else {
            Err(format!("b = {} is not 2 * a = {}", raw.b, raw.a))
        }
    }
}

const BURSTS: u64 = 10;
const WRITES_PER_BURST: u64 = 100;

#[test]
fn soak_mixed_saves_publish_only_valid_files_and_never_go_back() {
    let fixture = start::<Pair>("a = 0\nb = 0\n");
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let config = fixture.reloader.handle();
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let (mut reads, mut last_generation) = (0u64, 0);
                let mut seen = std::collections::BTreeSet::new();
                while !stop.load(Ordering::Relaxed) {
                    let snapshot = config.load();
                    // `Pair` cannot hold `b != 2 * a` (its `TryFrom`): which files were
                    // published is checked after the run, from `seen`.
                    assert!(snapshot.generation >= last_generation, "went back");
                    last_generation = snapshot.generation;
                    seen.insert(snapshot.config.a);
                    reads += 1;
                    drop(snapshot);
                    thread::yield_now();
                }
                (reads, seen)
            })
        })
        .collect();

    let mut writes = 0;
    for burst in 0..BURSTS {
        // Bursts of writes faster than the debounce, every fifth one invalid, mixing
        // in-place writes and rename-saves; the last write of each burst is valid.
        let mut last_valid = None;
        for step in 0..WRITES_PER_BURST {
            let a = burst * WRITES_PER_BURST + step + 1;
            let text = match step % 5 {
                0 if step % 10 == 0 => format!("a = {a}\nb = {}\n", 2 * a + 1),
                0 => format!("a = {a}\nb = [\n"),
                _ => format!("a = {a}\nb = {}\n", 2 * a),
            };
            if step % 2 == 0 {
                fs::write(&fixture.path, &text).expect("write in place");
            } else {
                save(&fixture.path, &text).expect("rename-save");
            }
            writes += 1;
            if step % 5 != 0 {
                last_valid = Some(Pair { a, b: 2 * a });
            }
        }
        // Each burst ends on the last valid file: wait for exactly that one.
        let expected = last_valid.expect("each burst has valid files");
        wait_until_live(&fixture, &expected);
    }

    stop.store(true, Ordering::Relaxed);
    let mut reads = 0;
    for reader in readers {
        let (count, seen) = reader.join().expect("a reader found an older config");
        reads += count;
        // Every value a reader saw is one a valid file held, whole: never an invalid file's
        // (step % 5 == 0), nor a value no file held.
        for a in seen {
            let step = a.wrapping_sub(1) % WRITES_PER_BURST;
            assert!(
                a == 0 || (a <= writes && !step.is_multiple_of(5)),
                "a = {a} was never valid"
            );
        }
    }
    let last = fixture.reloader.load();
    println!(
        "soak: {writes} writes, {} generations, {reads} reads",
        last.generation
    );
    assert!(reads > 0);
    assert_eq!(writes, BURSTS * WRITES_PER_BURST);
    assert_eq!(
        last.config,
        Pair {
            a: writes,
            b: 2 * writes
        }
    );
    assert!(last.generation > BURSTS, "at least one reload per burst");
}

/// Keeps the soak's path helper honest: `save` writes a sibling, never another directory.
#[test]
fn save_replaces_the_file_through_a_sibling() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path: &Path = &dir.path().join("app.toml");
    save(path, "x = 1\n").expect("save");
    assert_eq!(fs::read_to_string(path).expect("read"), "x = 1\n");
    assert!(!path.with_extension("toml.tmp").exists());
}

#[test]
fn watching_a_missing_file_names_it_in_a_clear_error() {
    let missing = std::env::temp_dir().join("no-such-dir-10-06/app.toml");
    let error = crate::watch(&missing).expect_err("nothing to watch");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: No such file or directory (os error 2)",
            missing.display()
        )
    );
}
