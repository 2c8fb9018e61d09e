//! [`RemoteExecutor`]: the engine's `Offloader` over REAPI Execute. A build's misses become
//! Actions, one per batch, that all share one input root: the project's text files, its
//! `eghact.toml` and the running executable (`eghact`, or `eghact-lsp` for an editor's builds:
//! both have the engine's `compile-batch` mode), so workers need nothing installed and the root
//! is uploaded once. Each Action's command runs its `compile-batch` on its batch, with the keys
//! the build computed; the worker's binary refuses a component whose key differs there, and
//! writes each entry to `out/<key>`. Entries come back verified by digest (the CAS read) and by
//! their own checksum (the entry format), which covers the key they were written for: a file
//! under `out/<key>` written for another key fails its batch.
//!
//! Invariants: nothing here fails a build. A batch that cannot be sent, waits too long for a
//! worker, fails on the worker or comes back incomplete is reported once as a warning, and the
//! engine compiles what is missing locally.
//!
//! REAPI does not say how many workers a cluster has, so the capacity the offload policy asks
//! for ([`Offloader::parallelism`]) is `[remote] workers` when configured, else what the
//! executor saw: the most of its actions EXECUTING at once in its last job where some had to
//! wait for others ([`Capacity`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bazel_remote_apis::build::bazel::remote::execution::v2::{
    Action, Command, Digest, Directory, DirectoryNode, FileNode, command::EnvironmentVariable,
};
use eghact_builder::cache::{CacheEntry, CacheKey};
use eghact_builder::offload::{OffloadJob, OffloadProgress, OffloadResult, Offloader};
use prost::Message as _;

use crate::action::DigestFunction;
use crate::execute::Stage;
use crate::reapi::ReapiClient;
use crate::{Endpoint, Protocol, RemoteError, RemoteOptions};

/// Where the binary sits in the input root, out of the way of a project's files.
const BINARY_PATH: &str = ".eghact/bin/eghact";
const OUTPUT_DIR: &str = "out";
/// Upload speed assumed by the policy's prediction, in bytes per millisecond (50 MB/s).
const ASSUMED_BYTES_PER_MS: f64 = 50_000.0;
/// Queue-to-running time assumed per action by the prediction.
const ASSUMED_QUEUE_MS: f64 = 150.0;

/// Remote execution on a REAPI server with workers. Like [`crate::RemoteCache`], it owns a
/// tokio runtime and blocks on it, so it is used from the engine's build threads.
pub struct RemoteExecutor {
    runtime: tokio::runtime::Runtime,
    client: ReapiClient,
    endpoint: String,
    /// Round trip of the Capabilities call, the unit of the prediction.
    round_trip_ms: f64,
    queue_timeout: Duration,
    execution_timeout: Duration,
    capacity: Mutex<Capacity>,
}

/// What the executor needs besides the endpoint.
#[derive(Clone, Debug)]
pub struct ExecutorOptions {
    pub remote: RemoteOptions,
    /// How long an action may wait for a worker before its batch is compiled locally.
    pub queue_timeout: Duration,
    /// Bound on one action from submission to result.
    pub execution_timeout: Duration,
    /// How many actions the cluster runs at once, when the user knows (`[remote] workers`).
    pub workers: Option<usize>,
}

impl RemoteExecutor {
    /// Connects; an error when the endpoint is not REAPI or the server does not execute.
    pub fn connect(endpoint: &Endpoint, options: &ExecutorOptions) -> Result<Self, RemoteError> {
        if endpoint.protocol != Protocol::Grpc {
            return Err(RemoteError::Endpoint {
                url: endpoint.to_string(),
                reason: "remote execution needs a REAPI (grpc:// or grpcs://) endpoint".into(),
            });
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("eghact-execute")
            .enable_all()
            .build()
            .map_err(RemoteError::Runtime)?;
        let started = Instant::now();
        let client = runtime.block_on(ReapiClient::connect(endpoint, &options.remote))?;
        let round_trip_ms = started.elapsed().as_secs_f64() * 1000.0;
        if !client.capabilities().execution {
            return Err(RemoteError::Endpoint {
                url: endpoint.to_string(),
                reason: "the server does not execute actions".into(),
            });
        }
        Ok(Self {
            runtime,
            client,
            endpoint: endpoint.to_string(),
            round_trip_ms,
            queue_timeout: options.queue_timeout,
            execution_timeout: options.execution_timeout,
            capacity: Mutex::new(Capacity { configured: options.workers, ..Capacity::default() }),
        })
    }

    async fn run(&self, job: &OffloadJob, on_progress: &(dyn Fn(OffloadProgress) + Sync)) -> Result<OffloadResult, RemoteError> {
        let function = self.client.digest_function();
        let binary = current_binary()?;
        let mut files: Vec<(&str, &[u8], bool)> =
            job.files.iter().map(|(path, text)| (path.as_str(), text.as_bytes(), false)).collect();
        files.push((BINARY_PATH, binary, true));
        let tree = InputTree::new(function, &files);
        let actions: Vec<(Digest, Vec<u8>, Vec<u8>)> =
            job.batches.iter().map(|batch| batch_action(function, &tree.root, batch, &job.env, self.execution_timeout)).collect();
        let mut blobs: Vec<(Digest, &[u8])> = tree.blobs.iter().map(|(digest, data)| (digest.clone(), *data)).collect();
        blobs.extend(tree.directories.iter().map(|(digest, data)| (digest.clone(), data.as_slice())));
        for (_, command, action) in &actions {
            blobs.push((function.digest(command), command));
            blobs.push((function.digest(action), action));
        }
        blobs.sort_by(|a, b| a.0.hash.cmp(&b.0.hash));
        blobs.dedup_by(|a, b| a.0.hash == b.0.hash);
        self.client.upload(&blobs).await?;

        let tracker = Tracker {
            progress: Mutex::new(OffloadProgress { actions: actions.len(), queued: actions.len(), ..OffloadProgress::default() }),
            on_progress,
            most_executing: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            waited_out: AtomicBool::new(false),
        };
        tracker.update(|_| {});
        let runs = job.batches.iter().zip(&actions).map(|(batch, (digest, _, _))| self.run_batch(batch, digest, &tracker));
        let mut result = OffloadResult::default();
        for outcome in futures_util::future::join_all(runs).await {
            match outcome {
                Ok((entries, warning)) => {
                    result.entries.extend(entries);
                    result.warnings.extend(warning);
                }
                Err(warning) => result.warnings.push(warning),
            }
        }
        let seen = tracker.concurrency();
        self.capacity.lock().unwrap_or_else(PoisonError::into_inner).record(seen);
        Ok(result)
    }

    /// One batch's action through its stages: its entries (with a warning when some are
    /// missing), or the warning that sends it all back.
    async fn run_batch(
        &self,
        batch: &[(String, CacheKey)],
        action: &Digest,
        tracker: &Tracker<'_>,
    ) -> Result<(Vec<(CacheKey, CacheEntry)>, Option<String>), String> {
        let describe = |problem: String| {
            format!("remote batch of {} components ({}): {problem}; compiling them here", batch.len(), batch[0].0)
        };
        let executing = AtomicBool::new(false);
        let mut stage = Stage::Queued;
        let on_stage = |next: Stage| {
            let previous = std::mem::replace(&mut stage, next);
            if next == Stage::Executing {
                executing.store(true, Ordering::Relaxed);
                tracker.started.fetch_add(1, Ordering::Relaxed);
            }
            tracker.update(|p| {
                match previous {
                    Stage::Queued => p.queued -= 1,
                    Stage::Executing => p.executing -= 1,
                    Stage::Completed => {}
                }
                match next {
                    Stage::Executing => p.executing += 1,
                    Stage::Queued => p.queued += 1,
                    Stage::Completed => {}
                }
            });
        };
        // No worker within the queue timeout: the batch is compiled here instead.
        let waiting = async {
            tokio::time::sleep(self.queue_timeout).await;
            if executing.load(Ordering::Relaxed) {
                std::future::pending::<()>().await;
            }
        };
        let executed = tokio::select! {
            executed = self.client.execute(action, false, self.execution_timeout, on_stage) => executed,
            () = waiting => {
                tracker.waited_out.store(true, Ordering::Relaxed);
                tracker.update(|p| p.queued -= 1);
                return Err(describe(format!("no worker took it within {} s", self.queue_timeout.as_secs())));
            }
        };
        let finished = |cached: bool| {
            tracker.update(|p| {
                p.done += 1;
                p.cached += usize::from(cached);
            })
        };
        let executed = match executed {
            Ok(executed) => executed,
            Err(error) => {
                finished(false);
                return Err(describe(error.to_string()));
            }
        };
        finished(executed.cached);
        let result = executed.result;
        if result.exit_code != 0 {
            let stderr = self.stderr(&result).await;
            return Err(describe(format!("exit code {}: {}", result.exit_code, stderr.trim())));
        }
        let wanted: BTreeMap<String, Digest> =
            result.output_files.iter().filter_map(|file| Some((file.path.clone(), file.digest.clone()?))).collect();
        let digests: Vec<Digest> = wanted.values().cloned().collect();
        let blobs = self.client.read(&digests).await.map_err(|e| describe(e.to_string()))?;
        let mut entries = Vec::new();
        for (_, key) in batch {
            let Some(digest) = wanted.get(&format!("{OUTPUT_DIR}/{key}")) else { continue };
            let Some(bytes) = blobs.get(&digest.hash) else { continue };
            match CacheEntry::decode(bytes, key) {
                Ok(entry) => entries.push((*key, entry)),
                Err(error) => return Err(describe(format!("entry {key}: {error}"))),
            }
        }
        // The worker refused some (their keys differ there): its stderr says why.
        let warning = match batch.len() - entries.len() {
            0 => None,
            missing => Some(describe(format!("{missing} came back without output: {}", self.stderr(&result).await.trim()))),
        };
        Ok((entries, warning))
    }

    /// The worker's standard error, for a warning (shortened).
    async fn stderr(&self, result: &bazel_remote_apis::build::bazel::remote::execution::v2::ActionResult) -> String {
        let bytes = match &result.stderr_digest {
            Some(digest) if result.stderr_raw.is_empty() => {
                self.client.read(std::slice::from_ref(digest)).await.ok().and_then(|mut blobs| blobs.remove(&digest.hash))
            }
            _ => Some(result.stderr_raw.clone()),
        };
        let text = String::from_utf8_lossy(&bytes.unwrap_or_default()).into_owned();
        text.chars().take(2000).collect()
    }
}

impl Offloader for RemoteExecutor {
    fn overhead_ms(&self, job: &OffloadJob) -> f64 {
        let bytes: usize = job.files.iter().map(|(_, text)| text.len()).sum();
        self.round_trip_ms * (3 + job.batches.len()) as f64 + ASSUMED_QUEUE_MS + bytes as f64 / ASSUMED_BYTES_PER_MS
    }

    fn parallelism(&self) -> Option<usize> {
        self.capacity.lock().unwrap_or_else(PoisonError::into_inner).parallelism()
    }

    fn compile(&self, job: &OffloadJob, on_progress: &(dyn Fn(OffloadProgress) + Sync)) -> OffloadResult {
        if job.batches.is_empty() {
            return OffloadResult::default();
        }
        self.runtime.block_on(self.run(job, on_progress)).unwrap_or_else(|error| OffloadResult {
            entries: Vec::new(),
            warnings: vec![format!("remote execution on {} failed: {error}; compiling here", self.endpoint)],
        })
    }
}

/// The actions' progress, shared by the batches, and where it goes; and how many ran at once.
struct Tracker<'a> {
    progress: Mutex<OffloadProgress>,
    on_progress: &'a (dyn Fn(OffloadProgress) + Sync),
    most_executing: AtomicUsize,
    /// Actions that reached EXECUTING (an ActionCache hit never does).
    started: AtomicUsize,
    /// An action gave up waiting for a worker.
    waited_out: AtomicBool,
}

impl Tracker<'_> {
    fn update(&self, change: impl FnOnce(&mut OffloadProgress)) {
        let snapshot = {
            let mut progress = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
            change(&mut progress);
            *progress
        };
        self.most_executing.fetch_max(snapshot.executing, Ordering::Relaxed);
        (self.on_progress)(snapshot);
    }

    fn concurrency(&self) -> Concurrency {
        Concurrency {
            most_executing: self.most_executing.load(Ordering::Relaxed),
            started: self.started.load(Ordering::Relaxed),
            waited_out: self.waited_out.load(Ordering::Relaxed),
        }
    }
}

/// How a job's actions ran.
#[derive(Clone, Copy, Debug)]
struct Concurrency {
    /// The most EXECUTING at once.
    most_executing: usize,
    /// Those that ever reached EXECUTING.
    started: usize,
    /// Whether an action gave up waiting for a worker (the queue timeout).
    waited_out: bool,
}

impl Concurrency {
    /// Some actions waited for others, or for a worker that never came: the cluster ran as many
    /// of them at once as it could (or would give this client).
    fn full(self) -> bool {
        self.most_executing < self.started || self.waited_out
    }
}

/// What the executor knows of how many actions its cluster runs at once.
#[derive(Debug, Default)]
struct Capacity {
    /// `[remote] workers`.
    configured: Option<usize>,
    /// The most actions seen executing at once: the cluster runs at least that many.
    most: usize,
    /// The most actions executing at once in the last job that filled the cluster, raised by
    /// any later job that ran more at once without filling it. `None` until a job filled it:
    /// a job whose actions all ran at once says only that the cluster takes at least that many.
    filled: Option<usize>,
}

impl Capacity {
    fn record(&mut self, job: Concurrency) {
        self.most = self.most.max(job.most_executing);
        self.filled =
            if job.full() { Some(job.most_executing) } else { self.filled.map(|filled| filled.max(job.most_executing)) };
    }

    /// The configured size (or more, when more were seen at once), else what filled it.
    fn parallelism(&self) -> Option<usize> {
        match self.configured {
            Some(configured) => Some(configured.max(self.most)),
            None => self.filled,
        }
    }
}

/// This process's executable, read once.
fn current_binary() -> Result<&'static [u8], RemoteError> {
    static BINARY: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let binary = BINARY.get_or_init(|| {
        let path = std::env::current_exe().map_err(|e| e.to_string())?;
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    });
    binary.as_deref().map_err(|message| RemoteError::Blob { hash: BINARY_PATH.into(), message: message.clone() })
}

/// The Action of one batch: its command runs the binary's `compile-batch` on the batch's
/// components with the build's keys. Returns the Action's digest, the Command and the Action.
fn batch_action(
    function: DigestFunction,
    input_root: &Digest,
    batch: &[(String, CacheKey)],
    env: &[(String, String)],
    timeout: Duration,
) -> (Digest, Vec<u8>, Vec<u8>) {
    let mut arguments = vec![BINARY_PATH.to_string(), "compile-batch".into(), "--out".into(), OUTPUT_DIR.into()];
    arguments.extend(batch.iter().map(|(path, key)| format!("{path}={key}")));
    let mut output_paths: Vec<String> = batch.iter().map(|(_, key)| format!("{OUTPUT_DIR}/{key}")).collect();
    output_paths.sort();
    let mut environment_variables: Vec<EnvironmentVariable> =
        env.iter().map(|(name, value)| EnvironmentVariable { name: name.clone(), value: value.clone() }).collect();
    environment_variables.sort_by(|a, b| a.name.cmp(&b.name));
    let command = Command { arguments, environment_variables, output_paths, ..Command::default() }.encode_to_vec();
    let action = Action {
        command_digest: Some(function.digest(&command)),
        input_root_digest: Some(input_root.clone()),
        timeout: Some(bazel_remote_apis::google::protobuf::Duration { seconds: timeout.as_secs() as i64, nanos: 0 }),
        ..Action::default()
    }
    .encode_to_vec();
    (function.digest(&action), command, action)
}

/// The Merkle tree of an input root: its digest, the `Directory` messages and the file blobs.
struct InputTree<'a> {
    root: Digest,
    directories: Vec<(Digest, Vec<u8>)>,
    blobs: Vec<(Digest, &'a [u8])>,
}

#[derive(Default)]
struct Folder<'a> {
    files: BTreeMap<&'a str, (&'a [u8], bool)>,
    folders: BTreeMap<&'a str, Folder<'a>>,
}

impl<'a> InputTree<'a> {
    /// `files`: slash-separated paths relative to the root, contents, executable bits.
    fn new(function: DigestFunction, files: &[(&'a str, &'a [u8], bool)]) -> Self {
        let mut top = Folder::default();
        for &(path, data, executable) in files {
            let mut parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty() && *part != ".").collect();
            let Some(name) = parts.pop() else { continue };
            let folder = parts.into_iter().fold(&mut top, |folder, part| folder.folders.entry(part).or_default());
            folder.files.insert(name, (data, executable));
        }
        let mut tree = InputTree { root: Digest::default(), directories: Vec::new(), blobs: Vec::new() };
        tree.root = tree.add(function, &top);
        tree
    }

    fn add(&mut self, function: DigestFunction, folder: &Folder<'a>) -> Digest {
        let directories = folder
            .folders
            .iter()
            .map(|(name, child)| DirectoryNode { name: name.to_string(), digest: Some(self.add(function, child)) })
            .collect();
        let files = folder
            .files
            .iter()
            .map(|(name, (data, executable))| {
                let digest = function.digest(data);
                self.blobs.push((digest.clone(), data));
                FileNode { name: name.to_string(), digest: Some(digest), is_executable: *executable, ..FileNode::default() }
            })
            .collect();
        let message = Directory { files, directories, ..Directory::default() }.encode_to_vec();
        let digest = function.digest(&message);
        self.directories.push((digest.clone(), message));
        digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_tree_is_sorted_and_named_by_content() {
        let files = [
            ("src/b.egh", b"b".as_slice(), false),
            ("src/a.egh", b"a", false),
            ("eghact.toml", b"", false),
            (BINARY_PATH, b"x", true),
        ];
        let tree = InputTree::new(DigestFunction::Sha256, &files);
        let mut reversed = files;
        reversed.reverse();
        assert_eq!(tree.root, InputTree::new(DigestFunction::Sha256, &reversed).root, "order of files does not matter");
        let root = tree
            .directories
            .iter()
            .find(|(d, _)| *d == tree.root)
            .map(|(_, m)| Directory::decode(m.as_slice()).unwrap())
            .unwrap();
        let names: Vec<&str> = root.directories.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, [".eghact", "src"]);
        assert_eq!(root.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["eghact.toml"]);
        let bin = tree
            .directories
            .iter()
            .map(|(_, m)| Directory::decode(m.as_slice()).unwrap())
            .find(|d| d.files.iter().any(|f| f.name == "eghact"))
            .unwrap();
        assert!(bin.files[0].is_executable);
        assert_eq!(tree.blobs.len(), 4);
    }

    #[test]
    fn capacity_is_the_configured_size_else_what_a_full_cluster_ran_at_once() {
        let job = |most_executing, started, waited_out| Concurrency { most_executing, started, waited_out };
        let mut seen = Capacity::default();
        assert_eq!(seen.parallelism(), None);
        seen.record(job(4, 4, false));
        assert_eq!(seen.parallelism(), None, "all of a job at once: at least 4, maybe more");
        seen.record(job(3, 10, false));
        assert_eq!(seen.parallelism(), Some(3), "10 actions, never more than 3 at once");
        seen.record(job(5, 5, false));
        assert_eq!(seen.parallelism(), Some(5), "more at once than seen before");
        seen.record(job(0, 0, true));
        assert_eq!(seen.parallelism(), Some(0), "no worker took an action");

        let mut configured = Capacity { configured: Some(8), ..Capacity::default() };
        assert_eq!(configured.parallelism(), Some(8));
        configured.record(job(3, 10, false));
        assert_eq!(configured.parallelism(), Some(8), "a busy cluster does not shrink its configured size");
        configured.record(job(12, 12, false));
        assert_eq!(configured.parallelism(), Some(12), "more at once than configured");
    }

    #[test]
    fn a_batch_action_names_its_outputs_sorted_and_carries_the_keys() {
        let keys = [CacheKey::from([2; 32]), CacheKey::from([1; 32])];
        let batch = vec![("src/B.egh".to_string(), keys[0]), ("src/A.egh".to_string(), keys[1])];
        let env = vec![("Z".to_string(), "1".to_string()), ("A".to_string(), "2".to_string())];
        let (_, command, _) = batch_action(DigestFunction::Sha256, &Digest::default(), &batch, &env, Duration::from_secs(60));
        let command = Command::decode(command.as_slice()).unwrap();
        assert_eq!(command.output_paths, [format!("out/{}", keys[1]), format!("out/{}", keys[0])]);
        assert_eq!(command.arguments[4], format!("src/B.egh={}", keys[0]));
        assert_eq!(command.environment_variables.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["A", "Z"]);
    }
}
