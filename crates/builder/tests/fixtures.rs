//! Data-driven tests: every `.egh` file under `fixtures/parse` has its syntax tree and
//! diagnostics snapshotted beside it; every file under `fixtures/compile` its compiled
//! JavaScript, CSS and diagnostics; every file under `fixtures/assets` the same, compiled with
//! a fake manifest of processed images (see [`fake_images`]); every project under `fixtures/check/invalid` (one file,
//! or several started by `//- src/Path.egh` lines) its diagnostics, and every project under
//! `fixtures/check/valid` must have none; every file under `fixtures/tokens` has its semantic
//! tokens snapshotted, one per line as `line:col-len kind [modifiers] "text"`; every file under
//! `fixtures/selection` has, for each `$0` cursor in it, the selection ranges from the cursor
//! outwards; every file under `fixtures/format` has its formatted text beside it. Add a case
//! by adding a file; run with `UPDATE_EXPECT=1 cargo test` to write new snapshots, then
//! review the diff.

mod common;

use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use eghact_codegen::CompileOptions;
use eghact_codegen::compile;
use eghact_ide::format;
use eghact_semantics::assets::{self, ComponentImages, ImageAsset, ImageFormat, ImageSource};
use eghact_semantics::types;
use eghact_syntax as syntax;
use eghact_syntax::diagnostics::{LineIndex, render};
use expect_test::expect_file;

fn fixtures(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(folder);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "egh"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn parse_fixtures() {
    for path in fixtures("parse") {
        let source = fs::read_to_string(&path).unwrap();
        let parse = syntax::parse(&source);
        let actual = format!("{}\n---- tree ----\n{:#?}\n", render(&name(&path), &source, &parse.diagnostics), parse.component);
        expect_file![path.with_extension("tree")].assert_eq(&actual);
    }
}

#[test]
fn compile_fixtures() {
    for path in fixtures("compile") {
        let source = fs::read_to_string(&path).unwrap();
        let output = compile(&format!("src/{}", name(&path)), &source, &CompileOptions::default());
        let actual = format!(
            "{}---- js ----\n{}---- css ----\n{}\n",
            render(&name(&path), &source, &output.diagnostics),
            output.js,
            output.css
        );
        expect_file![path.with_extension("out")].assert_eq(&actual);
        if !output.has_errors() {
            // The module is JavaScript a browser accepts.
            let allocator = oxc::allocator::Allocator::default();
            let parsed = oxc::parser::Parser::new(&allocator, &output.js, oxc::span::SourceType::mjs()).parse();
            assert!(
                parsed.diagnostics.is_empty() && !parsed.panicked,
                "{}: the module does not parse: {:?}",
                name(&path),
                parsed.diagnostics
            );
            // ... and breaks no rule an engine checks before running it (`node --check`).
            let semantic = oxc::semantic::SemanticBuilder::new().with_check_syntax_error(true).build(&parsed.program);
            assert!(semantic.diagnostics.is_empty(), "{}: the module is invalid: {:?}", name(&path), semantic.diagnostics);
            // The source map is valid JSON that names the source.
            let map: serde_json::Value = serde_json::from_str(&output.map).expect("source map is JSON");
            assert_eq!(map["version"], 3);
            assert!(map["sources"][0].as_str().unwrap().ends_with(".egh"));
        }
    }
}

/// What a build with an image processor would hand the compiler for every image the
/// component references: 1600x900 images in the formats listed by a first line such as
/// `<!-- formats: webp jpeg -->`, each at widths 640 and 1280.
fn fake_images(source: &str) -> ComponentImages {
    let formats: Vec<ImageFormat> = source
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("<!-- formats:")?.strip_suffix("-->"))
        .expect("an assets fixture starts with <!-- formats: … -->")
        .split_whitespace()
        .map(|name| serde_json::from_value(serde_json::Value::from(name)).expect("a format name"))
        .collect();
    let mut images = ComponentImages::new();
    for reference in assets::image_references(source, &syntax::parse(source).component) {
        let stem = reference.specifier.rsplit('/').next().and_then(|n| n.split('.').next()).unwrap_or("image").to_string();
        let sources = formats
            .iter()
            .map(|format| ImageSource {
                mime: format.mime(),
                candidates: [640, 1280].map(|w| (format!("./assets/{stem}-0123abcd-{w}.{}", format.extension()), w)).to_vec(),
            })
            .collect();
        let image = ImageAsset { width: 1600, height: 900, sources, placeholder: "data:image/webp;base64,UklGRg==".into() };
        images.insert(reference.specifier, image);
    }
    images
}

#[test]
fn asset_fixtures() {
    for path in fixtures("assets") {
        let source = fs::read_to_string(&path).unwrap();
        let options = CompileOptions { images: fake_images(&source), ..CompileOptions::default() };
        let output = compile(&format!("src/{}", name(&path)), &source, &options);
        let actual = format!(
            "{}---- js ----\n{}---- css ----\n{}\n",
            render(&name(&path), &source, &output.diagnostics),
            output.js,
            output.css
        );
        expect_file![path.with_extension("out")].assert_eq(&actual);
    }
}

/// The rendered diagnostics of every file of a check fixture.
fn checked(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let files = common::snippet_files(&text);
    let mut rendered = String::new();
    for (file, diagnostics) in common::check_snippet(&text) {
        if diagnostics.is_empty() {
            continue;
        }
        let source = &files.iter().find(|(p, _)| *p == file).expect("checked file").1;
        rendered.push_str(&render(&file, source, &diagnostics));
    }
    rendered
}

#[test]
fn valid_projects_check_cleanly() {
    for path in fixtures("check/valid") {
        assert_eq!(checked(&path), "", "{} must check without diagnostics", name(&path));
    }
}

#[test]
fn invalid_projects_have_their_diagnostics() {
    for path in fixtures("check/invalid") {
        let actual = checked(&path);
        assert!(!actual.is_empty(), "{} reports nothing", name(&path));
        expect_file![path.with_extension("diagnostics")].assert_eq(&actual);
    }
}

#[test]
fn token_fixtures() {
    for path in fixtures("tokens") {
        let source = fs::read_to_string(&path).unwrap();
        let parse = syntax::parse(&source);
        assert!(parse.diagnostics.is_empty(), "{} must parse cleanly", name(&path));
        let index = LineIndex::new(&source);
        let mut actual = String::new();
        for token in types::semantic_tokens(&source, &parse.component) {
            let (line, column) = index.line_col(&source, token.span.start);
            let modifiers: Vec<&str> = token.modifiers.iter().map(|m| m.name()).collect();
            let text = token.span.text(&source);
            let _ = writeln!(
                actual,
                "{line}:{column}-{} {} [{}] {text:?}",
                token.span.len(),
                token.kind.name(),
                modifiers.join(", ")
            );
        }
        expect_file![path.with_extension("tokens")].assert_eq(&actual);
    }
}

/// The cursor of selection fixtures (removed before parsing).
const CURSOR: &str = "$0";

#[test]
fn selection_fixtures() {
    for path in fixtures("selection") {
        let marked = fs::read_to_string(&path).unwrap();
        let mut cursors = Vec::new();
        let mut source = String::new();
        for (i, piece) in marked.split(CURSOR).enumerate() {
            if i > 0 {
                cursors.push(source.len() as u32);
            }
            source.push_str(piece);
        }
        assert!(!cursors.is_empty(), "{} has no {CURSOR} cursor", name(&path));
        let parse = syntax::parse(&source);
        assert!(parse.diagnostics.is_empty(), "{} must parse cleanly", name(&path));
        let index = LineIndex::new(&source);
        let position = |offset: u32| {
            let (line, column) = index.line_col(&source, offset);
            format!("{line}:{column}")
        };
        let mut actual = String::new();
        for cursor in cursors {
            let _ = writeln!(actual, "cursor at {}", position(cursor));
            let ranges = eghact_ide::selection_ranges(&source, &parse.component, cursor);
            for pair in ranges.windows(2) {
                let (inner, outer) = (pair[0], pair[1]);
                let inside = outer.start <= inner.start && inner.end <= outer.end && inner != outer;
                assert!(inside, "{}: {inner:?} is not strictly inside {outer:?}", name(&path));
            }
            for range in ranges {
                let text = range.text(&source);
                let first_line = text.lines().next().unwrap_or("");
                let shown = if first_line.len() < text.len() { format!("{first_line}…") } else { text.to_string() };
                let _ = writeln!(actual, "  {}-{} {shown:?}", position(range.start), position(range.end));
            }
        }
        expect_file![path.with_extension("selection")].assert_eq(&actual);
    }
}

#[test]
fn format_fixtures() {
    for path in fixtures("format") {
        let source = fs::read_to_string(&path).unwrap();
        let formatted = format::format(&source, &syntax::parse(&source)).unwrap_or_else(|e| panic!("{}: {e}", name(&path)));
        expect_file![path.with_extension("formatted")].assert_eq(&formatted);
    }
}
