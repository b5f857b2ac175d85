//! Tells when a library file changes: cargo replaces it (remove, then link), so watch its
//! directory and filter by path. If the path is a symlink, the file that changes may be its
//! target, elsewhere: watch every link of the chain and the file at its end.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// Watches one file through its parent directory, and through the directories of the links
/// it goes through, if it is a symlink.
pub struct LibraryWatcher {
    file: PathBuf,
    /// The paths whose change counts: `file`, each link it goes through, the final target.
    chain: Arc<Mutex<HashSet<PathBuf>>>,
    watched_dirs: HashSet<PathBuf>,
    changes: Receiver<()>,
    watcher: RecommendedWatcher, // stops watching when dropped
}

impl LibraryWatcher {
    pub fn new(file: &Path) -> io::Result<LibraryWatcher> {
        let file = std::path::absolute(file)?;
        let chain = Arc::new(Mutex::new(HashSet::new()));
        let (sender, changes) = mpsc::channel();
        let watched = Arc::clone(&chain);
        let watcher =
            notify::recommended_watcher(move |event: notify::Result<Event>| match event {
                Ok(event) if changes_one_of(&event, &watched) => {
                    let _ = sender.send(());
                }
                Ok(_) => {}
                Err(error) => eprintln!("watch error: {error}"),
            })
            .map_err(io::Error::other)?;
        let mut watcher = LibraryWatcher {
            file,
            chain,
            watched_dirs: HashSet::new(),
            changes,
            watcher,
        };
        watcher.follow_links()?;
        Ok(watcher)
    }

    /// Waits up to `timeout` for the file to change, then until it has been quiet for
    /// `QUIET` (a build writes in several steps). Returns whether it changed.
    pub fn wait_for_change(&mut self, timeout: Duration) -> bool {
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
        // A link may now point elsewhere: watch where it leads now.
        if let Err(error) = self.follow_links() {
            eprintln!("watch error: {error}");
        }
        true
    }

    // ANCHOR: watcher
    /// Resolves the chain of links from `file` again and watches the directory of each.
    fn follow_links(&mut self) -> io::Result<()> {
        let chain = link_chain(&self.file);
        for path in &chain {
            let Some(dir) = path.parent() else { continue };
            if self.watched_dirs.insert(dir.to_owned()) {
                self.watcher
                    .watch(dir, RecursiveMode::NonRecursive)
                    .map_err(io::Error::other)?;
            }
        }
        *self.chain.lock().unwrap_or_else(PoisonError::into_inner) = chain.into_iter().collect();
        Ok(())
    }
    // ANCHOR_END: watcher
}

/// `file`, then each path its symlinks lead to, to the last one (at most 40 links, as Linux
/// follows). Relative targets are relative to the link's directory.
fn link_chain(file: &Path) -> Vec<PathBuf> {
    let mut chain = vec![file.to_owned()];
    let mut path = file.to_owned();
    while chain.len() <= 40 {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        path = match path.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
        chain.push(path.clone());
    }
    chain
}

// ANCHOR: filter
/// A rebuild shows up as remove + create, an in-place write as modify: any kind counts, except
/// access, which our own loading of the file causes (or the host would reload forever).
fn changes_one_of(event: &Event, chain: &Mutex<HashSet<PathBuf>>) -> bool {
    let chain = chain.lock().unwrap_or_else(PoisonError::into_inner);
    !matches!(event.kind, EventKind::Access(_))
        && event.paths.iter().any(|path| chain.contains(path))
}
// ANCHOR_END: filter
