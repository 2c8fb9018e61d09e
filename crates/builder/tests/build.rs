//! Whole-project builds on disk: cold, warm in a new builder (a new process), incremental,
//! with a damaged cache, with different thread counts.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{dist_files, write_snippet};
use eghact_builder::cache::Tier;
use eghact_builder::project::Project;
use eghact_builder::watch::SourceWatcher;
use eghact_builder::{BuildOptions, BuildReport, Builder, CacheState};

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
//- src/lib/format.js
export const format = (n) => `#${n}`;
"#;

fn build(root: &Path) -> BuildReport {
    let mut builder = loaded_builder(root);
    builder.build(&|_| {}).unwrap()
}

/// A builder over the project at `root` that read its sources, as a new process's.
fn loaded_builder(root: &Path) -> Builder {
    let project = Project::open(root).unwrap();
    let mut builder = Builder::open(
        project,
        BuildOptions { compiler_version: "test".into(), write: true, memory_cache: true, image_processor: None },
    );
    builder.load().unwrap();
    builder
}

fn dist_names(root: &Path) -> Vec<String> {
    dist_files(root).iter().map(|(path, _)| path.display().to_string()).collect()
}

fn states(report: &BuildReport) -> Vec<(String, CacheState)> {
    report.files.iter().map(|f| (f.path.clone(), f.cache)).collect()
}

#[test]
fn cold_then_warm_then_one_edit() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), PROJECT);
    let cold = build(dir.path());
    assert_eq!(cold.errors(), 0, "{:?}", cold.files);
    assert!(cold.files.iter().all(|f| f.cache == CacheState::Miss));
    let written = dist_files(dir.path());
    let names: Vec<_> = written.iter().map(|(p, _)| p.display().to_string()).collect();
    // The script module is compiled, with its map, like a component.
    assert_eq!(
        names,
        ["App.js", "App.js.map", "Card.css", "Card.js", "Card.js.map", "eghact-runtime.js", "lib/format.js", "lib/format.js.map"]
    );

    // A new builder is a new process: nothing changed, nothing is read from the cache.
    let warm = build(dir.path());
    assert!(warm.files.iter().all(|f| f.cache == CacheState::Unchanged), "{:?}", states(&warm));
    assert_eq!(dist_files(dir.path()), written);

    // A body edit of the child recompiles the child only.
    let card = dir.path().join("src/Card.egh");
    let blue = fs::read_to_string(&card).unwrap().replace("color: red", "color: blue");
    fs::write(&card, &blue).unwrap();
    let edited = build(dir.path());
    assert_eq!(
        states(&edited),
        [
            ("src/App.egh".into(), CacheState::Unchanged),
            ("src/Card.egh".into(), CacheState::Miss),
            ("src/lib/format.js".into(), CacheState::Unchanged)
        ]
    );
    let card_build = &edited.files[1];
    assert_eq!(serde_json::to_value(&card_build.changes).unwrap(), serde_json::json!([{ "input": "source" }]));

    // A signature edit of the child rebuilds its importer too.
    fs::write(&card, "<script>export let title; export let size = 1;</script>\n<template><h2>{title}{size}</h2></template>\n")
        .unwrap();
    let signature = build(dir.path());
    assert_eq!(
        states(&signature),
        [
            ("src/App.egh".into(), CacheState::Miss),
            ("src/Card.egh".into(), CacheState::Miss),
            ("src/lib/format.js".into(), CacheState::Unchanged)
        ]
    );
    let app_changes = serde_json::to_value(&signature.files[0].changes).unwrap();
    assert_eq!(app_changes[0]["input"], "importSignature", "{app_changes}");

    // Reverting the edit finds both earlier results on disk.
    fs::write(&card, &blue).unwrap();
    let reverted = build(dir.path());
    assert_eq!(
        states(&reverted),
        [
            ("src/App.egh".into(), CacheState::Hit(Tier::Disk)),
            ("src/Card.egh".into(), CacheState::Hit(Tier::Disk)),
            ("src/lib/format.js".into(), CacheState::Unchanged)
        ]
    );
}

#[test]
fn deleted_outputs_are_rewritten_and_deleted_sources_take_their_dist_files() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), PROJECT);
    build(dir.path());
    fs::remove_file(dir.path().join("dist/Card.js")).unwrap();
    let rebuilt = build(dir.path());
    assert_eq!(rebuilt.files[1].cache, CacheState::Hit(Tier::Disk));
    assert!(dir.path().join("dist/Card.js").exists());

    fs::remove_file(dir.path().join("src/Card.egh")).unwrap();
    let report = build(dir.path());
    assert!(!dir.path().join("dist/Card.js").exists());
    let codes: Vec<_> = report.files[0].diagnostics.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(codes, ["E0501"]);
}

#[test]
fn a_damaged_cache_entry_is_a_miss_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), PROJECT);
    build(dir.path());
    let before = dist_files(dir.path());
    // Damage every entry in the store, as anything with write access to the folder could, and
    // make the build record forget, so the cache is read.
    let store = rusqlite::Connection::open(dir.path().join(".eghact/cache/entries.sqlite")).unwrap();
    assert_eq!(store.execute("UPDATE entries SET data = substr(data, 1, length(data) - 1)", []).unwrap(), 3);
    drop(store);
    fs::remove_file(dir.path().join(".eghact/build-state.json")).unwrap();
    fs::remove_dir_all(dir.path().join("dist")).unwrap();
    let report = build(dir.path());
    assert!(report.files.iter().all(|f| f.cache == CacheState::Miss), "{:?}", states(&report));
    // One per damaged entry: two components and the script module.
    assert_eq!(report.warnings.len(), 3, "{:?}", report.warnings);
    assert_eq!(dist_files(dir.path()), before);
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let mut project = String::new();
    for i in 0..60 {
        let child = if i > 0 { format!("import C from './C{}.egh';", i - 1) } else { String::new() };
        let use_child = if i > 0 { "<C n={x} />" } else { "" };
        project.push_str(&format!(
            "//- src/C{i}.egh\n<script>{child}\nexport let n = {i}; let x = n + 1;</script>\n<template><p class=\"c\">{{x}}</p>{use_child}</template>\n<style>.c {{ margin: {i}px; }}</style>\n"
        ));
    }
    let mut results = Vec::new();
    for threads in [1, 4] {
        let dir = tempfile::tempdir().unwrap();
        write_snippet(dir.path(), &project);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let report = pool.install(|| build(dir.path()));
        assert_eq!(report.errors(), 0);
        results.push(dist_files(dir.path()));
    }
    assert_eq!(results[0], results[1]);
}

#[test]
fn import_cycles_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(
        dir.path(),
        "//- src/A.egh\n<script>import B from './B.egh';</script><template><B /></template>\n//- src/B.egh\n<script>import A from './A.egh';</script><template><A /></template>\n",
    );
    let report = build(dir.path());
    for file in &report.files {
        assert_eq!(file.diagnostics.iter().map(|d| d.code.to_string()).collect::<Vec<_>>(), ["E0502"]);
    }
    assert!(!dir.path().join("dist/A.js").exists());
}

#[test]
fn watch_builds_look_only_at_what_changed_and_its_importers() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), PROJECT);
    let project = Project::open(dir.path()).unwrap();
    let mut builder = Builder::open(
        project,
        BuildOptions { compiler_version: "test".into(), write: true, memory_cache: true, image_processor: None },
    );
    builder.defer_save(true);
    builder.load().unwrap();
    builder.build(&|_| {}).unwrap();

    let card = dir.path().join("src/Card.egh");
    fs::write(&card, "<script>export let title;</script>\n<template><h3>{title}</h3></template>\n").unwrap();
    builder.refresh(["src/Card.egh".to_string()]).unwrap();
    let body = builder.build(&|_| {}).unwrap();
    // App imports Card, so it is looked at; its key did not change.
    assert_eq!(states(&body), [("src/App.egh".into(), CacheState::Unchanged), ("src/Card.egh".into(), CacheState::Miss)]);
    assert!(fs::read_to_string(dir.path().join("dist/Card.js")).unwrap().contains("h3"));

    fs::remove_file(&card).unwrap();
    builder.refresh(["src/Card.egh".to_string()]).unwrap();
    let removed = builder.build(&|_| {}).unwrap();
    assert!(!dir.path().join("dist/Card.js").exists());
    assert_eq!(removed.errors(), 1);

    // A new file can close a cycle: App → Card → App.
    fs::write(&card, "<script>import App from './App.egh';</script>\n<template><App /></template>\n").unwrap();
    builder.refresh(["src/Card.egh".to_string()]).unwrap();
    let cycle = builder.build(&|_| {}).unwrap();
    let codes: Vec<Vec<String>> = cycle
        .files
        .iter()
        .filter(|f| f.path.ends_with(".egh"))
        .map(|f| f.diagnostics.iter().map(|d| d.code.to_string()).collect())
        .collect();
    assert!(codes.iter().all(|c| c.contains(&"E0502".to_string())), "{codes:?}");
    assert!(!dir.path().join("dist/App.js").exists(), "a member of a cycle keeps no outputs");

    // Nothing was saved while deferred; saving lets a new process find everything unchanged.
    assert!(!dir.path().join(".eghact/build-state.json").exists());
    fs::write(&card, "<script>export let title;</script>\n<template><h3>{title}</h3></template>\n").unwrap();
    builder.refresh(["src/Card.egh".to_string()]).unwrap();
    assert_eq!(builder.build(&|_| {}).unwrap().errors(), 0);
    builder.save().unwrap();
    let next = build(dir.path());
    assert!(next.files.iter().all(|f| f.cache == CacheState::Unchanged), "{:?}", states(&next));
}

#[test]
fn a_changed_data_file_is_copied_once_and_the_watcher_then_stays_idle() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), "//- src/App.egh\n<template><p>a</p></template>\n//- src/data.txt\none\n");
    let mut builder = loaded_builder(dir.path());
    builder.build(&|_| {}).unwrap();
    let watcher = SourceWatcher::new(dir.path(), &dir.path().join("src"), Duration::from_millis(50)).unwrap();
    // Written beside and renamed in: one event, however busy the machine.
    let staged = dir.path().join("data.txt.new");
    fs::write(&staged, "two\n").unwrap();
    fs::rename(&staged, dir.path().join("src/data.txt")).unwrap();
    let batch = watcher.next_batch(Duration::from_secs(60)).expect("the change is seen");
    assert_eq!(batch.paths, ["src/data.txt"]);
    assert_eq!(builder.refresh(batch.paths).unwrap(), ["src/data.txt"]);
    assert_eq!(builder.build(&|_| {}).unwrap().copied, 1);
    assert_eq!(fs::read_to_string(dir.path().join("dist/data.txt")).unwrap(), "two\n");

    // The build read the file. Were reads changes, every round of this loop would rebuild and
    // read it again; nothing may come while nobody changes anything.
    let idle_until = Instant::now() + Duration::from_secs(3);
    let mut rebuilt = Vec::new();
    while let Some(batch) = watcher.next_batch(idle_until.saturating_duration_since(Instant::now())) {
        rebuilt.push(batch.paths.clone());
        builder.refresh(batch.paths).unwrap();
        builder.build(&|_| {}).unwrap();
        if Instant::now() >= idle_until {
            break;
        }
    }
    assert_eq!(rebuilt, Vec::<Vec<String>>::new());
}

#[test]
fn renaming_a_folder_takes_its_outputs_with_it() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(
        dir.path(),
        "//- src/App.egh\n<template><p>a</p></template>\n//- src/a/Card.egh\n<template><p>card</p></template>\n//- src/a/data.txt\nd\n//- src/a/deep/more.txt\nm\n",
    );
    let mut builder = loaded_builder(dir.path());
    builder.build(&|_| {}).unwrap();
    let moved = |from: &str, to: &str| {
        let names = dist_names(dir.path());
        names.iter().map(|n| n.replacen(from, to, 1)).collect::<Vec<_>>()
    };

    // Watch mode: the watcher names both folders.
    let expected = moved("a/", "b/");
    fs::rename(dir.path().join("src/a"), dir.path().join("src/b")).unwrap();
    builder.refresh(["src/a".to_string(), "src/b".to_string()]).unwrap();
    builder.build(&|_| {}).unwrap();
    assert_eq!(dist_names(dir.path()), expected);
    assert!(!dir.path().join("dist/a").exists(), "the old folder is gone");

    // A new process: the build record names the old copies.
    let expected = moved("b/", "c/");
    fs::rename(dir.path().join("src/b"), dir.path().join("src/c")).unwrap();
    build(dir.path());
    assert_eq!(dist_names(dir.path()), expected);
    assert!(!dir.path().join("dist/b").exists());
}

#[cfg(unix)]
#[test]
fn a_fifo_where_the_build_reads_its_own_files_is_skipped_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), PROJECT);
    let first = build(dir.path());
    let before = dist_files(dir.path());
    let mkfifo = |path: &Path| {
        let _ = fs::remove_file(path);
        assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
    };
    assert!(!first.files.is_empty());
    // The disk cache's store: the tier is unavailable, so both components compile.
    mkfifo(&dir.path().join(".eghact/cache/entries.sqlite"));
    mkfifo(&dir.path().join(".eghact/build-state.json"));
    // An output the build compares with what it would write.
    fs::remove_dir_all(dir.path().join("dist")).unwrap();
    fs::create_dir(dir.path().join("dist")).unwrap();
    mkfifo(&dir.path().join("dist/Card.js"));

    // On a thread, so that a build that waits for a writer fails this test instead of hanging it.
    let (sender, built) = std::sync::mpsc::channel();
    let root = dir.path().to_path_buf();
    std::thread::spawn(move || sender.send(build(&root)));
    let report = built.recv_timeout(Duration::from_secs(120)).expect("the build finishes");
    assert_eq!(
        states(&report),
        [
            ("src/App.egh".into(), CacheState::Miss),
            ("src/Card.egh".into(), CacheState::Miss),
            ("src/lib/format.js".into(), CacheState::Miss)
        ]
    );
    assert!(report.warnings.iter().any(|w| w.contains("not a regular file")), "{:?}", report.warnings);
    assert_eq!(dist_files(dir.path()), before);
    assert!(fs::metadata(dir.path().join(".eghact/build-state.json")).unwrap().is_file());
}
