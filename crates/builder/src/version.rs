//! Which compiler wrote a cache entry: part of every key.

use std::fs;

/// The engine's version and a hash of the running executable, so that a rebuilt compiler
/// never reuses entries of another one. Every binary that builds uses it, and so does its
/// `compile-batch` mode: a worker running a copy of the same executable computes the same keys
/// (`offload::run_compile_batch` refuses items whose keys differ). Computed once per process.
pub fn compiler_version() -> String {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            let exe = std::env::current_exe().ok().and_then(|exe| fs::read(exe).ok());
            match exe.map(|bytes| blake3::hash(&bytes)) {
                Some(hash) => format!("{}+{}", env!("CARGO_PKG_VERSION"), &hash.to_hex()[..16]),
                None => env!("CARGO_PKG_VERSION").to_string(),
            }
        })
        .clone()
}
