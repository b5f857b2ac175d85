//! The benchmark tables in `src/*/bench/` are written by `cargo xtask bench-tables`, never by
//! hand: each starts with a stamp holding a hash of the rest, written by the generator and
//! recomputed here (the same code, `book_support::stamp`). Every table must be shown by a
//! page, too.

use book_support::pages;
use book_support::stamp as table_stamp;

use std::fs;
use std::path::{Path, PathBuf};

fn files_in(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    files.retain(|f| f.extension().is_some_and(|e| e == extension));
    files.sort();
    files
}

#[test]
fn bench_tables_are_generated_and_shown() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let chapters: Vec<PathBuf> = fs::read_dir(&src)
        .expect("read src/")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_dir())
        .collect();
    let mut tables = 0;
    let mut problems = Vec::new();
    for chapter in &chapters {
        let pages: Vec<String> = files_in(chapter, "md")
            .iter()
            .map(|page| fs::read_to_string(page).expect("read page"))
            .collect();
        for table in files_in(&chapter.join("bench"), "md") {
            tables += 1;
            let shown = table.strip_prefix(&src).expect("under src/").display();
            let text = fs::read_to_string(&table).expect("read table");
            if let Err(problem) = table_stamp::verify(&text) {
                // The page and line that show the table first, then the table itself.
                let place = pages::first_place(&table);
                problems.push(format!("{place}src/{shown}: {problem}"));
            }
            let name = table.file_name().expect("file name").to_string_lossy();
            let include = format!("{{{{#include bench/{name}}}}}");
            if !pages.iter().any(|page| page.contains(&include)) {
                problems.push(format!("src/{shown}: no page shows it with `{include}`"));
            }
        }
    }
    assert!(tables > 0, "no benchmark tables under src/*/bench/");
    if !problems.is_empty() {
        panic!("{}", problems.join("\n"));
    }
}

#[test]
fn the_stamp_notices_an_edit() {
    let generated = table_stamp::stamp("| a | b |\n| --- | --- |\n| 1 | 2 |\n");
    assert_eq!(table_stamp::verify(&generated), Ok(()));
    let edited = generated.replace("| 1 |", "| 0.5 |");
    let error = table_stamp::verify(&edited).expect_err("an edited table");
    assert!(
        error.contains("rerun `cargo xtask bench-tables`"),
        "{error}"
    );
    let unstamped = "| a | b |\n";
    assert!(table_stamp::verify(unstamped).is_err());
}
