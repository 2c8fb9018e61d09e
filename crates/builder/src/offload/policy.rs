//! The offload vocabulary: where compiles may run, the policy that decides, the job an
//! offloader is given and what it returns.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cache::{CacheEntry, CacheKey};

/// Where the compiles of a build may run (chosen by `eghact-remote`'s settings and the `--remote` flag).
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

/// How far an offloader's work has come, for a progress bar or an editor. An action is one
/// piece of work it sends away (a batch of the job).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OffloadProgress {
    /// Every action of the job.
    pub actions: usize,
    /// Waiting to run.
    pub queued: usize,
    /// Running.
    pub executing: usize,
    /// Finished, whatever their outcome.
    pub done: usize,
    /// Of `done`, those answered from a cache of earlier results without running.
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
    fn compile(&self, job: &OffloadJob, on_progress: &(dyn Fn(OffloadProgress) + Sync)) -> OffloadResult;
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
pub(crate) fn predicted_ms(recorded: Option<f64>, source_bytes: usize) -> f64 {
    recorded.unwrap_or(source_bytes as f64 * MS_PER_SOURCE_BYTE)
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

        fn compile(&self, _: &OffloadJob, _: &(dyn Fn(OffloadProgress) + Sync)) -> OffloadResult {
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
