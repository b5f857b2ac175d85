//! Recipe 10.1, "Making a hierarchical package of modules": the Python Cookbook's `graphics`
//! package (`primitive`, `formats`) as a tree of Rust modules, one file each.
//! Run it with `cargo run -p ch10-01-hierarchical-package`.

// ANCHOR: root
mod graphics; // the file graphics.rs, beside this one
// ANCHOR_END: root

use std::error::Error;
use std::path::Path;

// ANCHOR: uses
use graphics::formats::{self, jpg, png};
use graphics::primitive::Point;
use graphics::primitive::fill::Fill;
use graphics::primitive::line::Line;
use graphics::primitive::text::Text;
// ANCHOR_END: uses

fn main() -> Result<(), Box<dyn Error>> {
    println!("== each module and the file it was compiled from");
    // ANCHOR: list_modules
    let folder = Path::new(file!()).parent().ok_or("main.rs has no folder")?;
    for (module, file) in graphics::modules() {
        // module_path!() starts with the crate's name: show it as `crate`, as paths write it.
        let module = module.split_once("::").map_or(module, |(_, rest)| rest);
        let file = Path::new(file).strip_prefix(folder)?;
        println!("crate::{module:<26} {}", file.display());
    }
    // ANCHOR_END: list_modules

    println!("\n== using the package from main");
    // ANCHOR: use_package
    let line = Line {
        from: Point { x: 0, y: 0 },
        to: Point { x: 3, y: 4 },
    };
    println!("{line:?} has length {}", line.length());
    let label = Text::new("hello")?;
    println!("text {:?}", label.as_str());
    let fill = Fill::new(3, 2, 7);
    println!("fill of area {}", fill.area());
    println!("as png: {}", formats::describe(&png::encode(&fill)));
    println!("as jpg: {}", formats::describe(&jpg::encode(&fill)));
    match Text::new(" ") {
        Ok(text) => println!("made an empty text {:?}", text.as_str()),
        Err(e) => println!("Text::new(\" \") refused: {e}"),
    }
    // ANCHOR_END: use_package
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;
    use std::{env, fs};

    use super::graphics;

    // ANCHOR: files_test
    /// `a::b::c` is compiled from `a/b/c.rs` or from `a/b/c/mod.rs`, relative to main.rs.
    #[test]
    fn every_module_is_compiled_from_the_file_its_path_names() {
        for (module, file) in graphics::modules() {
            let (_crate_name, path) = module.split_once("::").expect("a module below the root");
            let stem = path.replace("::", "/");
            let new_style = format!("{stem}.rs");
            let old_style = format!("{stem}/mod.rs");
            assert!(
                file.ends_with(&new_style) || file.ends_with(&old_style),
                "{module} came from {file}"
            );
        }
    }
    // ANCHOR_END: files_test

    #[test]
    fn both_layouts_are_used_here() {
        let files: Vec<&str> = graphics::modules().iter().map(|(_, f)| *f).collect();
        assert!(files.iter().any(|f| f.ends_with("graphics/formats/mod.rs")));
        assert!(files.iter().any(|f| f.ends_with("graphics/primitive.rs")));
    }

    /// A module may have `name.rs` or `name/mod.rs`, not both: rustc refuses to choose. This
    /// builds a crate with both in a temporary folder, with `$RUSTC` or the `rustc` on the PATH.
    #[test]
    fn a_module_with_both_files_is_refused() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        fs::create_dir(dir.join("shapes")).expect("mkdir");
        fs::write(dir.join("main.rs"), "mod shapes;\nfn main() {}\n").expect("write");
        fs::write(dir.join("shapes.rs"), "").expect("write");
        fs::write(dir.join("shapes/mod.rs"), "").expect("write");
        let run = Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .current_dir(dir)
            .args(["--edition", "2024", "--emit=metadata", "--color=never"])
            .arg("--out-dir")
            .arg(dir)
            .arg(Path::new("main.rs"))
            .output()
            .expect("run rustc");
        let said = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success());
        assert!(
            said.contains("error[E0761]: file for module `shapes` found at both"),
            "{said}"
        );
    }
}
