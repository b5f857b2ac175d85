//! Recipe 10.2, "Controlling what a module exports": a `stats` module whose files are private,
//! and whose public face is a list of re-exports, a prelude, a sealed trait and a hidden helper.
//! Run it with `cargo run -p ch10-02-controlling-exports`.

mod stats;

use std::any::type_name;
use std::error::Error;

// ANCHOR: use_prelude
use stats::prelude::*;
// ANCHOR_END: use_prelude

// `Result` is still the standard one here: the prelude does not export `stats::Result`.
fn main() -> Result<(), Box<dyn Error>> {
    println!("== measures, through the prelude");
    // ANCHOR: measures
    let data = [3.0, 1.0, 4.0, 1.0, 5.0, 10.0];
    println!("{} = {}", Mean::NAME, Mean.of(&data)?);
    println!("{} = {}", Median::NAME, Median.of(&data)?);
    println!("{} = {}", Max::NAME, Max.of(&data)?);
    for bad in [&[][..], &[1.0, f64::NAN]] {
        match Mean.of(bad) {
            Ok(mean) => println!("mean of {bad:?} = {mean}"),
            Err(e) => println!("mean of {bad:?}: {e}"),
        }
    }
    // ANCHOR_END: measures

    println!("\n== a re-export is the same item, under another path");
    // ANCHOR: same_item
    println!(
        "stats::Mean          is {}",
        short(type_name::<stats::Mean>())
    );
    println!("stats::prelude::Mean is {}", short(type_name::<Mean>()));
    println!(
        "stats::Result<f64>   is {}",
        short(type_name::<stats::Result<f64>>())
    );
    // ANCHOR_END: same_item

    println!("\n== a macro, through a hidden module");
    // ANCHOR: macro_call
    println!("{}", crate::summary!(3.0, 1.0, 4.0, 1.0)?);
    // ANCHOR_END: macro_call

    println!("\n== an explicit import wins over a glob");
    println!("ports::parse(\"8080\") = {:?}", ports::parse("8080"));
    println!("ports::parse(\"http\") = {:?}", ports::parse("http"));
    println!("ports::mean(&[80, 443]) = {:?}", ports::mean(&[80, 443]));
    Ok(())
}

/// A type's full name, without the crate's name in front.
fn short(name: &str) -> String {
    name.replace(concat!(env!("CARGO_CRATE_NAME"), "::"), "crate::")
}

// ANCHOR: shadowing
mod ports {
    use crate::stats::*; // all that `stats` offers, its one-parameter `Result` too
    use std::result::Result; // explicit: in this module, `Result` is the standard one again

    pub fn parse(text: &str) -> Result<u16, String> {
        text.parse().map_err(|_| format!("not a port: {text}"))
    }

    /// `stats::Result` is still there, under its full path.
    pub fn mean(ports: &[u16]) -> crate::stats::Result<f64> {
        let values: Vec<f64> = ports.iter().map(|&p| f64::from(p)).collect();
        Mean.of(&values)
    }
}
// ANCHOR_END: shadowing

#[cfg(test)]
mod tests {
    use std::any::{TypeId, type_name};

    use super::*;
    use crate::stats::Error as StatsError;

    // ANCHOR: tests
    #[test]
    fn a_reexport_is_the_item_itself_not_a_copy() {
        // `TypeId` identifies a type; `type_name` only describes it.
        assert_eq!(
            TypeId::of::<stats::Mean>(),
            TypeId::of::<stats::prelude::Mean>()
        );
        let original = type_name::<stats::Mean>();
        assert!(original.ends_with("::stats::measure::Mean"), "{original}");
    }

    #[test]
    fn an_explicit_import_wins_over_a_glob() {
        // `ports` globs `stats::Result<T>` but returns `std::result::Result<u16, String>`.
        assert_eq!(ports::parse("80"), Ok(80));
        assert_eq!(ports::parse("x"), Err("not a port: x".to_owned()));
        assert_eq!(ports::mean(&[]), Err(StatsError::Empty));
    }

    #[test]
    fn a_hidden_item_can_still_be_called_from_outside_its_module() {
        let direct = stats::__private::summarise(&[2.0, 4.0]);
        assert_eq!(direct, crate::summary!(2.0, 4.0));
        assert_eq!(
            direct.as_deref(),
            Ok("n = 2, mean = 3, median = 3, max = 4")
        );
        assert_eq!(crate::summary!(), Err(StatsError::Empty));
    }

    /// Code generic over the sealed trait works with every measure the module provides.
    #[test]
    fn every_measure_implements_the_sealed_trait() {
        fn name_and_value<M: Measure>(m: M, data: &[f64]) -> (&'static str, stats::Result<f64>) {
            (M::NAME, m.of(data))
        }
        let data = [1.0, 2.0, 6.0];
        assert_eq!(name_and_value(Mean, &data), ("mean", Ok(3.0)));
        assert_eq!(name_and_value(Median, &data), ("median", Ok(2.0)));
        assert_eq!(name_and_value(Max, &data), ("max", Ok(6.0)));
        assert_eq!(
            name_and_value(Max, &[1.0, f64::NAN]).1,
            Err(StatsError::NotANumber { at: 1 })
        );
        // The fold starts at -inf, not f64::MIN (the most negative *finite* value).
        assert_eq!(Max.of(&[f64::NEG_INFINITY]), Ok(f64::NEG_INFINITY));
    }
    // ANCHOR_END: tests
}
