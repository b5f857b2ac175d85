//! `crate::stats::measure`: the measures, private; `stats` re-exports them.

// A child sees its parent's private items: `sealed` is private to `stats`, and we are inside.
use super::sealed::Sealed;
use super::{Error, Result};

// ANCHOR: measure
/// A statistic of a data set. Anyone may use it; only `stats` may implement it, so `stats` can
/// add a method later, or rely on knowing every implementation, without breaking anyone.
pub trait Measure: Sealed {
    const NAME: &'static str;

    fn of(&self, data: &[f64]) -> Result<f64>;
}

pub struct Mean;

impl Sealed for Mean {}

impl Measure for Mean {
    const NAME: &'static str = "mean";

    fn of(&self, data: &[f64]) -> Result<f64> {
        let n = checked(data)?.len() as f64;
        Ok(data.iter().sum::<f64>() / n)
    }
}
// ANCHOR_END: measure

pub struct Median;

impl Sealed for Median {}

impl Measure for Median {
    const NAME: &'static str = "median";

    fn of(&self, data: &[f64]) -> Result<f64> {
        let mut sorted = checked(data)?.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        Ok(if sorted.len() % 2 == 0 {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        } else {
            sorted[mid]
        })
    }
}

pub struct Max;

impl Sealed for Max {}

impl Measure for Max {
    const NAME: &'static str = "max";

    fn of(&self, data: &[f64]) -> Result<f64> {
        Ok(checked(data)?
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max))
    }
}

/// Private to this module: the measures share it, nobody else needs it.
fn checked(data: &[f64]) -> Result<&[f64]> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    match data.iter().position(|x| x.is_nan()) {
        Some(at) => Err(Error::NotANumber { at }),
        None => Ok(data),
    }
}
