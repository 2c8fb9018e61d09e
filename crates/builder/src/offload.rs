//! Compiles sent elsewhere. The engine chooses which misses may go (components without
//! images, whose outputs depend only on texts), asks the policy whether sending them is
//! worth it, and hands them to an [`Offloader`] (`eghact-remote`'s REAPI executor), which
//! compiles them in batches with this same compiler's `compile-batch` mode and returns cache
//! entries.
//!
//! Invariants:
//! - An entry is used only for a key the build asked for, and an offloader that fails, in
//!   part or in whole, costs a warning: what did not come back is compiled here.
//! - The engine knows nothing of the protocol; the offloader knows nothing of components.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{BuildEvent, BuildOptions, Builder, Handles, Imported, Miss, Plan, compile, entry_diagnostics};
use crate::cache::{CacheEntry, CacheError, CacheKey};
use crate::project::{CONFIG_FILE, Project, ProjectError};
use eghact_analysis::db;

/// Where the compiles of a build may run (`--remote`, `[remote] execute`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffloadMode {
    /// Remote when the predicted local time exceeds the predicted remote time.
    #[default]
    Auto,
    /// Every miss that can go remote goes, whatever the prediction.
    Always,
    /// Everything compiles here.
    Never,
}

/// When a build sends work away, and in what pieces.
#[derive(Clone, Copy, Debug)]
pub struct OffloadPolicy {
    pub mode: OffloadMode,
    /// In `auto`, builds with fewer misses stay local (an editor's one-file edit always does).
    pub min_components: usize,
    /// Components per action: fewer actions cost fewer round trips, more let more workers help.
    pub batch_size: usize,
}

impl Default for OffloadPolicy {
    fn default() -> Self {
        Self { mode: OffloadMode::Auto, min_components: 200, batch_size: 250 }
    }
}

/// An offloader with the policy that decides when to use it.
#[derive(Clone)]
pub struct Offload {
    pub offloader: Arc<dyn Offloader>,
    pub policy: OffloadPolicy,
}

/// What a remote cluster is asked to compile.
pub struct OffloadJob {
    /// Every text file of the project the compiles may read, relative to the project root,
    /// with the text this build sees (an editor's unsaved buffers included), and the
    /// project's `eghact.toml` when it has one.
    pub files: Vec<(String, Arc<str>)>,
    /// The environment variables the keys name, with their values here.
    pub env: Vec<(String, String)>,
    /// Components (relative to the project root) with the key each must compile under, in
    /// batches of the policy's size.
    pub batches: Vec<Vec<(String, CacheKey)>>,
}

/// What came back: entries for some of the keys, and the problems met on the way.
#[derive(Default)]
pub struct OffloadResult {
    pub entries: Vec<(CacheKey, CacheEntry)>,
    pub warnings: Vec<String>,
}

/// The state of the actions of a remote compile, for a progress bar or an editor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RemoteProgress {
    pub actions: usize,
    pub queued: usize,
    pub executing: usize,
    pub done: usize,
    /// Of `done`, those answered from the server's action cache.
    pub cached: usize,
}

pub trait Offloader: Send + Sync {
    /// Predicted cost in milliseconds of sending `job` and getting its results, the
    /// compiles excluded: round trips, queueing, transfers.
    fn overhead_ms(&self, job: &OffloadJob) -> f64;
    /// How many of a job's actions the cluster runs at once, as far as it is known (its
    /// configured size, or what it was seen to run); `None` when unknown.
    fn parallelism(&self) -> Option<usize>;
    /// Compiles the batches; `on_progress` follows the actions.
    fn compile(&self, job: &OffloadJob, on_progress: &(dyn Fn(RemoteProgress) + Sync)) -> OffloadResult;
}

/// Compile time assumed per byte of source for a component without recorded history.
const MS_PER_SOURCE_BYTE: f64 = 0.000_1;

impl OffloadPolicy {
    /// Whether `misses` (with their predicted compile times in ms) should go remote. In `auto`,
    /// an action is assumed to compile its batch as fast as this machine would (both spread a
    /// batch over their cores), and the job's actions to run as many at once as the offloader's
    /// [`Offloader::parallelism`] says (every batch at once when it does not know), never more
    /// than there are batches: a cluster that runs one action at a time is never worth its overhead.
    pub fn decide(&self, predicted_ms: &[f64], threads: usize, offloader: &dyn Offloader, job: &OffloadJob) -> bool {
        match self.mode {
            OffloadMode::Never => false,
            OffloadMode::Always => !predicted_ms.is_empty(),
            OffloadMode::Auto if predicted_ms.len() < self.min_components => false,
            OffloadMode::Auto => {
                let total: f64 = predicted_ms.iter().sum();
                let local = total / threads.max(1) as f64;
                let batches = job.batches.len().max(1);
                let at_once = offloader.parallelism().unwrap_or(batches).clamp(1, batches);
                let remote = offloader.overhead_ms(job) + local / at_once as f64;
                remote < local
            }
        }
    }
}

/// Predicted compile time of a component: its last compile, else its size.
pub(super) fn predicted_ms(recorded: Option<f64>, source_bytes: usize) -> f64 {
    recorded.unwrap_or(source_bytes as f64 * MS_PER_SOURCE_BYTE)
}

/// One component compiled by `compile-batch`: its entry, or why there is none.
pub struct BatchOutput {
    pub path: String,
    pub result: Result<(CacheKey, Arc<CacheEntry>), String>,
}

impl Builder {
    /// Compiles `items` (paths relative to the project root, with the keys the asking build
    /// computed) for another machine's build: `eghact compile-batch`. A component whose key
    /// differs here (another compiler, other sources) gets an error, never an entry under a
    /// key it does not have.
    pub fn compile_batch(&mut self, items: &[(String, CacheKey)]) -> Result<Vec<BatchOutput>, ProjectError> {
        let scope: Vec<String> = items.iter().map(|(path, _)| path.clone()).collect();
        let expected: BTreeMap<&str, CacheKey> = items.iter().map(|(path, key)| (path.as_str(), *key)).collect();
        let (plans, _) = self.plan(&scope, true)?;
        let mut outputs: Vec<BatchOutput> = scope
            .iter()
            .filter(|path| !plans.iter().any(|p| &p.path == *path))
            .map(|path| BatchOutput { path: path.clone(), result: Err("not a component of this project".into()) })
            .collect();
        let handles = Handles::new(self.host.db());
        let cache = &self.cache;
        let compiled: Vec<BatchOutput> = plans
            .into_par_iter()
            .map_init(
                || handles.get(),
                |db, plan: Plan| {
                    let path = plan.path.clone();
                    let key = plan.key;
                    let asked = expected.get(path.as_str()).copied();
                    let result = match asked {
                        Some(asked) if asked != key => Err(format!("key {key} here, {asked} asked: the inputs differ")),
                        _ if plan.imports.iter().any(|(_, i)| matches!(i, Imported::Image(_))) => {
                            Err("references images, which are processed where the build runs".into())
                        }
                        _ => Ok((key, compile(db, cache, plan, Miss::Batch, BTreeMap::new()).1)),
                    };
                    BatchOutput { path, result }
                },
            )
            .collect();
        outputs.extend(compiled);
        Ok(outputs)
    }
}

/// The options `compile-batch` builds with: no caches, no outputs, no images.
pub fn batch_options(compiler_version: String) -> BuildOptions {
    BuildOptions { compiler_version, write: false, memory_cache: false, image_processor: None }
}

/// The file of an entry in `compile-batch`'s output folder.
pub fn batch_output_path(out: &Path, key: &CacheKey) -> PathBuf {
    out.join(key.to_string())
}

/// Why `compile-batch` could not run at all. A component it cannot compile under its key is
/// no error: it is refused, and the asking build compiles it itself.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0:?} is not PATH=KEY")]
    Item(String),
    #[error("{0:?} is not a cache key")]
    Key(String),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// The `compile-batch` mode of every executable that may be uploaded as the compiler of a
/// remote action (`eghact`, `eghact-lsp`): compiles `items` (`PATH=KEY`, the path relative to
/// the project root) of the project at `project_dir` and writes each entry to
/// [`batch_output_path`] under `out`. Answers the refusals (`PATH: reason`), to print for the
/// asking build's warnings. `compiler_version` must be the one the asking build's keys were
/// computed with ([`super::compiler_version`] in the same executable), or every item is refused.
pub fn run_compile_batch(
    project_dir: &Path,
    out: &Path,
    items: &[String],
    compiler_version: String,
) -> Result<Vec<String>, BatchError> {
    let items = items
        .iter()
        .map(|item| {
            let (path, key) = item.rsplit_once('=').ok_or_else(|| BatchError::Item(item.clone()))?;
            let key = CacheKey::from_hex(key).ok_or_else(|| BatchError::Key(key.to_string()))?;
            Ok((path.to_string(), key))
        })
        .collect::<Result<Vec<_>, BatchError>>()?;
    let mut builder = Builder::open(Project::open(project_dir)?, batch_options(compiler_version));
    builder.load()?;
    std::fs::create_dir_all(out).map_err(|source| ProjectError::Write { path: out.to_path_buf(), source })?;
    let mut refused = Vec::new();
    for output in builder.compile_batch(&items)? {
        match output.result {
            Ok((key, entry)) => {
                let path = batch_output_path(out, &key);
                std::fs::write(&path, entry.encode(&key)?).map_err(|source| ProjectError::Write { path, source })?;
            }
            Err(reason) => refused.push(format!("{}: {reason}", output.path)),
        }
    }
    Ok(refused)
}

impl Builder {
    /// Sends the misses that may be compiled elsewhere, when the policy says it pays; returns
    /// the entries that came back for keys the build asked for, stored in the cache tiers.
    pub(super) fn offload_misses(
        &self,
        offload: &Offload,
        misses: &[Plan],
        on_event: &(dyn Fn(BuildEvent) + Sync),
        warnings: &mut Vec<String>,
    ) -> BTreeMap<CacheKey, Arc<CacheEntry>> {
        let db = self.host.db();
        let candidates: Vec<&Plan> = misses
            .iter()
            .filter(|plan| plan.file.is_some() && !plan.imports.iter().any(|(_, i)| matches!(i, Imported::Image(_))))
            .collect();
        let predicted: Vec<f64> = candidates
            .iter()
            .map(|plan| {
                let recorded = self.state.components.get(&plan.path).and_then(|s| s.compile_ms);
                predicted_ms(recorded, plan.file.map_or(0, |f| f.text(db).len()))
            })
            .collect();
        let job = self.offload_job(&candidates, offload.policy.batch_size);
        if !offload.policy.decide(&predicted, rayon::current_num_threads(), offload.offloader.as_ref(), &job) {
            return BTreeMap::new();
        }
        let result = offload.offloader.compile(&job, &|progress| on_event(BuildEvent::Remote(progress)));
        warnings.extend(result.warnings);
        let asked: BTreeSet<CacheKey> = candidates.iter().map(|plan| plan.key).collect();
        let mut entries = BTreeMap::new();
        for (key, entry) in result.entries {
            if !asked.contains(&key) || entry_diagnostics(&entry).is_none() {
                warnings.push(format!("remote compile returned an entry the build cannot use ({key}); compiling here"));
                continue;
            }
            let entry = Arc::new(entry);
            self.cache.put(&key, &entry);
            entries.insert(key, entry);
        }
        entries
    }

    fn offload_job(&self, candidates: &[&Plan], batch_size: usize) -> OffloadJob {
        let db = self.host.db();
        // Files without text (images, styles, data) travel as empty files: their names are
        // what import resolution and keys see of them.
        let mut files: Vec<(String, Arc<str>)> = self
            .host
            .files()
            .iter()
            .map(|(path, file)| {
                (path.clone(), if db::has_text(path) { Arc::from(file.text(db).as_str()) } else { Arc::from("") })
            })
            .collect();
        if let Ok(config) = std::fs::read_to_string(self.project.root.join(CONFIG_FILE)) {
            files.push((CONFIG_FILE.to_string(), Arc::from(config)));
        }
        let env =
            self.project.config.cache.env.iter().filter_map(|name| Some((name.clone(), std::env::var(name).ok()?))).collect();
        let batches = candidates
            .chunks(batch_size.max(1))
            .map(|batch| batch.iter().map(|plan| (plan.path.clone(), plan.key)).collect())
            .collect();
        OffloadJob { files, env, batches }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An offloader that only answers the policy's questions.
    struct Cluster {
        parallelism: Option<usize>,
    }

    impl Offloader for Cluster {
        fn overhead_ms(&self, _: &OffloadJob) -> f64 {
            500.0
        }

        fn parallelism(&self) -> Option<usize> {
            self.parallelism
        }

        fn compile(&self, _: &OffloadJob, _: &(dyn Fn(RemoteProgress) + Sync)) -> OffloadResult {
            OffloadResult::default()
        }
    }

    #[test]
    fn auto_goes_remote_only_when_the_clusters_capacity_pays_for_the_overhead() {
        let policy = OffloadPolicy { mode: OffloadMode::Auto, min_components: 0, batch_size: 250 };
        // 2,000 components of 4 ms in 8 batches: 2 s here on 4 threads.
        let predicted = vec![4.0; 2000];
        let job = OffloadJob { files: Vec::new(), env: Vec::new(), batches: vec![Vec::new(); 8] };
        let remote = |parallelism| policy.decide(&predicted, 4, &Cluster { parallelism }, &job);
        // One action at a time is this machine's speed plus the overhead; two halve the compile
        // time (1 s + 0.5 s of overhead < 2 s); more than the 8 batches cannot help.
        assert!(!remote(Some(1)));
        assert!(!remote(Some(0)), "no worker seen is one at the most");
        assert!(remote(Some(2)));
        assert!(remote(Some(64)));
        assert!(remote(None), "unknown: every batch at once");
        // One batch runs on one worker, whatever the cluster's size.
        let one_batch = OffloadJob { batches: vec![Vec::new()], ..job };
        assert!(!policy.decide(&predicted, 4, &Cluster { parallelism: Some(64) }, &one_batch));
    }
}
