//! Recipe 10.6, "Replacing a server's binary without dropping a request". `cargo run -p
//! ch10-06-binary-swap` runs a scripted demo: it deploys v1, starts it, keeps clients busy,
//! deploys v2 and sends SIGUSR2. `serve` is the server itself (Unix only).

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(unix)]
    {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let result = match args.first().map(String::as_str) {
            None => demo::run(),
            Some("serve") => unix::serve(&args),
            Some(_) => Err(unix::USAGE.into()),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        }
    }
    #[cfg(not(unix))]
    {
        eprintln!("error: this recipe passes file descriptors across exec, which needs Unix");
        ExitCode::FAILURE
    }
}

#[cfg(unix)]
mod unix {
    use std::error::Error;
    use std::path::Path;
    use std::time::Duration;

    use ch10_06_binary_swap::handover;
    use ch10_06_binary_swap::server::{self, Ended, Options, Signals, log};

    pub const USAGE: &str = "usage: ch10-06-binary-swap [serve [--port N] [--ready-deadline-ms N]]";

    // ANCHOR: main
    /// `serve`: bind 127.0.0.1 (or take the socket from the process this one replaces), say
    /// so, and serve until replaced or stopped.
    pub fn serve(args: &[String]) -> Result<(), Box<dyn Error>> {
        // First, before any thread exists: it edits the environment.
        let inherited = handover::inherit()?;
        // Asked to say ready but given no socket: a socket of our own would serve nobody
        // (the old one's clients stay on its socket, which closes when it exits).
        if inherited.ready.is_some() && inherited.listener.is_none() {
            return Err(
                "READY_FD is set but LISTEN_FDS passed no socket: refusing to start".into(),
            );
        }
        // The path of this binary, resolved now: once a deploy renames a new file over it,
        // the path names the new version (the one SIGUSR2 starts). If that happened before this
        // line ran, Linux gives the path with " (deleted)" after it: the path is still right.
        let exe = std::env::current_exe()?;
        let exe = match exe
            .to_str()
            .and_then(|path| path.strip_suffix(" (deleted)"))
        {
            Some(path) => std::path::PathBuf::from(path),
            None => exe,
        };
        let options = options(&exe, args)?;
        let port = flag(args, "--port")?.unwrap_or(0);
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async {
            let signals = Signals::install()?; // before anyone can see that we are up
            let label = options.label.as_str();
            let pid = std::process::id();
            let listener = match inherited.listener {
                Some(listener) => {
                    listener.set_nonblocking(true)?;
                    log(
                        label,
                        &format!("took over the listening socket (pid {pid})"),
                    );
                    tokio::net::TcpListener::from_std(listener)?
                }
                None => {
                    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
                    let addr = listener.local_addr()?;
                    log(label, &format!("listening (pid {pid}, {addr})"));
                    listener
                }
            };
            // The old process may stop accepting now. If it is gone (killed mid-handover),
            // the word reaches no one: serve anyway, this process holds the socket.
            if let Err(error) = handover::notify_ready(inherited.ready) {
                log(label, &format!("could not say ready ({error}); serving on"));
            }
            match server::serve(listener, &options, signals).await {
                Ended::Replaced { .. } | Ended::Stopped(_) => Ok(()),
            }
        })
    }
    // ANCHOR_END: main

    /// The label is the text of `VERSION`, the file the deploy puts beside the binary.
    fn options(exe: &Path, args: &[String]) -> Result<Options, Box<dyn Error>> {
        let version_file = exe.with_file_name("VERSION");
        let label = std::fs::read_to_string(&version_file)
            .map_err(|error| format!("{}: {error}", version_file.display()))?;
        let label = label.trim().to_owned();
        if label.is_empty() || label.contains(char::is_whitespace) {
            return Err(
                format!("VERSION beside the binary must be one word, not {label:?}").into(),
            );
        }
        let ready_ms = flag(args, "--ready-deadline-ms")?.unwrap_or(10_000);
        Ok(Options {
            label,
            exe: exe.to_owned(),
            args: args.to_vec(),
            ready_deadline: Duration::from_millis(ready_ms),
            drain_deadline: Duration::from_secs(10),
        })
    }

    fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, String> {
        match args.iter().position(|arg| arg == name) {
            None => Ok(None),
            Some(at) => args
                .get(at + 1)
                .and_then(|value| value.parse().ok())
                .map(Some)
                .ok_or_else(|| format!("{name} needs a number; {USAGE}")),
        }
    }
}

#[cfg(unix)]
mod demo {
    use std::error::Error;
    use std::time::Duration;

    use ch10_06_binary_swap::client::Clients;
    use ch10_06_binary_swap::deploy::{self, Started, deploy, pid_in, shown};

    const WAIT: Duration = Duration::from_secs(20);

    pub fn run() -> Result<(), Box<dyn Error>> {
        #[cfg(target_os = "linux")]
        deploy::become_subreaper()?; // to reap v2 once v1, its parent, has exited
        #[cfg(target_os = "linux")]
        let mut orphans = deploy::Orphans::default(); // killed and reaped if we stop half-way
        let this_binary = std::env::current_exe()?;
        let dir = tempfile::tempdir()?;
        deploy(dir.path(), &this_binary, "v1")?;
        let mut v1 = Started::start(dir.path(), &[])?;
        println!("{}", shown(&v1.first_line));

        let clients = Clients::start(v1.addr, 4, 4);
        clients.wait_for("v1", 100, WAIT);
        println!("8 clients sending requests (4 on a new connection each, 4 kept alive)");

        println!("deploy a v2 whose VERSION file is empty, then SIGUSR2:");
        deploy(dir.path(), &this_binary, "")?;
        deploy::signal(v1.pid, libc::SIGUSR2)?;
        println!("  {}", v1.next_line()?);
        let failed = v1.next_line()?; // v1 logs it once v2 has exited
        println!("  (v2's stderr) {}", v1.next_error()?);
        println!("  {failed}");
        clients.wait_for("v1", 100, WAIT);

        println!("deploy v2, then SIGUSR2:");
        deploy(dir.path(), &this_binary, "v2")?;
        deploy::signal(v1.pid, libc::SIGUSR2)?;
        println!("  {}", v1.next_line()?);
        let took_over = v1.next_line()?;
        let v2_pid = pid_in(&took_over).ok_or("no pid in the new process's first line")?;
        #[cfg(target_os = "linux")]
        orphans.adopt(v2_pid);
        println!("  {}", shown(&took_over));
        println!("  {}", v1.next_line()?);
        println!("  {}", v1.next_line()?);
        println!("  v1 exited ({}) and was reaped", v1.wait()?);
        clients.wait_for("v2", 100, WAIT);

        let seen = clients.stop();
        let answered_by = |label: &str| seen.answers.get(label).is_some_and(|&count| count > 0);
        println!(
            "clients: {} failed requests; answers from v1: {}, from v2: {}",
            seen.failed,
            answered_by("v1"),
            answered_by("v2"),
        );
        if let Some(failure) = seen.first_failure {
            println!("  first failure: {failure}");
        }

        println!("SIGTERM to v2:");
        deploy::signal(v2_pid, libc::SIGTERM)?;
        for line in v1.rest_of_log()? {
            println!("  {line}");
        }
        #[cfg(target_os = "linux")]
        println!("  v2 exited ({}) and was reaped", orphans.reap(v2_pid)?);
        println!("their shared stdout is closed: no server process is left");
        Ok(())
    }
}
