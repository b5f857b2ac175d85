//! The rows of the fault table, provoked as `examples/faults_process.rs` provokes them. Alone
//! in its test binary: the `rapid-swaps-200` row counts this process's children, open files
//! and threads, which other tests running beside it would change. Reads Linux's `/proc`.
#![cfg(target_os = "linux")]

use std::fs;
use std::path::Path;

use ch10_06_process_plugin::fault_table::{KEYS, rows};
use ch10_06_process_plugin::host::Plugins;

#[test]
fn the_fault_table_rows_are_what_the_other_tests_check() {
    let scratch = std::env::temp_dir().join(format!(
        "ch10-06-process-plugin-fault-table-{}",
        std::process::id()
    ));
    fs::create_dir_all(&scratch).expect("create scratch dir");
    let plugins = Plugins {
        dir: Path::new(env!("CARGO_BIN_EXE_greeter-plugin"))
            .parent()
            .expect("target/debug"),
    };
    let rows = rows(&plugins, &scratch);
    for (index, (key, row)) in KEYS.iter().zip(&rows).enumerate() {
        let cell = row.strip_prefix(&format!("{key} | ")).expect("KEY | CELL");
        assert!(cell.chars().count() <= 70, "too long: {row}");
        assert!(!cell.contains('|'), "{row}");
        // The first five fail the greeting in progress; the others are refused before they
        // serve, or (a thread left running) serve and are stopped.
        if index < 5 {
            assert!(cell.starts_with("clear error: "), "{row}");
            assert!(cell.ends_with(", last good restarted"), "{row}");
        } else {
            assert!(cell.starts_with("kept last good: "), "{row}");
        }
    }
    assert_eq!(
        rows[0],
        "panic | clear error: died (exit status 101), last good restarted"
    );
    assert_eq!(
        rows[2],
        "segfault | clear error: died (signal 11, SIGSEGV), last good restarted"
    );
    assert_eq!(
        rows[6],
        "wrong-version | kept last good: refused: protocol 3, host speaks 2"
    );
    assert_eq!(
        rows[11],
        "rapid-swaps-200 | kept last good: 200 swaps, no child, zombie, fd or thread left"
    );
    fs::remove_dir_all(&scratch).expect("clean up");
}
