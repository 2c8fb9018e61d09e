//! Builds that send misses to an `Offloader`. The offloader here does what a remote worker
//! does, in process: it writes the job's files into a fresh folder and runs the
//! `compile-batch` command there (`run_compile_batch`), so the engine's side (policy, key checks, fallbacks,
//! events, byte-identical outputs) is tested without a server; `tests/remote_execution.rs` at
//! the root runs the same through BuildGrid.

mod common;

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{dist_files, write_snippet};
use eghact_builder::cache::{CacheEntry, CacheKey};
use eghact_builder::offload::{
    BatchError, Offload, OffloadJob, OffloadMode, OffloadPolicy, OffloadProgress, OffloadResult, Offloader, batch_options,
    batch_output_path, run_compile_batch,
};
use eghact_builder::project::Project;
use eghact_builder::{BuildEvent, BuildOptions, BuildReport, Builder, CacheState};

const PROJECT: &str = r#"
//- src/App.egh
<script>
import Card from './Card.egh';
import { format } from './lib/format.js';
let n = 1;
</script>
<template><Card title={format(n)} /><button @click="n++">+</button></template>
//- src/Card.egh
<script>export let title;</script>
<template><h2>{title}</h2></template>
<style>h2 { color: red; }</style>
//- src/Badge.egh
<template><span>{count}</span></template>
<script>export let count = 0;</script>
//- src/Broken.egh
<template>{#if}</template>
//- src/lib/format.js
export const format = (n) => `#${n}`;
"#;

/// What the fake cluster does with a batch.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Compile,
    /// Returns every entry under another key.
    WrongKeys,
    /// Fails the whole job.
    Fail,
}

type Batches = Vec<Vec<(String, CacheKey)>>;

struct InProcess {
    behaviour: Behaviour,
    /// The batches of each job it was given.
    jobs: Mutex<Vec<Batches>>,
}

impl InProcess {
    fn new(behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self { behaviour, jobs: Mutex::default() })
    }
}

impl Offloader for InProcess {
    fn overhead_ms(&self, _: &OffloadJob) -> f64 {
        100.0
    }

    fn parallelism(&self) -> Option<usize> {
        Some(64)
    }

    fn compile(&self, job: &OffloadJob, on_progress: &(dyn Fn(OffloadProgress) + Sync)) -> OffloadResult {
        self.jobs.lock().unwrap().push(job.batches.clone());
        if self.behaviour == Behaviour::Fail {
            return OffloadResult { entries: Vec::new(), warnings: vec!["the cluster is down".into()] };
        }
        let worker = tempfile::tempdir().unwrap();
        for (path, text) in &job.files {
            let path = worker.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text.as_bytes()).unwrap();
        }
        let actions = job.batches.len();
        let mut progress = OffloadProgress { actions, queued: actions, ..OffloadProgress::default() };
        on_progress(progress);
        let mut result = OffloadResult::default();
        for (index, batch) in job.batches.iter().enumerate() {
            progress.queued -= 1;
            progress.executing += 1;
            on_progress(progress);
            let out = worker.path().join(format!(".out-{index}"));
            let items: Vec<String> = batch.iter().map(|(path, key)| format!("{path}={key}")).collect();
            let refused = run_compile_batch(worker.path(), &out, &items, "test".into()).unwrap();
            assert!(refused.is_empty(), "{refused:?}");
            for (_, key) in batch {
                let entry = CacheEntry::decode(&fs::read(batch_output_path(&out, key)).unwrap(), key).unwrap();
                let key = if self.behaviour == Behaviour::WrongKeys { CacheKey::from([7; 32]) } else { *key };
                result.entries.push((key, entry));
            }
            progress.executing -= 1;
            progress.done += 1;
            on_progress(progress);
        }
        result
    }
}

fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), PROJECT);
    dir
}

fn build(root: &Path, offload: Option<(Arc<InProcess>, OffloadPolicy)>) -> (BuildReport, Vec<BuildEvent>) {
    let options = BuildOptions { compiler_version: "test".into(), write: true, memory_cache: false, image_processor: None };
    let mut builder = Builder::open(Project::open(root).unwrap(), options);
    if let Some((offloader, policy)) = offload {
        builder.offload(Offload { offloader, policy });
    }
    builder.load().unwrap();
    let events = Mutex::new(Vec::new());
    let report = builder.build(&|event| events.lock().unwrap().push(event)).unwrap();
    (report, events.into_inner().unwrap())
}

fn always(batch_size: usize) -> OffloadPolicy {
    OffloadPolicy { mode: OffloadMode::Always, min_components: 0, batch_size }
}

fn states(report: &BuildReport) -> Vec<(&str, CacheState)> {
    report.files.iter().map(|f| (f.path.as_str(), f.cache)).collect()
}

#[test]
fn misses_compiled_elsewhere_write_the_outputs_of_a_local_build() {
    let (local, remote) = (checkout(), checkout());
    let (local_report, _) = build(local.path(), None);
    let offloader = InProcess::new(Behaviour::Compile);
    let (report, events) = build(remote.path(), Some((offloader.clone(), always(2))));

    assert_eq!(
        states(&report),
        [
            ("src/App.egh", CacheState::Remote),
            ("src/Badge.egh", CacheState::Remote),
            ("src/Broken.egh", CacheState::Remote),
            ("src/Card.egh", CacheState::Remote),
            ("src/lib/format.js", CacheState::Remote),
        ]
    );
    assert_eq!(dist_files(remote.path()), dist_files(local.path()));
    let diagnostics = |r: &BuildReport| r.files.iter().map(|f| f.diagnostics.len()).collect::<Vec<_>>();
    assert_eq!(diagnostics(&report), diagnostics(&local_report), "diagnostics travel with the entries");
    assert!(report.errors() > 0, "Broken.egh's error is reported");
    // Four components and the script module in batches of two; the config travels with them.
    let jobs = offloader.jobs.lock().unwrap();
    assert_eq!(jobs.iter().map(|batches| batches.iter().map(Vec::len).collect::<Vec<_>>()).collect::<Vec<_>>(), [vec![2, 2, 1]]);

    // Started says remote work may happen, remote progress comes before the components it
    // compiled, and ends with every action done.
    assert!(matches!(events[0], BuildEvent::Started { total: 5, remote: true }));
    let last_remote = events.iter().rposition(|e| matches!(e, BuildEvent::Offload(_))).unwrap();
    let first_compiled = events.iter().position(|e| matches!(e, BuildEvent::Compiled { .. })).unwrap();
    assert!(last_remote < first_compiled);
    assert_eq!(events[last_remote], BuildEvent::Offload(OffloadProgress { actions: 3, done: 3, ..OffloadProgress::default() }));

    // The entries went into the local cache: a clean checkout sharing it compiles nothing.
    fs::remove_dir_all(remote.path().join("dist")).unwrap();
    fs::remove_file(remote.path().join(".eghact/build-state.json")).unwrap();
    let (again, _) = build(remote.path(), Some((offloader.clone(), always(2))));
    assert!(again.files.iter().all(|f| matches!(f.cache, CacheState::Hit(_))), "{:?}", states(&again));
    assert_eq!(jobs.len(), 1, "hits are never sent");
}

#[test]
fn entries_for_other_keys_are_refused_and_compiled_here() {
    let dir = checkout();
    let (report, _) = build(dir.path(), Some((InProcess::new(Behaviour::WrongKeys), always(10))));
    assert!(report.files.iter().all(|f| f.cache == CacheState::Miss), "{:?}", states(&report));
    assert!(report.warnings.iter().any(|w| w.contains("cannot use")), "{:?}", report.warnings);
    let local = checkout();
    build(local.path(), None);
    assert_eq!(dist_files(dir.path()), dist_files(local.path()));
}

#[test]
fn a_failed_cluster_costs_a_warning_and_a_local_build() {
    let dir = checkout();
    let (report, _) = build(dir.path(), Some((InProcess::new(Behaviour::Fail), always(10))));
    assert!(report.files.iter().all(|f| f.cache == CacheState::Miss));
    assert_eq!(report.warnings, ["the cluster is down"]);
    let local = checkout();
    build(local.path(), None);
    assert_eq!(dist_files(dir.path()), dist_files(local.path()));
}

#[test]
fn the_policy_keeps_small_builds_and_never_local() {
    for policy in [
        OffloadPolicy { mode: OffloadMode::Auto, min_components: 5, batch_size: 10 },
        OffloadPolicy { mode: OffloadMode::Never, min_components: 0, batch_size: 10 },
        // Predicted: four components of about 100 bytes take far less than the 100 ms the
        // offloader costs.
        OffloadPolicy { mode: OffloadMode::Auto, min_components: 0, batch_size: 10 },
    ] {
        let dir = checkout();
        let offloader = InProcess::new(Behaviour::Compile);
        let (report, _) = build(dir.path(), Some((offloader.clone(), policy)));
        assert!(report.files.iter().all(|f| f.cache == CacheState::Miss));
        assert!(offloader.jobs.lock().unwrap().is_empty());
        // Looked up once before the policy was asked, and not again before compiling.
        // Four components and the script module.
        assert!(report.tiers.iter().all(|t| (t.hits, t.misses) == (0, 5)), "{:?}", report.tiers);
    }
}

#[test]
fn a_batch_refuses_a_key_it_does_not_compute() {
    let dir = checkout();
    let mut builder = Builder::open(Project::open(dir.path()).unwrap(), batch_options("test".into()));
    builder.load().unwrap();
    let wrong = CacheKey::from([1; 32]);
    let outputs = builder.compile_batch(&[("src/Card.egh".into(), wrong), ("src/Nope.egh".into(), wrong)]).unwrap();
    let errors: Vec<(&str, String)> =
        outputs.iter().map(|o| (o.path.as_str(), o.result.as_ref().err().cloned().unwrap())).collect();
    assert_eq!(errors[0].0, "src/Nope.egh");
    assert!(errors[0].1.contains("not a component"));
    assert!(errors[1].1.contains("the inputs differ"), "{errors:?}");
}

#[test]
fn the_batch_command_names_its_refusals_and_rejects_malformed_items() {
    let dir = checkout();
    let out = dir.path().join("out");
    let wrong = CacheKey::from([1; 32]);
    let items = [format!("src/Card.egh={wrong}"), format!("src/Nope.egh={wrong}")];
    let refused = run_compile_batch(dir.path(), &out, &items, "test".into()).unwrap();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().any(|r| r.starts_with("src/Card.egh: key ") && r.ends_with("the inputs differ")), "{refused:?}");
    assert!(refused.iter().any(|r| r.starts_with("src/Nope.egh: not a component")), "{refused:?}");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0, "nothing written under a key it does not compute");

    let malformed = run_compile_batch(dir.path(), &out, &["src/Card.egh".into()], "test".into());
    assert!(matches!(malformed, Err(BatchError::Item(_))), "{malformed:?}");
    let malformed = run_compile_batch(dir.path(), &out, &["src/Card.egh=beef".into()], "test".into());
    assert!(matches!(malformed, Err(BatchError::Key(_))), "{malformed:?}");
}
