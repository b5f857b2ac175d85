//! The path as programs really meet it: symlinks and Kubernetes ConfigMap volumes, FIFOs,
//! devices, huge files, writers that pause, a parent directory removed, reloads on request, and
//! a `Reloader` dropped in each state. Every wait has a deadline; none is a timing assert.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::config::Config;
use crate::reloader::{Options, ReloadError, ReloadEvent, Reloader};
use crate::save;
use crate::tests::{
    DEADLINE, Fixture, GOOD, TEST_OPTIONS, good_with_timeout, next_event, parse_config, start,
    start_with, wait_until_live,
};
use ch10_06_config_reload::follow::{lookups, read_at_most};

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

/// Skips reports until one rejects the file with a read error of `kind`; returns its text.
fn wait_for_read_error<T: std::fmt::Debug>(fixture: &Fixture<T>, kind: io::ErrorKind) -> String {
    loop {
        match next_event(&fixture.changes) {
            ReloadEvent::Rejected(ReloadError::Read { source, .. }) if source.kind() == kind => {
                return source.to_string();
            }
            ReloadEvent::Rejected(ReloadError::Read { .. }) => {} // e.g. NotFound on the way
            other => panic!("expected a read error {kind:?}, got {other:?}"),
        }
    }
}

fn timeout_of(event: ReloadEvent<Config>) -> u64 {
    match event {
        ReloadEvent::Reloaded(snapshot) => snapshot.config.timeout_ms.get(),
        ReloadEvent::Rejected(error) => panic!("rejected a valid file: {error}"),
    }
}

/// A Kubernetes ConfigMap volume as the kubelet lays it out: the data in a timestamped
/// directory, `..data` a link to it, and each key a link through `..data`.
#[cfg(unix)]
struct ConfigMap {
    mount: TempDir,
    data: String,
    updates: u32,
}

#[cfg(unix)]
impl ConfigMap {
    fn new(text: &str) -> io::Result<ConfigMap> {
        let mount = tempfile::tempdir()?;
        let data = "..2026_12_01_00_00_00.1".to_owned();
        fs::create_dir(mount.path().join(&data))?;
        fs::write(mount.path().join(&data).join("config.toml"), text)?;
        symlink(&data, mount.path().join("..data"))?;
        symlink("..data/config.toml", mount.path().join("config.toml"))?;
        Ok(ConfigMap {
            mount,
            data,
            updates: 0,
        })
    }

    fn path(&self) -> PathBuf {
        self.mount.path().join("config.toml")
    }

    /// As the kubelet updates it: a new timestamped directory holding the files, a new link
    /// `..data_tmp` to it renamed over `..data`, then the old directory removed.
    fn update(&mut self, text: &str) -> io::Result<()> {
        self.updates += 1;
        let data = format!(
            "..2026_12_01_00_{:02}_00.{}",
            self.updates,
            self.updates + 1
        );
        let mount = self.mount.path();
        fs::create_dir(mount.join(&data))?;
        fs::write(mount.join(&data).join("config.toml"), text)?;
        symlink(&data, mount.join("..data_tmp"))?;
        fs::rename(mount.join("..data_tmp"), mount.join("..data"))?;
        fs::remove_dir_all(mount.join(&self.data))?;
        self.data = data;
        Ok(())
    }
}

#[cfg(unix)]
#[test]
fn every_configmap_update_is_loaded() {
    let mut volume = ConfigMap::new(GOOD).expect("lay out the volume");
    let (reloader, changes) =
        Reloader::<Config>::start_with(volume.path(), TEST_OPTIONS).expect("start");
    for timeout_ms in [901, 902, 903, 904, 905] {
        volume
            .update(&good_with_timeout(timeout_ms))
            .expect("update");
        assert_eq!(timeout_of(next_event(&changes)), timeout_ms);
    }
    assert_eq!(reloader.load().generation, 6, "one generation per update");
}

#[cfg(unix)]
#[test]
fn lookups_follow_the_configmap_links() {
    let volume = ConfigMap::new(GOOD).expect("lay out the volume");
    let mount = fs::canonicalize(volume.mount.path()).expect("canonical mount");
    let looked_up = lookups(&mount.join("config.toml"));
    let tail: Vec<_> = looked_up
        .iter()
        .filter_map(|path| path.strip_prefix(&mount).ok())
        .filter(|tail| !tail.as_os_str().is_empty())
        .collect();
    let expected = [
        "config.toml",
        "..data",
        "..2026_12_01_00_00_00.1",
        "..2026_12_01_00_00_00.1/config.toml",
    ];
    assert_eq!(tail, expected.map(Path::new));
    assert!(
        looked_up.contains(&mount),
        "the mount's own entry, for its removal"
    );
}

#[cfg(unix)]
#[test]
fn saves_through_a_symlink_are_loaded() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (conf, real, other) = (
        dir.path().join("conf"),
        dir.path().join("real"),
        dir.path().join("other"),
    );
    for folder in [&conf, &real, &other] {
        fs::create_dir(folder).expect("folder");
    }
    fs::write(real.join("app.toml"), GOOD).expect("target");
    let path = conf.join("app.toml");
    symlink("../real/app.toml", &path).expect("link");
    let (_reloader, changes) = Reloader::<Config>::start_with(&path, TEST_OPTIONS).expect("start");

    fs::write(real.join("app.toml"), good_with_timeout(11)).expect("edit the target in place");
    assert_eq!(timeout_of(next_event(&changes)), 11);
    save(&real.join("app.toml"), &good_with_timeout(12)).expect("rename-save the target");
    assert_eq!(timeout_of(next_event(&changes)), 12);

    // Point the link elsewhere (as `ln -sfn` does: a new link renamed over the old one).
    fs::write(other.join("app.toml"), good_with_timeout(13)).expect("another target");
    symlink(other.join("app.toml"), conf.join("app.toml.new")).expect("new link");
    fs::rename(conf.join("app.toml.new"), &path).expect("swap the link");
    assert_eq!(timeout_of(next_event(&changes)), 13);
    // The new target is on the path now, and the old one is not.
    let on_the_path = lookups(&path);
    assert!(on_the_path.contains(&other.join("app.toml")));
    assert!(!on_the_path.contains(&real.join("app.toml")));
    fs::write(other.join("app.toml"), good_with_timeout(14)).expect("edit the new target");
    assert_eq!(timeout_of(next_event(&changes)), 14);
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
fn a_fifo_at_the_path_is_refused_without_blocking() {
    let fixture = start::<Config>(GOOD);
    fs::remove_file(&fixture.path).expect("remove");
    make_fifo(&fixture.path);
    let said = wait_for_read_error(&fixture, io::ErrorKind::InvalidInput);
    assert_eq!(said, "not a regular file but a FIFO");
    // The worker is not stuck: the next save is loaded.
    fs::remove_file(&fixture.path).expect("remove the FIFO");
    save(&fixture.path, &good_with_timeout(21)).expect("save");
    wait_until_live(&fixture, &parse_config(&good_with_timeout(21)));

    // Nor is `start` stuck on a FIFO.
    let fifo = fixture.dir.path().join("fifo.toml");
    make_fifo(&fifo);
    returns_promptly("start on a FIFO", move || {
        let error = Reloader::<Config>::start(&fifo).err().expect("refused");
        assert!(
            error.to_string().ends_with("not a regular file but a FIFO"),
            "{error}"
        );
    });
}

#[cfg(unix)]
#[test]
fn a_device_or_a_directory_at_the_path_is_refused() {
    let fixture = start::<Config>(GOOD);
    let link = fixture.dir.path().join("zero.toml");
    symlink("/dev/zero", &link).expect("link to /dev/zero");
    fs::rename(&link, &fixture.path).expect("put it at the path");
    let said = wait_for_read_error(&fixture, io::ErrorKind::InvalidInput);
    assert_eq!(said, "not a regular file but a character device");

    fs::remove_file(&fixture.path).expect("remove the link");
    fs::create_dir(&fixture.path).expect("a directory at the path");
    let said = wait_for_read_error(&fixture, io::ErrorKind::InvalidInput);
    assert_eq!(said, "not a regular file but a directory");
    assert_eq!(
        fixture.reloader.load().generation,
        1,
        "the first config is still served"
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let fixture = start::<Config>(GOOD);
    // Valid TOML, but over the tests' 4096-byte limit.
    let padded = format!("{GOOD}{}", "# padding\n".repeat(500));
    save(&fixture.path, &padded).expect("save a large file");
    let said = wait_for_read_error(&fixture, io::ErrorKind::FileTooLarge);
    // The length is refused from the file's metadata, before a byte is read.
    let expected = format!(
        "{} bytes, larger than the limit of 4096 bytes",
        padded.len()
    );
    assert_eq!(said, expected);
    // A 50 MB file (sparse: no time spent writing it) against the default limit.
    let huge = fixture.dir.path().join("huge.toml");
    fs::File::create(&huge)
        .and_then(|file| file.set_len(50 * 1024 * 1024))
        .expect("a 50 MB file");
    returns_promptly("start on a 50 MB file", move || {
        let error = Reloader::<Config>::start(&huge).err().expect("refused");
        assert!(
            error
                .to_string()
                .ends_with("52428800 bytes, larger than the limit of 1048576 bytes")
        );
    });
}

#[test]
fn a_reader_without_end_is_cut_at_the_limit() {
    // What `/dev/zero` or a file growing while it is read would give: never more than limit+1.
    let error = read_at_most(io::repeat(b'a'), 1000).expect_err("over the limit");
    assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
    assert_eq!(
        error.to_string(),
        "larger than the limit of 1000 bytes when read"
    );
    assert_eq!(
        read_at_most(&b"x = 1\n"[..], 6).expect("at the limit"),
        "x = 1\n"
    );
    // Cut inside a two-byte character: too large, not "not UTF-8".
    let text = "é".repeat(600);
    let error = read_at_most(text.as_bytes(), 1000).expect_err("over the limit");
    assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
}

#[test]
fn a_writer_that_pauses_with_the_file_open_is_not_read_half_way() {
    // A fallback far above the pause, however late the writer thread wakes.
    let options = Options {
        write_quiet: Duration::from_secs(5),
        ..TEST_OPTIONS
    };
    let fixture = start_with::<Config>(GOOD, options);
    let whole = GOOD.replace(
        "requests_per_second = 100\nburst = 200",
        "burst = 5000\nrequests_per_second = 3000",
    );
    let (first_half, rest) = whole.split_at(whole.rfind("000\n").expect("the cut"));
    let mut file = fs::File::create(&fixture.path).expect("open for writing");
    file.write_all(first_half.as_bytes())
        .expect("write `requests_per_second = 3`");
    thread::sleep(Duration::from_millis(300)); // the writer pauses; the file parses now
    file.write_all(rest.as_bytes()).expect("write `000`");
    drop(file); // close: the save is whole
    match next_event(&fixture.changes) {
        ReloadEvent::Reloaded(snapshot) => {
            assert_eq!(snapshot.config.limits.requests_per_second(), 3000);
            assert_eq!(snapshot.generation, 2, "nothing was published before");
        }
        ReloadEvent::Rejected(error) => panic!("rejected: {error}"),
    }
}

#[test]
fn a_reload_asked_for_during_an_open_write_waits_for_the_save() {
    let options = Options {
        write_quiet: Duration::from_secs(5),
        ..TEST_OPTIONS
    };
    let fixture = start_with::<Config>(GOOD, options);
    let whole = good_with_timeout(4321);
    let (first_half, rest) = whole.split_at(whole.find("4321").expect("the value") + 1);
    let mut file = fs::File::create(&fixture.path).expect("open for writing");
    file.write_all(first_half.as_bytes())
        .expect("write `timeout_ms = 4`");
    thread::sleep(Duration::from_millis(200)); // the worker has seen the open write
    fixture.reloader.reload(); // a SIGHUP while the file parses, half written
    thread::sleep(Duration::from_millis(200));
    file.write_all(rest.as_bytes()).expect("write `321`");
    drop(file);
    match next_event(&fixture.changes) {
        ReloadEvent::Reloaded(snapshot) => {
            assert_eq!(snapshot.config, parse_config(&whole), "the whole save");
            assert_eq!(snapshot.generation, 2, "nothing was published before");
        }
        ReloadEvent::Rejected(error) => panic!("rejected: {error}"),
    }
}

#[test]
fn a_writer_that_never_closes_is_read_after_write_quiet() {
    // The program waits 1 s; a shorter quiet here runs the same code sooner.
    let options = Options {
        write_quiet: Duration::from_millis(300),
        ..TEST_OPTIONS
    };
    let fixture = start_with::<Config>(GOOD, options);
    let text = good_with_timeout(4321);
    let mut file = fs::File::create(&fixture.path).expect("open for writing");
    file.write_all(text.as_bytes()).expect("write");
    let written = Instant::now();
    // Still open: loaded once `write_quiet` has passed without a write, and not before.
    wait_until_live(&fixture, &parse_config(&text));
    let waited = written.elapsed();
    assert!(waited >= options.write_quiet, "loaded after {waited:?}");
    drop(file);
}

#[test]
fn a_removed_parent_directory_is_reported_and_watched_again_when_it_returns() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let folder = dir.path().join("conf");
    fs::create_dir(&folder).expect("folder");
    let path = folder.join("app.toml");
    fs::write(&path, GOOD).expect("first file");
    let (_reloader, changes) = Reloader::<Config>::start_with(&path, TEST_OPTIONS).expect("start");
    fs::remove_dir_all(&folder).expect("remove the directory");
    match next_event(&changes) {
        ReloadEvent::Rejected(ReloadError::Read { source, .. }) => {
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("expected a read error, got {other:?}"),
    }
    fs::create_dir(&folder).expect("the directory again");
    save(&path, &good_with_timeout(31)).expect("save in it");
    assert_eq!(timeout_of(next_event(&changes)), 31);
    fs::write(&path, good_with_timeout(32)).expect("and again, in place");
    assert_eq!(timeout_of(next_event(&changes)), 32);
}

/// Skips reports (a NotFound on the way, say) until `timeout_ms` is live.
fn wait_for_timeout(changes: &mpsc::Receiver<ReloadEvent<Config>>, timeout_ms: u64) {
    loop {
        if let ReloadEvent::Reloaded(snapshot) = next_event(changes)
            && snapshot.config.timeout_ms.get() == timeout_ms
        {
            return;
        }
    }
}

#[test]
fn a_directory_removed_and_made_again_at_once_is_still_watched() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let folder = dir.path().join("conf");
    fs::create_dir(&folder).expect("folder");
    let path = folder.join("app.toml");
    fs::write(&path, GOOD).expect("first file");
    let (_reloader, changes) = Reloader::<Config>::start_with(&path, TEST_OPTIONS).expect("start");
    // No read in between: the new directory often gets the old one's inode.
    fs::remove_dir_all(&folder).expect("remove the directory");
    fs::create_dir(&folder).expect("the directory again");
    save(&path, &good_with_timeout(41)).expect("save in it");
    wait_for_timeout(&changes, 41);
    fs::write(&path, good_with_timeout(42)).expect("and again, in place");
    wait_for_timeout(&changes, 42);
}

#[cfg(unix)]
#[test]
fn permissions_set_after_close_do_not_wait_for_a_quiet_write() {
    use std::os::unix::fs::PermissionsExt;
    // Far above the deadline: a read that waited for it would fail the test.
    let options = Options {
        write_quiet: Duration::from_secs(60),
        ..TEST_OPTIONS
    };
    let fixture = start_with::<Config>(GOOD, options);
    // As vim saves: write, close, then set attributes (vim sets the ACL after closing; here a
    // chmod does it).
    fs::write(&fixture.path, good_with_timeout(43)).expect("write and close");
    fs::set_permissions(&fixture.path, fs::Permissions::from_mode(0o600)).expect("chmod");
    assert_eq!(timeout_of(next_event(&fixture.changes)), 43);
}

#[test]
fn a_requested_reload_goes_through_the_same_checks() {
    let fixture = start::<Config>(GOOD);
    fixture.reloader.reload(); // unchanged text: asked for, so published again
    match next_event(&fixture.changes) {
        ReloadEvent::Reloaded(snapshot) => assert_eq!(snapshot.generation, 2),
        ReloadEvent::Rejected(error) => panic!("rejected: {error}"),
    }
    save(&fixture.path, "timeout_ms = = 1\n").expect("save a bad file");
    let seen = next_event(&fixture.changes);
    fixture.reloader.reload();
    let asked = next_event(&fixture.changes);
    match (seen, asked) {
        (ReloadEvent::Rejected(seen), ReloadEvent::Rejected(asked)) => {
            assert_eq!(seen.to_string(), asked.to_string(), "the same error");
        }
        other => panic!("expected two rejections, got {other:?}"),
    }
    assert_eq!(fixture.reloader.load().generation, 2);
}

#[test]
fn dropping_the_reloader_returns_promptly_in_every_state() {
    // Idle.
    let Fixture { dir, reloader, .. } = start::<Config>(GOOD);
    returns_promptly("drop when idle", move || drop(reloader));
    drop(dir);
    // Waiting for a writer that has not closed the file: `write_quiet` far above the
    // deadline, so a drop that waited it out would fail.
    let options = Options {
        write_quiet: Duration::from_secs(60),
        ..TEST_OPTIONS
    };
    let Fixture {
        dir,
        path,
        reloader,
        ..
    } = start_with::<Config>(GOOD, options);
    let mut file = fs::File::create(&path).expect("open for writing");
    file.write_all(b"greeting = ").expect("write");
    // notify's thread hands the write to the worker within milliseconds: after 200 ms the
    // drop finds the worker waiting out `write_quiet`. (Had it not got there, the drop would
    // return at once: this case rests on timing.)
    thread::sleep(Duration::from_millis(200));
    returns_promptly("drop during a write", move || drop(reloader));
    drop((file, dir));
    // Just after a reload on request, with events still coming.
    let Fixture {
        dir,
        path,
        reloader,
        changes,
    } = start::<Config>(GOOD);
    reloader.reload();
    save(&path, &good_with_timeout(5)).expect("save");
    returns_promptly("drop during events", move || drop(reloader));
    drop((changes, dir));
}

#[cfg(unix)]
#[test]
fn dropping_the_reloader_returns_promptly_after_a_fifo() {
    let fixture = start::<Config>(GOOD);
    fs::remove_file(&fixture.path).expect("remove");
    make_fifo(&fixture.path);
    wait_for_read_error(&fixture, io::ErrorKind::InvalidInput);
    let Fixture { dir, reloader, .. } = fixture;
    returns_promptly("drop after a FIFO", move || drop(reloader));
    drop(dir);
}
