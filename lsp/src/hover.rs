//! Hover: the type of the name under the cursor, from the engine's checker.

use eghact_engine::db;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::convert;
use crate::session::Session;

pub fn hover(session: &Session, path: &str, position: Position) -> Option<Hover> {
    let file = session.file(path)?;
    let text = session.text(path);
    let offset = convert::offset(text, position, session.encoding);
    let info = db::name_at(session.builder.host().db(), file, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: format!("```ts\n{}: {}\n```", info.name, info.ty),
        }),
        range: Some(convert::range(text, info.span, session.encoding)),
    })
}
