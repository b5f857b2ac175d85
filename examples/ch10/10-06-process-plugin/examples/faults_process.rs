//! Recipe 10.6's fault table, the child-process column: each fault provoked against the real
//! host, one `KEY | CELL` line per row. `cargo run -q -p ch10-06-process-plugin --example faults_process`

#[cfg(unix)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use ch10_06_process_plugin::fault_table::rows;
    use ch10_06_process_plugin::host::{Plugins, plugin_dir};

    let dir = plugin_dir()?;
    let plugins = Plugins { dir: &dir };
    let scratch =
        std::env::temp_dir().join(format!("process-plugin-faults-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    for row in rows(&plugins, &scratch) {
        println!("{row}");
    }
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}

#[cfg(not(unix))]
fn main() {
    eprintln!("the fault table is provoked on Unix only (signals, file modes)");
}
