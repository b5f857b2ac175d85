//! The fault column of recipe 10.6's comparison: provokes each fault against the real host
//! (the reloader watching a real file, the host keeping the count) and prints one line per
//! fault, `KEY | CELL`, where CELL says what was observed. Run it with
//! `cargo run -q -p ch10-06-script-reload --example faults_script`.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::thread;
use std::time::Duration;

use ch10_06_script_reload::Host;
use ch10_06_script_reload::reloader::{Options, ReloadEvent, Reloader};
use ch10_06_script_reload::script::{ScriptEngine, ScriptError};

const V1: &str = include_str!("../scripts/v1.rhai");
const V2: &str = include_str!("../scripts/v2.rhai");
const EVENT_TIMEOUT: Duration = Duration::from_secs(20);
const CELL_MAX: usize = 70;
/// How long the writer of `replaced-while-writing` pauses half-way, the file open.
const WRITER_PAUSE: Duration = Duration::from_millis(300);

/// Faults provoked by saving a script; each expected to be refused.
const SAVED: [(&str, &str); 9] = [
    ("panic", "fn greet(name, count) {\n    throw \"boom\";\n}\n"),
    // Out of memory would abort the process: a string that doubles without end.
    ("abort", include_str!("../scripts/huge-string.rhai")),
    // A native stack overflow would kill the process: recursion without end.
    ("segfault", include_str!("../scripts/deep-recursion.rhai")),
    ("exit", "fn greet(name, count) {\n    exit();\n}\n"),
    ("endless-loop", include_str!("../scripts/endless-loop.rhai")),
    (
        "thread-left-running",
        "fn greet(name, count) {\n    spawn(|| loop { });\n    \"started\"\n}\n",
    ),
    // A script written for an older host API: `greet(name)`.
    (
        "wrong-version",
        "fn greet(name) {\n    `Hello, ${name}!`\n}\n",
    ),
    ("missing-entry", include_str!("../scripts/no-greet.rhai")),
    ("truncated-file", ""), // v2 cut in the middle, below
];

struct Run {
    _dir: tempfile::TempDir,
    path: PathBuf,
    reloader: Reloader,
    changes: Receiver<ReloadEvent>,
    host: Host,
}

fn save(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("rhai.tmp");
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

/// What an error says, without the temporary directory's path.
fn detail(error: &ScriptError) -> String {
    match error {
        ScriptError::Read { source, .. } => source.to_string(),
        ScriptError::Syntax {
            line,
            column,
            message,
            ..
        } => format!("{line}:{column}: {message}"),
        ScriptError::NoEntry { message, .. } => message.clone(),
        ScriptError::Run {
            at: Some((line, column)),
            message,
            ..
        } => format!("{line}:{column}: {message}"),
        ScriptError::Run { message, .. } => message.clone(),
        ScriptError::Watch { source, .. } => format!("cannot watch: {source}"),
    }
}

impl Run {
    fn next_event(&self) -> Result<ReloadEvent, String> {
        self.changes
            .recv_timeout(EVENT_TIMEOUT)
            .map_err(|error| format!("no reload event within {EVENT_TIMEOUT:?}: {error}"))
    }

    /// After a refusal: does the last good version still answer, the count one further?
    fn outcome(&mut self, generation: u64, refusal: &ScriptError) -> String {
        let before = self.host.greetings();
        let answered = self.host.greet("Ada");
        let kept = answered.is_ok()
            && self.host.greetings() == before + 1
            && self.reloader.scripts().generation() == generation;
        let category = if kept { "kept last good" } else { "state lost" };
        format!("{category}: {}", detail(refusal))
    }

    /// Saves `text` and reports how the host took it.
    fn saved(&mut self, text: &[u8]) -> Result<String, String> {
        let generation = self.reloader.scripts().generation();
        save(&self.path, text).map_err(|error| error.to_string())?;
        match self.next_event()? {
            ReloadEvent::Rejected(error) => Ok(self.outcome(generation, &error)),
            ReloadEvent::Reloaded { generation } => {
                Err(format!("went live as generation {generation}"))
            }
        }
    }

    fn threads() -> Result<usize, String> {
        let tasks = fs::read_dir("/proc/self/task").map_err(|error| error.to_string())?;
        Ok(tasks.count())
    }

    fn thread_left_running(&mut self, text: &str) -> Result<String, String> {
        let threads = Self::threads()?;
        let cell = self.saved(text.as_bytes())?;
        let detail = cell.split_once(": ").map_or("", |(_, detail)| detail);
        if Self::threads()? == threads {
            Ok(format!("n/a: scripts start no thread ({detail})"))
        } else {
            Ok(format!("leaked: a thread was left running ({detail})"))
        }
    }

    /// Half of v2 written in place and left so for longer than the debounce, then the rest.
    fn replaced_while_writing(&mut self) -> Result<String, String> {
        let generation = self.reloader.scripts().generation();
        let cut = V2.find("if count").ok_or("v2 has an if")?;
        let io = |error: std::io::Error| error.to_string();
        let mut file = fs::File::create(&self.path).map_err(io)?;
        file.write_all(&V2.as_bytes()[..cut]).map_err(io)?;
        file.flush().map_err(io)?;
        thread::sleep(WRITER_PAUSE); // the writer pauses with the file open
        file.write_all(&V2.as_bytes()[cut..]).map_err(io)?;
        drop(file); // closed: the save is whole
        let mut refused = Vec::new();
        loop {
            match self.next_event()? {
                ReloadEvent::Rejected(error) => refused.push(detail(&error)),
                ReloadEvent::Reloaded { generation: live } => {
                    let answer = self.host.greet("Ada").map_err(|error| error.to_string())?;
                    if !answer.starts_with("Good day") {
                        return Err(format!("not v2 that went live: {answer}"));
                    }
                    return Ok(match (refused.first(), live - generation) {
                        (None, 1) => {
                            "kept last good: the half never went live, the whole once closed".into()
                        }
                        (None, _) => "clear error: the half went live, then the whole".into(),
                        (Some(at), _) => format!(
                            "kept last good: half-written refused ({}), then the whole",
                            at.split(": ").next().unwrap_or("")
                        ),
                    });
                }
            }
        }
    }

    /// 200 swaps, v1 and v2 in turn, each followed by a call that must come from the new one.
    fn rapid_swaps(&mut self) -> Result<String, String> {
        let scripts = self.reloader.scripts().clone();
        let before = self.host.greetings();
        let mut stale = 0;
        for swap in 0..200 {
            let (text, starts) = if swap % 2 == 0 {
                (V1, "Hello")
            } else {
                (V2, "Good day")
            };
            scripts
                .reload_text(text)
                .map_err(|error| error.to_string())?;
            let answer = self.host.greet("Ada").map_err(|error| error.to_string())?;
            stale += usize::from(!answer.starts_with(starts));
        }
        let counted = self.host.greetings() - before;
        if stale == 0 && counted == 200 {
            Ok(format!(
                "kept last good: 200 swaps, {counted} calls each by the new one"
            ))
        } else {
            Ok(format!(
                "state lost: {stale} calls by an old version, {counted} counted"
            ))
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("greeter.rhai");
    save(&path, V1.as_bytes())?;
    let timing = Options {
        debounce: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        write_quiet: Duration::from_secs(5), // far above the writer's pause
        ..Options::default()
    };
    let (reloader, changes) = Reloader::start(Arc::new(ScriptEngine::default()), &path, timing)?;
    let host = Host::new(reloader.scripts().clone());
    let mut run = Run {
        _dir: dir,
        path,
        reloader,
        changes,
        host,
    };
    run.host.greet("Ada")?;

    let truncated = &V2[..V2.find("text +=").ok_or("v2 appends")?];
    let mut lines = Vec::new();
    for (key, text) in SAVED {
        let cell = match key {
            "thread-left-running" => run.thread_left_running(text),
            "truncated-file" => run.saved(truncated.as_bytes()),
            _ => run.saved(text.as_bytes()),
        };
        lines.push((key, cell));
    }
    lines.push((
        "garbage-file",
        run.saved(b"\x7fELF\x02\x01\x01\0\xff\xfe\0\0"),
    ));
    lines.push(("replaced-while-writing", run.replaced_while_writing()));
    lines.push(("rapid-swaps-200", run.rapid_swaps()));

    for (key, cell) in lines {
        let cell = cell.map_err(|error| format!("{key}: {error}"))?;
        if cell.chars().count() > CELL_MAX {
            return Err(format!("{key}: cell longer than {CELL_MAX} characters: {cell}").into());
        }
        println!("{key} | {cell}");
    }
    Ok(())
}
