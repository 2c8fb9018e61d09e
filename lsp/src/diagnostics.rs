//! Push diagnostics: every problem the engine finds in a component, with the document's
//! version so that the editor drops stale ones.

use eghact_engine::db;
use eghact_engine::semantics::Signature;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::convert;
use crate::session::Snapshot;

/// The diagnostics of one component, for a push or a pull (`textDocument/diagnostic`).
pub fn of(snap: &Snapshot, path: &str) -> Option<Vec<lsp::Diagnostic>> {
    let db = &snap.db;
    let file = snap.file(path).filter(|_| path.ends_with(".egh"))?;
    let text = file.text(db);
    Some(db::diagnostics(db, file).iter().map(|d| convert::diagnostic(text, d, snap.encoding)).collect())
}

/// What to publish for `paths`: each document's path, URI, diagnostics and version.
pub fn collect(snap: &Snapshot, paths: &[String]) -> Vec<(String, Uri, Vec<lsp::Diagnostic>, Option<i32>)> {
    paths
        .iter()
        .filter_map(|path| Some((path.clone(), snap.uri_of(path)?, of(snap, path)?, snap.open.get(path).copied())))
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
