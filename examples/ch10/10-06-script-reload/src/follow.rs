//! Following a path the way `open` does: which directory entries decide what it opens (each
//! ancestor, each symlink on the way and each path its target leads through), a watcher on
//! the directories holding them, and a read that never blocks and never grows without bound.
//!
//! A copy of `src/follow.rs` of ch10-06-config-reload (and of ch10-06-asset-reload), the same
//! but for this line: each recipe folder stands alone, so they share no helper crate.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// Linux gives up after 40 symbolic links (`ELOOP`, path_resolution(7)); so does `lookups`.
const MAX_LINKS: usize = 40;

enum Step {
    Prefix(OsString),
    Root,
    Up,
    Name(OsString),
}

fn steps(path: &Path) -> Vec<Step> {
    path.components()
        .filter_map(|component| match component {
            Component::Prefix(prefix) => Some(Step::Prefix(prefix.as_os_str().to_owned())),
            Component::RootDir => Some(Step::Root),
            Component::CurDir => None,
            Component::ParentDir => Some(Step::Up),
            Component::Normal(name) => Some(Step::Name(name.to_owned())),
        })
        .collect()
}

// ANCHOR: lookups
/// Every path that opening `path` looks up, in order: each directory from the root down, each
/// symlink, and each path its target leads through, down to the file or to the first name
/// that is missing. Renaming, removing or creating any of them can change what `path` opens
/// (a Kubernetes ConfigMap update renames `..data`, two links above the file).
pub fn lookups(path: &Path) -> Vec<PathBuf> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut pending: Vec<Step> = steps(&absolute);
    pending.reverse(); // a stack: the next step is last
    let (mut here, mut looked_up, mut links) = (PathBuf::new(), Vec::new(), 0);
    while let Some(step) = pending.pop() {
        match step {
            Step::Prefix(prefix) => here = PathBuf::from(prefix),
            Step::Root => here.push(Component::RootDir.as_os_str()),
            Step::Up => _ = here.pop(),
            Step::Name(name) => {
                let next = here.join(name);
                looked_up.push(next.clone());
                match fs::symlink_metadata(&next) {
                    Ok(meta) if meta.file_type().is_symlink() && links < MAX_LINKS => {
                        links += 1;
                        let Ok(target) = fs::read_link(&next) else {
                            break;
                        };
                        // A relative target starts from the link's directory, `here`.
                        pending.extend(steps(&target).into_iter().rev());
                    }
                    Ok(_) => here = next,
                    Err(_) => break, // missing: its directory is the last one to watch
                }
            }
        }
    }
    looked_up
}
// ANCHOR_END: lookups

/// `refresh` looks the path up again after watching, in case a link moved in between; it
/// gives up on a path that keeps changing after this many rounds (the next event retries).
const MAX_ROUNDS: usize = 8;

/// What an event about one of the path's lookups means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A save is complete: a writer closed the file, or a name was renamed, removed, or
    /// created as a link or a directory (those are whole when they appear).
    Whole,
    /// Written, and maybe not finished: the writer has not closed the file yet.
    Partial,
    /// Only attributes changed (mode, owner, times, an ACL): editors set them after closing
    /// the file, so this is whole on its own and leaves a pending change as it was.
    Attributes,
}

impl Change {
    /// What is pending once `self` is and `next` comes: attributes change nothing pending.
    pub fn then(self, next: Change) -> Change {
        match next {
            Change::Attributes => self,
            _ => next,
        }
    }
}

/// A watcher on the directory of every path in `lookups(path)`, moved along as they change.
pub struct PathWatch {
    path: PathBuf,
    watcher: RecommendedWatcher,
    /// The paths opening `path` looks up now, as the watcher names them in its events.
    lookups: HashSet<PathBuf>,
    /// The directories watched now.
    watched: HashSet<PathBuf>,
}

impl PathWatch {
    /// Watches what `path` looks up now; fails if the directory holding its last lookup (the
    /// file, or the first missing name) cannot be watched.
    pub fn new(path: &Path, watcher: RecommendedWatcher) -> notify::Result<Self> {
        let mut watch = PathWatch {
            path: path.to_owned(),
            watcher,
            lookups: HashSet::new(),
            watched: HashSet::new(),
        };
        watch.refresh()?;
        Ok(watch)
    }

    /// Looks the path up again and moves the watches to the directories it goes through now.
    /// Only a failure to watch the last lookup's directory is an error: the others (`/`, or a
    /// directory without read permission) are watched if they can be.
    pub fn refresh(&mut self) -> notify::Result<()> {
        let mut looked_up = lookups(&self.path);
        let mut result = Ok(());
        for _ in 0..MAX_ROUNDS {
            result = self.watch_dirs_of(&looked_up);
            // A link moved before its directory was watched would go unseen: look again.
            let again = lookups(&self.path);
            if again == looked_up {
                break;
            }
            looked_up = again;
        }
        self.lookups = looked_up.into_iter().collect();
        result
    }

    fn watch_dirs_of(&mut self, looked_up: &[PathBuf]) -> notify::Result<()> {
        let dirs: HashSet<&Path> = looked_up.iter().filter_map(|path| path.parent()).collect();
        let Self {
            watcher, watched, ..
        } = self;
        watched.retain(|dir| {
            let keep = dirs.contains(dir.as_path());
            if !keep {
                let _ = watcher.unwatch(dir); // may be gone already, with its directory
            }
            keep
        });
        let last_dir = looked_up.last().and_then(|path| path.parent());
        let mut result = Ok(());
        for dir in dirs {
            // On Linux, watch every one again, even if watched: notify forgets a directory once
            // it is removed, and one made again under the same name (often the same inode)
            // would otherwise stay unwatched; inotify merges a watch added twice. notify's other
            // backends do not (FSEvents restarts its stream, Windows opens a second watch), so
            // there only a directory not watched yet is added.
            if !cfg!(target_os = "linux") && watched.contains(dir) {
                continue;
            }
            match watcher.watch(dir, RecursiveMode::NonRecursive) {
                Ok(()) => _ = watched.insert(dir.to_owned()),
                Err(error) if Some(dir) == last_dir => result = Err(error),
                Err(_) => _ = watched.remove(dir),
            }
        }
        result
    }

    /// `None` for an event that cannot change what the path opens (another name, or an open or
    /// a read: ours among them). Failures and overflows are `Whole`: read again to be safe.
    pub fn classify(&self, event: &notify::Result<Event>) -> Option<Change> {
        let Ok(event) = event else {
            return Some(Change::Whole);
        };
        if event.need_rescan() {
            return Some(Change::Whole);
        }
        if !event.paths.iter().any(|path| self.lookups.contains(path)) {
            return None;
        }
        match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Some(Change::Whole),
            EventKind::Access(_) => None,
            EventKind::Modify(ModifyKind::Name(_)) | EventKind::Remove(_) => Some(Change::Whole),
            EventKind::Create(_) => {
                let new_file = event.paths.iter().any(|path| {
                    fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_file())
                });
                Some(if new_file {
                    Change::Partial // a new file, still being written
                } else {
                    Change::Whole
                })
            }
            // vim sets the ACL after it closes the file; `touch` sets times.
            EventKind::Modify(ModifyKind::Metadata(_)) => Some(Change::Attributes),
            _ => Some(Change::Partial), // data written, file still open
        }
    }
}

// ANCHOR: read_limited
/// Reads what `path` opens if it is a regular file of at most `limit` bytes. Anything else (a
/// FIFO, a device such as `/dev/zero`, a directory, a socket) is refused before it is opened,
/// and the file is opened with `O_NONBLOCK` and checked again, so a FIFO swapped in between
/// cannot block the read. At most `limit + 1` bytes are read, however much the file grows.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<String> {
    check_regular(&fs::metadata(path)?, limit)?;
    read_opened(path, limit)
}

/// Opens without blocking, then checks what was opened, not what was looked at.
fn read_opened(path: &Path, limit: u64) -> io::Result<String> {
    let file = open_without_blocking(path)?;
    check_regular(&file.metadata()?, limit)?;
    read_at_most(file, limit)
}

/// Reads `reader` to its end, or fails once it has given more than `limit` bytes. The length
/// is checked before the text: a cut inside a character is "too large", not "not UTF-8".
pub fn read_at_most(reader: impl Read, limit: u64) -> io::Result<String> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(format!(
            "larger than the limit of {limit} bytes when read"
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}
// ANCHOR_END: read_limited

/// Refuses what is not a regular file, or is larger than `limit`.
pub fn check_regular(meta: &fs::Metadata, limit: u64) -> io::Result<()> {
    let kind = meta.file_type();
    if !kind.is_file() {
        let message = format!("not a regular file but {}", describe(kind));
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    if meta.len() > limit {
        return Err(too_large(format!(
            "{} bytes, larger than the limit of {limit} bytes",
            meta.len()
        )));
    }
    Ok(())
}

fn too_large(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::FileTooLarge, message)
}

#[cfg(unix)]
fn describe(kind: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "something else"
    }
}

#[cfg(not(unix))]
fn describe(kind: fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// The reloader reads only for events that name what the path looks up: a write to a
    /// neighbour in the same directory is not even a reason to read.
    #[test]
    fn an_event_about_another_file_is_no_change() -> notify::Result<()> {
        use notify::event::DataChange;
        let dir = tempfile::tempdir()?;
        let ours = dir.path().join("app.toml");
        fs::write(&ours, "answer = 42\n")?;
        let watcher = notify::recommended_watcher(|_: notify::Result<Event>| {})?;
        let watch = PathWatch::new(&ours, watcher)?;
        let written = |path: &Path| {
            Ok(
                Event::new(EventKind::Modify(ModifyKind::Data(DataChange::Any)))
                    .add_path(path.into()),
            )
        };
        assert_eq!(
            watch.classify(&written(&dir.path().join("other.toml"))),
            None
        );
        assert_eq!(watch.classify(&written(&ours)), Some(Change::Partial));
        Ok(())
    }

    /// A FIFO swapped in after the check: the open must not wait for a writer, and what was
    /// opened is refused.
    #[test]
    fn a_fifo_opened_after_the_check_is_refused_without_blocking() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("temporary directory");
        let fifo = dir.path().join("app.toml");
        let name = std::ffi::CString::new(fifo.as_os_str().as_bytes()).expect("no NUL");
        // SAFETY: `name` is a NUL-terminated path that lives across the call.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
        let (done, result) = mpsc::channel();
        // Without O_NONBLOCK this open would wait for a writer for ever: run it aside.
        std::thread::spawn(move || {
            let _ = done.send(read_opened(&fifo, 4096).map_err(|error| error.to_string()));
        });
        let said = result
            .recv_timeout(Duration::from_secs(10))
            .expect("the open did not block");
        assert_eq!(said, Err("not a regular file but a FIFO".to_owned()));
    }
}
