//! `cargo xtask bench-tables`: runs the recipes' benchmarks (each in its package's `benches/`)
//! and writes the Markdown tables
//! the book includes (`src/ch10/bench/*.md`), each stamped with the machine, the toolchain, the
//! date and the load, and with a hash that `tests/bench_tables.rs` checks.
//!
//! Criterion's figure for a benchmark is the point estimate it prints as `time:` (the slope
//! of its linear fit), read from `$CRITERION_HOME/<group>/<name>/new/estimates.json`. The
//! latency benchmark prints `bench-result:` lines of its own.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::root;
use book_support::stamp::{stamp, verify};

/// Where the tables go, relative to the repository.
const TABLES: &str = "src/ch10/bench";

pub fn run() -> Result<(), String> {
    let load_before = load_average();
    if load_before > 0.5 {
        eprintln!(
            "xtask: load average {load_before:.2}: other work is running, expect noisy figures"
        );
    }
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let criterion_home = target.join("bench-tables").join("criterion");
    let _ = fs::remove_dir_all(&criterion_home); // never report a stale result
    let mut results = String::new();
    for (package, bench) in BENCHES {
        results += &cargo_bench(package, bench, &criterion_home)?;
    }
    // The cost benches print the same names: prefix each with its package.
    for (package, _) in CODE_RELOADERS {
        let printed = cargo_bench(package, "cost", &criterion_home)?;
        results += &printed.replace("bench-result: ", &format!("bench-result: {package}/"));
    }
    let load_after = load_average();

    let measured = Measured {
        criterion: &criterion_home,
        results: parse_results(&results)?,
        stamp: format!(
            "Measured by `cargo xtask bench-tables` on {}; load average {load_before:.2} before \
             the run, {load_after:.2} after.",
            machine()
        ),
    };
    let tables = root().join(TABLES);
    fs::create_dir_all(&tables).map_err(|e| format!("{}: {e}", tables.display()))?;
    for (file, body) in [
        ("10-06-counters.md", measured.counters()?),
        ("10-06-config-read.md", measured.config_read()?),
        ("10-06-reload-latency.md", measured.reload_latency()?),
        ("10-06-plugin-swap.md", measured.plugin_swap()?),
        ("10-06-code-reload-cost.md", measured.code_reload_cost()?),
        ("10-06-save-patterns.md", measured.save_patterns()?),
    ] {
        let path = tables.join(file);
        let text = stamp(&body);
        verify(&text)?; // what tests/bench_tables.rs will check
        fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("xtask: wrote {}", path.display());
        eprint!("{body}");
    }
    Ok(())
}

/// The benchmarks behind the tables: (package, bench target).
const BENCHES: [(&str, &str); 5] = [
    ("ch10-06-reloading-modules", "counters"),
    ("ch10-06-config-reload", "config_read"),
    ("ch10-06-config-reload", "reload_latency"),
    ("ch10-06-plugin-host", "plugin_swap"),
    ("ch10-06-config-reload", "save_patterns"),
];

/// The ways of reloading code, side by side: (package, column heading). Each has a bench
/// `cost` that prints `call`, `swap` and `memory` results.
const CODE_RELOADERS: [(&str, &str); 3] = [
    ("ch10-06-plugin-host", "dynamic library"),
    ("ch10-06-process-plugin", "child process"),
    ("ch10-06-script-reload", "script"),
];

/// `cargo bench -p PACKAGE --bench NAME`; returns what the benchmark printed on standard output.
fn cargo_bench(package: &str, name: &str, criterion_home: &Path) -> Result<String, String> {
    eprintln!("xtask: cargo bench -p {package} --bench {name} …");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["bench", "--package", package, "--bench", name])
        .env("CRITERION_HOME", criterion_home)
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{stdout}");
    if !output.status.success() {
        return Err(format!(
            "cargo bench -p {package} --bench {name} failed ({})",
            output.status
        ));
    }
    Ok(stdout)
}

/// `bench-result: NAME key=value…` lines → NAME → key → value.
fn parse_results(stdout: &str) -> Result<BTreeMap<String, BTreeMap<String, f64>>, String> {
    let mut results = BTreeMap::new();
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("bench-result: ") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let name = words.next().ok_or("a bench-result line without a name")?;
        let mut values = BTreeMap::new();
        for word in words {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| format!("bad bench-result field {word:?}"))?;
            let value = value
                .parse()
                .map_err(|_| format!("bad number in bench-result field {word:?}"))?;
            values.insert(key.to_owned(), value);
        }
        results.insert(name.to_owned(), values);
    }
    Ok(results)
}

struct Measured<'a> {
    criterion: &'a Path,
    results: BTreeMap<String, BTreeMap<String, f64>>,
    stamp: String,
}

impl Measured<'_> {
    /// Criterion's estimate for `group/name`, in nanoseconds.
    fn ns(&self, group: &str, name: &str) -> Result<f64, String> {
        let file = self
            .criterion
            .join(group)
            .join(name)
            .join("new/estimates.json");
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        // The slope (criterion's `time:`); `null` when criterion sampled flat, then the mean.
        ["slope", "mean"]
            .iter()
            .find_map(|key| point_estimate(&json, key))
            .ok_or_else(|| format!("{}: no point estimate", file.display()))
    }

    fn result(&self, name: &str, key: &str) -> Result<f64, String> {
        self.results
            .get(name)
            .and_then(|values| values.get(key))
            .copied()
            .ok_or_else(|| format!("the benchmark printed no `{name} {key}=…`"))
    }

    fn counters(&self) -> Result<String, String> {
        let rows = [
            (
                "atomic_relaxed",
                "`static AtomicUsize`, `fetch_add(1, Relaxed)`: the recipe's `counter::increment`",
            ),
            (
                "atomic_seqcst",
                "`static AtomicUsize`, `fetch_add(1, SeqCst)`",
            ),
            ("mutex", "`static Mutex<usize>`: lock, add one"),
            (
                "per_thread_slots",
                "one slot (cache line) per thread, summed on read",
            ),
            (
                "thread_local",
                "`thread_local!` `Cell`: the recipe's `count_call_on_this_thread`, never summed",
            ),
            (
                "instance",
                "an instance `Counter` per thread, through `&mut`: the recipe's `Counter::increment`",
            ),
        ];
        let mut out = String::from(
            "| counter | one thread | two threads at once, each |\n| --- | ---: | ---: |\n",
        );
        for (id, label) in rows {
            let one = self.ns("counter_1_thread", id)?;
            let two = self.ns("counter_2_threads", id)?;
            out += &format!("| {label} | {} | {} |\n", ns(one), ns(two));
        }
        out += &format!(
            "\nTime per increment, criterion's estimate. \"One thread\": criterion's `iter` \
             loop, which calls the measured code once per iteration. \"Two threads at once\": \
             both threads run the benchmark's own loop (`iter_custom`) at the same time, each \
             the same number of times, and the time is per increment on each thread. The two \
             columns are measured differently, so compare rows within a column, not across \
             columns. {}\n",
            self.stamp
        );
        Ok(out)
    }

    fn config_read(&self) -> Result<String, String> {
        let rows = [
            ("plain_ref", "`&Config`, a plain reference"),
            ("arc", "`Arc<Config>`"),
            (
                "arcswap_load",
                "`ArcSwap::load` (what the reloader's `ConfigHandle::load` does)",
            ),
            (
                "arcswap_cache",
                "`arc_swap::Cache::load`, one cache per reader thread",
            ),
            ("rwlock_read", "`RwLock<Arc<_>>::read`"),
            (
                "rwlock_clone_arc",
                "`RwLock<Arc<_>>::read` and `Arc::clone`: the config module's `current()`",
            ),
            ("mutex_lock", "`Mutex<Arc<_>>::lock`"),
        ];
        let base = self.ns("config_read", "plain_ref")?;
        let mut out = String::from(
            "| how the reader gets `timeout_ms` | no writer | × `&Config` | a writer swapping \
             continuously | × `&Config` |\n| --- | ---: | ---: | ---: | ---: |\n",
        );
        for (id, label) in rows {
            let alone = self.ns("config_read", id)?;
            let contended = match id {
                "plain_ref" | "arc" => None,
                _ => Some(self.ns("config_read_writer", id)?),
            };
            let (c_ns, c_ratio) =
                contended.map_or(("—".into(), "—".into()), |c| (ns(c), ratio(c / base)));
            out += &format!(
                "| {label} | {} | {} | {c_ns} | {c_ratio} |\n",
                ns(alone),
                ratio(alone / base)
            );
        }
        out += &format!(
            "\nTime per read of one field, criterion's estimate; \"× `&Config`\": times the plain \
             read with no writer. The writer stores a new configuration as fast as it can on the \
             other core. {}\n",
            self.stamp,
        );
        Ok(out)
    }

    fn reload_latency(&self) -> Result<String, String> {
        let get = |key| self.result("reload_latency", key);
        let debounce = get("debounce_ms")?;
        let mut out = String::from(
            "| reloads | `DEBOUNCE` | median | p99 | slowest | fastest |\n\
             | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        );
        out += &format!(
            "| {:.0} | {} | {} | {} | {} | {} |\n",
            get("n")?,
            ms(debounce),
            over(get("median_ms")?, debounce),
            over(get("p99_ms")?, debounce),
            over(get("max_ms")?, debounce),
            over(get("min_ms")?, debounce),
        );
        out += &format!(
            "\nFrom the moment a rename-save returns to the moment a reader's `load()` returns the \
             new value, with the recipe's `Reloader` and its `DEBOUNCE`; the reader looks every \
             {}. In brackets, the time above (or below) the debounce. {}\n",
            ms(get("poll_ms")?),
            self.stamp,
        );
        Ok(out)
    }

    fn plugin_swap(&self) -> Result<String, String> {
        let mut out = String::from(
            "| step | swaps | median | fastest | slowest |\n| --- | ---: | ---: | ---: | ---: |\n",
        );
        for (name, label) in [
            (
                "plugin_load",
                "`PluginDir::load` of the new version: checks, private copy, `dlopen`, ABI \
                 check, lookups, first call",
            ),
            ("plugin_close", "dropping the old `Plugin` (`dlclose`)"),
            ("plugin_swap", "the whole swap"),
        ] {
            let get = |key| self.result(name, key);
            out += &format!(
                "| {label} | {:.0} | {} | {} | {} |\n",
                get("n")?,
                ms(get("median_ms")?),
                ms(get("min_ms")?),
                ms(get("max_ms")?),
            );
        }
        out += &format!(
            "\nThe demo's v1 and v2 plugins, built once with `rustc` (not timed) and installed \
             in turn at the same path, as cargo does; each swap is checked by a call to the new \
             version (not timed). {}\n",
            self.stamp,
        );
        Ok(out)
    }

    fn save_patterns(&self) -> Result<String, String> {
        let rows = [
            (
                "in_place",
                "written in place (`fs::write`: truncate, write, close)",
            ),
            (
                "rename",
                "a temporary file renamed over it (`sed -i`, many editors)",
            ),
            (
                "vim_backup",
                "moved to a backup, a new file written, the backup removed (vim)",
            ),
            (
                "configmap",
                "a Kubernetes ConfigMap update (`..data` re-pointed)",
            ),
            ("symlink", "the target of a symlink written in place"),
            (
                "slow_writer",
                "written in place with a 300 ms pause, the file half-written",
            ),
        ];
        let mut out = String::from(
            "| the file is… | recipe: missed | half files live | median | p99 | common way: \
             missed | half files live | median | p99 |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        );
        let mut saves = 0.0;
        for (id, label) in rows {
            out += &format!("| {label} |");
            for way in ["recipe", "conventional"] {
                let get = |key| self.result(&format!("saves_{id}_{way}"), key);
                saves = get("n")?;
                let latency = |key| get(key).map(|v| if v < 0.0 { "—".into() } else { ms(v) });
                out += &format!(
                    " {:.0} | {:.0} | {} | {} |",
                    get("missed")?,
                    get("half")?,
                    latency("p50_ms")?,
                    latency("p99_ms")?,
                );
            }
            out += "\n";
        }
        out += &format!(
            "\n{saves:.0} saves of each kind for each reloader, one after another: each {} after \
             the one before was seen or missed, so that no save's late events reach the next. \
             \"Missed\": not \
             visible to a reader within 1 s. \"Half files live\": publications of a value that \
             no save wrote, counted each time (one half file can be published more than \
             once, so this can exceed the saves; the file is cut inside its last number, so a \
             half file parses). Median and \
             p99 (of {saves:.0}, the slowest): from the end of the save to a reader's load \
             returning it, for the saves seen. The common way: notify-debouncer-full with the \
             same {} timeout on the file's directory, reading the file after a batch holding a \
             `Modify` event that names it: that filter, not the debouncer, drops the other \
             saves. {}\n",
            ms(self.result("saves_in_place_recipe", "settle_ms")?),
            ms(self.result("saves_in_place_recipe", "debounce_ms")?),
            self.stamp,
        );
        Ok(out)
    }
}

impl Measured<'_> {
    fn code_reload_cost(&self) -> Result<String, String> {
        let mut out = String::from("| |");
        for (_, heading) in CODE_RELOADERS {
            out += &format!(" {heading} |");
        }
        out += "\n| --- |";
        out += &" ---: |".repeat(CODE_RELOADERS.len());
        let rows = [
            ("a greeting call, median / p99", "call"),
            (
                "a swap: load the new version, drop the old one, call the new one once, median / p99",
                "swap",
            ),
            (
                "memory: what the host keeps per version loaded (resident, over the swaps); and \
                 what the running version itself takes, where it is a process",
                "memory",
            ),
        ];
        for (label, name) in rows {
            out += &format!("\n| {label} |");
            for (package, _) in CODE_RELOADERS {
                let get = |key: &str| self.result(&format!("{package}/{name}"), key);
                let cell = match name {
                    "call" => format!("{} / {}", ns(get("median_ns")?), ns(get("p99_ns")?)),
                    "swap" => format!("{} / {}", us(get("median_us")?), us(get("p99_us")?)),
                    _ => match get("plugin_process_kb") {
                        Ok(process) => {
                            format!("{}; the child: {}", kb(get("kb_per_version")?), kb(process))
                        }
                        Err(_) => kb(get("kb_per_version")?),
                    },
                };
                out += &format!(" {cell} |");
            }
        }
        out += &format!(
            "\n\nThe same greeting (`greet(name, count)`, the count kept by the host) through each \
             approach; each package's `benches/cost.rs`. The library's call is timed in batches \
             of a thousand (one is too short to time alone), so its median and p99 are of batch \
             averages, smoother than the others'; the child process's and the script's calls, \
             and every swap, one by one. {}\n",
            self.stamp,
        );
        Ok(out)
    }
}

fn us(value: f64) -> String {
    if value < 1000.0 {
        format!("{value:.0} µs")
    } else {
        ms(value / 1000.0)
    }
}

fn kb(value: f64) -> String {
    if value < 1024.0 {
        format!("{value:.0} kB")
    } else {
        format!("{:.1} MB", value / 1024.0)
    }
}

/// The `point_estimate` of the JSON object that starts at `key`, if it is not `null`.
/// `estimates.json` as criterion writes it: each estimate is `null` or has a `point_estimate`.
fn point_estimate(json: &serde_json::Value, key: &str) -> Option<f64> {
    json.get(key)?.get("point_estimate")?.as_f64()
}

fn ns(value: f64) -> String {
    if value < 1.0 {
        format!("{:.2} ns", value)
    } else if value < 100.0 {
        format!("{value:.1} ns")
    } else {
        format!("{value:.0} ns")
    }
}

fn ms(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2} ms")
    } else {
        format!("{value:.1} ms")
    }
}

/// `value` and, in brackets, how far above (or below) the debounce it is.
fn over(value: f64, debounce: f64) -> String {
    format!("{} ({})", ms(value), signed_ms(value - debounce))
}

fn signed_ms(value: f64) -> String {
    if value < 0.0 {
        format!("−{}", ms(-value))
    } else {
        format!("+{}", ms(value))
    }
}

fn ratio(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.1}×")
    } else {
        format!("{value:.0}×")
    }
}

/// The one-minute load average (0 where there is no `/proc/loadavg`).
fn load_average() -> f64 {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// "CPU model, N cores, rustc version, date" (also stamped on `cargo xtask time-tests`).
pub fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "an unknown rustc".into());
    format!("{cpu}, {cores} cores, {rustc}, {}", today())
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::point_estimate;

    /// The shape of criterion 0.8's `new/estimates.json`, shortened.
    const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,
        "lower_bound":4.1,"upper_bound":4.5},"point_estimate":4.3,"standard_error":0.1},
        "median":{"point_estimate":4.2},"slope":null}"#;

    #[test]
    fn reads_the_point_estimate_and_skips_a_null_slope() {
        let json: serde_json::Value = serde_json::from_str(ESTIMATES).expect("valid JSON");
        assert_eq!(point_estimate(&json, "slope"), None);
        assert_eq!(point_estimate(&json, "mean"), Some(4.3));
    }

    #[test]
    fn today_is_a_date() {
        let today = super::today();
        assert_eq!(today.len(), 10, "{today}");
        assert!(today.parse::<jiff::civil::Date>().is_ok(), "{today}");
    }
}
