//! `workspace/symbol`: components and their props across the workspace, by fuzzy name.

use eghact_ide::Cancellable;
use eghact_ide::search::SymbolKind;
use tower_lsp_server::ls_types::request::{Request, WorkspaceSymbolRequest};
use tower_lsp_server::ls_types::{self as lsp, Location, OneOf, WorkspaceSymbol, WorkspaceSymbolParams};

use super::WorkspaceRequest;
use crate::state::Snapshot;

/// Enough for a picker; a longer query narrows it.
const LIMIT: usize = 256;

pub struct WorkspaceSymbolHandler;

impl WorkspaceRequest for WorkspaceSymbolHandler {
    const METHOD: &'static str = WorkspaceSymbolRequest::METHOD;
    type Params = WorkspaceSymbolParams;
    type Result = Vec<WorkspaceSymbol>;

    fn run(snap: &Snapshot, params: WorkspaceSymbolParams) -> Cancellable<Vec<WorkspaceSymbol>> {
        let symbols = snap.analysis.workspace_symbols(&params.query, LIMIT)?;
        Ok(symbols
            .into_iter()
            .filter_map(|symbol| {
                let uri = snap.uri_of(&symbol.path)?;
                let range = snap.positions(&symbol.path).range(symbol.span);
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
            .collect())
    }
}
