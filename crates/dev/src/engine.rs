//! The dev server's side of the engine: the project's database (the build's queries and
//! compiler, `db::serve_component`), what each URL names, compiles on demand, and what a batch
//! of file changes means for the page (updates, styles, reloads, errors).
//!
//! Invariants: nothing is written to the project; a module is compiled only when the page asks
//! for it or when a change affects a module the page loaded; the page is only ever sent output
//! without errors (a module with errors keeps its last good output, and the errors go to the
//! overlay); a compile on another thread is recorded only if no change came in meanwhile.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use eghact_analysis::db::{self, Database, Layout, Resolution, SourceFile};
use eghact_analysis::paths::{is_compiled, is_component};
use eghact_builder::project::Project;
use eghact_builder::{FileChange, Host, read_paths, read_sources};
use eghact_codegen::{CompileOutput, RUNTIME_FILE, RUNTIME_SOURCE, module_output};
use eghact_semantics::routes::MANIFEST_FILE;
use eghact_syntax::diagnostics::{Diagnostic, LineIndex, render};

use crate::error::DevError;
use crate::graph::{ModuleGraph, Served};
use crate::paths::{Refusal, file_in};
use crate::protocol::{ErrorReport, Message, ModuleUpdate};

/// The page: index.html at the project root.
pub const PAGE: &str = "index.html";

/// What a request path (relative, from `paths::request_path`) names.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    Page,
    Runtime,
    RouteManifest,
    /// A pre-bundled package module, by its name in `eghact-deps/`.
    Dependency(String),
    /// The compiled module of a source, or its source map.
    Module {
        path: String,
        map: bool,
    },
    /// A file of the project, served as it is.
    File(PathBuf),
}

/// A compile to run away from the engine's lock: a handle on the database as of `revision`.
pub struct CompileJob {
    db: Database,
    file: SourceFile,
    /// The versions of replaced modules, by project path.
    versions: HashMap<String, u64>,
    revision: u64,
}

/// What a [`CompileJob`] found.
pub struct Compiled {
    output: CompileOutput,
    diagnostics: Vec<Diagnostic>,
    text: String,
    imports: BTreeSet<String>,
    revision: u64,
}

impl CompileJob {
    /// Compiles; `None` when a change cancelled it (the caller asks again).
    pub fn run(self) -> Option<Compiled> {
        let CompileJob { db, file, versions, revision } = self;
        salsa::Cancelled::catch(|| compile(&db, file, &versions, revision)).ok()
    }
}

fn compile(db: &Database, file: SourceFile, versions: &HashMap<String, u64>, revision: u64) -> Compiled {
    let targets: BTreeMap<String, String> = db::resolve(db, file)
        .iter()
        .filter_map(|(specifier, resolution)| match resolution {
            Resolution::Component(target) => Some((specifier.clone(), target.path(db).clone())),
            Resolution::File(path) if is_compiled(path) => Some((specifier.clone(), path.clone())),
            _ => None,
        })
        .collect();
    // A replaced plain module is imported by its new URL, so that the page runs its new code.
    // A component keeps its URL: the class its importers hold takes the new code in place.
    let mut specifiers = db::output_specifiers(db, file);
    for (specifier, url) in specifiers.iter_mut() {
        let plain = targets.get(specifier).filter(|path| !is_component(path));
        if let Some(version) = plain.and_then(|path| versions.get(path)) {
            url.push_str(&format!("?t={version}"));
        }
    }
    let (output, diagnostics) = db::serve_component(db, file, &|options| {
        options.hot = true;
        options.specifiers = specifiers.clone();
    });
    Compiled { output, diagnostics, text: file.text(db).clone(), imports: targets.into_values().collect(), revision }
}

/// The dev server's state of the project.
pub struct Engine {
    project: Project,
    /// The project root's real path: nothing outside is served.
    root: PathBuf,
    /// The source folder and the output folder relative to the root (`src`, `dist`; empty for
    /// the root itself): URLs under either name the source folder's modules as a build
    /// writes them (`/dist/Counter.js` and `/src/Counter.js` are the module of `src/Counter.egh`).
    mirrors: Vec<String>,
    layout: Layout,
    host: Host,
    /// Counts the changes applied: an output compiled at another revision is stale.
    revision: u64,
    graph: ModuleGraph,
    errors: BTreeMap<String, Vec<ErrorReport>>,
    /// The packages pre-bundled last, and their modules by name in `eghact-deps/`.
    dependencies: Option<(Vec<String>, Arc<BTreeMap<String, Vec<u8>>>)>,
}

impl Engine {
    /// The project with its source folder read.
    pub fn open(project: Project) -> Result<Self, DevError> {
        let root = project.root.canonicalize().map_err(|source| DevError::Io { path: project.root.clone(), source })?;
        let relative = |folder: &Path| {
            let folder = folder.canonicalize().unwrap_or_else(|_| folder.to_path_buf());
            folder.strip_prefix(&root).ok().map(eghact_analysis::paths::slash_path)
        };
        let mut mirrors: Vec<String> =
            [relative(&project.src_dir()), relative(&project.out_dir())].into_iter().flatten().collect();
        mirrors.dedup();
        let layout = project.layout();
        let mut host = Host::new(Database::default(), layout.clone());
        let read = read_sources(&project, host.files())?;
        host.apply(read.changes);
        Ok(Self {
            project,
            root,
            mirrors,
            layout,
            host,
            revision: 1,
            graph: ModuleGraph::default(),
            errors: BTreeMap::new(),
            dependencies: None,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What the request path `relative` names.
    pub fn target(&self, relative: &str) -> Result<Target, Refusal> {
        if relative.is_empty() || relative == PAGE {
            return Ok(Target::Page);
        }
        for mirror in &self.mirrors {
            let inner = match mirror.as_str() {
                "" => Some(relative),
                folder => relative.strip_prefix(folder).and_then(|rest| rest.strip_prefix('/')),
            };
            let Some(inner) = inner else { continue };
            if inner == RUNTIME_FILE {
                return Ok(Target::Runtime);
            }
            if inner == MANIFEST_FILE && db::route_manifest(self.host.db()).is_some() {
                return Ok(Target::RouteManifest);
            }
            if let Some(name) = inner.strip_prefix("eghact-deps/") {
                return Ok(Target::Dependency(name.to_string()));
            }
            let (module, map) = match inner.strip_suffix(".map") {
                Some(module) => (module, true),
                None => (inner, false),
            };
            if let Some(path) = self.source_of(module) {
                return Ok(Target::Module { path, map });
            }
        }
        file_in(&self.root, relative).map(Target::File)
    }

    /// The source whose module a build writes at `inner` (inside the source folder), or the
    /// source itself when `inner` names one.
    fn source_of(&self, inner: &str) -> Option<String> {
        let src = self.layout.src.as_str();
        let in_src = |name: &str| if src.is_empty() || src == "." { name.to_string() } else { format!("{src}/{name}") };
        let named = in_src(inner);
        if is_compiled(&named) && self.host.file(&named).is_some() {
            return Some(named);
        }
        let stem = inner.rsplit_once('.').map(|(stem, _)| stem)?;
        let component = in_src(&format!("{stem}.egh"));
        if inner.ends_with(".js") && self.host.file(&component).is_some() {
            return Some(component);
        }
        ["ts", "mts", "cts"]
            .iter()
            .map(|extension| in_src(&format!("{stem}.{extension}")))
            .find(|candidate| self.host.file(candidate).is_some() && module_output(candidate).as_deref() == Some(named.as_str()))
    }

    /// The page with the client script, or why there is none.
    pub fn page(&self) -> Result<String, DevError> {
        let path = self.root.join(PAGE);
        let html = std::fs::read_to_string(&path).map_err(|source| DevError::Io { path, source })?;
        Ok(crate::client::inject(&html))
    }

    pub fn route_manifest(&self) -> Option<String> {
        db::route_manifest(self.host.db()).as_ref().map(|manifest| manifest.js.clone())
    }

    pub fn runtime() -> &'static str {
        RUNTIME_SOURCE
    }

    /// The module of the component `path` as the page gets it: its code, then its stylesheet
    /// handed to the runtime (`hot_style`), before the source map's comment.
    pub fn module_text(&self, path: &str, served: &Served) -> String {
        if !is_component(path) {
            return served.js.clone();
        }
        let runtime = self.layout.out_url(path, RUNTIME_FILE);
        let css = serde_json::to_string(&served.css).unwrap_or_else(|_| "\"\"".into());
        let style = format!("import {{ hot_style as $$hot_style }} from {runtime:?};\n$$hot_style(import.meta.url, {css});\n");
        let code = served.js.trim_end_matches('\n');
        match code.rfind('\n').map(|at| at + 1).filter(|at| code[*at..].starts_with("//# sourceMappingURL=")) {
            Some(at) => format!("{}{style}{}\n", &code[..at], &code[at..]),
            None => format!("{code}\n{style}"),
        }
    }

    /// The module of `path` as served now, when nothing changed since it was compiled.
    pub fn cached(&self, path: &str) -> Option<Served> {
        self.graph.get(path)?.served.clone().filter(|served| served.revision == self.revision)
    }

    /// A compile of `path` to run on another thread; `None` when the file is gone.
    pub fn job(&self, path: &str) -> Option<CompileJob> {
        let file = self.host.file(path)?;
        let versions =
            self.graph.paths().filter_map(|p| Some((p.clone(), self.graph.get(p)?.version))).filter(|(_, v)| *v > 0).collect();
        Some(CompileJob { db: self.host.db().clone(), file, versions, revision: self.revision })
    }

    /// Records what a compile of `path` requested from `url` found: the module to serve (the
    /// last good one when this one has errors), or `None` when it is stale (compile again) or
    /// there is none. The second value says whether the errors changed.
    pub fn record(&mut self, path: &str, url: &str, compiled: Compiled) -> Result<Recorded, Stale> {
        if compiled.revision != self.revision {
            return Err(Stale);
        }
        self.graph.load(path, url, is_component(path));
        let errors_before = self.errors.get(path).cloned();
        self.note(path, &compiled);
        let errors_changed = self.errors.get(path) != errors_before.as_ref();
        Ok(Recorded { served: self.graph.get(path).and_then(|module| module.served.clone()), errors_changed })
    }

    /// Notes that the page loaded `path` from `url` (served from the cache).
    pub fn loaded(&mut self, path: &str, url: &str) {
        self.graph.load(path, url, is_component(path));
    }

    /// Keeps a compile of a loaded module: its output when it has no errors, else its errors.
    /// Returns what changed in what the page runs: (code, style).
    fn note(&mut self, path: &str, compiled: &Compiled) -> (bool, bool) {
        let reports = error_reports(path, &compiled.text, &compiled.diagnostics, &self.root);
        let Some(module) = self.graph.get_mut(path) else { return (false, false) };
        if !reports.is_empty() {
            self.errors.insert(path.to_string(), reports);
            return (false, false);
        }
        self.errors.remove(path);
        module.imports = compiled.imports.clone();
        let output = &compiled.output;
        let served =
            Served { js: output.js.clone(), css: output.css.clone(), map: output.map.clone(), revision: compiled.revision };
        let changed = match &module.served {
            Some(before) => (before.js != served.js, before.css != served.css),
            None => (false, false),
        };
        module.served = Some(served);
        changed
    }

    /// The errors of every loaded module, for the overlay.
    pub fn errors(&self) -> Vec<ErrorReport> {
        self.errors.values().flatten().cloned().collect()
    }

    /// Applies changes under the source folder (`paths` relative to the project root, or the
    /// whole folder on `rescan`), recompiles the loaded modules they affect, and says what the
    /// page must do, with the paths that changed.
    pub fn apply(&mut self, paths: Vec<String>, rescan: bool) -> Result<(Vec<String>, Vec<Message>), DevError> {
        let mut read = match rescan {
            true => read_sources(&self.project, self.host.files())?,
            false => read_paths(&self.project, self.host.files(), paths)?,
        };
        self.settle_truncated(&mut read.changes)?;
        let mut changed = self.host.apply(read.changes);
        changed.extend(read.assets);
        if changed.is_empty() {
            return Ok((changed, Vec::new()));
        }
        self.revision += 1;
        let changed_set: BTreeSet<&String> = changed.iter().collect();
        let affected: Vec<String> = self
            .graph
            .paths()
            .filter(|path| {
                changed_set.contains(path)
                    || self.errors.contains_key(*path)
                    || self.graph.get(path).is_some_and(|module| module.imports.iter().any(|i| changed_set.contains(i)))
            })
            .cloned()
            .collect();
        let errors_before = self.errors.clone();
        let (mut code, mut styles) = (Vec::new(), Vec::new());
        for path in affected {
            let Some(job) = self.job(&path) else {
                // Gone: its importers report it; the page keeps what it runs.
                self.errors.remove(&path);
                continue;
            };
            // This thread is the only writer: nothing cancels it.
            let Some(compiled) = job.run() else { continue };
            match self.note(&path, &compiled) {
                (true, _) => code.push(path),
                (false, true) => styles.push(path),
                (false, false) => {}
            }
        }
        let mut messages = Vec::new();
        if self.errors != errors_before {
            messages.push(Message::Errors { errors: self.errors() });
        }
        for path in styles {
            let Some(module) = self.graph.get(&path) else { continue };
            let css = module.served.as_ref().map(|served| served.css.clone()).unwrap_or_default();
            for url in &module.urls {
                messages.push(Message::Style { path: path.clone(), url: url.clone(), css: css.clone() });
            }
        }
        let propagation = self.graph.propagate(&code);
        if let Some(reason) = propagation.reload {
            messages.push(Message::Reload { reason });
        } else if !propagation.boundaries.is_empty() {
            let timestamp = self.revision;
            for path in &propagation.touched {
                if let Some(module) = self.graph.get_mut(path) {
                    module.version = timestamp;
                }
            }
            // Their importers' outputs name the new versions: compiled again when asked for.
            self.revision += 1;
            let updates = propagation
                .boundaries
                .iter()
                .filter_map(|path| self.graph.get(path).map(|module| (path, module)))
                .flat_map(|(path, module)| {
                    module.urls.iter().map(|url| ModuleUpdate { path: path.clone(), url: url.clone(), timestamp })
                })
                .collect();
            messages.push(Message::Update { updates });
        }
        Ok((changed, messages))
    }

    /// Reads again, a few times over a moment, a file that became empty: editors that save by
    /// truncating then writing show the page an empty component in between otherwise (its
    /// state lost, as its shape changed), as Vite learned.
    fn settle_truncated(&self, changes: &mut [FileChange]) -> Result<(), DevError> {
        for change in changes.iter_mut() {
            let FileChange::Write { path, text } = change else { continue };
            let had_text = self.host.file(path).is_some_and(|file| !file.text(self.host.db()).is_empty());
            for _ in 0..10 {
                if !text.is_empty() || !had_text {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
                let again = read_paths(&self.project, self.host.files(), [path.clone()])?;
                if let Some(FileChange::Write { text: newer, .. }) = again.changes.into_iter().next() {
                    *text = newer;
                }
            }
        }
        Ok(())
    }

    /// The packages the project imports, and their pre-bundled modules when they are current.
    pub fn dependencies(&self) -> (Vec<String>, Option<Arc<BTreeMap<String, Vec<u8>>>>) {
        let packages = db::imported_packages(self.host.db()).clone();
        let current = self.dependencies.as_ref().filter(|(bundled, _)| *bundled == packages).map(|(_, modules)| modules.clone());
        (packages, current)
    }

    pub fn set_dependencies(&mut self, packages: Vec<String>, modules: Arc<BTreeMap<String, Vec<u8>>>) {
        self.dependencies = Some((packages, modules));
    }
}

/// A compile whose database changed before it was recorded.
#[derive(Debug)]
pub struct Stale;

/// What [`Engine::record`] kept.
pub struct Recorded {
    /// What the page gets: the last output without errors, if any.
    pub served: Option<Served>,
    pub errors_changed: bool,
}

/// The errors among `diagnostics` as the overlay shows them.
fn error_reports(path: &str, text: &str, diagnostics: &[Diagnostic], root: &Path) -> Vec<ErrorReport> {
    let index = LineIndex::new(text);
    diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(|diagnostic| {
            let (line, column) = index.line_col(text, diagnostic.span.start);
            let query = format!("file={}&line={line}&column={column}", percent_encoding::utf8_percent_encode(path, QUERY));
            ErrorReport {
                path: path.to_string(),
                code: diagnostic.code.to_string(),
                message: diagnostic.message.clone(),
                line,
                column,
                frame: render(path, text, std::slice::from_ref(diagnostic)),
                open_url: format!("/__open-in-editor?{query}"),
                editor_url: format!("vscode://file{}:{line}:{column}", root.join(path).display()),
            }
        })
        .collect()
}

/// What a query value escapes.
const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'.').remove(b'-').remove(b'_');
