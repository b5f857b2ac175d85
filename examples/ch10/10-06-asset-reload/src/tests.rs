//! Both strategies against real files in a temporary directory. Every wait has a deadline; none
//! is a timing assert.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use tempfile::TempDir;

use crate::asset::{MAX_DELAY, PolledFile, SETTLE, Stamp, WatchedFile};
use crate::{LEVEL_1, LEVEL_2, LEVEL_3, save, set_mtime};

/// Far above the debounce; only reached when something is broken.
pub(crate) const DEADLINE: Duration = Duration::from_secs(10);
const AN_HOUR: Duration = Duration::from_secs(3600);

/// A process started while a test has a file open for writing gets a copy of that descriptor
/// and keeps it until it execs. Its close is then the file's last one, and inotify reports the
/// save as closed (IN_CLOSE_WRITE) at that moment, perhaps half way through the test's next
/// write. So tests that check events hold the read side of this lock from start to end, and a
/// test starts its processes under the write side. (The same inherited descriptor is behind
/// "Text file busy" in rust-lang/rust#114554.)
static STARTING_PROCESSES: RwLock<()> = RwLock::new(());

/// Held by a test that checks events, once, for the whole test.
pub(crate) fn no_process_started_meanwhile() -> RwLockReadGuard<'static, ()> {
    STARTING_PROCESSES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Held while a test starts processes.
pub(crate) fn starting_processes() -> RwLockWriteGuard<'static, ()> {
    STARTING_PROCESSES
        .write()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Checks once a millisecond until a change is handed out (polling hands one out once two
/// reads `SETTLE` apart agree), or the deadline passes.
pub(crate) fn poll_until_change(polled: &mut PolledFile) -> io::Result<Option<String>> {
    let give_up = Instant::now() + DEADLINE;
    while Instant::now() < give_up {
        if let Some(text) = polled.check()? {
            return Ok(Some(text));
        }
        thread::sleep(Duration::from_millis(1));
    }
    Ok(None)
}

pub(crate) fn level_file(text: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("level.txt");
    fs::write(&path, text).expect("write the level");
    (dir, path)
}

fn an_hour_ago() -> SystemTime {
    SystemTime::now()
        .checked_sub(AN_HOUR)
        .expect("the clock is more than an hour after its epoch")
}

#[test]
fn polling_sees_a_rename_save_and_an_in_place_write() {
    let (_dir, path) = level_file(LEVEL_1);
    let (mut polled, first) = PolledFile::open(&path).expect("open");
    assert_eq!(first, LEVEL_1);
    assert_eq!(polled.check().expect("check"), None);
    save(&path, LEVEL_2).expect("save");
    let seen = poll_until_change(&mut polled).expect("check");
    assert_eq!(seen.as_deref(), Some(LEVEL_2));
    // Another length: seen from the stamp alone, however fast the two writes were.
    fs::write(&path, LEVEL_1).expect("write in place");
    let seen = poll_until_change(&mut polled).expect("check");
    assert_eq!(seen.as_deref(), Some(LEVEL_1));
}

#[test]
fn polling_an_old_steady_file_reads_it_only_once() {
    let (_dir, path) = level_file(LEVEL_1);
    set_mtime(&path, an_hour_ago()).expect("age the file");
    let (mut polled, _) = PolledFile::open(&path).expect("open");
    for _ in 0..100 {
        assert_eq!(polled.check().expect("check"), None);
    }
    assert_eq!(polled.content_reads(), 1, "the stamp was trusted");
}

#[test]
fn polling_sees_a_same_length_save_within_one_mtime_tick() {
    let (_dir, path) = level_file(LEVEL_2);
    // Modified "within the tick" of our read however slow this machine is: an hour ahead.
    let an_hour_ahead = SystemTime::now()
        .checked_add(AN_HOUR)
        .expect("the clock can go an hour further");
    set_mtime(&path, an_hour_ahead).expect("recent mtime");
    let (mut polled, _) = PolledFile::open(&path).expect("open");
    // Recent, so each check reads the content though the stamp is unchanged: that read, not
    // the ctime, is what sees the save below where ctimes are as coarse as mtimes.
    assert_eq!(polled.check().expect("check"), None);
    assert_eq!(
        polled.content_reads(),
        2,
        "a recent file is read at each check"
    );
    let before = Stamp::of(&path).expect("stat");
    fs::write(&path, LEVEL_3).expect("write in place");
    set_mtime(&path, before.modified).expect("same tick");
    // As on a file system with coarse times: the same mtime, length and file. (Its ctime
    // moved, which setting the mtime cannot undo; off Unix the stamp has no ctime.)
    let after = Stamp::of(&path).expect("stat");
    assert_eq!(
        (after.modified, after.len, after.file),
        (before.modified, before.len, before.file),
        "mtime, length and file alone miss it"
    );
    let seen = poll_until_change(&mut polled).expect("check");
    assert_eq!(seen.as_deref(), Some(LEVEL_3));
}

/// A same-length edit *in place* that puts an old mtime back (`touch -r`, `cp -p` onto the
/// file) leaves mtime, length and file as they were: on Unix the ctime, which no call can set,
/// shows it. Replaced by a new file (a rename), it is seen by its inode. Off Unix the stamp
/// has neither, and both are missed.
#[cfg(unix)]
#[test]
fn polling_sees_a_same_length_edit_in_place_that_restores_an_old_mtime() {
    let (_dir, path) = level_file(LEVEL_2);
    let old = an_hour_ago();
    set_mtime(&path, old).expect("age the file");
    let (mut polled, _) = PolledFile::open(&path).expect("open");
    fs::write(&path, LEVEL_3).expect("write in place");
    set_mtime(&path, old).expect("restore the mtime");
    let seen = poll_until_change(&mut polled).expect("check");
    assert_eq!(seen.as_deref(), Some(LEVEL_3), "seen by its ctime");
    // The same by rename: another file now, whatever its mtime and length.
    save(&path, LEVEL_2).expect("save");
    set_mtime(&path, old).expect("restore the mtime");
    let seen = poll_until_change(&mut polled).expect("check");
    assert_eq!(seen.as_deref(), Some(LEVEL_2));
}

#[test]
fn polling_treats_a_touch_as_no_change() {
    let (_dir, path) = level_file(LEVEL_1);
    set_mtime(&path, an_hour_ago()).expect("age the file");
    let (mut polled, _) = PolledFile::open(&path).expect("open");
    set_mtime(&path, SystemTime::now()).expect("touch");
    assert_eq!(polled.check().expect("check"), None);
    assert_eq!(polled.content_reads(), 2, "read to compare, not reported");
    // Long past `SETTLE`: a touch is never handed out as a change.
    let until = Instant::now() + SETTLE * 4;
    while Instant::now() < until {
        assert_eq!(polled.check().expect("check"), None, "a touch handed out");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn polling_survives_delete_and_sees_the_file_again() {
    let (_dir, path) = level_file(LEVEL_1);
    let (mut polled, _) = PolledFile::open(&path).expect("open");
    fs::remove_file(&path).expect("delete");
    let error = polled.check().expect_err("the file is gone");
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
    fs::write(&path, LEVEL_2).expect("recreate");
    let seen = poll_until_change(&mut polled).expect("check");
    assert_eq!(seen.as_deref(), Some(LEVEL_2));
}

#[test]
fn events_see_a_rename_save_within_the_deadline() {
    let _no_fork = no_process_started_meanwhile();
    let (_dir, path) = level_file(LEVEL_1);
    let (mut watched, _) = WatchedFile::open(&path).expect("open");
    for level in [LEVEL_2, LEVEL_3, LEVEL_1] {
        save(&path, level).expect("save");
        let seen = watched.wait_for_change(DEADLINE).expect("read");
        assert_eq!(seen.as_deref(), Some(level));
    }
}

#[test]
fn events_see_an_in_place_write() {
    let _no_fork = no_process_started_meanwhile();
    let (_dir, path) = level_file(LEVEL_1);
    let (mut watched, _) = WatchedFile::open(&path).expect("open");
    fs::write(&path, LEVEL_2).expect("write in place");
    // A read during the write could see part of it; the write's last event brings the rest.
    loop {
        match watched.wait_for_change(DEADLINE).expect("read") {
            Some(level) if level == LEVEL_2 => break,
            Some(_) => {}
            None => panic!("no change seen within {DEADLINE:?}"),
        }
    }
}

#[test]
fn events_ignore_touches_and_other_files() {
    let _no_fork = no_process_started_meanwhile();
    let (_dir, path) = level_file(LEVEL_1);
    let (mut watched, _) = WatchedFile::open(&path).expect("open");
    set_mtime(&path, an_hour_ago()).expect("touch");
    for _ in 0..10 {
        fs::write(path.with_file_name("other.txt"), "x").expect("write a neighbour");
    }
    // Past the longest wait after a whole save: nothing to report yet.
    let quiet = watched.wait_for_change(MAX_DELAY * 2).expect("read");
    assert_eq!(quiet, None, "a touch or a neighbour was reported");
    save(&path, LEVEL_2).expect("save");
    // The first change reported is the real one: neither the touch nor the neighbour counted.
    let seen = watched.wait_for_change(DEADLINE).expect("read");
    assert_eq!(seen.as_deref(), Some(LEVEL_2));
}

#[test]
fn events_survive_delete_and_see_the_file_again() {
    let _no_fork = no_process_started_meanwhile();
    let (_dir, path) = level_file(LEVEL_1);
    let (mut watched, _) = WatchedFile::open(&path).expect("open");
    fs::remove_file(&path).expect("delete");
    let error = watched
        .wait_for_change(DEADLINE)
        .expect_err("the file is gone");
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
    fs::write(&path, LEVEL_2).expect("recreate");
    loop {
        match watched.wait_for_change(DEADLINE).expect("read") {
            Some(level) if level == LEVEL_2 => break,
            Some(_) => {}
            None => panic!("the recreated file was not seen within {DEADLINE:?}"),
        }
    }
}

#[test]
fn watching_a_missing_file_names_it_in_a_clear_error() {
    let missing = std::env::temp_dir().join("no-such-dir-10-06/level.txt");
    for poll in [false, true] {
        let error = crate::watch(&missing, poll).expect_err("nothing to watch");
        assert_eq!(
            error.to_string(),
            format!(
                "{}: No such file or directory (os error 2)",
                missing.display()
            )
        );
    }
}
