//! Recipe 10.6, "Reloading the configuration of an async server". `cargo run -p
//! ch10-06-async-server` runs a scripted demo; `cargo run -p ch10-06-async-server -- serve
//! FILE.toml [--no-watch]` serves on 127.0.0.1 until SIGTERM or Ctrl-C (SIGHUP reloads), and
//! `… -- ask ADDRESS NAME` sends it one request and prints the answer.

use std::error::Error;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use ch10_06_async_server::client::{Load, REQUEST_TIMEOUT, config_text, request, request_within};
use ch10_06_async_server::reload::{self, Reloading, Report, Triggers};
use ch10_06_async_server::server::{self, Shutdown};

/// How long the demo waits for a reload report before giving up.
const REPORT_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [] => demo().await,
        [serve, path] if serve == "serve" => run(Path::new(path), true).await,
        [serve, path, no_watch] if serve == "serve" && no_watch == "--no-watch" => {
            run(Path::new(path), false).await
        }
        [ask, addr, name] if ask == "ask" => ask_once(addr, name).await,
        _ => Err(
            "usage: ch10-06-async-server [serve FILE.toml [--no-watch] | ask ADDRESS NAME]".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: run
/// `serve FILE`: the server as you would deploy it. Logs go to stderr.
async fn run(path: &Path, watch_file: bool) -> Result<(), Box<dyn Error>> {
    let shutdown = Shutdown::install()?;
    let triggers = Triggers {
        watch_file,
        debounce: reload::DEBOUNCE,
        sighup: true,
    };
    let Reloading {
        config,
        mut reports,
        task: _reload_task,
    } = reload::start(path, triggers)?;
    tokio::spawn(async move {
        while let Some(report) = reports.recv().await {
            eprintln!("{report}");
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    // The pid, for `kill -HUP`.
    let (addr, pid) = (listener.local_addr()?, std::process::id());
    println!("listening on {addr} (pid {pid})");
    let cut = server::serve(listener, config, async {
        let signal = shutdown.wait().await;
        eprintln!("{signal}: stopped accepting, draining");
    })
    .await;
    eprintln!("stopped ({cut} connections cut at the deadline)");
    Ok(())
}
// ANCHOR_END: run

/// `ask ADDRESS NAME`: one request, as any line client (`nc`) would send it.
async fn ask_once(addr: &str, name: &str) -> Result<(), Box<dyn Error>> {
    let addr = addr
        .parse()
        .map_err(|error| format!("{addr}: not an address like 127.0.0.1:40113 ({error})"))?;
    let answer = request_within(addr, name, REQUEST_TIMEOUT).await?;
    println!("{answer}");
    Ok(())
}

async fn demo() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.toml");
    save(&path, &config_text(1))?;

    let shutdown = Shutdown::install()?;
    let triggers = Triggers {
        watch_file: true,
        debounce: reload::DEBOUNCE,
        sighup: true,
    };
    let mut reloading = reload::start(&path, triggers)?;
    let config = reloading.config.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(server::serve(listener, config, async {
        println!("{}: stopped accepting, draining", shutdown.wait().await);
    }));
    println!("serving version 1: {}", request(addr, "demo").await?);

    let load = Load::start(addr, 8);
    load.wait_for_answers(100).await;
    println!("8 clients sending requests (4 keep-alive, 4 new connection each)");

    let steps: [(&str, Step); 6] = [
        ("save version 2", Step::Save(config_text(2))),
        (
            "save a file with a typo",
            Step::Save("version = 3\ngreting = \"Hi\"\n".into()),
        ),
        ("send SIGHUP (the file is still bad)", Step::Hangup),
        ("save version 3", Step::Save(config_text(3))),
        ("send SIGHUP (the file is unchanged)", Step::Hangup),
        (
            "save a greeting of two lines",
            Step::Save("version = 4\ngreeting = \"a\\nb\"\n".into()),
        ),
    ];
    for (what, step) in steps {
        println!("{what}:");
        match step {
            Step::Save(text) => save(&path, &text)?,
            Step::Hangup => hangup()?,
        }
        println!("  {}", next_report(&mut reloading.reports).await?);
        load.wait_for_answers(100).await;
        println!("  answer: {}", request(addr, "demo").await?);
    }

    let seen = load.stop().await;
    println!(
        "clients: {} failed, {} torn answers, last version seen {}",
        seen.failed,
        seen.torn,
        seen.versions.last().copied().unwrap_or(0)
    );
    if let Some(problem) = seen.first_problem {
        println!("  first problem: {problem}");
    }
    terminate()?;
    let cut = server.await?;
    println!("stopped ({cut} connections cut at the deadline)");
    drop(reloading);
    Ok(())
}

enum Step {
    Save(String),
    Hangup,
}

/// Saves as many editors do: a temporary file beside the target, renamed over it.
fn save(path: &Path, text: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

async fn next_report(reports: &mut mpsc::UnboundedReceiver<Report>) -> Result<Report, String> {
    match tokio::time::timeout(REPORT_TIMEOUT, reports.recv()).await {
        Ok(Some(report)) => Ok(report),
        Ok(None) => Err("the reloader stopped".into()),
        Err(_) => Err(format!("no reload report within {REPORT_TIMEOUT:?}")),
    }
}

/// Sends a signal to this very process, as `kill -HUP PID` would from a shell.
#[cfg(unix)]
fn signal_self(signal: libc::c_int) -> std::io::Result<()> {
    // SAFETY: kill(2) with our own pid and a signal that has a handler installed.
    let result = unsafe { libc::kill(libc::getpid(), signal) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(unix)]
fn hangup() -> std::io::Result<()> {
    signal_self(libc::SIGHUP)
}

#[cfg(unix)]
fn terminate() -> std::io::Result<()> {
    signal_self(libc::SIGTERM)
}

#[cfg(not(unix))]
fn hangup() -> std::io::Result<()> {
    Err(std::io::Error::other(
        "the demo sends SIGHUP, which needs Unix",
    ))
}

#[cfg(not(unix))]
fn terminate() -> std::io::Result<()> {
    Err(std::io::Error::other(
        "the demo sends SIGTERM, which needs Unix",
    ))
}
