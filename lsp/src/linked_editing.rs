//! Linked editing: renaming an element's opening tag renames its closing tag with it.

use eghact_engine::{db, semantics};
use tower_lsp_server::ls_types::{LinkedEditingRanges, Position};

use crate::convert;
use crate::session::Session;

pub fn linked_editing(session: &Session, path: &str, position: Position) -> Option<LinkedEditingRanges> {
    let file = session.file(path)?;
    let db = session.builder.host().db();
    let text = file.text(db);
    let offset = convert::offset(text, position, session.encoding);
    let (open, close) = semantics::tag_pair_at(text, &db::parse(db, file).component, offset)?;
    let ranges = vec![convert::range(text, open, session.encoding), convert::range(text, close, session.encoding)];
    Some(LinkedEditingRanges { ranges, word_pattern: Some("[A-Za-z][A-Za-z0-9_.:-]*".into()) })
}
