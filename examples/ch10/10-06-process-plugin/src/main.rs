//! Recipe 10.6, "Reloading modules": reloading code that runs in a child process.
//!
//! `cargo run -p ch10-06-process-plugin` starts the greeter plugin (`src/bin/greeter-plugin.rs`)
//! as a child process, swaps it for version 2 while it runs, and shows each fault of a plugin
//! (`src/bin/greeter-faulty.rs`) refused or survived, with the greeting count kept in the host.

use std::error::Error;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use ch10_06_process_plugin::host::{Host, PluginCommand, Timeouts, plugin_dir};

fn main() -> ExitCode {
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Generous: a panicking plugin with `RUST_BACKTRACE` set spends a while printing its
/// backtrace before it exits.
const TIMEOUTS: Timeouts = Timeouts {
    start: Duration::from_secs(3),
    call: Duration::from_secs(3),
    stop: Duration::from_secs(1),
};

/// How long a fault that never ends by itself (no handshake, no reply, no exit) is waited
/// for. Only the wait that fault exercises is this short; the others stay at `TIMEOUTS`.
const WAITED_OUT: Duration = Duration::from_millis(200);

fn demo() -> Result<(), Box<dyn Error>> {
    let plugins = plugin_dir()?;
    let program = |name: &str| plugins.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let v1 = PluginCommand::new(program("greeter-plugin"));
    let v2 = PluginCommand::new(program("greeter-v2"));
    let faulty = |mode: &str| PluginCommand::new(program("greeter-faulty")).arg(mode);

    // ANCHOR: demo_swap
    let mut host = Host::start(&v1, TIMEOUTS)?;
    println!("loaded {}", name(&host));
    println!("  {}", host.greet("Ada")?);
    println!("  {}", host.greet("Grace")?);

    let old = host.reload(&v2)?; // start v2, shake hands, switch, stop v1
    if let Some(stopped) = old {
        println!("reloaded {}; the old plugin {stopped}", name(&host));
    }
    println!("  {}", host.greet("Linus")?);
    println!("state kept across the swap: {} greetings", host.greetings());
    // ANCHOR_END: demo_swap

    println!();
    println!("refused at the handshake, {} goes on:", name(&host));
    let refused = [
        ("wrong version", faulty("wrong-version")),
        ("not a plugin", faulty("not-a-plugin")),
        ("no handshake", faulty("slow-start")),
        (
            "missing program",
            PluginCommand::new(program("greeter-missing")),
        ),
        (
            "not a program",
            PluginCommand::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")),
        ),
    ];
    for (what, command) in &refused {
        host.set_timeouts(match *what {
            // it never shakes hands
            "no handshake" => Timeouts {
                start: WAITED_OUT,
                ..TIMEOUTS
            },
            _ => TIMEOUTS,
        });
        match host.reload(command) {
            Ok(_) => println!("  {what}: loaded, should have been refused"),
            Err(error) => println!("  {what}: {error}"),
        }
    }
    host.set_timeouts(TIMEOUTS);
    println!("  {}", host.greet("Grace")?);

    println!();
    println!(
        "failed while greeting, the host goes back to {}:",
        name(&host)
    );
    let faults = [
        ("panic", "panic"),
        ("abort", "abort"),
        ("segfault", "segfault"),
        ("exit", "exit"),
        ("endless loop", "hang"),
        ("stray output", "garbage"),
        ("reply out of step", "reply-twice"),
        ("oversized reply", "oversized"),
        ("floods stdout", "flood-stdout"),
        ("closed stdout", "close-stdout"),
    ];
    for (what, mode) in faults {
        host.set_timeouts(match mode {
            // it never replies
            "hang" => Timeouts {
                call: WAITED_OUT,
                ..TIMEOUTS
            },
            // with its stdout closed it cannot reply, and it never exits
            "close-stdout" => Timeouts {
                stop: WAITED_OUT,
                ..TIMEOUTS
            },
            _ => TIMEOUTS,
        });
        host.reload(&faulty(mode))?;
        match host.greet("Ada") {
            Ok(text) => println!("  {what}: greeted, should have failed: {text}"),
            Err(error) => println!("  {what}: {error}; now {}", name(&host)),
        }
    }
    host.set_timeouts(TIMEOUTS);
    println!("  {}", host.greet("Ada")?);

    println!();
    println!("stopped when replaced:");
    for (what, mode) in [
        ("thread left running", "thread-left-running"),
        ("ignores stdin close", "ignore-stdin-close"),
    ] {
        host.set_timeouts(match mode {
            // it never exits
            "ignore-stdin-close" => Timeouts {
                stop: WAITED_OUT,
                ..TIMEOUTS
            },
            _ => TIMEOUTS,
        });
        host.reload(&faulty(mode))?;
        host.set_timeouts(TIMEOUTS);
        let greeted = host.greet("Ada").is_ok();
        if let Some(stopped) = host.reload(&v2)? {
            println!("  {what} (greeted: {greeted}): {stopped}");
        }
    }
    println!("greetings counted by the host: {}", host.greetings());
    let last = name(&host);
    if let Some(stopped) = host.shut_down() {
        println!("shut down, {last} {stopped}");
    }
    Ok(())
}

fn name(host: &Host) -> String {
    match host.plugin() {
        Some(plugin) => plugin.name().to_owned(),
        None => "no plugin".to_owned(),
    }
}
