//! The page's "Try it", run as shown, with each strategy: `try-it.txt` beside `Cargo.toml` is
//! what the events run records, and the polling run must print the same.
#![cfg(target_os = "linux")] // GNU sed's `-i`

mod session;

use std::time::Duration;

use session::Session;

/// Terminal 1 watches the level (`extra` is `--poll` or nothing); terminal 2 edits it.
fn run(extra: &[&str]) -> Session {
    let mut session = Session::new("terminal_1", "terminal_2");
    session.before(r"printf '#####\n#..@#\n#####\n' > /tmp/level.txt", "");
    let mut args = vec!["--watch", "/tmp/level.txt"];
    args.extend(extra);
    session.start(
        &format!("cargo run -q -p ch10-06-asset-reload -- {}", args.join(" ")),
        env!("CARGO_BIN_EXE_ch10-06-asset-reload"),
        &args,
    );
    session.lines(2);
    session.then("terminal_1_then");
    session.beside(
        r"sed -i 's/\.\./##/' /tmp/level.txt",
        "GNU sed; on macOS: sed -i ''",
    );
    session.lines(1);
    session.beside("touch /tmp/level.txt", "no reload: same content");
    session.quiet(Duration::from_millis(500));
    session.beside("rm /tmp/level.txt", "");
    session.lines(1);
    session.beside(r"printf '###\n#@#\n###\n' > /tmp/level.txt", "");
    session.lines(1);
    session
}

#[test]
fn the_try_it_session_is_what_the_page_shows_with_either_strategy() {
    let (events, polling) = std::thread::scope(|scope| {
        let events = scope.spawn(|| run(&[]));
        let polling = scope.spawn(|| run(&["--poll"]));
        (events.join(), polling.join())
    });
    let (mut events, mut polling) = (
        events.expect("the events session"),
        polling.expect("the polling session"),
    );
    let (events, polling) = (events.blocks(), polling.blocks());
    assert_eq!(polling[2].1, events[2].1, "polling shows what events show");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("try-it.txt");
    session::compare(
        &events,
        &file,
        "the_try_it_session_is_what_the_page_shows_with_either_strategy",
    );
}
