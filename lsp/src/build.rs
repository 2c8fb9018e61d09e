//! Builds on save: what a save affects is rebuilt into the output folder through the
//! engine's cache. Progress goes out as `$/progress` (when the client supports work-done
//! progress) and as the notifications `eghact/buildStarted`, `eghact/buildProgress` and
//! `eghact/buildFinished`, which the VS Code extension's status bar reads.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use eghact_engine::build::{BuildEvent, CacheState};
use serde_json::{Value, json};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::notification::{Notification, Progress};
use tower_lsp_server::ls_types::request::WorkDoneProgressCreate;
use tower_lsp_server::ls_types::{
    NumberOrString, ProgressParams, ProgressParamsValue, WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressCreateParams,
    WorkDoneProgressEnd, WorkDoneProgressReport,
};

use crate::session::Session;

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
notification!(BuildFinished, "eghact/buildFinished");

/// Rebuilds after a save, reporting progress while it runs. The saved buffer is already the
/// database's text, so nothing is read from the disk.
pub async fn on_save(client: &Client, session: Arc<Mutex<Option<Session>>>, work_done_progress: bool) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let token = NumberOrString::String(format!("eghact-build-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
    let progress = work_done_progress
        && client.send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams { token: token.clone() }).await.is_ok();
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel::<BuildEvent>();
    let build = tokio::task::spawn_blocking(move || {
        let mut guard = session.lock().unwrap_or_else(PoisonError::into_inner);
        let session = guard.as_mut()?;
        let report = session.builder.build(&|event| {
            let _ = sender.send(event);
        });
        Some(report.map_err(|e| e.to_string()))
    });
    while let Some(event) = events.recv().await {
        match event {
            BuildEvent::Started { total } => {
                client.send_notification::<BuildStarted>(json!({ "total": total })).await;
                if progress {
                    let begin = WorkDoneProgressBegin { title: "Building".into(), percentage: Some(0), ..Default::default() };
                    report(client, &token, WorkDoneProgress::Begin(begin)).await;
                }
            }
            BuildEvent::Compiled { path, done, total, cache } => {
                let cache = match cache {
                    CacheState::Unchanged => "unchanged",
                    CacheState::Hit(_) => "hit",
                    CacheState::Miss => "compiled",
                };
                client
                    .send_notification::<BuildProgress>(json!({ "path": path, "done": done, "total": total, "cache": cache }))
                    .await;
                if progress {
                    let percentage = Some((done * 100 / total.max(1)) as u32);
                    let step = WorkDoneProgressReport { message: Some(path), percentage, ..Default::default() };
                    report(client, &token, WorkDoneProgress::Report(step)).await;
                }
            }
            BuildEvent::Finished => {}
        }
    }
    let summary = match build.await {
        Ok(Some(Ok(report))) => json!({
            "files": report.files.len(),
            "compiled": report.count_state(CacheState::Miss),
            "errors": report.count(true),
            "warnings": report.count(false),
            "ms": report.phases.total_ms,
        }),
        Ok(Some(Err(error))) => json!({ "error": error }),
        Ok(None) | Err(_) => json!({ "error": "no workspace" }),
    };
    client.send_notification::<BuildFinished>(summary.clone()).await;
    if progress {
        let end = WorkDoneProgressEnd { message: Some(summary.to_string()) };
        report(client, &token, WorkDoneProgress::End(end)).await;
    }
}

async fn report(client: &Client, token: &NumberOrString, value: WorkDoneProgress) {
    let params = ProgressParams { token: token.clone(), value: ProgressParamsValue::WorkDone(value) };
    client.send_notification::<Progress>(params).await;
}
