//! `textDocument/hover`: what the engine says at a position (a name's type, a prop's docs, a
//! component's contract, a block's syntax), as Markdown.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::HoverRequest;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::state::Snapshot;

super::document_request! { HoverHandler, HoverRequest, Hover, |params| text_document_position_params.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: HoverParams) -> Cancellable<Option<Hover>> {
    let positions = snap.positions(path);
    let offset = positions.offset(params.text_document_position_params.position);
    Ok(snap.analysis.hover(path, offset)?.map(|hover| Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: hover.markdown }),
        range: Some(positions.range(hover.span)),
    }))
}
