//! `crate::stats::prelude`

// ANCHOR: prelude
//! `use crate::stats::prelude::*;` brings what nearly every user of `stats` needs: the trait,
//! without which `Mean.of(…)` does not compile, and the measures. Not `Result` nor `Error`:
//! a glob of those would replace names that the importing module already uses.
pub use super::{Max, Mean, Measure, Median};
// ANCHOR_END: prelude
