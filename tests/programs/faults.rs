//! 10.6's fault table: each way of reloading code has a program that provokes every fault of
//! the table against its real host and prints one `FAULT | OUTCOME` line per fault (`cargo run
//! -p PACKAGE --example NAME`). This test builds them as `cargo test` builds
//! (`crate::built`), runs them all, puts their columns side by side and
//! compares the table with `src/ch10/faults/10-06-faults.md`, the file the page includes.

use book_support::{pages, programs, root, snapshot};

/// The columns: a heading, the package, its example that prints the column.
const APPROACHES: &[(&str, &str, &str)] = &[
    (
        "[dynamic library](10-06-plugin-host.md)",
        "ch10-06-plugin-host",
        "faults_dylib",
    ),
    (
        "[child process](10-06-process-plugin.md)",
        "ch10-06-process-plugin",
        "faults_process",
    ),
    (
        "[script](10-06-script-reload.md)",
        "ch10-06-script-reload",
        "faults_script",
    ),
];

const TABLE: &str = "src/ch10/faults/10-06-faults.md";

/// Runs one approach's example; returns its `(fault, outcome)` lines.
fn column(package: &str, example: &str) -> Result<Vec<(String, String)>, String> {
    let run = format!("cargo run -q -p {package} --example {example}");
    let output = programs::command(&programs::example(example))
        .output()
        .map_err(|error| format!("{run}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{run} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            line.split_once(" | ")
                .map(|(fault, outcome)| (fault.to_owned(), outcome.to_owned()))
                .ok_or_else(|| format!("{run}: not `FAULT | OUTCOME`: {line:?}"))
        })
        .collect()
}

#[test]
fn the_fault_table_is_what_the_fault_programs_observe() {
    if let Err(error) = crate::built() {
        panic!("{}{error}", pages::first_place(&root().join(TABLE)));
    }
    let columns: Vec<Vec<(String, String)>> = std::thread::scope(|scope| {
        let runs: Vec<_> = APPROACHES
            .iter()
            .map(|&(_, package, example)| scope.spawn(move || column(package, example)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("column runner panicked"))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|error| panic!("{}{error}", pages::first_place(&root().join(TABLE))))
    });
    let faults: Vec<&str> = columns[0].iter().map(|(fault, _)| fault.as_str()).collect();
    for (column, (heading, ..)) in columns.iter().zip(APPROACHES) {
        let rows: Vec<&str> = column.iter().map(|(fault, _)| fault.as_str()).collect();
        assert_eq!(rows, faults, "{heading}: other faults, or in another order");
    }
    let mut table = String::from(
        "<!-- Written by `cargo xtask bless` from `cargo test --test programs`; do not edit. -->\n\n| fault |",
    );
    for (heading, ..) in APPROACHES {
        table += &format!(" {heading} |");
    }
    table += "\n| --- |";
    table += &" --- |".repeat(APPROACHES.len());
    for (row, fault) in faults.iter().enumerate() {
        table += &format!("\n| {fault} |");
        for column in &columns {
            table += &format!(" {} |", column[row].1);
        }
    }
    table.push('\n');
    let file = root().join(TABLE);
    if let Err(difference) = snapshot::check(&file, &table) {
        panic!("{}{TABLE}: {difference}", pages::first_place(&file));
    }
}
