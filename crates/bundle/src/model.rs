//! What a bundle is asked for (`[bundle]` of `eghact.toml`) and what it reports: shared by the
//! crate's root and its children.

use std::path::PathBuf;

use eghact_builder::project::{Project, ProjectError};
use eghact_codegen::css::{CssOptions, CssTargets};
use eghact_syntax::diagnostics::Diagnostic;
use serde::{Deserialize, Serialize};

/// `[bundle]` of `eghact.toml`; every key is optional.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct BundleSettings {
    /// The public path the bundle is served from: `/` (the default) or a prefix such as
    /// `/app/`. The page's script, preload and style tags start with it.
    pub base: String,
    /// npm packages whose modules go to one `vendor` chunk, whichever pages use them.
    pub vendors: Vec<String>,
    /// The browsers to support, as a browserslist query (`"defaults"`, `"chrome 100, safari
    /// 15"`): components' styles get vendor prefixes and lowered syntax for them.
    pub targets: Option<String>,
    pub budgets: Budgets,
}

impl Default for BundleSettings {
    fn default() -> Self {
        Self { base: "/".into(), vendors: Vec::new(), targets: None, budgets: Budgets::default() }
    }
}

impl BundleSettings {
    /// The project's `[bundle]`.
    pub fn of(project: &Project) -> Result<Self, ProjectError> {
        project.section("bundle")
    }

    /// How a bundle prints components' styles: minified, for `targets` (E0708 when the query
    /// matches no browser or does not parse).
    pub fn css(&self, project: &Project) -> Result<CssOptions, ProjectError> {
        let targets = match &self.targets {
            Some(query) => Some(
                CssTargets::parse(query).map_err(|error| project.invalid_setting(&["bundle", "targets"], error.to_string()))?,
            ),
            None => None,
        };
        Ok(CssOptions { targets, minify: true })
    }
}

/// `[bundle.budgets]`: minified sizes before compression, in KB (1,000 bytes).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Budgets {
    /// The JavaScript the page loads before it runs: its entry chunks and what they import.
    pub initial_kb: u64,
    /// Each chunk loaded later (a page of the router, a dynamic import).
    pub async_kb: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Self { initial_kb: 50, async_kb: 30 }
    }
}

/// How one bundle runs, besides the project's settings.
#[derive(Clone, Debug, Default)]
pub struct BundleOptions {
    /// A chunk over its budget is an error (E0810) instead of a warning (W0810).
    pub strict_budgets: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChunkKind {
    /// Loaded by the page's module scripts.
    Entry,
    /// Imported by an entry chunk before anything runs.
    Initial,
    /// Loaded when code asks for it (`import()`, a route).
    Async,
}

/// One JavaScript chunk of the bundle.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkReport {
    /// Relative to the output folder, e.g. `assets/index-1a2b3c4d.js`.
    pub file: String,
    pub kind: ChunkKind,
    /// Minified bytes.
    pub bytes: usize,
    /// The chunk's stylesheet beside it (`assets/index-1a2b3c4d.css`), when its components have styles.
    pub css: Option<String>,
    pub css_bytes: usize,
    /// The project files in the chunk, largest first.
    pub modules: Vec<ModuleSize>,
}

/// A module of a chunk: its project file (the source where it was compiled from one) and its
/// rendered size before minifying.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleSize {
    pub source: String,
    pub rendered_bytes: usize,
}

/// Time per phase, in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundlePhases {
    /// Rolldown: resolving, linking, tree shaking, chunking, minifying, source maps.
    pub rolldown_ms: f64,
    /// Stylesheets per chunk, the page, the manifest and the budgets.
    pub assets_ms: f64,
    /// Writing the new folder and swapping it in.
    pub write_ms: f64,
    pub total_ms: f64,
}

/// What a bundle wrote and found.
#[derive(Clone, Debug, Default)]
pub struct BundleReport {
    pub out: PathBuf,
    pub chunks: Vec<ChunkReport>,
    /// Budgets (W0810/E0810) and Rolldown's warnings (W0820), each with the file it is about.
    pub diagnostics: Vec<(String, Diagnostic)>,
    pub phases: BundlePhases,
    /// Nothing the last bundle read or wrote had changed: its output was kept and Rolldown did
    /// not run (`record`).
    pub reused: bool,
}

impl BundleReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|(_, d)| d.is_error()).count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A problem of the page (`index.html`), with its text for rendering.
    #[error("{}", .diagnostic.message)]
    Page { path: String, text: String, diagnostic: Diagnostic },
    #[error("Rolldown could not bundle the project:\n{0}")]
    Rolldown(String),
    #[error("cannot start the bundler's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write the bundle at {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}
