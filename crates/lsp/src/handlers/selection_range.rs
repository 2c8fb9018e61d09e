//! `textDocument/selectionRange` ("expand selection"): from the word at the cursor outwards
//! through the expression, the attribute, the tag, the element, the enclosing blocks, the
//! section and the file, as the engine finds them.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::SelectionRangeRequest;
use tower_lsp_server::ls_types::{Range, SelectionRange, SelectionRangeParams};

use crate::state::Snapshot;

super::document_request! { SelectionRangeHandler, SelectionRangeRequest, Vec<SelectionRange>, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, params: SelectionRangeParams) -> Cancellable<Option<Vec<SelectionRange>>> {
    let positions = snap.positions(path);
    let offsets: Vec<u32> = params.positions.iter().map(|p| positions.offset(*p)).collect();
    let Some(chains) = snap.analysis.selection_ranges(path, &offsets)? else { return Ok(None) };
    let ranges = chains.iter().zip(&params.positions).map(|(spans, position)| {
        // The chain is built from the outside in: each range's parent is the one around it.
        let range = spans
            .iter()
            .rev()
            .fold(None, |parent, span| Some(SelectionRange { range: positions.range(*span), parent: parent.map(Box::new) }));
        // A client expects one range per position: an empty one where the engine has none.
        range.unwrap_or(SelectionRange { range: Range::new(*position, *position), parent: None })
    });
    Ok(Some(ranges.collect()))
}
