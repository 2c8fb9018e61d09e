//! Go to definition (where the name under the cursor is declared in the component, or the
//! file of the component a tag renders) and go to type definition (where its type is
//! declared: in the script, in a script module, or the component file a name imports).

use eghact_ide::refactor;
use eghact_syntax::diagnostics::Span;
use tower_lsp_server::ls_types::{GotoDefinitionResponse, Location, Position};

use crate::convert;
use crate::session::Snapshot;

pub fn definition(snap: &Snapshot, path: &str, position: Position) -> Option<GotoDefinitionResponse> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    if let Some(component) = refactor::component_at(&snap.db, file, offset) {
        return location(snap, component.path(&snap.db), Span::new(0, 0));
    }
    let declaration = eghact_ide::names::name_at(&snap.db, file, offset)?.declaration?;
    location(snap, path, declaration)
}

pub fn type_definition(snap: &Snapshot, path: &str, position: Position) -> Option<GotoDefinitionResponse> {
    let file = snap.file(path)?;
    let offset = convert::offset(snap.text(path), position, snap.encoding);
    let (target, span) = eghact_ide::names::type_definition(&snap.db, file, offset)?;
    location(snap, &target, span)
}

fn location(snap: &Snapshot, path: &str, span: Span) -> Option<GotoDefinitionResponse> {
    let range = convert::range(snap.text(path), span, snap.encoding);
    Some(GotoDefinitionResponse::Scalar(Location { uri: snap.uri_of(path)?, range }))
}
