//! The session: the engine's analysis of the workspace (an `AnalysisHost`, fed from the source
//! folder and the editor's buffers), the documents the editor has open, how the client counts
//! columns, and what the handlers and background tasks share; and the snapshots that requests
//! read. Builds create their own builder when asked (`build.rs`); the session never builds.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use eghact_analysis::db::Database;
use eghact_analysis::paths::slash_path;
use eghact_builder::offload::OffloadMode;
use eghact_builder::project::Project;
use eghact_builder::{Builder, FileChange, SourceRead, read_paths, read_sources};
use eghact_gpu::Backend;
use eghact_ide::{Analysis, AnalysisHost, Depth};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use crate::convert::{Encoding, Positions};

/// What the server's handlers and its background tasks (indexing, the file watcher, builds)
/// share.
#[derive(Clone)]
pub struct Shared {
    pub client: Client,
    pub session: Arc<Mutex<Option<Session>>>,
    /// The builder that editor builds run on (created by the first build).
    pub builds: Arc<Mutex<Option<Builder>>>,
    /// Counts writes to the session; a snapshot knows the write it follows.
    pub writes: Arc<AtomicU64>,
    /// What was published for each path, so that diagnostics of an older text never replace
    /// newer ones.
    pub published: Arc<tokio::sync::Mutex<HashMap<String, Published>>>,
}

/// The last diagnostics published for a path.
pub struct Published {
    /// The write of the snapshot they were computed on, and how deep.
    pub write: u64,
    pub depth: Depth,
    /// The diagnostics and document version the editor received; `None` before any.
    pub sent: Option<(Vec<tower_lsp_server::ls_types::Diagnostic>, Option<i32>)>,
}

impl Shared {
    pub fn new(client: Client) -> Self {
        Self { client, session: Arc::default(), builds: Arc::default(), writes: Arc::default(), published: Arc::default() }
    }

    pub fn session(&self) -> MutexGuard<'_, Option<Session>> {
        // A request that panicked leaves the session as it was; the server goes on.
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn snapshot(&self) -> Option<Snapshot> {
        self.session().as_ref().map(Session::snapshot)
    }

    /// A snapshot with the write it follows.
    pub fn versioned_snapshot(&self) -> Option<(Snapshot, u64)> {
        self.session().as_ref().map(|s| (s.snapshot(), self.writes.load(Ordering::SeqCst)))
    }

    /// Applies `write` to the session and counts it; its answer, or `None` without a session.
    pub fn write<T>(&self, write: impl FnOnce(&mut Session) -> T) -> Option<T> {
        let mut guard = self.session();
        let session = guard.as_mut()?;
        let answer = write(session);
        self.writes.fetch_add(1, Ordering::SeqCst);
        Some(answer)
    }
}

pub struct Session {
    pub host: AnalysisHost,
    pub project: Project,
    /// Which documents belong to the workspace.
    paths: Arc<DocumentPaths>,
    pub encoding: Encoding,
    /// Open documents by project path: their version.
    pub open: HashMap<String, i32>,
    /// Paths whose text changed since the build's builder last took them (`build.rs`).
    pub unbuilt: BTreeSet<String>,
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
    /// defaults apply). Files under the source folder are read at once; nothing is written.
    pub fn new(root: &Path, encoding: Encoding) -> Result<Self, String> {
        let project = Project::open(root).map_err(|e| e.to_string())?;
        let mut host = AnalysisHost::new(Database::default(), project.layout());
        // A workspace without a source folder is still served: files come as they are opened.
        if let Ok(read) = read_sources(&project, host.files()) {
            host.apply(read.changes);
        }
        let paths = Arc::new(DocumentPaths::new(&project));
        Ok(Self {
            host,
            project,
            paths,
            encoding,
            open: HashMap::new(),
            unbuilt: BTreeSet::new(),
            client_watches_files: false,
            work_done_progress: false,
            build_settings: BuildSettings::default(),
        })
    }

    /// The project path (`src/App.egh`) of a document, if it lies in the source folder.
    pub fn path_of(&self, uri: &Uri) -> Option<String> {
        self.paths.path_of(uri)
    }

    pub fn text(&self, path: &str) -> &str {
        self.host.file(path).map_or("", |f| f.text(self.host.db()).as_str())
    }

    /// The workspace as it is now, for a request to read on another thread.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            analysis: self.host.analysis(),
            paths: self.paths.clone(),
            encoding: self.encoding,
            open: Arc::new(self.open.clone()),
        }
    }

    /// Applies `changes`; whether anything changed.
    fn apply(&mut self, changes: Vec<FileChange>) -> Vec<String> {
        let changed = self.host.apply(changes);
        self.unbuilt.extend(changed.iter().cloned());
        changed
    }

    pub fn set_text(&mut self, path: &str, text: String) {
        self.apply(vec![FileChange::Write { path: path.to_string(), text }]);
    }

    /// Back to what the disk holds (a document closed without saving, a file changed
    /// outside the editor); whether anything changed.
    pub fn reload(&mut self, paths: &[String]) -> bool {
        let read = read_paths(&self.project, self.host.files(), paths.iter().cloned());
        read.is_ok_and(|SourceRead { changes, assets, .. }| !self.apply(changes).is_empty() || !assets.is_empty())
    }

    /// The whole source folder read again (the watcher lost events); open documents keep
    /// their buffers. Whether anything changed.
    pub fn reload_all(&mut self) -> bool {
        let buffers: Vec<FileChange> =
            self.open.keys().map(|path| FileChange::Write { path: path.clone(), text: self.text(path).to_string() }).collect();
        let Ok(read) = read_sources(&self.project, self.host.files()) else { return true };
        let loaded = self.apply(read.changes);
        let restored = self.apply(buffers);
        // Reading the disk replaced the buffers, and putting them back restores them.
        loaded.iter().any(|path| !restored.contains(path))
    }
}

/// A read-only view of the workspace at one revision. It holds its own handle on the
/// database, so a request runs without the session's lock; a write to the session cancels
/// the queries a snapshot is running (the façade answers `Cancelled`), so a snapshot must be
/// dropped soon after it is taken and never kept while waiting for the session.
pub struct Snapshot {
    pub analysis: Analysis,
    paths: Arc<DocumentPaths>,
    pub encoding: Encoding,
    /// Open documents by project path: their version.
    pub open: Arc<HashMap<String, i32>>,
}

impl Snapshot {
    pub fn text(&self, path: &str) -> &str {
        self.analysis.text(path)
    }

    /// The position mapper of the file at `path`.
    pub fn positions(&self, path: &str) -> Positions<'_> {
        Positions::new(self.text(path), self.encoding)
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
