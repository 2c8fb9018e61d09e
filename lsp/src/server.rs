//! The protocol side: capabilities, document sync, and dispatch of requests to the feature
//! modules. The session is locked only while the engine computes; nothing awaits under it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use eghact_engine::db;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::convert::{self, Encoding};
use crate::session::{self, Session};
use crate::{
    build, code_action, completion, definition, diagnostics, folding, hover, inlay_hints, linked_editing, references, rename,
    symbols,
};

pub struct Server {
    client: Client,
    session: Arc<Mutex<Option<Session>>>,
}

impl Server {
    pub fn new(client: Client) -> Self {
        Self { client, session: Arc::default() }
    }

    fn session(&self) -> MutexGuard<'_, Option<Session>> {
        // A request that panicked leaves the session as it was; the server goes on.
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the session and the project path of `uri`, if both exist.
    fn with_document<T>(&self, uri: &Uri, f: impl FnOnce(&mut Session, &str) -> Option<T>) -> Option<T> {
        let mut guard = self.session();
        let session = guard.as_mut()?;
        let path = session.path_of(uri)?;
        f(session, &path)
    }

    /// A document's new text, then the diagnostics of what it affects.
    async fn changed(&self, uri: &Uri, version: i32, edit: impl FnOnce(&str) -> String) {
        let published = self.with_document(uri, |session, path| {
            let before = session.file(path).map(|f| db::signature(session.builder.host().db(), f).hash());
            let text = edit(session.text(path));
            session.set_text(path, text);
            session.open.insert(path.to_string(), version);
            let after = session.file(path).map(|f| db::signature(session.builder.host().db(), f).hash());
            let paths = diagnostics::affected(session, path, before != after);
            Some(diagnostics::collect(session, &paths))
        });
        self.publish(published.unwrap_or_default()).await;
    }

    async fn publish(&self, batches: Vec<(Uri, Vec<Diagnostic>, Option<i32>)>) {
        for (uri, diagnostics, version) in batches {
            self.client.publish_diagnostics(uri, diagnostics, version).await;
        }
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
                diagnostic_provider: Some(DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("eghact".into()),
                    inter_file_dependencies: true,
                    workspace_diagnostics: false,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                linked_editing_range_provider: Some(LinkedEditingRangeServerCapabilities::Simple(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
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
        // Files changed outside the editor (a `git checkout`, a generator) reach the server
        // through the client's watcher, when the client offers one.
        if !self.session().as_ref().is_some_and(|s| s.client_watches_files) {
            return;
        }
        let watcher = FileSystemWatcher { glob_pattern: GlobPattern::String("**/*.{egh,ts,js}".into()), kind: None };
        let options = DidChangeWatchedFilesRegistrationOptions { watchers: vec![watcher] };
        let registration = Registration {
            id: "eghact-watched-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let published = {
            let mut guard = self.session();
            let Some(session) = guard.as_mut() else { return };
            // An open document's buffer wins over the disk.
            let paths: Vec<String> =
                params.changes.iter().filter_map(|c| session.path_of(&c.uri)).filter(|p| !session.open.contains_key(p)).collect();
            for path in &paths {
                session.reload(path);
            }
            let open: Vec<String> = session.open.keys().cloned().collect();
            diagnostics::collect(session, &open)
        };
        self.publish(published).await;
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let items =
            self.with_document(&params.text_document.uri, |session, path| diagnostics::of(session, path)).unwrap_or_default();
        Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
        })))
    }

    async fn shutdown(&self) -> Result<()> {
        if let Some(session) = self.session().as_mut() {
            let _ = session.builder.save();
        }
        Ok(())
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let progress = self.with_document(&params.text_document.uri, |session, _| Some(session.work_done_progress));
        if let Some(progress) = progress {
            build::on_save(&self.client, self.session.clone(), progress).await;
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
        let published = self.with_document(&params.text_document.uri, |session, path| {
            session.open.remove(path);
            session.reload(path);
            Some(diagnostics::collect(session, &[path.to_string()]))
        });
        self.publish(published.unwrap_or_default()).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        Ok(self.with_document(&at.text_document.uri, |session, path| hover::hover(session, path, at.position)))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        Ok(self.with_document(&at.text_document.uri, |session, path| completion::completion(session, path, at.position)))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let include = params.context.include_declaration;
        Ok(self.with_document(&at.text_document.uri, |session, path| references::references(session, path, at.position, include)))
    }

    async fn document_highlight(&self, params: DocumentHighlightParams) -> Result<Option<Vec<DocumentHighlight>>> {
        let at = params.text_document_position_params;
        Ok(self.with_document(&at.text_document.uri, |session, path| references::highlight(session, path, at.position)))
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        Ok(self.with_document(&params.text_document.uri, |session, path| rename::prepare(session, path, params.position)))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        Ok(self
            .with_document(&at.text_document.uri, |session, path| rename::rename(session, path, at.position, &params.new_name)))
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self.with_document(&params.text_document.uri, |session, path| symbols::document_symbols(session, path)))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self.with_document(&params.text_document.uri, |session, path| folding::folding_ranges(session, path)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(self.with_document(&params.text_document.uri, |session, path| code_action::code_actions(session, path, params.range)))
    }

    async fn linked_editing_range(&self, params: LinkedEditingRangeParams) -> Result<Option<LinkedEditingRanges>> {
        let at = params.text_document_position_params;
        Ok(self.with_document(&at.text_document.uri, |session, path| linked_editing::linked_editing(session, path, at.position)))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        Ok(self.with_document(&params.text_document.uri, |session, path| inlay_hints::inlay_hints(session, path, params.range)))
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        Ok(self.with_document(&at.text_document.uri, |session, path| definition::definition(session, path, at.position)))
    }
}
