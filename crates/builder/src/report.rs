//! What a build reports: how each component and image was obtained, the phases' times, the
//! events a caller may show while it runs, and its error. Plain data, serialisable for `--json`.

use serde::Serialize;

use crate::cache::{InputChange, KeyInputs, Tier, TierCounters};
use crate::offload::OffloadProgress;
use crate::project::{PathDiagnostic, ProjectError};
use eghact_syntax::diagnostics::Diagnostic;

/// How a component's outputs were obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "tier")]
pub enum CacheState {
    /// Same key as the last build and its outputs are still in place: nothing to do.
    Unchanged,
    Hit(Tier),
    /// Compiled by a remote cluster in this build.
    Remote,
    Miss,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileBuild {
    /// Relative to the project root.
    pub path: String,
    #[serde(flatten)]
    pub cache: CacheState,
    pub key: String,
    pub inputs: KeyInputs,
    /// For a miss or a hit: what differs from the last build's inputs (empty for a new file).
    pub changes: Vec<InputChange>,
    /// Compile time of a miss.
    pub compile_ms: Option<f64>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One image the build needed: how it was obtained and what it wrote.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageBuild {
    /// Relative to the project root.
    pub path: String,
    #[serde(flatten)]
    pub cache: CacheState,
    pub key: String,
    /// Its variant files, relative to the output folder (none in a check, which writes
    /// nothing).
    pub outputs: Vec<String>,
    /// Why the processor could not process it (reported as E0508 where it is referenced).
    pub error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Phases {
    /// Reading and hashing sources.
    pub load_ms: f64,
    /// Keys: signatures of changed components, import resolution and image hashing.
    pub plan_ms: f64,
    /// Image lookups and the processor's batch.
    pub images_ms: f64,
    /// Cache lookups and compiles, in parallel.
    pub compile_ms: f64,
    /// Outputs, copies and the build record.
    pub write_ms: f64,
    pub total_ms: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct BuildReport {
    pub files: Vec<FileBuild>,
    /// The images the built components reference, when the build has an image processor.
    pub images: Vec<ImageBuild>,
    /// Non-component files copied to the output folder in this build.
    pub copied: usize,
    pub phases: Phases,
    /// Cache problems that were treated as misses (a damaged entry, a full disk).
    pub warnings: Vec<String>,
    /// Warnings about paths rather than components' text: source files skipped (links out of
    /// the project, names that are not UTF-8, a name the build writes itself), entries of the
    /// build record dropped.
    pub path_diagnostics: Vec<PathDiagnostic>,
    /// Lookups per cache tier since the builder opened.
    pub tiers: Vec<TierCounters>,
    /// Components outside this build's scope (watch mode rebuilds only what a change
    /// affects), with the diagnostics they had.
    pub skipped: Skipped,
}

#[derive(Debug, Default, Serialize)]
pub struct Skipped {
    pub components: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl BuildReport {
    /// Errors of the project, including those of components outside this build's scope.
    pub fn errors(&self) -> usize {
        self.skipped.errors + self.diagnostics().filter(|d| d.is_error()).count()
    }

    /// Warnings (and hints) of the project, including those outside this build's scope.
    pub fn warnings(&self) -> usize {
        self.skipped.warnings + self.diagnostics().filter(|d| !d.is_error()).count()
    }

    /// The diagnostics this report holds: of its components, then of paths.
    fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files.iter().flat_map(|f| &f.diagnostics).chain(self.path_diagnostics.iter().map(|p| &p.diagnostic))
    }

    pub fn count_state(&self, state: CacheState) -> usize {
        self.files.iter().filter(|f| f.cache == state).count()
    }
}

/// Progress of a build, for a progress bar or an editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildEvent {
    /// `total` components need a cache lookup or a compile.
    Started {
        total: usize,
        /// Misses may be compiled by a remote cluster in this build.
        remote: bool,
    },
    Compiled {
        path: String,
        done: usize,
        total: usize,
        cache: CacheState,
    },
    /// An image is ready (before any component is compiled: they need its variants).
    Image {
        path: String,
        done: usize,
        total: usize,
        cache: CacheState,
    },
    /// The offloaded compiles changed state.
    Offload(OffloadProgress),
    Finished,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Project(#[from] ProjectError),
}
