//! Script modules in whole-project builds on disk (issue 16): what they resolve (project files,
//! the framework, npm packages under `node_modules`), what a module with an error writes
//! (nothing), what a watch build does when one is edited, added or removed, two sources
//! with one output file (E0511), and when imported packages are pre-bundled.

mod common;

use std::fs;
use std::path::Path;

use common::{dist_files, write_snippet};
use eghact_builder::dependencies::DependencyBundler;
use eghact_builder::project::Project;
use eghact_builder::{BuildOptions, BuildReport, Builder, CacheState};
use eghact_syntax::diagnostics::render;

/// A builder over the project at `root` that read its sources, as a new process's.
fn loaded_builder(root: &Path) -> Builder {
    let options = BuildOptions { compiler_version: "test".into(), write: true, memory_cache: true, image_processor: None };
    let mut builder = Builder::open(Project::open(root).unwrap(), options);
    builder.load().unwrap();
    builder
}

fn build(root: &Path) -> BuildReport {
    loaded_builder(root).build(&|_| {}).unwrap()
}

fn dist_names(root: &Path) -> Vec<String> {
    dist_files(root).iter().map(|(path, _)| path.display().to_string()).collect()
}

fn dist_text(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join("dist").join(path)).unwrap_or_default()
}

fn states(report: &BuildReport) -> Vec<(String, CacheState)> {
    report.files.iter().map(|f| (f.path.clone(), f.cache)).collect()
}

/// The diagnostics of `path` in `report`, rendered as the CLI prints them (`--> file:line:col`).
fn rendered(root: &Path, report: &BuildReport, path: &str) -> String {
    let file = report.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} is not in the report"));
    let source = fs::read_to_string(root.join(path)).unwrap();
    render(path, &source, &file.diagnostics)
}

fn project(snippet: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_snippet(dir.path(), snippet);
    dir
}

#[test]
fn a_missing_relative_import_is_e0501_at_its_specifier_and_the_module_writes_nothing() {
    let dir = project("//- src/util.ts\nexport const a = 1;\nexport { b } from './nope';\n");
    let report = build(dir.path());
    let text = rendered(dir.path(), &report, "src/util.ts");
    assert!(text.contains("error[E0501]: cannot resolve import `./nope`"), "{text}");
    assert!(text.contains("--> src/util.ts:2:19"), "{text}");
    assert_eq!(report.errors(), 1);
    assert_eq!(dist_names(dir.path()), ["eghact-runtime.js"]);
}

#[test]
fn a_missing_package_is_e0510_at_its_specifier() {
    let dir =
        project("//- src/dates.js\n\nimport { format } from 'date-fns';\nexport const year = format(new Date(), 'yyyy');\n");
    let report = build(dir.path());
    let text = rendered(dir.path(), &report, "src/dates.js");
    assert!(text.contains("error[E0510]: cannot find package `date-fns`"), "{text}");
    assert!(text.contains("--> src/dates.js:2:24"), "{text}");
    assert!(text.contains("not installed in `node_modules`"), "{text}");
    assert!(!dir.path().join("dist/dates.js").exists());
}

#[test]
fn an_installed_package_resolves_through_its_exports_and_is_imported_from_its_pre_bundled_module() {
    let dir = project(
        r#"
//- node_modules/tiny-dates/package.json
{
  "name": "tiny-dates",
  "exports": {
    ".": { "browser": "./browser.js", "import": "./index.mjs", "default": "./index.cjs" },
    "./format": { "import": "./format.mjs" }
  }
}
//- node_modules/tiny-dates/browser.js
export const year = () => 2026;
//- node_modules/tiny-dates/format.mjs
export const format = String;
//- src/dates.ts
import { year } from 'tiny-dates';
import { format } from 'tiny-dates/format';
export const label: string = format(year());
//- src/App.egh
<script>
import { year } from 'tiny-dates';
import { label } from './dates';
</script>
<template><p>{year()} {label}</p></template>
"#,
    );
    let report = build(dir.path());
    assert_eq!(report.errors(), 0, "{:?}", report.files);
    let dates = dist_text(dir.path(), "dates.js");
    assert!(
        dates.contains(r#"from "./eghact-deps/tiny-dates.js";"#)
            && dates.contains(r#"from "./eghact-deps/tiny-dates__format.js";"#),
        "{dates}"
    );
    let app = dist_text(dir.path(), "App.js");
    assert!(app.contains("./eghact-deps/tiny-dates.js"), "{app}");
    assert!(app.contains("./dates.js"), "{app}");
    // A path the package does not export is not installed, whatever is on disk.
    fs::write(dir.path().join("src/dates.ts"), "import { format } from 'tiny-dates/browser.js';\nexport const f = format;\n")
        .unwrap();
    let report = build(dir.path());
    let text = rendered(dir.path(), &report, "src/dates.ts");
    assert!(text.contains("error[E0510]: cannot find package `tiny-dates/browser.js`"), "{text}");
}

#[test]
fn a_declaration_file_produces_nothing() {
    let dir = project(
        "//- src/types.d.ts\nexport interface Item { id: number }\n//- src/list.ts\nimport type { Item } from './types';\nexport const items: Item[] = [];\n",
    );
    let report = build(dir.path());
    assert_eq!(report.errors(), 0, "{:?}", report.files);
    assert_eq!(states(&report), [("src/list.ts".to_string(), CacheState::Miss)]);
    assert_eq!(dist_names(dir.path()), ["eghact-runtime.js", "list.js", "list.js.map"]);
    assert_eq!(dist_text(dir.path(), "list.js"), "export const items = [];\n//# sourceMappingURL=list.js.map\n");
}

#[test]
fn watch_builds_follow_edits_additions_and_removals_of_modules() {
    let dir = project(
        "//- src/App.egh\n<script>\nimport { double } from './util';\nlet n = double(1);\n</script>\n<template><p>{n}</p></template>\n//- src/util.ts\nexport const double = (n: number): number => n * 2;\n",
    );
    let root = dir.path();
    let mut builder = loaded_builder(root);
    builder.build(&|_| {}).unwrap();
    assert!(dist_text(root, "App.js").contains("./util.js"));
    assert!(dist_text(root, "util.js").contains("n * 2"));

    // A body edit rebuilds the module; its importer is looked at, and compiles to the same.
    fs::write(root.join("src/util.ts"), "export const double = (n: number): number => n + n;\n").unwrap();
    builder.refresh(["src/util.ts".to_string()]).unwrap();
    let edited = builder.build(&|_| {}).unwrap();
    let util = edited.files.iter().find(|f| f.path == "src/util.ts").map(|f| f.cache);
    assert_eq!(util, Some(CacheState::Miss), "{:?}", states(&edited));
    assert!(dist_text(root, "util.js").contains("n + n"));

    // Removed: its output and map go, and the importer reports E0501.
    fs::remove_file(root.join("src/util.ts")).unwrap();
    builder.refresh(["src/util.ts".to_string()]).unwrap();
    let removed = builder.build(&|_| {}).unwrap();
    assert!(!root.join("dist/util.js").exists() && !root.join("dist/util.js.map").exists());
    let app = removed.files.iter().find(|f| f.path == "src/App.egh").expect("the importer is rebuilt");
    assert!(app.diagnostics.iter().any(|d| d.code == "E0501"), "{:?}", app.diagnostics);

    // Added back as JavaScript: the importer resolves it again and names its output.
    fs::write(root.join("src/util.js"), "export const double = (n) => n * 3;\n").unwrap();
    builder.refresh(["src/util.js".to_string()]).unwrap();
    let added = builder.build(&|_| {}).unwrap();
    assert_eq!(added.errors(), 0, "{:?}", added.files);
    assert!(dist_text(root, "util.js").contains("n * 3"));
    assert!(dist_text(root, "App.js").contains("./util.js"));
}

#[test]
fn a_module_that_stops_compiling_loses_its_outputs() {
    let dir = project("//- src/util.ts\nexport const a: number = 1;\n");
    let root = dir.path();
    let mut builder = loaded_builder(root);
    builder.build(&|_| {}).unwrap();
    assert!(root.join("dist/util.js").exists());
    fs::write(root.join("src/util.ts"), "export const a: number = ;\n").unwrap();
    builder.refresh(["src/util.ts".to_string()]).unwrap();
    let broken = builder.build(&|_| {}).unwrap();
    assert!(rendered(root, &broken, "src/util.ts").contains("error[E0220]"));
    assert!(!root.join("dist/util.js").exists() && !root.join("dist/util.js.map").exists());
}

/// `util.ts` built alone, then `util.js` beside it: the JavaScript wins (first in path order),
/// the TypeScript reports E0511 and writes nothing, and removing either never removes what the
/// other writes.
#[test]
fn two_modules_with_one_output_never_overwrite_each_other() {
    let dir = project("//- src/util.ts\nexport const fromTs: number = 1;\n");
    let root = dir.path();
    let mut builder = loaded_builder(root);
    builder.build(&|_| {}).unwrap();
    assert!(dist_text(root, "util.js").contains("fromTs"));

    fs::write(root.join("src/util.js"), "export const fromJs = 2;\n").unwrap();
    builder.refresh(["src/util.js".to_string()]).unwrap();
    let both = builder.build(&|_| {}).unwrap();
    let ts = both.files.iter().find(|f| f.path == "src/util.ts").expect("in the report");
    assert_eq!(ts.diagnostics.iter().map(|d| d.code.to_string()).collect::<Vec<_>>(), ["E0511"]);
    assert_eq!(both.errors(), 1);
    assert!(dist_text(root, "util.js").contains("fromJs"), "the earlier writer's output is kept");
    assert!(dist_text(root, "util.js.map").contains("util.js"));

    // A new process sees the same.
    let again = build(root);
    assert_eq!(again.errors(), 1);
    assert!(dist_text(root, "util.js").contains("fromJs"));

    fs::remove_file(root.join("src/util.js")).unwrap();
    builder.refresh(["src/util.js".to_string()]).unwrap();
    let alone = builder.build(&|_| {}).unwrap();
    assert_eq!(alone.errors(), 0, "{:?}", alone.files);
    assert!(dist_text(root, "util.js").contains("fromTs"), "the TypeScript is compiled again: {}", dist_text(root, "util.js"));
    assert!(root.join("dist/util.js.map").exists());
}

/// A bundler that writes each entry as a module naming its specifier, and counts its runs.
#[derive(Default)]
struct FakeBundler {
    runs: std::sync::atomic::AtomicUsize,
    fail: bool,
}

impl DependencyBundler for FakeBundler {
    fn version(&self) -> String {
        "fake 1".into()
    }

    fn bundle(&self, _root: &Path, specifiers: &[String]) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.fail {
            return Err("`node_modules/broken/index.js` imports `./missing.js`".into());
        }
        let mut files: Vec<(String, Vec<u8>)> = specifiers
            .iter()
            .map(|s| (format!("{}.js", eghact_codegen::dependency_entry(s)), format!("export default {s:?};").into_bytes()))
            .collect();
        files.push(("chunk-shared.js".into(), b"export {};".to_vec()));
        Ok(files)
    }
}

#[test]
fn imported_packages_are_pre_bundled_again_only_when_they_or_what_is_installed_change() {
    let dir = project(
        r#"
//- node_modules/ms/package.json
{ "name": "ms", "version": "2.1.3", "main": "index.js" }
//- node_modules/ms/index.js
module.exports = () => 1;
//- node_modules/@scope/pkg/package.json
{ "name": "@scope/pkg", "version": "1.0.0", "exports": { ".": "./a.js", "./sub": "./b.js" } }
//- node_modules/@scope/pkg/a.js
export const a = 1;
//- node_modules/@scope/pkg/b.js
export const b = 2;
//- package-lock.json
{ "lockfileVersion": 3 }
//- src/ui/Card.egh
<script>
import ms from 'ms';
import { b } from '@scope/pkg/sub';
</script>
<template><p>{ms()} {b}</p></template>
"#,
    );
    let bundler = std::sync::Arc::new(FakeBundler::default());
    let runs = || bundler.runs.load(std::sync::atomic::Ordering::SeqCst);
    let build_with = |bundler: &std::sync::Arc<FakeBundler>| {
        let mut builder = loaded_builder(dir.path());
        builder.bundle_dependencies(bundler.clone());
        builder.build(&|_| {}).unwrap()
    };
    let report = build_with(&bundler);
    assert_eq!(report.errors(), 0, "{:?}", report.path_diagnostics);
    assert_eq!(runs(), 1);
    let names = dist_names(dir.path());
    for file in ["eghact-deps/@scope__pkg__sub.js", "eghact-deps/ms.js", "eghact-deps/chunk-shared.js"] {
        assert!(names.contains(&file.to_string()), "{file} in {names:?}");
    }
    let card = dist_text(dir.path(), "ui/Card.js");
    assert!(
        card.contains(r#"from "../eghact-deps/ms.js""#) && card.contains(r#"from "../eghact-deps/@scope__pkg__sub.js""#),
        "{card}"
    );
    // Nothing changed: not bundled again, in a new process as in this one.
    build_with(&bundler);
    assert_eq!(runs(), 1);
    // A new lock file, or a touched output, bundles again.
    fs::write(dir.path().join("package-lock.json"), "{ \"lockfileVersion\": 3, \"packages\": {} }").unwrap();
    build_with(&bundler);
    assert_eq!(runs(), 2);
    fs::write(dir.path().join("dist/eghact-deps/ms.js"), "tampered").unwrap();
    build_with(&bundler);
    assert_eq!(runs(), 3);
    assert_eq!(dist_text(dir.path(), "eghact-deps/ms.js"), "export default \"ms\";");
    // A package no longer imported takes its module with it.
    fs::write(
        dir.path().join("src/ui/Card.egh"),
        "<script>\nimport ms from 'ms';\n</script>\n<template><p>{ms()}</p></template>\n",
    )
    .unwrap();
    build_with(&bundler);
    let names = dist_names(dir.path());
    assert!(!names.contains(&"eghact-deps/@scope__pkg__sub.js".to_string()), "{names:?}");
    assert!(names.contains(&"eghact-deps/ms.js".to_string()));
    // A bundler that fails is E0512 on package.json.
    let failing = std::sync::Arc::new(FakeBundler { fail: true, ..FakeBundler::default() });
    fs::write(dir.path().join("package-lock.json"), "{}").unwrap();
    let report = build_with(&failing);
    let codes: Vec<String> = report.path_diagnostics.iter().map(|p| p.diagnostic.code.to_string()).collect();
    assert_eq!(codes, ["E0512"]);
    assert_eq!(report.path_diagnostics[0].path, "package.json");
    assert!(report.errors() > 0);
}
