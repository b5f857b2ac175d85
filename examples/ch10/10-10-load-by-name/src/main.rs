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
    let registry = commands::registry(); // the program-wide one, built on first use
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

    println!("\n== an enum, parsed with FromStr");
    // ANCHOR: use_enum
    for name in ["reverse", "shout"] {
        match name.parse::<commands::Name>() {
            Ok(command) => println!("{}: {}", command.as_str(), command.run()(INPUT)),
            Err(error) => println!("error: {error}"),
        }
    }
    // ANCHOR_END: use_enum

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
    use super::commands::{self, DuplicateCommand, Name, Registry, Repeat, UnknownCommand};

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
        let thrice = Repeat {
            name: "thrice".to_owned(),
            times: 3,
        };
        assert_eq!(registry.register(Box::new(thrice)), Ok(()));
        let thrice = registry.get("thrice").map(|c| c.run("go"));
        assert_eq!(thrice, Ok("go go go".to_owned()));
    }

    #[test]
    fn a_name_that_is_taken_cannot_be_registered_again() {
        let mut registry = Registry::with_builtins();
        let upper_again = Repeat {
            name: "upper".to_owned(),
            times: 1,
        };
        let refused = registry.register(Box::new(upper_again));
        assert_eq!(
            refused,
            Err(DuplicateCommand {
                name: "upper".to_owned()
            })
        );
        // The first `upper` is still the one registered.
        let upper = registry.get("upper").map(|c| c.run("a"));
        assert_eq!(upper, Ok("A".to_owned()));
    }

    #[test]
    fn the_program_wide_registry_is_built_once_and_shared_by_threads() {
        let here = commands::registry();
        let there = std::thread::spawn(commands::registry)
            .join()
            .expect("the thread");
        assert!(std::ptr::eq(here, there));
        assert_eq!(
            here.get("twice").map(|c| c.run("go")),
            Ok("go go".to_owned())
        );
    }

    /// Both directions: every variant's name parses back to it, and every string the program
    /// knows parses to a variant whose function gives what the match gives.
    #[test]
    fn the_enum_and_its_names_agree_both_ways() {
        for name in Name::ALL {
            assert_eq!(name.as_str().parse::<Name>(), Ok(name));
        }
        // A reminder for `ALL`: this `match` has no `_`, so a new variant fails to compile here
        // until it has a position. The loop checks that `ALL` lists the variants in that order;
        // a variant `ALL` lacks it cannot see.
        let position = |name: Name| match name {
            Name::Count => 0,
            Name::Reverse => 1,
            Name::Upper => 2,
        };
        for (at, name) in Name::ALL.into_iter().enumerate() {
            assert_eq!(position(name), at);
        }
        for (text, run) in commands::function_table() {
            let name: Name = text.parse().expect("every table name is a variant");
            assert_eq!(name.run()("a b"), run("a b"));
        }
        let unknown = "shout".parse::<Name>().expect_err("no variant `shout`");
        assert_eq!(
            unknown.to_string(),
            "no command named `shout` (known: count, reverse, upper)"
        );
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
