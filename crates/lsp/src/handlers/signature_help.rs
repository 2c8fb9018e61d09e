//! `textDocument/signatureHelp`: the function a call calls and the parameter at the cursor.

use eghact_ide::Cancellable;
use tower_lsp_server::ls_types::request::SignatureHelpRequest;
use tower_lsp_server::ls_types::{
    ParameterInformation, ParameterLabel, SignatureHelp, SignatureHelpParams, SignatureInformation,
};

use crate::convert::Positions;
use crate::state::Snapshot;

super::document_request! { SignatureHelpHandler, SignatureHelpRequest, SignatureHelp, |params| text_document_position_params.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: SignatureHelpParams) -> Cancellable<Option<SignatureHelp>> {
    let offset = snap.positions(path).offset(params.text_document_position_params.position);
    let Some(help) = snap.analysis.signature_help(path, offset)? else { return Ok(None) };
    // Offsets into the label count as the client's columns do.
    let label = Positions::new(&help.label, snap.encoding);
    let column = |byte: u32| label.position(byte).character;
    let parameters = help
        .params
        .iter()
        .map(|&(start, end)| ParameterInformation {
            label: ParameterLabel::LabelOffsets([column(start), column(end)]),
            documentation: None,
        })
        .collect();
    let active = help.active.map(|a| a as u32);
    Ok(Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label: help.label.clone(),
            documentation: None,
            parameters: Some(parameters),
            active_parameter: active,
        }],
        active_signature: Some(0),
        active_parameter: active,
    }))
}
