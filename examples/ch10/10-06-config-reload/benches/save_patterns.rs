//! Recipe 10.6, "What it costs": the recipe's `Reloader` beside a reloader that reads on
//! `Modify` events only (as config-rs's watch example does), behind notify-debouncer-full
//! (watch the file's directory; on each batch of events, if one is a `Modify` naming the file,
//! read it, parse it and publish it), on the same saves. For each way of saving it counts the
//! saves never seen, the half-written files that went live, and the time from the save's end
//! to a reader seeing it.
//!
//! `cargo bench -p ch10-06-config-reload --bench save_patterns` runs it and prints
//! `bench-result:` lines that `cargo xtask bench-tables` turns into the page's table; under
//! `cargo test` (no `--bench` argument) it only checks that it was built, and returns at once.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ch10_06_config_reload::config::Config;
use ch10_06_config_reload::reloader::{DEBOUNCE, ReloadEvent, Reloader};
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tempfile::TempDir;

/// Saves per way of saving and per reloader.
const SAVES: u64 = 20;
/// A save not visible by then is counted as missed (both reloaders take about `DEBOUNCE`).
const MISSED_AFTER: Duration = Duration::from_secs(1);
/// How often the reader looks.
const POLL: Duration = Duration::from_micros(200);
/// How long the slow writer pauses with the file open, half-written.
const PAUSE: Duration = Duration::from_millis(300);
/// The wait after a save is seen, before the next one. Without it a save's late events can make
/// a reloader read, and publish, the next save early: notify-debouncer-full hands out each event
/// once it is older than its timeout, checking every quarter of it, so one save's events can come
/// out in two batches, and the second batch's read would count as the next save's latency.
const SETTLE: Duration = DEBOUNCE.saturating_mul(2);

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`; `cargo test` runs bench targets without it.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!(
            "save_patterns: built; it measures under `cargo bench` (cargo xtask bench-tables)"
        );
        return Ok(());
    }
    for pattern in PATTERNS {
        for way in [Way::Recipe, Way::Conventional] {
            measure(pattern, way)?;
        }
    }
    Ok(())
}

/// The measured value is the last line, so a file cut inside it can still parse: a half
/// `requests_per_second = 100007` is `requests_per_second = 1`.
fn config_text(value: u64) -> String {
    format!(
        "greeting = \"hello\"\ntimeout_ms = 1500\n\n[limits]\nburst = 10000000\n\
         requests_per_second = {value}\n"
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Pattern {
    InPlace,
    Rename,
    VimBackup,
    ConfigMap,
    Symlink,
    SlowWriter,
}

const PATTERNS: [Pattern; 6] = [
    Pattern::InPlace,
    Pattern::Rename,
    Pattern::VimBackup,
    Pattern::ConfigMap,
    Pattern::Symlink,
    Pattern::SlowWriter,
];

impl Pattern {
    fn name(self) -> &'static str {
        match self {
            Pattern::InPlace => "in_place",
            Pattern::Rename => "rename",
            Pattern::VimBackup => "vim_backup",
            Pattern::ConfigMap => "configmap",
            Pattern::Symlink => "symlink",
            Pattern::SlowWriter => "slow_writer",
        }
    }
}

/// The files of one run: the path the program reads, and where saves really go.
struct Layout {
    dir: TempDir,
    data: u64,
}

impl Layout {
    fn new(pattern: Pattern, text: &str) -> Result<Layout, Box<dyn Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        match pattern {
            Pattern::ConfigMap => {
                fs::create_dir(root.join("..data_0"))?;
                fs::write(root.join("..data_0/app.toml"), text)?;
                symlink("..data_0", &root.join("..data"))?;
                symlink("..data/app.toml", &root.join("app.toml"))?;
            }
            Pattern::Symlink => {
                fs::create_dir(root.join("real"))?;
                fs::write(root.join("real/app.toml"), text)?;
                symlink("real/app.toml", &root.join("app.toml"))?;
            }
            _ => fs::write(root.join("app.toml"), text)?,
        }
        Ok(Layout { dir, data: 0 })
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("app.toml")
    }

    /// Saves `text` the pattern's way; returns when the save is over.
    fn save(&mut self, pattern: Pattern, text: &str) -> std::io::Result<()> {
        let root = self.dir.path().to_owned();
        let path = self.path();
        match pattern {
            Pattern::InPlace => fs::write(&path, text),
            Pattern::Rename => {
                fs::write(root.join("app.toml.tmp"), text)?;
                fs::rename(root.join("app.toml.tmp"), &path)
            }
            Pattern::VimBackup => {
                // vim's default on Linux (`backupcopy=auto` for a plain file): move the file
                // to a backup, write a new file, close it, then set its permissions (and ACL)
                // from the backup's, and remove the backup.
                fs::rename(&path, root.join("app.toml~"))?;
                fs::write(&path, text)?;
                let permissions = fs::metadata(root.join("app.toml~"))?.permissions();
                fs::set_permissions(&path, permissions)?;
                fs::remove_file(root.join("app.toml~"))
            }
            Pattern::ConfigMap => {
                let (old, new) = (self.data, self.data + 1);
                let data = root.join(format!("..data_{new}"));
                fs::create_dir(&data)?;
                fs::write(data.join("app.toml"), text)?;
                symlink(&format!("..data_{new}"), &root.join("..data_tmp"))?;
                fs::rename(root.join("..data_tmp"), root.join("..data"))?;
                fs::remove_dir_all(root.join(format!("..data_{old}")))?;
                self.data = new;
                Ok(())
            }
            Pattern::Symlink => fs::write(root.join("real/app.toml"), text),
            Pattern::SlowWriter => {
                let cut = text.len() - 6; // inside the last number
                let mut file = fs::File::create(&path)?;
                file.write_all(&text.as_bytes()[..cut])?;
                thread::sleep(PAUSE);
                file.write_all(&text.as_bytes()[cut..])
            }
        }
    }
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_: &str, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("symlinks are for Unix here"))
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Recipe,
    Conventional,
}

/// One reloader at work: what a reader sees now, and (at the end) every value it published.
struct Running {
    read: Box<dyn Fn() -> u64>,
    published: Box<dyn Fn() -> Vec<u64>>,
}

fn start(way: Way, path: &Path) -> Result<Running, Box<dyn Error>> {
    match way {
        Way::Recipe => {
            let (reloader, changes) = Reloader::<Config>::start(path)?;
            let handle = reloader.handle();
            Ok(Running {
                read: Box::new(move || rate(&handle.load().config)),
                published: Box::new(move || {
                    let _keep = &reloader;
                    let reloaded = changes.try_iter().filter_map(|change| match change {
                        ReloadEvent::Reloaded(snapshot) => Some(rate(&snapshot.config)),
                        ReloadEvent::Rejected(_) => None,
                    });
                    reloaded.collect()
                }),
            })
        }
        Way::Conventional => {
            let current = Arc::new(AtomicU64::new(0));
            let published = Arc::new(Mutex::new(Vec::new()));
            let debouncer = conventional(path, &current, &published)?;
            Ok(Running {
                read: Box::new(move || current.load(Ordering::SeqCst)),
                published: Box::new(move || {
                    let _keep = &debouncer;
                    published
                        .lock()
                        .map(|values| values.clone())
                        .unwrap_or_default()
                }),
            })
        }
    }
}

fn rate(config: &Config) -> u64 {
    u64::from(config.limits.requests_per_second())
}

/// Reads the file on `Modify` events naming it, as config-rs's watch example does.
fn conventional(
    path: &Path,
    current: &Arc<AtomicU64>,
    published: &Arc<Mutex<Vec<u64>>>,
) -> Result<Debouncer<RecommendedWatcher, RecommendedCache>, Box<dyn Error>> {
    let load = |path: &Path| -> Option<u64> {
        let text = fs::read_to_string(path).ok()?;
        Some(rate(&toml::from_str::<Config>(&text).ok()?))
    };
    current.store(load(path).ok_or("the first file")?, Ordering::SeqCst);
    let (file, name) = (
        path.to_owned(),
        path.file_name().ok_or("a file name")?.to_owned(),
    );
    let (current, published) = (Arc::clone(current), Arc::clone(published));
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let ours = events.iter().any(|event| {
            matches!(event.kind, EventKind::Modify(_))
                && event
                    .paths
                    .iter()
                    .any(|p| p.file_name() == Some(name.as_os_str()))
        });
        if let Some(value) = ours.then(|| load(&file)).flatten() {
            current.store(value, Ordering::SeqCst);
            published.lock().expect("not poisoned").push(value);
        }
    })?;
    let dir = path.parent().ok_or("a directory")?;
    debouncer.watch(dir, RecursiveMode::NonRecursive)?;
    Ok(debouncer)
}

fn measure(pattern: Pattern, way: Way) -> Result<(), Box<dyn Error>> {
    let mut layout = Layout::new(pattern, &config_text(100_000))?;
    let running = start(way, &layout.path())?;
    let mut latencies = Vec::new();
    let mut missed = 0;
    for save in 1..=SAVES {
        let value = 100_000 + save;
        layout.save(pattern, &config_text(value))?;
        let saved = Instant::now();
        loop {
            if (running.read)() == value {
                latencies.push(saved.elapsed());
                break;
            }
            if saved.elapsed() > MISSED_AFTER {
                missed += 1;
                break;
            }
            thread::sleep(POLL);
        }
        thread::sleep(SETTLE);
    }
    let published = (running.published)();
    let half = published
        .iter()
        .filter(|&&v| !(100_001..=100_000 + SAVES).contains(&v))
        .count();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let rank = |p: f64| {
        latencies
            .get(((p * latencies.len() as f64).ceil() as usize).max(1) - 1)
            .map_or(-1.0, |d| ms(*d))
    };
    let way = match way {
        Way::Recipe => "recipe",
        Way::Conventional => "conventional",
    };
    println!(
        "bench-result: saves_{}_{way} n={SAVES} missed={missed} half={half} p50_ms={:.3} \
         p99_ms={:.3} debounce_ms={:.3} settle_ms={:.3}",
        pattern.name(),
        rank(0.5),
        rank(0.99),
        ms(DEBOUNCE),
        ms(SETTLE),
    );
    drop(running);
    Ok(())
}
