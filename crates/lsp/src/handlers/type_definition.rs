//! `textDocument/typeDefinition`: where the type of the name under the cursor is declared: in
//! the script, in a script module, or the component file a name imports.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::GotoTypeDefinition;
use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse};

use super::definition::location;
use crate::state::Snapshot;

super::document_request! { TypeDefinitionHandler, GotoTypeDefinition, GotoDefinitionResponse, |params| text_document_position_params.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: GotoDefinitionParams) -> Cancellable<Option<GotoDefinitionResponse>> {
    let offset = snap.positions(path).offset(params.text_document_position_params.position);
    Ok(snap.analysis.type_definition(path, offset)?.and_then(|target| location(snap, target)))
}
