//! Loading a greeter plugin: only from the plugin directory, from a private copy, ABI first.

use libloading::os::unix::{RTLD_LOCAL, RTLD_NOW};
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use greeter_plugin_abi::{self as abi, HostState, OutBuf, Status, StrRef, symbols};
use libloading::Library;

/// Why a plugin was not loaded. The host keeps its previous plugin in every case.
#[derive(Debug)]
pub enum LoadError {
    /// Not inside the plugin directory, once symlinks and `..` are resolved.
    OutsidePluginDir {
        file: PathBuf,
        dir: PathBuf,
    },
    /// A directory, a device…: not a regular file.
    NotAFile {
        file: PathBuf,
    },
    /// Others can write it (anyone, or a group that is not ours), so they could run code in
    /// this process.
    WritableByOthers {
        file: PathBuf,
        mode: u32,
    },
    /// Owned by another user: neither us nor root.
    WrongOwner {
        file: PathBuf,
        owner: u32,
        us: u32,
    },
    /// Shorter than its ELF headers say: a build still being written, or cut short.
    Incomplete {
        file: PathBuf,
    },
    /// Larger than `MAX_LIBRARY_BYTES`: it is read into memory and copied before it is loaded.
    TooLarge {
        file: PathBuf,
        len: u64,
    },
    /// The dynamic loader refused it: not a library, truncated, another architecture…
    NotALibrary {
        file: PathBuf,
        reason: String,
    },
    MissingSymbol {
        file: PathBuf,
        symbol: &'static str,
    },
    WrongAbiVersion {
        file: PathBuf,
        found: u32,
        expected: u32,
    },
    /// It loaded, but its first call (`describe`) failed.
    FirstCallFailed {
        file: PathBuf,
        error: CallError,
    },
    Io {
        file: PathBuf,
        error: io::Error,
    },
}

/// Why a call into the plugin failed. The host's state is unchanged.
#[derive(Debug)]
pub enum CallError {
    Panicked { message: String },
    BadArgument,
    AnswerNotUtf8,
    AnswerTooLong { len: usize },
    UnknownStatus(i32),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LoadError::{
            FirstCallFailed, Incomplete, Io, MissingSymbol, NotAFile, NotALibrary,
            OutsidePluginDir, TooLarge, WritableByOthers, WrongAbiVersion, WrongOwner,
        };
        match self {
            OutsidePluginDir { file, dir } => write!(
                f,
                "{}: not in the plugin directory ({})",
                file.display(),
                dir.display()
            ),
            NotAFile { file } => write!(f, "{}: not a regular file", file.display()),
            WritableByOthers { file, mode } => {
                let who = if mode & 0o002 != 0 {
                    "anyone"
                } else {
                    "its group"
                };
                write!(
                    f,
                    "{}: writable by others (mode {:o}), {who} could put code in it",
                    file.display(),
                    mode & 0o7777
                )
            }
            WrongOwner { file, owner, us } => write!(
                f,
                "{}: owned by uid {owner}, not by us (uid {us}) or root",
                file.display()
            ),
            Incomplete { file, .. } => write!(
                f,
                "{}: shorter than its ELF headers say (still being written?)",
                file.display()
            ),
            TooLarge { file, len } => write!(
                f,
                "{}: {len} bytes, more than a plugin may have ({MAX_LIBRARY_BYTES})",
                file.display()
            ),
            NotALibrary { file, reason } => {
                write!(f, "{}: not a loadable library ({reason})", file.display())
            }
            MissingSymbol { file, symbol } => write!(
                f,
                "{}: does not export `{symbol}`, not a greeter plugin of this ABI",
                file.display()
            ),
            WrongAbiVersion {
                file,
                found,
                expected,
            } => write!(
                f,
                "{}: built for greeter ABI {found}, this host speaks ABI {expected}",
                file.display()
            ),
            FirstCallFailed { file, error } => {
                write!(
                    f,
                    "{}: loaded, but `describe` failed: {error}",
                    file.display()
                )
            }
            Io { file, error } => write!(f, "{}: {error}", file.display()),
        }
    }
}

impl std::error::Error for LoadError {}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Panicked { message } => write!(f, "the plugin panicked: {message}"),
            CallError::BadArgument => write!(f, "the plugin rejected an argument"),
            CallError::AnswerNotUtf8 => write!(f, "the plugin answered with invalid UTF-8"),
            CallError::AnswerTooLong { len } => {
                write!(f, "the plugin's answer is too long ({len} bytes)")
            }
            CallError::UnknownStatus(status) => {
                write!(f, "the plugin returned unknown status {status}")
            }
        }
    }
}

impl std::error::Error for CallError {}

/// The one directory plugins are loaded from. Loading a library runs its code, so only files
/// in here, owned by us (or root) and writable by nobody else, are loaded.
pub struct PluginDir {
    dir: PathBuf,
    us: Ids,
}

/// Our effective user and group.
#[derive(Clone, Copy)]
struct Ids {
    uid: u32,
    gid: u32,
}

impl PluginDir {
    pub fn new(dir: &Path) -> Result<PluginDir, LoadError> {
        let io_error = |error| LoadError::Io {
            file: dir.to_owned(),
            error,
        };
        let dir = dir.canonicalize().map_err(io_error)?;
        // The directory too: whoever can write in it can swap our plugins.
        let metadata = fs::metadata(&dir).map_err(io_error)?;
        let us = effective_ids();
        check_owner_and_mode(&dir, &metadata, us)?;
        remove_stale_copies(&std::env::temp_dir());
        Ok(PluginDir { dir, us })
    }

    // ANCHOR: load
    /// Loads `file`, which must be inside this directory, from a private copy.
    pub fn load(&self, file: &Path) -> Result<Plugin, LoadError> {
        let (file, bytes) = self.read_checked(file)?;
        let (copy_dir, copy) = private_copy(&bytes).map_err(|error| LoadError::Io {
            file: file.clone(),
            error,
        })?;
        // SAFETY: loading a library runs its initialisers, and unloading it its termination
        // routines (when `Plugin` drops it, after `shutdown`). We load only a private copy of
        // a file from the plugin directory, owned by us or root and not world-writable: code
        // we chose to trust. `Plugin` keeps the library loaded while its functions can be called.
        // `RTLD_NOW`: every symbol the library needs is bound now, so a missing one is this
        // error, not a "symbol lookup error" that ends the host at the first call
        // (`Library::new` binds lazily).
        let opened = unsafe {
            libloading::os::unix::Library::open(Some(&copy), RTLD_NOW | RTLD_LOCAL)
                .map(Library::from)
        };
        // A loaded library needs no file: delete the copy now, so none is left behind even if
        // the host is killed.
        drop(copy_dir);
        let library = opened.map_err(|error| not_a_library(&error, &copy, &file))?;
        check_abi_version(&library, &file)?;
        // SAFETY: the ABI version matches, so these symbols have the types of this ABI.
        let (describe, greet, shutdown) = unsafe {
            (
                lookup::<abi::DescribeFn>(&library, symbols::DESCRIBE, &file)?,
                lookup::<abi::GreetFn>(&library, symbols::GREET, &file)?,
                lookup::<abi::ShutdownFn>(&library, symbols::SHUTDOWN, &file).ok(),
            )
        };
        // SAFETY: `describe` has the type of this ABI and `library` is loaded.
        let description = match call_with_buffer(|out| unsafe { describe(out) }) {
            Ok(description) => description,
            Err(error) => {
                // Its code has run: let it stop what it may have started, as `Plugin`'s `Drop`
                // does, before dropping `library` closes it.
                if let Some(shutdown) = shutdown {
                    // SAFETY: as in that `Drop`: the type of this ABI, the library loaded.
                    let _ = call_with_buffer(|out| unsafe { shutdown(out) });
                }
                return Err(LoadError::FirstCallFailed { file, error });
            }
        };
        Ok(Plugin {
            greet,
            shutdown,
            description,
            _library: library,
            copy,
        })
    }
    // ANCHOR_END: load

    // ANCHOR: read_checked
    /// Reads `file` if it may be loaded: in this directory, a regular file owned by us or
    /// root, writable by nobody else, and complete.
    fn read_checked(&self, file: &Path) -> Result<(PathBuf, Vec<u8>), LoadError> {
        let io_error = |error| LoadError::Io {
            file: file.to_owned(),
            error,
        };
        // Resolve symlinks and `..` first, then check where the file really is.
        let file = file.canonicalize().map_err(io_error)?;
        if !file.starts_with(&self.dir) {
            let dir = self.dir.clone();
            return Err(LoadError::OutsidePluginDir { file, dir });
        }
        // Every directory from the file's up to the plugin directory, checked again at each
        // load: in one that another user may write, the file could be swapped.
        for dir in file
            .ancestors()
            .skip(1)
            .take_while(|dir| dir.starts_with(&self.dir))
        {
            let metadata = std::fs::metadata(dir).map_err(io_error)?;
            check_owner_and_mode(dir, &metadata, self.us)?;
        }
        // Check the file we opened (fstat) and read that same file: nobody can swap it
        // between the check and the read. O_NONBLOCK: opening a FIFO would wait for a writer;
        // it changes nothing for a regular file (open(2)).
        let mut opened = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&file)
            .map_err(io_error)?;
        let metadata = opened.metadata().map_err(io_error)?;
        if !metadata.is_file() {
            return Err(LoadError::NotAFile { file });
        }
        check_owner_and_mode(&file, &metadata, self.us)?;
        let too_large = |len| LoadError::TooLarge {
            file: file.clone(),
            len,
        };
        if metadata.len() > MAX_LIBRARY_BYTES {
            return Err(too_large(metadata.len()));
        }
        // At most one byte more than allowed: the file may grow after the fstat.
        let mut bytes = Vec::new();
        (&mut opened)
            .take(MAX_LIBRARY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() as u64 > MAX_LIBRARY_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        // dlopen maps a library the linker is still writing, then we die of SIGBUS.
        if elf_bytes_needed(&bytes).is_some_and(|needed| needed > bytes.len() as u64) {
            return Err(LoadError::Incomplete { file });
        }
        // dlopen runs a library's initialisers: one built for another ABI must not get there.
        if let Some(found) = declared_abi_version(&bytes)
            && found != abi::ABI_VERSION
        {
            let expected = abi::ABI_VERSION;
            return Err(LoadError::WrongAbiVersion {
                file,
                found,
                expected,
            });
        }
        Ok((file, bytes))
    }
    // ANCHOR_END: read_checked
}

/// The largest library the host reads (a debug build of the plugin is under 1 MB): the file
/// is read into memory, then written to a private copy.
pub const MAX_LIBRARY_BYTES: u64 = 256 * 1024 * 1024;

/// Names are never reused in this process: dlopen caches libraries by path.
static NEXT_COPY: AtomicU64 = AtomicU64::new(1);

/// Writes `bytes` to a new name in a new directory only we can access (mode 0700), named
/// after this process so that a later host can tell a copy whose host died.
fn private_copy(bytes: &[u8]) -> io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{COPY_PREFIX}{}-", std::process::id()))
        .permissions(fs::Permissions::from_mode(0o700))
        .tempdir()?;
    let number = NEXT_COPY.fetch_add(1, Ordering::Relaxed);
    let copy = dir
        .path()
        .join(format!("greeter-{number}{}", std::env::consts::DLL_SUFFIX));
    fs::write(&copy, bytes)?;
    Ok((dir, copy))
}

const COPY_PREFIX: &str = "greeter-copy-";

/// Deletes the private copies of hosts that died before deleting them: a host killed, or
/// crashed by a library's constructor, inside `dlopen` (the only time a copy exists). A copy
/// whose host is still running is left alone.
pub fn remove_stale_copies(temp: &Path) {
    let Ok(entries) = fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(COPY_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        let owned_by_us = entry
            .metadata()
            .is_ok_and(|m| m.uid() == effective_ids().uid);
        if owned_by_us && !process_exists(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn process_exists(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists; it sends nothing.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// dlerror's message, naming the reader's file rather than our private copy.
fn not_a_library(error: &libloading::Error, copy: &Path, file: &Path) -> LoadError {
    let reason = std::error::Error::source(error).map_or(error.to_string(), ToString::to_string);
    let copy = copy.display().to_string();
    LoadError::NotALibrary {
        file: file.to_owned(),
        reason: reason.replace(&copy, &file.display().to_string()),
    }
}

fn effective_ids() -> Ids {
    // SAFETY: geteuid and getegid have no preconditions and cannot fail.
    unsafe {
        Ids {
            uid: libc::geteuid(),
            gid: libc::getegid(),
        }
    }
}

/// Only we (or root) may be able to change the file. Group write is allowed for our own
/// group: with a umask of 002 (user private groups, as on Debian and Ubuntu) every file cargo
/// writes is group-writable, by a group that holds only us.
fn check_owner_and_mode(file: &Path, metadata: &fs::Metadata, us: Ids) -> Result<(), LoadError> {
    let mode = metadata.mode();
    if mode & 0o002 != 0 || (mode & 0o020 != 0 && metadata.gid() != us.gid) {
        let file = file.to_owned();
        return Err(LoadError::WritableByOthers { file, mode });
    }
    if metadata.uid() != us.uid && metadata.uid() != 0 {
        return Err(LoadError::WrongOwner {
            file: file.to_owned(),
            owner: metadata.uid(),
            us: us.uid,
        });
    }
    Ok(())
}

/// Reads `GREETER_ABI_VERSION` before anything else is looked up or called.
fn check_abi_version(library: &Library, file: &Path) -> Result<(), LoadError> {
    // SAFETY: in every ABI version this symbol is a `u32` static (the one rule that never
    // changes), and `library` stays loaded while we read it.
    let found = unsafe {
        let symbol = library
            .get::<*const u32>(symbols::ABI_VERSION)
            .map_err(|_| LoadError::MissingSymbol {
                file: file.to_owned(),
                symbol: symbols::ABI_VERSION,
            })?;
        let address: *const u32 = *symbol;
        // A symbol can resolve to address 0 (an absolute symbol): no `u32` to read there.
        if address.is_null() {
            return Err(LoadError::MissingSymbol {
                file: file.to_owned(),
                symbol: symbols::ABI_VERSION,
            });
        }
        address.read()
    };
    if found != abi::ABI_VERSION {
        return Err(LoadError::WrongAbiVersion {
            file: file.to_owned(),
            found,
            expected: abi::ABI_VERSION,
        });
    }
    Ok(())
}

/// Looks up a function and copies its pointer out of the `Symbol` borrow. Only `Plugin`,
/// which keeps the library alive, stores the result.
///
/// # Safety
/// `T` must be the type of the symbol `name` in `library`.
unsafe fn lookup<T: Copy>(
    library: &Library,
    name: &'static str,
    file: &Path,
) -> Result<T, LoadError> {
    // SAFETY: the caller guarantees the symbol's type.
    let symbol = unsafe { library.get::<T>(name) }.map_err(|_| LoadError::MissingSymbol {
        file: file.to_owned(),
        symbol: name,
    })?;
    Ok(*symbol)
}

// ANCHOR: plugin
/// A loaded plugin. Its function pointers are private and never leave this struct, and every
/// answer is copied into a host `String`: nothing from the library outlives `library`.
pub struct Plugin {
    greet: abi::GreetFn,
    shutdown: Option<abi::ShutdownFn>,
    description: String,
    // Kept for its `Drop`, which closes the library.
    _library: Library,
    /// Where the (deleted) private copy was.
    copy: PathBuf,
}

impl Plugin {
    /// What the plugin said about itself when it was loaded.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Greets `name`. `state` changes only if the call succeeds: the plugin returns the new
    /// state, and a panic inside the plugin leaves the host's copy as it was.
    pub fn greet(&self, state: &mut HostState, name: &str) -> Result<String, CallError> {
        let current = *state;
        let mut next = current;
        let answer = call_with_buffer(|out| {
            // SAFETY: `greet` has the type of this ABI (checked at load) and the library is
            // loaded (we own it); `name`, `next` and `out` are valid for this call.
            unsafe { (self.greet)(current, StrRef::new(name), &raw mut next, out) }
        })?;
        *state = next;
        Ok(answer)
    }
}
// ANCHOR_END: plugin

// ANCHOR: shutdown
impl Drop for Plugin {
    /// Lets the plugin stop what it started before `_library` closes it.
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown {
            // SAFETY: `shutdown` has the type of this ABI and the library is still loaded
            // (fields are dropped after this function).
            if let Err(error) = call_with_buffer(|out| unsafe { shutdown(out) }) {
                eprintln!("{}: shutdown failed: {error}", self.description);
            }
        }
    }
}
// ANCHOR_END: shutdown

impl Plugin {
    /// Where the private copy this plugin was loaded from was (it is deleted once open): the
    /// tests check that a reload makes a new one and that no copy is left behind.
    pub fn copy_path(&self) -> &Path {
        &self.copy
    }
}

/// The most a plugin may answer. Beyond this a call fails instead of allocating more.
const MAX_ANSWER: usize = 64 * 1024;

/// Lends the plugin a buffer (a second one of the size it asks for, if too small) and copies
/// the answer into a host `String`. After a buffer too small the plugin runs the call again,
/// from the same arguments: what it does besides answering happens twice.
pub fn call_with_buffer(mut call: impl FnMut(*mut OutBuf) -> Status) -> Result<String, CallError> {
    let mut capacity = 256;
    for _attempt in 0..2 {
        let mut buffer = vec![0u8; capacity];
        let mut out = OutBuf {
            ptr: buffer.as_mut_ptr(),
            cap: buffer.len(),
            len: 0,
        };
        let status = call(&raw mut out);
        if status == Status::BUFFER_TOO_SMALL && out.len > capacity && out.len <= MAX_ANSWER {
            capacity = out.len;
            continue;
        }
        buffer.truncate(out.len.min(capacity));
        return match status {
            Status::OK => String::from_utf8(buffer).map_err(|_| CallError::AnswerNotUtf8),
            Status::PANICKED => Err(CallError::Panicked {
                message: String::from_utf8_lossy(&buffer).into_owned(),
            }),
            Status::BAD_ARGUMENT => Err(CallError::BadArgument),
            Status::BUFFER_TOO_SMALL => Err(CallError::AnswerTooLong { len: out.len }),
            Status(other) => Err(CallError::UnknownStatus(other)),
        };
    }
    Err(CallError::AnswerTooLong { len: capacity })
}

/// The value of `GREETER_ABI_VERSION` in a library's file, read from its bytes without
/// loading it, where `export_greeter!` puts it: a 4-byte constant in read-only data, which
/// the loader maps as it is. `None` when the file does not show it that way (not ELF, no
/// section headers, the symbol not in the library's own dynamic symbols, or in writable data
/// that an initialiser could change): then only `check_abi_version`, after `dlopen`, decides.
fn declared_abi_version(bytes: &[u8]) -> Option<u32> {
    use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};
    let file = object::File::parse(bytes).ok()?;
    let symbol = file
        .dynamic_symbols()
        .find(|symbol| symbol.name() == Ok(symbols::ABI_VERSION))?;
    if symbol.kind() != SymbolKind::Data || symbol.size() != 4 {
        return None;
    }
    let section = file.section_by_index(symbol.section_index()?).ok()?;
    // Read-only and not relocated at load (`.rodata`, which a linker may mark as mergeable
    // strings too); not `.data`, `.bss` or `.data.rel.ro`.
    if !matches!(
        section.kind(),
        SectionKind::ReadOnlyData | SectionKind::ReadOnlyString
    ) {
        return None;
    }
    let value: [u8; 4] = section
        .data_range(symbol.address(), 4)
        .ok()??
        .try_into()
        .ok()?;
    Some(if file.is_little_endian() {
        u32::from_le_bytes(value)
    } else {
        u32::from_be_bytes(value)
    })
}

/// How long an ELF file must be for its segments and section table to be inside it, or `None`
/// if it is not ELF (then the loader decides). A truncated library maps without error, then
/// crashes the process (SIGBUS) when the missing pages are touched. An ELF file whose headers
/// do not parse (its section table is cut off, say) needs more than it has.
fn elf_bytes_needed(bytes: &[u8]) -> Option<u64> {
    use object::read::elf::{ElfFile32, ElfFile64, FileHeader};
    use object::{Endianness, Object, ObjectSegment, ReadRef};

    /// The end of the furthest loaded segment and of the section header table.
    fn needed<'data, Elf: FileHeader<Endian = Endianness>, R: ReadRef<'data>>(
        file: &object::read::elf::ElfFile<'data, Elf, R>,
    ) -> u64 {
        let header = file.elf_header();
        let endian = file.endian();
        let table_size = u64::from(header.e_shentsize(endian)) * u64::from(header.e_shnum(endian));
        let section_table = header.e_shoff(endian).into().saturating_add(table_size);
        file.segments()
            .map(|segment| {
                let (offset, size) = segment.file_range();
                offset.saturating_add(size)
            })
            .fold(section_table, u64::max)
    }

    if !bytes.starts_with(b"\x7fELF") {
        return None;
    }
    let parsed = match bytes.get(4) {
        Some(2) => ElfFile64::<Endianness>::parse(bytes).map(|file| needed(&file)),
        _ => ElfFile32::<Endianness>::parse(bytes).map(|file| needed(&file)),
    };
    Some(parsed.unwrap_or(u64::MAX))
}
