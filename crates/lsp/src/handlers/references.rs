//! `textDocument/references`: the declaration of the name under the cursor and its uses, in
//! the script and the template of the component.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::References;
use tower_lsp_server::ls_types::{Location, ReferenceParams};

use crate::state::Snapshot;

super::document_request! { ReferencesHandler, References, Vec<Location>, |params| text_document_position.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: ReferenceParams) -> Cancellable<Option<Vec<Location>>> {
    let positions = snap.positions(path);
    let offset = positions.offset(params.text_document_position.position);
    let Some((declaration, uses)) = snap.analysis.references(path, offset)? else { return Ok(None) };
    let Some(uri) = snap.uri_of(path) else { return Ok(None) };
    let spans = params.context.include_declaration.then_some(declaration).into_iter().chain(uses);
    Ok(Some(spans.map(|span| Location { uri: uri.clone(), range: positions.range(span) }).collect()))
}
