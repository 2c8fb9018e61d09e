//! Go to definition: where the name under the cursor is declared in the component.

use eghact_engine::db;
use tower_lsp_server::ls_types::{GotoDefinitionResponse, Location, Position};

use crate::convert;
use crate::session::Session;

pub fn definition(session: &Session, path: &str, position: Position) -> Option<GotoDefinitionResponse> {
    let file = session.file(path)?;
    let text = session.text(path);
    let offset = convert::offset(text, position, session.encoding);
    let declaration = db::name_at(session.builder.host().db(), file, offset)?.declaration?;
    let uri = session.uri_of(path)?;
    Some(GotoDefinitionResponse::Scalar(Location { uri, range: convert::range(text, declaration, session.encoding) }))
}
