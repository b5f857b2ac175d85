//! Recipe 10.9: writes `$OUT_DIR/primes.rs`, which `src/lib.rs` includes.

// ANCHOR: build
use std::{env, error::Error, fmt::Write as _, fs, path::Path};

fn main() -> Result<(), Box<dyn Error>> {
    // Computed when the crate is built, not when the program runs.
    let primes: Vec<u32> = (2..100u32)
        .filter(|n| (2..*n).take_while(|d| d * d <= *n).all(|d| n % d != 0))
        .collect();
    let mut code = String::new();
    writeln!(code, "/// The primes below 100, computed by `build.rs`.")?;
    writeln!(
        code,
        "pub const PRIMES: [u32; {}] = {primes:?};",
        primes.len()
    )?;

    // OUT_DIR is this package's own scratch folder under target/, set by Cargo.
    let out_dir = env::var_os("OUT_DIR").ok_or("OUT_DIR is set by Cargo for build scripts")?;
    fs::write(Path::new(&out_dir).join("primes.rs"), code)?;
    // Rerun only when this script changes (by default: when any file of the package does).
    println!("cargo::rerun-if-changed=build.rs");
    Ok(())
}
// ANCHOR_END: build
