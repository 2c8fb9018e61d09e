//! Find references and document highlight: the declaration of the name under the cursor and
//! its uses, in the script and the template of the component.

use eghact_syntax::diagnostics::Span;
use tower_lsp_server::ls_types::{DocumentHighlight, DocumentHighlightKind, Location, Position};

use crate::convert;
use crate::session::Snapshot;

/// The declaration's span, then every use's.
pub fn spans(snap: &Snapshot, path: &str, position: Position) -> Option<(Span, Vec<Span>)> {
    let file = snap.file(path)?;
    let offset = convert::offset(snap.text(path), position, snap.encoding);
    eghact_ide::names::references_at(&snap.db, file, offset)
}

pub fn references(snap: &Snapshot, path: &str, position: Position, include_declaration: bool) -> Option<Vec<Location>> {
    let (declaration, uses) = spans(snap, path, position)?;
    let (text, uri) = (snap.text(path), snap.uri_of(path)?);
    let spans = include_declaration.then_some(declaration).into_iter().chain(uses);
    Some(spans.map(|span| Location { uri: uri.clone(), range: convert::range(text, span, snap.encoding) }).collect())
}

pub fn highlight(snap: &Snapshot, path: &str, position: Position) -> Option<Vec<DocumentHighlight>> {
    let (declaration, uses) = spans(snap, path, position)?;
    let text = snap.text(path);
    let highlight = |span, kind| DocumentHighlight { range: convert::range(text, span, snap.encoding), kind: Some(kind) };
    let mut highlights = vec![highlight(declaration, DocumentHighlightKind::WRITE)];
    highlights.extend(uses.into_iter().map(|span| highlight(span, DocumentHighlightKind::READ)));
    Some(highlights)
}
