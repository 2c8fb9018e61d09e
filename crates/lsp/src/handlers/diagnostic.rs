//! `textDocument/diagnostic` (pull), and the diagnostics of one component in the protocol's
//! terms, which pushes (`publish.rs`) and `workspace/diagnostic` read too.

use eghact_ide::{Cancellable, Depth};
use tower_lsp_server::ls_types::request::DocumentDiagnosticRequest;
use tower_lsp_server::ls_types::{self as lsp, DocumentDiagnosticParams};

use crate::state::Snapshot;

super::document_request! { DiagnosticHandler, DocumentDiagnosticRequest, Vec<lsp::Diagnostic>, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, _: DocumentDiagnosticParams) -> Cancellable<Option<Vec<lsp::Diagnostic>>> {
    of(snap, path, Depth::Full)
}

/// The diagnostics of the component at `path`; `None` for a path that is no component of the
/// workspace.
pub fn of(snap: &Snapshot, path: &str, depth: Depth) -> Cancellable<Option<Vec<lsp::Diagnostic>>> {
    let Some(diagnostics) = snap.analysis.diagnostics(path, depth)? else { return Ok(None) };
    let positions = snap.positions(path);
    Ok(Some(diagnostics.iter().map(|d| positions.diagnostic(d)).collect()))
}
