//! `workspace/willRenameFiles`: when component files are renamed or moved, the imports that
//! name them and their own relative imports.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::{Request, WillRenameFiles};
use tower_lsp_server::ls_types::{RenameFilesParams, WorkspaceEdit};

use super::WorkspaceRequest;
use super::rename::workspace_edit;
use crate::state::Snapshot;

pub struct WillRenameFilesHandler;

impl WorkspaceRequest for WillRenameFilesHandler {
    const METHOD: &'static str = WillRenameFiles::METHOD;
    type Params = RenameFilesParams;
    type Result = Option<WorkspaceEdit>;

    fn run(snap: &Snapshot, params: RenameFilesParams) -> Cancellable<Option<WorkspaceEdit>> {
        let mut edits = Vec::new();
        for rename in &params.files {
            let parse = |uri: &str| snap.path_of(&uri.parse().ok()?);
            let (Some(from), Some(to)) = (parse(&rename.old_uri), parse(&rename.new_uri)) else { continue };
            edits.extend(snap.analysis.file_rename_edits(&from, &to)?);
        }
        Ok((!edits.is_empty()).then(|| workspace_edit(snap, &edits)))
    }
}
