//! A configuration that reloads itself when its TOML file changes.
//!
//! `Reloader::start` loads the file once, then a worker thread watches the file's *directory*,
//! debounces the events that name the file, parses the new text and publishes it with one
//! atomic pointer swap. A bad file (unreadable, malformed, invalid) is reported on the change
//! channel and the last good configuration stays in place.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use arc_swap::{ArcSwap, Guard};
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use serde::de::DeserializeOwned;

// ANCHOR: debounce
/// Wait until the file has been quiet this long before reading it: an editor's save is a burst
/// of events (truncate, write, close, or write a temporary file and rename it).
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// Under a steady stream of writes, reload at least this often anyway.
pub const MAX_DELAY: Duration = Duration::from_millis(250);
// ANCHOR_END: debounce

/// How long the reloader waits for a save to finish. `Reloader::start` uses the default,
/// `DEBOUNCE` and `MAX_DELAY`; `Reloader::start_with` takes others (tests use shorter ones).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub debounce: Duration,
    pub max_delay: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            debounce: DEBOUNCE,
            max_delay: MAX_DELAY,
        }
    }
}

// ANCHOR: snapshot
/// One published configuration. Readers get the whole value or none of it.
#[derive(Debug)]
pub struct Snapshot<T> {
    /// 1 for the configuration loaded at start, +1 for each successful reload.
    pub generation: u64,
    pub config: T,
}

/// What the worker tells the owner of the change channel.
#[derive(Debug)]
pub enum ReloadEvent<T> {
    /// A new configuration is live; this is exactly what readers now see.
    Reloaded(Arc<Snapshot<T>>),
    /// The file could not be used; readers keep the previous configuration.
    Rejected(ReloadError),
}
// ANCHOR_END: snapshot

// ANCHOR: error
#[derive(Debug)]
pub enum ReloadError {
    /// The file could not be read (deleted, renamed away, no permission...).
    Read { path: PathBuf, source: io::Error },
    /// The text is not valid TOML or does not describe a valid configuration.
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The directory could not be watched, or the watcher reported a failure.
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Parse {
                path,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", path.display()),
            Self::Watch { path, source } => {
                write!(f, "{}: cannot watch: {source}", path.display())
            }
        }
    }
}

impl Error for ReloadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Watch { source, .. } => Some(source),
            Self::Parse { .. } => None,
        }
    }
}
// ANCHOR_END: error

// ANCHOR: load
fn read(path: &Path) -> Result<String, ReloadError> {
    std::fs::read_to_string(path).map_err(|source| ReloadError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Domain rules live in the type's `Deserialize` (for example `#[serde(try_from = ...)]`),
/// so toml points at the offending value as it would at a syntax error.
fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ReloadError> {
    toml::from_str(text).map_err(|error| {
        // toml gives a byte range; people and editors want a line and a column.
        let offset = error.span().map_or(0, |span| span.start);
        let (line, column) = line_and_column(text, offset);
        ReloadError::Parse {
            path: path.to_owned(),
            line,
            column,
            message: error.message().trim_end().to_owned(),
        }
    })
}

/// 1-based line and column (counted in characters) of a byte offset.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
// ANCHOR_END: load

// ANCHOR: reloader
/// Owns the watcher and the worker thread; dropping it stops both.
pub struct Reloader<T> {
    current: Arc<ArcSwap<Snapshot<T>>>,
    watcher: Option<RecommendedWatcher>,
    worker: Option<JoinHandle<()>>,
}

/// A cheap, clonable way for reader threads to get the current configuration.
pub struct ConfigHandle<T>(Arc<ArcSwap<Snapshot<T>>>);

impl<T> Clone for ConfigHandle<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> ConfigHandle<T> {
    /// Never takes a lock (arc-swap's reads are lock-free, and most of the time wait-free);
    /// hold the guard briefly (for one request), not across a long wait.
    pub fn load(&self) -> Guard<Arc<Snapshot<T>>> {
        self.0.load()
    }
}

impl<T: DeserializeOwned + Send + Sync + 'static> Reloader<T> {
    /// Watches `path`'s directory, then loads `path` (so no change between the two is lost; an
    /// error here means there is no good configuration to fall back on). The receiver hears of
    /// every reload and every rejected file: read it or drop it, since it is unbounded.
    pub fn start(
        path: impl Into<PathBuf>,
    ) -> Result<(Self, Receiver<ReloadEvent<T>>), ReloadError> {
        Self::start_with(path, Timing::default())
    }

    /// [`Reloader::start`] with another debounce.
    pub fn start_with(
        path: impl Into<PathBuf>,
        timing: Timing,
    ) -> Result<(Self, Receiver<ReloadEvent<T>>), ReloadError> {
        let path = path.into();
        let watch_error = |source| ReloadError::Watch {
            path: path.clone(),
            source,
        };
        let file_name = path
            .file_name()
            .ok_or_else(|| watch_error(notify::Error::generic("not a file name")))?
            .to_owned();
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };

        // Watch first, then load: a change between the two is not lost.
        let (raw_sender, raw_events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(raw_sender).map_err(watch_error)?;
        // The directory, not the file: a rename-save replaces the file's inode, and a watch
        // on the old inode would hear nothing more.
        watcher
            .watch(&directory, RecursiveMode::NonRecursive)
            .map_err(watch_error)?;
        let text = read(&path)?;
        let first = Arc::new(Snapshot {
            generation: 1,
            config: parse(&path, &text)?,
        });
        let current = Arc::new(ArcSwap::new(first));

        let (changes, change_receiver) = mpsc::channel();
        let worker = Worker {
            path,
            file_name,
            current: Arc::clone(&current),
            changes,
            last_read: Ok(text),
            timing,
        };
        let worker = thread::Builder::new()
            .name("config-reloader".into())
            .spawn(move || worker.run(&raw_events))
            .map_err(|source| ReloadError::Watch {
                path: directory,
                source: notify::Error::io(source),
            })?;
        let reloader = Self {
            current,
            watcher: Some(watcher),
            worker: Some(worker),
        };
        Ok((reloader, change_receiver))
    }
}

impl<T> Reloader<T> {
    pub fn load(&self) -> Guard<Arc<Snapshot<T>>> {
        self.current.load()
    }

    pub fn handle(&self) -> ConfigHandle<T> {
        ConfigHandle(Arc::clone(&self.current))
    }
}

impl<T> Drop for Reloader<T> {
    fn drop(&mut self) {
        // Dropping the watcher drops its sender, which ends the worker's loop.
        drop(self.watcher.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
// ANCHOR_END: reloader

// ANCHOR: worker
struct Worker<T> {
    path: PathBuf,
    file_name: std::ffi::OsString,
    current: Arc<ArcSwap<Snapshot<T>>>,
    changes: Sender<ReloadEvent<T>>,
    /// What the last reload read: the same text (or the same failure) again is no news.
    last_read: Result<String, io::ErrorKind>,
    timing: Timing,
}

type RawEvent = notify::Result<notify::Event>;

impl<T: DeserializeOwned> Worker<T> {
    fn run(mut self, raw_events: &Receiver<RawEvent>) {
        // `recv` fails once the watcher, the only sender, is dropped.
        while let Ok(event) = raw_events.recv() {
            if self.is_about_our_file(&event) && self.debounce(raw_events) {
                self.reload();
            }
        }
    }

    /// Filters by path, not by kind: depending on how the editor saves, the same save arrives
    /// as Modify, Create or a rename. Read-only opens and closes (ours too) are ignored.
    fn is_about_our_file(&self, event: &RawEvent) -> bool {
        let event = match event {
            Ok(event) => event,
            Err(source) => {
                let error = ReloadError::Watch {
                    path: self.path.clone(),
                    source: notify::Error::generic(&source.to_string()),
                };
                let _ = self.changes.send(ReloadEvent::Rejected(error));
                return true; // we may have missed something: read the file again
            }
        };
        if event.need_rescan() {
            return true; // the kernel queue overflowed: events were dropped
        }
        let read_only = matches!(
            event.kind,
            EventKind::Access(
                AccessKind::Open(_) | AccessKind::Read | AccessKind::Close(AccessMode::Read)
            )
        );
        !read_only
            && event
                .paths
                .iter()
                .any(|path| path.file_name() == Some(self.file_name.as_os_str()))
    }

    /// Waits until our file has been quiet for `DEBOUNCE` (or `MAX_DELAY` has passed; both
    /// as set by `Timing`). Returns false when the watcher is gone.
    fn debounce(&self, raw_events: &Receiver<RawEvent>) -> bool {
        let first = Instant::now();
        let mut last = first;
        loop {
            let until = (last + self.timing.debounce).min(first + self.timing.max_delay);
            let Some(wait) = until.checked_duration_since(Instant::now()) else {
                return true;
            };
            match raw_events.recv_timeout(wait) {
                Ok(event) if self.is_about_our_file(&event) => last = Instant::now(),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => return true,
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
    }

    fn reload(&mut self) {
        let text = read(&self.path);
        let this_read = match &text {
            Ok(text) => Ok(text.clone()),
            Err(ReloadError::Read { source, .. }) => Err(source.kind()),
            Err(_) => Err(io::ErrorKind::Other),
        };
        if this_read == self.last_read {
            return; // a touch, a save without changes, or a second event for one save
        }
        self.last_read = this_read;
        let event = match text.and_then(|text| parse(&self.path, &text)) {
            Ok(config) => {
                let generation = self.current.load().generation + 1;
                let snapshot = Arc::new(Snapshot { generation, config });
                // The one write readers can observe: a single pointer swap.
                self.current.store(Arc::clone(&snapshot));
                ReloadEvent::Reloaded(snapshot)
            }
            Err(error) => ReloadEvent::Rejected(error),
        };
        // Nobody listening is fine: readers still see the new configuration.
        let _ = self.changes.send(event);
    }
}
// ANCHOR_END: worker
