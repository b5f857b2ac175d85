//! Two triggers, one path: a file watch and SIGHUP both call `Reloader::reload`, which reads
//! and validates the whole file before one `send_if_modified` publishes it (when it differs).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};

use crate::config::{self, Config, ConfigError};

/// Wait until the file has been quiet this long before reading it (a save is a burst of events).
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// Under a steady stream of writes, read it at least this often anyway.
pub const MAX_DELAY: Duration = Duration::from_millis(250);

/// What asked for a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    FileChanged,
    Sighup,
}

/// Which triggers `start` sets up.
#[derive(Debug, Clone, Copy)]
pub struct Triggers {
    pub watch_file: bool,
    /// How long the file must be quiet before a watch event reloads it: `DEBOUNCE` in the
    /// server; the tests, which save by rename, pass 10 ms.
    pub debounce: Duration,
    pub sighup: bool,
}

/// The outcome of one reload, as the server logs it.
#[derive(Debug)]
pub struct Report {
    pub trigger: Trigger,
    /// The configuration now live, or why the file was refused.
    pub outcome: Result<Arc<Config>, ConfigError>,
    /// The version handlers serve after this reload.
    pub serving: u64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let trigger = match self.trigger {
            Trigger::FileChanged => "file changed",
            Trigger::Sighup => "SIGHUP",
        };
        match &self.outcome {
            Ok(config) => write!(f, "{trigger}: loaded version {}", config.version),
            Err(error) => write!(
                f,
                "{trigger}: rejected {error}; still serving version {}",
                self.serving
            ),
        }
    }
}

// ANCHOR: reload
/// Owns the sending half of the configuration channel: the only writer.
struct Reloader {
    path: PathBuf,
    current: watch::Sender<Arc<Config>>,
    /// The text of the last file loaded: the same text again from the watch is no news,
    last_text: String,
    /// unless a file was refused since: then it is the fix, and is reported.
    refused_since: bool,
}

impl Reloader {
    /// Read, validate, then swap: a file that fails any step changes nothing.
    async fn reload(&mut self, trigger: Trigger) -> Option<Report> {
        // std::fs blocks: read on tokio's blocking pool, not on a thread that runs tasks.
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || config::load(&path))
            .await
            .unwrap_or_else(|error| Err(ConfigError(format!("cannot read: {error}"))));
        let outcome = match loaded {
            Ok((text, _))
                if trigger == Trigger::FileChanged
                    && text == self.last_text
                    && !self.refused_since =>
            {
                return None; // a touch, or a second event for one save
            }
            Ok((text, config)) => {
                (self.last_text, self.refused_since) = (text, false);
                let config = Arc::new(config);
                // The one write handlers can see: the whole new value, at once. The same value
                // again (a SIGHUP, a fix that restores the text) wakes no `changed()`.
                self.current.send_if_modified(|current| {
                    let differs = **current != *config;
                    if differs {
                        *current = Arc::clone(&config);
                    }
                    differs
                });
                Ok(config)
            }
            Err(error) => {
                self.refused_since = true;
                Err(error)
            }
        };
        let serving = self.current.borrow().version;
        Some(Report {
            trigger,
            outcome,
            serving,
        })
    }
}
// ANCHOR_END: reload

/// What `start` returns.
pub struct Reloading {
    /// What handlers read: clone it into each of them.
    pub config: watch::Receiver<Arc<Config>>,
    /// Every reload and every refused file.
    pub reports: mpsc::UnboundedReceiver<Report>,
    /// Dropping it stops the watch and the reload task.
    pub task: ReloadTask,
}

pub struct ReloadTask {
    task: JoinHandle<()>,
    _watcher: Option<RecommendedWatcher>,
}

impl Drop for ReloadTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type RawEvent = notify::Result<notify::Event>;

// ANCHOR: start
/// Loads `path` (a bad first file is an error: there is nothing to fall back on), then reloads
/// it on the triggers asked for. Call it inside a tokio runtime.
pub fn start(path: &Path, triggers: Triggers) -> Result<Reloading, ConfigError> {
    // Watch first, then load, so that no save between the two is missed.
    let (raw_sender, raw_events) = mpsc::unbounded_channel::<RawEvent>();
    let watcher = if triggers.watch_file {
        Some(watch_directory(path, raw_sender)?)
    } else {
        None
    };
    #[cfg(unix)]
    let hangups = if triggers.sighup {
        use tokio::signal::unix::{SignalKind, signal};
        let hangups = signal(SignalKind::hangup())
            .map_err(|error| ConfigError(format!("cannot listen for SIGHUP: {error}")))?;
        Some(hangups)
    } else {
        None
    };
    // A blocking read, once, before anything is served: no request waits on it.
    let (text, first) = config::load(path)?;
    let (current, handlers) = watch::channel(Arc::new(first));
    let (reports, report_receiver) = mpsc::unbounded_channel();
    let reloader = Reloader {
        path: path.to_owned(),
        current,
        last_text: text,
        refused_since: false,
    };
    let file_name = path.file_name().map(|name| name.to_owned());
    let watcher_is_set = watcher.is_some();
    let task = tokio::spawn(async move {
        let mut reloader = reloader;
        let mut raw_events = raw_events;
        #[cfg(unix)]
        let mut hangups = hangups;
        let mut watching = watcher_is_set;
        loop {
            #[cfg(unix)]
            let hangup = next_hangup(&mut hangups);
            #[cfg(not(unix))]
            let hangup = std::future::pending::<Option<()>>();
            let trigger = tokio::select! {
                event = raw_events.recv(), if watching => match event {
                    Some(event) if is_about(&event, file_name.as_deref()) => {
                        debounce(&mut raw_events, file_name.as_deref(), triggers.debounce).await;
                        Trigger::FileChanged
                    }
                    Some(_) => continue,
                    None => {
                        watching = false; // no watch (SIGHUP only), or the watcher is gone
                        continue;
                    }
                },
                Some(()) = hangup => Trigger::Sighup,
            };
            if let Some(report) = reloader.reload(trigger).await {
                let _ = reports.send(report); // nobody listening is fine
            }
        }
    });
    Ok(Reloading {
        config: handlers,
        reports: report_receiver,
        task: ReloadTask {
            task,
            _watcher: watcher,
        },
    })
}
// ANCHOR_END: start

#[cfg(unix)]
async fn next_hangup(hangups: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match hangups {
        Some(hangups) => hangups.recv().await,
        None => std::future::pending().await,
    }
}

/// Watches the file's directory, not the file: a save by rename replaces the file's inode.
fn watch_directory(
    path: &Path,
    raw_sender: mpsc::UnboundedSender<RawEvent>,
) -> Result<RecommendedWatcher, ConfigError> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let error = |error: notify::Error| {
        ConfigError(format!("cannot watch {}: {error}", directory.display()))
    };
    // notify calls this on its own thread; an unbounded tokio sender works from any thread.
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = raw_sender.send(event);
    })
    .map_err(error)?;
    watcher
        .watch(&directory, RecursiveMode::NonRecursive)
        .map_err(error)?;
    Ok(watcher)
}

/// Events that name our file, except read-only opens and closes (our own reads among them).
fn is_about(event: &RawEvent, file_name: Option<&std::ffi::OsStr>) -> bool {
    let Ok(event) = event else {
        return true; // the watcher failed: read the file again rather than miss a change
    };
    let read_only = matches!(
        event.kind,
        EventKind::Access(
            AccessKind::Open(_) | AccessKind::Read | AccessKind::Close(AccessMode::Read)
        )
    );
    !read_only && event.paths.iter().any(|path| path.file_name() == file_name)
}

/// Returns once the file has been quiet for `quiet`, or after `MAX_DELAY`.
async fn debounce(
    raw_events: &mut mpsc::UnboundedReceiver<RawEvent>,
    file_name: Option<&std::ffi::OsStr>,
    quiet: Duration,
) {
    let give_up = Instant::now() + MAX_DELAY;
    let mut quiet_until = Instant::now() + quiet;
    loop {
        match timeout_at(quiet_until.min(give_up), raw_events.recv()).await {
            Ok(Some(event)) if is_about(&event, file_name) => {
                quiet_until = Instant::now() + quiet;
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return,
        }
    }
}
