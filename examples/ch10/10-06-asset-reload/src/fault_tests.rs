//! The path as programs really meet it, for both strategies: symlinks and Kubernetes ConfigMap
//! volumes, FIFOs, devices, huge files, in-place saves racing the poller, a writer that
//! pauses, a removed parent directory, an mtime in the future, and drops.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use tempfile::TempDir;

use crate::asset::{PolledFile, SETTLE, WRITE_QUIET, WatchedFile};
use crate::tests::{
    DEADLINE, level_file, no_process_started_meanwhile, poll_until_change, starting_processes,
};
use crate::{LEVEL_1, LEVEL_2, LEVEL_3, LEVEL_4, save, set_mtime};

#[cfg(unix)]
use std::os::unix::fs::symlink;

/// Runs `work` on another thread and fails if it has not returned within the deadline.
fn returns_promptly(what: &str, work: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        work();
        let _ = done.send(());
    });
    finished
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{what} did not return within {DEADLINE:?}"));
}

/// Waits for the next change the events report, skipping errors on the way (a name missing
/// for a moment during a swap).
fn next_level(watched: &mut WatchedFile) -> String {
    let give_up = Instant::now() + DEADLINE;
    while Instant::now() < give_up {
        if let Ok(Some(level)) = watched.wait_for_change(DEADLINE) {
            return level;
        }
    }
    panic!("no change within {DEADLINE:?}");
}

/// A Kubernetes ConfigMap volume as the kubelet lays it out and updates it (the same as in
/// ch10-06-config-reload's tests).
#[cfg(unix)]
struct ConfigMap {
    mount: TempDir,
    data: String,
    updates: u32,
}

#[cfg(unix)]
impl ConfigMap {
    fn new(text: &str) -> ConfigMap {
        let mount = tempfile::tempdir().expect("temporary directory");
        let data = "..2026_12_01_00_00_00.1".to_owned();
        fs::create_dir(mount.path().join(&data)).expect("data directory");
        fs::write(mount.path().join(&data).join("level.txt"), text).expect("file");
        symlink(&data, mount.path().join("..data")).expect("..data");
        symlink("..data/level.txt", mount.path().join("level.txt")).expect("key link");
        ConfigMap {
            mount,
            data,
            updates: 0,
        }
    }

    fn path(&self) -> PathBuf {
        self.mount.path().join("level.txt")
    }

    fn update(&mut self, text: &str) {
        self.updates += 1;
        let data = format!(
            "..2026_12_01_00_{:02}_00.{}",
            self.updates,
            self.updates + 1
        );
        let mount = self.mount.path();
        fs::create_dir(mount.join(&data)).expect("new data directory");
        fs::write(mount.join(&data).join("level.txt"), text).expect("file");
        symlink(&data, mount.join("..data_tmp")).expect("..data_tmp");
        fs::rename(mount.join("..data_tmp"), mount.join("..data")).expect("swap ..data");
        fs::remove_dir_all(mount.join(&self.data)).expect("remove the old data");
        self.data = data;
    }
}

#[cfg(unix)]
#[test]
fn both_see_every_configmap_update() {
    let _no_fork = no_process_started_meanwhile();
    let mut volume = ConfigMap::new(LEVEL_1);
    let (mut polled, _) = PolledFile::open(volume.path()).expect("poll");
    let (mut watched, _) = WatchedFile::open(volume.path()).expect("watch");
    for level in [LEVEL_2, LEVEL_3, LEVEL_4, LEVEL_1, LEVEL_2] {
        volume.update(level);
        assert_eq!(next_level(&mut watched), level);
        let seen = poll_until_change(&mut polled).expect("poll");
        assert_eq!(seen.as_deref(), Some(level));
    }
}

#[cfg(unix)]
#[test]
fn both_see_saves_through_a_symlink() {
    let _no_fork = no_process_started_meanwhile();
    let dir = tempfile::tempdir().expect("temporary directory");
    let (assets, real) = (dir.path().join("assets"), dir.path().join("real"));
    fs::create_dir(&assets).expect("assets");
    fs::create_dir(&real).expect("real");
    let target = real.join("level.txt");
    fs::write(&target, LEVEL_1).expect("target");
    let path = assets.join("level.txt");
    symlink("../real/level.txt", &path).expect("link");
    let (mut polled, _) = PolledFile::open(&path).expect("poll");
    let (mut watched, _) = WatchedFile::open(&path).expect("watch");
    fs::write(&target, LEVEL_2).expect("edit the target in place");
    assert_eq!(next_level(&mut watched), LEVEL_2);
    assert_eq!(
        poll_until_change(&mut polled).expect("poll").as_deref(),
        Some(LEVEL_2)
    );
    save(&target, LEVEL_3).expect("rename-save the target");
    assert_eq!(next_level(&mut watched), LEVEL_3);
    assert_eq!(
        poll_until_change(&mut polled).expect("poll").as_deref(),
        Some(LEVEL_3)
    );
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
fn a_fifo_or_a_device_at_the_path_is_refused_without_blocking() {
    let (dir, path) = level_file(LEVEL_1);
    let (mut polled, _) = PolledFile::open(&path).expect("poll");
    let (mut watched, _) = WatchedFile::open(&path).expect("watch");
    fs::remove_file(&path).expect("remove");
    make_fifo(&path);
    let error = polled.check().expect_err("a FIFO");
    assert_eq!(error.to_string(), "not a regular file but a FIFO");
    let error = loop {
        match watched.wait_for_change(DEADLINE) {
            Err(error) if error.kind() == io::ErrorKind::InvalidInput => break error,
            Err(_) => {} // NotFound, between the removal and the FIFO
            Ok(other) => panic!("expected an error, got {other:?}"),
        }
    };
    assert_eq!(error.to_string(), "not a regular file but a FIFO");
    returns_promptly("opening a FIFO", move || {
        assert!(PolledFile::open(&path).is_err());
        assert!(WatchedFile::open(&path).is_err());
        let zero = Path::new("/dev/zero");
        let error = PolledFile::open(zero).err().expect("a device");
        assert_eq!(
            error.to_string(),
            "not a regular file but a character device"
        );
        assert!(WatchedFile::open(zero).is_err());
        drop(dir);
    });
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let (_dir, path) = level_file(LEVEL_1);
    let (mut polled, _) = PolledFile::open(&path).expect("poll");
    // 50 MB, sparse: nothing to write, and nothing is read.
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|file| file.set_len(50 * 1024 * 1024))
        .expect("grow the file");
    let error = polled.check().expect_err("too large");
    assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
    assert_eq!(
        error.to_string(),
        "52428800 bytes, larger than the limit of 16777216 bytes"
    );
    assert_eq!(polled.content_reads(), 1);
    assert!(WatchedFile::open(&path).is_err());
}

#[test]
fn polling_never_hands_out_a_read_that_raced_a_save() {
    let (_dir, path) = level_file(LEVEL_1);
    let (mut polled, _) = PolledFile::open(&path).expect("poll");
    // A check lands between the truncation and the write, however long the writer takes.
    let mut file = fs::File::create(&path).expect("truncate");
    assert_eq!(
        polled.check().expect("check"),
        None,
        "an empty file, read once"
    );
    file.write_all(&LEVEL_2.as_bytes()[..9])
        .expect("write a part");
    assert_eq!(polled.check().expect("check"), None, "a part, read once");
    file.write_all(&LEVEL_2.as_bytes()[9..])
        .expect("write the rest");
    drop(file);
    let seen = poll_until_change(&mut polled).expect("poll");
    assert_eq!(
        seen.as_deref(),
        Some(LEVEL_2),
        "the whole level, and nothing before"
    );
}

#[test]
fn polling_hands_out_only_whole_levels_during_in_place_saves() {
    let (_dir, path) = level_file(LEVEL_1);
    let (mut polled, _) = PolledFile::open(&path).expect("poll");
    let writer_path = path.clone();
    // Each save as `fs::write` does it, timed: how long the file was not whole.
    let writer = thread::spawn(move || {
        let mut longest = Duration::ZERO;
        for save in 0..200 {
            let level = if save % 2 == 0 { LEVEL_2 } else { LEVEL_3 };
            let started = Instant::now();
            let mut file = fs::File::create(&writer_path).expect("truncate");
            file.write_all(level.as_bytes()).expect("write");
            longest = longest.max(started.elapsed());
            drop(file);
            // Bursts of 27, then a pause long enough for a level to be handed out (an odd
            // number, so that the pauses fall after level 2 and level 3 in turn).
            let pause = if save % 27 == 26 { 60 } else { save as u64 % 3 };
            thread::sleep(Duration::from_millis(pause));
        }
        longest
    });
    let (mut whole, mut torn, mut last) = (0, 0, LEVEL_1.to_owned());
    let give_up = Instant::now() + DEADLINE;
    while !writer.is_finished() || last != LEVEL_3 {
        assert!(
            Instant::now() < give_up,
            "the last save was not seen in time"
        );
        if let Some(level) = polled.check().expect("check") {
            match level.as_str() {
                LEVEL_2 | LEVEL_3 => whole += 1,
                _ => torn += 1,
            }
            last = level;
        }
        thread::sleep(Duration::from_millis(1));
    }
    let longest = writer.join().expect("the writer");
    println!("{whole} whole levels, {torn} torn; the longest save took {longest:?}");
    assert!(whole > 0);
    // A torn level needs two equal reads SETTLE apart inside one save: only a writer stalled
    // that long (a loaded machine can stall it) can make one.
    assert!(
        torn == 0 || longest >= SETTLE,
        "{torn} torn, saves within {longest:?}"
    );
}

/// A save that is not text is refused once, and not read again until the file changes; the
/// next good save is handed out.
#[test]
fn polling_reads_a_file_that_is_not_text_again_only_when_it_changes() {
    let (_dir, path) = level_file(LEVEL_1);
    let (mut polled, _) = PolledFile::open(&path).expect("poll");
    fs::write(&path, b"\xff\xfe not text").expect("save bytes that are not UTF-8");
    set_mtime(&path, SystemTime::now() - Duration::from_secs(3600)).expect("age it");
    let refused = polled.check().expect_err("not text");
    assert_eq!(refused.kind(), io::ErrorKind::InvalidData);
    for _ in 0..10 {
        assert_eq!(polled.check().expect("not read again"), None);
    }
    save(&path, LEVEL_2).expect("a good save");
    assert_eq!(
        poll_until_change(&mut polled).expect("poll").as_deref(),
        Some(LEVEL_2)
    );
}

#[test]
fn polling_does_not_reread_a_file_with_an_mtime_in_the_future() {
    let (_dir, path) = level_file(LEVEL_1);
    let an_hour_ahead = SystemTime::now() + Duration::from_secs(3600);
    set_mtime(&path, an_hour_ahead).expect("an mtime in the future");
    // A tick shorter than `MTIME_GRANULARITY`, for a shorter test.
    let tick = Duration::from_millis(300);
    let (mut polled, _) = PolledFile::open_with_granularity(&path, tick).expect("poll");
    // Within one tick of its first sight the stamp proves nothing; after it, the file is read
    // once per tick, not at every check.
    thread::sleep(tick + Duration::from_millis(100));
    assert_eq!(polled.check().expect("check"), None);
    let (reads, started) = (polled.content_reads(), Instant::now());
    for _ in 0..100 {
        assert_eq!(polled.check().expect("check"), None);
    }
    // Only a machine stalled for a tick during the loop would allow a read.
    let allowed = started.elapsed().as_millis() / tick.as_millis();
    let extra = u128::from(polled.content_reads() - reads);
    assert!(extra <= allowed, "{extra} reads in 100 checks");
    fs::write(&path, LEVEL_2).expect("a real change (a new mtime)");
    assert_eq!(
        poll_until_change(&mut polled).expect("poll").as_deref(),
        Some(LEVEL_2)
    );
}

#[test]
fn events_wait_for_a_pausing_writer_to_close_the_file() {
    let _no_fork = no_process_started_meanwhile();
    let (_dir, path) = level_file(LEVEL_1);
    let (mut watched, _) = WatchedFile::open(&path).expect("watch");
    let writer_path = path.clone();
    let writer = thread::spawn(move || {
        let (first_half, rest) = LEVEL_2.split_at(LEVEL_2.len() / 2);
        let mut file = fs::File::create(&writer_path).expect("open for writing");
        file.write_all(first_half.as_bytes()).expect("write half");
        let paused = Instant::now();
        thread::sleep(Duration::from_millis(300)); // the writer pauses, the file open
        file.write_all(rest.as_bytes()).expect("write the rest");
        paused.elapsed()
    }); // closed here
    let first = next_level(&mut watched);
    let paused = writer.join().expect("the writer");
    // The half is read only after WRITE_QUIET without a write: a pause that long (a loaded
    // machine can stretch the writer's 300 ms) would allow it, and the whole level follows.
    if first != LEVEL_2 {
        assert!(
            paused >= WRITE_QUIET,
            "half read after a {paused:?} pause: {first:?}"
        );
        assert_eq!(next_level(&mut watched), LEVEL_2);
    }
}

#[test]
fn events_watch_a_removed_parent_directory_again_when_it_returns() {
    let _no_fork = no_process_started_meanwhile();
    let dir = tempfile::tempdir().expect("temporary directory");
    let folder = dir.path().join("levels");
    fs::create_dir(&folder).expect("folder");
    let path = folder.join("level.txt");
    fs::write(&path, LEVEL_1).expect("level");
    let (mut watched, _) = WatchedFile::open(&path).expect("watch");
    fs::remove_dir_all(&folder).expect("remove the directory");
    let error = watched.wait_for_change(DEADLINE).expect_err("gone");
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
    fs::create_dir(&folder).expect("the directory again");
    save(&path, LEVEL_2).expect("save in it");
    assert_eq!(next_level(&mut watched), LEVEL_2);
    fs::write(&path, LEVEL_3).expect("and in place");
    assert_eq!(next_level(&mut watched), LEVEL_3);
}

#[test]
fn events_watch_a_directory_removed_and_made_again_at_once() {
    let _no_fork = no_process_started_meanwhile();
    let dir = tempfile::tempdir().expect("temporary directory");
    let folder = dir.path().join("levels");
    fs::create_dir(&folder).expect("folder");
    let path = folder.join("level.txt");
    fs::write(&path, LEVEL_1).expect("level");
    let (mut watched, _) = WatchedFile::open(&path).expect("watch");
    // No check in between: the new directory often gets the old one's inode.
    fs::remove_dir_all(&folder).expect("remove the directory");
    fs::create_dir(&folder).expect("the directory again");
    save(&path, LEVEL_2).expect("save in it");
    assert_eq!(next_level(&mut watched), LEVEL_2);
    fs::write(&path, LEVEL_3).expect("and in place");
    assert_eq!(next_level(&mut watched), LEVEL_3);
}

#[test]
fn attributes_set_after_a_close_leave_the_save_whole() {
    use crate::follow::Change;
    // vim closes the file, then sets its ACL (a chmod here): still a whole save.
    assert_eq!(Change::Whole.then(Change::Attributes), Change::Whole);
    // A chmod during a write does not make the half-written file whole.
    assert_eq!(Change::Partial.then(Change::Attributes), Change::Partial);
    assert_eq!(Change::Partial.then(Change::Whole), Change::Whole);
}

#[test]
fn a_frame_check_does_not_block() {
    let _no_fork = no_process_started_meanwhile();
    let (dir, path) = level_file(LEVEL_1);
    let (watched, _) = WatchedFile::open(&path).expect("watch");
    returns_promptly("a frame's check", move || {
        let mut watched = watched;
        let started = Instant::now();
        assert_eq!(watched.check().expect("check"), None);
        // A write left open: each check reports nothing yet, and does not wait for the quiet.
        let mut file = fs::File::create(&path).expect("a write left open");
        file.write_all(b"##").expect("write");
        for _ in 0..100 {
            assert_eq!(watched.check().expect("check"), None);
        }
        let took = started.elapsed();
        assert!(took < WRITE_QUIET, "101 checks took {took:?}");
        drop(file);
    });
    drop(dir);
}

#[test]
fn dropping_either_returns_promptly() {
    let _no_fork = no_process_started_meanwhile();
    let (dir, path) = level_file(LEVEL_1);
    let (polled, _) = PolledFile::open(&path).expect("poll");
    let (mut watched, _) = WatchedFile::open(&path).expect("watch");
    let mut file = fs::File::create(&path).expect("a write left open");
    file.write_all(b"##").expect("write");
    assert_eq!(watched.check().expect("check"), None);
    returns_promptly("dropping both", move || drop((polled, watched)));
    drop((file, dir));
}

/// Runs `work` while this process has no file descriptor free: any `open` fails with EMFILE,
/// as it does in a program that has run out of them.
#[cfg(target_os = "linux")]
fn with_no_descriptor_free<T>(work: impl FnOnce() -> T) -> T {
    // SAFETY: F_DUPFD on fd 0, which is open, returns a new descriptor (the lowest free one)
    // that nothing else owns; it is closed at once.
    let lowest = unsafe { libc::fcntl(0, libc::F_DUPFD, 0) };
    assert!(lowest >= 0, "F_DUPFD");
    // SAFETY: `lowest` was just opened above and is closed once.
    unsafe { libc::close(lowest) };
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into `limit`.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    let none_free = libc::rlimit {
        rlim_cur: lowest as libc::rlim_t,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit reads one rlimit; the soft limit stays under the hard one.
    assert_eq!(
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &none_free) },
        0
    );
    let result = work();
    // SAFETY: as above, back to the limit read before.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    result
}

/// The child process of the test below (the descriptor limit is the whole process's): a
/// change whose read fails once, for want of a descriptor, is handed out once it can be read.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "the child process of a_read_that_fails_once_is_tried_again"]
fn read_failure_child() {
    let Ok(strategy) = std::env::var("ASSET_READ_FAILURE") else {
        return;
    };
    let (_dir, path) = level_file(LEVEL_1);
    let mut file: Box<dyn crate::asset::CheckForChange> = match strategy.as_str() {
        "poll" => Box::new(PolledFile::open(&path).expect("poll").0),
        _ => {
            let mut watched = WatchedFile::open(&path).expect("watch").0;
            // The read is tried again `WRITE_QUIET` after it failed; the same code, sooner.
            watched.set_write_quiet(Duration::from_millis(300));
            Box::new(watched)
        }
    };
    save(&path, LEVEL_2).expect("save");
    // An old mtime, as a file moved into place keeps it: a poll that has seen this stamp
    // once has no other reason to read the file again.
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    set_mtime(&path, an_hour_ago).expect("an old mtime");
    // Events: a check takes them in, and the save is due `DEBOUNCE` later. A poll reads at
    // its next check anyway.
    thread::sleep(crate::asset::MAX_DELAY);
    if strategy == "events" {
        assert_eq!(file.check().expect("check"), None, "not due yet");
        thread::sleep(crate::asset::MAX_DELAY);
    }
    let error = with_no_descriptor_free(|| file.check()).expect_err("no descriptor to read");
    assert_eq!(error.raw_os_error(), Some(libc::EMFILE), "{error}");
    let give_up = Instant::now() + DEADLINE;
    loop {
        if let Ok(Some(level)) = file.check() {
            assert_eq!(level, LEVEL_2);
            break;
        }
        assert!(Instant::now() < give_up, "{strategy}: the change was lost");
        thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_read_that_fails_once_is_tried_again() {
    use std::process::{Command, Stdio};
    // Each child runs `read_failure_child` alone: the descriptor limit is the whole process's.
    let children: Vec<_> = {
        let _forking = starting_processes();
        ["poll", "events"]
            .map(|strategy| {
                let child = Command::new(std::env::current_exe().expect("this test"))
                    .args(["--exact", "fault_tests::read_failure_child"])
                    .args(["--ignored", "--nocapture"])
                    .env("ASSET_READ_FAILURE", strategy)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("start the child");
                (strategy, child)
            })
            .into_iter()
            .collect()
    };
    for (strategy, child) in children {
        let run = child.wait_with_output().expect("the child's output");
        assert!(
            run.status.success(),
            "{strategy}: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
