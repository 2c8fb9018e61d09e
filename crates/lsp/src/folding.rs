//! Folding ranges: the three blocks, elements and template blocks that span several lines.

use eghact_analysis::db;
use tower_lsp_server::ls_types::FoldingRange;

use crate::convert;
use crate::session::Snapshot;

pub fn folding_ranges(snap: &Snapshot, path: &str) -> Option<Vec<FoldingRange>> {
    let file = snap.file(path)?;
    let db = &snap.db;
    let text = file.text(db);
    let ranges = eghact_ide::folding_ranges(&db::parse(db, file).component)
        .into_iter()
        .map(|span| convert::range(text, span, snap.encoding))
        // A fold ends on the line before the closing tag, which stays visible.
        .filter(|r| r.end.line > r.start.line + 1)
        .map(|r| FoldingRange { start_line: r.start.line, end_line: r.end.line - 1, ..FoldingRange::default() })
        .collect();
    Some(ranges)
}
