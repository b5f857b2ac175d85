//! The commands, and the registries that find one by its name.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;

pub mod count;
pub mod reverse;
pub mod upper;

// ANCHOR: match
/// The simplest registry: a `match`, which the compiler checks like any code.
pub fn by_match(name: &str) -> Option<fn(&str) -> String> {
    match name {
        "count" => Some(count::run),
        "reverse" => Some(reverse::run),
        "upper" => Some(upper::run),
        _ => None,
    }
}
// ANCHOR_END: match

// ANCHOR: map
/// What every function registered by name does.
pub type Run = fn(&str) -> String;

/// A table of name → function, built at run time from functions fixed at compile time:
/// it can be listed, and extended.
pub fn function_table() -> BTreeMap<&'static str, Run> {
    BTreeMap::from([
        ("count", count::run as Run),
        ("reverse", reverse::run),
        ("upper", upper::run),
    ])
}
// ANCHOR_END: map

// ANCHOR: trait
/// A command that can be found by name; unlike a `fn`, it can carry settings.
pub trait Command {
    fn name(&self) -> &str;
    fn run(&self, input: &str) -> String;
}

/// A plain function as a command.
struct Function {
    name: &'static str,
    run: Run,
}

impl Command for Function {
    fn name(&self) -> &str {
        self.name
    }
    fn run(&self, input: &str) -> String {
        (self.run)(input)
    }
}

/// A command with a setting: the same text, `times` times.
pub struct Repeat {
    pub name: String,
    pub times: usize,
}

impl Command for Repeat {
    fn name(&self) -> &str {
        &self.name
    }
    fn run(&self, input: &str) -> String {
        vec![input; self.times].join(" ")
    }
}
// ANCHOR_END: trait

// ANCHOR: registry
/// Commands by name.
#[derive(Default)]
pub struct Registry {
    commands: BTreeMap<String, Box<dyn Command>>,
}

impl Registry {
    /// Every built-in command: the functions of `function_table`, and `twice`.
    pub fn with_builtins() -> Self {
        let mut registry = Self::default();
        for (name, run) in function_table() {
            registry.register(Box::new(Function { name, run }));
        }
        registry.register(Box::new(Repeat {
            name: "twice".to_owned(),
            times: 2,
        }));
        registry
    }

    /// Adds a command, replacing one of the same name.
    pub fn register(&mut self, command: Box<dyn Command>) {
        self.commands.insert(command.name().to_owned(), command);
    }

    /// The command called `name`, or an error that lists the names there are.
    pub fn get(&self, name: &str) -> Result<&dyn Command, UnknownCommand> {
        self.commands
            .get(name)
            .map(|command| command.as_ref())
            .ok_or_else(|| UnknownCommand {
                name: name.to_owned(),
                known: self.commands.keys().cloned().collect(),
            })
    }
}
// ANCHOR_END: registry

// ANCHOR: error
/// No command has the name asked for.
#[derive(Debug, PartialEq)]
pub struct UnknownCommand {
    pub name: String,
    pub known: Vec<String>,
}

impl fmt::Display for UnknownCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no command named `{}` (known: {})",
            self.name,
            self.known.join(", ")
        )
    }
}

impl Error for UnknownCommand {}
// ANCHOR_END: error
