//! Turns data/units.csv into Rust source in OUT_DIR, which src/lib.rs includes.

// ANCHOR: build
use std::error::Error;
use std::path::Path;
use std::{env, fs};

fn main() -> Result<(), Box<dyn Error>> {
    // Run again when the data changes (by default: when any file of the package changes).
    println!("cargo::rerun-if-changed=data/units.csv");
    // A build script runs in its package's folder.
    let csv = fs::read_to_string("data/units.csv")?;
    let mut code = String::from("pub static UNITS: &[(&str, f64)] = &[\n");
    for (index, line) in csv.lines().enumerate().skip(1) {
        let (name, metres) = line
            .split_once(',')
            .ok_or_else(|| format!("data/units.csv:{}: expected `unit,metres`", index + 1))?;
        let metres: f64 = (metres.trim().parse())
            .map_err(|error| format!("data/units.csv:{}: `{metres}`: {error}", index + 1))?;
        code.push_str(&format!("    ({:?}, {metres:?}),\n", name.trim()));
    }
    code.push_str("];\n");
    // OUT_DIR is the one folder a build script may write to.
    fs::write(Path::new(&env::var("OUT_DIR")?).join("units.rs"), code)?;
    Ok(())
}
// ANCHOR_END: build
