//! `textDocument/semanticTokens/full`: what a TextMate grammar cannot tell: component tags from elements, props,
//! state (the `reactive` modifier: top-level `let`, props, `$:` names, stores), functions and
//! parameters, resolved by the engine's checker.

use eghact_ide::Cancellable;
use eghact_semantics::{TokenKind, TokenModifier};
use tower_lsp_server::ls_types::request::SemanticTokensFullRequest;
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend, SemanticTokensParams,
    SemanticTokensResult,
};

use crate::state::Snapshot;

super::document_request! { SemanticTokensHandler, SemanticTokensFullRequest, SemanticTokensResult, |params| text_document.uri }

/// The protocol's name for an engine token kind: a standard type where one fits (themes colour
/// those), else a name of our own that the VS Code extension declares with a super type.
fn protocol_type(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Component => "component",
        TokenKind::Element => "element",
        TokenKind::Attribute => "attribute",
        TokenKind::Prop => "property",
        TokenKind::Event => "event",
        TokenKind::Modifier => "modifier",
        TokenKind::Directive => "decorator",
        TokenKind::Keyword => "keyword",
        TokenKind::Reactive | TokenKind::Store | TokenKind::Variable => "variable",
        TokenKind::Function => "function",
        TokenKind::Parameter => "parameter",
        TokenKind::Class => "class",
        TokenKind::Type => "type",
    }
}

/// The protocol's token types, each once, in the order the legend gives them.
fn types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = Vec::new();
    for kind in TokenKind::ALL {
        if !types.contains(&protocol_type(kind)) {
            types.push(protocol_type(kind));
        }
    }
    types
}

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: types().into_iter().map(SemanticTokenType::new).collect(),
        token_modifiers: TokenModifier::ALL.into_iter().map(|m| SemanticTokenModifier::new(m.name())).collect(),
    }
}

fn run(snap: &Snapshot, path: &str, _: SemanticTokensParams) -> Cancellable<Option<SemanticTokensResult>> {
    let Some(tokens) = snap.analysis.semantic_tokens(path)? else { return Ok(None) };
    let (text, positions) = (snap.text(path), snap.positions(path));
    let types = types();
    let modifier_bits = TokenModifier::ALL;
    let (mut line, mut start) = (0, 0);
    let mut data = Vec::new();
    for token in tokens {
        let at = positions.position(token.span.start);
        let length = positions.units(token.span.text(text));
        let token_type = types.iter().position(|t| *t == protocol_type(token.kind)).unwrap_or_default() as u32;
        let modifiers =
            token.modifiers.iter().filter_map(|m| modifier_bits.iter().position(|b| *b == m)).fold(0, |bits, i| bits | 1 << i);
        let delta_line = at.line - line;
        let delta_start = if delta_line == 0 { at.character - start } else { at.character };
        data.push(SemanticToken { delta_line, delta_start, length, token_type, token_modifiers_bitset: modifiers });
        (line, start) = (at.line, at.character);
    }
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data })))
}
