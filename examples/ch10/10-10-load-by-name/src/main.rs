//! Recipe 10.10, "Loading code by a name given in a string": Rust has no run-time import, so
//! the program keeps a registry of the code it was compiled with, and looks names up in it.
//! Run it with `cargo run -p ch10-10-load-by-name`, or give names:
//! `cargo run -p ch10-10-load-by-name -- upper twice`.

mod commands;

use std::env;
use std::process::ExitCode;

use commands::Registry;

const INPUT: &str = "modules are compiled in";

// ANCHOR: main
fn main() -> ExitCode {
    let names: Vec<String> = env::args().skip(1).collect();
    if names.is_empty() {
        demo();
        return ExitCode::SUCCESS;
    }
    let registry = Registry::with_builtins();
    let mut status = ExitCode::SUCCESS;
    for name in &names {
        match registry.get(name) {
            Ok(command) => println!("{name}: {}", command.run(INPUT)),
            Err(error) => {
                eprintln!("error: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
// ANCHOR_END: main

/// Without arguments: each kind of registry, with a list of names.
fn demo() {
    println!("input: {INPUT:?}");

    println!("\n== a match");
    // ANCHOR: use_match
    for name in ["upper", "shout"] {
        match commands::by_match(name) {
            Some(run) => println!("{name}: {}", run(INPUT)),
            None => println!("{name}: no such command"),
        }
    }
    // ANCHOR_END: use_match

    println!("\n== a table of functions");
    // ANCHOR: use_map
    let table = commands::function_table();
    let names: Vec<&str> = table.keys().copied().collect();
    println!("names: {}", names.join(", "));
    if let Some(run) = table.get("reverse") {
        println!("reverse: {}", run(INPUT));
    }
    // ANCHOR_END: use_map

    println!("\n== a registry of trait objects");
    // ANCHOR: use_registry
    let registry = Registry::with_builtins();
    for name in ["count", "twice", "shout"] {
        match registry.get(name) {
            Ok(command) => println!("{name}: {}", command.run(INPUT)),
            Err(error) => println!("error: {error}"),
        }
    }
    // ANCHOR_END: use_registry
}

#[cfg(test)]
mod tests {
    use super::commands::{self, Registry, Repeat, UnknownCommand};

    // ANCHOR: tests
    #[test]
    fn the_three_registries_agree() {
        let table = commands::function_table();
        let registry = Registry::with_builtins();
        for (name, run) in &table {
            let by_match = commands::by_match(name).expect("every table name is in the match");
            let command = registry.get(name).expect("every table name is registered");
            assert_eq!(by_match("a b"), run("a b"));
            assert_eq!(command.run("a b"), run("a b"));
        }
    }

    #[test]
    fn an_unknown_name_is_an_error_that_lists_the_known_ones() {
        let registry = Registry::with_builtins();
        let error = registry.get("shout").err().expect("no command `shout`");
        assert_eq!(
            error.to_string(),
            "no command named `shout` (known: count, reverse, twice, upper)"
        );
        assert!(commands::by_match("shout").is_none());
    }

    #[test]
    fn a_command_registered_at_run_time_is_found_by_name() {
        let mut registry = Registry::with_builtins();
        registry.register(Box::new(Repeat {
            name: "thrice".to_owned(),
            times: 3,
        }));
        let thrice = registry.get("thrice").map(|c| c.run("go"));
        assert_eq!(thrice, Ok("go go go".to_owned()));
    }
    // ANCHOR_END: tests

    #[test]
    fn unknown_command_is_a_std_error() {
        fn takes(_: &dyn std::error::Error) {}
        let error = UnknownCommand {
            name: "x".to_owned(),
            known: vec![],
        };
        takes(&error);
    }
}
