//! Recipe 10.6, "Reloading a script": a rhai script reloaded while the host runs. The demo
//! saves each version of `greeter.rhai` and waits for the reloader's report; with
//! `--watch FILE` it greets each name typed on standard input with FILE's live version.

use std::error::Error;
use std::fs;
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use ch10_06_script_reload::Host;
use ch10_06_script_reload::reloader::{Options, ReloadEvent, Reloader};
use ch10_06_script_reload::script::ScriptEngine;

/// How long the demo waits for the reloader to react to one save before giving up.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

const V1: &str = include_str!("../scripts/v1.rhai");
const V2: &str = include_str!("../scripts/v2.rhai");
/// Saved after v2, in order; each one is refused, and v2 stays live.
const FAULTS: [(&str, &str); 5] = [
    ("syntax error", include_str!("../scripts/syntax-error.rhai")),
    ("endless loop", include_str!("../scripts/endless-loop.rhai")),
    (
        "deep recursion",
        include_str!("../scripts/deep-recursion.rhai"),
    ),
    ("huge string", include_str!("../scripts/huge-string.rhai")),
    (
        "no greet function",
        include_str!("../scripts/no-greet.rhai"),
    ),
];
/// Live, but fails for one input: that call fails, and only that call.
const V3: &str = include_str!("../scripts/v3.rhai");

/// Saves as many editors do: a temporary file beside the target, renamed over it.
fn save(path: &Path, text: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("rhai.tmp");
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

/// Waits for the reloader's next report, with a deadline instead of a guessed sleep.
fn next_event(changes: &Receiver<ReloadEvent>) -> Result<ReloadEvent, String> {
    changes
        .recv_timeout(EVENT_TIMEOUT)
        .map_err(|error| format!("no reload event within {EVENT_TIMEOUT:?}: {error}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [] => demo(),
        [flag, path] if flag == "--watch" => watch(Path::new(path)),
        _ => Err("usage: ch10-06-script-reload [--watch FILE.rhai]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: watch
/// `--watch FILE`: greets each name read from standard input; reports every reload.
fn watch(path: &Path) -> Result<(), Box<dyn Error>> {
    let engine = Arc::new(ScriptEngine::default());
    let (reloader, changes) = Reloader::start(engine, path, Options::default())?;
    println!("watching {}; type a name, Ctrl-D to stop", path.display());
    std::thread::spawn(move || {
        for event in changes {
            match event {
                ReloadEvent::Reloaded { generation } => println!("generation {generation} live"),
                ReloadEvent::Rejected(error) => println!("refused: {error}"),
            }
        }
    });
    let mut host = Host::new(reloader.scripts().clone());
    for name in std::io::stdin().lock().lines() {
        match host.greet(name?.trim()) {
            Ok(text) => println!("{text}"),
            Err(error) => println!("failed: {error}"),
        }
    }
    Ok(())
}
// ANCHOR_END: watch

fn demo() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("greeter.rhai");
    // The temporary directory differs on each run; print the file name only.
    let shown = |text: String| text.replace(&format!("{}/", dir.path().display()), "");
    save(&path, V1)?;

    let engine = Arc::new(ScriptEngine::default());
    let (reloader, changes) = Reloader::start(engine, &path, Options::default())?;
    let mut host = Host::new(reloader.scripts().clone());
    println!(
        "loaded greeter.rhai, generation {}",
        host.scripts().generation()
    );
    for name in ["Ada", "Grace"] {
        println!("  {}", host.greet(name)?);
    }

    let report = |description: &str, text: &str| -> Result<(), Box<dyn Error>> {
        println!("save {description}:");
        save(&path, text)?;
        match next_event(&changes)? {
            ReloadEvent::Reloaded { generation } => println!("  live: generation {generation}"),
            ReloadEvent::Rejected(error) => println!("  refused: {}", shown(error.to_string())),
        }
        Ok(())
    };
    report("v2", V2)?;
    println!("  {}", host.greet("Linus")?);
    for (description, text) in FAULTS {
        report(description, text)?;
    }
    println!(
        "still generation {}: {}",
        host.scripts().generation(),
        host.greet("Grace")?
    );

    report("v3", V3)?;
    for name in ["", "Ada"] {
        match host.greet(name) {
            Ok(text) => println!("  greet({name:?}): {text}"),
            Err(error) => println!("  greet({name:?}) failed: {}", shown(error.to_string())),
        }
    }
    println!(
        "state kept in the host: {} greetings, generation {} live",
        host.greetings(),
        host.scripts().generation()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn watching_a_missing_file_names_it_in_a_clear_error() {
        let missing = std::env::temp_dir().join("no-such-dir-10-06/greet.rhai");
        let error = super::watch(&missing).expect_err("nothing to watch");
        assert_eq!(
            error.to_string(),
            format!(
                "{}: No such file or directory (os error 2)",
                missing.display()
            )
        );
    }
}
