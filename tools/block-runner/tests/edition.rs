//! A block written in a page compiles in the edition of the package whose tests run it: the
//! book's tests run in `tools/booktest`, whose edition is book.toml's (its build script checks
//! that). This package's edition is the same, so its own blocks show the rule.

use std::panic;

/// Compiles `code` as a `no_run` block written in a page, through skeptic, as
/// tools/booktest/tests/snippets.rs does (checking only: the editions differ at compile time).
fn compiles_as_page_block(code: &str) -> bool {
    compile_as_page_block(code).is_ok()
}

/// The same, with the message of the failure.
fn compile_as_page_block(code: &str) -> Result<(), String> {
    let run = || {
        block_runner::compile_test(
            "src/ch10/page.md",
            12,
            true,
            env!("CARGO_MANIFEST_DIR"),
            env!("OUT_DIR"),
            env!("BLOCK_RUNNER_TARGET"),
            code,
        )
    };
    panic::catch_unwind(run).map_err(|failure| {
        failure
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    })
}

/// This package is in edition 2024, as book.toml says the book is: a block valid only in 2021
/// fails, naming its page and line, and one valid only in 2024 passes.
#[test]
fn page_blocks_are_compiled_in_the_books_edition() {
    // A reference to a `static mut`: a warning in 2021, denied (`static_mut_refs`) in 2024.
    let only_2021 = "static mut SEEN: Vec<u32> = Vec::new();\n\
                     fn main() { let n = unsafe { SEEN.len() }; assert_eq!(n, 0); }\n";
    // A let chain: an error before 2024.
    let only_2024 = "fn main() {\n    let a = Some(2);\n    \
                     if let Some(n) = a && n > 1 { return; }\n    panic!(\"not reached\");\n}\n";
    let refused = compile_as_page_block(only_2021).expect_err("a 2021-only block passed");
    // The failure names the block's page and line, not skeptic's command line.
    assert!(
        refused.starts_with("src/ch10/page.md:12: the Rust block does not compile"),
        "{refused}"
    );
    assert!(
        compiles_as_page_block(only_2024),
        "a block valid only in edition 2024 failed"
    );
}
