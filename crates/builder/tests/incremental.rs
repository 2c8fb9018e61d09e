//! Which queries re-execute after each kind of edit, read from salsa's event log.
//!
//! Projects are written as one string: `//- path` starts a file.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use eghact_analysis::db::{self, Database, FilePath};
use eghact_builder::{FileChange, Host};
use expect_test::{Expect, expect};
use salsa::plumbing::AsId;

const PROJECT: &str = r#"
//- src/App.egh
<script>
import Card from './Card.egh';
import Badge from './lib/Badge.egh';
let title = 'Hello';
</script>
<template><Card {title} /><Badge count={3} /></template>
//- src/Card.egh
<script lang="ts">
export let title: string;
let open = false;
</script>
<template><button @click="open = !open">{title}</button></template>
<style>button { color: red; }</style>
//- src/lib/Badge.egh
<script>export let count = 0;</script>
<template><span>{count}</span></template>
//- src/lib/format.ts
export const format = (n: number) => `${n}`;
"#;

mod common;

use common::writes as files;

struct Fixture {
    host: Host,
    log: Arc<Mutex<Vec<salsa::DatabaseKeyIndex>>>,
    /// Every path the project ever had, to name the queries of deleted files.
    paths: Vec<String>,
}

impl Fixture {
    fn new(project: &str) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let db = Database::with_events(move |event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind {
                sink.lock().unwrap().push(database_key);
            }
        });
        let host = common::host(db);
        let mut fixture = Self { host, log, paths: Vec::new() };
        fixture.edit(files(project));
        fixture.check_all();
        fixture
    }

    /// Checks and compiles every component, as a build does.
    fn check_all(&self) -> BTreeMap<String, Vec<String>> {
        let db = self.host.db();
        let mut diagnostics = BTreeMap::new();
        for (path, file) in self.host.files() {
            if path.ends_with(".egh") {
                let codes = db::diagnostics(db, *file).iter().map(|d| d.code.to_string()).collect();
                diagnostics.insert(path.clone(), codes);
            }
        }
        diagnostics
    }

    fn edit(&mut self, changes: Vec<FileChange>) {
        self.paths.extend(changes.iter().map(|c| match c {
            FileChange::Write { path, .. } | FileChange::Remove { path } => path.clone(),
        }));
        self.host.apply(changes);
        self.log.lock().unwrap().clear();
    }

    /// The queries that ran since the last edit, as `query(path)`, sorted.
    fn executed(&self) -> String {
        let db = self.host.db();
        let mut names_by_id = BTreeMap::new();
        for (path, file) in self.host.files() {
            names_by_id.insert(file.as_id(), path.clone());
        }
        for path in &self.paths {
            names_by_id.insert(FilePath::new(db, path.clone()).as_id(), format!("path {path}"));
        }
        let mut lines: Vec<String> = self
            .log
            .lock()
            .unwrap()
            .iter()
            .map(|key| {
                let query = salsa::Database::ingredient_debug_name(db, key.ingredient_index());
                match names_by_id.get(&key.key_index()) {
                    Some(path) => format!("{query}({path})"),
                    None => format!("{query}(…)"),
                }
            })
            .collect();
        lines.sort();
        lines.dedup();
        lines.join("\n")
    }

    fn assert_executed(&self, expected: Expect) {
        expected.assert_eq(&self.executed());
    }
}

fn write(path: &str, text: &str) -> FileChange {
    FileChange::Write { path: path.into(), text: text.into() }
}

const CARD_BODY_EDIT: &str = r#"<script lang="ts">
export let title: string;
let open = true;
function toggle() { open = !open; }
</script>
<template><button @click={toggle}>{title}!</button></template>
<style>button { color: blue; }</style>
"#;

#[test]
fn the_initial_project_checks_clean() {
    let fixture = Fixture::new(PROJECT);
    let diagnostics = fixture.check_all();
    assert!(diagnostics.values().all(Vec::is_empty), "{diagnostics:?}");
}

#[test]
fn a_body_edit_reruns_only_the_edited_file() {
    let mut fixture = Fixture::new(PROJECT);
    fixture.edit(vec![write("src/Card.egh", CARD_BODY_EDIT)]);
    fixture.check_all();
    fixture.assert_executed(expect![[r#"
        check(src/Card.egh)
        outline(src/Card.egh)
        parse(src/Card.egh)"#]]);
}

#[test]
fn a_signature_edit_rechecks_exactly_the_importers() {
    let mut fixture = Fixture::new(PROJECT);
    let edited = files(PROJECT).into_iter().find_map(|c| match c {
        FileChange::Write { path, text } if path == "src/Card.egh" => Some(text.replace("title: string", "title: number")),
        _ => None,
    });
    fixture.edit(vec![write("src/Card.egh", &edited.unwrap())]);
    fixture.check_all();
    fixture.assert_executed(expect![[r#"
        check(src/App.egh)
        check(src/Card.egh)
        image_specifiers(src/Card.egh)
        import_specifiers(src/Card.egh)
        outline(src/Card.egh)
        parse(src/Card.egh)
        signature(src/Card.egh)"#]]);
}

#[test]
fn an_added_import_resolves_and_checks_the_importer() {
    let mut fixture = Fixture::new(PROJECT);
    fixture.edit(vec![write(
        "src/lib/Badge.egh",
        "<script>import { format } from './format.ts';\nexport let count = 0;</script>\n<template><span>{format(count)}</span></template>\n",
    )]);
    fixture.check_all();
    fixture.assert_executed(expect![[r#"
        check(src/lib/Badge.egh)
        file_at(path src/lib/format.ts)
        image_specifiers(src/lib/Badge.egh)
        import_graph(…)
        import_specifiers(src/lib/Badge.egh)
        module_types(src/lib/format.ts)
        outline(src/lib/Badge.egh)
        parse(src/lib/Badge.egh)
        resolve(src/lib/Badge.egh)
        signature(src/lib/Badge.egh)"#]]);
}

#[test]
fn a_deleted_file_reports_its_importers() {
    let mut fixture = Fixture::new(PROJECT);
    fixture.edit(vec![FileChange::Remove { path: "src/lib/Badge.egh".into() }]);
    let diagnostics = fixture.check_all();
    fixture.assert_executed(expect![[r#"
        check(src/App.egh)
        cycle_of(src/App.egh)
        cycle_of(src/Card.egh)
        diagnostics(src/App.egh)
        file_at(path src/Card.egh)
        file_at(path src/lib/Badge.egh)
        file_at(…)
        import_graph(…)
        resolve(src/App.egh)
        route_manifest(…)"#]]);
    assert_eq!(diagnostics["src/App.egh"], ["E0501"]);
}

#[test]
fn a_renamed_file_is_a_removal_and_an_addition() {
    let mut fixture = Fixture::new(PROJECT);
    let badge = "<script>export let count = 0;</script>\n<template><span>{count}</span></template>\n";
    fixture.edit(vec![FileChange::Remove { path: "src/lib/Badge.egh".into() }, write("src/lib/Pill.egh", badge)]);
    let diagnostics = fixture.check_all();
    fixture.assert_executed(expect![[r#"
        check(src/App.egh)
        check(src/lib/Pill.egh)
        cycle_of(src/App.egh)
        cycle_of(src/Card.egh)
        cycle_of(src/lib/Pill.egh)
        diagnostics(src/App.egh)
        diagnostics(src/lib/Pill.egh)
        file_at(path src/Card.egh)
        file_at(path src/lib/Badge.egh)
        file_at(…)
        image_specifiers(src/lib/Pill.egh)
        import_graph(…)
        import_specifiers(src/lib/Pill.egh)
        outline(src/lib/Pill.egh)
        parse(src/lib/Pill.egh)
        resolve(src/App.egh)
        resolve(src/lib/Pill.egh)
        resolve_images(src/lib/Pill.egh)
        route_manifest(…)"#]]);
    assert_eq!(diagnostics["src/App.egh"], ["E0501"]);
    assert!(diagnostics["src/lib/Pill.egh"].is_empty());
}

#[test]
fn an_import_cycle_is_a_diagnostic() {
    let fixture = Fixture::new(
        "//- src/A.egh\n<script>import B from './B.egh';</script><template><B /></template>\n//- src/B.egh\n<script>import A from './A.egh';</script><template><A /></template>\n",
    );
    let diagnostics = fixture.check_all();
    assert_eq!(diagnostics["src/A.egh"], ["E0502"]);
    assert_eq!(diagnostics["src/B.egh"], ["E0502"]);
}

#[test]
fn component_uses_are_checked_against_the_signature() {
    let fixture = Fixture::new(
        "//- src/A.egh\n<script>import B from './B.egh';</script><template><B colour=\"red\" /></template>\n//- src/B.egh\n<script>export let size; export let color = 'blue';</script><template>{size}{color}</template>\n",
    );
    assert_eq!(fixture.check_all()["src/A.egh"], ["E0504", "E0503"]);
}

#[test]
fn a_new_revision_cancels_queries_in_flight() {
    let mut project = String::new();
    for i in 0..400 {
        project.push_str(&format!(
            "//- src/C{i}.egh\n<script>export let n = {i}; let x = n * 2;</script>\n<template><p>{{x}}</p></template>\n"
        ));
    }
    let mut fixture = Fixture::new("");
    fixture.edit(files(&project));
    let (started, running) = std::sync::mpsc::channel();
    let reader = fixture.host.db().clone();
    let inputs: Vec<_> = fixture.host.files().values().copied().collect();
    let worker = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        salsa::Cancelled::catch(|| {
            let _ = started.send(());
            // Re-reading memoized results still checks for cancellation, so this loop ends
            // as soon as the writer bumps the revision.
            while std::time::Instant::now() < deadline {
                for file in &inputs {
                    db::check(&reader, *file);
                }
            }
        })
    });
    running.recv().unwrap();
    fixture.edit(vec![write("src/C0.egh", "<template>changed</template>")]);
    assert!(worker.join().unwrap().is_err(), "the reader finished instead of being cancelled");
    assert!(db::check(fixture.host.db(), fixture.host.file("src/C0.egh").unwrap()).is_empty());
}
