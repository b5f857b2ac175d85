//! Recipe 10.9, "Adding directories to the module search path": code that a build script
//! generated, pulled in with `include!` from `OUT_DIR`.

// ANCHOR: include
include!(concat!(env!("OUT_DIR"), "/primes.rs"));
// ANCHOR_END: include

#[cfg(test)]
mod tests {
    use super::PRIMES;

    #[test]
    fn the_generated_table_is_there() {
        assert_eq!(PRIMES.len(), 25);
        assert_eq!(PRIMES[..5], [2, 3, 5, 7, 11]);
        assert_eq!(PRIMES.last(), Some(&97));
    }
}
