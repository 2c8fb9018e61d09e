//! The protocol side: capabilities, document sync, and one dispatch of requests to their
//! handlers (`handlers/`).
//!
//! Concurrency, as in rust-analyzer: writes (document changes) take the session's lock,
//! apply the change and take a snapshot; requests take a snapshot under the lock and run
//! on the blocking pool without it (`task.rs`), so a slow request never holds up an edit or
//! another request. A write cancels the queries that older snapshots run: their requests
//! answer `ContentModified`, and diagnostics computed for an older text are computed again.
//! A request that panics answers an internal error and the server goes on.

use std::sync::PoisonError;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::convert::{Encoding, Positions};
use crate::handlers::{self, DocumentRequest, WorkspaceRequest};
use crate::publish;
use crate::state::{self, BuildSettings, Session, Shared};
use crate::task::run;
use crate::{build, indexing};

pub struct Server {
    shared: Shared,
    /// `EGHACT_LSP_FAULT=<method>` makes that request panic: the tests check that the
    /// server answers an error and lives on.
    fault: Option<String>,
}

impl Server {
    pub fn new(client: Client) -> Self {
        crate::log::to_client(client.clone());
        Self { shared: Shared::new(client), fault: std::env::var("EGHACT_LSP_FAULT").ok() }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        self.shared.session()
    }

    /// Runs handler `H` on a snapshot and the project path of its document, off the async
    /// runtime; nothing for a document outside the workspace.
    async fn document<H: DocumentRequest>(&self, params: H::Params) -> Result<Option<H::Result>> {
        let Some(snap) = self.shared.snapshot() else { return Ok(None) };
        let Some(path) = snap.path_of(H::uri(&params)) else { return Ok(None) };
        let fault = self.fault.as_deref() == Some(H::METHOD);
        let started = std::time::Instant::now();
        let answer = run(move || {
            if fault {
                panic!("fault injected into {} (EGHACT_LSP_FAULT)", H::METHOD);
            }
            H::run(&snap, &path, params)
        })
        .await;
        log_answer(H::METHOD, started, &answer);
        answer
    }

    /// Runs handler `H` on a snapshot of the workspace.
    async fn workspace<H: WorkspaceRequest>(&self, params: H::Params) -> Result<Option<H::Result>> {
        let Some(snap) = self.shared.snapshot() else { return Ok(None) };
        let fault = self.fault.as_deref() == Some(H::METHOD);
        let started = std::time::Instant::now();
        let answer = run(move || {
            if fault {
                panic!("fault injected into {} (EGHACT_LSP_FAULT)", H::METHOD);
            }
            H::run(&snap, params)
        })
        .await;
        log_answer(H::METHOD, started, &answer);
        answer.map(Some)
    }

    /// A document's new text; its diagnostics, and its importers' when its signature changed.
    async fn changed(&self, uri: &Uri, version: i32, edit: impl FnOnce(&str, Encoding) -> String) {
        publish::write(&self.shared, |session| {
            let path = session.path_of(uri)?;
            // Usually known already: the diagnostics of the last text needed it.
            let before = session.host.analysis().signature(&path).ok().flatten();
            let text = edit(session.text(&path), session.encoding);
            session.set_text(&path, text);
            session.open.insert(path.clone(), version);
            Some(publish::affected(path, before))
        })
        .await;
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encodings = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.clone()).unwrap_or_default();
        let encoding = if encodings.contains(&PositionEncodingKind::UTF8) { Encoding::Utf8 } else { Encoding::Utf16 };
        let root = state::root_of(&params)
            .or_else(|| std::env::current_dir().ok())
            .ok_or_else(|| Error::invalid_params("no workspace folder and no current directory"))?;
        let mut session = Session::new(&root, encoding).map_err(Error::invalid_params)?;
        session.client_watches_files = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        session.work_done_progress = params.capabilities.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false);
        session.build_settings = BuildSettings::from_options(params.initialization_options.as_ref());
        *self.session() = Some(session);
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "eghact-lsp".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: ServerCapabilities {
                position_encoding: Some(match encoding {
                    Encoding::Utf8 => PositionEncodingKind::UTF8,
                    Encoding::Utf16 => PositionEncodingKind::UTF16,
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                type_definition_provider: Some(TypeDefinitionProviderCapability::Simple(true)),
                diagnostic_provider: Some(DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("eghact".into()),
                    inter_file_dependencies: true,
                    workspace_diagnostics: true,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                linked_editing_range_provider: Some(LinkedEditingRangeServerCapabilities::Simple(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: handlers::semantic_tokens::legend(),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                document_highlight_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(["(", ","].map(String::from).to_vec()),
                    ..SignatureHelpOptions::default()
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: None,
                    file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                        will_rename: Some(FileOperationRegistrationOptions {
                            filters: vec![FileOperationFilter {
                                scheme: Some("file".into()),
                                pattern: FileOperationPattern {
                                    glob: format!("**/*.{}", eghact_ide::COMPONENT_EXTENSION),
                                    ..FileOperationPattern::default()
                                },
                            }],
                        }),
                        ..WorkspaceFileOperationsServerCapabilities::default()
                    }),
                }),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some([".", "<", "{", "#", ":", "/", "@"].map(String::from).to_vec()),
                    ..CompletionOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let Some((client_watches_files, progress)) =
            self.session().as_ref().map(|s| (s.client_watches_files, s.work_done_progress))
        else {
            return;
        };
        if client_watches_files {
            // Files changed outside the editor (a `git checkout`, a generator) reach the
            // server through the client's watcher.
            let watcher = FileSystemWatcher { glob_pattern: GlobPattern::String(eghact_ide::text_files_glob()), kind: None };
            let options = DidChangeWatchedFilesRegistrationOptions { watchers: vec![watcher] };
            let registration = Registration {
                id: "eghact-watched-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            let _ = self.shared.client.register_capability(vec![registration]).await;
        } else {
            indexing::watch(self.shared.clone());
        }
        tokio::spawn(indexing::index(self.shared.clone(), progress));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = {
            let guard = self.session();
            let Some(session) = guard.as_ref() else { return };
            params.changes.iter().filter_map(|c| session.path_of(&c.uri)).collect()
        };
        publish::files_changed(&self.shared, Some(paths)).await;
    }

    async fn shutdown(&self) -> Result<()> {
        // The build record is written, and the builder dropped, on a blocking thread: a remote
        // cache tier owns a runtime of its own, which must not be dropped on this one.
        let builder = self.shared.builds.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut builder) = builder {
            let _ = tokio::task::spawn_blocking(move || builder.save()).await;
        }
        Ok(())
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        if self.session().as_ref().is_some_and(|s| s.path_of(&params.text_document.uri).is_some()) {
            build::run(&self.shared, build::Scope::Changed).await;
        }
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        self.changed(&document.uri, document.version, |_, _| document.text.clone()).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let changes = params.content_changes;
        self.changed(&params.text_document.uri, params.text_document.version, |text, encoding| {
            let mut text = text.to_string();
            for change in changes {
                match change.range {
                    Some(range) => {
                        let span = Positions::new(&text, encoding).span(range);
                        let (start, end) = (span.start as usize, (span.end as usize).max(span.start as usize));
                        text.replace_range(start..end, &change.text);
                    }
                    None => text = change.text,
                }
            }
            text
        })
        .await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        publish::write(&self.shared, |session| {
            let path = session.path_of(&params.text_document.uri)?;
            let before = session.host.analysis().signature(&path).ok().flatten();
            session.open.remove(&path);
            session.reload(std::slice::from_ref(&path));
            // Back to the text on disk, or gone: its importers see that signature.
            Some(publish::affected(path, before))
        })
        .await;
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let items = self.document::<handlers::diagnostic::DiagnosticHandler>(params).await?.unwrap_or_default();
        Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
        })))
    }

    async fn workspace_diagnostic(&self, params: WorkspaceDiagnosticParams) -> Result<WorkspaceDiagnosticReportResult> {
        let report = self.workspace::<handlers::workspace_diagnostic::WorkspaceDiagnosticHandler>(params).await?;
        Ok(WorkspaceDiagnosticReportResult::Report(report.unwrap_or_default()))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.document::<handlers::hover::HoverHandler>(params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.document::<handlers::completion::CompletionHandler>(params).await
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        self.document::<handlers::signature_help::SignatureHelpHandler>(params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.document::<handlers::references::ReferencesHandler>(params).await
    }

    async fn document_highlight(&self, params: DocumentHighlightParams) -> Result<Option<Vec<DocumentHighlight>>> {
        self.document::<handlers::document_highlight::DocumentHighlightHandler>(params).await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        self.document::<handlers::prepare_rename::PrepareRenameHandler>(params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.document::<handlers::rename::RenameHandler>(params).await
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let symbols = self.workspace::<handlers::workspace_symbol::WorkspaceSymbolHandler>(params).await?;
        Ok(symbols.map(WorkspaceSymbolResponse::Nested))
    }

    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        Ok(self.workspace::<handlers::will_rename_files::WillRenameFilesHandler>(params).await?.flatten())
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        self.document::<handlers::document_symbol::DocumentSymbolHandler>(params).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.document::<handlers::folding_range::FoldingRangeHandler>(params).await
    }

    async fn selection_range(&self, params: SelectionRangeParams) -> Result<Option<Vec<SelectionRange>>> {
        self.document::<handlers::selection_range::SelectionRangeHandler>(params).await
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        self.document::<handlers::semantic_tokens::SemanticTokensHandler>(params).await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.document::<handlers::formatting::FormattingHandler>(params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.document::<handlers::code_action::CodeActionHandler>(params).await
    }

    async fn linked_editing_range(&self, params: LinkedEditingRangeParams) -> Result<Option<LinkedEditingRanges>> {
        self.document::<handlers::linked_editing_range::LinkedEditingRangeHandler>(params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.document::<handlers::inlay_hint::InlayHintHandler>(params).await
    }

    async fn goto_type_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        self.document::<handlers::type_definition::TypeDefinitionHandler>(params).await
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        self.document::<handlers::definition::DefinitionHandler>(params).await
    }
}

/// The requests of the `eghact/` namespace.
impl Server {
    /// `eghact/buildWorkspace`: every component, compared with the build record and the
    /// outputs on disk; answers the build's summary.
    pub async fn build_workspace(&self) -> Result<Value> {
        Ok(build::run(&self.shared, build::Scope::Workspace).await)
    }

    /// `eghact/buildFile` with `{ "uri": … }`: the component and what imports it.
    pub async fn build_file(&self, params: TextDocumentIdentifier) -> Result<Value> {
        let path = self.session().as_ref().and_then(|s| s.path_of(&params.uri));
        let path = path.ok_or_else(|| Error::invalid_params(format!("{} is not in the workspace", params.uri.as_str())))?;
        Ok(build::run(&self.shared, build::Scope::File(path)).await)
    }
}

/// What the log says of an answered request: its time at debug level, a failure at warn (a
/// cancelled one, which the client asks again, at debug).
fn log_answer<T>(method: &str, started: std::time::Instant, answer: &Result<T>) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match answer {
        Ok(_) => tracing::debug!(method, ms, "answered"),
        Err(error) if error.code == tower_lsp_server::jsonrpc::ErrorCode::ContentModified => {
            tracing::debug!(method, ms, "cancelled by a newer edit")
        }
        Err(error) => tracing::warn!(method, ms, "failed: {}", error.message),
    }
}
