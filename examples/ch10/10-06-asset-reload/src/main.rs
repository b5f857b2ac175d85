//! Recipe 10.6, "Reloading modules": reloading a data file (a game level) by polling its
//! modification time and by change events, with the pitfalls of each.
//! Run it with `cargo run -p ch10-06-asset-reload`, or watch your own file with
//! `cargo run -p ch10-06-asset-reload -- --watch level.txt` (add `--poll` to poll).

mod asset;
#[cfg(test)]
mod fault_tests;
mod follow;
#[cfg(test)]
mod tests;

use std::error::Error;
use std::fs;
use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use asset::{CheckForChange, PolledFile, Stamp, WatchedFile};

/// About 60 frames per second.
const FRAME: Duration = Duration::from_millis(16);
/// How long the demo waits for a change before giving up.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the demo plays frames to show that nothing is reported.
const QUIET: Duration = Duration::from_millis(50);

const LEVEL_1: &str = "#####\n#..@#\n#####\n";
const LEVEL_2: &str = "#######\n#.@...#\n#######\n";
const LEVEL_3: &str = "#######\n#.@.#.#\n#######\n"; // same length as LEVEL_2
const LEVEL_4: &str = "###\n#@#\n###\n";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [] => demo(),
        [flag, path] if flag == "--watch" => watch(Path::new(path), false),
        [flag, path, poll] if flag == "--watch" && poll == "--poll" => watch(Path::new(path), true),
        _ => Err("usage: ch10-06-asset-reload [--watch FILE [--poll]]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn describe(level: &str) -> String {
    let rows = level.lines().count();
    let walls = level.matches('#').count();
    format!("{rows} rows, {walls} walls")
}

/// Replaces the file the way editors and asset tools do: write a sibling, rename it over.
fn save(path: &Path, text: &str) -> io::Result<()> {
    let temporary = path.with_extension("tmp");
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

fn set_mtime(path: &Path, modified: SystemTime) -> io::Result<()> {
    fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(modified)
}

// ANCHOR: game_loop
/// The hot-reload part of one frame of a game loop: ask the asset whether it changed.
fn frame(asset: &mut dyn CheckForChange) -> Option<String> {
    outcome(asset.check())
}

fn outcome(checked: io::Result<Option<String>>) -> Option<String> {
    match checked {
        Ok(Some(level)) => Some(format!("reloaded: {}", describe(&level))),
        Ok(None) => None,
        // Keep playing the level we have; a later save will be picked up.
        Err(error) => Some(format!("kept the old level: {error}")),
    }
}
// ANCHOR_END: game_loop

/// Plays frames until one reports something, for at most `limit`.
fn frames(asset: &mut dyn CheckForChange, limit: Duration) -> Option<String> {
    let start = Instant::now();
    loop {
        if let Some(said) = frame(asset) {
            return Some(said);
        }
        if start.elapsed() >= limit {
            return None;
        }
        thread::sleep(FRAME);
    }
}

fn show(what: &str, outcome: Option<String>) {
    println!(
        "  {what}: {}",
        outcome.unwrap_or_else(|| "nothing changed".to_owned())
    );
}

fn demo() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("level.txt");
    save(&path, LEVEL_1)?;

    // ANCHOR: polling_demo
    println!("polling (one stat per frame):");
    let (mut polled, level) = PolledFile::open(&path)?;
    println!("  loaded: {}", describe(&level));
    show("no edit", frames(&mut polled, QUIET));
    save(&path, LEVEL_2)?;
    show("save a bigger level", frames(&mut polled, EVENT_TIMEOUT));

    // An hour ahead: the file stays "recently modified" for the rest of the demo, however
    // slow the machine, so the next step prints the same on every run.
    let before = Stamp::of(&path)?;
    let an_hour_later = before
        .modified
        .checked_add(Duration::from_secs(3600))
        .ok_or("the clock is too close to its end to add an hour")?;
    set_mtime(&path, an_hour_later)?;
    show("touch (new mtime, same bytes)", frames(&mut polled, QUIET));

    // Two saves in one timestamp tick, forced here so that it happens on every run.
    let before = Stamp::of(&path)?;
    fs::write(&path, LEVEL_3)?; // in place: the same file, the same length
    set_mtime(&path, before.modified)?;
    let after = Stamp::of(&path)?;
    let same = |stamp: &Stamp| (stamp.modified, stamp.len, stamp.file);
    println!(
        "  same length, same mtime, same file: {}",
        same(&before) == same(&after)
    );
    show("save within one tick", frames(&mut polled, EVENT_TIMEOUT));
    // ANCHOR_END: polling_demo

    fs::remove_file(&path)?;
    show("delete", frame(&mut polled));
    save(&path, LEVEL_4)?;
    show("create again", frames(&mut polled, EVENT_TIMEOUT));

    // A file last modified long ago: its stamp is trusted, checks cost a `stat` each.
    let an_hour_ago = SystemTime::now()
        .checked_sub(Duration::from_secs(3600))
        .ok_or("the clock is less than an hour after its epoch")?;
    set_mtime(&path, an_hour_ago)?;
    let (mut steady, _) = PolledFile::open(&path)?;
    let changes = (0..1000)
        .filter_map(|_| steady.check().ok().flatten())
        .count();
    println!(
        "  1000 checks of a steady file: {changes} changes, {} read of its content",
        steady.content_reads()
    );

    println!("events (notify: inotify, FSEvents, kqueue or ReadDirectoryChangesW):");
    let (mut watched, level) = WatchedFile::open(&path)?;
    println!("  loaded: {}", describe(&level));
    show("no edit", frame(&mut watched));
    // A tool can block until the next change instead of checking every frame.
    save(&path, LEVEL_1)?;
    show("save", outcome(watched.wait_for_change(EVENT_TIMEOUT)));
    fs::remove_file(&path)?;
    show("delete", outcome(watched.wait_for_change(EVENT_TIMEOUT)));
    save(&path, LEVEL_2)?;
    show(
        "create again",
        outcome(watched.wait_for_change(EVENT_TIMEOUT)),
    );
    Ok(())
}

// ANCHOR: watch
/// The file, watched by events or polled, and its first content.
fn open(path: &Path, poll: bool) -> io::Result<(Box<dyn CheckForChange>, String)> {
    Ok(if poll {
        let (polled, level) = PolledFile::open(path)?;
        (Box::new(polled), level)
    } else {
        let (watched, level) = WatchedFile::open(path)?;
        (Box::new(watched), level)
    })
}

/// `--watch FILE [--poll]`: report each change until Ctrl-C.
fn watch(path: &Path, poll: bool) -> Result<(), Box<dyn Error>> {
    let (mut asset, level) =
        open(path, poll).map_err(|error| format!("{}: {error}", path.display()))?;
    println!("loaded: {}", describe(&level));
    println!(
        "watching {}; edit and save it, Ctrl-C to stop",
        path.display()
    );
    let mut last_said = None;
    loop {
        let said = frame(asset.as_mut());
        // A missing file fails every frame: say it once.
        if let Some(message) = &said
            && said != last_said
        {
            println!("{message}");
        }
        last_said = said;
        thread::sleep(FRAME); // the rest of the frame
    }
}
// ANCHOR_END: watch
