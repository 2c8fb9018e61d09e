//! What the compiler is given and gives back, for a component (`compile`) and a script module
//! (`compile_module`) alike: shared by the crate's root and its children.

use std::collections::BTreeMap;

use eghact_semantics::assets::ComponentImages;
use eghact_syntax::diagnostics::Diagnostic;

use crate::css::CssOptions;

/// The runtime module's file name in the output folder.
pub const RUNTIME_FILE: &str = "eghact-runtime.js";

#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Import specifier of the runtime from this component's module, e.g. `./eghact-runtime.js`.
    pub runtime_import: String,
    /// How the source map names the source, relative to the output file; the path itself
    /// when `None`.
    pub source_map_source: Option<String>,
    /// The images a build processed, by the specifier the component writes: their references
    /// are rewritten (see `eghact_semantics::assets`); others are left as written.
    pub images: ComponentImages,
    /// What each import specifier names in the output folder, as the project resolved it
    /// (`./util` → `./util.js`, `./Card.egh` → `./Card.js`); others follow `rewrite_import`.
    pub specifiers: BTreeMap<String, String>,
    /// How the component's stylesheet is printed (browser targets, minification).
    pub css: CssOptions,
    /// Hot replacement for the dev server: the component registers with the runtime's
    /// `hot_component` (its live instances, a capture and restore of its local state) and
    /// leaves its stylesheet to the server, which injects it. Never in a build.
    pub hot: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            runtime_import: format!("./{RUNTIME_FILE}"),
            source_map_source: None,
            images: ComponentImages::new(),
            specifiers: BTreeMap::new(),
            css: CssOptions::default(),
            hot: false,
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct CompileOutput {
    pub js: String,
    pub css: String,
    pub map: String,
    /// The v3 source map of `css` into the `.egh` file (empty when there is no CSS).
    pub css_map: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl CompileOutput {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}
