//! The salsa database: inputs and the tracked queries of a project.
//!
//! ```text
//! SourceFile ─ parse ─ outline ─┬─ signature ──────────────┐  (importers read only this)
//!                               └─ imports ─ resolve ─ graph ─ cycle_of ─┐
//!              parse ─ compile ─ check ────────────────────── diagnostics ◄──┘
//! ```
//! Invariants:
//! - A file's importers depend on its [`signature`] only: editing a body or a style of a
//!   component re-runs its own queries and none of its importers'.
//! - Queries are pure functions of the inputs; nothing here reads the disk or the clock, but
//!   for the `node_modules` of the `Packages` in the layout (see `packages`).
//! - A write to an input cancels queries running on other handles (salsa unwinds them with
//!   [`salsa::Cancelled`]); no result of an older revision is returned after the write.
//!
//! `mod.rs` holds the database and the diagnostics a component reports (the public entry points);
//! each concern is a child, each reading only those listed before it: `packages` (npm packages,
//! the one reader of the disk), `inputs`, `file` (the queries
//! of one file on its own), `resolution` (specifiers to files), `cycles` (the import graph) and
//! `references` (the checks of what a component references). Everything public is re-exported
//! here: the API is `eghact_analysis::db::…`.

mod cycles;
mod file;
mod inputs;
mod packages;
mod references;
mod resolution;
mod tsconfig;

use std::collections::BTreeMap;

use eghact_codegen::{self as codegen, CompileOptions, CompileOutput};
use eghact_semantics::assets::ImageAsset;
use eghact_semantics::routes;
use eghact_syntax as syntax;
use eghact_syntax::diagnostics::Diagnostic;

pub use crate::paths::has_text;
pub use cycles::{ImportGraph, cycle_of, import_graph, strongly_connected};
pub use file::{image_specifiers, import_specifiers, module_types, outline, parse, signature};
pub use inputs::{Layout, SourceFile, Workspace};
pub use packages::Packages;
pub use references::{cycle_diagnostic, passed_props};
use references::{image_failures, import_diagnostics, unresolved_imports};
pub use resolution::{
    FilePath, Resolution, file_at, imported_components, imported_packages, output_specifiers, resolve, resolve_images,
    resolve_specifier,
};
pub use tsconfig::{TSCONFIG_FILE, type_settings, type_settings_of};

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    /// A database that reports every salsa event to `callback` (tests read which queries ran).
    pub fn with_events(callback: impl Fn(salsa::Event) + Send + Sync + 'static) -> Self {
        Self { storage: salsa::Storage::new(Some(Box::new(callback))) }
    }
}

/// Computes again the queries of `file` whose memos grow with its text, once `file` was
/// emptied because it was removed: salsa frees no memo until its query runs again (or its LRU
/// evicts it), so without this a removed file's tree would stay in memory. The
/// replaced memos are freed at the next revision, or by `trigger_lru_eviction` (the host calls
/// it). Queries that read the whole project (`diagnostics`, through `import_graph`) are left
/// alone: they hold diagnostics only.
pub fn release(db: &dyn salsa::Database, file: SourceFile) {
    debug_assert!(file.text(db).is_empty(), "only an emptied file is released");
    parse(db, file);
    outline(db, file);
    check(db, file);
    module_types(db, file);
}

/// The diagnostics of a component that its cache key covers (its text, and the signatures
/// and existence of what it imports): the compiler's, names and types, unresolved imports
/// and images, and its use of imported components. The compiler's stages run without
/// generating code (`codegen::check_parsed`).
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    let path = file.path(db);
    if !crate::paths::is_component(path) {
        return build_module(db, file, &|_| {}).1;
    }
    let parse = parse(db, file);
    let options = Workspace::get(db).layout(db).compile_options(path);
    let compiler = codegen::check_parsed(path, file.text(db), parse, &options);
    keyed_diagnostics(db, file, compiler, import_diagnostics(db, file, parse), &BTreeMap::new())
}

/// What a build needs of one component: its outputs and the diagnostics of [`check`] (the
/// compiler's from the compile itself, which reports what `check_parsed` does), computed
/// without keeping the tree or the outputs in the database (a cold build of a large project
/// would otherwise hold all of them at once).
///
/// `images` holds what the build's image processor made of each image specifier (none
/// without a processor): the compiler rewrites the references to processed images, and an
/// image that could not be processed is E0508 on each of its references.
pub fn build_component(
    db: &dyn salsa::Database,
    file: SourceFile,
    images: BTreeMap<String, Result<ImageAsset, String>>,
) -> (CompileOutput, Vec<Diagnostic>) {
    compile_file(db, file, images, &|_| {})
}

/// [`build_component`] for the dev server, which compiles each module when the browser asks
/// for it, without images, with options it `adjust`s (hot replacement, the versions of the
/// imports it replaced): the same queries, diagnostics and compiler as a build.
pub fn serve_component(
    db: &dyn salsa::Database,
    file: SourceFile,
    adjust: &dyn Fn(&mut CompileOptions),
) -> (CompileOutput, Vec<Diagnostic>) {
    compile_file(db, file, BTreeMap::new(), adjust)
}

fn compile_file(
    db: &dyn salsa::Database,
    file: SourceFile,
    images: BTreeMap<String, Result<ImageAsset, String>>,
    adjust: &dyn Fn(&mut CompileOptions),
) -> (CompileOutput, Vec<Diagnostic>) {
    let (path, text) = (file.path(db), file.text(db));
    if !crate::paths::is_component(path) {
        return build_module(db, file, adjust);
    }
    let parse = syntax::parse(text);
    let mut options = Workspace::get(db).layout(db).compile_options(path);
    options.specifiers = output_specifiers(db, file);
    adjust(&mut options);
    let mut failed = BTreeMap::new();
    for (specifier, image) in images {
        match image {
            Ok(image) => {
                options.images.insert(specifier, image);
            }
            Err(error) => {
                failed.insert(specifier, error);
            }
        }
    }
    // Checked before compiling: the checker's program is freed before the outputs exist, which
    // lowers the peak memory of a big component.
    let checked = import_diagnostics(db, file, &parse);
    let output = codegen::compile_parsed(path, text, &parse, &options);
    let diagnostics = keyed_diagnostics(db, file, output.diagnostics.clone(), checked, &failed);
    (output, diagnostics)
}

/// A script module (`.ts`, `.js`, …) compiled (`codegen::compile_module`), with its diagnostics:
/// the compiler's and its unresolved imports (E0501, E0510); no output when there are errors.
/// What [`build_component`] and [`check`] answer for a file that is no component.
fn build_module(
    db: &dyn salsa::Database,
    file: SourceFile,
    adjust: &dyn Fn(&mut CompileOptions),
) -> (CompileOutput, Vec<Diagnostic>) {
    let path = file.path(db);
    let mut options = Workspace::get(db).layout(db).compile_options(path);
    options.specifiers = output_specifiers(db, file);
    adjust(&mut options);
    let mut output = codegen::compile_module(path, file.text(db), &options);
    let mut diagnostics = std::mem::take(&mut output.diagnostics);
    unresolved_imports(db, file, &mut diagnostics);
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    if diagnostics.iter().any(Diagnostic::is_error) {
        output = CompileOutput::default();
    }
    output.diagnostics = diagnostics.clone();
    (output, diagnostics)
}

/// The one assembly of the diagnostics [`check`] and [`build_component`] report: the
/// compiler's, the checker's (`import_diagnostics`), and E0508 on each reference to an image
/// the build's processor could not process (`failed`: specifier → why), in file order.
fn keyed_diagnostics(
    db: &dyn salsa::Database,
    file: SourceFile,
    compiler: Vec<Diagnostic>,
    checked: Vec<Diagnostic>,
    failed: &BTreeMap<String, String>,
) -> Vec<Diagnostic> {
    let mut diagnostics = compiler;
    diagnostics.extend(checked);
    diagnostics.extend(image_failures(db, file, failed));
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    diagnostics
}

/// [`check`] in a build that processed the component's `images` (by specifier: what the
/// compiler is told, or why the image could not be processed): what [`build_component`]
/// reports, without compiling.
pub fn check_component(
    db: &dyn salsa::Database,
    file: SourceFile,
    images: &BTreeMap<String, Result<ImageAsset, String>>,
) -> Vec<Diagnostic> {
    let failed: BTreeMap<String, String> =
        images.iter().filter_map(|(specifier, image)| Some((specifier.clone(), image.as_ref().err()?.clone()))).collect();
    let mut diagnostics = check(db, file).clone();
    if !failed.is_empty() {
        diagnostics.extend(image_failures(db, file, &failed));
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    }
    diagnostics
}

/// Every diagnostic of a component: what the command line, watch builds, remote batches and
/// the editor all report. [`check`] (what the component's cache key covers) with
/// [`project_diagnostics`] (what depends on the whole project).
#[salsa::tracked(returns(ref))]
pub fn diagnostics(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    with_project_diagnostics(check(db, file).clone(), project_diagnostics(db, file, cycle_of(db, file).as_deref()))
}

/// The diagnostics of a component that depend on the rest of the project, not on its key:
/// E0502 when it is a member of the import `cycle`, and E0505/E0506 on a route file whose
/// name is no route or whose URL another page has. A build passes the cycles it found in its
/// record (the same graph, without parsing every file); the editor passes [`cycle_of`].
pub fn project_diagnostics(db: &dyn salsa::Database, file: SourceFile, cycle: Option<&[String]>) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = cycle.map(|cycle| cycle_diagnostic(outline(db, file), cycle)).into_iter().collect();
    if let Some(manifest) = route_manifest(db) {
        let path = file.path(db);
        let in_src = Workspace::get(db).layout(db).in_src(path);
        diagnostics.extend(manifest.diagnostics.iter().filter(|(route, _)| route == in_src).map(|(_, d)| d.clone()));
    }
    diagnostics
}

/// A component's diagnostics: those of its key and those of the project, in file order.
pub fn with_project_diagnostics(mut keyed: Vec<Diagnostic>, project: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if !project.is_empty() {
        keyed.extend(project);
        keyed.sort_by_key(|d| (d.span.start, d.span.end));
    }
    keyed
}

/// The route manifest of the project's pages (the `.egh` files under `src/routes/`) with the
/// diagnostics of their names, by path inside the source folder; `None` without pages.
#[salsa::tracked(returns(ref))]
pub fn route_manifest(db: &dyn salsa::Database) -> Option<routes::Manifest> {
    let workspace = Workspace::get(db);
    let layout = workspace.layout(db);
    let sources: Vec<std::path::PathBuf> = workspace.files(db).keys().map(|path| layout.in_src(path).into()).collect();
    routes::for_sources(&sources)
}
