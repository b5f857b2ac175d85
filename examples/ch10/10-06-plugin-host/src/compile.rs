//! Builds plugins with `rustc` directly, as `cargo build -p greeter-plugin` would: fast, and
//! no nested cargo waiting for the lock of the cargo that runs us.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A plugin to build: a source file and `--cfg` flags.
pub struct PluginSource {
    pub name: &'static str,
    pub source: PathBuf,
    pub cfgs: &'static [&'static str],
}

/// A source file of this repository.
pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A plugin variant: `fixtures/<file>.rs` beside this file, built as `<name>`.
pub fn fixture(
    name: &'static str,
    file: &'static str,
    cfgs: &'static [&'static str],
) -> PluginSource {
    let source = format!("fixtures/{file}.rs");
    PluginSource {
        name,
        source: repo_file(&source),
        cfgs,
    }
}

pub struct PluginCompiler {
    rustc: OsString,
    /// `rustc -vV`, which names the build cache's entries; `None` if it failed (no cache).
    rustc_version: Option<Vec<u8>>,
    out_dir: PathBuf,
    abi_rlib: PathBuf,
}

impl PluginCompiler {
    /// Builds the ABI crate (`plugin-abi/`) into `out_dir` for plugins to link.
    pub fn new(out_dir: &Path) -> io::Result<PluginCompiler> {
        let rustc = rustc();
        let rustc_version = Command::new(&rustc)
            .arg("-vV")
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| output.stdout);
        let compiler = PluginCompiler {
            rustc,
            rustc_version,
            out_dir: out_dir.to_owned(),
            abi_rlib: out_dir.join("libgreeter_plugin_abi.rlib"),
        };
        let source = repo_file("plugin-abi/src/lib.rs");
        compiler.run(
            &source,
            "rlib",
            "greeter_plugin_abi",
            &[],
            &compiler.abi_rlib,
        )?;
        Ok(compiler)
    }

    /// Builds each plugin (in parallel) into `out_dir/lib<name>.so`; returns their paths.
    pub fn build_all(&self, plugins: &[PluginSource]) -> io::Result<Vec<PathBuf>> {
        std::thread::scope(|scope| {
            let builds: Vec<_> = plugins
                .iter()
                .map(|plugin| scope.spawn(|| self.build(plugin)))
                .collect();
            builds
                .into_iter()
                .map(|build| {
                    build
                        .join()
                        .unwrap_or_else(|_| Err(io::Error::other("build thread panicked")))
                })
                .collect()
        })
    }

    pub fn build(&self, plugin: &PluginSource) -> io::Result<PathBuf> {
        let output = self.out_dir.join(library_file_name(plugin.name));
        self.build_to(plugin, &output)?;
        Ok(output)
    }

    /// Builds `plugin` into `output`, replacing what was there.
    pub fn build_to(&self, plugin: &PluginSource, output: &Path) -> io::Result<()> {
        let crate_name = plugin.name.replace('-', "_");
        self.run(&plugin.source, "cdylib", &crate_name, plugin.cfgs, output)
    }

    /// Compiles into a temporary name, then renames: a reader of `output` sees the old file or
    /// the complete new one, as with cargo. Like cargo, it reuses an earlier build of exactly
    /// the same inputs (see [`BuildCache`]).
    fn run(
        &self,
        source: &Path,
        crate_type: &str,
        crate_name: &str,
        cfgs: &[&str],
        output: &Path,
    ) -> io::Result<()> {
        let temporary = output.with_extension(format!("tmp{}", std::process::id()));
        let cache = self.rustc_version.as_deref().and_then(|version| {
            BuildCache::for_inputs(version, source, crate_type, crate_name, cfgs)
        });
        if let Some(cache) = &cache
            && cache.restore(&temporary)
        {
            return std::fs::rename(&temporary, output);
        }
        let mut command = Command::new(&self.rustc);
        command
            .args(["--edition", "2024", "--crate-type", crate_type])
            .args(["--crate-name", crate_name])
            .args(["-C", "debuginfo=0", "-C", "strip=debuginfo"])
            .arg("--extern")
            .arg(format!("greeter_plugin_abi={}", self.abi_rlib.display()))
            .arg("-o")
            .arg(&temporary)
            .arg(source);
        for cfg in cfgs {
            command.args(["--cfg", cfg]);
        }
        let result = command.output()?;
        if !result.status.success() {
            return Err(io::Error::other(format!(
                "rustc {} failed:\n{}",
                source.display(),
                String::from_utf8_lossy(&result.stderr)
            )));
        }
        if let Some(cache) = &cache {
            cache.store(&temporary);
        }
        std::fs::rename(&temporary, output)
    }
}

/// Earlier builds, in `target/<profile>/plugin-builds/`, named by a hash of every input: the
/// rustc version, the crate type, name and cfgs, and the text of every plugin and ABI source.
/// Entries are written under a temporary name and renamed, so parallel tests never see half
/// of one. Set `PLUGIN_BUILD_CACHE=0` to always compile.
struct BuildCache {
    entry: PathBuf,
}

impl BuildCache {
    fn for_inputs(
        rustc_version: &[u8],
        source: &Path,
        crate_type: &str,
        crate_name: &str,
        cfgs: &[&str],
    ) -> Option<BuildCache> {
        use std::hash::{DefaultHasher, Hash, Hasher};
        if std::env::var_os("PLUGIN_BUILD_CACHE").is_some_and(|v| v == "0") {
            return None;
        }
        let mut hasher = DefaultHasher::new();
        (rustc_version, crate_type, crate_name, cfgs).hash(&mut hasher);
        source.hash(&mut hasher);
        // A plugin may include any of these: hash them all.
        for dir in ["fixtures", "plugin/src", "plugin-abi/src"] {
            let mut files: Vec<PathBuf> = std::fs::read_dir(repo_file(dir))
                .ok()?
                .flatten()
                .map(|entry| entry.path())
                .collect();
            files.sort();
            for file in files {
                (file.file_name(), std::fs::read(&file).ok()?).hash(&mut hasher);
            }
        }
        // This program runs from target/<profile>/, its tests from target/<profile>/deps/ and
        // its examples from target/<profile>/examples/: all share one cache.
        let exe = std::env::current_exe().ok()?;
        let mut profile = exe.parent()?;
        if profile.ends_with("deps") || profile.ends_with("examples") {
            profile = profile.parent()?;
        }
        let entry = profile
            .join("plugin-builds")
            .join(format!("{:016x}", hasher.finish()));
        Some(BuildCache { entry })
    }

    /// Copies the cached build to `to`; false when there is none.
    fn restore(&self, to: &Path) -> bool {
        std::fs::copy(&self.entry, to).is_ok()
    }

    fn store(&self, built: &Path) {
        let Some(dir) = self.entry.parent() else {
            return;
        };
        let temporary = self.entry.with_extension(format!(
            "tmp{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let stored = std::fs::create_dir_all(dir).is_ok()
            && std::fs::copy(built, &temporary).is_ok()
            && std::fs::rename(&temporary, &self.entry).is_ok();
        if !stored {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// Puts the plugin built at `built` at `library` the way cargo does: a new file under the old
/// name, so a reader of `library` sees the old file or the whole new one.
pub fn install(built: &Path, library: &Path) -> io::Result<()> {
    install_bytes(&std::fs::read(built)?, library)
}

/// [`install`] of bytes in memory (a cut-short or corrupt library, in the demo and tests).
pub fn install_bytes(bytes: &[u8], library: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let temporary = library.with_extension("new");
    std::fs::write(&temporary, bytes)?;
    std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(&temporary, library)
}

/// `libNAME.so` on Linux (`.dylib` on macOS).
pub fn library_file_name(name: &str) -> String {
    use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
    format!("{DLL_PREFIX}{}{DLL_SUFFIX}", name.replace('-', "_"))
}

/// `$RUSTC`, else the `rustc` beside the `cargo` that runs us, else `rustc` from `PATH`.
fn rustc() -> OsString {
    if let Some(rustc) = std::env::var_os("RUSTC") {
        return rustc;
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside =
            Path::new(&cargo).with_file_name(format!("rustc{}", std::env::consts::EXE_SUFFIX));
        if beside.exists() {
            return beside.into_os_string();
        }
    }
    OsString::from("rustc")
}
