//! Selection ranges ("expand selection"): from the word at the cursor outwards through the
//! expression, the attribute, the tag, the element, the enclosing blocks, the section and the
//! file, as the engine finds them.

use eghact_analysis::db;
use tower_lsp_server::ls_types::{Position, SelectionRange};

use crate::convert::{self, Positions};
use crate::session::Snapshot;

pub fn selection_ranges(snap: &Snapshot, path: &str, positions: &[Position]) -> Option<Vec<SelectionRange>> {
    let file = snap.file(path)?;
    let text = file.text(&snap.db);
    let component = &db::parse(&snap.db, file).component;
    let lines = Positions::new(text, snap.encoding);
    let ranges = positions.iter().map(|position| {
        let offset = convert::offset(text, *position, snap.encoding);
        let spans = eghact_ide::selection_ranges(text, component, offset);
        // The chain is built from the outside in: each range's parent is the one around it.
        let mut range = spans.iter().rev().fold(None, |parent, span| {
            let range = tower_lsp_server::ls_types::Range { start: lines.position(span.start), end: lines.position(span.end) };
            Some(SelectionRange { range, parent: parent.map(Box::new) })
        });
        // A client expects one range per position: an empty one where the engine has none.
        range
            .take()
            .unwrap_or(SelectionRange { range: tower_lsp_server::ls_types::Range::new(*position, *position), parent: None })
    });
    Some(ranges.collect())
}
