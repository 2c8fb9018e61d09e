//! Linked editing: renaming an element's opening tag renames its closing tag with it.

use eghact_analysis::db;
use tower_lsp_server::ls_types::{LinkedEditingRanges, Position};

use crate::convert;
use crate::session::Snapshot;

pub fn linked_editing(snap: &Snapshot, path: &str, position: Position) -> Option<LinkedEditingRanges> {
    let file = snap.file(path)?;
    let db = &snap.db;
    let text = file.text(db);
    let offset = convert::offset(text, position, snap.encoding);
    let (open, close) = eghact_ide::tag_pair_at(text, &db::parse(db, file).component, offset)?;
    let ranges = vec![convert::range(text, open, snap.encoding), convert::range(text, close, snap.encoding)];
    Some(LinkedEditingRanges { ranges, word_pattern: Some("[A-Za-z][A-Za-z0-9_.:-]*".into()) })
}
