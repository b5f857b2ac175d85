//! Tells when a library file changes: cargo replaces it (remove, then link), so watch its
//! directory and filter by file name.

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

// ANCHOR: watcher
/// Watches one file through its parent directory.
pub struct LibraryWatcher {
    changes: Receiver<()>,
    _watcher: RecommendedWatcher, // stops watching when dropped
}

impl LibraryWatcher {
    pub fn new(file: &Path) -> io::Result<LibraryWatcher> {
        let (dir, name) = match (file.parent(), file.file_name()) {
            (Some(dir), Some(name)) => (dir.to_owned(), name.to_owned()),
            _ => {
                return Err(io::Error::other(format!(
                    "{}: no file name",
                    file.display()
                )));
            }
        };
        let (sender, changes) = mpsc::channel();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<Event>| match event {
                Ok(event) if changes_file(&event, &name) => {
                    let _ = sender.send(());
                }
                Ok(_) => {}
                Err(error) => eprintln!("watch error: {error}"),
            })
            .map_err(io::Error::other)?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(io::Error::other)?;
        Ok(LibraryWatcher {
            changes,
            _watcher: watcher,
        })
    }

    /// Waits up to `timeout` for the file to change, then until it has been quiet for
    /// `QUIET` (a build writes in several steps). Returns whether it changed.
    pub fn wait_for_change(&self, timeout: Duration) -> bool {
        const QUIET: Duration = Duration::from_millis(100);
        const LONGEST_BURST: Duration = Duration::from_secs(2);
        if self.changes.recv_timeout(timeout).is_err() {
            return false;
        }
        let burst_started = Instant::now();
        while burst_started.elapsed() < LONGEST_BURST {
            // Quiet for `QUIET`, or the watcher is gone: the burst is over.
            if let Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) =
                self.changes.recv_timeout(QUIET)
            {
                break;
            }
        }
        true
    }
}
// ANCHOR_END: watcher

/// A rebuild shows up as remove + create, an in-place write as modify: any kind counts, except
/// access, which our own loading of the file causes (or the host would reload forever).
fn changes_file(event: &Event, name: &OsStr) -> bool {
    !matches!(event.kind, EventKind::Access(_))
        && event
            .paths
            .iter()
            .any(|path| path.file_name() == Some(name))
}
