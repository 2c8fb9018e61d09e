//! `textDocument/documentHighlight`: the declaration of the name under the cursor (written)
//! and its uses (read).

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::DocumentHighlightRequest;
use tower_lsp_server::ls_types::{DocumentHighlight, DocumentHighlightKind, DocumentHighlightParams};

use crate::state::Snapshot;

super::document_request! { DocumentHighlightHandler, DocumentHighlightRequest, Vec<DocumentHighlight>, |params| text_document_position_params.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: DocumentHighlightParams) -> Cancellable<Option<Vec<DocumentHighlight>>> {
    let positions = snap.positions(path);
    let offset = positions.offset(params.text_document_position_params.position);
    let Some((declaration, uses)) = snap.analysis.references(path, offset)? else { return Ok(None) };
    let highlight = |span, kind| DocumentHighlight { range: positions.range(span), kind: Some(kind) };
    let mut highlights = vec![highlight(declaration, DocumentHighlightKind::WRITE)];
    highlights.extend(uses.into_iter().map(|span| highlight(span, DocumentHighlightKind::READ)));
    Ok(Some(highlights))
}
