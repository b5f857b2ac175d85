//! Recipe 10.6's fault table, the child-process column: each fault provoked against the real
//! host, one `KEY | CELL` line per row. `cargo run -q -p ch10-06-process-plugin --example faults`

use ch10_06_process_plugin::fault_table::{KEYS, Plugins, row};
use ch10_06_process_plugin::host::plugin_dir;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = plugin_dir()?;
    let plugins = Plugins { dir: &dir };
    let scratch =
        std::env::temp_dir().join(format!("process-plugin-faults-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    for key in KEYS {
        println!("{}", row(key, &plugins, &scratch));
    }
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}
