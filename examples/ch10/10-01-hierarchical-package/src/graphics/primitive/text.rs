//! `crate::graphics::primitive::text`

use std::error::Error;
use std::fmt;

pub(in crate::graphics) const HERE: crate::graphics::Here = (module_path!(), file!());

// ANCHOR: text
/// A label. Its field is private, so every `Text` went through `new` and is never empty.
#[derive(Debug)]
pub struct Text {
    content: String,
}

impl Text {
    pub fn new(content: &str) -> Result<Text, EmptyText> {
        if content.trim().is_empty() {
            return Err(EmptyText);
        }
        Ok(Text {
            content: content.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.content
    }
}
// ANCHOR_END: text

#[derive(Debug, PartialEq, Eq)]
pub struct EmptyText;

impl fmt::Display for EmptyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text needs at least one visible character")
    }
}

impl Error for EmptyText {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constructor_is_the_only_way_in_and_it_refuses_empty_text() {
        assert_eq!(Text::new("  ").map(|_| ()), Err(EmptyText));
        assert_eq!(
            Text::new("hi").map(|t| t.as_str().to_owned()),
            Ok("hi".to_owned())
        );
    }
}
