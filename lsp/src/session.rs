//! The server's state: the engine's builder for the workspace, the documents the editor has
//! open, and how the client counts columns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use eghact_engine::build::{BuildOptions, Builder, FileChange};
use eghact_engine::db::SourceFile;
use eghact_engine::project::{Project, slash_path};
use tower_lsp_server::ls_types::Uri;

use crate::convert::Encoding;

pub struct Session {
    pub builder: Builder,
    pub encoding: Encoding,
    /// Open documents by project path: their version.
    pub open: HashMap<String, i32>,
    /// The client registers file watchers for the server (`workspace/didChangeWatchedFiles`).
    pub client_watches_files: bool,
    /// The client shows `$/progress` of work the server starts.
    pub work_done_progress: bool,
}

impl Session {
    /// A session on the project at `root` (an `eghact.toml` there is read; without one the
    /// defaults apply). Files under the source folder are read at once.
    pub fn new(root: &Path, encoding: Encoding) -> Result<Self, String> {
        let project = Project::open(root).map_err(|e| e.to_string())?;
        let options = BuildOptions { compiler_version: env!("CARGO_PKG_VERSION").into(), write: true, memory_cache: true };
        let mut builder = Builder::open(project, options);
        // Saves rebuild often; the build record is written at shutdown.
        builder.defer_save(true);
        // A workspace without a source folder is still served: files come as they are opened.
        let _ = builder.load();
        Ok(Self { builder, encoding, open: HashMap::new(), client_watches_files: false, work_done_progress: false })
    }

    /// The project path (`src/App.egh`) of a document, if it lies in the project.
    pub fn path_of(&self, uri: &Uri) -> Option<String> {
        let path = uri.to_file_path()?;
        let relative = path.strip_prefix(&self.builder.project().root).ok()?;
        Some(slash_path(relative))
    }

    pub fn uri_of(&self, path: &str) -> Option<Uri> {
        Uri::from_file_path(self.builder.project().root.join(path))
    }

    pub fn file(&self, path: &str) -> Option<SourceFile> {
        self.builder.host().file(path)
    }

    pub fn text(&self, path: &str) -> &str {
        self.file(path).map_or("", |f| f.text(self.builder.host().db()).as_str())
    }

    pub fn set_text(&mut self, path: &str, text: String) {
        self.builder.apply(vec![FileChange::Write { path: path.to_string(), text }]);
    }

    /// Back to what the disk holds (a document closed without saving).
    pub fn reload(&mut self, path: &str) {
        let _ = self.builder.refresh([path.to_string()]);
    }
}

/// The workspace root a client names: its first folder, or its root URI.
pub fn root_of(params: &tower_lsp_server::ls_types::InitializeParams) -> Option<PathBuf> {
    let folder = params.workspace_folders.as_ref().and_then(|f| f.first()).map(|f| f.uri.clone());
    #[allow(deprecated)]
    let uri = folder.or_else(|| params.root_uri.clone())?;
    uri.to_file_path().map(|p| p.into_owned())
}
