//! Recipe 10.6: the contract between the greeter host (`examples/ch10/10-06-plugin-host/`) and
//! its plugins, and the macro that exports it.
//!
//! A plugin exports, with C linkage and unmangled names:
//! - `GREETER_ABI_VERSION: u32`, read by the host before it calls anything;
//! - `greeter_describe(out: *mut OutBuf) -> Status`;
//! - `greeter_greet(state: HostState, name: StrRef, next: *mut HostState, out: *mut OutBuf) -> Status`;
//! - `greeter_shutdown(out: *mut OutBuf) -> Status`, optional, called before the library is closed.
//!
//! Write them with [`export_greeter!`], not by hand: it catches panics (a panic escaping an
//! `extern "C"` function aborts the process) and writes the new state only when the call
//! succeeds. The host owns all memory: it lends strings and buffers for one call, so nothing
//! the plugin allocates or borrows outlives the call.
//!
//! Changing a signature, a `#[repr(C)]` layout or the meaning of a status means bumping
//! [`ABI_VERSION`]; only the type of `GREETER_ABI_VERSION` may never change.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, Once, PoisonError};

// ANCHOR: contract
// The rule that makes unloading possible: when an exported function returns, nothing of the
// plugin runs any more, except what its `shutdown` stops. A plugin that starts a thread, a
// timer or an async runtime stops it in `Greeter::shutdown`, which the host calls before it
// closes the library; code still running from a closed library would run from unmapped
// memory. Callbacks cannot be undone; `atexit` handlers run at `dlclose` with glibc, but may
// run at exit elsewhere, after the code is gone: a plugin must register neither.

/// The version of this contract. The host refuses plugins built for another one.
pub const ABI_VERSION: u32 = 1;

/// The names the plugin exports and the host looks up.
pub mod symbols {
    pub const ABI_VERSION: &str = "GREETER_ABI_VERSION";
    pub const DESCRIBE: &str = "greeter_describe";
    pub const GREET: &str = "greeter_greet";
    /// Optional: a plugin without it has nothing to stop.
    pub const SHUTDOWN: &str = "greeter_shutdown";
}

/// `greeter_describe`: writes one line naming the plugin into `out`.
pub type DescribeFn = unsafe extern "C" fn(out: *mut OutBuf) -> Status;
/// `greeter_greet`: greets `name`, writes the answer into `out` and the new state into `next`.
pub type GreetFn = unsafe extern "C" fn(
    state: HostState,
    name: StrRef,
    next: *mut HostState,
    out: *mut OutBuf,
) -> Status;
/// `greeter_shutdown`: stops whatever the plugin left running; `out` gets a panic message.
pub type ShutdownFn = unsafe extern "C" fn(out: *mut OutBuf) -> Status;

/// What every exported function returns. A plain integer, so no value is ever invalid.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(pub i32);

impl Status {
    pub const OK: Status = Status(0);
    /// The plugin panicked; `out` holds the panic message (maybe cut short).
    pub const PANICKED: Status = Status(1);
    /// `out` is too small; `out.len` is the length needed. Nothing else was written.
    pub const BUFFER_TOO_SMALL: Status = Status(2);
    /// An argument broke the contract: a null pointer, or a name that is not UTF-8.
    pub const BAD_ARGUMENT: Status = Status(3);
}

/// The state the host owns and keeps across reloads. A plugin gets a copy and returns the new
/// value; it never keeps it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostState {
    pub greetings: u64,
}
// ANCHOR_END: contract

/// A UTF-8 string the host lends for the duration of one call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct StrRef {
    pub ptr: *const u8,
    pub len: usize,
}

impl StrRef {
    #[must_use]
    pub fn new(s: &str) -> StrRef {
        StrRef {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// The string, or `None` if the pointer is null or the bytes are not UTF-8.
    ///
    /// # Safety
    /// A non-null `ptr` must point to `len` bytes that stay valid and unchanged for `'a`.
    #[must_use]
    pub unsafe fn as_str<'a>(self) -> Option<&'a str> {
        if self.ptr.is_null() {
            return None;
        }
        // SAFETY: the caller guarantees `ptr` points to `len` live bytes for `'a`.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr, self.len) };
        std::str::from_utf8(bytes).ok()
    }
}

/// A buffer the host lends for one call: the plugin copies its UTF-8 answer into it and sets
/// `len`.
#[repr(C)]
#[derive(Debug)]
pub struct OutBuf {
    pub ptr: *mut u8,
    pub cap: usize,
    pub len: usize,
}

/// What a plugin implements. Plain safe Rust: [`export_greeter!`] does the C side.
pub trait Greeter {
    /// One line naming the plugin and its version.
    fn describe() -> String;
    /// Greets `name` and updates the host's state. If this panics, the host keeps its old state.
    fn greet(state: &mut HostState, name: &str) -> String;
    /// Stops any thread or timer the plugin started; the host calls it before closing the
    /// library. Nothing to do by default.
    fn shutdown() {}
}

/// Exports `$greeter` (a type implementing [`Greeter`]) as a greeter plugin: the ABI version
/// static and one `extern "C"` function per trait method, each behind [`guard`].
#[macro_export]
macro_rules! export_greeter {
    ($greeter:ty) => {
        /// The ABI this plugin was built for; the host reads it before calling anything.
        #[unsafe(no_mangle)]
        pub static GREETER_ABI_VERSION: u32 = $crate::ABI_VERSION;

        /// # Safety
        /// As `greeter_plugin_abi::guard`: `out` is null or a buffer lent for this call.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn greeter_describe(out: *mut $crate::OutBuf) -> $crate::Status {
            // SAFETY: our caller keeps the contract of `guard` (see the `# Safety` above).
            unsafe { $crate::guard(out, || Ok(<$greeter as $crate::Greeter>::describe())) }
        }

        /// # Safety
        /// As `greeter_plugin_abi::guard_greet`: `name`, `next`, `out` null or lent for this call.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn greeter_greet(
            state: $crate::HostState,
            name: $crate::StrRef,
            next: *mut $crate::HostState,
            out: *mut $crate::OutBuf,
        ) -> $crate::Status {
            // SAFETY: our caller keeps the contract of `guard_greet` (see the `# Safety` above).
            unsafe {
                $crate::guard_greet(state, name, next, out, <$greeter as $crate::Greeter>::greet)
            }
        }

        /// # Safety
        /// As `greeter_plugin_abi::guard`: `out` is null or a buffer lent for this call.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn greeter_shutdown(out: *mut $crate::OutBuf) -> $crate::Status {
            // SAFETY: our caller keeps the contract of `guard` (see the `# Safety` above).
            unsafe {
                $crate::guard(out, || {
                    <$greeter as $crate::Greeter>::shutdown();
                    Ok(String::new())
                })
            }
        }
    };
}

// ANCHOR: guard
/// Runs `body` inside the plugin, where a panic can be caught, and writes its answer (or the
/// panic message) into `out`. Every exported function goes through here: a panic that reached
/// the `extern "C"` boundary would abort the host.
///
/// # Safety
/// `out` must be null or point to an `OutBuf` whose `ptr` has `cap` writable bytes, all lent
/// by the host for this call.
pub unsafe fn guard(out: *mut OutBuf, body: impl FnOnce() -> Result<String, Status>) -> Status {
    if out.is_null() {
        return Status::BAD_ARGUMENT;
    }
    QUIET_PANICS.call_once(|| panic::set_hook(Box::new(record_location)));
    // AssertUnwindSafe: after a panic we only read the message; `body`'s state is dropped.
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        // SAFETY: `out` is valid for this call (our caller's contract).
        Ok(Ok(answer)) => unsafe { write_answer(out, &answer) },
        Ok(Err(status)) => status,
        Err(payload) => {
            let location = PANIC_LOCATION.lock().map_or(None, |mut at| at.take());
            let mut message = panic_message(payload.as_ref()).to_owned();
            if let Some(location) = location {
                message = format!("{message} (at {location})");
            }
            // SAFETY: as above.
            unsafe { write_truncated(out, &message) };
            // A payload whose `Drop` panics would unwind out of this `extern "C"` function and
            // abort the host (rust-lang/rust#86027): leak it instead, a few bytes per panic.
            std::mem::forget(payload);
            Status::PANICKED
        }
    }
}

// ANCHOR_END: guard

/// [`guard`] for `greet`: the new state reaches `next` only if `greet` returns normally and
/// its answer fits into `out`, so a failed call leaves the host's state as it was.
///
/// # Safety
/// As [`guard`]; `name` as in [`StrRef::as_str`]; `next` must be null or valid for a write.
pub unsafe fn guard_greet(
    state: HostState,
    name: StrRef,
    next: *mut HostState,
    out: *mut OutBuf,
    greet: fn(&mut HostState, &str) -> String,
) -> Status {
    if next.is_null() {
        return Status::BAD_ARGUMENT;
    }
    let mut new_state = state;
    let body = || {
        // SAFETY: the host lends `name` for this call.
        let name = unsafe { name.as_str() }.ok_or(Status::BAD_ARGUMENT)?;
        Ok(greet(&mut new_state, name))
    };
    // SAFETY: `out` is valid for this call (our caller's contract).
    let status = unsafe { guard(out, body) };
    if status == Status::OK {
        // SAFETY: `next` is non-null and valid for a write (our caller's contract).
        unsafe { next.write(new_state) };
    }
    status
}

// ANCHOR: panic_hook
/// This plugin's own panic hook, set on its first call. Every copy of a plugin carries its own
/// `std`, and the default hook of that `std` prints a backtrace when `RUST_BACKTRACE` is set:
/// it loads debug information into a cache that closing the library never frees, once per
/// load. This hook only notes where the panic happened; `guard` adds it to the message the
/// host gets. It replaces the default hook, so a panic outside `guard` prints nothing.
static QUIET_PANICS: Once = Once::new();
static PANIC_LOCATION: Mutex<Option<String>> = Mutex::new(None);

fn record_location(info: &panic::PanicHookInfo<'_>) {
    let location = info.location().map(|at| {
        // The file name, not the path: the path is wherever the plugin was built.
        let file = at.file().rsplit(['/', '\\']).next().unwrap_or(at.file());
        format!("{file}:{}:{}", at.line(), at.column())
    });
    *PANIC_LOCATION
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = location;
}
// ANCHOR_END: panic_hook

/// Copies `answer` into `out`, or asks for a bigger buffer.
///
/// # Safety
/// `out` must be non-null and valid as described in [`guard`].
unsafe fn write_answer(out: *mut OutBuf, answer: &str) -> Status {
    // SAFETY: `out` is valid and ours for this call.
    let out = unsafe { &mut *out };
    if answer.len() > out.cap || out.ptr.is_null() {
        out.len = answer.len();
        return Status::BUFFER_TOO_SMALL;
    }
    // SAFETY: `out.ptr` has `out.cap >= answer.len()` writable bytes that `answer` cannot
    // overlap (the host lent them empty).
    unsafe { std::ptr::copy_nonoverlapping(answer.as_ptr(), out.ptr, answer.len()) };
    out.len = answer.len();
    Status::OK
}

/// Copies as much of `text` as fits into `out`, cut at a character boundary.
///
/// # Safety
/// As [`write_answer`].
unsafe fn write_truncated(out: *mut OutBuf, text: &str) {
    // SAFETY: `out` is valid and ours for this call.
    let cap = unsafe { (*out).cap };
    let mut end = text.len().min(cap);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // SAFETY: `text[..end]` fits into `out` (same contract).
    unsafe { write_answer(out, &text[..end]) };
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "(a panic without a message)"
    }
}
