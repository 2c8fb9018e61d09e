//! `textDocument/linkedEditingRange`: renaming an element's opening tag renames its closing tag
//! with it.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::LinkedEditingRange;
use tower_lsp_server::ls_types::{LinkedEditingRangeParams, LinkedEditingRanges};

use crate::state::Snapshot;

super::document_request! { LinkedEditingRangeHandler, LinkedEditingRange, LinkedEditingRanges, |params| text_document_position_params.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: LinkedEditingRangeParams) -> Cancellable<Option<LinkedEditingRanges>> {
    let positions = snap.positions(path);
    let offset = positions.offset(params.text_document_position_params.position);
    let Some((open, close)) = snap.analysis.linked_editing(path, offset)? else { return Ok(None) };
    let ranges = vec![positions.range(open), positions.range(close)];
    Ok(Some(LinkedEditingRanges { ranges, word_pattern: Some("[A-Za-z][A-Za-z0-9_.:-]*".into()) }))
}
