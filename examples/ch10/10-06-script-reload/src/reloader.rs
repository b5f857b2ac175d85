//! Watches a script file and swaps in each new version that passes every check.
//!
//! The same discipline as the configuration reloader of recipe 10.6: watch the file's
//! *directory*, keep the events that name the file, wait until it has been quiet, compile and
//! check the whole script, then publish it with one `ArcSwap` store. A script that fails a
//! check is reported on the change channel and the last good one stays in use.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::script::{Compiled, ScriptEngine, ScriptError};

/// Wait until the file has been quiet this long before reading it.
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// Under a steady stream of writes, reload at least this often anyway.
pub const MAX_DELAY: Duration = Duration::from_millis(250);

/// How long the reloader waits for a save to finish (tests use shorter ones).
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
    /// Held while a new version is swapped in, so generations count up one by one.
    swapping: Arc<Mutex<()>>,
}
// ANCHOR_END: script

impl Scripts {
    /// Loads the first version: with no good version to fall back on, a bad one is an error.
    pub fn load(engine: Arc<ScriptEngine>, path: &Path) -> Result<Self, ScriptError> {
        let compiled = engine.load(path)?;
        let first = Script {
            generation: 1,
            path: path.to_owned(),
            compiled,
        };
        Ok(Scripts {
            engine,
            current: Arc::new(ArcSwap::from_pointee(first)),
            swapping: Arc::default(),
        })
    }

    /// Compiles and checks the file again; swaps it in only if every check passed.
    pub fn reload(&self) -> Result<u64, ScriptError> {
        let path = self.current.load().path.clone();
        let compiled = self.engine.load(&path)?;
        self.swap_in(path, compiled)
    }

    /// Swaps in `text` as the new version of the file, after the same checks.
    pub fn reload_text(&self, text: &str) -> Result<u64, ScriptError> {
        let path = self.current.load().path.clone();
        let compiled = self.engine.compile(&path, text)?;
        self.swap_in(path, compiled)
    }

    // ANCHOR: swap
    fn swap_in(&self, path: PathBuf, compiled: Compiled) -> Result<u64, ScriptError> {
        // Callers never take this lock; it only keeps two swaps from taking one generation.
        let _swapping = self.swapping.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = self.current.load().generation + 1;
        let script = Script {
            generation,
            path,
            compiled,
        };
        // The one write callers can observe: a single pointer swap.
        self.current.store(Arc::new(script));
        Ok(generation)
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

/// Owns the watcher and the worker thread; dropping it stops both.
pub struct Reloader {
    scripts: Scripts,
    watcher: Option<RecommendedWatcher>,
    worker: Option<JoinHandle<()>>,
}

impl Reloader {
    /// Watches `path`'s directory, then loads `path` (so no change between the two is lost).
    /// The receiver hears of every reload and every rejected file: read it or drop it.
    pub fn start(
        engine: Arc<ScriptEngine>,
        path: impl Into<PathBuf>,
        timing: Timing,
    ) -> Result<(Self, Receiver<ReloadEvent>), ScriptError> {
        let path = path.into();
        let watch_error = |source| ScriptError::Watch {
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
        let (raw_sender, raw_events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(raw_sender).map_err(watch_error)?;
        // The directory, not the file: a rename-save replaces the file's inode.
        watcher
            .watch(&directory, RecursiveMode::NonRecursive)
            .map_err(watch_error)?;
        let last_read = std::fs::read_to_string(&path).map_err(|error| error.kind());
        let scripts = Scripts::load(engine, &path)?;

        let (changes, change_receiver) = mpsc::channel();
        let worker = Worker {
            path,
            file_name,
            scripts: scripts.clone(),
            changes,
            last_read,
            timing,
        };
        let worker = thread::Builder::new()
            .name("script-reloader".into())
            .spawn(move || worker.run(&raw_events))
            .map_err(|source| ScriptError::Watch {
                path: directory,
                source: notify::Error::io(source),
            })?;
        let reloader = Reloader {
            scripts,
            watcher: Some(watcher),
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
        // Dropping the watcher drops its sender, which ends the worker's loop.
        drop(self.watcher.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

struct Worker {
    path: PathBuf,
    file_name: std::ffi::OsString,
    scripts: Scripts,
    changes: Sender<ReloadEvent>,
    /// What the last reload read: the same text (or the same failure) again is no news.
    last_read: Result<String, io::ErrorKind>,
    timing: Timing,
}

type RawEvent = notify::Result<notify::Event>;

impl Worker {
    fn run(mut self, raw_events: &Receiver<RawEvent>) {
        // `recv` fails once the watcher, the only sender, is dropped.
        while let Ok(event) = raw_events.recv() {
            if self.is_about_our_file(&event) && self.debounce(raw_events) {
                self.reload();
            }
        }
    }

    /// Filters by path, not by kind; read-only opens and closes (ours too) are ignored.
    fn is_about_our_file(&self, event: &RawEvent) -> bool {
        let event = match event {
            Ok(event) => event,
            Err(source) => {
                let error = ScriptError::Watch {
                    path: self.path.clone(),
                    source: notify::Error::generic(&source.to_string()),
                };
                let _ = self.changes.send(ReloadEvent::Rejected(error));
                return true; // we may have missed something: read the file again
            }
        };
        if event.need_rescan() {
            return true;
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

    /// Waits until our file has been quiet for the debounce (or the maximum delay has passed).
    /// Returns false when the watcher is gone.
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
        let text = std::fs::read_to_string(&self.path);
        let this_read = match &text {
            Ok(text) => Ok(text.clone()),
            Err(error) => Err(error.kind()),
        };
        if this_read == self.last_read {
            return; // a touch, a save without changes, or a second event for one save
        }
        self.last_read = this_read;
        let result = match text {
            Ok(text) => self.scripts.reload_text(&text),
            Err(source) => Err(ScriptError::Read {
                path: self.path.clone(),
                source,
            }),
        };
        let event = match result {
            Ok(generation) => ReloadEvent::Reloaded { generation },
            Err(error) => ReloadEvent::Rejected(error),
        };
        // Nobody listening is fine: callers already use the new version.
        let _ = self.changes.send(event);
    }
}
