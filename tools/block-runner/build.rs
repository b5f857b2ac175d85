//! Tells the tests the target they compile blocks for (skeptic passes it to rustc); cargo
//! gives it to build scripts only.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=BLOCK_RUNNER_TARGET={target}");
}
