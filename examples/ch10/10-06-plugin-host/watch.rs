//! Tells when a library file changes: cargo replaces it (remove, then link), so watch its
//! directory and filter by file name.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

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
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                match event {
                    // Any kind of event: a rebuild shows up as remove + create, an edit as modify.
                    Ok(event) if event.paths.iter().any(|path| is_named(path, &name)) => {
                        let _ = sender.send(());
                    }
                    Ok(_) => {}
                    Err(error) => eprintln!("watch error: {error}"),
                }
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
            match self.changes.recv_timeout(QUIET) {
                Ok(()) => continue,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        true
    }
}
// ANCHOR_END: watcher

fn is_named(path: &Path, name: &OsString) -> bool {
    path.file_name() == Some(name.as_os_str())
}
