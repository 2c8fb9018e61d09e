//! Helpers shared by the engine's integration tests: projects written as one string.
#![allow(dead_code)]

use std::path::PathBuf;

use eghact_engine::build::{FileChange, Host};
use eghact_engine::db::{self, Database, Layout};
use eghact_engine::diagnostics::Diagnostic;
use eghact_engine::routes;

/// A host for a project laid out as `src/` and `dist/`.
pub fn host(db: Database) -> Host {
    Host::new(db, Layout { src: "src".into(), src_from_out: "../src".into() })
}

/// Writes of every file of a snippet.
pub fn writes(snippet: &str) -> Vec<FileChange> {
    snippet_files(snippet).into_iter().map(|(path, text)| FileChange::Write { path, text }).collect()
}

/// The files of a snippet: `//- path` lines start files; without them, `src/App.egh`.
pub fn snippet_files(snippet: &str) -> Vec<(String, String)> {
    if !snippet.trim_start().starts_with("//- ") {
        return vec![("src/App.egh".to_string(), snippet.to_string())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in snippet.split_inclusive('\n') {
        match line.strip_prefix("//- ") {
            Some(path) => files.push((path.trim().to_string(), String::new())),
            None => {
                if let Some((_, text)) = files.last_mut() {
                    text.push_str(line);
                }
            }
        }
    }
    files
}

/// The diagnostics of every component of the snippet, by path, as a build reports them.
pub fn check_snippet(snippet: &str) -> Vec<(String, Vec<Diagnostic>)> {
    let files = snippet_files(snippet);
    let mut host = host(Database::default());
    host.apply(files.iter().map(|(path, text)| FileChange::Write { path: path.clone(), text: text.clone() }));
    let mut result: Vec<(String, Vec<Diagnostic>)> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".egh"))
        .map(|(path, _)| {
            let file = host.file(path).expect("written above");
            (path.clone(), db::diagnostics(host.db(), file).clone())
        })
        .collect();
    // Route file names are checked over the whole source folder, as a build does.
    let sources: Vec<PathBuf> = files.iter().filter_map(|(path, _)| path.strip_prefix("src/")).map(PathBuf::from).collect();
    if let Some(manifest) = routes::for_sources(&sources) {
        for (path, diagnostic) in manifest.diagnostics {
            let path = format!("src/{path}");
            if let Some((_, diagnostics)) = result.iter_mut().find(|(p, _)| *p == path) {
                diagnostics.push(diagnostic);
            }
        }
    }
    result
}
