//! `textDocument/completion`: the engine's items (names and members in code; tags, components
//! with their imports, attributes, props, events, modifiers and block keywords in markup).

use eghact_ide::Cancellable;
use eghact_ide::completion::CompletionKind;
use tower_lsp_server::ls_types::request::Completion;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit, Documentation, MarkupContent,
    MarkupKind, TextEdit,
};

use crate::state::Snapshot;

super::document_request! { CompletionHandler, Completion, CompletionResponse, |params| text_document_position.text_document.uri }

fn run(snap: &Snapshot, path: &str, params: CompletionParams) -> Cancellable<Option<CompletionResponse>> {
    let positions = snap.positions(path);
    let offset = positions.offset(params.text_document_position.position);
    let Some(completions) = snap.analysis.completion(path, offset)? else { return Ok(None) };
    let word = completions.word.map(|word| positions.range(word));
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
                .map(|edit| vec![TextEdit { range: positions.range(edit.span), new_text: edit.text }]),
            label: item.label,
            ..CompletionItem::default()
        })
        .collect();
    Ok(Some(CompletionResponse::Array(items)))
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
