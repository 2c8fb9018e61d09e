//! Writes to the session and the diagnostics they change, pushed with each document's version
//! (so that the editor drops stale ones): first without import cycles (fast), then, for the
//! paths where cycles change the answer, with them. When a newer write cancels the
//! computation, it starts again on a newer snapshot, so that nothing is left unpublished.

use std::collections::HashMap;
use std::sync::Arc;

use eghact_ide::{Cancellable, Depth};
use eghact_semantics::Signature;
use tower_lsp_server::jsonrpc::ErrorCode;
use tower_lsp_server::ls_types::{Diagnostic, MessageType, Uri};

use crate::handlers::diagnostic::of;
use crate::state::{Published, Session, Shared, Snapshot};
use crate::task::run;

/// What to publish diagnostics for, worked out on a snapshot (it may read the import graph).
pub type Affected = Arc<dyn Fn(&Snapshot) -> Cancellable<Vec<String>> + Send + Sync>;

/// Applies `write` to the session, then publishes the diagnostics of the paths that the
/// returned function names.
pub async fn write(shared: &Shared, write: impl FnOnce(&mut Session) -> Option<Affected>) {
    if let Some(Some(affected)) = shared.write(write) {
        publish(shared, affected).await;
    }
}

/// Changes on disk (`paths` relative to the root, or everything for `None`) to files the
/// editor has not open (an open document's buffer wins), then, if the workspace changed,
/// the diagnostics of the open documents.
pub async fn files_changed(shared: &Shared, paths: Option<Vec<String>>) {
    write(shared, |session| {
        let changed = match paths {
            Some(paths) => {
                let paths: Vec<String> = paths.into_iter().filter(|p| !session.open.contains_key(p)).collect();
                session.reload(&paths)
            }
            None => session.reload_all(),
        };
        changed.then(|| Arc::new(|snap: &Snapshot| Ok(snap.open.keys().cloned().collect())) as Affected)
    })
    .await;
}

/// The components whose diagnostics may change when `path` changes: itself, and the
/// components that import it when its signature is no longer `before`.
pub fn affected(path: String, before: Option<Signature>) -> Affected {
    Arc::new(move |snap: &Snapshot| {
        let mut paths = vec![path.clone()];
        if before != snap.analysis.signature(&path)? {
            paths.extend(snap.analysis.importers(&path)?);
        }
        Ok(paths)
    })
}

/// What to publish for `paths`: each document's path, URI, diagnostics and version.
fn collect(snap: &Snapshot, paths: &[String], depth: Depth) -> Cancellable<Vec<(String, Uri, Vec<Diagnostic>, Option<i32>)>> {
    let mut batches = Vec::new();
    for path in paths {
        let diagnostics = match of(snap, path, depth)? {
            Some(diagnostics) => diagnostics,
            // A component that is gone (an unsaved buffer closed, a file deleted) has none:
            // the editor drops what it showed.
            None if eghact_ide::is_component(path) && !snap.analysis.contains(path) => Vec::new(),
            None => continue,
        };
        let Some(uri) = snap.uri_of(path) else { continue };
        batches.push((path.clone(), uri, diagnostics, snap.open.get(path).copied()));
    }
    Ok(batches)
}

async fn publish(shared: &Shared, affected: Affected) {
    let mut first: HashMap<String, Vec<Diagnostic>> = HashMap::new();
    let mut depth = Depth::Component;
    loop {
        let Some((snap, write)) = shared.versioned_snapshot() else { return };
        let affected = affected.clone();
        let batches = match run(move || collect(&snap, &affected(&snap)?, depth)).await {
            Ok(batches) => batches,
            Err(error) if error.code == ErrorCode::ContentModified => {
                // Start over: what was published came from an older text.
                first.clear();
                depth = Depth::Component;
                continue;
            }
            Err(error) => {
                shared.client.log_message(MessageType::ERROR, format!("diagnostics: {}", error.message)).await;
                return;
            }
        };
        let mut published = shared.published.lock().await;
        for (path, uri, diagnostics, version) in batches {
            if depth == Depth::Full && first.get(&path) == Some(&diagnostics) {
                continue;
            }
            // Tasks cancelled and run again may end on the same snapshot: publish once. And
            // what the editor shows already (another task's, from an older snapshot) is not
            // sent again.
            let last =
                published.entry(path.clone()).or_insert_with(|| Published { write: 0, depth: Depth::Component, sent: None });
            if (last.write, last.depth) < (write, depth) {
                (last.write, last.depth) = (write, depth);
                if depth == Depth::Component {
                    first.insert(path.clone(), diagnostics.clone());
                }
                let sending = (diagnostics, version);
                if last.sent.as_ref() != Some(&sending) {
                    shared.client.publish_diagnostics(uri, sending.0.clone(), version).await;
                    last.sent = Some(sending);
                }
            }
        }
        drop(published);
        match depth {
            Depth::Component => depth = Depth::Full,
            Depth::Full => return,
        }
    }
}
