//! The packages of the book's workspace, from `cargo metadata` (through `cargo_metadata`).

use std::path::{Path, PathBuf};

use cargo_metadata::camino::Utf8Path;
use cargo_metadata::{Metadata, MetadataCommand, TargetKind};

use crate::root;

/// A package of the workspace, or a path dependency of one that lives outside it (`tiny` 1
/// and 2 of recipe 10.6, excluded because two members cannot share a name).
pub struct Package {
    pub name: String,
    /// Its folder, relative to the repository, with `/`: `examples/ch10/10-05-one-namespace/shop`.
    pub dir: String,
    /// `cargo test` at the root builds and tests it: a default member, or a path dependency of
    /// one.
    pub tested: bool,
    /// The binary `cargo run -p NAME` runs: `default-run`, or its only binary.
    pub bin: Option<String>,
    /// The names it gives its dependencies in its manifest (`tiny1 = { package = "tiny", … }`).
    pub renamed_dependencies: Vec<String>,
    /// A member of the book's workspace (not a path dependency kept outside it).
    pub member: bool,
}

impl Package {
    pub fn path(&self) -> PathBuf {
        root().join(&self.dir)
    }

    /// A recipe's package: the folder `examples/<chapter>/<recipe>/` itself. The crates inside
    /// a recipe's folder (such as `examples/ch10/10-05-one-namespace/shop`) are not recipes:
    /// they travel with the folder that holds them.
    pub fn is_recipe(&self) -> bool {
        let parts: Vec<&str> = self.dir.split('/').collect();
        parts.len() == 3 && parts[0] == "examples"
    }

    /// The workspace members inside this package's folder, such as 10.5's `shop-core`: in a
    /// copy of the folder, `cargo test` leaves their tests out, and `cargo test --manifest-path
    /// DIR/Cargo.toml` runs them.
    pub fn inner<'a>(&self, all: &'a [Package]) -> Vec<&'a Package> {
        all.iter()
            .filter(|p| p.member && p.dir != self.dir)
            .filter(|p| Path::new(&p.dir).starts_with(&self.dir))
            .collect()
    }

    /// This package's manifest, relative to the folder of `outer`: `shop/core/Cargo.toml`.
    pub fn manifest_in(&self, outer: &Package) -> String {
        let dir = Path::new(&self.dir);
        let inside = dir.strip_prefix(&outer.dir).unwrap_or(dir);
        inside
            .join("Cargo.toml")
            .to_string_lossy()
            .replace('\\', "/")
    }
}

fn metadata() -> Result<Metadata, String> {
    MetadataCommand::new()
        .manifest_path(root().join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|error| format!("cargo metadata: {error}"))
}

/// The version of `tool` pinned under `[workspace.metadata.tools]` in the root `Cargo.toml`,
/// where the book pins its tools (`tools/book-check` checks that its `mdbook-driver` agrees).
pub fn pinned_tool(tool: &str) -> Result<String, String> {
    metadata()?.workspace_metadata["tools"][tool]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| {
            format!("no `{tool} = \"…\"` under [workspace.metadata.tools] in Cargo.toml")
        })
}

fn relative(dir: &Utf8Path) -> String {
    let dir = dir.as_std_path();
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    let rel = dir.strip_prefix(root()).unwrap_or(&dir);
    rel.to_string_lossy().replace('\\', "/")
}

/// Every package of the workspace, and the path dependencies outside it, sorted by folder.
pub fn packages() -> Vec<Package> {
    let metadata = metadata().unwrap_or_else(|error| panic!("{error}"));
    let members = metadata.workspace_packages();
    let mut found: Vec<Package> = Vec::new();
    for package in &members {
        let tested = metadata.workspace_default_members.contains(&package.id);
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
        found.push(Package {
            name: package.name.to_string(),
            dir: relative(package.manifest_path.parent().expect("manifest dir")),
            tested,
            bin,
            renamed_dependencies: package
                .dependencies
                .iter()
                .filter_map(|d| d.rename.clone())
                .collect(),
            member: true,
        });
        for dep in &package.dependencies {
            let Some(path) = &dep.path else { continue };
            let outside = !members
                .iter()
                .any(|p| p.manifest_path.parent() == Some(path.as_path()));
            if outside && !found.iter().any(|p| p.dir == relative(path)) {
                found.push(Package {
                    name: dep.name.clone(),
                    dir: relative(path),
                    tested,
                    bin: None,
                    renamed_dependencies: Vec::new(),
                    member: false,
                });
            }
        }
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    found
}

/// Every recipe's package, sorted by folder.
pub fn recipes() -> Vec<Package> {
    packages().into_iter().filter(Package::is_recipe).collect()
}

/// The package whose folder holds `file` (a path relative to the repository): the innermost.
pub fn owner<'a>(packages: &'a [Package], file: &str) -> Option<&'a Package> {
    packages
        .iter()
        .filter(|p| !p.dir.is_empty() && Path::new(file).starts_with(&p.dir))
        .max_by_key(|p| p.dir.len())
}
