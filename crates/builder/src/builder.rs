//! The `Builder`: a project with its database, its cache tiers and the record of its last
//! build. It plans the affected components of a change, looks them up, compiles the misses in
//! parallel (or offloads them), writes outputs and reports. Its image and offload stages are
//! the child modules `image_stage` and `offload_stage`.

mod dependency_stage;
mod image_stage;
mod offload_stage;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::cache::{CacheEntry, CacheKey, CacheKeyBuilder, CacheTier, Digest, DiskCache, KeyInputs, MemoryCache, TieredCache};
use crate::dependencies::DependencyBundler;
use crate::images::{self, ImageInput};
use crate::offload::Offload;
use crate::output::{OutputFolder, collisions, component_outputs, module_outputs};
use crate::project::cache_config;
use crate::project::{PathDiagnostic, Project, ProjectError};
use crate::report::{BuildError, BuildEvent, BuildReport, CacheState, FileBuild, Skipped};
use crate::sources::{read_paths, read_sources};
use crate::state::{BuildState, Imported, Stamp};
use eghact_analysis::db::{self, Database, Resolution, SourceFile};
use eghact_analysis::paths::{self, slash_path};
use eghact_codegen::{RUNTIME_FILE, RUNTIME_SOURCE};
use eghact_ide::{AnalysisHost as Host, FileChange};
use eghact_semantics::assets::{ImageAsset, ImageProcessor};
use eghact_syntax::diagnostics::Diagnostic;

const STATE_FILE: &str = "build-state.json";

/// What goes into every key besides the sources.
#[derive(Clone)]
pub struct BuildOptions {
    /// Identifies the compiler build; a new one misses every entry.
    pub compiler_version: String,
    /// Write outputs (`build`) or only report diagnostics (`check`).
    pub write: bool,
    /// Keep recent entries in memory: worth it for a long-lived builder (watch mode, the
    /// language server), not for a single build, which looks each key up once.
    pub memory_cache: bool,
    /// Turns the images components reference into the variants of `[assets]` and rewrites the
    /// references. Without one, images are copied unchanged and references left as written.
    pub image_processor: Option<Arc<dyn ImageProcessor>>,
}

/// A project with its database, its cache and the record of its last build. One per
/// process; watch mode keeps it between builds.
pub struct Builder {
    project: Project,
    options: BuildOptions,
    host: Host,
    cache: TieredCache,
    state: BuildState,
    /// Digest of each component's current text.
    sources: BTreeMap<String, Digest>,
    /// Problems to report with the next build.
    warnings: Vec<String>,
    path_diagnostics: Vec<PathDiagnostic>,
    /// Time spent reading sources since the last build.
    load_ms: f64,
    /// Paths changed since the last build.
    dirty: BTreeSet<String>,
    /// A file was added or removed since the last build: resolutions may differ anywhere.
    file_set_changed: bool,
    /// The record matches the outputs of a build of this builder.
    synced: bool,
    /// The record changed since it was last written.
    unsaved: bool,
    defer_save: bool,
    /// Import cycles, as of the last build.
    cycles: Vec<Vec<String>>,
    /// Where misses may be compiled instead of here.
    offload: Option<Offload>,
    /// Keeps the next builds local whatever the policy (an editor's one-file builds).
    offload_paused: bool,
    /// Pre-bundles the npm packages the project imports (none: they are not written).
    dependency_bundler: Option<Arc<dyn DependencyBundler>>,
}

impl Builder {
    pub fn open(project: Project, options: BuildOptions) -> Self {
        let layout = project.layout();
        let config = cache_config(&project);
        let mut warnings = Vec::new();
        let mut tiers: Vec<Box<dyn CacheTier>> = Vec::new();
        if options.memory_cache {
            tiers.push(Box::new(MemoryCache::new(config.memory_bytes)));
        }
        // A check writes nothing: it reads a disk cache that exists and creates none.
        if options.write || config.dir.is_dir() {
            match DiskCache::open(&config.dir, config.disk_limits()) {
                Ok(disk) => tiers.push(Box::new(disk)),
                Err(error) => warnings.push(format!("disk cache unavailable, building without it: {error}")),
            }
        }
        let cache = TieredCache::new(tiers);
        let record = project.work_dir().join(STATE_FILE);
        let (mut state, path_diagnostics) =
            BuildState::load(&record, &slash_path(record.strip_prefix(&project.root).unwrap_or(&record)));
        let out = project.out_dir().display().to_string();
        if state.out != out {
            // Outputs recorded for another folder say nothing about this one.
            state = BuildState::default();
            state.out = out;
        }
        Self {
            project,
            options,
            host: Host::new(Database::default(), layout),
            cache,
            state,
            sources: BTreeMap::new(),
            warnings,
            path_diagnostics,
            load_ms: 0.0,
            dirty: BTreeSet::new(),
            file_set_changed: false,
            synced: false,
            unsaved: false,
            defer_save: false,
            cycles: Vec::new(),
            offload: None,
            offload_paused: false,
            dependency_bundler: None,
        }
    }

    /// Pre-bundles the npm packages the project imports with `bundler` into `eghact-deps/` of
    /// the output folder (`dependencies.rs`), which compiled modules import.
    pub fn bundle_dependencies(&mut self, bundler: Arc<dyn DependencyBundler>) {
        self.dependency_bundler = Some(bundler);
    }

    /// Adds a cache tier after memory and disk, such as `eghact-remote`'s `RemoteCache`: it is
    /// looked up last, and its hits are copied into the local tiers.
    pub fn add_tier(&mut self, tier: Box<dyn CacheTier>) {
        self.cache.push(tier);
    }

    /// Lets builds send misses to a remote cluster when the policy says so.
    pub fn offload(&mut self, offload: Offload) {
        self.offload = Some(offload);
    }

    /// Keeps builds local (`true`) until called with `false`, whatever the policy says.
    pub fn pause_offload(&mut self, paused: bool) {
        self.offload_paused = paused;
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn options(&self) -> &BuildOptions {
        &self.options
    }

    /// Reads the whole source folder into the database.
    pub fn load(&mut self) -> Result<Vec<String>, ProjectError> {
        let started = Instant::now();
        let read = read_sources(&self.project, self.host.files())?;
        self.path_diagnostics.extend(read.problems);
        self.load_ms += ms(started);
        Ok(self.apply(read.changes))
    }

    /// Re-reads `paths` (relative to the project root): a file that is gone is removed. Files
    /// without text in the database (images, other assets) count as changed whenever they
    /// are named: the database cannot tell, their stamps and digests will.
    pub fn refresh(&mut self, paths: impl IntoIterator<Item = String>) -> Result<Vec<String>, ProjectError> {
        let read = read_paths(&self.project, self.host.files(), paths)?;
        self.path_diagnostics.extend(read.problems);
        let mut changed = self.apply(read.changes);
        self.dirty.extend(read.assets.iter().cloned());
        changed.extend(read.assets);
        changed.sort();
        changed.dedup();
        Ok(changed)
    }

    /// Applies changes that do not come from the disk (an editor's unsaved buffers).
    pub fn apply(&mut self, changes: Vec<FileChange>) -> Vec<String> {
        let started = Instant::now();
        for change in &changes {
            let (FileChange::Write { path, .. } | FileChange::Remove { path }) = change;
            let known = self.host.files().contains_key(path);
            self.file_set_changed |= matches!(change, FileChange::Write { .. }) != known;
            match change {
                FileChange::Write { path, text } if paths::is_compiled(path) => {
                    self.sources.insert(path.clone(), Digest::of(text.as_bytes()));
                }
                FileChange::Write { .. } => {}
                FileChange::Remove { path } => {
                    self.sources.remove(path);
                }
            }
        }
        let changed = self.host.apply(changes);
        self.dirty.extend(changed.iter().cloned());
        self.load_ms += ms(started);
        changed
    }

    /// Builds every component whose key changed since the last build (all of them in a
    /// new project), then records this build.
    ///
    /// The first build of a builder compares every component with the build record; later
    /// ones (watch mode) look only at the files changed since and at their importers, and
    /// trust the outputs this builder wrote.
    pub fn build(&mut self, on_event: &(dyn Fn(BuildEvent) + Sync)) -> Result<BuildReport, BuildError> {
        let started = Instant::now();
        let mut report = BuildReport {
            warnings: std::mem::take(&mut self.warnings),
            path_diagnostics: std::mem::take(&mut self.path_diagnostics),
            ..BuildReport::default()
        };
        report.phases.load_ms = std::mem::take(&mut self.load_ms);
        let dirty = std::mem::take(&mut self.dirty);
        let full = !self.synced || self.file_set_changed;
        let scope: Vec<String> = if full { self.sources.keys().cloned().collect() } else { self.affected(&dirty) };
        // Imports resolve differently only when files came or went: since the last build of
        // this builder, or, in a new process, since the build record.
        let file_set_changed = if self.synced {
            self.file_set_changed
        } else {
            let others = self.host.files().keys().filter(|p| !paths::has_text(p));
            !self.sources.keys().eq(self.state.components.keys()) || !others.eq(self.state.copies.keys())
        };
        let (plans, images) = self.plan(&scope, file_set_changed)?;
        report.phases.plan_ms = ms(started);
        let collisions = self.collisions();

        // Cycles first: their members write nothing.
        let imports_changed =
            full || plans.iter().any(|p| self.state.components.get(&p.path).is_none_or(|s| s.imports != p.imports));
        if imports_changed {
            let mut edges = self.import_edges();
            edges.retain(|path, _| self.sources.contains_key(path));
            for plan in &plans {
                edges.insert(plan.path.clone(), component_targets(&plan.imports).collect());
            }
            self.cycles = db::strongly_connected(&edges);
        }
        // Members of a cycle and sources whose output another one writes (E0511).
        let src = &self.project.config.src;
        let not_written = collisions.not_written.iter().map(|in_src| slash_path(&src.join(in_src)));
        let blocked: BTreeSet<String> = self.cycles.iter().flatten().cloned().chain(not_written).collect();

        // Images first: what a component compiles to depends on their variants.
        let processed = self.process_images(images, on_event, &mut report)?;
        let compile_started = Instant::now();
        let (unchanged, work): (Vec<_>, Vec<_>) = plans.into_iter().partition(|p| self.is_unchanged(p));
        let offload = self.offload.as_ref().filter(|_| self.options.write && !self.offload_paused);
        on_event(BuildEvent::Started { total: work.len(), remote: offload.is_some() });
        let done = AtomicUsize::new(0);
        let total = work.len();
        let handles = Handles::new(self.host.db());
        let (cache, project, write) = (&self.cache, &self.project, self.options.write);
        let layout = db::Workspace::get(self.host.db()).layout(self.host.db()).clone();
        let images_of =
            |plan: &Plan| images::component_images(&plan.path, &plan.imports, &processed, &layout, &project.config.assets);
        // Outputs are written as soon as they are ready, so that they need not all be held.
        let output = project.output();
        let finish = |(mut outcome, entry): (Outcome, Arc<CacheEntry>)| -> Result<Outcome, ProjectError> {
            if write && !outcome.failed(&blocked) {
                outcome.written = Some(write_outputs(project, &output, &outcome.plan.path, &entry)?);
            }
            let done = done.fetch_add(1, Ordering::Relaxed) + 1;
            on_event(BuildEvent::Compiled { path: outcome.plan.path.clone(), done, total, cache: outcome.cache });
            Ok(outcome)
        };
        // With a remote tier or remote workers, every lookup comes first, all at once: the
        // round trips overlap instead of holding the compile threads, and only real misses
        // are sent away. Otherwise each component is looked up where it is compiled.
        let looked_up_first = offload.is_some() || cache.has_remote_tier();
        let (mut outcomes, misses, offloaded) = if looked_up_first {
            let keys: Vec<CacheKey> = work.iter().map(|plan| plan.key).collect();
            let (mut hits, mut misses) = (Vec::new(), Vec::new());
            for (plan, hit) in work.into_iter().zip(cache.get_many(&keys)) {
                match hit_or_miss(plan, hit) {
                    Lookup::Hit(outcome, entry) => hits.push((outcome, entry)),
                    Lookup::Miss(plan) => misses.push(plan),
                }
            }
            let outcomes = hits.into_par_iter().map(finish).collect::<Vec<_>>();
            let offloaded = match offload {
                Some(offload) => self.offload_misses(offload, &misses, on_event, &mut report.warnings),
                None => BTreeMap::new(),
            };
            (outcomes, misses, offloaded)
        } else {
            (Vec::new(), work, BTreeMap::new())
        };
        outcomes.extend(
            misses
                .into_par_iter()
                .map_init(
                    || handles.get(),
                    |db, plan| match offloaded.get(&plan.key).cloned() {
                        Some(entry) => finish((remote_outcome(plan, &entry), entry)),
                        None => {
                            let images = images_of(&plan);
                            // Already looked up (and counted as a miss) when looked up first.
                            let compile_or_run = if looked_up_first { compile } else { run };
                            let miss = if write { Miss::Build } else { Miss::Check };
                            finish(compile_or_run(db, cache, plan, miss, images))
                        }
                    },
                )
                .collect::<Vec<_>>(),
        );
        drop(handles);
        let mut outcomes = outcomes.into_iter().collect::<Result<Vec<_>, _>>()?;
        outcomes.extend(unchanged.into_iter().map(|plan| {
            let diagnostics = self.state.components.get(&plan.path).map(|s| s.diagnostics.clone()).unwrap_or_default();
            Outcome { plan, cache: CacheState::Unchanged, diagnostics, compile_ms: None, written: None }
        }));
        outcomes.sort_by(|a, b| a.plan.path.cmp(&b.plan.path));
        self.cache.flush();
        report.warnings.extend(self.cache.take_warnings().iter().map(ToString::to_string));
        report.phases.compile_ms = ms(compile_started);

        let write_started = Instant::now();
        for outcome in outcomes {
            let previous = self.state.components.remove(&outcome.plan.path);
            let compile_ms = outcome.compile_ms.or_else(|| previous.as_ref().and_then(|p| p.compile_ms));
            let outputs = match (outcome.written.clone(), previous) {
                (Some(written), _) => written,
                (None, Some(previous)) if outcome.failed(&blocked) => {
                    // A component that fails keeps no outputs of an earlier build.
                    self.remove_source_outputs(&outcome.plan.path, &previous.outputs, &collisions);
                    Vec::new()
                }
                (None, Some(previous)) if outcome.cache == CacheState::Unchanged => previous.outputs,
                (None, _) => Vec::new(),
            };
            let changes = match &outcome.plan.previous_inputs {
                Some(previous) if outcome.cache != CacheState::Unchanged => outcome.plan.inputs.changes_since(previous),
                _ => Vec::new(),
            };
            self.state.components.insert(
                outcome.plan.path.clone(),
                crate::state::ComponentState {
                    source: outcome.plan.source,
                    signature: outcome.plan.signature,
                    imports: outcome.plan.imports,
                    inputs: outcome.plan.inputs.clone(),
                    key: outcome.plan.key.to_string(),
                    outputs,
                    diagnostics: outcome.diagnostics.clone(),
                    compile_ms,
                },
            );
            report.files.push(FileBuild {
                path: outcome.plan.path,
                cache: outcome.cache,
                key: outcome.plan.key.to_string(),
                inputs: outcome.plan.inputs,
                changes,
                compile_ms: outcome.compile_ms,
                diagnostics: outcome.diagnostics,
            });
        }
        // Components that are gone take their outputs with them.
        let removed: Vec<String> = if full {
            self.state.components.keys().filter(|p| !self.sources.contains_key(*p)).cloned().collect()
        } else {
            dirty.iter().filter(|p| !self.sources.contains_key(*p)).cloned().collect()
        };
        for path in removed {
            if let Some(state) = self.state.components.remove(&path) {
                self.remove_source_outputs(&path, &state.outputs, &collisions);
            }
        }
        self.prune_images();
        self.add_project_diagnostics(&mut report);
        self.add_collision_diagnostics(&collisions, &mut report);
        if full {
            // Pages come and go only with files, and a full build covers every component.
            self.write_route_manifest()?;
        }
        report.skipped = self.skipped(&report);
        if self.options.write {
            report.copied = self.copy_other_files(if full { None } else { Some(&dirty) }, &collisions.not_copied)?;
            if full {
                self.project.output().file(RUNTIME_FILE)?.write(RUNTIME_SOURCE.as_bytes())?;
            }
            self.prebundle_dependencies(&mut report)?;
        }
        self.synced = true;
        self.file_set_changed = false;
        self.unsaved |= full || !report.files.is_empty() || report.copied > 0;
        if self.options.write && !self.defer_save {
            self.save()?;
        }
        report.tiers = self.cache.counters();
        report.phases.write_ms = ms(write_started);
        report.phases.total_ms = report.phases.load_ms + ms(started);
        let phases = &report.phases;
        tracing::info!(
            components = report.files.len(),
            unchanged = report.count_state(CacheState::Unchanged),
            misses = report.count_state(CacheState::Miss),
            remote = report.count_state(CacheState::Remote),
            errors = report.errors(),
            total_ms = phases.total_ms,
            "{} finished",
            if self.options.write { "build" } else { "check" }
        );
        tracing::debug!(
            load_ms = phases.load_ms,
            plan_ms = phases.plan_ms,
            images_ms = phases.images_ms,
            compile_ms = phases.compile_ms,
            write_ms = phases.write_ms,
            "phases"
        );
        on_event(BuildEvent::Finished);
        Ok(report)
    }

    /// Makes the next build rebuild `paths` and their importers, changed or not (an editor's
    /// "build this file").
    pub fn touch(&mut self, paths: impl IntoIterator<Item = String>) {
        self.dirty.extend(paths);
    }

    /// Makes the next build compare every component with the build record and its outputs
    /// on disk, as a new process does (an editor's "build the workspace" after outputs were
    /// deleted by hand).
    pub fn resync(&mut self) {
        self.synced = false;
    }

    /// Keep the build record in memory after each build until [`Builder::save`] (watch mode
    /// saves it when idle, so that a rebuild does not pay for writing the whole record).
    pub fn defer_save(&mut self, defer: bool) {
        self.defer_save = defer;
    }

    /// Writes the build record if it changed since it was last written.
    pub fn save(&mut self) -> Result<(), ProjectError> {
        if std::mem::take(&mut self.unsaved) {
            self.state.save(&self.project.work_dir().join(STATE_FILE))?;
        }
        Ok(())
    }

    /// The changed components and the components that import them (or a changed module).
    fn affected(&self, dirty: &BTreeSet<String>) -> Vec<String> {
        let mut affected: BTreeSet<String> = dirty.iter().filter(|p| self.sources.contains_key(*p)).cloned().collect();
        for (path, state) in &self.state.components {
            let imports_dirty = state
                .imports
                .iter()
                .any(|(_, i)| matches!(i, Imported::Component(t) | Imported::File(t) | Imported::Image(t) if dirty.contains(t)));
            if imports_dirty && self.sources.contains_key(path) {
                affected.insert(path.clone());
            }
        }
        affected.into_iter().collect()
    }

    /// Component → the components it imports, from the build record.
    fn import_edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.state.components.iter().map(|(path, state)| (path.clone(), component_targets(&state.imports).collect())).collect()
    }

    /// What each component of this report gets from the rest of the project
    /// (`db::project_diagnostics`: its import cycle, its route's name), with the cycles this
    /// build found from its record.
    fn add_project_diagnostics(&self, report: &mut BuildReport) {
        let db = self.host.db();
        for build in &mut report.files {
            let Some(file) = self.host.file(&build.path) else { continue };
            let cycle = self.cycles.iter().find(|cycle| cycle.contains(&build.path));
            let project = db::project_diagnostics(db, file, cycle.map(Vec::as_slice));
            build.diagnostics = db::with_project_diagnostics(std::mem::take(&mut build.diagnostics), project);
        }
    }

    /// Source files left out because a component, a script module or the build writes a file
    /// of their name.
    fn collisions(&self) -> crate::output::Collisions {
        let layout = db::Workspace::get(self.host.db()).layout(self.host.db());
        collisions(self.host.files().keys().map(|path| layout.in_src(path)))
    }

    /// W0509 on each component or module whose output has the name of a source file (the file
    /// is not copied), and on each source file named like a file of the build; E0511 on each
    /// source that is not compiled because an earlier one writes its output.
    fn add_collision_diagnostics(&self, collisions: &crate::output::Collisions, report: &mut BuildReport) {
        for (in_src, diagnostics) in &collisions.diagnostics {
            let path = slash_path(&self.project.config.src.join(in_src));
            match report.files.iter_mut().find(|f| f.path == path) {
                Some(build) => build.diagnostics.extend(diagnostics.iter().cloned()),
                None if !in_src.ends_with(".egh") => report.path_diagnostics.extend(
                    diagnostics.iter().map(|diagnostic| PathDiagnostic { path: path.clone(), diagnostic: diagnostic.clone() }),
                ),
                None => {}
            }
        }
    }

    /// The manifest the runtime's router reads, when the project has pages under
    /// `src/routes/` (the diagnostics of their names are `db::project_diagnostics`).
    fn write_route_manifest(&self) -> Result<(), ProjectError> {
        let output = self.project.output().file(eghact_semantics::routes::MANIFEST_FILE)?;
        let Some(manifest) = db::route_manifest(self.host.db()) else {
            if self.options.write {
                output.remove();
            }
            return Ok(());
        };
        if self.options.write {
            output.write(manifest.js.as_bytes())?;
        }
        Ok(())
    }

    /// Removes the recorded outputs of the source `path`, but for those another source writes
    /// now (`util.js` of `util.js` when `util.ts`, which wrote it before, is removed or not
    /// compiled).
    fn remove_source_outputs(&self, path: &str, outputs: &[(String, Stamp)], collisions: &crate::output::Collisions) {
        let in_src = slash_path(&layout_relative(&self.project, path));
        let written_by_another = |output: &str| collisions.claimed.get(output).is_some_and(|writer| *writer != in_src);
        let mine: Vec<(String, Stamp)> = outputs.iter().filter(|(output, _)| !written_by_another(output)).cloned().collect();
        self.remove_outputs(&mine);
    }

    /// Removes recorded outputs (relative to the output folder): only files inside it.
    fn remove_outputs(&self, outputs: &[(String, Stamp)]) {
        if self.options.write {
            let folder = self.project.output();
            for output in outputs.iter().filter_map(|(output, _)| folder.file(output).ok()) {
                output.remove();
            }
        }
    }

    /// What the components outside this build's scope had.
    fn skipped(&self, report: &BuildReport) -> Skipped {
        let in_report: BTreeSet<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
        let mut skipped = Skipped::default();
        for (path, state) in &self.state.components {
            if !in_report.contains(path.as_str()) {
                skipped.components += 1;
                skipped.errors += state.diagnostics.iter().filter(|d| d.is_error()).count();
                skipped.warnings += state.diagnostics.iter().filter(|d| !d.is_error()).count();
            }
        }
        skipped
    }

    /// Keys of every component, and the images they reference. Only components whose text
    /// changed, and the importers of those whose signature changed, are read through the
    /// database; the rest come from the last build's record.
    fn plan(&self, scope: &[String], file_set_changed: bool) -> Result<(Vec<Plan>, BTreeMap<String, ImageInput>), ProjectError> {
        let db = self.host.db();
        let recorded = |path: &str| self.state.components.get(path).filter(|s| self.sources.get(path) == Some(&s.source));
        // Signature digests of changed components, computed in parallel: this is where
        // changed files are parsed.
        let changed: Vec<(String, SourceFile)> =
            scope.iter().filter(|p| recorded(p).is_none()).filter_map(|p| Some((p.clone(), self.host.file(p)?))).collect();
        let handles = Handles::new(db);
        let signatures: BTreeMap<String, Digest> = changed
            .par_iter()
            .map_init(|| handles.get(), |db, (path, file)| (path.clone(), Digest::from(db::signature(db, *file).hash())))
            .collect();
        let signature_of = |path: &str| -> Digest {
            match (signatures.get(path), recorded(path)) {
                (Some(digest), _) => *digest,
                (None, Some(state)) => state.signature,
                // Not changed and not recorded cannot happen; the database answers anyway.
                (None, None) => self.host.file(path).map_or(Digest::of(b""), |f| Digest::from(db::signature(db, f).hash())),
            }
        };
        let layout = db::Workspace::get(db).layout(db).clone();
        let env: Vec<(String, Option<std::ffi::OsString>)> =
            self.project.config.cache.env.iter().map(|name| (name.clone(), std::env::var_os(name))).collect();
        let components: Vec<_> = scope
            .iter()
            .filter_map(|path| Some((path, *self.sources.get(path)?)))
            .map(|(path, source)| {
                let imports = match recorded(path) {
                    // An import that was missing may resolve now (a package installed since).
                    Some(state) if !file_set_changed && !state.imports.iter().any(|(_, i)| matches!(i, Imported::Missing(_))) => {
                        state.imports.clone()
                    }
                    _ => self.host.file(path).map(|f| resolved_imports(db, f)).unwrap_or_default(),
                };
                (path, source, imports)
            })
            .collect();
        let images = self.image_inputs(components.iter().flat_map(|(_, _, imports)| imports).filter_map(|(_, i)| match i {
            Imported::Image(path) => Some(path),
            _ => None,
        }))?;
        // A module imported by many components is hashed once.
        let mut module_digests: BTreeMap<String, Digest> = BTreeMap::new();
        let plans = components
            .into_iter()
            .map(|(path, source, imports)| {
                let options = layout.compile_options(path);
                let mut builder = CacheKeyBuilder::new(&self.options.compiler_version, source)
                    .flag(path)
                    .flag(&options.runtime_import)
                    .flag(options.source_map_source.as_deref().unwrap_or(""))
                    .flag(options.css.describe());
                for (name, value) in &env {
                    builder = builder.env(name, value.as_deref());
                }
                // Imports are named by what they resolve to; the specifiers are in the source.
                for (_, imported) in &imports {
                    builder = match imported {
                        Imported::Component(target) => builder.import(target, signature_of(target)),
                        // A script module's types reach the checker: its text is part of the key.
                        Imported::File(target) => {
                            let digest = *module_digests.entry(target.clone()).or_insert_with(|| {
                                Digest::of(self.host.file(target).map_or("", |f| f.text(db).as_str()).as_bytes())
                            });
                            builder.import(&format!("file {target}"), digest)
                        }
                        // What the component compiles to depends on the image's variants.
                        Imported::Image(target) => {
                            builder.import(&format!("image {target}"), Self::image_key_input(&images, target))
                        }
                        Imported::Missing(target) => builder.import(&format!("missing {target}"), Digest::of(b"")),
                        Imported::Outside => builder,
                    };
                }
                let inputs = builder.finish();
                let key = inputs.key();
                let previous = self.state.components.get(path);
                Plan {
                    path: path.clone(),
                    file: self.host.file(path),
                    source,
                    signature: signature_of(path),
                    imports,
                    key,
                    previous_inputs: previous.map(|p| p.inputs.clone()),
                    inputs,
                }
            })
            .collect();
        Ok((plans, images))
    }

    /// Same key as the last build, outputs untouched since.
    fn is_unchanged(&self, plan: &Plan) -> bool {
        let Some(previous) = self.state.components.get(&plan.path) else { return false };
        previous.key() == Some(plan.key)
            && (!self.options.write
                || previous.diagnostics.iter().any(Diagnostic::is_error)
                || (!previous.outputs.is_empty() && outputs_untouched(&self.project.output(), &previous.outputs)))
    }

    /// Copies the non-component source files (all, or those in `only`) whose stamp changed
    /// since they were last copied, with their permission bits, and removes the copies of every
    /// file that is gone (one file, or all under a removed or renamed folder). Files in
    /// `not_copied` (named like a component's output or a file of the build) are left out, and
    /// never removed.
    fn copy_other_files(
        &mut self,
        only: Option<&BTreeSet<String>>,
        not_copied: &BTreeSet<String>,
    ) -> Result<usize, ProjectError> {
        use std::os::unix::fs::PermissionsExt as _;
        let previous = std::mem::take(&mut self.state.copies);
        let files = self.host.files();
        let folder = self.project.output();
        let in_src = |path: &str| slash_path(&layout_relative(&self.project, path));
        let (kept, gone): (BTreeMap<String, Stamp>, BTreeMap<String, Stamp>) =
            // Script modules were copied by earlier versions: their copies go too.
            previous.iter().map(|(path, stamp)| (path.clone(), *stamp)).partition(|(path, _)| files.contains_key(path) && !paths::has_text(path));
        for relative in gone.keys().map(|path| in_src(path)).filter(|relative| !not_copied.contains(relative)) {
            if let Ok(output) = folder.file(&relative) {
                output.remove();
            }
        }
        let mut copies = match only {
            Some(_) => kept,
            None => BTreeMap::new(),
        };
        let mut copied = 0;
        let candidates: Vec<&String> = match only {
            Some(paths) => paths.iter().filter(|path| files.contains_key(*path)).collect(),
            None => files.keys().collect(),
        };
        // Components and script modules are compiled; declaration files produce nothing.
        for path in candidates.into_iter().filter(|p| !paths::has_text(p)) {
            let relative = in_src(path);
            if not_copied.contains(&relative) {
                copies.remove(path);
                continue;
            }
            let output = folder.file(&relative)?;
            let input = self.project.root.join(path);
            let Some(stamp) = Stamp::of(&input) else { continue };
            if previous.get(path) != Some(&stamp) || !output.path().exists() {
                let read = |source| ProjectError::Read { path: input.clone(), source };
                let mode = fs::metadata(&input).map_err(read)?.permissions().mode();
                output.write_copy(&fs::read(&input).map_err(read)?, mode)?;
                copied += 1;
            }
            copies.insert(path.clone(), stamp);
        }
        self.state.copies = copies;
        Ok(copied)
    }
}

/// A component's key and what it was made of.
pub(crate) struct Plan {
    path: String,
    file: Option<SourceFile>,
    source: Digest,
    signature: Digest,
    imports: Vec<(String, Imported)>,
    key: CacheKey,
    inputs: KeyInputs,
    previous_inputs: Option<KeyInputs>,
}

pub(crate) struct Outcome {
    plan: Plan,
    cache: CacheState,
    diagnostics: Vec<Diagnostic>,
    compile_ms: Option<f64>,
    /// The output files written by this build, with their stamps.
    written: Option<Vec<(String, Stamp)>>,
}

impl Outcome {
    /// Errors, or `blocked` (a member of an import cycle, a source whose output another one
    /// writes): no outputs.
    fn failed(&self, blocked: &BTreeSet<String>) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error) || blocked.contains(&self.plan.path)
    }
}

/// Database handles for worker threads (a `Database` moves between threads but is not
/// shared by them).
pub(crate) struct Handles(std::sync::Mutex<Database>);

impl Handles {
    fn new(db: &Database) -> Self {
        Self(std::sync::Mutex::new(db.clone()))
    }

    fn get(&self) -> Database {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// A cache lookup, and on a miss [`compile`] (with the component's processed `images`).
fn run(
    db: &Database,
    cache: &TieredCache,
    plan: Plan,
    miss: Miss,
    images: BTreeMap<String, Result<ImageAsset, String>>,
) -> (Outcome, Arc<CacheEntry>) {
    match lookup(cache, plan) {
        Lookup::Hit(outcome, entry) => (outcome, entry),
        Lookup::Miss(plan) => compile(db, cache, plan, miss, images),
    }
}

/// What a component that no cache holds costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Miss {
    /// Compiled, and stored in the cache (a build).
    Build,
    /// Compiled for another machine's build, which stores it (`compile-batch`).
    Batch,
    /// Checked without generating code, and nothing stored (`eghact check`).
    Check,
}

/// A miss, handled as `miss` says.
pub(crate) fn compile(
    db: &Database,
    cache: &TieredCache,
    plan: Plan,
    miss: Miss,
    images: BTreeMap<String, Result<ImageAsset, String>>,
) -> (Outcome, Arc<CacheEntry>) {
    let started = Instant::now();
    let (entry, diagnostics) = match plan.file {
        Some(file) if miss != Miss::Check => {
            let (output, diagnostics) = db::build_component(db, file, images);
            let files = vec![
                ("js".to_string(), output.js.into_bytes()),
                ("map".to_string(), output.map.into_bytes()),
                ("css".to_string(), output.css.into_bytes()),
                ("diagnostics".to_string(), serde_json::to_vec(&diagnostics).unwrap_or_default()),
            ];
            (Arc::new(CacheEntry::new(files)), diagnostics)
        }
        Some(file) => (Arc::new(CacheEntry::new(Vec::new())), db::check_component(db, file, &images)),
        None => (Arc::new(CacheEntry::new(Vec::new())), Vec::new()),
    };
    if miss == Miss::Build {
        cache.put(&plan.key, &entry);
    }
    (Outcome { plan, cache: CacheState::Miss, diagnostics, compile_ms: Some(ms(started)), written: None }, entry)
}

enum Lookup {
    Hit(Outcome, Arc<CacheEntry>),
    Miss(Plan),
}

/// A cache lookup: the outcome of a hit, or the plan back on a miss.
fn lookup(cache: &TieredCache, plan: Plan) -> Lookup {
    let hit = cache.get(&plan.key);
    hit_or_miss(plan, hit)
}

/// What a lookup's answer means for the plan: an entry without its diagnostics is a miss.
fn hit_or_miss(plan: Plan, hit: Option<crate::cache::Hit>) -> Lookup {
    let Some(hit) = hit else { return Lookup::Miss(plan) };
    match entry_diagnostics(&hit.entry) {
        Some(diagnostics) => Lookup::Hit(
            Outcome { plan, cache: CacheState::Hit(hit.tier), diagnostics, compile_ms: None, written: None },
            hit.entry,
        ),
        None => Lookup::Miss(plan),
    }
}

/// The outcome of a component compiled elsewhere.
fn remote_outcome(plan: Plan, entry: &CacheEntry) -> Outcome {
    let diagnostics = entry_diagnostics(entry).unwrap_or_default();
    Outcome { plan, cache: CacheState::Remote, diagnostics, compile_ms: None, written: None }
}

/// The diagnostics stored with an entry; `None` for an entry that does not hold them.
pub(crate) fn entry_diagnostics(entry: &CacheEntry) -> Option<Vec<Diagnostic>> {
    entry.get("diagnostics").and_then(|d| serde_json::from_slice(d).ok())
}

/// Writes the outputs of a component; returns them (relative to the output folder) with
/// their stamps.
fn write_outputs(
    project: &Project,
    folder: &OutputFolder,
    path: &str,
    entry: &CacheEntry,
) -> Result<Vec<(String, Stamp)>, ProjectError> {
    let in_src = slash_path(&layout_relative(project, path));
    let outputs: Vec<(&str, String)> = match module_outputs(&in_src) {
        Some([js, map]) if !paths::is_component(path) => vec![("js", js), ("map", map)],
        _ => ["js", "map", "css"].into_iter().zip(component_outputs(&in_src)).collect(),
    };
    let mut written = Vec::new();
    for (name, output) in outputs {
        let Some(bytes) = entry.get(name) else { continue };
        if name == "css" && bytes.is_empty() {
            continue;
        }
        let output = folder.file(&output)?;
        output.write(bytes)?;
        if let Some(stamp) = Stamp::of(output.path()) {
            written.push((output.relative().to_string(), stamp));
        }
    }
    Ok(written)
}

/// Every recorded output (relative to the output folder) is as the build that recorded it
/// wrote it.
fn outputs_untouched(folder: &OutputFolder, outputs: &[(String, Stamp)]) -> bool {
    outputs.iter().all(|(path, stamp)| folder.file(path).ok().and_then(|output| Stamp::of(output.path())) == Some(*stamp))
}

fn component_targets(imports: &[(String, Imported)]) -> impl Iterator<Item = String> + '_ {
    imports.iter().filter_map(|(_, imported)| match imported {
        Imported::Component(target) => Some(target.clone()),
        _ => None,
    })
}

/// What each import and each image reference of `file` names, for its key and the build
/// record.
fn resolved_imports(db: &Database, file: SourceFile) -> Vec<(String, Imported)> {
    let imports = db::resolve(db, file).iter().map(|(specifier, resolution)| {
        let imported = match resolution {
            Resolution::Component(target) => Imported::Component(target.path(db).clone()),
            Resolution::File(path) => Imported::File(path.clone()),
            Resolution::Missing(path) => Imported::Missing(path.clone()),
            // Named by the specifier: an install makes the key change.
            Resolution::MissingPackage(_) => Imported::Missing(specifier.clone()),
            Resolution::Framework | Resolution::Package | Resolution::Url => Imported::Outside,
        };
        (specifier.clone(), imported)
    });
    let images = db::resolve_images(db, file).iter().filter_map(|(specifier, resolution)| {
        let imported = match resolution {
            Resolution::File(path) => Imported::Image(path.clone()),
            Resolution::Missing(path) => Imported::Missing(path.clone()),
            _ => return None,
        };
        Some((specifier.clone(), imported))
    });
    imports.chain(images).collect()
}

/// `path` (relative to the project root) relative to the source folder.
fn layout_relative(project: &Project, path: &str) -> PathBuf {
    let path = Path::new(path);
    path.strip_prefix(&project.config.src).unwrap_or(path).to_path_buf()
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
