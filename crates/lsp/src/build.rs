//! Builds: on save (what the saved text affects) and on request (`eghact/buildFile`,
//! `eghact/buildWorkspace`), into the output folder through the engine's cache. They run on a
//! builder of their own, created from the project by the first build (it reads the source
//! folder itself) and given, before each build, only the texts the session changed since
//! (`Session::unbuilt`), so that edits and requests never wait for a build. Progress goes
//! out as `$/progress` and as the notifications `eghact/buildStarted`, `eghact/buildProgress`
//! and `eghact/buildCompleted`, which the VS Code extension's status bar reads.

use std::path::Path;
use std::sync::{Arc, PoisonError};

use eghact_builder::offload::OffloadMode;
use eghact_builder::project::Project;
use eghact_builder::{BuildEvent, BuildOptions, Builder, CacheState, FileChange, compiler_version};
use eghact_gpu::{Backend, ImagePipeline};
use eghact_semantics::assets::ImageProcessor;
use serde_json::{Value, json};
use tower_lsp_server::ls_types::notification::Notification;

use crate::progress::Progress;
use crate::state::Shared;

macro_rules! notification {
    ($name:ident, $method:literal) => {
        pub enum $name {}
        impl Notification for $name {
            type Params = Value;
            const METHOD: &'static str = $method;
        }
    };
}
notification!(BuildStarted, "eghact/buildStarted");
notification!(BuildProgress, "eghact/buildProgress");
notification!(BuildCompleted, "eghact/buildCompleted");

/// What a build covers besides what changed since the last one.
pub enum Scope {
    /// Only what changed (a save: the saved buffer is already the database's text).
    Changed,
    /// This component (a project path) and its importers, changed or not.
    File(String),
    /// Every component, compared with the build record and its outputs on disk.
    Workspace,
}

/// Runs a build, reporting progress while it runs; answers its summary (also sent as
/// `eghact/buildCompleted`).
pub async fn run(shared: &Shared, scope: Scope) -> Value {
    let client = &shared.client;
    let enabled = shared.session().as_ref().is_some_and(|s| s.work_done_progress);
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel::<BuildEvent>();
    let (session, builds) = (shared.session.clone(), shared.builds.clone());
    let build = tokio::task::spawn_blocking(move || {
        let mut warnings = Vec::new();
        // One build at a time; the editing session is locked only to copy what changed.
        let mut builds = builds.lock().unwrap_or_else(PoisonError::into_inner);
        let first = builds.is_none();
        if first {
            // Opening reads the source folder and may reach a remote cache: outside the
            // session's lock, so that edits and requests go on meanwhile.
            let (root, settings) = {
                let session = session.lock().unwrap_or_else(PoisonError::into_inner);
                let session = session.as_ref().ok_or("no workspace")?;
                (session.project.root.clone(), session.build_settings.clone())
            };
            let mut builder = open_builder(&root, settings.gpu)?;
            if settings.remote_mode != Some(OffloadMode::Never) {
                // A `[remote]` that breaks a rule of eghact.toml fails the build as any project error does.
                let attached = eghact_remote::attach(&mut builder, settings.remote_endpoint, settings.remote_mode);
                warnings.extend(attached.map_err(|e| e.to_string())?);
            }
            builder.load().map_err(|e| e.to_string())?;
            *builds = Some(builder);
        }
        let changes = {
            let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
            let session = session.as_mut().ok_or("no workspace")?;
            let mut changed = std::mem::take(&mut session.unbuilt);
            if first {
                // The disk as the builder read it, then the editor's buffers, saved or not.
                changed.extend(session.open.keys().cloned());
            }
            let text = |path: &String| session.host.file(path).map(|f| f.text(session.host.db()).clone());
            changed
                .into_iter()
                .map(|path| match text(&path) {
                    Some(text) => FileChange::Write { path, text },
                    None => FileChange::Remove { path },
                })
                .collect::<Vec<_>>()
        };
        let builder = builds.as_mut().ok_or("no builder")?;
        builder.apply(changes);
        // A cold workspace build may go to a remote cluster; an edit's build never does.
        builder.pause_offload(!matches!(scope, Scope::Workspace));
        match scope {
            Scope::Changed => {}
            Scope::File(path) => builder.touch([path]),
            Scope::Workspace => builder.resync(),
        }
        // For tests: with `EGHACT_LSP_HOLD_BUILDS=FILE`, a build that has started waits for FILE
        // to exist, so that a test can act while a build is under way, however fast it is.
        let hold = std::env::var_os("EGHACT_LSP_HOLD_BUILDS").map(std::path::PathBuf::from);
        let report = builder.build(&|event| {
            let started = matches!(event, BuildEvent::Started { .. });
            let _ = sender.send(event);
            while started && hold.as_ref().is_some_and(|gate| !gate.exists()) {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        });
        report.map(|report| (report, warnings)).map_err(|e| e.to_string())
    });
    let mut progress = None;
    let mut last_percentage = None;
    while let Some(event) = events.recv().await {
        match event {
            BuildEvent::Started { total, remote } => {
                client.send_notification::<BuildStarted>(json!({ "total": total, "remote": remote })).await;
                progress = Some(Progress::begin(client, enabled, "Building").await);
            }
            BuildEvent::Compiled { path, done, total, cache } => {
                // A notification per percent: a workspace build of 10,000 components would
                // otherwise flood the editor.
                let percentage = done * 100 / total.max(1);
                if last_percentage == Some(percentage) && done != total {
                    continue;
                }
                last_percentage = Some(percentage);
                let cache = match cache {
                    CacheState::Unchanged => "unchanged",
                    CacheState::Hit(_) => "hit",
                    CacheState::Remote => "remote",
                    CacheState::Miss => "miss",
                };
                let params = json!({ "path": path, "done": done, "total": total, "cache": cache });
                client.send_notification::<BuildProgress>(params).await;
                if let Some(progress) = &mut progress {
                    progress.report(done, total, Some(path)).await;
                }
            }
            BuildEvent::Offload(remote) => {
                client.send_notification::<BuildProgress>(json!({ "remote": remote })).await;
                if let Some(progress) = &progress {
                    let message = format!(
                        "remote: {} queued, {} running, {}/{} actions done",
                        remote.queued, remote.executing, remote.done, remote.actions
                    );
                    progress.message(message).await;
                }
            }
            BuildEvent::Image { .. } | BuildEvent::Finished => {}
        }
    }
    let summary = match build.await {
        Ok(Ok((report, warnings))) => {
            for warning in warnings.iter().chain(&report.warnings) {
                client.log_message(tower_lsp_server::ls_types::MessageType::WARNING, warning).await;
            }
            let hits = report.files.iter().filter(|f| matches!(f.cache, CacheState::Hit(_))).count();
            json!({
                "version": 1,
                "files": report.files.len(),
                "unchanged": report.count_state(CacheState::Unchanged),
                "hits": hits,
                "misses": report.count_state(CacheState::Miss),
                "remote": report.count_state(CacheState::Remote),
                "errors": report.errors(),
                "warnings": report.warnings(),
                "elapsedMs": report.phases.total_ms,
            })
        }
        Ok(Err(error)) => json!({ "version": 1, "error": error }),
        Err(error) => json!({ "version": 1, "error": format!("the build failed: {error}") }),
    };
    client.send_notification::<BuildCompleted>(summary.clone()).await;
    if let Some(progress) = progress {
        progress.end(summary.to_string()).await;
    }
    summary
}

/// A builder on the project at `root` that writes outputs, keeps recent cache entries in memory
/// and processes images on `gpu`.
fn open_builder(root: &Path, gpu: Backend) -> Result<Builder, String> {
    let project = Project::open(root).map_err(|e| e.to_string())?;
    // The pipeline creates its GPU device with the first batch of images, not here.
    let image_processor = Some(Arc::new(ImagePipeline::new(gpu)) as Arc<dyn ImageProcessor>);
    // The same version as this executable's `compile-batch`, which remote workers run.
    let options = BuildOptions { compiler_version: compiler_version(), write: true, memory_cache: true, image_processor };
    let mut builder = Builder::open(project, options);
    builder.bundle_dependencies(Arc::new(eghact_bundle::RolldownDependencies));
    // Saves rebuild often; the build record is written at shutdown.
    builder.defer_save(true);
    Ok(builder)
}
