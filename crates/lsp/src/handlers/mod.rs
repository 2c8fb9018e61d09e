//! One file per request, each behind one of two traits: a [`DocumentRequest`] is about one
//! document of the workspace (the dispatch in `server.rs` resolves its URI to a project path
//! and answers nothing for a document outside the workspace); a [`WorkspaceRequest`] is about
//! the whole workspace. Both run on a snapshot, on the blocking pool (`task.rs`), and translate
//! between the protocol and the `ide` façade: no handler knows the language.

pub mod code_action;
pub mod completion;
pub mod definition;
pub mod diagnostic;
pub mod document_highlight;
pub mod document_symbol;
pub mod folding_range;
pub mod formatting;
pub mod hover;
pub mod inlay_hint;
pub mod linked_editing_range;
pub mod prepare_rename;
pub mod references;
pub mod rename;
pub mod selection_range;
pub mod semantic_tokens;
pub mod signature_help;
pub mod type_definition;
pub mod will_rename_files;
pub mod workspace_diagnostic;
pub mod workspace_symbol;

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::Uri;

use crate::state::Snapshot;

pub trait DocumentRequest {
    /// The protocol's name of the request (and what `EGHACT_LSP_FAULT` names).
    const METHOD: &'static str;
    type Params: Send + 'static;
    type Result: Send + 'static;
    /// The document the request is about.
    fn uri(params: &Self::Params) -> &Uri;
    /// The answer for the document at project path `path`.
    fn run(snap: &Snapshot, path: &str, params: Self::Params) -> Cancellable<Option<Self::Result>>;
}

pub trait WorkspaceRequest {
    const METHOD: &'static str;
    type Params: Send + 'static;
    type Result: Send + 'static;
    fn run(snap: &Snapshot, params: Self::Params) -> Cancellable<Self::Result>;
}

/// A `DocumentRequest` whose parameters are the protocol's `R::Params` and that names the
/// document at `$($uri).+`.
macro_rules! document_request {
    ($handler:ident, $request:ty, $result:ty, |$params:ident| $($uri:ident).+) => {
        pub struct $handler;
        impl $crate::handlers::DocumentRequest for $handler {
            const METHOD: &'static str = <$request as tower_lsp_server::ls_types::request::Request>::METHOD;
            type Params = <$request as tower_lsp_server::ls_types::request::Request>::Params;
            type Result = $result;
            fn uri($params: &Self::Params) -> &tower_lsp_server::ls_types::Uri {
                &$params.$($uri).+
            }
            fn run(snap: &$crate::state::Snapshot, path: &str, params: Self::Params) -> eghact_ide::Cancellable<Option<$result>> {
                run(snap, path, params)
            }
        }
    };
}
pub(crate) use document_request;
