//! Workspace symbols: components and their props across the workspace, by fuzzy name.

use eghact_ide::search::{self, SymbolKind};
use tower_lsp_server::ls_types::{self as lsp, Location, OneOf, WorkspaceSymbol};

use crate::convert;
use crate::session::Snapshot;

/// Enough for a picker; a longer query narrows it.
const LIMIT: usize = 256;

pub fn workspace_symbols(snap: &Snapshot, query: &str) -> Vec<WorkspaceSymbol> {
    search::workspace_symbols(&snap.db, query, LIMIT)
        .into_iter()
        .filter_map(|symbol| {
            let uri = snap.uri_of(&symbol.path)?;
            let range = convert::range(snap.text(&symbol.path), symbol.span, snap.encoding);
            Some(WorkspaceSymbol {
                name: symbol.name,
                kind: match symbol.kind {
                    SymbolKind::Component => lsp::SymbolKind::CLASS,
                    SymbolKind::Prop => lsp::SymbolKind::PROPERTY,
                },
                tags: None,
                container_name: Some(symbol.container),
                location: OneOf::Left(Location { uri, range }),
                data: None,
            })
        })
        .collect()
}
