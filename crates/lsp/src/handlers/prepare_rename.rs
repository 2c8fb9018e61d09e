//! `textDocument/prepareRename`: the range a rename at the cursor would rename.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::PrepareRenameRequest;
use tower_lsp_server::ls_types::{PrepareRenameResponse, TextDocumentPositionParams};

use crate::state::Snapshot;

super::document_request! { PrepareRenameHandler, PrepareRenameRequest, PrepareRenameResponse, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, params: TextDocumentPositionParams) -> Cancellable<Option<PrepareRenameResponse>> {
    let positions = snap.positions(path);
    let span = snap.analysis.prepare_rename(path, positions.offset(params.position))?;
    Ok(span.map(|span| PrepareRenameResponse::Range(positions.range(span))))
}
