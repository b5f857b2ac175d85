//! Files that hold what a program printed, how a folder is drawn, what a compiler said: a test
//! produces the text again and compares it with the file, which the page includes. snapbox does
//! the comparing and, with `SNAPSHOTS=overwrite` in the environment, the rewriting; `cargo xtask
//! bless` sets it (and trybuild's `TRYBUILD=overwrite`) and runs `cargo test`, then `git diff`
//! shows what changed.

use std::path::Path;

use snapbox::{Assert, Data};

/// The environment variable that makes [`check`] rewrite instead of compare.
pub const ACTION_ENV: &str = snapbox::assert::DEFAULT_ACTION_ENV;

/// Compares `actual` with the file at `path`, exactly (only line endings are normalised: no
/// wildcards), and returns the difference as an error. Under `SNAPSHOTS=overwrite` it writes
/// `actual` to the file instead.
pub fn check(path: &Path, actual: &str) -> Result<(), String> {
    let expected = Data::read_from(path, None).raw();
    Assert::new()
        .action_env(ACTION_ENV)
        .try_eq(
            Some(&"produced now"),
            Data::text(actual.to_owned()),
            expected,
        )
        .map_err(|error| {
            format!(
                "{error}If the new text is right, run `cargo xtask bless` and review `git diff`."
            )
        })
}
