//! Recipe 10.6: the second version of the greeter plugin, the one the host reloads.

use ch10_06_process_plugin::protocol::serve;

fn main() -> std::io::Result<()> {
    serve("greeter v2", |name, count| {
        format!(
            "Good day, {}. You are visitor number {count}.",
            name.to_uppercase()
        )
    })
}
