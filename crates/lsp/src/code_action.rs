//! Quick fixes: the engine's actions for the diagnostics in the requested range (a
//! diagnostic's own fix, importing a component, adding or passing a prop), as workspace
//! edits that may touch other files.

use eghact_ide::refactor;
use tower_lsp_server::ls_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range};

use crate::convert;
use crate::rename::workspace_edit;
use crate::session::Snapshot;

pub fn code_actions(snap: &Snapshot, path: &str, range: Range) -> Option<Vec<CodeActionOrCommand>> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let span = convert::span(text, range, snap.encoding);
    let actions = refactor::actions(&snap.db, file, span)
        .into_iter()
        .map(|action| {
            CodeActionOrCommand::CodeAction(CodeAction {
                title: action.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(text, &action.diagnostic, snap.encoding)]),
                edit: Some(workspace_edit(snap, &action.edits)),
                is_preferred: Some(action.edits.iter().all(|e| e.path == path)),
                ..CodeAction::default()
            })
        })
        .collect();
    Some(actions)
}
