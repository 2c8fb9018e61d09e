//! Diagnostics: every problem the engine finds in a component, pushed with the document's
//! version (so that the editor drops stale ones) or pulled, per document or for the whole
//! workspace.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use eghact_analysis::db;
use eghact_semantics::Signature;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::convert;
use crate::session::Snapshot;

/// Which of a component's diagnostics to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// Everything but import cycles: the component and the signatures of its imports. Fast
    /// enough for every keystroke.
    Component,
    /// Also import cycles, which read the whole import graph (salsa re-validates every
    /// component's imports after an edit: tens of milliseconds at 10,000 components).
    Full,
}

/// The diagnostics of one component, for a push or a pull (`textDocument/diagnostic`).
pub fn of(snap: &Snapshot, path: &str) -> Option<Vec<lsp::Diagnostic>> {
    at_depth(snap, path, Depth::Full)
}

fn at_depth(snap: &Snapshot, path: &str, depth: Depth) -> Option<Vec<lsp::Diagnostic>> {
    let db = &snap.db;
    let file = snap.file(path).filter(|_| path.ends_with(".egh"))?;
    let text = file.text(db);
    let diagnostics = match depth {
        Depth::Component => db::check(db, file),
        Depth::Full => db::diagnostics(db, file),
    };
    Some(diagnostics.iter().map(|d| convert::diagnostic(text, d, snap.encoding)).collect())
}

/// What to publish for `paths`: each document's path, URI, diagnostics and version.
pub fn collect(snap: &Snapshot, paths: &[String], depth: Depth) -> Vec<(String, Uri, Vec<lsp::Diagnostic>, Option<i32>)> {
    paths
        .iter()
        .filter_map(|path| {
            let diagnostics = match snap.file(path) {
                Some(_) => at_depth(snap, path, depth)?,
                // A component that is gone (an unsaved buffer closed, a file deleted) has none:
                // the editor drops what it showed.
                None if path.ends_with(".egh") => Vec::new(),
                None => return None,
            };
            Some((path.clone(), snap.uri_of(path)?, diagnostics, snap.open.get(path).copied()))
        })
        .collect()
}

/// The components whose diagnostics may change when `path` changes: itself, and the
/// components that import it when its signature is no longer `before`.
pub fn affected(snap: &Snapshot, path: &str, before: Option<&Signature>) -> Vec<String> {
    let mut paths = vec![path.to_string()];
    let after = snap.file(path).map(|f| db::signature(&snap.db, f));
    if before != after {
        let graph = db::import_graph(&snap.db);
        paths.extend(graph.importers.get(path).into_iter().flatten().cloned());
    }
    paths
}

/// `workspace/diagnostic`: every component's report; one whose result id the client already
/// holds is answered "unchanged".
pub fn workspace(snap: &Snapshot, previous: &[lsp::PreviousResultId]) -> lsp::WorkspaceDiagnosticReport {
    let previous: HashMap<&Uri, &str> = previous.iter().map(|p| (&p.uri, p.value.as_str())).collect();
    let components = db::Workspace::get(&snap.db).files(&snap.db).keys().filter(|p| p.ends_with(".egh"));
    let items = components
        .filter_map(|path| {
            let (uri, items) = (snap.uri_of(path)?, of(snap, path)?);
            let version = snap.open.get(path).map(|v| i64::from(*v));
            let result_id = result_id(&items);
            if previous.get(&uri) == Some(&result_id.as_str()) {
                let report = lsp::UnchangedDocumentDiagnosticReport { result_id };
                return Some(lsp::WorkspaceDocumentDiagnosticReport::Unchanged(
                    lsp::WorkspaceUnchangedDocumentDiagnosticReport {
                        uri,
                        version,
                        unchanged_document_diagnostic_report: report,
                    },
                ));
            }
            let report = lsp::FullDocumentDiagnosticReport { result_id: Some(result_id), items };
            Some(lsp::WorkspaceDocumentDiagnosticReport::Full(lsp::WorkspaceFullDocumentDiagnosticReport {
                uri,
                version,
                full_document_diagnostic_report: report,
            }))
        })
        .collect();
    lsp::WorkspaceDiagnosticReport { items }
}

/// A digest of a report's diagnostics: equal reports have equal ids.
fn result_id(items: &[lsp::Diagnostic]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_string(items).unwrap_or_default().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
