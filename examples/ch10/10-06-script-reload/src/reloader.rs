//! Watches a script file and swaps in each new version that passes every check.
//!
//! The configuration reloader's worker of recipe 10.6, with a script in place of the settings:
//! watch every directory that opening the path goes through (`follow.rs`: symlinks and
//! Kubernetes ConfigMap links included), wait until a save is whole, read the file (a regular
//! file within a size limit, never blocking), compile and check the whole script, then publish
//! it with one `ArcSwap` store. A script that fails a check is reported on the change channel
//! and the last good one stays in use.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::follow::{Change, PathWatch};
use crate::script::{Compiled, MAX_BYTES, ScriptEngine, ScriptError};

/// After a whole save (the writer closed the file, or renamed a file or a link into place),
/// wait until the path has been quiet this long: one save is often several events.
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// Once a whole save came, read at most this long after the first event of the burst.
pub const MAX_DELAY: Duration = Duration::from_millis(250);
/// A file written but not yet closed is read only after this long without a write, so a
/// writer that pauses with the file open is not compiled half-way; one that never closes it
/// (or a system that reports no close: of notify's backends only Linux's inotify does) is
/// still read.
pub const WRITE_QUIET: Duration = Duration::from_secs(1);

/// How long the reloader waits for a save to finish, and how large a file it reads (tests use
/// shorter waits and a smaller size).
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

// ANCHOR: script
/// One live version of the script.
pub struct Script {
    /// 1 for the script loaded at start, +1 for each successful reload.
    pub generation: u64,
    pub path: PathBuf,
    compiled: Compiled,
}

/// What the worker tells the owner of the change channel.
pub enum ReloadEvent {
    /// A new version is live.
    Reloaded { generation: u64 },
    /// The file could not be used; calls keep going to the previous version.
    Rejected(ScriptError),
}

/// The engine and the live script, cheap to clone, for every thread that calls it.
#[derive(Clone)]
pub struct Scripts {
    engine: Arc<ScriptEngine>,
    current: Arc<ArcSwap<Script>>,
    /// Held from the read of a new version to its swap: two reloads at once (the watcher's and
    /// a `reload` call) go live in the order they read the file, one generation each.
    swapping: Arc<Mutex<()>>,
}
// ANCHOR_END: script

impl Scripts {
    /// Loads the first version: with no good version to fall back on, a bad one is an error.
    pub fn load(engine: Arc<ScriptEngine>, path: &Path) -> Result<Self, ScriptError> {
        let compiled = engine.load(path)?;
        Ok(Self::first(engine, path, compiled))
    }

    fn first(engine: Arc<ScriptEngine>, path: &Path, compiled: Compiled) -> Self {
        let first = Script {
            generation: 1,
            path: path.to_owned(),
            compiled,
        };
        Scripts {
            engine,
            current: Arc::new(ArcSwap::from_pointee(first)),
            swapping: Arc::default(),
        }
    }

    // ANCHOR: swap
    /// Reads, compiles and checks the file again; swaps it in only if every check passed.
    pub fn reload(&self) -> Result<u64, ScriptError> {
        let swapping = self.lock_swaps();
        let path = self.current.load().path.clone();
        let compiled = self.engine.load(&path)?;
        Ok(self.swap_in(&swapping, path, compiled))
    }

    /// Swaps in `text` as the new version of the file, after the same checks.
    pub fn reload_text(&self, text: &str) -> Result<u64, ScriptError> {
        let swapping = self.lock_swaps();
        self.swap_in_text(&swapping, text)
    }

    fn swap_in_text(&self, swapping: &MutexGuard<'_, ()>, text: &str) -> Result<u64, ScriptError> {
        let path = self.current.load().path.clone();
        let compiled = self.engine.compile(&path, text)?;
        Ok(self.swap_in(swapping, path, compiled))
    }

    /// Callers never take this lock; reloads hold it from their read to their swap.
    fn lock_swaps(&self) -> MutexGuard<'_, ()> {
        self.swapping.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn swap_in(&self, _swapping: &MutexGuard<'_, ()>, path: PathBuf, compiled: Compiled) -> u64 {
        let generation = self.current.load().generation + 1;
        let script = Script {
            generation,
            path,
            compiled,
        };
        // The one write callers can observe: a single pointer swap.
        self.current.store(Arc::new(script));
        generation
    }

    /// Calls the live version's `greet`. A call in progress keeps the version it started with.
    pub fn greet(&self, name: &str, count: u64) -> Result<String, ScriptError> {
        let script = self.current.load_full();
        self.engine
            .greet(&script.path, &script.compiled, name, count)
    }
    // ANCHOR_END: swap

    pub fn generation(&self) -> u64 {
        self.current.load().generation
    }

    pub fn engine(&self) -> &ScriptEngine {
        &self.engine
    }
}

/// Owns the worker thread (which owns the watcher); dropping it stops both.
pub struct Reloader {
    scripts: Scripts,
    inbox: Sender<Message>,
    worker: Option<JoinHandle<()>>,
}

/// What the worker waits for: file events, and the end.
enum Message {
    Event(notify::Result<notify::Event>),
    Stop,
}

impl Reloader {
    /// Watches what `path` goes through, then loads it (so no change between the two is lost;
    /// an error here means there is no good version to fall back on). The receiver hears of
    /// every reload and every rejected file: read it or drop it, since it is unbounded.
    pub fn start(
        engine: Arc<ScriptEngine>,
        path: impl Into<PathBuf>,
        options: Options,
    ) -> Result<(Self, Receiver<ReloadEvent>), ScriptError> {
        let path = path.into();
        let watch_error = |source| ScriptError::Watch {
            path: path.clone(),
            source,
        };
        let (inbox, messages) = mpsc::channel();
        let events = inbox.clone();
        let watcher = notify::recommended_watcher(move |event| {
            let _ = events.send(Message::Event(event));
        })
        .map_err(watch_error)?;
        let watch = PathWatch::new(&path, watcher).map_err(watch_error)?;
        let text = engine.read(&path, options.max_bytes)?;
        let compiled = engine.compile(&path, &text)?;
        let scripts = Scripts::first(engine, &path, compiled);

        let (changes, change_receiver) = mpsc::channel();
        let worker = Worker {
            path: path.clone(),
            watch,
            scripts: scripts.clone(),
            changes,
            last_read: Ok(text),
            options,
        };
        let worker = thread::Builder::new()
            .name("script-reloader".into())
            .spawn(move || worker.run(&messages))
            .map_err(|source| watch_error(notify::Error::io(source)))?;
        let reloader = Reloader {
            scripts,
            inbox,
            worker: Some(worker),
        };
        Ok((reloader, change_receiver))
    }

    pub fn scripts(&self) -> &Scripts {
        &self.scripts
    }
}

impl Drop for Reloader {
    fn drop(&mut self) {
        // The worker only ever waits on its inbox (its reads never block), so it sees this.
        let _ = self.inbox.send(Message::Stop);
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

struct Worker {
    path: PathBuf,
    watch: PathWatch,
    scripts: Scripts,
    changes: Sender<ReloadEvent>,
    /// What the last reload read: the same text (or the same failure) again is no news.
    last_read: Result<String, String>,
    options: Options,
}

impl Worker {
    fn run(mut self, messages: &Receiver<Message>) {
        while let Ok(message) = messages.recv() {
            let Message::Event(event) = message else {
                return;
            };
            if let Some(change) = self.note(&event) {
                if !self.settle(messages, change) {
                    return;
                }
                self.reload();
            }
        }
    }

    /// Waits until the save is over: `debounce` of quiet after a whole save (at most
    /// `max_delay` after the first event), `write_quiet` after a write not yet closed.
    /// Returns false when asked to stop.
    fn settle(&self, messages: &Receiver<Message>, mut latest: Change) -> bool {
        let first = Instant::now();
        let mut last = first;
        loop {
            let until = match latest {
                Change::Partial => last + self.options.write_quiet,
                Change::Whole | Change::Attributes => {
                    (last + self.options.debounce).min(first + self.options.max_delay)
                }
            };
            let Some(wait) = until.checked_duration_since(Instant::now()) else {
                return true;
            };
            match messages.recv_timeout(wait) {
                Ok(Message::Event(event)) => {
                    if let Some(change) = self.note(&event) {
                        (latest, last) = (latest.then(change), Instant::now());
                    }
                }
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return false,
                Err(RecvTimeoutError::Timeout) => return true,
            }
        }
    }

    /// What the event means for our path (see `PathWatch::classify`); a watcher failure is
    /// also reported.
    fn note(&self, event: &notify::Result<notify::Event>) -> Option<Change> {
        if let Err(source) = event {
            let error = ScriptError::Watch {
                path: self.path.clone(),
                source: notify::Error::generic(&source.to_string()),
            };
            let _ = self.changes.send(ReloadEvent::Rejected(error));
        }
        self.watch.classify(event)
    }

    fn reload(&mut self) {
        // Follow the path again first: a link on the way may point elsewhere now.
        if let Err(source) = self.watch.refresh() {
            let error = ScriptError::Watch {
                path: self.path.clone(),
                source,
            };
            let _ = self.changes.send(ReloadEvent::Rejected(error));
        }
        let scripts = &self.scripts;
        // From this read to the swap, no `Scripts::reload` can put a later read live first.
        let swapping = scripts.lock_swaps();
        let text = scripts.engine().read(&self.path, self.options.max_bytes);
        let this_read = match &text {
            Ok(text) => Ok(text.clone()),
            Err(error) => Err(error.to_string()),
        };
        if this_read == self.last_read {
            return; // a touch, a save without changes, or a second event for one save
        }
        self.last_read = this_read;
        let result = text.and_then(|text| scripts.swap_in_text(&swapping, &text));
        let event = match result {
            Ok(generation) => ReloadEvent::Reloaded { generation },
            Err(error) => ReloadEvent::Rejected(error),
        };
        // Nobody listening is fine: callers already use the new version.
        let _ = self.changes.send(event);
    }
}
