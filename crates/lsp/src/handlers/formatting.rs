//! `textDocument/formatting`: the whole document, as one edit. A file with syntax errors is
//! left as it is (the diagnostics already say why); so is one the formatter leaves unchanged.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::Formatting;
use tower_lsp_server::ls_types::{DocumentFormattingParams, Range, TextEdit};

use crate::state::Snapshot;

super::document_request! { FormattingHandler, Formatting, Vec<TextEdit>, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, _: DocumentFormattingParams) -> Cancellable<Option<Vec<TextEdit>>> {
    let Some(formatted) = snap.analysis.format(path)? else { return Ok(None) };
    let text = snap.text(path);
    if formatted == text {
        return Ok(Some(Vec::new()));
    }
    let end = snap.positions(path).position(text.len() as u32);
    Ok(Some(vec![TextEdit { range: Range::new(Default::default(), end), new_text: formatted }]))
}
