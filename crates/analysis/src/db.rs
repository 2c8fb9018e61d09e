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
//! - Queries are pure functions of the inputs; nothing here reads the disk or the clock.
//! - A write to an input cancels queries running on other handles (salsa unwinds them with
//!   [`salsa::Cancelled`]); no result of an older revision is returned after the write.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use eghact_codegen::{self as codegen, CompileOptions, CompileOutput, RUNTIME_FILE};
use eghact_semantics::assets::ImageAsset;
use eghact_semantics::{self as semantics, Outline, Signature};
use eghact_semantics::{routes, types};
use eghact_syntax::diagnostics::{Diagnostic, Span};
use eghact_syntax::{self as syntax, Parse};

/// One file under the project's source folder. Components and script modules carry their
/// text (see [`has_text`]); other files (assets) are known by path, for import resolution.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Relative to the project root, with `/` separators (`src/lib/Card.egh`).
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// The project: its file set and how it is laid out. One per database.
#[salsa::input(singleton, debug)]
pub struct Workspace {
    /// Every file of the source folder by path.
    #[returns(ref)]
    pub files: Arc<BTreeMap<String, SourceFile>>,
    #[returns(ref)]
    pub layout: Layout,
}

/// Where sources and outputs live, relative to the project root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Layout {
    /// The source folder (`src`).
    pub src: String,
    /// The source folder as seen from the output folder (`../src` for `dist`).
    pub src_from_out: String,
}

impl Layout {
    /// The path of `path` inside the source folder (`lib/Card.egh` for `src/lib/Card.egh`).
    pub fn in_src<'p>(&self, path: &'p str) -> &'p str {
        if self.src.is_empty() || self.src == "." {
            return path;
        }
        path.strip_prefix(self.src.as_str()).and_then(|p| p.strip_prefix('/')).unwrap_or(path)
    }

    /// How the compiled module of `path` imports the runtime and names its source (without
    /// images: a build adds those it processed).
    pub fn compile_options(&self, path: &str) -> CompileOptions {
        let relative = self.in_src(path);
        let up = "../".repeat(relative.matches('/').count());
        CompileOptions {
            runtime_import: self.out_url(path, RUNTIME_FILE),
            source_map_source: Some(format!("{up}{}/{relative}", self.src_from_out)),
            images: Default::default(),
        }
    }

    /// The URL of `target` (a path inside the output folder, such as `assets/a.webp`) from the
    /// compiled module of `path` and its stylesheet beside it.
    pub fn out_url(&self, path: &str, target: &str) -> String {
        match self.in_src(path).matches('/').count() {
            0 => format!("./{target}"),
            depth => format!("{}{target}", "../".repeat(depth)),
        }
    }
}

pub use crate::paths::has_text;

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

/// Trees are large: only the 256 most recently used are kept (the rest are parsed again
/// when asked for), so memory stays bounded on big projects.
#[salsa::tracked(returns(ref), no_eq, lru = 256)]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> Parse {
    syntax::parse(file.text(db))
}

/// The component's imports and signature. Prop types that name the component's own
/// interfaces and aliases are written out in full, so that importers can read them (and see
/// a new signature when those declarations change).
#[salsa::tracked(returns(ref))]
pub fn outline(db: &dyn salsa::Database, file: SourceFile) -> Outline {
    // Parsed here rather than through `parse`, so that a build (which needs the outline of
    // every changed file) does not keep every tree in memory.
    let text = file.text(db);
    let component = syntax::parse(text).component;
    let mut outline = semantics::outline(text, &component);
    let local_names = |ty: &str| {
        ty.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
    };
    let props = &mut outline.signature.props;
    if let Some(script) =
        component.script.filter(|s| s.is_typescript() && props.iter().any(|p| p.ty.as_deref().is_some_and(local_names)))
    {
        let annotations: Vec<&str> = props.iter().map(|p| p.ty.as_deref().unwrap_or("")).collect();
        let expanded = types::expand_annotations(&semantics::script_in_place(text, &script), &annotations);
        for (prop, expanded) in props.iter_mut().zip(expanded) {
            if let Some(expanded) = expanded {
                prop.ty = Some(expanded);
            }
        }
    }
    outline
}

/// The component's contract with its importers: the firewall of incremental builds.
#[salsa::tracked(returns(ref))]
pub fn signature(db: &dyn salsa::Database, file: SourceFile) -> Signature {
    outline(db, file).signature.clone()
}

/// The import specifiers of a component, without spans, so that moving an import line does
/// not re-resolve.
#[salsa::tracked(returns(ref))]
pub fn import_specifiers(db: &dyn salsa::Database, file: SourceFile) -> Vec<String> {
    outline(db, file).imports.iter().filter(|i| !i.type_only).map(|i| i.specifier.clone()).collect()
}

/// What an import specifier names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Another component of the project.
    Component(SourceFile),
    /// A non-component file of the project (`.ts`, `.js`, `.json`, an asset).
    File(String),
    /// The framework (`eghact`, `@eghact/store`, …), served by the runtime.
    Framework,
    /// A bare package specifier (`lodash`): left to the browser's import map.
    Package,
    /// An absolute URL (`https://…`).
    Url,
    /// A relative path that names no file of the project.
    Missing(String),
}

#[salsa::interned(debug)]
pub struct FilePath<'db> {
    #[returns(ref)]
    pub path: String,
}

/// The file at a project path. Kept per path so that adding or removing one file re-runs
/// this cheap lookup for every path, and nothing that depends on an unchanged answer.
#[salsa::tracked(returns(copy))]
pub fn file_at<'db>(db: &'db dyn salsa::Database, path: FilePath<'db>) -> Option<SourceFile> {
    Workspace::get(db).files(db).get(path.path(db)).copied()
}

#[salsa::tracked(returns(ref))]
pub fn resolve(db: &dyn salsa::Database, file: SourceFile) -> Vec<(String, Resolution)> {
    import_specifiers(db, file).iter().map(|specifier| (specifier.clone(), resolve_specifier(db, file, specifier))).collect()
}

/// What `specifier`, imported by `file`, names. A relative path may leave out the extension
/// (`./types` for `types.ts`) or name the JavaScript a TypeScript file becomes (`./x.js` for
/// `x.ts`), as TypeScript resolves them.
pub fn resolve_specifier(db: &dyn salsa::Database, file: SourceFile, specifier: &str) -> Resolution {
    match specifier {
        s if codegen::is_framework_module(s) => Resolution::Framework,
        s if s.contains("://") => Resolution::Url,
        s if s.starts_with("./") || s.starts_with("../") || s.starts_with('/') => {
            let target = join_relative(file.path(db), s, &Workspace::get(db).layout(db).src);
            let mut candidates = vec![target.clone()];
            if let Some(stem) = target.strip_suffix(".js") {
                candidates.push(format!("{stem}.ts"));
            }
            for suffix in [".ts", ".js", "/index.ts", "/index.js"] {
                candidates.push(format!("{target}{suffix}"));
            }
            let found = candidates.into_iter().find_map(|path| file_at(db, FilePath::new(db, path.clone())).map(|f| (path, f)));
            match found {
                Some((path, found)) if path.ends_with(".egh") => Resolution::Component(found),
                Some((path, _)) => Resolution::File(path),
                None => Resolution::Missing(target),
            }
        }
        _ => Resolution::Package,
    }
}

/// `specifier` resolved against the folder of `from`; `/…` is relative to the source folder.
fn join_relative(from: &str, specifier: &str, src: &str) -> String {
    let mut parts: Vec<&str> = match specifier.strip_prefix('/') {
        Some(_) => src.split('/').filter(|p| !p.is_empty() && *p != ".").collect(),
        None => from.split('/').collect::<Vec<_>>().split_last().map_or(Vec::new(), |(_, dir)| dir.to_vec()),
    };
    for part in specifier.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// The images a component references, without spans (moving an `<img>` does not resolve
/// again).
#[salsa::tracked(returns(ref))]
pub fn image_specifiers(db: &dyn salsa::Database, file: SourceFile) -> Vec<String> {
    let mut specifiers: Vec<String> = outline(db, file).images.iter().map(|i| i.specifier.clone()).collect();
    specifiers.sort();
    specifiers.dedup();
    specifiers
}

/// What each image specifier of a component names: [`Resolution::File`] or
/// [`Resolution::Missing`]. Unlike imports, the path is taken exactly as written.
#[salsa::tracked(returns(ref))]
pub fn resolve_images(db: &dyn salsa::Database, file: SourceFile) -> Vec<(String, Resolution)> {
    let src = &Workspace::get(db).layout(db).src;
    image_specifiers(db, file)
        .iter()
        .map(|specifier| {
            let target = join_relative(file.path(db), specifier, src);
            let resolution = match file_at(db, FilePath::new(db, target.clone())) {
                Some(_) => Resolution::File(target),
                None => Resolution::Missing(target),
            };
            (specifier.clone(), resolution)
        })
        .collect()
}

/// The interfaces and type aliases a script module exports, by name.
#[salsa::tracked(returns(ref))]
pub fn module_types(db: &dyn salsa::Database, file: SourceFile) -> BTreeMap<String, types::Type> {
    // A script module is not an `.egh` file: its nesting is checked here (the compiler
    // never reads it; a module too deep simply exports no types).
    if syntax::nesting::too_deep(file.text(db)).is_some() {
        return BTreeMap::new();
    }
    eghact_syntax::stack::ensure(|| module_types_on_stack(db, file))
}

fn module_types_on_stack(db: &dyn salsa::Database, file: SourceFile) -> BTreeMap<String, types::Type> {
    let allocator = oxc::allocator::Allocator::default();
    let source_type = oxc::span::SourceType::from_path(file.path(db)).unwrap_or_else(|_| oxc::span::SourceType::ts());
    let parsed = oxc::parser::Parser::new(&allocator, file.text(db), source_type).parse();
    if parsed.panicked {
        return BTreeMap::new();
    }
    let env = types::TypeEnv::of(&parsed.program.body);
    env.exported(&parsed.program.body).into_iter().collect()
}

/// The import graph of the project's components.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportGraph {
    /// Component path → the components it imports.
    pub imports: BTreeMap<String, BTreeSet<String>>,
    /// Component path → the components that import it.
    pub importers: BTreeMap<String, BTreeSet<String>>,
    /// Each import cycle once, as its members in path order.
    pub cycles: Vec<Vec<String>>,
}

#[salsa::tracked(returns(ref))]
pub fn import_graph(db: &dyn salsa::Database) -> ImportGraph {
    let mut graph = ImportGraph::default();
    for (path, file) in Workspace::get(db).files(db).iter() {
        if !path.ends_with(".egh") {
            continue;
        }
        let targets: BTreeSet<String> = resolve(db, *file)
            .iter()
            .filter_map(|(_, r)| match r {
                Resolution::Component(target) => Some(target.path(db).clone()),
                _ => None,
            })
            .collect();
        for target in &targets {
            graph.importers.entry(target.clone()).or_default().insert(path.clone());
        }
        graph.imports.insert(path.clone(), targets);
    }
    graph.cycles = strongly_connected(&graph.imports);
    graph
}

/// Tarjan's algorithm, iteratively (deep graphs must not overflow the stack); returns the
/// components with more than one member or a self-import.
pub fn strongly_connected(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = edges.keys().collect();
    let index_of: BTreeMap<&String, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let successors: Vec<Vec<usize>> =
        nodes.iter().map(|n| edges[*n].iter().filter_map(|t| index_of.get(t).copied()).collect()).collect();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; nodes.len()], vec![0; nodes.len()], vec![false; nodes.len()]);
    let (mut next, mut stack, mut cycles) = (0, Vec::new(), Vec::new());
    for root in 0..nodes.len() {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            if *child == 0 && index[node] == usize::MAX {
                index[node] = next;
                low[node] = next;
                next += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&succ) = successors[node].get(*child) {
                *child += 1;
                if index[succ] == usize::MAX {
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut members = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    members.push(nodes[member].clone());
                    if member == node {
                        break;
                    }
                }
                if members.len() > 1 || successors[node].contains(&node) {
                    members.sort();
                    cycles.push(members);
                }
            }
        }
    }
    cycles.sort();
    cycles
}

/// The import cycle `file` is part of, if any. It reads the whole import graph: after an edit
/// salsa re-validates every component's imports (about 10 ms for 10,000 components), so an
/// editor publishes [`check`] first.
#[salsa::tracked(returns(ref))]
pub fn cycle_of(db: &dyn salsa::Database, file: SourceFile) -> Option<Vec<String>> {
    let path = file.path(db);
    import_graph(db).cycles.iter().find(|c| c.contains(path)).cloned()
}

/// The diagnostics of a component that its cache key covers (its text, and the signatures
/// and existence of what it imports): the compiler's, names and types, unresolved imports
/// and images, and its use of imported components. The compiler's stages run without
/// generating code (`codegen::check_parsed`).
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    let path = file.path(db);
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
    let (path, text) = (file.path(db), file.text(db));
    let parse = syntax::parse(text);
    let mut options = Workspace::get(db).layout(db).compile_options(path);
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

/// E0508 on each reference of `file` to an image in `failed` (specifier → why).
fn image_failures(db: &dyn salsa::Database, file: SourceFile, failed: &BTreeMap<String, String>) -> Vec<Diagnostic> {
    outline(db, file)
        .images
        .iter()
        .filter_map(|reference| {
            let error = failed.get(&reference.specifier)?;
            Some(
                Diagnostic::error("E0508", format!("cannot process image `{}`: {error}", reference.specifier), reference.span)
                    .with_help("save the file again as a PNG, JPEG, WebP or GIF image, or remove the reference"),
            )
        })
        .collect()
}

/// What [`check`] adds to the compiler's diagnostics: names and types, unresolved imports,
/// and uses of imported components against their signatures.
fn import_diagnostics(db: &dyn salsa::Database, file: SourceFile, parse: &Parse) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let outline = outline(db, file);
    let children = imported_components(db, file);
    let mut imported_types = std::collections::HashMap::new();
    for import in &outline.imports {
        match import_resolution(db, file, import) {
            Some(Resolution::Missing(target)) => diagnostics.push(
                Diagnostic::error("E0501", format!("cannot resolve import `{}`", import.specifier), import.span)
                    .with_label(format!("no file `{target}` in the project"))
                    .with_help("check the path; imports are relative to this file"),
            ),
            Some(Resolution::File(path)) => {
                if let Some(module) = file_at(db, FilePath::new(db, path)) {
                    let exported = module_types(db, module);
                    for (imported, local) in &import.names {
                        if let Some(ty) = exported.get(imported) {
                            imported_types.insert(local.clone(), ty.clone());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let images = resolve_images(db, file);
    for reference in &outline.images {
        let resolution = images.iter().find(|(s, _)| *s == reference.specifier).map(|(_, r)| r);
        if let Some(Resolution::Missing(target)) = resolution {
            diagnostics.push(
                Diagnostic::error("E0507", format!("cannot find image `{}`", reference.specifier), reference.span)
                    .with_label(format!("no file `{target}` in the project"))
                    .with_help("check the path; images are relative to this file"),
            );
        }
    }
    if !children.is_empty() {
        check_component_uses(db, file, parse, &children, &mut diagnostics);
    }
    // Names and types are checked only in a file that parses: recovery guesses would be
    // reported twice.
    if !parse.diagnostics.iter().any(Diagnostic::is_error) {
        let signatures = children.iter().map(|(name, child)| (name.clone(), signature(db, *child).clone())).collect();
        diagnostics.extend(types::check_component(file.text(db), &parse.component, &signatures, imported_types));
        diagnostics.extend(semantics::a11y(&parse.component));
    }
    diagnostics
}

/// What `import` of `file` names. Type-only imports are not resolved for the build (they
/// are erased); they are looked up here.
fn import_resolution(db: &dyn salsa::Database, file: SourceFile, import: &semantics::Import) -> Option<Resolution> {
    match import.type_only {
        false => resolve(db, file).iter().find(|(s, _)| *s == import.specifier).map(|(_, r)| r.clone()),
        true => Some(resolve_specifier(db, file, &import.specifier)),
    }
}

/// The components `file` imports, by local name (`import Card from './Card.egh'`).
pub fn imported_components(db: &dyn salsa::Database, file: SourceFile) -> BTreeMap<String, SourceFile> {
    outline(db, file)
        .imports
        .iter()
        .filter_map(|import| match (import_resolution(db, file, import)?, &import.default_name) {
            (Resolution::Component(child), Some(name)) => Some((name.clone(), child)),
            _ => None,
        })
        .collect()
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

/// E0502 for a member of `cycle`, on its first import.
pub fn cycle_diagnostic(outline: &Outline, cycle: &[String]) -> Diagnostic {
    let span = outline.imports.first().map_or(Span::new(0, 0), |i| i.span);
    Diagnostic::error("E0502", format!("import cycle: {}", cycle.join(" → ")), span)
        .with_help("components in a cycle would render each other forever at load; break the cycle")
}

/// Unknown and missing props of every `<Child …>` against `signature(child)`.
fn check_component_uses(
    db: &dyn salsa::Database,
    file: SourceFile,
    parse: &Parse,
    children: &BTreeMap<String, SourceFile>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use eghact_syntax::ast::{AttributeKind, Element, ElementKind};
    let source = file.text(db);
    let mut check_element = |element: &Element| {
        if element.kind != ElementKind::Component {
            return;
        }
        let Some(child) = children.get(&element.name.text) else { return };
        let signature = signature(db, *child);
        for attribute in &element.attributes {
            match &attribute.kind {
                AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. }
                    if name.text != "slot" && signature.prop(&name.text).is_none() =>
                {
                    let known: Vec<&str> = signature.props.iter().map(|p| p.name.as_str()).collect();
                    let diagnostic =
                        Diagnostic::error("E0503", format!("`{}` has no prop `{}`", element.name.text, name.text), name.span);
                    diagnostics.push(match known.as_slice() {
                        [] => diagnostic.with_help(format!("`{}` declares no props", element.name.text)),
                        _ => diagnostic.with_help(format!("its props are: {}", known.join(", "))),
                    });
                }
                AttributeKind::Event { name, .. }
                    if signature.events_closed && !signature.events.iter().any(|e| e.name == name.text) =>
                {
                    let known: Vec<&str> = signature.events.iter().map(|e| e.name.as_str()).collect();
                    diagnostics.push(
                        Diagnostic::error("E0607", format!("`{}` has no event `{}`", element.name.text, name.text), name.span)
                            .with_label("not in its `createEventDispatcher<{ … }>()`")
                            .with_help(format!("its events are: {}", known.join(", "))),
                    );
                }
                _ => {}
            }
        }
        let Some(passed) = passed_props(element, source) else { return };
        for prop in signature.props.iter().filter(|p| p.required && !passed.contains(&p.name.as_str())) {
            diagnostics.push(
                Diagnostic::error(
                    "E0504",
                    format!("`<{}>` is missing the required prop `{}`", element.name.text, prop.name),
                    element.name.span,
                )
                .with_help(format!("pass it: `<{} {}={{…}}>`", element.name.text, prop.name)),
            );
        }
    };
    if let Some(template) = &parse.component.template {
        syntax::ast::walk_elements(&template.nodes, &mut check_element);
    }
}

/// The props a `<Child …>` passes by name (`n={…}`, `bind:n`, `{n}`); `None` when a spread
/// (`{...rest}`) may pass any.
pub fn passed_props<'a>(element: &'a syntax::ast::Element, source: &'a str) -> Option<Vec<&'a str>> {
    use eghact_syntax::ast::AttributeKind;
    let mut passed = Vec::new();
    for attribute in &element.attributes {
        match &attribute.kind {
            AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. } => passed.push(name.text.as_str()),
            AttributeKind::Shorthand(expr) => passed.push(expr.span.text(source).trim()),
            AttributeKind::Spread(_) => return None,
            _ => {}
        }
    }
    Some(passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_specifiers_join_against_the_importing_folder() {
        assert_eq!(join_relative("src/a/B.egh", "./C.egh", "src"), "src/a/C.egh");
        assert_eq!(join_relative("src/a/B.egh", "../x/C.egh", "src"), "src/x/C.egh");
        assert_eq!(join_relative("src/a/B.egh", "/lib/C.egh", "src"), "src/lib/C.egh");
    }

    #[test]
    fn cycles_are_found_once_with_their_members() {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut edge = |a: &str, b: &str| {
            edges.entry(a.into()).or_default().insert(b.into());
            edges.entry(b.into()).or_default();
        };
        edge("a", "b");
        edge("b", "c");
        edge("c", "a");
        edge("c", "d");
        edge("e", "e");
        assert_eq!(strongly_connected(&edges), [vec!["a", "b", "c"], vec!["e"]]);
    }

    #[test]
    fn compile_options_follow_the_folder_depth() {
        let layout = Layout { src: "src".into(), src_from_out: "../src".into() };
        let options = layout.compile_options("src/lib/Card.egh");
        assert_eq!(options.runtime_import, "../eghact-runtime.js");
        assert_eq!(options.source_map_source.as_deref(), Some("../../src/lib/Card.egh"));
        assert_eq!(layout.out_url("src/lib/Card.egh", "assets/a.webp"), "../assets/a.webp");
        assert_eq!(layout.out_url("src/App.egh", "assets/a.webp"), "./assets/a.webp");
    }
}
