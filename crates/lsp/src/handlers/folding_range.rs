//! `textDocument/foldingRange`: the three blocks, elements and template blocks that span
//! several lines.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::FoldingRangeRequest;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeParams};

use crate::state::Snapshot;

super::document_request! { FoldingRangeHandler, FoldingRangeRequest, Vec<FoldingRange>, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, _: FoldingRangeParams) -> Cancellable<Option<Vec<FoldingRange>>> {
    let positions = snap.positions(path);
    let Some(spans) = snap.analysis.folding_ranges(path)? else { return Ok(None) };
    let ranges = spans
        .into_iter()
        .map(|span| positions.range(span))
        // A fold ends on the line before the closing tag, which stays visible.
        .filter(|r| r.end.line > r.start.line + 1)
        .map(|r| FoldingRange { start_line: r.start.line, end_line: r.end.line - 1, ..FoldingRange::default() })
        .collect();
    Ok(Some(ranges))
}
