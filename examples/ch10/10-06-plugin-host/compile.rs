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
    let source = format!("examples/ch10/10-06-plugin-host/fixtures/{file}.rs");
    PluginSource {
        name,
        source: repo_file(&source),
        cfgs,
    }
}

pub struct PluginCompiler {
    rustc: OsString,
    out_dir: PathBuf,
    abi_rlib: PathBuf,
}

impl PluginCompiler {
    /// Builds the ABI crate (`crates/ch10-plugin-abi`) into `out_dir` for plugins to link.
    pub fn new(out_dir: &Path) -> io::Result<PluginCompiler> {
        let compiler = PluginCompiler {
            rustc: rustc(),
            out_dir: out_dir.to_owned(),
            abi_rlib: out_dir.join("libgreeter_plugin_abi.rlib"),
        };
        let source = repo_file("crates/ch10-plugin-abi/src/lib.rs");
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
    /// the complete new one, as with cargo.
    fn run(
        &self,
        source: &Path,
        crate_type: &str,
        crate_name: &str,
        cfgs: &[&str],
        output: &Path,
    ) -> io::Result<()> {
        let temporary = output.with_extension(format!("tmp{}", std::process::id()));
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
        std::fs::rename(&temporary, output)
    }
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
