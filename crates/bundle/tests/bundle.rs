//! Production bundles of small projects on disk, built as `eghact build --release` builds them
//! (the per-module build in `.eghact/bundle/`, then the bundle): hashed names stable across
//! identical builds, the manifest's routes, budgets, the runtime tree-shaken, source maps that
//! lead back to `.egh` lines, the page's errors, and a failed bundle leaving the previous one.

use std::fs;
use std::path::Path;

use eghact_builder::project::Project;
use eghact_builder::{BuildOptions, Builder};
use eghact_bundle::{BundleError, BundleOptions, BundleReport, BundleSettings, ChunkKind, bundle};

const PAGE: &str = "<!doctype html><html><head><title>t</title></head><body><div id=\"app\"></div>\
    <script type=\"module\">import App from './src/App.egh';\nnew App({ target: document.getElementById('app') });</script>\
    </body></html>\n";

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// The per-module build of `root` into its staging folder, then the bundle.
fn release(root: &Path, options: &BundleOptions) -> Result<BundleReport, BundleError> {
    let project = Project::open(root).unwrap();
    let css = BundleSettings::of(&project).unwrap().css(&project).unwrap();
    let staging = project.staging("bundle").unwrap().with_css(css);
    let build_options = BuildOptions { compiler_version: "test".into(), write: true, memory_cache: false, image_processor: None };
    let mut builder = Builder::open(staging.clone(), build_options);
    builder.load().unwrap();
    let report = builder.build(&|_| {}).unwrap();
    assert_eq!(report.errors(), 0, "{:?}", report.files.iter().flat_map(|f| &f.diagnostics).collect::<Vec<_>>());
    bundle(&project, &staging, options)
}

fn dist(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join("dist").join(path)).unwrap_or_else(|e| panic!("dist/{path}: {e}"))
}

fn entry(report: &BundleReport) -> &str {
    &report.chunks.iter().find(|c| c.kind == ChunkKind::Entry).expect("an entry chunk").file
}

const APP: &str = "<script>\n  let count = 0;\n</script>\n<template>\n<button on:click={() => count++}>{'sentinel-' + count}</button>\n</template>\n<style>\n  button { color: red; }\n</style>\n";

#[test]
fn identical_builds_give_identical_names_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("index.html", PAGE), ("src/App.egh", APP)]);
    let first = release(dir.path(), &BundleOptions::default()).unwrap();
    let names: Vec<String> = first.chunks.iter().map(|c| c.file.clone()).collect();
    let code = dist(dir.path(), entry(&first));
    // A second project with the same sources, bundled from scratch.
    let other = tempfile::tempdir().unwrap();
    write(other.path(), &[("index.html", PAGE), ("src/App.egh", APP)]);
    let second = release(other.path(), &BundleOptions::default()).unwrap();
    assert_eq!(second.chunks.iter().map(|c| c.file.clone()).collect::<Vec<_>>(), names);
    assert_eq!(dist(other.path(), entry(&second)), code);
    // A style edit changes the stylesheet, and so the chunk's name (its hash covers the styles).
    write(dir.path(), &[("src/App.egh", &APP.replace("red", "blue"))]);
    let restyled = release(dir.path(), &BundleOptions::default()).unwrap();
    assert_ne!(entry(&restyled), entry(&first));
    let css = dist(dir.path(), restyled.chunks[0].css.as_deref().expect("the chunk's stylesheet"));
    assert!(css.contains("color:#00f"), "blue, minified: {css}");
    // The page loads the entry and links its stylesheet; nothing of the previous bundle is left.
    let page = dist(dir.path(), "index.html");
    assert!(page.contains(&format!("<script type=\"module\" crossorigin src=\"/{}\"></script>", entry(&restyled))), "{page}");
    assert!(
        page.contains(&format!("<link rel=\"stylesheet\" crossorigin href=\"/{}\">", restyled.chunks[0].css.as_deref().unwrap()))
    );
    assert!(!dir.path().join("dist").join(entry(&first)).exists());
}

#[test]
fn a_component_without_stores_or_routes_ships_no_store_or_router_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("index.html", PAGE), ("src/App.egh", APP)]);
    let report = release(dir.path(), &BundleOptions::default()).unwrap();
    let code = dist(dir.path(), entry(&report));
    assert!(!code.contains("createRouter({ target })"), "router code shipped");
    assert!(!code.contains("localStorage"), "store code shipped");
    let runtime = fs::read_to_string(dir.path().join(".eghact/bundle/modules/eghact-runtime.js")).unwrap();
    assert!(code.len() * 2 < runtime.len(), "{} bytes of bundle against {} of runtime", code.len(), runtime.len());
    // A component that persists a store gets that code.
    let stored = "<script>\n  import { createStore } from 'eghact/store';\n  const n = createStore(0, { name: 'n', persist: true });\n</script>\n<template><p>{$n}</p></template>\n";
    write(dir.path(), &[("src/App.egh", stored)]);
    let report = release(dir.path(), &BundleOptions::default()).unwrap();
    assert!(dist(dir.path(), entry(&report)).contains("localStorage"));
}

#[test]
fn a_stack_frame_in_the_minified_chunk_maps_back_to_the_egh_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("index.html", PAGE), ("src/App.egh", APP)]);
    let report = release(dir.path(), &BundleOptions::default()).unwrap();
    let file = entry(&report);
    let code = dist(dir.path(), file);
    let offset = code.find("sentinel-").expect("the literal survives minifying");
    let line = code[..offset].matches('\n').count() as u32;
    let column = (offset - code[..offset].rfind('\n').map_or(0, |n| n + 1)) as u32;
    let json = dist(dir.path(), &format!("{file}.map"));
    let map = rolldown_sourcemap::SourceMap::from_json(serde_json::from_str(&json).unwrap()).unwrap();
    let table = map.generate_lookup_table();
    // The string starts one character after its quote: the token there is the literal's.
    let token = map.lookup_token(&table, line, column).expect("a mapping at the literal");
    let source = map.get_source(token.get_source_id().unwrap()).unwrap();
    assert_eq!(source, "../../src/App.egh", "relative to dist/assets/");
    assert_eq!(token.get_src_line(), 4, "line 5 of App.egh holds the button");
}

#[test]
fn routes_are_lazy_chunks_listed_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let page = "<!doctype html><html><head></head><body><script type=\"module\">import { start } from '/dist/eghact-routes.js';\nstart({ target: document.body });</script></body></html>";
    write(
        dir.path(),
        &[
            ("index.html", page),
            ("src/routes/index.egh", "<template><h1>home</h1></template>\n"),
            ("src/routes/about.egh", "<template><h1>about</h1></template>\n<style>h1 { color: red; }</style>\n"),
            (
                "src/routes/users/[id].egh",
                "<script>\n  import { route } from 'eghact';\n</script>\n<template><p>{$route.params.id}</p></template>\n",
            ),
        ],
    );
    let report = release(dir.path(), &BundleOptions::default()).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&dist(dir.path(), "manifest.json")).unwrap();
    assert_eq!(manifest["version"], 1);
    let routes = manifest["routes"].as_object().unwrap();
    assert_eq!(routes.keys().collect::<Vec<_>>(), ["/", "/about", "/users/[id]"]);
    let about = &routes["/about"];
    assert_eq!(about["source"], "src/routes/about.egh");
    let chunk = about["chunk"].as_str().unwrap();
    assert_eq!(report.chunks.iter().find(|c| c.file == chunk).unwrap().kind, ChunkKind::Async);
    assert_eq!(about["css"], serde_json::json!([format!("{}.css", chunk.strip_suffix(".js").unwrap())]));
    assert!(about["files"].as_array().unwrap().iter().any(|f| f == entry(&report)), "a page needs the entry's code");
    assert_eq!(manifest["entries"], serde_json::json!([entry(&report)]));
}

#[test]
fn a_chunk_over_budget_is_a_warning_naming_it_or_with_strict_budgets_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("index.html", PAGE), ("src/App.egh", APP), ("eghact.toml", "[bundle.budgets]\ninitial_kb = 1\n")]);
    let report = release(dir.path(), &BundleOptions::default()).unwrap();
    assert_eq!(report.diagnostics.len(), 1, "{:?}", report.diagnostics);
    let (file, diagnostic) = &report.diagnostics[0];
    assert_eq!(file, entry(&report));
    assert_eq!(diagnostic.code, "W0810");
    assert!(diagnostic.message.starts_with("the initial JavaScript is "), "{}", diagnostic.message);
    let label = diagnostic.label.as_deref().unwrap_or_default();
    assert!(label.contains("eghact-runtime.js") && label.contains("src/App.egh"), "{label}");
    let written = entry(&report).to_string();
    // Strict: an error, and the output stays as it was.
    write(dir.path(), &[("src/App.egh", &APP.replace("red", "green"))]);
    let strict = release(dir.path(), &BundleOptions { strict_budgets: true }).unwrap();
    assert_eq!(strict.errors(), 1);
    assert_eq!(strict.diagnostics[0].1.code, "E0810");
    assert!(dir.path().join("dist").join(&written).is_file(), "the previous bundle is intact");
    assert!(!dir.path().join("dist").join(entry(&strict)).exists());
}

#[test]
fn page_problems_are_errors_at_their_place() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("src/App.egh", APP)]);
    let code = |result: Result<BundleReport, BundleError>| match result {
        Err(BundleError::Page { diagnostic, .. }) => (diagnostic.code.to_string(), diagnostic.span.start),
        other => panic!("expected a page error, got {other:?}"),
    };
    assert_eq!(code(release(dir.path(), &BundleOptions::default())), ("E0801".to_string(), 0));
    write(dir.path(), &[("index.html", "<html><body><script>var classic = 1;</script></body></html>")]);
    assert_eq!(code(release(dir.path(), &BundleOptions::default())), ("E0803".to_string(), 0));
    let missing = "<html><body>\n<script type=\"module\" src=\"./src/Missing.egh\"></script></body></html>";
    write(dir.path(), &[("index.html", missing)]);
    assert_eq!(code(release(dir.path(), &BundleOptions::default())), ("E0804".to_string(), 13));
    let outside = "<html><body><script type=\"module\">import '../../etc/passwd';</script></body></html>";
    write(dir.path(), &[("index.html", outside)]);
    assert_eq!(code(release(dir.path(), &BundleOptions::default())).0, "E0804");
    assert!(!dir.path().join("dist").exists(), "nothing was written");
}

#[test]
fn styles_are_minified_for_the_bundle_s_targets() {
    let dir = tempfile::tempdir().unwrap();
    let app = APP.replace("button { color: red; }", "button { color: red; user-select: none; }\n  p { margin: 0; }");
    write(dir.path(), &[("index.html", PAGE), ("src/App.egh", &app), ("eghact.toml", "[bundle]\ntargets = \"safari 12\"\n")]);
    let report = release(dir.path(), &BundleOptions::default()).unwrap();
    let css = dist(dir.path(), report.chunks[0].css.as_deref().unwrap());
    assert!(css.contains("-webkit-user-select:none"), "prefixed for Safari 12 and minified: {css}");
    assert!(!css.contains("\n  "), "minified: {css}");
    // A query that matches no browser is E0708 at the setting.
    write(dir.path(), &[("eghact.toml", "[bundle]\ntargets = \"netscape 4\"\n")]);
    let project = Project::open(dir.path()).unwrap();
    let error = BundleSettings::of(&project).unwrap().css(&project).unwrap_err();
    assert_eq!(error.code(), Some("E0708"), "{error}");
}

#[test]
fn an_unchanged_project_keeps_its_bundle_and_any_change_bundles_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, &[("index.html", PAGE), ("src/App.egh", APP)]);
    let bundled = |expected_reuse: bool, why: &str| {
        let report = release(root, &BundleOptions::default()).unwrap();
        assert_eq!(report.reused, expected_reuse, "{why}");
        report
    };
    let first = bundled(false, "a first bundle");
    let again = bundled(true, "nothing changed");
    assert_eq!(entry(&again), entry(&first), "the last bundle's report");
    let code = dist(root, entry(&first));

    // The output folder is the bundle's: an edited or an extra file there is replaced.
    fs::write(root.join("dist").join(entry(&first)), "tampered").unwrap();
    bundled(false, "an edited output");
    assert_eq!(dist(root, entry(&first)), code);
    fs::write(root.join("dist/extra.txt"), "x").unwrap();
    bundled(false, "an extra file in the output folder");
    assert!(!root.join("dist/extra.txt").exists());
    bundled(true, "as it was");

    // Each input counts: the page, eghact.toml, a lock file that appears, a component's style.
    write(root, &[("index.html", &PAGE.replace("<body>", "<body><!-- v2 -->"))]);
    bundled(false, "the page changed");
    write(root, &[("eghact.toml", "[bundle]\nbase = \"/app/\"\n")]);
    bundled(false, "the settings changed");
    write(root, &[("package-lock.json", "{}")]);
    bundled(false, "a lock file appeared");
    write(root, &[("src/App.egh", &APP.replace("red", "green"))]);
    let restyled = bundled(false, "a style changed");
    assert_ne!(entry(&restyled), entry(&first));
    bundled(true, "as it was");

    // A record that is not one, or names a file outside the project, only costs the reuse.
    let record = root.join(".eghact/bundle/bundle-record.json");
    let text = fs::read_to_string(&record).unwrap();
    fs::write(&record, "{ not json").unwrap();
    bundled(false, "a corrupt record");
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["inputs"]["../outside.js"] = serde_json::Value::Null;
    fs::write(&record, json.to_string()).unwrap();
    bundled(false, "a record naming a path outside the project");
    bundled(true, "the record written by the last bundle");
}
