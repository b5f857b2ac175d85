//! Recipe 10.6, "Reloading modules": the modules whose state the program (`src/main.rs`) shows
//! and the benchmarks (`benches/`) measure. Each `mod` line puts its file into the crate once.

pub mod cleanup;
pub mod config;
pub mod constants;
pub mod counter;
pub mod instance;
pub mod isolation;
pub mod thread_safety;
pub mod versions;

#[allow(
    unknown_lints,
    reason = "`const_item_interior_mutations` is a recent rustc lint, unknown to older ones"
)]
#[allow(
    const_item_interior_mutations,
    reason = "the trap the recipe shows, kept on purpose (not every rustc warns about it)"
)]
#[expect(
    clippy::declare_interior_mutable_const,
    clippy::borrow_interior_mutable_const,
    reason = "the trap the recipe shows, kept on purpose"
)]
pub mod const_trap;
