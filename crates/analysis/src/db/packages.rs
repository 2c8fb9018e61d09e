//! npm packages: bare specifiers (`date-fns`, `lodash-es/debounce`) resolved against the
//! project's `node_modules` as bundlers do it, with `oxc_resolver` (what Rolldown uses): the
//! `exports` conditions `browser`, `import`, `default`, then the `module` and `main` fields.
//!
//! Invariant: this is the one place the database's queries read the disk, and only through
//! the `Packages` its host put in the `Layout`; without a project root every package is
//! missing. What is installed is taken as read when the host made its `Packages`: a later
//! install is seen by the next host (a new build, or the editor's next project load).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxc_resolver::{ResolveOptions, Resolver};

/// The resolver of one project's packages. Equal when they read the same project.
#[derive(Clone, Default)]
pub struct Packages {
    root: Option<PathBuf>,
    resolver: Option<Arc<Resolver>>,
}

impl Packages {
    /// The packages installed under `root` (the project root, holding `node_modules`).
    pub fn at(root: &Path) -> Self {
        let options = ResolveOptions {
            condition_names: ["browser", "import", "default"].map(String::from).to_vec(),
            main_fields: ["module", "main"].map(String::from).to_vec(),
            extensions: [".mjs", ".js", ".json"].map(String::from).to_vec(),
            ..ResolveOptions::default()
        };
        Self { root: Some(root.to_path_buf()), resolver: Some(Arc::new(Resolver::new(options))) }
    }

    /// The file `specifier` names when imported from the project folder `folder` (relative to
    /// the root), or why there is none (to show the user).
    pub fn resolve(&self, folder: &str, specifier: &str) -> Result<PathBuf, String> {
        let (Some(root), Some(resolver)) = (&self.root, &self.resolver) else {
            return Err("no `node_modules` to look in".to_string());
        };
        match resolver.resolve(root.join(folder), specifier) {
            Ok(resolution) => Ok(resolution.into_path_buf()),
            Err(oxc_resolver::ResolveError::NotFound(_)) => Err("not installed in `node_modules`".to_string()),
            Err(error) => Err(error.to_string()),
        }
    }
}

impl PartialEq for Packages {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root
    }
}

impl Eq for Packages {}

impl std::hash::Hash for Packages {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.root.hash(state);
    }
}

impl std::fmt::Debug for Packages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packages").field("root", &self.root).finish()
    }
}
