//! `textDocument/inlayHint`: the types of the names `$:` statements declare, and the required
//! props a component tag does not pass yet.

use eghact_ide::{Cancellable, InlayKind};
use tower_lsp_server::ls_types::request::InlayHintRequest;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, InlayHintParams, InlayHintTooltip};

use crate::state::Snapshot;

super::document_request! { InlayHintHandler, InlayHintRequest, Vec<InlayHint>, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, params: InlayHintParams) -> Cancellable<Option<Vec<InlayHint>>> {
    let positions = snap.positions(path);
    let Some(hints) = snap.analysis.inlay_hints(path, positions.span(params.range))? else { return Ok(None) };
    let hints = hints
        .into_iter()
        .map(|hint| InlayHint {
            position: positions.position(hint.at),
            label: InlayHintLabel::String(hint.label),
            kind: Some(match hint.kind {
                InlayKind::Type => InlayHintKind::TYPE,
                InlayKind::Parameter => InlayHintKind::PARAMETER,
            }),
            text_edits: None,
            tooltip: hint.tooltip.map(InlayHintTooltip::String),
            padding_left: None,
            padding_right: None,
            data: None,
        })
        .collect();
    Ok(Some(hints))
}
