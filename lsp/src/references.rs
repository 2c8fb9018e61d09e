//! Find references and document highlight: the declaration of the name under the cursor and
//! its uses, in the script and the template of the component.

use eghact_engine::db;
use eghact_engine::diagnostics::Span;
use tower_lsp_server::ls_types::{DocumentHighlight, DocumentHighlightKind, Location, Position};

use crate::convert;
use crate::session::Session;

/// The declaration's span, then every use's.
pub fn spans(session: &Session, path: &str, position: Position) -> Option<(Span, Vec<Span>)> {
    let file = session.file(path)?;
    let offset = convert::offset(session.text(path), position, session.encoding);
    db::references_at(session.builder.host().db(), file, offset)
}

pub fn references(session: &Session, path: &str, position: Position, include_declaration: bool) -> Option<Vec<Location>> {
    let (declaration, uses) = spans(session, path, position)?;
    let (text, uri) = (session.text(path), session.uri_of(path)?);
    let spans = include_declaration.then_some(declaration).into_iter().chain(uses);
    Some(spans.map(|span| Location { uri: uri.clone(), range: convert::range(text, span, session.encoding) }).collect())
}

pub fn highlight(session: &Session, path: &str, position: Position) -> Option<Vec<DocumentHighlight>> {
    let (declaration, uses) = spans(session, path, position)?;
    let text = session.text(path);
    let highlight = |span, kind| DocumentHighlight { range: convert::range(text, span, session.encoding), kind: Some(kind) };
    let mut highlights = vec![highlight(declaration, DocumentHighlightKind::WRITE)];
    highlights.extend(uses.into_iter().map(|span| highlight(span, DocumentHighlightKind::READ)));
    Some(highlights)
}
