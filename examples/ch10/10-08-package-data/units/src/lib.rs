//! Units of length, compiled in from data/units.csv (see build.rs).

// ANCHOR: lib
// `pub static UNITS: &[(&str, f64)]`, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/units.rs"));

/// How many metres one `unit` is.
pub fn metres(unit: &str) -> Option<f64> {
    UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|&(_, m)| m)
}
// ANCHOR_END: lib

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_holds_every_row_of_the_csv_file() {
        assert_eq!(super::UNITS.len(), 3);
        assert_eq!(super::metres("foot"), Some(0.3048));
        assert_eq!(super::metres("furlong"), None);
    }
}
