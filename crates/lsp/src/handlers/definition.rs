//! `textDocument/definition`: where the name under the cursor is declared in the component, or
//! the file of the component a tag renders.

use eghact_ide::{Cancellable, Target};
use tower_lsp_server::ls_types::request::GotoDefinition;
use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse, Location};

use crate::state::Snapshot;

super::document_request! { DefinitionHandler, GotoDefinition, GotoDefinitionResponse, |params| text_document_position_params.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: GotoDefinitionParams) -> Cancellable<Option<GotoDefinitionResponse>> {
    let offset = snap.positions(path).offset(params.text_document_position_params.position);
    Ok(snap.analysis.definition(path, offset)?.and_then(|target| location(snap, target)))
}

/// A target as the protocol's answer.
pub fn location(snap: &Snapshot, target: Target) -> Option<GotoDefinitionResponse> {
    let range = snap.positions(&target.path).range(target.span);
    Some(GotoDefinitionResponse::Scalar(Location { uri: snap.uri_of(&target.path)?, range }))
}
