//! Inlay hints: the types of the names `$:` statements declare.

use eghact_engine::db;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, Range};

use crate::convert;
use crate::session::Snapshot;

pub fn inlay_hints(snap: &Snapshot, path: &str, range: Range) -> Option<Vec<InlayHint>> {
    let file = snap.file(path)?;
    let db = &snap.db;
    let text = file.text(db);
    let (start, end) = (convert::offset(text, range.start, snap.encoding), convert::offset(text, range.end, snap.encoding));
    let hints = db::reactive_declarations(db, file)
        .into_iter()
        .filter(|(span, ty)| start <= span.end && span.end <= end && !ty.is_unknown())
        .map(|(span, ty)| InlayHint {
            position: convert::position(text, span.end, snap.encoding),
            label: InlayHintLabel::String(format!(": {ty}")),
            kind: Some(InlayHintKind::TYPE),
            text_edits: None,
            tooltip: None,
            padding_left: None,
            padding_right: None,
            data: None,
        })
        .collect();
    Some(hints)
}
