//! The protocol side: capabilities, document sync, and dispatch of requests to the feature
//! modules.
//!
//! Concurrency, as in rust-analyzer: writes (document changes) take the session's lock,
//! apply the change and take a [`Snapshot`]; requests take a snapshot under the lock and run
//! on the blocking pool without it, so a slow request never holds up an edit or another
//! request. A write cancels the queries that older snapshots run: their requests answer
//! `ContentModified`, and diagnostics computed for an older text are computed again.
//! A request that panics answers an internal error and the server goes on.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use eghact_analysis::db;
use eghact_builder::Builder;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::convert::{self, Encoding};
use crate::diagnostics::Depth;
use crate::session::{self, BuildSettings, Session, Snapshot};
use crate::{
    build, code_action, completion, definition, diagnostics, folding, formatting, hover, indexing, inlay_hints, linked_editing,
    references, rename, selection_range, semantic_tokens, signature_help, symbols, workspace_symbols,
};

pub struct Server {
    shared: Shared,
    /// `EGHACT_LSP_FAULT=<method>` makes that request panic: the tests check that the
    /// server answers an error and lives on.
    fault: Option<String>,
}

/// What the server's handlers and its background tasks (indexing, the file watcher) share.
#[derive(Clone)]
pub struct Shared {
    pub client: Client,
    pub session: Arc<Mutex<Option<Session>>>,
    /// The builder that builds run on (created by the first build).
    pub builds: Arc<Mutex<Option<Builder>>>,
    /// Counts writes to the session; a snapshot knows the write it follows.
    writes: Arc<AtomicU64>,
    /// The write that each path's published diagnostics follow, so that diagnostics of an
    /// older text never replace newer ones.
    published: Arc<tokio::sync::Mutex<HashMap<String, (u64, Depth)>>>,
}

/// What to publish diagnostics for, worked out on a snapshot (it may read the import graph).
type Affected = Arc<dyn Fn(&Snapshot) -> Vec<String> + Send + Sync>;

impl Shared {
    pub fn session(&self) -> MutexGuard<'_, Option<Session>> {
        // A request that panicked leaves the session as it was; the server goes on.
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn snapshot(&self) -> Option<Snapshot> {
        self.session().as_ref().map(Session::snapshot)
    }

    /// Applies `write` to the session, then publishes the diagnostics of the paths that
    /// the returned function names.
    async fn write(&self, write: impl FnOnce(&mut Session) -> Option<Affected>) {
        let affected = {
            let mut guard = self.session();
            let Some(session) = guard.as_mut() else { return };
            let affected = write(session);
            self.writes.fetch_add(1, Ordering::SeqCst);
            affected
        };
        if let Some(affected) = affected {
            self.publish(affected).await;
        }
    }

    /// Changes on disk (`paths` relative to the root, or everything for `None`) to files the
    /// editor has not open (an open document's buffer wins), then, if the workspace changed,
    /// the diagnostics of the open documents.
    pub async fn files_changed(&self, paths: Option<Vec<String>>) {
        self.write(|session| {
            let changed = match paths {
                Some(paths) => {
                    let paths: Vec<String> = paths.into_iter().filter(|p| !session.open.contains_key(p)).collect();
                    session.reload(&paths)
                }
                None => session.reload_all(),
            };
            changed.then(|| Arc::new(|snap: &Snapshot| snap.open.keys().cloned().collect()) as Affected)
        })
        .await;
    }

    /// Computes and publishes diagnostics on a fresh snapshot: first without import cycles
    /// (fast), then, for the paths where cycles change the answer, with them. When a newer
    /// write cancels the computation, it starts again on a newer snapshot, so that nothing is
    /// left unpublished.
    async fn publish(&self, affected: Affected) {
        let mut first: HashMap<String, Vec<Diagnostic>> = HashMap::new();
        let mut depth = Depth::Component;
        loop {
            let Some((snap, write)) = self.session().as_ref().map(|s| (s.snapshot(), self.writes.load(Ordering::SeqCst))) else {
                return;
            };
            let affected = affected.clone();
            let batches = match run(move || diagnostics::collect(&snap, &affected(&snap), depth)).await {
                Ok(batches) => batches,
                Err(error) if error.code == ErrorCode::ContentModified => {
                    // Start over: what was published came from an older text.
                    first.clear();
                    depth = Depth::Component;
                    continue;
                }
                Err(error) => {
                    self.client.log_message(MessageType::ERROR, format!("diagnostics: {}", error.message)).await;
                    return;
                }
            };
            let mut published = self.published.lock().await;
            for (path, uri, diagnostics, version) in batches {
                if depth == Depth::Full && first.get(&path) == Some(&diagnostics) {
                    continue;
                }
                // Tasks cancelled and run again may end on the same snapshot: publish once.
                let last = published.entry(path.clone()).or_insert((0, Depth::Component));
                if *last < (write, depth) {
                    *last = (write, depth);
                    if depth == Depth::Component {
                        first.insert(path, diagnostics.clone());
                    }
                    self.client.publish_diagnostics(uri, diagnostics, version).await;
                }
            }
            drop(published);
            match depth {
                Depth::Component => depth = Depth::Full,
                Depth::Full => return,
            }
        }
    }
}

impl Server {
    pub fn new(client: Client) -> Self {
        let shared =
            Shared { client, session: Arc::default(), builds: Arc::default(), writes: Arc::default(), published: Arc::default() };
        Self { shared, fault: std::env::var("EGHACT_LSP_FAULT").ok() }
    }

    fn session(&self) -> MutexGuard<'_, Option<Session>> {
        self.shared.session()
    }

    /// Runs `f` on a snapshot and the project path of `uri`, off the async runtime.
    async fn read<T: Send + 'static>(
        &self,
        method: &'static str,
        uri: &Uri,
        f: impl FnOnce(&Snapshot, &str) -> Option<T> + Send + 'static,
    ) -> Result<Option<T>> {
        let Some(snap) = self.shared.snapshot() else { return Ok(None) };
        let Some(path) = snap.path_of(uri) else { return Ok(None) };
        let fault = self.fault.as_deref() == Some(method);
        run(move || {
            if fault {
                panic!("fault injected into {method} (EGHACT_LSP_FAULT)");
            }
            f(&snap, &path)
        })
        .await
    }

    /// A document's new text; its diagnostics, and its importers' when its signature changed.
    async fn changed(&self, uri: &Uri, version: i32, edit: impl FnOnce(&str) -> String) {
        self.shared
            .write(|session| {
                let path = session.path_of(uri)?;
                // Usually known already: the diagnostics of the last text needed it.
                let before = session.file(&path).map(|f| db::signature(session.builder.host().db(), f).clone());
                let text = edit(session.text(&path));
                session.set_text(&path, text);
                session.open.insert(path.clone(), version);
                Some(Arc::new(move |snap: &Snapshot| diagnostics::affected(snap, &path, before.as_ref())))
            })
            .await;
    }
}

/// Runs `f` on the blocking pool. A panic becomes an internal error, and a query cancelled
/// by a newer write becomes `ContentModified` (the client asks again if it still cares).
pub async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let outcome = tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(f))).await;
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(payload)) if payload.is::<salsa::Cancelled>() => Err(Error::content_modified()),
        Ok(Err(payload)) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error { message: format!("internal error: {message}").into(), ..Error::internal_error() })
        }
        Err(join) => Err(Error { message: format!("internal error: {join}").into(), ..Error::internal_error() }),
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encodings = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.clone()).unwrap_or_default();
        let encoding = if encodings.contains(&PositionEncodingKind::UTF8) { Encoding::Utf8 } else { Encoding::Utf16 };
        let root = session::root_of(&params)
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
                    legend: semantic_tokens::legend(),
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
                                pattern: FileOperationPattern { glob: "**/*.egh".into(), ..FileOperationPattern::default() },
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
            let watcher = FileSystemWatcher { glob_pattern: GlobPattern::String("**/*.{egh,ts,js}".into()), kind: None };
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
        self.shared.files_changed(Some(paths)).await;
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let items = self.read("textDocument/diagnostic", &params.text_document.uri, diagnostics::of).await?.unwrap_or_default();
        Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
        })))
    }

    async fn workspace_diagnostic(&self, params: WorkspaceDiagnosticParams) -> Result<WorkspaceDiagnosticReportResult> {
        let Some(snap) = self.shared.snapshot() else { return Ok(WorkspaceDiagnosticReport::default().into()) };
        let report = run(move || diagnostics::workspace(&snap, &params.previous_result_ids)).await?;
        Ok(WorkspaceDiagnosticReportResult::Report(report))
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
        self.changed(&document.uri, document.version, |_| document.text.clone()).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let encoding = self.session().as_ref().map_or(Encoding::Utf16, |s| s.encoding);
        let changes = params.content_changes;
        self.changed(&params.text_document.uri, params.text_document.version, |text| {
            let mut text = text.to_string();
            for change in changes {
                match change.range {
                    Some(range) => {
                        let start = convert::offset(&text, range.start, encoding) as usize;
                        let end = (convert::offset(&text, range.end, encoding) as usize).max(start);
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
        self.shared
            .write(|session| {
                let path = session.path_of(&params.text_document.uri)?;
                let before = session.file(&path).map(|f| db::signature(session.builder.host().db(), f).clone());
                session.open.remove(&path);
                session.reload(std::slice::from_ref(&path));
                // Back to the text on disk, or gone: its importers see that signature.
                Some(Arc::new(move |snap: &Snapshot| diagnostics::affected(snap, &path, before.as_ref())))
            })
            .await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        self.read("textDocument/hover", &at.text_document.uri, move |snap, path| hover::hover(snap, path, at.position)).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        self.read("textDocument/completion", &at.text_document.uri, move |snap, path| {
            completion::completion(snap, path, at.position)
        })
        .await
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let at = params.text_document_position_params;
        self.read("textDocument/signatureHelp", &at.text_document.uri, move |snap, path| {
            signature_help::signature_help(snap, path, at.position)
        })
        .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let include = params.context.include_declaration;
        self.read("textDocument/references", &at.text_document.uri, move |snap, path| {
            references::references(snap, path, at.position, include)
        })
        .await
    }

    async fn document_highlight(&self, params: DocumentHighlightParams) -> Result<Option<Vec<DocumentHighlight>>> {
        let at = params.text_document_position_params;
        self.read("textDocument/documentHighlight", &at.text_document.uri, move |snap, path| {
            references::highlight(snap, path, at.position)
        })
        .await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let uri = params.text_document.uri;
        self.read("textDocument/prepareRename", &uri, move |snap, path| rename::prepare(snap, path, params.position)).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        let new_name = params.new_name;
        self.read("textDocument/rename", &at.text_document.uri, move |snap, path| {
            rename::rename(snap, path, at.position, &new_name)
        })
        .await
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let Some(snap) = self.shared.snapshot() else { return Ok(None) };
        let symbols = run(move || workspace_symbols::workspace_symbols(&snap, &params.query)).await?;
        Ok(Some(WorkspaceSymbolResponse::Nested(symbols)))
    }

    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        let Some(snap) = self.shared.snapshot() else { return Ok(None) };
        run(move || rename::will_rename_files(&snap, &params.files)).await
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        self.read("textDocument/documentSymbol", &params.text_document.uri, symbols::document_symbols).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.read("textDocument/foldingRange", &params.text_document.uri, folding::folding_ranges).await
    }

    async fn selection_range(&self, params: SelectionRangeParams) -> Result<Option<Vec<SelectionRange>>> {
        let positions = params.positions;
        self.read("textDocument/selectionRange", &params.text_document.uri, move |snap, path| {
            selection_range::selection_ranges(snap, path, &positions)
        })
        .await
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let tokens = self.read("textDocument/semanticTokens/full", &params.text_document.uri, semantic_tokens::semantic_tokens);
        Ok(tokens.await?.map(SemanticTokensResult::Tokens))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.read("textDocument/formatting", &params.text_document.uri, formatting::formatting).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        self.read("textDocument/codeAction", &params.text_document.uri, move |snap, path| {
            code_action::code_actions(snap, path, range)
        })
        .await
    }

    async fn linked_editing_range(&self, params: LinkedEditingRangeParams) -> Result<Option<LinkedEditingRanges>> {
        let at = params.text_document_position_params;
        self.read("textDocument/linkedEditingRange", &at.text_document.uri, move |snap, path| {
            linked_editing::linked_editing(snap, path, at.position)
        })
        .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let range = params.range;
        self.read("textDocument/inlayHint", &params.text_document.uri, move |snap, path| {
            inlay_hints::inlay_hints(snap, path, range)
        })
        .await
    }

    async fn goto_type_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        self.read("textDocument/typeDefinition", &at.text_document.uri, move |snap, path| {
            definition::type_definition(snap, path, at.position)
        })
        .await
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        self.read("textDocument/definition", &at.text_document.uri, move |snap, path| {
            definition::definition(snap, path, at.position)
        })
        .await
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
