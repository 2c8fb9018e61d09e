//! Helpers shared by the engine's integration tests: projects written as one string, and what
//! a component compiles to.
#![allow(dead_code)]

pub mod images;

use std::path::{Path, PathBuf};

use eghact_analysis::db::{self, Database, Layout};
use eghact_builder::{FileChange, Host};
use eghact_codegen::CompileOptions;
use eghact_codegen::compile;
use eghact_semantics::routes;
use eghact_syntax::diagnostics::Diagnostic;
use oxc::allocator::Allocator;
use oxc::codegen::Codegen;
use oxc::parser::Parser;
use oxc::span::SourceType;

/// A host for a project laid out as `src/` and `dist/`.
pub fn host(db: Database) -> Host {
    Host::new(db, Layout { src: "src".into(), src_from_out: "../src".into(), ..Layout::default() })
}

/// Writes of every file of a snippet.
pub fn writes(snippet: &str) -> Vec<FileChange> {
    snippet_files(snippet).into_iter().map(|(path, text)| FileChange::Write { path, text }).collect()
}

pub use eghact_test_support::snippet_files;

/// Writes the files of a multi-file snippet under `root`.
pub fn write_snippet(root: &Path, snippet: &str) {
    for (path, text) in snippet_files(snippet) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The diagnostics of every component of the snippet, by path, as a build reports them.
pub fn check_snippet(snippet: &str) -> Vec<(String, Vec<Diagnostic>)> {
    let files = snippet_files(snippet);
    let mut host = host(Database::default());
    host.apply(files.iter().map(|(path, text)| FileChange::Write { path: path.clone(), text: text.clone() }));
    let mut result: Vec<(String, Vec<Diagnostic>)> = files
        .iter()
        .filter(|(path, _)| eghact_analysis::paths::is_compiled(path))
        .map(|(path, _)| {
            let file = host.file(path).expect("written above");
            (path.clone(), db::diagnostics(host.db(), file).clone())
        })
        .collect();
    // Route file names are checked over the whole source folder, as a build does.
    let sources: Vec<PathBuf> = files.iter().filter_map(|(path, _)| path.strip_prefix("src/")).map(PathBuf::from).collect();
    let mut project_diagnostics: Vec<(String, Diagnostic)> = Vec::new();
    if let Some(manifest) = routes::for_sources(&sources) {
        project_diagnostics.extend(manifest.diagnostics);
    }
    // So are output names (W0509).
    let collisions = eghact_builder::output::collisions(files.iter().filter_map(|(path, _)| path.strip_prefix("src/")));
    project_diagnostics
        .extend(collisions.diagnostics.into_iter().flat_map(|(path, ds)| ds.into_iter().map(move |d| (path.clone(), d))));
    for (path, diagnostic) in project_diagnostics {
        let path = format!("src/{path}");
        if let Some((_, diagnostics)) = result.iter_mut().find(|(p, _)| *p == path) {
            diagnostics.push(diagnostic);
        }
    }
    result
}
/// What `source` compiles to, without what formatting may change: the module's
/// JavaScript printed again by oxc (so layout does not count, but every token, string and
/// template literal does), the CSS with whitespace runs as one space, and the diagnostics
/// without their positions.
pub fn compiled_meaning(source: &str) -> (String, String, Vec<String>) {
    let output = compile("src/Component.egh", source, &CompileOptions::default());
    let allocator = Allocator::default();
    // oxc recovers from the errors of some modules the compiler emits (an assignment to a
    // parenthesised pattern): only a module it gives up on is compared by its words.
    let parsed = Parser::new(&allocator, &output.js, SourceType::mjs()).parse();
    let js = if parsed.panicked { words(&output.js) } else { Codegen::new().build(&parsed.program).code };
    // Messages quote code and selectors, whose whitespace may be laid out again.
    let diagnostics = output.diagnostics.iter().map(|d| format!("{:?} {} {}", d.severity, d.code, words(&d.message))).collect();
    (js, words(&output.css), diagnostics)
}

/// `text` with every whitespace run as one space.
pub fn words(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every file a build wrote under `root/dist`, by path relative to it, sorted.
pub fn dist_files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let dist = root.join("dist");
    let mut files: Vec<_> = walkdir::WalkDir::new(&dist)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(&dist).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}
