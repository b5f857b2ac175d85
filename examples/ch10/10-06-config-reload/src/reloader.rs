//! A configuration that reloads itself when its TOML file changes.
//!
//! `Reloader::start` loads the file once, then a worker thread watches every directory that
//! opening the path goes through (`follow.rs`), waits until a save is whole, reads the file
//! (a regular file within a size limit, never blocking), parses it and publishes it with one
//! atomic pointer swap. A bad file is reported on the change channel and the last good
//! configuration stays in place. `Reloader::reload` (or a `ReloadTrigger`, from a SIGHUP
//! handler say) asks for the same read-validate-swap at once.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use arc_swap::{ArcSwap, Guard};
use serde::de::DeserializeOwned;

use crate::follow::{Change, PathWatch, read_limited};

// ANCHOR: debounce
/// After a whole save (the writer closed the file, or renamed a file or a link into place),
/// wait until the path has been quiet this long: one save is often several events.
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// Once a whole save came, read at most this long after the first event of the burst: under a
/// steady stream of saves, and at once for a writer that paused longer before closing.
pub const MAX_DELAY: Duration = Duration::from_millis(250);
/// A file written but not yet closed is read only after this long without a write, so a
/// writer that pauses with the file open is not read half-way; one that never closes it (or
/// a system that reports no close: of notify's backends only Linux's inotify does) is still
/// read.
pub const WRITE_QUIET: Duration = Duration::from_secs(1);
/// A larger file is refused before it is read.
pub const MAX_BYTES: u64 = 1024 * 1024;
// ANCHOR_END: debounce

/// How long the reloader waits for a save to finish, and how large a file it reads.
/// `Reloader::start` uses the constants above; `Reloader::start_with` takes others.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub debounce: Duration,
    pub max_delay: Duration,
    pub write_quiet: Duration,
    pub max_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            debounce: DEBOUNCE,
            max_delay: MAX_DELAY,
            write_quiet: WRITE_QUIET,
            max_bytes: MAX_BYTES,
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
    /// The file could not be used, or watching its path failed (`ReloadError::Watch`);
    /// readers keep the previous configuration.
    Rejected(ReloadError),
}
// ANCHOR_END: snapshot

// ANCHOR: error
#[derive(Debug)]
pub enum ReloadError {
    /// The file could not be read: deleted, no permission, not a regular file (a FIFO, a
    /// device, a directory), larger than `max_bytes`...
    Read { path: PathBuf, source: io::Error },
    /// The text is not valid TOML or does not describe a valid configuration.
    Parse {
        path: PathBuf,
        /// The 1-based line and column of the text at fault; none for what is nowhere in
        /// the file (a missing key: toml gives it an empty span).
        at: Option<(usize, usize)>,
        message: String,
    },
    /// The directory could not be watched, or the watcher reported a failure.
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
}

// ANCHOR_END: error

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Parse {
                path,
                at: Some((line, column)),
                message,
            } => write!(f, "{}:{line}:{column}: {message}", path.display()),
            Self::Parse {
                path,
                at: None,
                message,
            } => write!(f, "{}: {message}", path.display()),
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

// ANCHOR: load
fn read(path: &Path, max_bytes: u64) -> Result<String, ReloadError> {
    read_limited(path, max_bytes).map_err(|source| ReloadError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Domain rules live in the type's `Deserialize` (for example `#[serde(try_from = ...)]`),
/// so toml points at the offending value (or, for a rule across fields, at its table) as it
/// would at a syntax error.
fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ReloadError> {
    toml::from_str(text).map_err(|error| {
        // toml gives a byte range; people and editors want a line and a column.
        // A missing key is nowhere in the text: toml gives it the empty span 0..0 (an error at
        // the end of the text has an empty span there, a place to show).
        let span = error.span().filter(|span| *span != (0..0));
        ReloadError::Parse {
            path: path.to_owned(),
            at: span.map(|span| line_and_column(text, span.start)),
            message: error.message().trim_end().to_owned(),
        }
    })
}

// ANCHOR_END: load

/// 1-based line and column (counted in characters) of a byte offset.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

// ANCHOR: reloader
/// Owns the worker thread (which owns the watcher); dropping it stops both.
pub struct Reloader<T> {
    current: Arc<ArcSwap<Snapshot<T>>>,
    inbox: Sender<Message>,
    worker: Option<JoinHandle<()>>,
}

/// What the worker waits for: file events, requests, and the end.
enum Message {
    Event(notify::Result<notify::Event>),
    Reload,
    Stop,
}

/// Asks for a reload now, from any thread (a signal handler's, say); see `Reloader::reload`.
#[derive(Clone)]
pub struct ReloadTrigger(Sender<Message>);

impl ReloadTrigger {
    pub fn reload(&self) {
        let _ = self.0.send(Message::Reload); // a stopped reloader has nothing to reload
    }
}

impl<T> Reloader<T> {
    pub fn load(&self) -> Guard<Arc<Snapshot<T>>> {
        self.current.load()
    }

    pub fn handle(&self) -> ConfigHandle<T> {
        ConfigHandle(Arc::clone(&self.current))
    }

    /// Reads, validates and publishes the file now, through the same path as a save; the
    /// outcome arrives on the change channel. Unlike a save, it is reported even when the
    /// text is unchanged (a new generation, or the same rejection again): it was asked for.
    pub fn reload(&self) {
        self.trigger().reload();
    }

    pub fn trigger(&self) -> ReloadTrigger {
        ReloadTrigger(self.inbox.clone())
    }
}

impl<T> Drop for Reloader<T> {
    fn drop(&mut self) {
        // The worker waits on its inbox between reads, and its reads refuse FIFOs and devices;
        // a read or stat that hangs in the file system (a dead NFS server) delays this too.
        let _ = self.inbox.send(Message::Stop);
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
// ANCHOR_END: reloader

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
    /// Watches what `path` goes through, then loads it (so no change between the two is lost;
    /// an error here means there is no good configuration to fall back on). The receiver hears
    /// of every reload and every rejected file: read it or drop it, since it is unbounded.
    pub fn start(
        path: impl Into<PathBuf>,
    ) -> Result<(Self, Receiver<ReloadEvent<T>>), ReloadError> {
        Self::start_with(path, Options::default())
    }

    /// [`Reloader::start`] with other timings or size limit.
    pub fn start_with(
        path: impl Into<PathBuf>,
        options: Options,
    ) -> Result<(Self, Receiver<ReloadEvent<T>>), ReloadError> {
        let path = path.into();
        let watch_error = |source| ReloadError::Watch {
            path: path.clone(),
            source,
        };
        // Watch first, then load: a change between the two is not lost.
        let (inbox, messages) = mpsc::channel();
        let events = inbox.clone();
        let watcher = notify::recommended_watcher(move |event| {
            let _ = events.send(Message::Event(event));
        })
        .map_err(watch_error)?;
        let watch = PathWatch::new(&path, watcher).map_err(watch_error)?;
        let text = read(&path, options.max_bytes)?;
        let first = Arc::new(Snapshot {
            generation: 1,
            config: parse(&path, &text)?,
        });
        let current = Arc::new(ArcSwap::new(first));

        let (changes, change_receiver) = mpsc::channel();
        let worker = Worker {
            path: path.clone(),
            watch,
            current: Arc::clone(&current),
            changes,
            last_read: Ok(text),
            options,
        };
        let worker = thread::Builder::new()
            .name("config-reloader".into())
            .spawn(move || worker.run(&messages))
            .map_err(|source| watch_error(notify::Error::io(source)))?;
        let reloader = Self {
            current,
            inbox,
            worker: Some(worker),
        };
        Ok((reloader, change_receiver))
    }
}

struct Worker<T> {
    path: PathBuf,
    watch: PathWatch,
    current: Arc<ArcSwap<Snapshot<T>>>,
    changes: Sender<ReloadEvent<T>>,
    /// What the last reload read: the same text (or the same failure) again is no news.
    last_read: Result<String, String>,
    options: Options,
}

/// How waiting for a save to finish ended.
enum Settled {
    Read,
    Requested,
    Stop,
}

impl<T: DeserializeOwned> Worker<T> {
    // ANCHOR: worker
    fn run(mut self, messages: &Receiver<Message>) {
        while let Ok(message) = messages.recv() {
            let requested = match message {
                Message::Stop => return,
                Message::Reload => true,
                Message::Event(event) => match self.note(&event) {
                    None => continue,
                    Some(change) => match self.settle(messages, change) {
                        Settled::Read => false,
                        Settled::Requested => true,
                        Settled::Stop => return,
                    },
                },
            };
            self.reload(requested);
        }
    }

    /// Waits until the save is over: `debounce` of quiet after a whole save (at most
    /// `max_delay` after the first event), `write_quiet` after a write not yet closed. A reload
    /// asked for meanwhile reads at once, unless the file is still open for writing: then it
    /// waits for the save too, rather than publish the half written so far.
    fn settle(&self, messages: &Receiver<Message>, mut latest: Change) -> Settled {
        let first = Instant::now();
        let mut last = first;
        let mut requested = false;
        let done = |requested: bool| {
            if requested {
                Settled::Requested
            } else {
                Settled::Read
            }
        };
        loop {
            let until = match latest {
                Change::Partial => last + self.options.write_quiet,
                Change::Whole | Change::Attributes => {
                    (last + self.options.debounce).min(first + self.options.max_delay)
                }
            };
            let Some(wait) = until.checked_duration_since(Instant::now()) else {
                return done(requested);
            };
            match messages.recv_timeout(wait) {
                Ok(Message::Event(event)) => {
                    if let Some(change) = self.note(&event) {
                        (latest, last) = (latest.then(change), Instant::now());
                    }
                }
                Ok(Message::Reload) if matches!(latest, Change::Partial) => requested = true,
                Ok(Message::Reload) => return Settled::Requested,
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return Settled::Stop,
                Err(RecvTimeoutError::Timeout) => return done(requested),
            }
        }
    }

    // ANCHOR_END: worker

    /// What the event means for our path (see `PathWatch::classify`); a watcher failure is
    /// also reported.
    fn note(&self, event: &notify::Result<notify::Event>) -> Option<Change> {
        if let Err(source) = event {
            let error = ReloadError::Watch {
                path: self.path.clone(),
                source: notify::Error::generic(&source.to_string()),
            };
            let _ = self.changes.send(ReloadEvent::Rejected(error));
        }
        self.watch.classify(event)
    }

    // ANCHOR: swap
    fn reload(&mut self, requested: bool) {
        // Follow the path again first: a link on the way may point elsewhere now.
        if let Err(source) = self.watch.refresh() {
            let error = ReloadError::Watch {
                path: self.path.clone(),
                source,
            };
            let _ = self.changes.send(ReloadEvent::Rejected(error));
        }
        let text = read(&self.path, self.options.max_bytes);
        let this_read = match &text {
            Ok(text) => Ok(text.clone()),
            Err(error) => Err(error.to_string()),
        };
        if this_read == self.last_read && !requested {
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
    // ANCHOR_END: swap
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::sync::mpsc::TryRecvError;

    const TEXT: &str = "answer = 42\n";

    #[derive(Debug, serde::Deserialize)]
    struct Answer {
        answer: u32,
    }

    /// Drives the worker's read step directly, so each save is known to have been read
    /// before the next one is made (saves merged by the debounce would prove nothing).
    #[test]
    fn reading_identical_text_again_is_not_a_new_generation() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("app.toml");
        fs::write(&path, TEXT).expect("first file");
        let watcher = notify::recommended_watcher(|_| {}).expect("watcher");
        let (changes, reports) = mpsc::channel();
        let mut worker = Worker::<Answer> {
            path: path.clone(),
            watch: PathWatch::new(&path, watcher).expect("watch"),
            current: Arc::new(ArcSwap::from_pointee(Snapshot {
                generation: 1,
                config: Answer { answer: 42 },
            })),
            changes,
            last_read: Ok(TEXT.to_owned()),
            options: Options::default(),
        };
        fs::write(&path, TEXT).expect("save without changes");
        worker.reload(false);
        fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_modified(std::time::SystemTime::now()))
            .expect("touch");
        worker.reload(false);
        assert!(matches!(reports.try_recv(), Err(TryRecvError::Empty)));
        assert_eq!(worker.current.load().generation, 1);

        fs::write(&path, "answer = 7\n").expect("a real change");
        worker.reload(false);
        match reports.try_recv() {
            Ok(ReloadEvent::Reloaded(snapshot)) => {
                assert_eq!((snapshot.generation, snapshot.config.answer), (2, 7));
            }
            other => panic!("expected generation 2, got {other:?}"),
        }
        worker.reload(true); // asked for: published even though unchanged
        assert!(matches!(reports.try_recv(), Ok(ReloadEvent::Reloaded(_))));
    }
}
