//! `workspace/diagnostic`: every component's report; one whose result id the client already
//! holds is answered "unchanged".

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use eghact_ide::{Cancellable, Depth};
use tower_lsp_server::ls_types::request::{Request, WorkspaceDiagnosticRequest};
use tower_lsp_server::ls_types::{self as lsp, Uri, WorkspaceDiagnosticParams};

use super::WorkspaceRequest;
use super::diagnostic::of;
use crate::state::Snapshot;

pub struct WorkspaceDiagnosticHandler;

impl WorkspaceRequest for WorkspaceDiagnosticHandler {
    const METHOD: &'static str = WorkspaceDiagnosticRequest::METHOD;
    type Params = WorkspaceDiagnosticParams;
    type Result = lsp::WorkspaceDiagnosticReport;

    fn run(snap: &Snapshot, params: WorkspaceDiagnosticParams) -> Cancellable<lsp::WorkspaceDiagnosticReport> {
        workspace(snap, &params.previous_result_ids)
    }
}

/// `workspace/diagnostic`: every component's report; one whose result id the client already
/// holds is answered "unchanged".
fn workspace(snap: &Snapshot, previous: &[lsp::PreviousResultId]) -> Cancellable<lsp::WorkspaceDiagnosticReport> {
    let previous: HashMap<&Uri, &str> = previous.iter().map(|p| (&p.uri, p.value.as_str())).collect();
    let mut items = Vec::new();
    for path in snap.analysis.components() {
        let Some(diagnostics) = of(snap, &path, Depth::Full)? else { continue };
        items.extend(report(snap, &previous, &path, diagnostics));
    }
    Ok(lsp::WorkspaceDiagnosticReport { items })
}

/// One component's report: "unchanged" when the client holds its result id.
fn report(
    snap: &Snapshot,
    previous: &HashMap<&Uri, &str>,
    path: &str,
    items: Vec<lsp::Diagnostic>,
) -> Option<lsp::WorkspaceDocumentDiagnosticReport> {
    let uri = snap.uri_of(path)?;
    let version = snap.open.get(path).map(|v| i64::from(*v));
    let result_id = result_id(&items);
    if previous.get(&uri) == Some(&result_id.as_str()) {
        let report = lsp::UnchangedDocumentDiagnosticReport { result_id };
        return Some(lsp::WorkspaceDocumentDiagnosticReport::Unchanged(lsp::WorkspaceUnchangedDocumentDiagnosticReport {
            uri,
            version,
            unchanged_document_diagnostic_report: report,
        }));
    }
    let report = lsp::FullDocumentDiagnosticReport { result_id: Some(result_id), items };
    Some(lsp::WorkspaceDocumentDiagnosticReport::Full(lsp::WorkspaceFullDocumentDiagnosticReport {
        uri,
        version,
        full_document_diagnostic_report: report,
    }))
}

/// A digest of a report's diagnostics: equal reports have equal ids.
fn result_id(items: &[lsp::Diagnostic]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_string(items).unwrap_or_default().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
