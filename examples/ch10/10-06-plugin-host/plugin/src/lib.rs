//! Recipe 10.6: the greeter plugin, built as a `cdylib`.
//!
//! Try it: run the host with `cargo run -p ch10-06-plugin-host -- --watch`, change the
//! greeting below, run `cargo build -p greeter-plugin`, and watch the host pick it up.
//! Only safe Rust here: `export_greeter!` writes the `extern "C"` side and catches panics.

use greeter_plugin_abi::{Greeter, HostState, export_greeter};

struct Plugin;

impl Greeter for Plugin {
    fn describe() -> String {
        "greeter-plugin (plugin/)".to_owned()
    }

    fn greet(state: &mut HostState, name: &str) -> String {
        state.greetings += 1;
        format!("Hello, {name}! (greeting #{})", state.greetings)
    }
}

export_greeter!(Plugin);
