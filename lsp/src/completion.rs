//! Completion: members after `.` and names in scope (from the engine's checker) in code;
//! components and HTML tags after `<`, block keywords after `{#`, `{:` and `{/`, and event
//! names after `@` in markup.

use eghact_engine::db;
use eghact_engine::types::Completion;
use tower_lsp_server::ls_types::{CompletionItem, CompletionItemKind, CompletionResponse, Position};

use crate::convert;
use crate::session::Snapshot;

const TAGS: &[&str] = &[
    "a", "article", "aside", "button", "canvas", "div", "footer", "form", "h1", "h2", "h3", "h4", "header", "img", "input",
    "label", "li", "main", "nav", "ol", "option", "p", "pre", "section", "select", "slot", "span", "table", "tbody", "td",
    "template", "textarea", "th", "thead", "tr", "ul",
];
const EVENTS: &[&str] = &[
    "click",
    "dblclick",
    "input",
    "change",
    "submit",
    "keydown",
    "keyup",
    "focus",
    "blur",
    "mouseenter",
    "mouseleave",
    "pointerdown",
    "pointerup",
    "scroll",
];

pub fn completion(snap: &Snapshot, path: &str, position: Position) -> Option<CompletionResponse> {
    let file = snap.file(path)?;
    let text = snap.text(path);
    let offset = convert::offset(text, position, snap.encoding);
    let items = match db::complete(&snap.db, file, offset) {
        Some(Completion::Members(members)) => {
            members.into_iter().map(|m| item(m.name, CompletionItemKind::FIELD, Some(m.ty.to_string()))).collect()
        }
        Some(Completion::Names(names)) => {
            names.into_iter().map(|(name, ty)| item(name, CompletionItemKind::VARIABLE, Some(ty.to_string()))).collect()
        }
        None => markup(snap, path, &text[..offset as usize]),
    };
    Some(CompletionResponse::Array(items))
}

/// Completion in markup, from the text before the cursor.
fn markup(snap: &Snapshot, path: &str, before: &str) -> Vec<CompletionItem> {
    let word_start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).map_or(0, |i| i + 1);
    let trigger = &before[..word_start];
    if trigger.ends_with("{#") {
        keywords(&["if", "each", "await", "html"])
    } else if trigger.ends_with("{:") {
        keywords(&["else", "else if", "then", "catch"])
    } else if trigger.ends_with("{/") {
        keywords(&["if", "each", "await"])
    } else if trigger.ends_with('<') {
        let db = &snap.db;
        let components =
            snap.file(path).map(|f| db::outline(db, f).imports.iter().filter_map(|i| i.default_name.clone()).collect::<Vec<_>>());
        let mut items: Vec<CompletionItem> = components
            .unwrap_or_default()
            .into_iter()
            .map(|c| item(c, CompletionItemKind::CLASS, Some("component".into())))
            .collect();
        items.extend(TAGS.iter().map(|t| item(t.to_string(), CompletionItemKind::PROPERTY, None)));
        items
    } else if trigger.ends_with('@') {
        EVENTS.iter().map(|e| item(e.to_string(), CompletionItemKind::EVENT, None)).collect()
    } else {
        Vec::new()
    }
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words.iter().map(|w| item(w.to_string(), CompletionItemKind::KEYWORD, None)).collect()
}

fn item(label: String, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem { label, kind: Some(kind), detail, ..CompletionItem::default() }
}
