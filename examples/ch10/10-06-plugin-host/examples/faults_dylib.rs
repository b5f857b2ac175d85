//! Recipe 10.6: what becomes of the dynamic-library host under each fault of the side-by-side
//! table. `cargo run -p ch10-06-plugin-host --example faults_dylib` prints one `FAULT | OUTCOME`
//! line per fault; each fault runs in a child process (this program again), since some of
//! them kill the host. The children run side by side, each with its own temporary directory.

use std::error::Error;
use std::path::Path;

use ch10_06_plugin_host::faults::{self, FAULTS};

fn main() -> Result<(), Box<dyn Error>> {
    if let Some(child) = faults::run_as_child() {
        return child;
    }
    let plugins = tempfile::tempdir()?;
    faults::build_plugins(plugins.path())?;
    let program = std::env::current_exe()?;
    let outcomes: Vec<std::io::Result<String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = FAULTS
            .iter()
            .map(|fault| scope.spawn(|| provoke(&program, fault, plugins.path())))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a fault's observer panicked"))
            .collect()
    });
    for (fault, outcome) in FAULTS.iter().zip(outcomes) {
        println!("{fault} | {}", outcome?);
    }
    Ok(())
}

/// Runs one fault in a child process; the child's private copies go with its directory.
fn provoke(program: &Path, fault: &str, plugins: &Path) -> std::io::Result<String> {
    let temp = tempfile::tempdir()?;
    faults::observe(faults::child(program, &[], fault, plugins, temp.path()))
}
