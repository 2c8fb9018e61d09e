//! Go to definition: where the name under the cursor is declared in the component.

use eghact_engine::db;
use tower_lsp_server::ls_types::{GotoDefinitionResponse, Location, Position};

use crate::convert;
use crate::session::Snapshot;

pub fn definition(snap: &Snapshot, path: &str, position: Position) -> Option<GotoDefinitionResponse> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    let declaration = db::name_at(&snap.db, file, offset)?.declaration?;
    let uri = snap.uri_of(path)?;
    Some(GotoDefinitionResponse::Scalar(Location { uri, range: convert::range(text, declaration, snap.encoding) }))
}
