//! npm packages a build pre-bundles, as Vite's dependency optimisation does: the bare
//! specifiers the project imports become ES modules in `eghact-deps/` of the output folder
//! (CommonJS converted, one module per specifier, shared code in chunks), which compiled
//! modules import (`db::output_specifiers`). The bundling itself is on the other side of this
//! boundary (`eghact-bundle`'s Rolldown); the builder decides when it runs: when the packages
//! imported, what is installed (the lock file and each package's `package.json`) or the
//! bundler change, or the files it wrote were touched.

use std::path::Path;

/// What pre-bundles packages for a build.
pub trait DependencyBundler: Send + Sync {
    /// Identifies the bundler and its options: a new one bundles again.
    fn version(&self) -> String;
    /// ES modules for the bare `specifiers`, resolved from the project at `root`: for each, the
    /// entry `codegen::dependency_entry(specifier) + ".js"`, and the chunks they share, as file
    /// names relative to `eghact-deps/` with their bytes; or why it failed.
    fn bundle(&self, root: &Path, specifiers: &[String]) -> Result<Vec<(String, Vec<u8>)>, String>;
}

/// Lock files of the package managers, whichever the project has.
const LOCK_FILES: [&str; 6] =
    ["package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb"];

/// The package a bare specifier names: `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`.
fn package_name(specifier: &str) -> &str {
    let parts = if specifier.starts_with('@') { 2 } else { 1 };
    let end = specifier.match_indices('/').nth(parts - 1).map_or(specifier.len(), |(at, _)| at);
    &specifier[..end]
}

/// The key of the packages of `specifiers` as installed under `root` for `bundler`.
pub(crate) fn dependencies_key(root: &Path, specifiers: &[String], bundler: &dyn DependencyBundler) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(bundler.version().as_bytes());
    for specifier in specifiers {
        hasher.update(b"\0specifier\0");
        hasher.update(specifier.as_bytes());
    }
    let read = |path: &Path| std::fs::read(path).unwrap_or_default();
    for lock in LOCK_FILES {
        hasher.update(b"\0lock\0");
        hasher.update(&read(&root.join(lock)));
    }
    let mut packages: Vec<&str> = specifiers.iter().map(|s| package_name(s)).collect();
    packages.dedup();
    for package in packages {
        hasher.update(b"\0package\0");
        hasher.update(&read(&root.join("node_modules").join(package).join("package.json")));
    }
    hasher.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_specifier_names_its_package() {
        assert_eq!(package_name("date-fns"), "date-fns");
        assert_eq!(package_name("date-fns/format"), "date-fns");
        assert_eq!(package_name("@scope/pkg"), "@scope/pkg");
        assert_eq!(package_name("@scope/pkg/deep/file.js"), "@scope/pkg");
    }
}
