//! Push diagnostics: every problem the engine finds in a component, with the document's
//! version so that the editor drops stale ones.

use eghact_engine::db;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::convert;
use crate::session::Session;

/// The diagnostics of one component, for a push or a pull (`textDocument/diagnostic`).
pub fn of(session: &Session, path: &str) -> Option<Vec<lsp::Diagnostic>> {
    let db = session.builder.host().db();
    let file = session.file(path).filter(|_| path.ends_with(".egh"))?;
    let text = file.text(db);
    Some(db::diagnostics(db, file).iter().map(|d| convert::diagnostic(text, d, session.encoding)).collect())
}

/// What to publish for `paths`: each document's URI, diagnostics and version.
pub fn collect(session: &Session, paths: &[String]) -> Vec<(Uri, Vec<lsp::Diagnostic>, Option<i32>)> {
    paths.iter().filter_map(|path| Some((session.uri_of(path)?, of(session, path)?, session.open.get(path).copied()))).collect()
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
