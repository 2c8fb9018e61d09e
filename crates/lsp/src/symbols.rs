//! Document symbols: the script's declarations and the template's tree.

use eghact_analysis::db;
use eghact_ide::{self as ide, Symbol, SymbolKind};
use tower_lsp_server::ls_types::{self as lsp, DocumentSymbol, DocumentSymbolResponse};

use crate::convert;
use crate::session::Snapshot;

pub fn document_symbols(snap: &Snapshot, path: &str) -> Option<DocumentSymbolResponse> {
    let file = snap.file(path)?;
    let db = &snap.db;
    let text = file.text(db);
    let symbols = ide::document_symbols(text, &db::parse(db, file).component);
    Some(DocumentSymbolResponse::Nested(symbols.iter().map(|s| convert_symbol(text, s, snap)).collect()))
}

#[allow(deprecated)] // `deprecated` is a required field of the protocol's struct.
fn convert_symbol(text: &str, symbol: &Symbol, snap: &Snapshot) -> DocumentSymbol {
    DocumentSymbol {
        name: symbol.name.clone(),
        detail: None,
        kind: match symbol.kind {
            SymbolKind::Block => lsp::SymbolKind::NAMESPACE,
            SymbolKind::Component => lsp::SymbolKind::CLASS,
            SymbolKind::Element => lsp::SymbolKind::OBJECT,
            SymbolKind::Function => lsp::SymbolKind::FUNCTION,
            SymbolKind::Prop => lsp::SymbolKind::PROPERTY,
            SymbolKind::Variable => lsp::SymbolKind::VARIABLE,
            SymbolKind::Class => lsp::SymbolKind::CLASS,
        },
        tags: None,
        deprecated: None,
        range: convert::range(text, symbol.span, snap.encoding),
        selection_range: convert::range(text, symbol.name_span, snap.encoding),
        children: Some(symbol.children.iter().map(|c| convert_symbol(text, c, snap)).collect()),
    }
}
