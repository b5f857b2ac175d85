//! Reports a call into a plugin that runs too long. Nothing can stop it: a thread cannot be
//! killed from outside without leaving its locks and memory in any state, so the host can
//! only say so (and a supervisor can restart the whole process).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One thread that reports the call in progress once it has run `limit`. Idle, it looks twice
/// per `limit`; seeing a call, it sleeps until that call's deadline, so the report comes on
/// time. Arming is three atomic writes; nothing wakes the thread per call.
pub struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    epoch: Instant,
    /// When the current call started, in nanoseconds since `epoch` plus one; 0 when idle.
    started: AtomicU64,
    /// Which call that is, so that each one is reported once.
    call: AtomicU64,
    /// What it is: an index into `WHAT`.
    what: AtomicU64,
    stop: AtomicBool,
}

/// Disarms the watchdog when the call returns (or unwinds).
pub struct Armed<'a>(&'a Shared);

impl Watchdog {
    pub fn new(
        limit: Duration,
        report: impl Fn(&'static str, Duration) + Send + 'static,
    ) -> std::io::Result<Watchdog> {
        let shared = Arc::new(Shared {
            epoch: Instant::now(),
            started: AtomicU64::new(0),
            call: AtomicU64::new(0),
            what: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let watched = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("plugin-watchdog".into())
            .spawn(move || {
                let limit_nanos = limit.as_nanos() as u64;
                let mut reported = None;
                let mut nap = limit / 2;
                while !watched.stop.load(Ordering::Acquire) {
                    std::thread::park_timeout(nap);
                    nap = limit / 2;
                    let call = watched.call.load(Ordering::Acquire);
                    let started = watched.started.load(Ordering::Acquire);
                    if started == 0 {
                        continue;
                    }
                    let running = watched.now().saturating_sub(started);
                    if running < limit_nanos {
                        // A call began since the last look: wake at its deadline.
                        nap = Duration::from_nanos(limit_nanos - running);
                    } else if reported != Some(call) {
                        reported = Some(call);
                        let what = WHAT[watched.what.load(Ordering::Acquire) as usize];
                        report(what, Duration::from_nanos(running));
                    }
                }
            })?;
        Ok(Watchdog {
            shared,
            thread: Some(thread),
        })
    }

    /// Watches the call that runs while the returned guard lives.
    pub fn arm(&self, what: Call) -> Armed<'_> {
        self.shared.what.store(what as u64, Ordering::Release);
        self.shared.call.fetch_add(1, Ordering::AcqRel);
        self.shared
            .started
            .store(self.shared.now().max(1), Ordering::Release);
        Armed(&self.shared)
    }
}

/// What the host is waiting for.
#[derive(Clone, Copy)]
pub enum Call {
    /// A call of the plugin's `greet`.
    Greet = 0,
    /// A reload: loading the new version (its constructors, `describe`), then closing the old
    /// one (its `shutdown`).
    Reload = 1,
}

const WHAT: [&str; 2] = ["greet", "a reload"];

impl Shared {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64 + 1
    }
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        self.0.started.store(0, Ordering::Release);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_long_call_is_reported_once_on_time_and_a_short_one_never() {
        let limit = Duration::from_millis(300);
        let (sender, reports) = mpsc::channel();
        let watchdog = Watchdog::new(limit, move |_, running| {
            let _ = sender.send(running);
        })
        .expect("watchdog thread");
        {
            let _short = watchdog.arm(Call::Greet);
        }
        // Between two looks (every 150 ms): a watchdog that only looked every half limit would
        // report this call at 390 ms.
        std::thread::sleep(Duration::from_millis(60));
        {
            let _long = watchdog.arm(Call::Greet);
            let running = reports
                .recv_timeout(Duration::from_secs(10))
                .expect("a report within 10 s");
            assert!(running >= limit, "{running:?}");
            assert!(running < limit + limit / 4, "late: {running:?}");
            std::thread::sleep(limit * 2 / 3); // a look or more after the report
        }
        drop(watchdog); // joins the thread
        assert_eq!(reports.try_iter().count(), 0, "reported once");
    }
}
