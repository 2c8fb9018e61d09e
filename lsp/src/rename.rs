//! Rename of a script name together with its uses in the template.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, WorkspaceEdit};

use crate::convert;
use crate::references;
use crate::session::Session;

pub fn prepare(session: &Session, path: &str, position: Position) -> Option<PrepareRenameResponse> {
    let (declaration, uses) = references::spans(session, path, position)?;
    let text = session.text(path);
    let offset = convert::offset(text, position, session.encoding);
    let under = std::iter::once(declaration).chain(uses).find(|s| s.start <= offset && offset <= s.end)?;
    Some(PrepareRenameResponse::Range(convert::range(text, under, session.encoding)))
}

pub fn rename(session: &Session, path: &str, position: Position, new_name: &str) -> Option<WorkspaceEdit> {
    let (declaration, uses) = references::spans(session, path, position)?;
    let (text, uri) = (session.text(path), session.uri_of(path)?);
    let edits = std::iter::once(declaration)
        .chain(uses)
        .map(|span| TextEdit { range: convert::range(text, span, session.encoding), new_text: new_name.to_string() })
        .collect();
    Some(WorkspaceEdit { changes: Some(HashMap::from([(uri, edits)])), ..WorkspaceEdit::default() })
}
