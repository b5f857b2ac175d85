//! Recipe 10.11, "Distributing packages": a small crate with the manifest crates.io asks for.

/// Lower-case words of `text`, joined with `-`: `"Hello, World"` → `"hello-world"`.
pub fn slug(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(slug("Hello, World"), "hello-world");
        assert_eq!(slug("  Rust 2024  "), "rust-2024");
    }
}
