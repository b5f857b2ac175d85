//! Recipe 10.6: reloading a script while the program runs. The script (rhai) computes the
//! greeting; the host keeps the state (the greeting count) and passes it in. `script` compiles,
//! checks and calls a script within limits; `reloader` watches its file (through `follow`, which
//! follows the path through symlinks) and swaps in each new version that passes; `src/main.rs` shows them, `examples/faults_script.rs` provokes each fault.

pub mod follow;
pub mod reloader;
pub mod script;

#[cfg(test)]
mod tests;

use reloader::Scripts;
use script::ScriptError;

// ANCHOR: host
/// The host: its state outlives every version of the script.
pub struct Host {
    scripts: Scripts,
    greetings: u64,
}

impl Host {
    pub fn new(scripts: Scripts) -> Self {
        Host {
            scripts,
            greetings: 0,
        }
    }

    /// The count goes up only when the script answered: a failed call changes nothing.
    pub fn greet(&mut self, name: &str) -> Result<String, ScriptError> {
        let count = self.greetings + 1;
        let text = self.scripts.greet(name, count)?;
        self.greetings = count;
        Ok(text)
    }

    pub fn greetings(&self) -> u64 {
        self.greetings
    }

    pub fn scripts(&self) -> &Scripts {
        &self.scripts
    }
}
// ANCHOR_END: host
