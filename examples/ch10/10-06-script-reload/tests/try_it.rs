//! The page's "Try it", run as shown: `try-it.txt` beside `Cargo.toml` is what it records.
#![cfg(target_os = "linux")] // GNU sed's `-i`

mod session;

#[test]
fn the_try_it_session_is_what_the_page_shows() {
    let mut session = session::Session::new("terminal_1", "terminal_2");
    // The page's commands run at the root of the book's repository.
    let here = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    session.placeholder("examples/ch10/10-06-script-reload/", here);
    session.before(
        "cp examples/ch10/10-06-script-reload/scripts/v1.rhai /tmp/greeter.rhai",
        "",
    );
    session.start(
        "cargo run -q -p ch10-06-script-reload -- --watch /tmp/greeter.rhai",
        env!("CARGO_BIN_EXE_ch10-06-script-reload"),
        &["--watch", "/tmp/greeter.rhai"],
    );
    session.lines(1);
    session.type_line("Ada");
    session.lines(1);
    session.then("terminal_1_then");
    session.beside(
        "sed -i 's/Hello/Howdy/' /tmp/greeter.rhai",
        "GNU sed; on macOS: sed -i ''",
    );
    session.lines(1);
    session.type_line("Grace");
    session.lines(1);
    session.beside(
        "sed -i 's/greet(name, count)/welcome(name, count)/' /tmp/greeter.rhai",
        "",
    );
    session.lines(1);
    session.type_line("Linus");
    session.lines(1);
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("try-it.txt");
    session.finish(&file, "the_try_it_session_is_what_the_page_shows");
}
