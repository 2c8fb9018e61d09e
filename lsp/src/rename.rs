//! Rename of a script name together with its uses in the template.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, WorkspaceEdit};

use crate::convert;
use crate::references;
use crate::session::Snapshot;

pub fn prepare(snap: &Snapshot, path: &str, position: Position) -> Option<PrepareRenameResponse> {
    let (declaration, uses) = references::spans(snap, path, position)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    let under = std::iter::once(declaration).chain(uses).find(|s| s.start <= offset && offset <= s.end)?;
    Some(PrepareRenameResponse::Range(convert::range(text, under, snap.encoding)))
}

pub fn rename(snap: &Snapshot, path: &str, position: Position, new_name: &str) -> Option<WorkspaceEdit> {
    let (declaration, uses) = references::spans(snap, path, position)?;
    let (text, uri) = (snap.text(path), snap.uri_of(path)?);
    let edits = std::iter::once(declaration)
        .chain(uses)
        .map(|span| TextEdit { range: convert::range(text, span, snap.encoding), new_text: new_name.to_string() })
        .collect();
    Some(WorkspaceEdit { changes: Some(HashMap::from([(uri, edits)])), ..WorkspaceEdit::default() })
}
