//! Quick fixes: the engine's own fix for each diagnostic in the requested range.

use std::collections::HashMap;

use eghact_engine::db;
use tower_lsp_server::ls_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use crate::convert;
use crate::session::Snapshot;

pub fn code_actions(snap: &Snapshot, path: &str, range: Range) -> Option<Vec<CodeActionOrCommand>> {
    let file = snap.file(path)?;
    let db = &snap.db;
    let text = file.text(db);
    let uri = snap.uri_of(path)?;
    let (start, end) = (convert::offset(text, range.start, snap.encoding), convert::offset(text, range.end, snap.encoding));
    let actions = db::diagnostics(db, file)
        .iter()
        .filter(|d| d.span.start <= end && start <= d.span.end)
        .filter_map(|d| {
            let fix = d.fix.as_ref()?;
            let edit = TextEdit { range: convert::range(text, fix.span, snap.encoding), new_text: fix.replacement.clone() };
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(text, d, snap.encoding)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect();
    Some(actions)
}
