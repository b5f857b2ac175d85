//! Recipe 10.6, "Reloading modules": reloading a plugin built as a dynamic library.
//!
//! `cargo run -p ch10-06-plugin-host` builds greeter plugins with `rustc`, swaps them in a
//! running host and shows what is refused. `-- --watch` reloads the plugin in `plugin/` each time
//! `cargo build -p greeter-plugin` rebuilds it. Linux and other Unixes.

use std::error::Error;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use greeter_plugin_abi::HostState;

use ch10_06_plugin_host::compile::{
    PluginCompiler, fixture, install, install_bytes, library_file_name,
};
use ch10_06_plugin_host::plugin::{CallError, LoadError, Plugin, PluginDir};
use ch10_06_plugin_host::watch::LibraryWatcher;
use ch10_06_plugin_host::watchdog::{Call, Watchdog};

// ANCHOR: host
/// Owns the state and the active plugin. Reloading takes `&mut self`, so no call the host
/// made into the old plugin can still be running when it is closed. That is all `&mut`
/// proves: code the plugin left running itself (a thread, a callback) is ruled out by the
/// contract in `greeter-plugin-abi`, not by the borrow checker.
struct Host {
    plugins: PluginDir,
    active: Plugin,
    state: HostState,
    /// Reports a call that runs longer than a second: it cannot be stopped, only reported.
    watchdog: Watchdog,
}

impl Host {
    fn new(plugins: PluginDir, first: Plugin) -> std::io::Result<Host> {
        let watchdog = Watchdog::new(Duration::from_secs(1), |what, running| {
            eprintln!(
                "watchdog: {what} still running after {} s",
                running.as_secs()
            );
        })?;
        Ok(Host {
            plugins,
            active: first,
            state: HostState::default(),
            watchdog,
        })
    }

    /// Loads `file` and makes it the active plugin. On error the old one stays active.
    fn reload(&mut self, file: &Path) -> Result<&str, LoadError> {
        let _armed = self.watchdog.arm(Call::Reload);
        let new = self.plugins.load(file)?;
        // The old plugin is dropped here: its library closed, its private copy deleted.
        self.active = new;
        Ok(self.active.description())
    }

    fn greet(&mut self, name: &str) -> Result<String, CallError> {
        let _armed = self.watchdog.arm(Call::Greet);
        self.active.greet(&mut self.state, name)
    }
}
// ANCHOR_END: host

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [] => demo(),
        [flag] if flag == "--watch" => default_library().and_then(|library| watch(&library)),
        [flag, library] if flag == "--watch" => watch(Path::new(library)),
        _ => Err("usage: ch10-06-plugin-host [--watch [LIBRARY]]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds five plugins, swaps v1 for v2 in a running host, then tries reloads that must fail.
fn demo() -> Result<(), Box<dyn Error>> {
    let build_dir = tempfile::tempdir()?;
    let compiler = PluginCompiler::new(build_dir.path())?;
    let built = compiler.build_all(&[
        fixture("greeter-v1", "v1", &[]),
        fixture("greeter-v2", "v2", &[]),
        fixture("missing-symbol", "missing_symbol", &[]),
        fixture("wrong-abi", "wrong_abi", &[]),
        fixture("panics", "panics", &[]),
    ])?;
    let [v1, v2, missing_symbol, wrong_abi, panics] = built.as_slice() else {
        return Err("expected five plugins".into());
    };
    println!("built {} plugins with rustc", built.len());

    // ANCHOR: demo_swap
    let plugin_dir = tempfile::tempdir()?;
    let library = plugin_dir.path().join(library_file_name("greeter"));
    install(v1, &library)?;
    let plugins = PluginDir::new(plugin_dir.path())?;
    let first = plugins.load(&library)?;
    let mut host = Host::new(plugins, first)?;
    println!("loaded {}", host.active.description());
    println!("  {}", host.greet("Ada")?);
    println!("  {}", host.greet("Grace")?);

    install(v2, &library)?; // what `cargo build` does: a new file at the same path
    println!("reloaded {}", host.reload(&library)?);
    println!("  {}", host.greet("Linus")?);
    println!(
        "state kept across the swap: {} greetings",
        host.state.greetings
    );
    // ANCHOR_END: demo_swap

    let shown = |error: LoadError| {
        error
            .to_string()
            .replace(&path_text(plugin_dir.path()), "plugins")
            .replace(&path_text(build_dir.path()), "build")
    };
    println!();
    println!("refused, {} stays active:", host.active.description());
    let try_reload = |host: &mut Host, file: &Path, what: &str| match host.reload(file) {
        Ok(description) => println!("  {what}: loaded {description}, should have been refused"),
        Err(error) => println!("  {what}: {}", shown(error)),
    };
    install(missing_symbol, &library)?;
    try_reload(&mut host, &library, "missing symbol");
    install(wrong_abi, &library)?;
    try_reload(&mut host, &library, "wrong ABI");
    install_bytes(b"#!/bin/sh\necho this is not a library\n", &library)?;
    try_reload(&mut host, &library, "not a library");
    let v2_bytes = fs::read(v2)?;
    install_bytes(&v2_bytes[..v2_bytes.len() / 2], &library)?;
    try_reload(&mut host, &library, "half-written");
    install(v1, &library)?;
    fs::set_permissions(&library, fs::Permissions::from_mode(0o666))?;
    try_reload(&mut host, &library, "writable by all");
    try_reload(&mut host, v1, "outside the directory");
    println!("  {}", host.greet("Grace")?);

    println!();
    install(panics, &library)?;
    println!("reloaded {}", host.reload(&library)?);
    match host.greet("Ada") {
        Ok(answer) => println!("  {answer}"),
        Err(error) => println!("  greet failed: {error}"),
    }
    println!(
        "host still running, state unchanged: {} greetings",
        host.state.greetings
    );
    install(v2, &library)?;
    println!("reloaded {}", host.reload(&library)?);
    println!("  {}", host.greet("Ada")?);
    Ok(())
}

fn path_text(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}

/// Where `cargo build -p greeter-plugin` puts the plugin: beside this program's own
/// executable, in `target/debug/` (or `target/release/`).
fn default_library() -> Result<PathBuf, Box<dyn Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the program's path has no directory")?;
    Ok(dir.join(library_file_name("greeter-plugin")))
}

/// Greets every two seconds; reloads when `library` is rebuilt. Runs until Ctrl-C.
fn watch(library: &Path) -> Result<(), Box<dyn Error>> {
    let dir = library
        .parent()
        .ok_or("the library path has no directory")?;
    let plugins = PluginDir::new(dir)?;
    // Watch before the first load, so no rebuild is missed.
    let mut watcher = LibraryWatcher::new(library)?;
    println!("watching {}", library.display());
    println!("edit plugin/src/lib.rs, then run `cargo build -p greeter-plugin`");
    let first = loop {
        match plugins.load(library) {
            Ok(plugin) => break plugin,
            Err(error) => println!("not loaded yet: {error}"),
        }
        while !watcher.wait_for_change(Duration::from_secs(60)) {}
    };
    let mut host = Host::new(plugins, first)?;
    println!("loaded {}", host.active.description());
    loop {
        match host.greet("world") {
            Ok(answer) => println!("  {answer}"),
            Err(error) => println!("  greet failed: {error}"),
        }
        if watcher.wait_for_change(Duration::from_secs(2)) {
            match host.reload(library) {
                Ok(description) => println!("reloaded {description}"),
                Err(error) => println!(
                    "reload refused, keeping {}: {error}",
                    host.active.description()
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests;
