//! What is fixed when the program is compiled, and what is set while it runs.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A `const fn` can run at compile time: this table is computed by the compiler.
pub const fn squares<const N: usize>() -> [u64; N] {
    let mut table = [0; N];
    let mut i = 0;
    while i < N {
        table[i] = (i * i) as u64;
        i += 1;
    }
    table
}

/// A `const` is a value the compiler pastes wherever it is used.
pub const SQUARES: [u64; 8] = squares();

/// Read from Cargo.toml by the compiler: `env!` fails the build if the variable is missing.
pub const PACKAGE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `None` unless `COOKBOOK_BUILD_TAG` was set when the program was compiled.
pub const BUILD_TAG: Option<&str> = option_env!("COOKBOOK_BUILD_TAG");

/// A `static` is one place in memory, with one address, for the whole program.
pub static GREETING: &str = "hello";

/// Built on first use, read-only afterwards: a lookup table is global state that is fine.
pub static LOG_LEVELS: LazyLock<HashMap<&'static str, u8>> =
    LazyLock::new(|| HashMap::from([("error", 1), ("warn", 2), ("info", 3), ("debug", 4)]));
