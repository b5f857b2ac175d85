//! Two ways to notice that a data file changed, with the same interface: call `check()` once
//! per frame (or per request) and get the new text when there is one.
//!
//! - `PolledFile` compares the file's (mtime, length, identity) on every check: one `stat`,
//!   works on any file system, including network and container mounts where no change events
//!   arrive.
//! - `WatchedFile` waits for the operating system's change events (inotify, `FSEvents`, ...)
//!   through `notify`: no cost while nothing happens and no polling delay, but it needs OS
//!   support for the mount the file lives on.
//!
//! Both follow the path as `open` does (symlinks, a ConfigMap's `..data`), read only regular
//! files of at most `MAX_BYTES` without ever blocking (`follow.rs`), and compare a hash of the
//! content before reporting a change, so a touch or a save without changes is not a reload.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use crate::follow::{Change, PathWatch, check_regular, read_limited};

/// A larger file is refused before it is read.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

// ANCHOR: stamp
/// Timestamps are coarse: a few milliseconds on Linux file systems (the kernel's clock tick),
/// 1 s on some network file systems, 2 s on FAT. Two writes within one tick leave the same
/// mtime. A file modified this close to our last read may have changed again unseen.
pub const MTIME_GRANULARITY: Duration = Duration::from_secs(2);

/// A change is handed out once two reads at least this far apart gave the same content and
/// stamp, so a read that races an in-place save (truncate, then write) is never handed out.
pub const SETTLE: Duration = Duration::from_millis(50);

/// What one `stat` tells about a file's content without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub modified: SystemTime,
    pub len: u64,
    /// Which file the path leads to (device, inode): a rename-save or a moved link gives
    /// another one, whatever its mtime.
    pub file: (u64, u64),
    /// When the inode last changed (ctime: seconds, nanoseconds). A tool that puts the old
    /// mtime back after writing in place (`cp -p`, `touch -r`, `rsync --inplace -t`) cannot
    /// put this one back.
    pub changed: (i64, i64),
}

impl Stamp {
    /// Refuses what is not a regular file of at most `MAX_BYTES`, as a read would.
    pub fn of(path: &Path) -> io::Result<Stamp> {
        let metadata = fs::metadata(path)?;
        check_regular(&metadata, MAX_BYTES)?;
        Ok(Stamp {
            modified: metadata.modified()?,
            len: metadata.len(),
            file: file_id(&metadata),
            changed: changed(&metadata),
        })
    }
}

#[cfg(unix)]
fn file_id(metadata: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn file_id(_: &fs::Metadata) -> (u64, u64) {
    (0, 0)
}

#[cfg(unix)]
fn changed(metadata: &fs::Metadata) -> (i64, i64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.ctime(), metadata.ctime_nsec())
}

#[cfg(not(unix))]
fn changed(_: &fs::Metadata) -> (i64, i64) {
    (0, 0)
}

fn content_hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}
// ANCHOR_END: stamp

// ANCHOR: polled
/// Reloads by polling: `check()` costs one `stat` while the file is unchanged and old enough.
pub struct PolledFile {
    path: PathBuf,
    /// Hash of the content last handed out.
    shown: u64,
    /// The stamp last seen, and when (on our clock) it was first seen.
    stamp: Stamp,
    stamp_seen: Instant,
    /// When we last read the content (taken before the read, to err on the safe side), on the
    /// file system's clock and on ours.
    read_at: SystemTime,
    read_clock: Instant,
    /// A new content read once, waiting for a second equal read `SETTLE` later.
    candidate: Option<(Stamp, u64, Instant)>,
    content_reads: u64,
    /// The file system's timestamp tick: `MTIME_GRANULARITY` unless set.
    granularity: Duration,
}

impl PolledFile {
    pub fn open(path: impl Into<PathBuf>) -> io::Result<(Self, String)> {
        Self::open_with_granularity(path, MTIME_GRANULARITY)
    }

    /// For a file system whose timestamp tick is known to be `granularity`.
    pub fn open_with_granularity(
        path: impl Into<PathBuf>,
        granularity: Duration,
    ) -> io::Result<(Self, String)> {
        let path = path.into();
        let (read_at, read_clock) = (SystemTime::now(), Instant::now());
        let stamp = Stamp::of(&path)?;
        let text = read_limited(&path, MAX_BYTES)?;
        let file = PolledFile {
            path,
            shown: content_hash(&text),
            stamp,
            stamp_seen: read_clock,
            read_at,
            read_clock,
            candidate: None,
            content_reads: 1,
            granularity,
        };
        Ok((file, text))
    }

    /// Same stamp proves nothing if the file was modified within one timestamp tick of our
    /// read (git's "racily clean" case): read it at every check for one tick after the stamp
    /// was first seen. An mtime in the future looks recent forever: after that, it is read
    /// once per tick, not at every check.
    fn stamp_in_doubt(&self, now: Instant) -> bool {
        let tick = self.granularity;
        let recent = modified_recently(self.stamp.modified, self.read_at, tick);
        let first_tick = self.read_clock < self.stamp_seen + tick;
        recent && (first_tick || now >= self.read_clock + tick)
    }

    /// `Ok(Some(text))` when the content changed, `Ok(None)` when it did not (or not yet for
    /// certain), `Err` when the file cannot be read now (the caller keeps what it has; the
    /// next check reads it again).
    pub fn check(&mut self) -> io::Result<Option<String>> {
        let (read_at, now) = (SystemTime::now(), Instant::now());
        let before = Stamp::of(&self.path)?;
        let seen_before = (self.stamp, self.stamp_seen);
        if before != self.stamp {
            (self.stamp, self.stamp_seen) = (before, now);
        } else if self.candidate.is_none() && !self.stamp_in_doubt(now) {
            return Ok(None);
        }
        // A read that may succeed if tried again (too many open files, a network mount's
        // error) keeps the stamp it had, so the next check reads again. One that the file's
        // next change must fix (not text, too large, not readable by us) keeps the new stamp:
        // that file is read again when it changes, not at every check.
        let read =
            read_limited(&self.path, MAX_BYTES).and_then(|text| Ok((text, Stamp::of(&self.path)?)));
        let (text, after) = match read {
            Ok(read) => read,
            Err(error) => {
                if read_again_later(&error) {
                    (self.stamp, self.stamp_seen) = seen_before;
                }
                self.candidate = None;
                return Err(error);
            }
        };
        self.content_reads += 1;
        (self.read_at, self.read_clock) = (read_at, now);
        let hash = content_hash(&text);
        if after != before || hash == self.shown {
            // Written while we read (look again next time), or no change after all.
            self.candidate = None;
            return Ok(None);
        }
        match self.candidate {
            Some((stamp, seen, since)) if (stamp, seen) == (before, hash) => {
                if now < since + SETTLE {
                    return Ok(None);
                }
                (self.shown, self.candidate) = (hash, None);
                Ok(Some(text))
            }
            _ => {
                self.candidate = Some((before, hash, now));
                Ok(None)
            }
        }
    }

    /// How many times the content was read: a steady file is read once.
    pub fn content_reads(&self) -> u64 {
        self.content_reads
    }
}
// ANCHOR_END: polled

// ANCHOR: watched
/// After a whole save (closed, or renamed into place), wait this long after the last event
/// before reading: one save is often several events.
pub const DEBOUNCE: Duration = Duration::from_millis(20);
/// Once a whole save came, read at most this long after the first event of the burst, so a
/// steady stream of events cannot put the read off for ever.
pub const MAX_DELAY: Duration = Duration::from_millis(250);
/// A file written but not yet closed is read after this long without a write (for writers
/// that never close it, and systems that report no close: of notify's backends only Linux's
/// inotify does).
pub const WRITE_QUIET: Duration = Duration::from_secs(1);

/// Reloads on change events. Watches every directory the path goes through (`PathWatch`), so
/// rename-saves, deletion, re-creation and moved links (a ConfigMap update) are all seen.
pub struct WatchedFile {
    path: PathBuf,
    hash: u64,
    events: Receiver<notify::Result<notify::Event>>,
    watch: PathWatch,
    /// The change about our path not yet acted on, when its burst began and its last event.
    pending: Option<Pending>,
    /// A failure to move the watches, reported by the next `check` once the read is handed out.
    watch_error: Option<io::Error>,
    /// How long a write not yet closed is waited for: `WRITE_QUIET`, in a field so that a test
    /// can wait less.
    write_quiet: Duration,
}

#[derive(Clone, Copy)]
struct Pending {
    change: Change,
    first: Instant,
    last: Instant,
}

impl WatchedFile {
    pub fn open(path: impl Into<PathBuf>) -> io::Result<(Self, String)> {
        let path = path.into();
        let (sender, events) = mpsc::channel();
        let watcher = notify::recommended_watcher(sender).map_err(io::Error::other)?;
        let watch = PathWatch::new(&path, watcher).map_err(io::Error::other)?;
        let text = read_limited(&path, MAX_BYTES)?; // after the watch starts: no change is lost
        let file = WatchedFile {
            path,
            hash: content_hash(&text),
            events,
            watch,
            pending: None,
            watch_error: None,
            write_quiet: WRITE_QUIET,
        };
        Ok((file, text))
    }

    /// When the pending change may be read: `DEBOUNCE` after a whole save (at most `MAX_DELAY`
    /// after the burst began), `WRITE_QUIET` after a write that is not closed yet.
    fn due(&self) -> Option<Instant> {
        self.pending.map(|pending| match pending.change {
            Change::Partial => pending.last + self.write_quiet,
            Change::Whole | Change::Attributes => {
                (pending.last + DEBOUNCE).min(pending.first + MAX_DELAY)
            }
        })
    }

    /// Never blocks: takes the events that arrived, and reads the file once its save is due.
    /// Call it once per frame.
    pub fn check(&mut self) -> io::Result<Option<String>> {
        if let Some(error) = self.watch_error.take() {
            return Err(error);
        }
        loop {
            match self.events.try_recv() {
                Ok(event) => self.note(&event),
                Err(TryRecvError::Empty) => break,
                // notify's thread is gone (its poll failed): no change will be seen again.
                Err(TryRecvError::Disconnected) => {
                    return Err(io::Error::other("the file watcher stopped"));
                }
            }
        }
        match self.due() {
            Some(due) if Instant::now() >= due => {
                self.pending = None;
                let reloaded = self.reload();
                if reloaded.as_ref().is_err_and(read_again_later) {
                    // No event may come to ask again: try once more `WRITE_QUIET` after now
                    // (the wait a `Partial` change gets).
                    let now = Instant::now();
                    self.pending = Some(Pending {
                        change: Change::Partial,
                        first: now,
                        last: now,
                    });
                }
                reloaded
            }
            _ => Ok(None),
        }
    }

    /// Blocks until the content changes (`Ok(Some)`), the file cannot be read (`Err`), or
    /// `timeout` passes (`Ok(None)`).
    pub fn wait_for_change(&mut self, timeout: Duration) -> io::Result<Option<String>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(text) = self.check()? {
                return Ok(Some(text));
            }
            let until = self.due().map_or(deadline, |due| due.min(deadline));
            let Some(wait) = until.checked_duration_since(Instant::now()) else {
                if until == deadline {
                    return Ok(None);
                }
                continue;
            };
            match self.events.recv_timeout(wait) {
                Ok(event) => self.note(&event),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(io::Error::other("the file watcher stopped"));
                }
            }
        }
    }

    fn note(&mut self, event: &notify::Result<notify::Event>) {
        if let Some(change) = self.watch.classify(event) {
            let now = Instant::now();
            self.pending = Some(match self.pending {
                Some(pending) => Pending {
                    change: pending.change.then(change),
                    last: now,
                    ..pending
                },
                None => Pending {
                    change,
                    first: now,
                    last: now,
                },
            });
        }
    }

    fn reload(&mut self) -> io::Result<Option<String>> {
        // Follow the path again first: a link on the way may point elsewhere now. If a watch
        // cannot be moved, read anyway (the change is here now) and report the failure too.
        let watch_error = self.watch.refresh().err().map(io::Error::other);
        let text = match read_limited(&self.path, MAX_BYTES) {
            Ok(text) => text,
            Err(error) => {
                // Both failed: report the read now and the watch at the next check, since a
                // directory left unwatched sends none of the events that would ask again.
                self.watch_error = watch_error;
                return Err(error);
            }
        };
        let hash = content_hash(&text);
        if hash == self.hash {
            return watch_error.map_or(Ok(None), Err);
        }
        self.hash = hash;
        self.watch_error = watch_error; // the next check reports it
        Ok(Some(text))
    }
}
// ANCHOR_END: watched

#[cfg(test)]
impl WatchedFile {
    /// Waits `write_quiet` instead of `WRITE_QUIET`, to keep a test quick.
    pub(crate) fn set_write_quiet(&mut self, write_quiet: Duration) {
        self.write_quiet = write_quiet;
    }
}

/// A read that failed for a reason the file's next change will announce (deleted, not
/// readable by us, not a regular file, not text, too large) waits for that event; any other
/// failure (too many open files, a network mount's error) is tried again.
fn read_again_later(error: &io::Error) -> bool {
    use io::ErrorKind::*;
    !matches!(
        error.kind(),
        NotFound | PermissionDenied | InvalidInput | InvalidData | FileTooLarge
    )
}

// ANCHOR: trait
/// What a game loop needs from either strategy.
pub trait CheckForChange {
    fn check(&mut self) -> io::Result<Option<String>>;
}

impl CheckForChange for PolledFile {
    fn check(&mut self) -> io::Result<Option<String>> {
        PolledFile::check(self)
    }
}

impl CheckForChange for WatchedFile {
    fn check(&mut self) -> io::Result<Option<String>> {
        WatchedFile::check(self)
    }
}
// ANCHOR_END: trait

/// Whether `modified` is within one `tick` before `read_at`, or after it. Written as a
/// subtraction: `modified + tick` overflows for an mtime near the end of time, which tmpfs
/// accepts (`touch -d @9223372036854775807`).
fn modified_recently(modified: SystemTime, read_at: SystemTime, tick: Duration) -> bool {
    read_at
        .duration_since(modified)
        .map_or(true, |age| age <= tick)
}

#[cfg(test)]
mod stamp_tests {
    use super::*;

    #[test]
    fn an_mtime_at_the_end_of_time_is_recent_without_overflow() {
        let now = SystemTime::now();
        let last = SystemTime::UNIX_EPOCH + Duration::from_secs(i64::MAX as u64);
        assert!(modified_recently(last, now, MTIME_GRANULARITY));
        assert!(modified_recently(
            now - Duration::from_secs(1),
            now,
            MTIME_GRANULARITY
        ));
        assert!(!modified_recently(
            now - Duration::from_secs(3),
            now,
            MTIME_GRANULARITY
        ));
    }
}
