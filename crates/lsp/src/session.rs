//! The server's state: the engine's database of the workspace (through a `Builder`, which
//! reads the source folder), the documents the editor has open, and how the client counts
//! columns; and the snapshots that requests read. Builds run on a builder of their own
//! (`build.rs`), so that an edit never waits for one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use eghact_analysis::db::{Database, SourceFile, Workspace};
use eghact_analysis::paths::slash_path;
use eghact_builder::offload::OffloadMode;
use eghact_builder::project::Project;
use eghact_builder::{BuildOptions, Builder, FileChange, Host, compiler_version};
use eghact_gpu::{Backend, ImagePipeline};
use eghact_semantics::assets::ImageProcessor;
use tower_lsp_server::ls_types::Uri;

use crate::convert::Encoding;

pub struct Session {
    pub builder: Builder,
    /// Which documents belong to the workspace.
    paths: Arc<DocumentPaths>,
    pub encoding: Encoding,
    /// Open documents by project path: their version.
    pub open: HashMap<String, i32>,
    /// The client registers file watchers for the server (`workspace/didChangeWatchedFiles`).
    pub client_watches_files: bool,
    /// The client shows `$/progress` of work the server starts.
    pub work_done_progress: bool,
    /// What the editor's settings ask of builds (`initializationOptions`).
    pub build_settings: BuildSettings,
}

/// The editor's build settings, as the VS Code extension sends them in `initializationOptions`:
/// `{ "remote": { "mode": "auto" | "always" | "never", "endpoint": "grpc://…" }, "gpu": "auto" }`.
/// An endpoint given here wins over `EGHACT_REMOTE_ENDPOINT` and `[remote] endpoint`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildSettings {
    pub remote_endpoint: Option<String>,
    /// `never` keeps builds off the remote cache and workers even when the project configures
    /// them; `auto` and `always` are the offload policy of workspace builds.
    pub remote_mode: Option<OffloadMode>,
    /// The backend of image processing (`auto` when unset or unknown).
    pub gpu: Backend,
}

impl BuildSettings {
    pub fn from_options(options: Option<&serde_json::Value>) -> Self {
        let remote = |field: &str| {
            let value = options.and_then(|o| o["remote"][field].as_str()).map(str::trim);
            value.filter(|s| !s.is_empty()).map(String::from)
        };
        let gpu = options.and_then(|o| o["gpu"].as_str()).and_then(|g| g.parse().ok()).unwrap_or_default();
        Self {
            remote_endpoint: remote("endpoint"),
            remote_mode: remote("mode").and_then(|m| serde_json::from_value(m.into()).ok()),
            gpu,
        }
    }
}

impl Session {
    /// A session on the project at `root` (an `eghact.toml` there is read; without one the
    /// defaults apply). Files under the source folder are read at once.
    pub fn new(root: &Path, encoding: Encoding) -> Result<Self, String> {
        // This builder never builds: it writes nothing and keeps no compiled outputs.
        let mut builder = open_builder(root, None)?;
        // A workspace without a source folder is still served: files come as they are opened.
        let _ = builder.load();
        let paths = Arc::new(DocumentPaths::new(builder.project()));
        Ok(Self {
            builder,
            paths,
            encoding,
            open: HashMap::new(),
            client_watches_files: false,
            work_done_progress: false,
            build_settings: BuildSettings::default(),
        })
    }

    /// The project path (`src/App.egh`) of a document, if it lies in the source folder.
    pub fn path_of(&self, uri: &Uri) -> Option<String> {
        self.paths.path_of(uri)
    }

    pub fn file(&self, path: &str) -> Option<SourceFile> {
        self.builder.host().file(path)
    }

    pub fn text(&self, path: &str) -> &str {
        self.file(path).map_or("", |f| f.text(self.builder.host().db()).as_str())
    }

    /// What `built` (a build's host) lacks to hold the texts of this session: the editor's
    /// buffers, saved or not, and the files on disk it has not open.
    pub fn changes_since(&self, built: &Host) -> Vec<FileChange> {
        let (db, built_db) = (self.builder.host().db(), built.db());
        let mut changes: Vec<FileChange> = self
            .builder
            .host()
            .files()
            .iter()
            .filter(|(path, file)| built.file(path).is_none_or(|b| b.text(built_db) != file.text(db)))
            .map(|(path, file)| FileChange::Write { path: path.clone(), text: file.text(db).clone() })
            .collect();
        let gone = built.files().keys().filter(|path| self.file(path).is_none());
        changes.extend(gone.map(|path| FileChange::Remove { path: path.clone() }));
        changes
    }

    /// The workspace as it is now, for a request to read on another thread.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            db: self.builder.host().db().clone(),
            paths: self.paths.clone(),
            encoding: self.encoding,
            open: Arc::new(self.open.clone()),
        }
    }

    pub fn set_text(&mut self, path: &str, text: String) {
        self.builder.apply(vec![FileChange::Write { path: path.to_string(), text }]);
    }

    /// Back to what the disk holds (a document closed without saving, a file changed
    /// outside the editor); whether anything changed.
    pub fn reload(&mut self, paths: &[String]) -> bool {
        self.builder.refresh(paths.iter().cloned()).is_ok_and(|changed| !changed.is_empty())
    }

    /// The whole source folder read again (the watcher lost events); open documents keep
    /// their buffers. Whether anything changed.
    pub fn reload_all(&mut self) -> bool {
        let buffers: Vec<FileChange> =
            self.open.keys().map(|path| FileChange::Write { path: path.clone(), text: self.text(path).to_string() }).collect();
        let loaded = self.builder.load();
        let restored = self.builder.apply(buffers);
        // Reading the disk replaced the buffers, and putting them back restores them.
        loaded.is_err() || loaded.is_ok_and(|changed| changed.iter().any(|path| !restored.contains(path)))
    }
}

/// A builder on the project at `root`: one that writes outputs, keeps recent cache entries in
/// memory and processes images on `gpu` (builds), or one that only reads (the editing session).
pub fn open_builder(root: &Path, gpu: Option<Backend>) -> Result<Builder, String> {
    let project = Project::open(root).map_err(|e| e.to_string())?;
    let write = gpu.is_some();
    // The pipeline creates its GPU device with the first batch of images, not here.
    let image_processor = gpu.map(|backend| Arc::new(ImagePipeline::new(backend)) as Arc<dyn ImageProcessor>);
    // The same version as this executable's `compile-batch`, which remote workers run.
    let options = BuildOptions { compiler_version: compiler_version(), write, memory_cache: write, image_processor };
    let mut builder = Builder::open(project, options);
    // Saves rebuild often; the build record is written at shutdown.
    builder.defer_save(true);
    Ok(builder)
}

/// A read-only view of the workspace at one revision. It holds its own handle on the
/// database, so a request runs without the session's lock; a write to the session cancels
/// the queries a snapshot is running (they unwind with `salsa::Cancelled`), so a snapshot
/// must be dropped soon after it is taken and never kept while waiting for the session.
pub struct Snapshot {
    pub db: Database,
    paths: Arc<DocumentPaths>,
    pub encoding: Encoding,
    /// Open documents by project path: their version.
    pub open: Arc<HashMap<String, i32>>,
}

impl Snapshot {
    pub fn file(&self, path: &str) -> Option<SourceFile> {
        Workspace::get(&self.db).files(&self.db).get(path).copied()
    }

    pub fn text(&self, path: &str) -> &str {
        self.file(path).map_or("", |f| f.text(&self.db).as_str())
    }

    pub fn path_of(&self, uri: &Uri) -> Option<String> {
        self.paths.path_of(uri)
    }

    pub fn uri_of(&self, path: &str) -> Option<Uri> {
        self.paths.uri_of(path)
    }
}

/// The one place where document URIs become project paths. A document belongs to the
/// workspace when its path, with `.` and `..` applied and then the symbolic links of its
/// existing part resolved, lies in the source folder (resolved the same way). Anything else
/// (`src/../../elsewhere/X.egh`, a link out of the project) is no document of the workspace:
/// requests about it answer nothing, it gets no diagnostics and is never built or written.
struct DocumentPaths {
    /// The root as the editor names it, for the URIs the server sends.
    root: PathBuf,
    /// The source folder as the project names it (`src`), the prefix of project paths.
    src: PathBuf,
    /// The source folder as it lies on disk.
    resolved_src: PathBuf,
}

impl DocumentPaths {
    fn new(project: &Project) -> Self {
        let src_dir = project.src_dir();
        Self { root: project.root.clone(), src: project.config.src.clone(), resolved_src: resolve(&src_dir).unwrap_or(src_dir) }
    }

    fn path_of(&self, uri: &Uri) -> Option<String> {
        let path = resolve(&uri.to_file_path()?)?;
        let inside = path.strip_prefix(&self.resolved_src).ok()?;
        Some(slash_path(&self.src.join(inside)))
    }

    fn uri_of(&self, path: &str) -> Option<Uri> {
        Uri::from_file_path(self.root.join(path))
    }
}

/// An absolute `path` as it lies on disk (`project::resolved`); `None` for a relative path, or
/// one whose existing part is a link that leads nowhere.
fn resolve(path: &Path) -> Option<PathBuf> {
    if !path.is_absolute() {
        return None;
    }
    eghact_builder::project::resolved(path).ok()
}

/// The workspace root a client names: its first folder, or its root URI.
pub fn root_of(params: &tower_lsp_server::ls_types::InitializeParams) -> Option<PathBuf> {
    let folder = params.workspace_folders.as_ref().and_then(|f| f.first()).map(|f| f.uri.clone());
    #[allow(deprecated)]
    let uri = folder.or_else(|| params.root_uri.clone())?;
    uri.to_file_path().map(|p| p.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_resolved_before_they_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("proj/src/lib")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::os::unix::fs::symlink(base.join("outside"), base.join("proj/src/linked")).unwrap();
        std::os::unix::fs::symlink(base.join("proj/src/lib"), base.join("proj/src/alias")).unwrap();
        let project = Project::open(&base.join("proj")).unwrap();
        let paths = DocumentPaths::new(&project);
        let path_of = |path: &str| paths.path_of(&format!("file://{}/{path}", base.display()).parse().unwrap());
        assert_eq!(path_of("proj/src/App.egh").as_deref(), Some("src/App.egh"));
        assert_eq!(path_of("proj/src/./lib/../New.egh").as_deref(), Some("src/New.egh"));
        assert_eq!(path_of("proj/src/alias/Card.egh").as_deref(), Some("src/lib/Card.egh"));
        assert_eq!(path_of("proj/src/not/yet/there.egh").as_deref(), Some("src/not/yet/there.egh"));
        for outside in
            ["proj/src/../../outside/Evil.egh", "proj/src/linked/Evil.egh", "proj/App.egh", "proj/src/../../../../x.egh"]
        {
            assert_eq!(path_of(outside), None, "{outside}");
        }
    }
}
