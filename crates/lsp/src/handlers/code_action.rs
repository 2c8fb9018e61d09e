//! `textDocument/codeAction`: the engine's quick fixes for the diagnostics in the requested
//! range (a diagnostic's own fix, importing a component, adding or passing a prop), as
//! workspace edits that may touch other files.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::CodeActionRequest;
use tower_lsp_server::ls_types::{CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse};

use super::rename::workspace_edit;
use crate::state::Snapshot;

super::document_request! { CodeActionHandler, CodeActionRequest, CodeActionResponse, |params| text_document.uri }

fn run(snap: &Snapshot, path: &str, params: CodeActionParams) -> Cancellable<Option<CodeActionResponse>> {
    let positions = snap.positions(path);
    let Some(actions) = snap.analysis.code_actions(path, positions.span(params.range))? else { return Ok(None) };
    let actions = actions
        .into_iter()
        .map(|action| {
            CodeActionOrCommand::CodeAction(CodeAction {
                title: action.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![positions.diagnostic(&action.diagnostic)]),
                edit: Some(workspace_edit(snap, &action.edits)),
                is_preferred: Some(action.edits.iter().all(|e| e.path == path)),
                ..CodeAction::default()
            })
        })
        .collect();
    Ok(Some(actions))
}
