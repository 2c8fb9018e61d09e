//! Builds of projects whose components reference images, with the test image processor
//! (`common::images`): processing once per key, the cache, rebuilding what an image edit
//! affects, errors for missing and broken images, and URLs that resolve from the compiled
//! modules to the files written.

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::images::{FakePngProcessor, MAX_SIDE, png};
use eghact_builder::cache::Tier;
use eghact_builder::project::Project;
use eghact_builder::{BuildOptions, BuildReport, Builder, CacheState, ImageBuild};
use eghact_syntax::diagnostics::LineIndex;

const PROJECT: &[(&str, &str)] = &[
    (
        "src/App.egh",
        "<script>\n  import Card from './Card.egh';\n</script>\n<template>\n  <img src=\"./img/hero.png\" alt=\"Hero\">\n  <Card />\n</template>\n",
    ),
    (
        "src/Card.egh",
        "<template>\n  <div class=\"card\">card</div>\n</template>\n<style>\n  .card { background: url(./img/bg.png); }\n</style>\n",
    ),
    ("src/pages/About.egh", "<template>\n  <img src=\"../img/hero.png\" srcset=\"../img/hero.png 2x\" alt=\"\">\n</template>\n"),
    ("src/Plain.egh", "<template>\n  <p>no images</p>\n</template>\n"),
];

fn write_project(root: &Path) {
    for (path, text) in PROJECT {
        write(root, path, text.as_bytes());
    }
    write(root, "src/img/hero.png", &png(1600, 900, "hero"));
    write(root, "src/img/bg.png", &png(800, 800, "bg"));
    write(root, "eghact.toml", b"[assets]\nwidths = [640, 1280]\n");
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn builder(root: &Path, processor: &Arc<FakePngProcessor>, write: bool) -> Builder {
    let project = Project::open(root).unwrap();
    let image_processor: Arc<dyn eghact_semantics::assets::ImageProcessor> = processor.clone();
    let options =
        BuildOptions { compiler_version: "test".into(), write, memory_cache: false, image_processor: Some(image_processor) };
    let mut builder = Builder::open(project, options);
    builder.load().unwrap();
    builder
}

fn build(root: &Path, processor: &Arc<FakePngProcessor>) -> BuildReport {
    builder(root, processor, true).build(&|_| {}).unwrap()
}

fn states(report: &BuildReport) -> Vec<(&str, CacheState)> {
    report.files.iter().map(|f| (f.path.as_str(), f.cache)).collect()
}

fn image_states(report: &BuildReport) -> Vec<(&str, CacheState)> {
    report.images.iter().map(|i: &ImageBuild| (i.path.as_str(), i.cache)).collect()
}

/// The files under `dist/assets`.
fn assets(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join("dist/assets"))
        .map(|dir| dir.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// The lines of a compiled module that set the attributes of its images.
fn image_lines(root: &Path, module: &str) -> String {
    let js = fs::read_to_string(root.join("dist").join(module)).unwrap();
    js.lines().filter(|l| l.contains("setAttribute") || l.contains("$$asset =")).map(|l| format!("{}\n", l.trim())).collect()
}

/// Every URL the module at `dist/<module>` (and its stylesheet) resolves against its own
/// location: `$$asset("…")` calls and `url(…)`.
fn asset_urls(root: &Path, module: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let js = fs::read_to_string(root.join("dist").join(module)).unwrap();
    for piece in js.split("$$asset(\"").skip(1) {
        urls.push(piece.split('"').next().unwrap().to_string());
    }
    let css = fs::read_to_string(root.join("dist").join(module).with_extension("css")).unwrap_or_default();
    for piece in css.split("url(").skip(1) {
        // Lightning CSS prints `url("…")`.
        urls.push(piece.split(')').next().unwrap().trim().trim_matches(['"', '\'']).to_string());
    }
    urls
}

#[test]
fn images_are_processed_once_in_one_batch_and_then_come_from_the_record_or_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    let processor = Arc::new(FakePngProcessor::new("fake 1"));

    let cold = build(root, &processor);
    assert_eq!(cold.errors(), 0, "{:?}", cold.files);
    assert_eq!(image_states(&cold), [("src/img/bg.png", CacheState::Miss), ("src/img/hero.png", CacheState::Miss)]);
    assert_eq!(processor.take_batches(), [2], "both images in one batch");
    assert!(cold.warnings.iter().any(|w| w.contains("fake image processor")), "{:?}", cold.warnings);
    let written = assets(root);
    // Hero (1600 pixels wide) at 640 and 1280, the background (800) at 640.
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(written.iter().all(|name| name.starts_with("bg-") || name.starts_with("hero-")), "{written:?}");
    assert!(written.iter().any(|name| name.starts_with("hero-") && name.ends_with("-1280.webp")), "{written:?}");
    // The original images are still copied, as every other file.
    assert!(root.join("dist/img/hero.png").is_file());

    // A new process: nothing changed, nothing is read or processed.
    let warm = build(root, &processor);
    assert!(warm.files.iter().all(|f| f.cache == CacheState::Unchanged), "{:?}", states(&warm));
    assert!(warm.images.iter().all(|i| i.cache == CacheState::Unchanged), "{:?}", image_states(&warm));
    let outputs = |report: &BuildReport| report.images.iter().map(|i| i.outputs.clone()).collect::<Vec<_>>();
    assert_eq!(outputs(&warm), outputs(&cold));
    assert!(processor.take_batches().is_empty());

    // Without the outputs and the record (a fresh checkout sharing the cache): from the cache.
    fs::remove_dir_all(root.join("dist")).unwrap();
    fs::remove_file(root.join(".eghact/build-state.json")).unwrap();
    let fresh = build(root, &processor);
    assert_eq!(
        image_states(&fresh),
        [("src/img/bg.png", CacheState::Hit(Tier::Disk)), ("src/img/hero.png", CacheState::Hit(Tier::Disk))]
    );
    assert!(fresh.files.iter().all(|f| f.cache == CacheState::Hit(Tier::Disk)), "{:?}", states(&fresh));
    assert!(processor.take_batches().is_empty());
    assert_eq!(assets(root), written);

    // A deleted variant file is written again from the cache.
    fs::remove_file(root.join("dist/assets").join(&written[0])).unwrap();
    let repaired = build(root, &processor);
    assert_eq!(image_states(&repaired)[0].1, CacheState::Hit(Tier::Disk));
    assert_eq!(assets(root), written);
}

#[test]
fn references_are_rewritten_to_urls_that_resolve_from_each_module() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    let report = build(root, &Arc::new(FakePngProcessor::new("fake 1")));
    assert_eq!(report.errors(), 0, "{:?}", report.files);
    let hero = &report.images[1];
    let [small, large] = [640, 1280].map(|w| {
        hero.outputs.iter().find(|o| o.ends_with(&format!("-{w}.webp"))).unwrap().trim_start_matches("dist/").to_string()
    });
    // The processor's placeholder, 16 pixels wide, as a data URL.
    let hash = blake3::hash(&png(1600, 900, "hero")).to_hex();
    let lqip = format!("data:image/webp;base64,{}", BASE64.encode(format!("webp 16x9 of {}\n", &hash[..8])));
    let expected = format!(
        "const $$asset = (url) => new URL(url, import.meta.url).href;\n\
         $$e1.setAttribute(\"width\", \"1600\");\n\
         $$e1.setAttribute(\"height\", \"900\");\n\
         $$e1.setAttribute(\"srcset\", $$asset(\"./{small}\") + \" 640w, \" + $$asset(\"./{large}\") + \" 1280w\");\n\
         $$e1.setAttribute(\"sizes\", \"100vw\");\n\
         $$e1.setAttribute(\"data-lqip\", \"{lqip}\");\n\
         $$e1.setAttribute(\"src\", $$asset(\"./{large}\"));\n\
         $$e1.setAttribute(\"alt\", \"Hero\");\n"
    );
    assert_eq!(image_lines(root, "App.js"), expected);
    // A nested module goes up to the assets folder; an author's `srcset` keeps its descriptors.
    assert!(image_lines(root, "pages/About.js").contains(&format!("$$asset(\"../{large}\") + \" 2x\"")));
    assert!(fs::read_to_string(root.join("dist/Card.css")).unwrap().contains("url(\"./assets/bg-"));
    for module in ["App.js", "Card.js", "pages/About.js"] {
        let urls = asset_urls(root, module);
        assert!(!urls.is_empty(), "{module} references no image");
        let folder = root.join("dist").join(module).parent().unwrap().to_path_buf();
        for url in urls {
            assert!(folder.join(&url).is_file(), "{module}: {url} is no file of dist/");
        }
    }
    // Rendered markup would stay as written without the processed image.
    assert!(!fs::read_to_string(root.join("dist/App.js")).unwrap().contains("img/hero.png"));
}

#[test]
fn editing_an_image_rebuilds_only_the_components_that_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    let processor = Arc::new(FakePngProcessor::new("fake 1"));
    build(root, &processor);
    let before = assets(root);
    processor.take_batches();

    // In a new process.
    write(root, "src/img/bg.png", &png(400, 300, "bg, cropped"));
    let edited = build(root, &processor);
    assert_eq!(
        states(&edited),
        [
            ("src/App.egh", CacheState::Unchanged),
            ("src/Card.egh", CacheState::Miss),
            ("src/Plain.egh", CacheState::Unchanged),
            ("src/pages/About.egh", CacheState::Unchanged),
        ]
    );
    let card = &edited.files[1];
    assert_eq!(
        serde_json::to_value(&card.changes).unwrap(),
        serde_json::json!([{ "input": "importSignature", "name": "image src/img/bg.png" }])
    );
    assert_eq!(image_states(&edited), [("src/img/bg.png", CacheState::Miss), ("src/img/hero.png", CacheState::Unchanged)]);
    assert_eq!(processor.take_batches(), [1]);
    // The old variants of the image are gone; 400 pixels wide, it has one variant now.
    let after = assets(root);
    assert_eq!(after.iter().filter(|n| n.starts_with("bg-")).collect::<Vec<_>>().len(), 1, "{after:?}");
    assert!(after.iter().any(|n| n.starts_with("bg-") && n.ends_with("-400.webp")), "{after:?}");
    assert_eq!(after.iter().filter(|n| n.starts_with("hero-")).count(), before.iter().filter(|n| n.starts_with("hero-")).count());

    // In watch mode: the watcher names the image; its components are rebuilt.
    let mut watching = builder(root, &processor, true);
    watching.build(&|_| {}).unwrap();
    write(root, "src/img/hero.png", &png(1200, 600, "hero, wider"));
    let changed = watching.refresh(["src/img/hero.png".to_string()]).unwrap();
    assert_eq!(changed, ["src/img/hero.png"]);
    let events = std::sync::Mutex::new(Vec::new());
    let rebuilt = watching.build(&|event| events.lock().unwrap().push(event)).unwrap();
    assert_eq!(states(&rebuilt), [("src/App.egh", CacheState::Miss), ("src/pages/About.egh", CacheState::Miss)]);
    assert_eq!(image_states(&rebuilt), [("src/img/hero.png", CacheState::Miss)]);
    let events = events.into_inner().unwrap();
    let image_event =
        eghact_builder::BuildEvent::Image { path: "src/img/hero.png".into(), done: 1, total: 1, cache: CacheState::Miss };
    assert_eq!(events.first(), Some(&image_event), "{events:?}");
    assert!(image_lines(root, "App.js").contains("\"1200\""));
}

#[test]
fn changing_the_options_reprocesses_and_recompiles_what_has_images() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    let processor = Arc::new(FakePngProcessor::new("fake 1"));
    build(root, &processor);
    write(root, "eghact.toml", b"[assets]\nwidths = [640, 1280]\nformats = [\"webp\", \"png\"]\n");
    let report = build(root, &processor);
    assert!(report.images.iter().all(|i| i.cache == CacheState::Miss));
    let plain = report.files.iter().find(|f| f.path == "src/Plain.egh").unwrap();
    assert_eq!(plain.cache, CacheState::Unchanged);
    assert!(report.files.iter().filter(|f| f.path != "src/Plain.egh").all(|f| f.cache == CacheState::Miss));
    // Two formats: a `<picture>` offers WebP, the `<img>` falls back to PNG.
    let js = fs::read_to_string(root.join("dist/App.js")).unwrap();
    assert!(js.contains("$$.element(\"picture\"") && js.contains("\"image/webp\""), "{js}");
    assert!(image_lines(root, "App.js").contains("-1280.png\"));"));

    // Another processor version is another key.
    let other = Arc::new(FakePngProcessor::new("fake 2"));
    let report = build(root, &other);
    assert!(report.images.iter().all(|i| i.cache == CacheState::Miss));
    assert_eq!(other.take_batches(), [2]);
}

#[test]
fn broken_images_are_errors_at_each_reference_and_write_nothing() {
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("truncated", png(1600, 900, "")[..20].to_vec(), "truncated PNG: 20 bytes"),
        ("corrupt", b"GIF89a, not what the name says, but long enough".to_vec(), "not a PNG file"),
        ("zero-sized", png(0, 900, ""), "the image is 0x900 pixels"),
        ("gigantic", png(MAX_SIDE + 1, 10, ""), "more than 16384 on a side"),
    ];
    for (case, bytes, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_project(root);
        write(root, "src/img/hero.png", &bytes);
        let processor = Arc::new(FakePngProcessor::new("fake 1"));
        let report = build(root, &processor);

        let app = report.files.iter().find(|f| f.path == "src/App.egh").unwrap();
        let [diagnostic] = app.diagnostics.as_slice() else { panic!("{case}: {:?}", app.diagnostics) };
        assert_eq!(diagnostic.code, "E0508", "{case}");
        assert!(diagnostic.message.starts_with("cannot process image `./img/hero.png`: "), "{case}: {}", diagnostic.message);
        assert!(diagnostic.message.contains(reason), "{case}: {}", diagnostic.message);
        let source = PROJECT[0].1;
        assert_eq!(LineIndex::new(source).line_col(source, diagnostic.span.start), (5, 13), "{case}");
        assert_eq!(diagnostic.span.text(source), "./img/hero.png");
        let about = report.files.iter().find(|f| f.path == "src/pages/About.egh").unwrap();
        assert_eq!(about.diagnostics.iter().map(|d| d.code.as_ref()).collect::<Vec<_>>(), ["E0508", "E0508"], "{case}");

        let hero = report.images.iter().find(|i| i.path == "src/img/hero.png").unwrap();
        assert!(hero.error.as_deref().is_some_and(|e| e.contains(reason)), "{case}: {:?}", hero.error);
        assert!(assets(root).iter().all(|name| name.starts_with("bg-")), "{case}: {:?}", assets(root));
        assert!(!root.join("dist/App.js").exists() && !root.join("dist/pages/About.js").exists(), "{case}");
        assert!(root.join("dist/Card.js").is_file(), "{case}: a component without the image is built");

        // The failure is remembered with its key: the next build does not process it again.
        processor.take_batches();
        let again = build(root, &processor);
        assert_eq!(again.errors(), 3, "{case}");
        assert!(processor.take_batches().is_empty(), "{case}");
    }
}

#[test]
fn a_missing_image_is_e0507_with_or_without_a_processor() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    let source = "<template>\n  <p>\n    <img src=\"./img/nope.png\" alt=\"\">\n  </p>\n</template>\n";
    write(root, "src/Plain.egh", source.as_bytes());
    for processor in [Some(Arc::new(FakePngProcessor::new("fake 1"))), None] {
        let project = Project::open(root).unwrap();
        let image_processor = processor.clone().map(|p| p as Arc<dyn eghact_semantics::assets::ImageProcessor>);
        let options = BuildOptions { compiler_version: "test".into(), write: true, memory_cache: false, image_processor };
        let mut builder = Builder::open(project, options);
        builder.load().unwrap();
        let report = builder.build(&|_| {}).unwrap();
        let plain = report.files.iter().find(|f| f.path == "src/Plain.egh").unwrap();
        let [diagnostic] = plain.diagnostics.as_slice() else { panic!("{:?}", plain.diagnostics) };
        assert_eq!((diagnostic.code.as_ref(), diagnostic.message.as_str()), ("E0507", "cannot find image `./img/nope.png`"));
        assert_eq!(diagnostic.label.as_deref(), Some("no file `src/img/nope.png` in the project"));
        assert_eq!(LineIndex::new(source).line_col(source, diagnostic.span.start), (3, 15));
        assert!(!root.join("dist/Plain.js").exists());
    }
}

#[test]
fn without_a_processor_images_are_copied_and_references_kept() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    let project = Project::open(root).unwrap();
    let options = BuildOptions { compiler_version: "test".into(), write: true, memory_cache: false, image_processor: None };
    let mut builder = Builder::open(project, options);
    builder.load().unwrap();
    let report = builder.build(&|_| {}).unwrap();
    assert_eq!(report.errors(), 0, "{:?}", report.files);
    assert!(report.images.is_empty());
    assert!(assets(root).is_empty());
    assert!(root.join("dist/img/hero.png").is_file());
    assert_eq!(
        image_lines(root, "App.js"),
        "$$e1.setAttribute(\"src\", \"./img/hero.png\");\n$$e1.setAttribute(\"alt\", \"Hero\");\n"
    );
    assert!(fs::read_to_string(root.join("dist/Card.css")).unwrap().contains("url(\"./img/bg.png\")"));

    // With a processor, the same sources are compiled again (other key), and back.
    let processor = Arc::new(FakePngProcessor::new("fake 1"));
    let processed = build(root, &processor);
    assert!(processed.files.iter().filter(|f| f.path != "src/Plain.egh").all(|f| f.cache == CacheState::Miss));
}

#[test]
fn a_check_processes_images_to_report_errors_but_writes_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    write(root, "src/img/bg.png", b"broken");
    let processor = Arc::new(FakePngProcessor::new("fake 1"));
    let report = builder(root, &processor, false).build(&|_| {}).unwrap();
    let card = report.files.iter().find(|f| f.path == "src/Card.egh").unwrap();
    assert_eq!(card.diagnostics.iter().map(|d| d.code.as_ref()).collect::<Vec<_>>(), ["E0508"]);
    assert!(!root.join("dist").exists());
    assert!(!root.join(".eghact").exists());
    assert_eq!(processor.take_batches(), [2]);
}
