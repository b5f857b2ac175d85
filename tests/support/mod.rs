//! What the book-wide tests share: the recipe packages of the workspace, read with
//! `cargo metadata` (through the `cargo_metadata` crate).
// Each test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cargo_metadata::{MetadataCommand, TargetKind};

/// The root of the repository (the root package's folder).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A recipe's package: a folder `examples/<chapter>/<recipe>/` with its own `Cargo.toml`.
pub struct Recipe {
    /// `ch10-06-config-reload`
    pub package: String,
    /// The binary `cargo run -p PACKAGE` runs, if the package has one.
    pub bin: Option<String>,
    /// `examples/ch10/10-06-config-reload`, relative to the repository.
    pub dir: String,
}

impl Recipe {
    pub fn path(&self) -> PathBuf {
        root().join(&self.dir)
    }
}

/// Every recipe package of the workspace, sorted by folder. Crates that live inside a
/// recipe's folder (such as `examples/ch10/10-05-one-namespace/shop`) are not recipes: they
/// travel with the folder that holds them.
pub fn recipes() -> Vec<Recipe> {
    let metadata = MetadataCommand::new()
        .manifest_path(root().join("Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let mut recipes: Vec<Recipe> = metadata
        .workspace_packages()
        .into_iter()
        .filter_map(|package| {
            let dir = package.manifest_path.parent()?;
            let relative = dir.strip_prefix(root()).ok()?.as_str().replace('\\', "/");
            let parts: Vec<&str> = relative.split('/').collect();
            if parts.len() != 3 || parts[0] != "examples" {
                return None;
            }
            let bins: Vec<&str> = package
                .targets
                .iter()
                .filter(|t| t.kind.contains(&TargetKind::Bin))
                .map(|t| t.name.as_str())
                .collect();
            let bin = package
                .default_run
                .clone()
                .or_else(|| (bins.len() == 1).then(|| bins[0].to_owned()));
            Some(Recipe {
                package: package.name.to_string(),
                bin,
                dir: relative,
            })
        })
        .collect();
    recipes.sort_by(|a, b| a.dir.cmp(&b.dir));
    recipes
}
