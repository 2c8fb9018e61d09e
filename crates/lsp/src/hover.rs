//! Hover: what the engine says at a position (`db::hover`: a name's type, a prop's docs, a
//! component's contract, a block's syntax), as Markdown.

use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::convert;
use crate::session::Snapshot;

pub fn hover(snap: &Snapshot, path: &str, position: Position) -> Option<Hover> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    let hover = eghact_ide::hover::hover(&snap.db, file, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: hover.markdown }),
        range: Some(convert::range(text, hover.span, snap.encoding)),
    })
}
