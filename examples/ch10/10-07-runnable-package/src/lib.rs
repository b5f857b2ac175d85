//! The code the binaries share. Each binary is a crate of its own that depends on this
//! library, which it names `ch10_runnable` (the package name, `-` becoming `_`).

// ANCHOR: lib
/// `Hello, Ada and Grace!`, or `Hello, world!` for no names.
pub fn greeting<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => "Hello, world!".to_owned(),
        [one] => format!("Hello, {}!", one.as_ref()),
        [first @ .., last] => {
            let first: Vec<&str> = first.iter().map(AsRef::as_ref).collect();
            format!("Hello, {} and {}!", first.join(", "), last.as_ref())
        }
    }
}
// ANCHOR_END: lib

#[cfg(test)]
mod tests {
    use super::greeting;

    #[test]
    fn greets_everyone_named() {
        assert_eq!(greeting::<&str>(&[]), "Hello, world!");
        assert_eq!(greeting(&["Ada"]), "Hello, Ada!");
        assert_eq!(
            greeting(&["Ada", "Grace", "Linus"]),
            "Hello, Ada, Grace and Linus!"
        );
    }
}
