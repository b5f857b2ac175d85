mod graphics {
    pub mod text {
        pub struct Text {
            content: String,
        }

        impl Text {
            pub fn new(content: &str) -> Option<Text> {
                let content = content.trim().to_owned();
                (!content.is_empty()).then_some(Text { content })
            }
        }
    }
}

fn main() {
    // Going around `Text::new`, and its check, is what the private field forbids.
    let empty = graphics::text::Text {
        content: String::new(),
    };
    let _ = (empty, graphics::text::Text::new("hello"));
}
