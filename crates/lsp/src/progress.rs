//! Work-done progress the server starts (`window/workDoneProgress/create` + `$/progress`),
//! for indexing and builds; nothing is sent when the client does not show such progress.

use std::sync::atomic::{AtomicU32, Ordering};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::notification::Progress as ProgressNotification;
use tower_lsp_server::ls_types::request::WorkDoneProgressCreate;
use tower_lsp_server::ls_types::{
    NumberOrString, ProgressParams, ProgressParamsValue, WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressCreateParams,
    WorkDoneProgressEnd, WorkDoneProgressReport,
};

pub struct Progress {
    client: Client,
    /// `None` when the client does not show progress or refused the token.
    token: Option<NumberOrString>,
    /// The last percentage sent: reports are sent only when it moves.
    percentage: Option<u32>,
}

impl Progress {
    pub async fn begin(client: &Client, enabled: bool, title: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let token = NumberOrString::String(format!("eghact-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
        let created = enabled
            && client.send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams { token: token.clone() }).await.is_ok();
        let progress = Self { client: client.clone(), token: created.then_some(token), percentage: Some(0) };
        let begin = WorkDoneProgressBegin { title: title.into(), percentage: Some(0), ..WorkDoneProgressBegin::default() };
        progress.send(WorkDoneProgress::Begin(begin)).await;
        progress
    }

    /// `done` of `total`, with what was done last.
    pub async fn report(&mut self, done: usize, total: usize, message: Option<String>) {
        let percentage = (done * 100 / total.max(1)) as u32;
        if self.percentage == Some(percentage) {
            return;
        }
        self.percentage = Some(percentage);
        let message = message.map(|m| format!("{done}/{total} {m}"));
        let report = WorkDoneProgressReport { message, percentage: Some(percentage), ..WorkDoneProgressReport::default() };
        self.send(WorkDoneProgress::Report(report)).await;
    }

    /// A message without moving the percentage (remote actions changing state).
    pub async fn message(&self, message: String) {
        let report =
            WorkDoneProgressReport { message: Some(message), percentage: self.percentage, ..WorkDoneProgressReport::default() };
        self.send(WorkDoneProgress::Report(report)).await;
    }

    pub async fn end(self, message: String) {
        self.send(WorkDoneProgress::End(WorkDoneProgressEnd { message: Some(message) })).await;
    }

    async fn send(&self, value: WorkDoneProgress) {
        if let Some(token) = &self.token {
            let params = ProgressParams { token: token.clone(), value: ProgressParamsValue::WorkDone(value) };
            self.client.send_notification::<ProgressNotification>(params).await;
        }
    }
}
