//! Rename: a script name with its uses in the template; a prop with its uses and the
//! attributes that pass it in every importer; and, when a component file is renamed or
//! moved (`workspace/willRenameFiles`), the imports that name it and its own relative
//! imports.

use std::collections::HashMap;

use eghact_ide::refactor::{self, FileEdit};
use tower_lsp_server::ls_types::{FileRename, Position, PrepareRenameResponse, TextEdit, WorkspaceEdit};

use crate::convert;
use crate::references;
use crate::session::Snapshot;

pub fn prepare(snap: &Snapshot, path: &str, position: Position) -> Option<PrepareRenameResponse> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    if let Some(prop) = refactor::prop_at(&snap.db, file, offset) {
        return Some(PrepareRenameResponse::Range(convert::range(text, prop.span, snap.encoding)));
    }
    let (declaration, uses) = references::spans(snap, path, position)?;
    let under = std::iter::once(declaration).chain(uses).find(|s| s.start <= offset && offset <= s.end)?;
    Some(PrepareRenameResponse::Range(convert::range(text, under, snap.encoding)))
}

pub fn rename(snap: &Snapshot, path: &str, position: Position, new_name: &str) -> Option<WorkspaceEdit> {
    let file = snap.file(path)?;
    let offset = convert::offset(snap.text(path), position, snap.encoding);
    let edits = match refactor::prop_at(&snap.db, file, offset) {
        Some(prop) => refactor::rename_prop(&snap.db, &prop, new_name),
        None => {
            let (declaration, uses) = references::spans(snap, path, position)?;
            let edit = |span| FileEdit { path: path.to_string(), span, text: new_name.to_string() };
            std::iter::once(declaration).chain(uses).map(edit).collect()
        }
    };
    Some(workspace_edit(snap, &edits))
}

/// The import updates for component files about to be renamed or moved.
pub fn will_rename_files(snap: &Snapshot, files: &[FileRename]) -> Option<WorkspaceEdit> {
    let mut edits = Vec::new();
    for rename in files {
        let parse = |uri: &str| snap.path_of(&uri.parse().ok()?);
        let (Some(from), Some(to)) = (parse(&rename.old_uri), parse(&rename.new_uri)) else { continue };
        if from.ends_with(".egh") {
            edits.extend(refactor::move_file(&snap.db, &from, &to));
        }
    }
    (!edits.is_empty()).then(|| workspace_edit(snap, &edits))
}

/// The engine's edits as the protocol's, grouped by document.
pub fn workspace_edit(snap: &Snapshot, edits: &[FileEdit]) -> WorkspaceEdit {
    let mut changes: HashMap<_, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        let Some(uri) = snap.uri_of(&edit.path) else { continue };
        let range = convert::range(snap.text(&edit.path), edit.span, snap.encoding);
        changes.entry(uri).or_default().push(TextEdit { range, new_text: edit.text.clone() });
    }
    WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }
}
