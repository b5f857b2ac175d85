//! A module of the binary `tally` only: neither `greet` nor the library can see it.

use std::num::ParseIntError;

// ANCHOR: parse
pub fn numbers(args: impl Iterator<Item = String>) -> Result<Vec<i64>, ParseIntError> {
    args.map(|arg| arg.parse()).collect()
}
// ANCHOR_END: parse
