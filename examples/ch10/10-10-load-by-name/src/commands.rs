//! The commands, and the registries that find one by its name.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::error::Error;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

pub mod count;
pub mod reverse;
pub mod upper;

// ANCHOR: match
/// The simplest registry: a `match` on the string. The compiler checks each arm's code, but
/// not the names: `_` takes every other string, a typo in a name included.
pub fn by_match(name: &str) -> Option<fn(&str) -> String> {
    match name {
        "count" => Some(count::run),
        "reverse" => Some(reverse::run),
        "upper" => Some(upper::run),
        _ => None,
    }
}
// ANCHOR_END: match

// ANCHOR: enum
/// The commands as an enum: the compiler knows the whole set. Each `match` on `Name` below has
/// no `_` arm, so a new variant does not compile until it has a name and a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Name {
    Count,
    Reverse,
    Upper,
}

impl Name {
    /// Every variant, for listing and parsing; a test checks that none is missing.
    pub const ALL: [Name; 3] = [Name::Count, Name::Reverse, Name::Upper];

    /// The one place each command's name is written.
    pub fn as_str(self) -> &'static str {
        match self {
            Name::Count => "count",
            Name::Reverse => "reverse",
            Name::Upper => "upper",
        }
    }

    pub fn run(self) -> fn(&str) -> String {
        match self {
            Name::Count => count::run,
            Name::Reverse => reverse::run,
            Name::Upper => upper::run,
        }
    }
}

/// `"upper".parse::<Name>()`: the string is checked once, here, and the rest of the program
/// handles a `Name`, never a string.
impl FromStr for Name {
    type Err = UnknownCommand;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Name::ALL
            .into_iter()
            .find(|known| known.as_str() == name)
            .ok_or_else(|| UnknownCommand {
                name: name.to_owned(),
                known: Name::ALL.iter().map(|n| n.as_str().to_owned()).collect(),
            })
    }
}
// ANCHOR_END: enum

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
/// A command that can be found by name; unlike a `fn`, it can carry settings. `Send + Sync`
/// lets threads share a registry of commands, as the program-wide one (`registry`) is shared.
pub trait Command: Send + Sync {
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
        let builtins = function_table()
            .into_iter()
            .map(|(name, run)| Box::new(Function { name, run }) as Box<dyn Command>)
            .chain([Box::new(Repeat {
                name: "twice".to_owned(),
                times: 2,
            }) as Box<dyn Command>]);
        for command in builtins {
            registry
                .register(command)
                .expect("the built-in names are distinct");
        }
        registry
    }

    /// Adds a command. A name that is taken is an error: two commands claiming one name is a
    /// bug to report, not a choice to make silently by the order of registration.
    pub fn register(&mut self, command: Box<dyn Command>) -> Result<(), DuplicateCommand> {
        let name = command.name().to_owned();
        match self.commands.entry(name) {
            Entry::Occupied(taken) => Err(DuplicateCommand {
                name: taken.key().clone(),
            }),
            Entry::Vacant(free) => {
                free.insert(command);
                Ok(())
            }
        }
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

// ANCHOR: global
/// One registry for the whole program: the first call builds it, from whichever thread makes
/// it, and every call gets that one.
pub fn registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::with_builtins);
    &REGISTRY
}
// ANCHOR_END: global

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

/// A command was registered under a name another command already has.
#[derive(Debug, PartialEq)]
pub struct DuplicateCommand {
    pub name: String,
}

impl fmt::Display for DuplicateCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a command named `{}` is already registered", self.name)
    }
}

impl Error for DuplicateCommand {}
// ANCHOR_END: error
