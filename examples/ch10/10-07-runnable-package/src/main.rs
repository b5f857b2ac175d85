//! The binary `greet` (see `[[bin]]` in Cargo.toml): `greet [NAME]...`.

// ANCHOR: greet
use std::process::ExitCode;

fn main() -> ExitCode {
    // args_os(): args() would panic on an argument that is not valid Unicode.
    let mut names = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(name) => names.push(name),
            Err(arg) => {
                eprintln!("greet: not valid Unicode: {}", arg.display());
                eprintln!("usage: greet [NAME]...");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(option) = names.iter().find(|name| name.starts_with('-')) {
        eprintln!("greet: unknown option `{option}`");
        eprintln!("usage: greet [NAME]...");
        return ExitCode::from(2);
    }
    println!("{}", ch10_runnable::greeting(&names));
    ExitCode::SUCCESS
}
// ANCHOR_END: greet
