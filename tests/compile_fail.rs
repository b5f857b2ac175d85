//! Every snippet the book shows as "does not compile" (```rust,compile_fail blocks include them
//! from tests/compile-fail/) must fail to compile with exactly the message in its `.stderr` file,
//! which the page shows too. A snippet that starts compiling, or whose message changes, fails here.
//! To accept a new compiler message after review: `TRYBUILD=overwrite cargo test --test compile_fail`.

#[test]
fn snippets_shown_as_not_compiling_fail_with_the_shown_message() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile-fail/**/*.rs");
}
