//! Hover: the type of the name under the cursor, from the engine's checker.

use eghact_engine::db;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::convert;
use crate::session::Snapshot;

pub fn hover(snap: &Snapshot, path: &str, position: Position) -> Option<Hover> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    let info = db::name_at(&snap.db, file, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: format!("```ts\n{}: {}\n```", info.name, info.ty),
        }),
        range: Some(convert::range(text, info.span, snap.encoding)),
    })
}
