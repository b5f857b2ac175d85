//! Cleaning up: instances are dropped, statics never are.

use std::io::{self, BufWriter, Write};
use std::sync::{Mutex, PoisonError};

// ANCHOR: farewell
/// Says when it is dropped: the Rust counterpart of the Zig recipe's `deinit`, called for you.
pub struct Farewell(pub &'static str);

impl Drop for Farewell {
    fn drop(&mut self) {
        println!("dropped: {}", self.0);
    }
}

/// A static lives until the process ends, and its `Drop` never runs.
pub static FOREVER: Farewell = Farewell("a static");
// ANCHOR_END: farewell

type Sink = Box<dyn Write + Send>;

/// A buffered log in a static, for code anywhere in the program to write to.
static LOG: Mutex<Option<BufWriter<Sink>>> = Mutex::new(None);

pub fn open_log(out: impl Write + Send + 'static) {
    let sink: Sink = Box::new(out);
    *LOG.lock().unwrap_or_else(PoisonError::into_inner) = Some(BufWriter::new(sink));
}

pub fn log(line: &str) -> io::Result<()> {
    match LOG.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
        Some(out) => writeln!(out, "{line}"),
        None => Ok(()),
    }
}

/// The buffer is never flushed for you (the static is never dropped): call this before
/// the program ends, or what is still buffered is lost.
pub fn flush_log() -> io::Result<()> {
    match LOG.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
        Some(out) => out.flush(),
        None => Ok(()),
    }
}

/// Makes a `&'static` from a value built at run time, for APIs that keep a reference for
/// the rest of the program (a global logger, a config read by every thread). The memory is
/// never freed, so do it once, not in a loop.
pub fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// What `main` runs: a local value is dropped, a static is not, and a static buffer
/// keeps whatever was not flushed.
pub fn demo() -> io::Result<()> {
    {
        let _local = Farewell("a local value");
    } // dropped here
    println!("{} lives until the process ends", FOREVER.0);

    open_log(io::stdout());
    log("log: written and flushed")?;
    flush_log()?;
    log("log: still in the buffer when the program ends")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    /// Runs `demo` in a process of its own (this test binary, asked to run one test) and
    /// reads what it printed by the time the process ended.
    #[test]
    fn statics_are_never_dropped() {
        let child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "cleanup::tests::demo_in_a_child_process"])
            .args(["--ignored", "--nocapture", "--test-threads=1"])
            .output()
            .expect("run the child process");
        assert!(child.status.success(), "{child:?}");
        let printed = String::from_utf8(child.stdout).expect("utf-8");
        assert!(printed.contains("dropped: a local value"));
        assert!(printed.contains("log: written and flushed"));
        assert!(!printed.contains("dropped: a static"));
        assert!(!printed.contains("still in the buffer"));
    }

    #[test]
    #[ignore = "run in a child process by `statics_are_never_dropped`"]
    fn demo_in_a_child_process() {
        demo().expect("demo");
    }

    #[test]
    fn leaked_values_live_for_the_rest_of_the_program() {
        let name: &'static String = leak(format!("logger #{}", 1));
        let kept = std::thread::spawn(move || name.len())
            .join()
            .expect("thread");
        assert_eq!(kept, "logger #1".len());
    }
}
