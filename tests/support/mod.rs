//! What the companion crate's integration tests share: the manifest and its `[[example]]`s.
// Each test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

/// The root of the repository (the companion crate's folder).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A TOML file of the repository, parsed.
pub fn read_toml(path: &Path) -> toml::Table {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .parse()
        .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// One `[[example]]` of the companion crate: a program of the book.
pub struct Example {
    pub name: String,
    /// `examples/ch10/10-06-…/main.rs`
    pub path: String,
    /// `examples/ch10/10-06-…`
    pub dir: String,
}

/// The `[[example]]` entries of `manifest` (the root Cargo.toml), in its order.
pub fn examples(manifest: &toml::Table) -> Vec<Example> {
    manifest
        .get("example")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .map(|e| {
            let path = e["path"].as_str().expect("example path").to_owned();
            let dir = path.rsplit_once('/').expect("example dir").0.to_owned();
            Example {
                name: e["name"].as_str().expect("example name").to_owned(),
                path,
                dir,
            }
        })
        .collect()
}
