//! Production bundles of an Eghact project, on Rolldown as a library, in process.
//!
//! A bundle reads a per-module build of the project (`Project::staging`, through the engine
//! and its cache, so a bundle after a build compiles nothing) and the page, `index.html`: its
//! module scripts are the entries. Rolldown links, tree-shakes, splits (each route and each
//! `import()` a lazy chunk; modules shared by three chunks or more in a `common` chunk;
//! `[bundle] vendors` in a `vendor` chunk), minifies and writes source maps composed through the
//! `.egh` maps. Each chunk's components' styles go to the stylesheet beside it. The page, a
//! `manifest.json`, `bundle-report.html` and the chunks are written to a new folder that replaces the output folder
//! whole (`swap`). A bundle whose inputs and output are as the last one left them is not done
//! again (`record`).
//!
//! **Invariants:** nothing is written outside the output folder and the new folder beside it;
//! a bundle that fails leaves the previous output as it was; the same sources give the same
//! bytes and names.

mod budgets;
mod bundle;
mod chunks;
mod engine;
mod html;
mod manifest;
mod model;
mod plugin;
mod prebundle;
mod record;
mod report;
mod swap;

pub use bundle::bundle;
pub use html::PAGE_FILE;
pub use manifest::MANIFEST_FILE;
pub use model::{Budgets, BundleError, BundleOptions, BundlePhases, BundleReport, BundleSettings, ChunkKind, ChunkReport};
pub use prebundle::RolldownDependencies;
pub use report::REPORT_FILE;
