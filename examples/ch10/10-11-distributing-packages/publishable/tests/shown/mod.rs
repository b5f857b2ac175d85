//! Where the book shows a file of this package, for the first line of a failure: the page of
//! the recipe folder (`examples/<chapter>/<recipe>/` is shown by `src/<chapter>/<recipe>.md`).
//! Outside the book (the folder copied out) there is no page, and the file's own name is used.

use std::fs;
use std::path::Path;

/// `src/<chapter>/<recipe>.md:LINE: ` for the first line of the page that includes `file` (a
/// path relative to this package), or `file: ` when no page shows it.
pub fn shown_at(file: &str) -> String {
    let shown = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    for recipe in shown.ancestors() {
        let (Some(chapter), Some(name)) = (recipe.parent(), recipe.file_name()) else {
            break;
        };
        let Some(examples) = chapter.parent() else {
            break;
        };
        if examples.file_name() != Some("examples".as_ref()) {
            continue;
        }
        let (Some(root), Some(chapter_name)) = (examples.parent(), chapter.file_name()) else {
            break;
        };
        let page = Path::new("src")
            .join(chapter_name)
            .join(format!("{}.md", name.to_string_lossy()));
        let Ok(text) = fs::read_to_string(root.join(&page)) else {
            break;
        };
        // Includes name the file from the recipe folder on: `…/<recipe>/units/Cargo.toml`.
        let Ok(inside) = shown.strip_prefix(chapter) else {
            break;
        };
        let wanted = inside.to_string_lossy();
        if let Some(line) = text
            .lines()
            .position(|line| line.contains("{{#") && line.contains(wanted.as_ref()))
        {
            return format!("{}:{}: ", page.display(), line + 1);
        }
        break;
    }
    format!("{file}: ")
}
