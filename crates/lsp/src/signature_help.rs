//! Signature help: the function a call calls and the parameter at the cursor, from the
//! engine's types (`db::signature_help`).

use tower_lsp_server::ls_types::{ParameterInformation, ParameterLabel, Position, SignatureHelp, SignatureInformation};

use crate::convert;
use crate::session::Snapshot;

pub fn signature_help(snap: &Snapshot, path: &str, position: Position) -> Option<SignatureHelp> {
    let file = snap.file(path)?;
    let offset = convert::offset(snap.text(path), position, snap.encoding);
    let help = eghact_ide::names::signature_help(&snap.db, file, offset)?;
    // Offsets into the label count as the client's columns do.
    let column = |byte: u32| convert::position(&help.label, byte, snap.encoding).character;
    let parameters = help
        .params
        .iter()
        .map(|&(start, end)| ParameterInformation {
            label: ParameterLabel::LabelOffsets([column(start), column(end)]),
            documentation: None,
        })
        .collect();
    let active = help.active.map(|a| a as u32);
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label: help.label.clone(),
            documentation: None,
            parameters: Some(parameters),
            active_parameter: active,
        }],
        active_signature: Some(0),
        active_parameter: active,
    })
}
