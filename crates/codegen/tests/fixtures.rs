//! Compiler fixtures, one test each: every `.egh` file under `fixtures/compile`
//! (`compile/<name>`) has its diagnostics, compiled JavaScript and CSS snapshotted beside it
//! (`.out`), and a module without errors must parse, pass oxc's semantic checks and come with
//! a v3 source map; every file under `fixtures/assets` (`assets/<name>`) the same, compiled
//! with a fake manifest of processed images (see [`fake_images`]); every script module under
//! `fixtures/modules` (`modules/<file name>`) compiled by `compile_module`, its diagnostics and
//! JavaScript snapshotted beside it (`util.ts.out`), the output plain JavaScript (no type left)
//! with a v3 source map of the module, a declaration file nothing. Add a case by adding a
//! file; `UPDATE_EXPECT=1 cargo test -p eghact-codegen --test fixtures` writes new snapshots,
//! then review the diff.

use std::path::Path;

use std::collections::BTreeMap;

use eghact_codegen::{CompileOptions, compile, compile_module, module_output};
use eghact_semantics::assets::{self, ComponentImages, ImageAsset, ImageFormat, ImageSource};
use eghact_syntax as syntax;
use eghact_syntax::diagnostics::render;
use eghact_test_support::{Failed, Suite, file_name, read, snapshot};

fn main() {
    Suite::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .folder("compile", compile_fixture)
        .folder("assets", asset_fixture)
        .modules("modules", module_fixture)
        .run()
}

fn compile_fixture(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    let name = file_name(path);
    let output = compile(&format!("src/{name}"), &source, &CompileOptions::default());
    let actual =
        format!("{}---- js ----\n{}---- css ----\n{}\n", render(&name, &source, &output.diagnostics), output.js, output.css);
    snapshot(&path.with_extension("out"), &actual);
    if output.has_errors() {
        return Ok(());
    }
    // The module is JavaScript a browser accepts...
    let allocator = oxc::allocator::Allocator::default();
    let parsed = oxc::parser::Parser::new(&allocator, &output.js, oxc::span::SourceType::mjs()).parse();
    if !parsed.diagnostics.is_empty() || parsed.panicked {
        return Err(format!("the module does not parse: {:?}", parsed.diagnostics).into());
    }
    // ... and breaks no rule an engine checks before running it (`node --check`).
    let semantic = oxc::semantic::SemanticBuilder::new().with_check_syntax_error(true).build(&parsed.program);
    if !semantic.diagnostics.is_empty() {
        return Err(format!("the module is invalid: {:?}", semantic.diagnostics).into());
    }
    // The source map is valid JSON that names the source.
    let map: serde_json::Value = serde_json::from_str(&output.map).map_err(|e| format!("the source map is not JSON: {e}"))?;
    if map["version"] != 3 || !map["sources"][0].as_str().is_some_and(|s| s.ends_with(".egh")) {
        return Err(format!("the source map is not a v3 map of the .egh file: {map}").into());
    }
    Ok(())
}

/// What a build with an image processor would hand the compiler for every image the
/// component references: 1600x900 images in the formats listed by a first line such as
/// `<!-- formats: webp jpeg -->`, each at widths 640 and 1280.
fn fake_images(source: &str) -> Result<ComponentImages, Failed> {
    let listed = source
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("<!-- formats:")?.strip_suffix("-->"))
        .ok_or("an assets fixture starts with <!-- formats: … -->")?;
    let mut formats: Vec<ImageFormat> = Vec::new();
    for name in listed.split_whitespace() {
        formats.push(serde_json::from_value(serde_json::Value::from(name)).map_err(|e| format!("format `{name}`: {e}"))?);
    }
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
    Ok(images)
}

fn asset_fixture(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    let name = file_name(path);
    let options = CompileOptions { images: fake_images(&source)?, ..CompileOptions::default() };
    let output = compile(&format!("src/{name}"), &source, &options);
    let actual =
        format!("{}---- js ----\n{}---- css ----\n{}\n", render(&name, &source, &output.diagnostics), output.js, output.css);
    snapshot(&path.with_extension("out"), &actual);
    Ok(())
}

/// What a build's resolution hands the compiler for the module's imports of project files,
/// read from a first line such as `// specifiers: ./util=./util.js ./Card.egh=./Card.js`.
fn fixture_specifiers(source: &str) -> BTreeMap<String, String> {
    let listed = source.lines().next().and_then(|line| line.strip_prefix("// specifiers:")).unwrap_or_default();
    listed.split_whitespace().filter_map(|pair| pair.split_once('=')).map(|(from, to)| (from.into(), to.into())).collect()
}

fn module_fixture(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    let name = file_name(path);
    let options = CompileOptions { specifiers: fixture_specifiers(&source), ..CompileOptions::default() };
    let output = compile_module(&format!("src/{name}"), &source, &options);
    let Some(output_name) = module_output(&name) else {
        // A declaration file: nothing to write, nothing to say.
        return match (output.js.is_empty() && output.map.is_empty(), output.diagnostics.is_empty()) {
            (true, true) => Ok(()),
            _ => Err(format!("a declaration file produced {output:?}").into()),
        };
    };
    let actual = format!("{}---- js ----\n{}", render(&name, &source, &output.diagnostics), output.js);
    snapshot(&path.with_file_name(format!("{name}.out")), &actual);
    if output.has_errors() {
        return match output.js.is_empty() && output.map.is_empty() {
            true => Ok(()),
            false => Err("a module with errors wrote output".into()),
        };
    }
    // Plain JavaScript: parsing it as such finds any type left behind.
    let allocator = oxc::allocator::Allocator::default();
    let source_type = oxc::span::SourceType::from_path(&output_name).map_err(|e| format!("{output_name}: {e}"))?;
    let parsed = oxc::parser::Parser::new(&allocator, &output.js, source_type).parse();
    if !parsed.diagnostics.is_empty() || parsed.panicked {
        return Err(format!("the module is not plain JavaScript: {:?}", parsed.diagnostics).into());
    }
    let semantic = oxc::semantic::SemanticBuilder::new().with_check_syntax_error(true).build(&parsed.program);
    if !semantic.diagnostics.is_empty() {
        return Err(format!("the module is invalid: {:?}", semantic.diagnostics).into());
    }
    if !output.js.ends_with(&format!("//# sourceMappingURL={output_name}.map\n")) {
        return Err("the module does not name its source map".into());
    }
    let map: serde_json::Value = serde_json::from_str(&output.map).map_err(|e| format!("the source map is not JSON: {e}"))?;
    if map["version"] != 3 || map["file"] != output_name.as_str() || map["sources"][0] != format!("src/{name}").as_str() {
        return Err(format!("the source map is not a v3 map of {name} for {output_name}: {map}").into());
    }
    Ok(())
}
