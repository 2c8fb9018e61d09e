//! Inlay hints: the types of the names `$:` statements declare, and the required props a
//! component tag does not pass yet.

use eghact_ide::refactor;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, InlayHintTooltip, Range};

use crate::convert;
use crate::session::Snapshot;

pub fn inlay_hints(snap: &Snapshot, path: &str, range: Range) -> Option<Vec<InlayHint>> {
    let file = snap.file(path)?;
    let db = &snap.db;
    let text = file.text(db);
    let range = convert::span(text, range, snap.encoding);
    let in_range = |at: u32| range.start <= at && at <= range.end;
    let hint = |at: u32, label: String, kind, tooltip: Option<String>| InlayHint {
        position: convert::position(text, at, snap.encoding),
        label: InlayHintLabel::String(label),
        kind: Some(kind),
        text_edits: None,
        tooltip: tooltip.map(InlayHintTooltip::String),
        padding_left: None,
        padding_right: None,
        data: None,
    };
    let mut hints: Vec<InlayHint> = eghact_ide::names::reactive_declarations(db, file)
        .into_iter()
        .filter(|(span, ty)| in_range(span.end) && !ty.is_unknown())
        .map(|(span, ty)| hint(span.end, format!(": {ty}"), InlayHintKind::TYPE, None))
        .collect();
    for (tag, props) in refactor::missing_props(db, file).into_iter().filter(|(tag, _)| in_range(tag.end)) {
        let names: Vec<String> = props.iter().map(|p| format!("{}: {}", p.name, p.ty.as_deref().unwrap_or("unknown"))).collect();
        let tooltip = format!("required prop{} not passed", if props.len() == 1 { "" } else { "s" });
        hints.push(hint(tag.end, format!(" {}", names.join(", ")), InlayHintKind::PARAMETER, Some(tooltip)));
    }
    hints.sort_by_key(|h| (h.position.line, h.position.character));
    Some(hints)
}
