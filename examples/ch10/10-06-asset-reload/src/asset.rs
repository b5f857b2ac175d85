//! Two ways to notice that a data file changed, with the same interface: call `check()` once
//! per frame (or per request) and get the new text when there is one.
//!
//! - `PolledFile` compares the file's (mtime, length) on every check: one `stat`, works on any
//!   file system, including network and container mounts where no change events arrive.
//! - `WatchedFile` waits for the operating system's change events (inotify, `FSEvents`, ...)
//!   through `notify`: no cost while nothing happens and no polling delay, but it needs OS
//!   support for the mount the file lives on.
//!
//! Both compare a hash of the content before reporting a change, so a touch or a save without
//! changes is not a reload.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

// ANCHOR: stamp
/// Timestamps are coarse: a few milliseconds on Linux file systems (the kernel's clock tick),
/// 1 s on some network file systems, 2 s on FAT. Two writes within one tick leave the same
/// mtime. A file modified this close to our last read may have changed again unseen.
pub const MTIME_GRANULARITY: Duration = Duration::from_secs(2);

/// What one `stat` tells about a file's content without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub modified: SystemTime,
    pub len: u64,
}

impl Stamp {
    pub fn of(path: &Path) -> io::Result<Stamp> {
        let metadata = fs::metadata(path)?;
        Ok(Stamp {
            modified: metadata.modified()?,
            len: metadata.len(),
        })
    }
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
    stamp: Stamp,
    hash: u64,
    /// When we last read the content (taken before the read, to err on the safe side).
    read_at: SystemTime,
    content_reads: u64,
}

impl PolledFile {
    pub fn open(path: impl Into<PathBuf>) -> io::Result<(Self, String)> {
        let path = path.into();
        let read_at = SystemTime::now();
        let stamp = Stamp::of(&path)?;
        let text = fs::read_to_string(&path)?;
        let file = PolledFile {
            path,
            stamp,
            hash: content_hash(&text),
            read_at,
            content_reads: 1,
        };
        Ok((file, text))
    }

    /// `Ok(Some(text))` when the content changed, `Ok(None)` when it did not, `Err` when the
    /// file cannot be read now (the caller keeps what it has and tries again later).
    pub fn check(&mut self) -> io::Result<Option<String>> {
        let read_at = SystemTime::now();
        let stamp = Stamp::of(&self.path)?;
        // Same (mtime, length) proves nothing if the file was modified within one timestamp
        // tick of our read: a second write in that tick keeps the mtime (and maybe the length).
        let racy = self.stamp.modified + MTIME_GRANULARITY >= self.read_at;
        if stamp == self.stamp && !racy {
            return Ok(None);
        }
        let text = fs::read_to_string(&self.path)?;
        self.content_reads += 1;
        self.stamp = stamp;
        self.read_at = read_at;
        let hash = content_hash(&text);
        if hash == self.hash {
            return Ok(None); // touched, or saved without changes
        }
        self.hash = hash;
        Ok(Some(text))
    }

    /// How many times the content was read: a steady file is read once.
    pub fn content_reads(&self) -> u64 {
        self.content_reads
    }
}
// ANCHOR_END: polled

// ANCHOR: watched
/// Wait this long after the last event before reading: a save is a burst of events.
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// Reloads on change events. Watches the parent directory and filters by file name, so
/// rename-saves, deletion and re-creation are all seen.
pub struct WatchedFile {
    path: PathBuf,
    hash: u64,
    events: Receiver<notify::Result<notify::Event>>,
    /// Time of the last event about our file not yet acted on.
    pending_since: Option<Instant>,
    _watcher: RecommendedWatcher,
}

impl WatchedFile {
    pub fn open(path: impl Into<PathBuf>) -> io::Result<(Self, String)> {
        let path = path.into();
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let (sender, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(sender).map_err(io::Error::other)?;
        watcher
            .watch(&directory, RecursiveMode::NonRecursive)
            .map_err(io::Error::other)?;
        let text = fs::read_to_string(&path)?; // after the watch starts: no change is lost
        let file = WatchedFile {
            path,
            hash: content_hash(&text),
            events,
            pending_since: None,
            _watcher: watcher,
        };
        Ok((file, text))
    }

    /// Never blocks: takes the events that arrived, and reads the file once they have been
    /// quiet for `DEBOUNCE`. Call it once per frame.
    pub fn check(&mut self) -> io::Result<Option<String>> {
        while let Ok(event) = self.events.try_recv() {
            self.note(&event);
        }
        match self.pending_since {
            Some(since) if since.elapsed() >= DEBOUNCE => {
                self.pending_since = None;
                self.reload()
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
            let until = match self.pending_since {
                Some(since) => (since + DEBOUNCE).min(deadline),
                None => deadline,
            };
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
        let about_us = match event {
            Err(_) => true, // the watcher failed: read again to be safe
            Ok(event) if event.need_rescan() => true,
            // Our own reads open and close the file: not a change.
            Ok(event)
                if matches!(
                    event.kind,
                    EventKind::Access(
                        AccessKind::Open(_)
                            | AccessKind::Read
                            | AccessKind::Close(AccessMode::Read)
                    )
                ) =>
            {
                false
            }
            Ok(event) => event
                .paths
                .iter()
                .any(|path| path.file_name() == self.path.file_name()),
        };
        if about_us {
            self.pending_since = Some(Instant::now());
        }
    }

    fn reload(&mut self) -> io::Result<Option<String>> {
        let text = fs::read_to_string(&self.path)?;
        let hash = content_hash(&text);
        if hash == self.hash {
            return Ok(None);
        }
        self.hash = hash;
        Ok(Some(text))
    }
}
// ANCHOR_END: watched

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
