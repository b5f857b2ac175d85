//! The binary `tally`, a folder because it has a module of its own: `src/bin/tally/main.rs`
//! with `src/bin/tally/parse.rs` beside it.

// ANCHOR: tally
mod parse;

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let numbers = parse::numbers(std::env::args().skip(1))?;
    println!("{}", numbers.iter().sum::<i64>());
    Ok(())
}
// ANCHOR_END: tally
