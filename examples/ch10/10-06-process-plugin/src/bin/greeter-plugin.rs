//! Recipe 10.6: the greeter plugin, a program of its own. The host starts it, and talks to it
//! over its stdin and stdout; it keeps no state (the host sends the count).

use ch10_06_process_plugin::protocol::serve;

fn main() -> std::io::Result<()> {
    serve("greeter v1", |name, count| {
        format!("Hello, {name}! (greeting #{count})")
    })
}
