//! `textDocument/rename`: a script name with its uses in the template; a prop with its uses
//! and the attributes that pass it in every importer.

use std::collections::HashMap;

use eghact_ide::Cancellable;
use eghact_ide::refactor::FileEdit;
use tower_lsp_server::ls_types::request::Rename;
use tower_lsp_server::ls_types::{RenameParams, TextEdit, WorkspaceEdit};

use crate::state::Snapshot;

super::document_request! { RenameHandler, Rename, WorkspaceEdit, |params| text_document_position.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: RenameParams) -> Cancellable<Option<WorkspaceEdit>> {
    let offset = snap.positions(path).offset(params.text_document_position.position);
    let edits = snap.analysis.rename(path, offset, &params.new_name)?;
    Ok(edits.map(|edits| workspace_edit(snap, &edits)))
}

/// The engine's edits as the protocol's, grouped by document.
pub fn workspace_edit(snap: &Snapshot, edits: &[FileEdit]) -> WorkspaceEdit {
    let mut changes: HashMap<_, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        let Some(uri) = snap.uri_of(&edit.path) else { continue };
        let range = snap.positions(&edit.path).range(edit.span);
        changes.entry(uri).or_default().push(TextEdit { range, new_text: edit.text.clone() });
    }
    WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }
}
