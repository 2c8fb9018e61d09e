//! The record of the last build, kept in `.eghact/build-state.json`: what each component's
//! key was made of, what it wrote, and its diagnostics; what each referenced image became. A
//! new process compares the sources with it to find what changed without parsing what did not.
//!
//! Invariant: the record is untrusted input (anyone may write the file). Every path it holds is
//! checked when it is read: an entry naming a path that is not plain and relative (absolute,
//! `..`) is dropped with a warning (W0711), and its component or image is built as new.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cache::{CacheKey, Digest, KeyInputs};
use crate::output::is_plain_relative;
use crate::project::PathDiagnostic;
use eghact_semantics::assets::ImageFormat;
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// Bumped when the record's shape changes; an old record is ignored. 2: outputs are relative to
/// the output folder.
const FORMAT: u32 = 2;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BuildState {
    format: u32,
    /// The output folder the outputs were written to.
    pub out: String,
    /// Component path → its record.
    pub components: BTreeMap<String, ComponentState>,
    /// Copied file path → its source stamp when it was copied.
    pub copies: BTreeMap<String, Stamp>,
    /// Referenced image path → its digest and what the image processor made of it.
    #[serde(default)]
    pub images: BTreeMap<String, ImageState>,
    /// The npm packages pre-bundled into the output folder.
    #[serde(default)]
    pub dependencies: Option<DependenciesState>,
}

/// The packages a build pre-bundled (`dependencies.rs`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DependenciesState {
    /// `dependencies_key`: the specifiers, what is installed and the bundler.
    pub key: String,
    pub specifiers: Vec<String>,
    /// Relative to the output folder.
    pub outputs: Vec<(String, Stamp)>,
}

/// An image as of the last build that processed it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageState {
    /// The file's stamp when it was hashed, so that an untouched image is not read again.
    pub stamp: Stamp,
    pub digest: Digest,
    /// Its cache key (bytes, options, processor version).
    pub key: String,
    /// What the compiler needs of it, or why it could not be processed.
    pub outcome: Result<ImageOutput, String>,
    /// The variant files (relative to the output folder) with their stamps after writing.
    pub outputs: Vec<(String, Stamp)>,
}

/// A processed image as the build wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageOutput {
    pub width: u32,
    pub height: u32,
    /// Each variant's file, relative to the output folder (`assets/a-1a2b3c4d-640.webp`).
    pub variants: Vec<OutputVariant>,
    /// The placeholder as a `data:` URL.
    pub placeholder: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputVariant {
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComponentState {
    pub source: Digest,
    pub signature: Digest,
    /// Each import specifier and image reference with what it resolved to.
    pub imports: Vec<(String, Imported)>,
    pub inputs: KeyInputs,
    pub key: String,
    /// Output files (relative to the output folder) with their stamps after writing.
    pub outputs: Vec<(String, Stamp)>,
    /// Diagnostics except import cycles, which depend on the whole graph.
    pub diagnostics: Vec<Diagnostic>,
    /// Its last compile time here, which predicts the next (the offload policy's history).
    #[serde(default)]
    pub compile_ms: Option<f64>,
}

/// What an import resolved to, as far as the importer's key cares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Imported {
    Component(String),
    File(String),
    /// An image the template or the style references.
    Image(String),
    Missing(String),
    /// The framework, a package or a URL: nothing in the project.
    Outside,
}

impl Imported {
    /// The file of the project it names.
    fn path(&self) -> Option<&str> {
        match self {
            Imported::Component(path) | Imported::File(path) | Imported::Image(path) | Imported::Missing(path) => Some(path),
            Imported::Outside => None,
        }
    }
}

/// Size and modification time of a file: enough to notice that someone else changed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    pub modified_ns: u128,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Self> {
        let metadata = fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(Self { len: metadata.len(), modified_ns: modified.as_nanos() })
    }
}

impl ComponentState {
    pub fn key(&self) -> Option<CacheKey> {
        CacheKey::from_hex(&self.key)
    }
}

impl BuildState {
    /// The record at `path` (`shown` in warnings); missing, unreadable, not a regular file or
    /// of another format reads as empty (the next build is then a full one, never a wrong one).
    /// Entries that name an unsafe path are dropped, with a warning each.
    pub fn load(path: &Path, shown: &str) -> (Self, Vec<PathDiagnostic>) {
        let mut state = crate::project::read_regular_file(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<BuildState>(&bytes).ok())
            .filter(|state| state.format == FORMAT)
            .unwrap_or_default();
        let dropped = state.drop_unsafe_paths().into_iter().map(|(entry, bad)| {
            let names = if bad == entry { String::new() } else { format!(" names {bad:?}, which") };
            PathDiagnostic {
                path: shown.to_string(),
                diagnostic: Diagnostic::warning(
                    "W0711",
                    format!("the build record's entry {entry:?}{names} is no plain relative path; the entry is dropped"),
                    Span::default(),
                )
                .with_help("the file is built as new; a build writes and removes nothing outside the output folder"),
            }
        });
        (state, dropped.collect())
    }

    /// Drops every entry holding a path that is not plain and relative (component and image
    /// paths are relative to the project root, outputs to the output folder); returns each
    /// entry with the first such path.
    fn drop_unsafe_paths(&mut self) -> Vec<(String, String)> {
        fn keep<'a>(dropped: &mut Vec<(String, String)>, entry: &'a str, paths: impl Iterator<Item = &'a str>) -> bool {
            match std::iter::once(entry).chain(paths).find(|path| !is_plain_relative(path)) {
                Some(bad) => {
                    dropped.push((entry.to_string(), bad.to_string()));
                    false
                }
                None => true,
            }
        }
        let mut dropped = Vec::new();
        self.components.retain(|path, component| {
            let outputs = component.outputs.iter().map(|(output, _)| output.as_str());
            keep(&mut dropped, path, outputs.chain(component.imports.iter().filter_map(|(_, imported)| imported.path())))
        });
        self.copies.retain(|path, _| keep(&mut dropped, path, std::iter::empty()));
        self.images.retain(|path, image| {
            let variants = image.outcome.iter().flat_map(|output| output.variants.iter().map(|variant| variant.file.as_str()));
            keep(&mut dropped, path, image.outputs.iter().map(|(output, _)| output.as_str()).chain(variants))
        });
        if let Some(dependencies) = &self.dependencies
            && !keep(&mut dropped, "package.json", dependencies.outputs.iter().map(|(output, _)| output.as_str()))
        {
            self.dependencies = None;
        }
        dropped
    }

    pub fn save(&mut self, path: &Path) -> Result<(), crate::project::ProjectError> {
        self.format = FORMAT;
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        crate::project::write_atomic(path, &bytes)
    }
}
