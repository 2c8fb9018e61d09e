//! Start-up indexing and the server's own file watcher.
//!
//! Indexing checks every component once, in the background, with a progress report: the
//! results stay in the engine's database, so workspace symbols, workspace diagnostics and
//! the first diagnostics of a newly opened file are answered from memory. A write cancels a
//! chunk in flight; it is checked again on a newer snapshot.

use std::time::Duration;

use eghact_builder::watch::SourceWatcher;
use eghact_ide::Depth;
use tower_lsp_server::jsonrpc::ErrorCode;
use tower_lsp_server::ls_types::MessageType;

use crate::progress::Progress;
use crate::publish;
use crate::state::Shared;
use crate::task::run;

/// Components checked per snapshot: small enough that an edit waits little for a chunk to
/// notice its cancellation, large enough that taking snapshots costs nothing.
const CHUNK: usize = 64;

pub async fn index(shared: Shared, progress_enabled: bool) {
    let Some(snap) = shared.snapshot() else { return };
    let components = snap.analysis.components();
    drop(snap);
    let total = components.len();
    let mut progress = Progress::begin(&shared.client, progress_enabled, "Indexing").await;
    let mut done = 0;
    let mut problems = 0;
    while done < total {
        let Some(snap) = shared.snapshot() else { return };
        let chunk = components[done..(done + CHUNK).min(total)].to_vec();
        let checked = run(move || {
            let mut errors = 0;
            for path in &chunk {
                let diagnostics = snap.analysis.diagnostics(path, Depth::Full)?.unwrap_or_default();
                errors += diagnostics.iter().filter(|d| d.is_error()).count();
            }
            Ok(errors)
        })
        .await;
        match checked {
            Ok(errors) => {
                problems += errors;
                done = (done + CHUNK).min(total);
                progress.report(done, total, None).await;
            }
            Err(error) if error.code == ErrorCode::ContentModified => {}
            Err(error) => {
                shared.client.log_message(MessageType::ERROR, format!("indexing stopped: {}", error.message)).await;
                break;
            }
        }
    }
    progress.end(format!("{done} components, {problems} errors")).await;
}

/// Watches the source folder when the client cannot (it did not offer
/// `workspace/didChangeWatchedFiles`), so that a `git checkout` reaches the server.
pub fn watch(shared: Shared) {
    let Some((root, src)) = shared.session().as_ref().map(|s| (s.project.root.clone(), s.project.src_dir())) else {
        return;
    };
    let watcher = match SourceWatcher::new(&root, &src, Duration::from_millis(50)) {
        Ok(watcher) => watcher,
        Err(error) => {
            let client = shared.client.clone();
            tokio::spawn(async move { client.log_message(MessageType::WARNING, error.to_string()).await });
            return;
        }
    };
    let (sender, mut batches) = tokio::sync::mpsc::unbounded_channel();
    // notify delivers events on its own threads; this one hands batches to the runtime and
    // ends when the server does (the process exits without waiting for it).
    std::thread::spawn(move || {
        while !sender.is_closed() {
            if let Some(batch) = watcher.next_batch(Duration::from_millis(500)) {
                let _ = sender.send(batch);
            }
        }
    });
    tokio::spawn(async move {
        while let Some(batch) = batches.recv().await {
            publish::files_changed(&shared, (!batch.rescan).then_some(batch.paths)).await;
        }
    });
}
