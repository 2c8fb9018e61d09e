//! Folding ranges: the three blocks, elements and template blocks that span several lines.

use eghact_engine::db;
use eghact_engine::semantics;
use tower_lsp_server::ls_types::FoldingRange;

use crate::convert;
use crate::session::Session;

pub fn folding_ranges(session: &Session, path: &str) -> Option<Vec<FoldingRange>> {
    let file = session.file(path)?;
    let db = session.builder.host().db();
    let text = file.text(db);
    let ranges = semantics::folding_ranges(&db::parse(db, file).component)
        .into_iter()
        .map(|span| convert::range(text, span, session.encoding))
        // A fold ends on the line before the closing tag, which stays visible.
        .filter(|r| r.end.line > r.start.line + 1)
        .map(|r| FoldingRange { start_line: r.start.line, end_line: r.end.line - 1, ..FoldingRange::default() })
        .collect();
    Some(ranges)
}
