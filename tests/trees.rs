//! A page that shows how a program's files are laid out includes `tree.txt` from beside its
//! `main.rs`. That drawing is generated, never typed: this test draws every folder under
//! `examples/` that holds a `tree.txt` as it is on disk, and compares. After moving, adding or
//! removing a file, accept the new drawing with `UPDATE_OUTPUT=1 cargo test --test trees`, and
//! review it. To give a new example a drawing, create an empty `tree.txt` and run the same.
//!
//! The drawing is `tree -F`'s: entries sorted by name, directories marked with a trailing `/`
//! (so `shapes.rs` comes right before `shapes/`), hidden files left out, and so are the two
//! generated files, `output.txt` and `tree.txt`.

use std::fs;
use std::path::{Path, PathBuf};

/// Files that are outputs of the tests, not part of the program.
const GENERATED: [&str; 2] = ["output.txt", "tree.txt"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every directory under `examples/` holding a `tree.txt`, sorted.
fn drawn_dirs() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root().join("examples")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read examples dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "tree.txt") {
                found.push(dir.clone());
            }
        }
    }
    found.sort();
    found
}

/// The children of `dir` as they are drawn: name (with `/` for a directory) and path, sorted.
fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut entries: Vec<(String, PathBuf)> = fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || GENERATED.contains(&name.as_str()) {
                return None;
            }
            let path = entry.path();
            let shown = if path.is_dir() { name + "/" } else { name };
            Some((shown, path))
        })
        .collect();
    entries.sort();
    entries
}

/// Draws `dir` the way `tree -F` does.
fn draw(dir: &Path) -> String {
    let name = dir.file_name().expect("dir name").to_string_lossy();
    let mut out = format!("{name}/\n");
    draw_children(dir, "", &mut out);
    out
}

fn draw_children(dir: &Path, prefix: &str, out: &mut String) {
    let children = entries(dir);
    let count = children.len();
    for (i, (shown, path)) in children.into_iter().enumerate() {
        let last = i + 1 == count;
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&shown);
        out.push('\n');
        if path.is_dir() {
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            draw_children(&path, &deeper, out);
        }
    }
}

#[test]
fn every_tree_txt_draws_its_folder_as_it_is_on_disk() {
    let update = std::env::var_os("UPDATE_OUTPUT").is_some();
    let mut problems = Vec::new();
    for dir in drawn_dirs() {
        let drawn = draw(&dir);
        let file = dir.join("tree.txt");
        if update {
            fs::write(&file, &drawn).expect("write tree.txt");
            continue;
        }
        let shown = fs::read_to_string(&file).expect("read tree.txt");
        if shown != drawn {
            problems.push(format!(
                "{} is not the folder as it is on disk (the page shows that file); after review, \
                 run UPDATE_OUTPUT=1 cargo test --test trees\n--- shown\n{shown}--- on disk\n{drawn}",
                file.strip_prefix(root()).unwrap_or(&file).display()
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The drawing itself, on a folder made for the purpose.
#[test]
fn draws_like_tree_dash_f() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let top = tmp.path().join("demo");
    for file in [
        "main.rs",
        "shapes.rs",
        "shapes/circle.rs",
        "shapes/polygon/mod.rs",
        "output.txt",
        "tree.txt",
        ".hidden",
    ] {
        let path = top.join(file);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, "").expect("write");
    }
    assert_eq!(
        draw(&top),
        "demo/\n\
         ├── main.rs\n\
         ├── shapes.rs\n\
         └── shapes/\n\
         \u{20}   ├── circle.rs\n\
         \u{20}   └── polygon/\n\
         \u{20}       └── mod.rs\n"
    );
}
