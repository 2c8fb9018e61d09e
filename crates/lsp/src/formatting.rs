//! Formatting of a whole document, as one edit. A file with syntax errors is left as it is
//! (the diagnostics already say why); so is one the formatter leaves unchanged.

use eghact_analysis::db;
use eghact_ide::format;
use tower_lsp_server::ls_types::{Range, TextEdit};

use crate::convert;
use crate::session::Snapshot;

pub fn formatting(snap: &Snapshot, path: &str) -> Option<Vec<TextEdit>> {
    let file = snap.file(path).filter(|_| path.ends_with(".egh"))?;
    let text = file.text(&snap.db);
    let formatted = format::format(text, db::parse(&snap.db, file)).ok()?;
    if formatted == *text {
        return Some(Vec::new());
    }
    let end = convert::position(text, text.len() as u32, snap.encoding);
    Some(vec![TextEdit { range: Range::new(Default::default(), end), new_text: formatted }])
}
