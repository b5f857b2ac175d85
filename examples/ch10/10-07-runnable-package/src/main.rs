//! The binary `greet` (see `[[bin]]` in Cargo.toml): `greet [NAME]...`.

// ANCHOR: greet
use std::process::ExitCode;

fn main() -> ExitCode {
    // args() panics on an argument that is not valid Unicode; args_os() never does.
    let names: Vec<String> = std::env::args().skip(1).collect();
    if let Some(option) = names.iter().find(|name| name.starts_with('-')) {
        eprintln!("greet: unknown option `{option}`");
        eprintln!("usage: greet [NAME]...");
        return ExitCode::from(2);
    }
    println!("{}", ch10_runnable::greeting(&names));
    ExitCode::SUCCESS
}
// ANCHOR_END: greet
