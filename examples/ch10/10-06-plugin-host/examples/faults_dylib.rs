//! Recipe 10.6: what becomes of the dynamic-library host under each fault of the side-by-side
//! table. `cargo run -p ch10-06-plugin-host --example faults_dylib` prints one `FAULT | OUTCOME`
//! line per fault; each fault runs in a child process (this program again), since some of
//! them kill the host.

use std::error::Error;

use ch10_06_plugin_host::faults::{self, FAULTS};

fn main() -> Result<(), Box<dyn Error>> {
    if let Some(child) = faults::run_as_child() {
        return child;
    }
    let plugins = tempfile::tempdir()?;
    faults::build_plugins(plugins.path())?;
    let program = std::env::current_exe()?;
    for fault in FAULTS {
        let temp = tempfile::tempdir()?; // the child's private copies, removed with it
        let child = faults::child(&program, &[], fault, plugins.path(), temp.path());
        println!("{fault} | {}", faults::observe(child)?);
    }
    Ok(())
}
