//! Push diagnostics: every problem the engine finds in a component, with the document's
//! version so that the editor drops stale ones.

use eghact_engine::db;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::convert;
use crate::session::Session;

/// What to publish for `paths`: each document's URI, diagnostics and version.
pub fn collect(session: &Session, paths: &[String]) -> Vec<(Uri, Vec<lsp::Diagnostic>, Option<i32>)> {
    let db = session.builder.host().db();
    paths
        .iter()
        .filter(|path| path.ends_with(".egh"))
        .filter_map(|path| {
            let file = session.file(path)?;
            let text = file.text(db);
            let diagnostics = db::diagnostics(db, file).iter().map(|d| convert::diagnostic(text, d, session.encoding)).collect();
            Some((session.uri_of(path)?, diagnostics, session.open.get(path).copied()))
        })
        .collect()
}

/// The components whose diagnostics may change when `path` changes: itself, and the
/// components that import it when its signature changed.
pub fn affected(session: &Session, path: &str, signature_changed: bool) -> Vec<String> {
    let mut paths = vec![path.to_string()];
    if signature_changed {
        let graph = db::import_graph(session.builder.host().db());
        paths.extend(graph.importers.get(path).into_iter().flatten().cloned());
    }
    paths
}
