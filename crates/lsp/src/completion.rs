//! Completion: the engine's items (`db::completions`: names and members in code; tags,
//! components with their imports, attributes, props, events, modifiers and block keywords in
//! markup) in the protocol's terms.

use eghact_ide::completion::CompletionKind;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, CompletionTextEdit, Documentation, MarkupContent, MarkupKind,
    Position, TextEdit,
};

use crate::convert;
use crate::session::Snapshot;

pub fn completion(snap: &Snapshot, path: &str, position: Position) -> Option<CompletionResponse> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    let completions = eghact_ide::completion::completions(&snap.db, file, offset).unwrap_or_default();
    let word = completions.word.map(|word| convert::range(text, word, snap.encoding));
    let items = completions
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| CompletionItem {
            kind: Some(kind(item.kind)),
            detail: item.detail,
            documentation: item
                .docs
                .map(|value| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })),
            // The engine lists the best first (required props, imported components); clients
            // sort by this text, not by the order of the list.
            sort_text: Some(format!("{i:06}")),
            text_edit: word.map(|range| CompletionTextEdit::Edit(TextEdit { range, new_text: item.label.clone() })),
            additional_text_edits: item
                .edit
                .map(|edit| vec![TextEdit { range: convert::range(text, edit.span, snap.encoding), new_text: edit.text }]),
            label: item.label,
            ..CompletionItem::default()
        })
        .collect();
    Some(CompletionResponse::Array(items))
}

fn kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Tag | CompletionKind::Attribute => CompletionItemKind::PROPERTY,
        CompletionKind::Component => CompletionItemKind::CLASS,
        CompletionKind::Prop | CompletionKind::Member => CompletionItemKind::FIELD,
        CompletionKind::Event => CompletionItemKind::EVENT,
        CompletionKind::Modifier => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Directive | CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Variable => CompletionItemKind::VARIABLE,
    }
}
