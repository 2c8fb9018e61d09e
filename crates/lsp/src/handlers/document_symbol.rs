//! `textDocument/documentSymbol`: the script's declarations and the template's tree.

use eghact_ide::{Cancellable, Symbol, SymbolKind};
use tower_lsp_server::ls_types::request::DocumentSymbolRequest;
use tower_lsp_server::ls_types::{self as lsp, DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse};

use crate::convert::Positions;
use crate::state::Snapshot;

super::document_request! { DocumentSymbolHandler, DocumentSymbolRequest, DocumentSymbolResponse, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, _: DocumentSymbolParams) -> Cancellable<Option<DocumentSymbolResponse>> {
    let positions = snap.positions(path);
    let symbols = snap.analysis.document_symbols(path)?;
    Ok(symbols.map(|symbols| DocumentSymbolResponse::Nested(symbols.iter().map(|s| convert_symbol(&positions, s)).collect())))
}
#[allow(deprecated)] // `deprecated` is a required field of the protocol's struct.
fn convert_symbol(positions: &Positions, symbol: &Symbol) -> DocumentSymbol {
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
        range: positions.range(symbol.span),
        selection_range: positions.range(symbol.name_span),
        children: Some(symbol.children.iter().map(|c| convert_symbol(positions, c)).collect()),
    }
}
