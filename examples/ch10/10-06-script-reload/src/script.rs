//! The reloadable part: a rhai script that defines `greet(name, count)`, compiled by an engine
//! whose limits stop a script that loops, recurses or grows data without end.
//!
//! A script is accepted only whole: it compiles, it defines `greet` with two parameters, and a
//! trial call answers with text within the limits. Only then can it replace the one in use.

use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::io;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::follow::read_limited;

use rhai::{AST, CallFnOptions, Dynamic, Engine, EvalAltResult, ParseError, Position, Scope};

// ANCHOR: limits
/// What one call of a script may do. rhai sets none of these by default except the call depth and the expression depths.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Statements, expressions and function calls counted by the engine; 0 means no limit.
    pub operations: u64,
    /// Nested function calls: recursion that goes deeper is stopped.
    pub call_levels: usize,
    /// Nesting of one expression, `((1 + 2) * 3)`, at the top level and inside a function:
    /// the compiler refuses deeper ones (it recurses once per level).
    pub expr_depth: usize,
    pub function_expr_depth: usize,
    /// Bytes of one string; and of all strings inside one array or map.
    pub string_size: usize,
    /// Elements of one array, nested arrays included.
    pub array_size: usize,
    /// Properties of one object map, nested maps included.
    pub map_size: usize,
    /// Wall-clock time of one call, checked every `DEADLINE_EVERY` operations.
    pub deadline: Duration,
}

pub const LIMITS: Limits = Limits {
    operations: 20_000,
    call_levels: 16,
    // rhai's own defaults in a debug build; a release build's are twice as deep.
    expr_depth: 32,
    function_expr_depth: 16,
    string_size: 10_000,
    array_size: 1_000,
    map_size: 1_000,
    deadline: Duration::from_secs(1),
};

/// Reading the clock costs more than an operation: look at it every this many operations.
pub const DEADLINE_EVERY: u64 = 1024;

/// The function every script must define, and how many parameters the host passes it.
pub const ENTRY: &str = "greet";
pub const ENTRY_PARAMETERS: usize = 2;
/// What the trial call passes before a script may go live.
pub const TRIAL: (&str, u64) = ("trial", 1);
/// A larger script file is refused before it is read.
pub const MAX_BYTES: u64 = 1024 * 1024;
// ANCHOR_END: limits

#[derive(Debug)]
pub enum ScriptError {
    /// The file could not be read: deleted, not UTF-8, not a regular file (a FIFO, a device,
    /// a directory), larger than the size limit...
    Read { path: PathBuf, source: io::Error },
    /// The script does not compile.
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The script compiles but does not define `greet(name, count)`.
    NoEntry { path: PathBuf, message: String },
    /// A call failed: a runtime error, a limit reached, or an answer that is not text.
    /// `line` and `column` are where the script was when it failed, when rhai knows.
    Run {
        path: PathBuf,
        at: Option<(usize, usize)>,
        message: String,
    },
    /// The directory could not be watched, or the watcher reported a failure.
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Syntax {
                path,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", path.display()),
            Self::NoEntry { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Run {
                path,
                at: Some((line, column)),
                message,
            } => write!(f, "{}:{line}:{column}: {message}", path.display()),
            Self::Run {
                path,
                at: None,
                message,
            } => write!(f, "{}: {message}", path.display()),
            Self::Watch { path, source } => write!(f, "{}: cannot watch: {source}", path.display()),
        }
    }
}

impl Error for ScriptError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Watch { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// rhai's line and column (both from 1), when the error has a position.
fn line_and_column(position: Position) -> Option<(usize, usize)> {
    Some((position.line()?, position.position().unwrap_or(1)))
}

thread_local! {
    /// When the call running on this thread must stop; read by the engine's progress callback.
    static CALL_DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Clears this thread's deadline when the call ends, however it ends.
struct DeadlineGuard;

impl DeadlineGuard {
    fn set(deadline: Duration) -> Self {
        CALL_DEADLINE.with(|cell| cell.set(Some(Instant::now() + deadline)));
        DeadlineGuard
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        CALL_DEADLINE.with(|cell| cell.set(None));
    }
}

/// A script that passed every check: compiled, `greet` found, trial call answered.
pub struct Compiled {
    ast: AST,
}

/// The engine and its limits. Shared by the thread that compiles and the threads that call.
pub struct ScriptEngine {
    engine: Engine,
    limits: Limits,
}

impl Default for ScriptEngine {
    fn default() -> Self {
        Self::new(LIMITS)
    }
}

impl ScriptEngine {
    // ANCHOR: engine
    pub fn new(limits: Limits) -> Self {
        let mut engine = Engine::new();
        engine
            .set_max_operations(limits.operations)
            .set_max_call_levels(limits.call_levels)
            .set_max_expr_depths(limits.expr_depth, limits.function_expr_depth)
            .set_max_string_size(limits.string_size)
            .set_max_array_size(limits.array_size)
            .set_max_map_size(limits.map_size);
        // rhai's own `sleep` blocks inside one operation, out of reach of the operation count
        // and of the deadline: a function registered under its name takes its place.
        engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> {
            Err("`sleep` is not allowed in a script".into())
        });
        engine.register_fn(
            "sleep",
            |_: rhai::FLOAT| -> Result<(), Box<EvalAltResult>> {
                Err("`sleep` is not allowed in a script".into())
            },
        );
        // rhai's default `print` and `debug` use `println!`, which panics when standard output
        // is a closed pipe or a full disk: write to standard error, and lose what cannot be written.
        engine.on_print(|text| {
            let _ = writeln!(std::io::stderr(), "script: {text}");
        });
        engine.on_debug(|text, _source, position| {
            let _ = writeln!(std::io::stderr(), "script debug at {position}: {text}");
        });
        // Operations bound the work, not the time: add a deadline on the clock.
        engine.on_progress(|operations| {
            if operations % DEADLINE_EVERY != 0 {
                return None;
            }
            let late = CALL_DEADLINE.with(|cell| cell.get().is_some_and(|at| Instant::now() >= at));
            late.then(|| Dynamic::from("deadline"))
        });
        ScriptEngine { engine, limits }
    }
    // ANCHOR_END: engine

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The engine, to register the host's own functions before it is shared.
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    // ANCHOR: compile
    /// Compiles `text` and checks it completely; the result can be swapped in at once.
    pub fn compile(&self, path: &Path, text: &str) -> Result<Compiled, ScriptError> {
        // A panic (a bug in rhai, or in a function the host registered) is this version's
        // error: unwinding on would end the reloader's thread, and with it every reload.
        panic::catch_unwind(AssertUnwindSafe(|| self.check(path, text))).unwrap_or_else(|panic| {
            let message = (panic.downcast_ref::<&str>().copied())
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic without a message");
            Err(ScriptError::Run {
                path: path.to_owned(),
                at: None,
                message: format!("the check panicked: {message}"),
            })
        })
    }

    fn check(&self, path: &Path, text: &str) -> Result<Compiled, ScriptError> {
        let ast = self
            .engine
            .compile(text)
            .map_err(|error| syntax_error(path, &error))?;
        let arities: Vec<usize> = ast
            .iter_functions()
            .filter(|function| function.name == ENTRY)
            .map(|function| function.params.len())
            .collect();
        if !arities.contains(&ENTRY_PARAMETERS) {
            let found = match arities.as_slice() {
                [] => format!("the script defines no `{ENTRY}`"),
                [1] => format!("its `{ENTRY}` takes 1 parameter"),
                found => {
                    let counts: Vec<String> = found.iter().map(usize::to_string).collect();
                    format!("its `{ENTRY}` takes {} parameters", counts.join(" or "))
                }
            };
            return Err(ScriptError::NoEntry {
                path: path.to_owned(),
                message: format!("no `{ENTRY}(name, count)`: {found}"),
            });
        }
        let compiled = Compiled { ast };
        // A script that fails on the trial call never goes live.
        let (name, count) = TRIAL;
        self.greet(path, &compiled, name, count)
            .map_err(|error| match error {
                ScriptError::Run { path, at, message } => ScriptError::Run {
                    path,
                    at,
                    message: format!("trial call: {message}"),
                },
                other => other,
            })?;
        Ok(compiled)
    }
    // ANCHOR_END: compile

    /// Reads the file at `path` if it is a regular file of at most `max_bytes`, without ever
    /// blocking (a FIFO or a device is refused, see `follow::read_limited`).
    pub fn read(&self, path: &Path, max_bytes: u64) -> Result<String, ScriptError> {
        read_limited(path, max_bytes).map_err(|source| ScriptError::Read {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads (at most `MAX_BYTES`) and compiles the file at `path`.
    pub fn load(&self, path: &Path) -> Result<Compiled, ScriptError> {
        let text = self.read(path, MAX_BYTES)?;
        self.compile(path, &text)
    }

    // ANCHOR: call
    /// Calls `greet(name, count)`: no state survives the call (a fresh scope, and the
    /// script's top-level statements are not run), and it must answer with text.
    pub fn greet(
        &self,
        path: &Path,
        script: &Compiled,
        name: &str,
        count: u64,
    ) -> Result<String, ScriptError> {
        let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
        let count = i64::try_from(count).unwrap_or(i64::MAX); // rhai's integer is i64
        let _deadline = DeadlineGuard::set(self.limits.deadline);
        let answer: Dynamic = self
            .engine
            .call_fn_with_options(
                options,
                &mut Scope::new(),
                &script.ast,
                ENTRY,
                (name.to_owned(), count),
            )
            .map_err(|error| self.run_error(path, *error))?;
        let type_name = answer.type_name();
        answer.into_string().map_err(|_| ScriptError::Run {
            path: path.to_owned(),
            at: None,
            message: format!("`{ENTRY}` returned {type_name}, not a string"),
        })
    }
    // ANCHOR_END: call

    /// Names a limit by its value, and reports where the script was (the innermost call).
    fn run_error(&self, path: &Path, mut error: EvalAltResult) -> ScriptError {
        // A failure in a nested call comes wrapped once per call level.
        while let EvalAltResult::ErrorInFunctionCall(_, _, inner, _) = error {
            error = *inner;
        }
        let at = line_and_column(error.position());
        let limits = &self.limits;
        let message = match &mut error {
            EvalAltResult::ErrorTooManyOperations(_) => {
                format!("stopped after {} operations", limits.operations)
            }
            EvalAltResult::ErrorStackOverflow(_) => {
                format!("stopped at {} nested calls", limits.call_levels)
            }
            EvalAltResult::ErrorDataTooLarge(what, _) => match what.as_str() {
                "Length of string" => format!("string longer than {} bytes", limits.string_size),
                "Size of object map" => format!("map of more than {} entries", limits.map_size),
                _ => format!("array or BLOB of more than {} elements", limits.array_size),
            },
            EvalAltResult::ErrorTerminated(..) => {
                format!("stopped at the {:?} deadline", limits.deadline)
            }
            other => other.clear_position().to_string(),
        };
        ScriptError::Run {
            path: path.to_owned(),
            at,
            message,
        }
    }
}

fn syntax_error(path: &Path, error: &ParseError) -> ScriptError {
    let (line, column) = line_and_column(error.position()).unwrap_or((1, 1));
    ScriptError::Syntax {
        path: path.to_owned(),
        line,
        column,
        message: error.err_type().to_string(),
    }
}
