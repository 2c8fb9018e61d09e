//! The offload stage of a build: which misses may go, whether sending them pays, and checking
//! what comes back.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::{Builder, Handles, Miss, Plan, compile, entry_diagnostics};
use crate::cache::{CacheEntry, CacheKey};
use crate::offload::{BatchOutput, Offload, OffloadJob, predicted_ms};
use crate::project::{CONFIG_FILE, ProjectError};
use crate::report::BuildEvent;
use crate::state::Imported;
use eghact_analysis::db;

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
            tracing::info!(components = candidates.len(), "compiling here: the offload policy predicts no gain");
            return BTreeMap::new();
        }
        tracing::info!(components = candidates.len(), batches = job.batches.len(), "offloading");
        let result = offload.offloader.compile(&job, &|progress| on_event(BuildEvent::Offload(progress)));
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
