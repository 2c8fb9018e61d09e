//! Semantic tokens: what an editor's TextMate grammar cannot tell from the text alone. This
//! module holds the token model and classifies the template's markup from the syntax tree
//! (component tags, props, events, directives, block keywords); names in code need resolving,
//! so `types::semantic_tokens` classifies those and merges both lists through [`normalized`].
//!
//! Invariant: a list handed to an editor is sorted, its tokens never overlap, and none spans a
//! line break.

use eghact_syntax::ast::{AttributeKind, Component, Element, ElementKind, Node};
use eghact_syntax::diagnostics::Span;
use eghact_syntax::scan::find_keyword;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A component tag (`<Card>`, `</Card>`) or a name imported as a component.
    Component,
    /// The tag of an HTML element, `<slot>` or a nested `<template>`.
    Element,
    /// An attribute of an HTML element, or the name after `bind:`, `class:` or `style:` on one.
    Attribute,
    /// `export let`, an attribute or `bind:` name on a component tag, the slot prop of `let:x={y}`.
    Prop,
    /// `click` of `@click`.
    Event,
    /// `stop` of `@click.stop`.
    Modifier,
    /// The prefix of an attribute that is not plain: `@`, `on:`, `bind:`, `class:`, `let:`…
    Directive,
    /// `#if`, `:else`, `/each`, `as`, `then`, `@html`, and the `$` label of `$:`.
    Keyword,
    /// A name that `$: name = …` declares.
    Reactive,
    /// `$store`: the current value of a store.
    Store,
    Function,
    Variable,
    /// A function parameter, an `{#each}` item or index, a `{:then}` value, a `let:` binding.
    Parameter,
    Class,
    /// An interface, a type alias, an enum or a type parameter.
    Type,
}

impl TokenKind {
    /// Every kind, in a fixed order (an editor's legend).
    pub const ALL: [TokenKind; 15] = [
        TokenKind::Component,
        TokenKind::Element,
        TokenKind::Attribute,
        TokenKind::Prop,
        TokenKind::Event,
        TokenKind::Modifier,
        TokenKind::Directive,
        TokenKind::Keyword,
        TokenKind::Reactive,
        TokenKind::Store,
        TokenKind::Function,
        TokenKind::Variable,
        TokenKind::Parameter,
        TokenKind::Class,
        TokenKind::Type,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Component => "component",
            TokenKind::Element => "element",
            TokenKind::Attribute => "attribute",
            TokenKind::Prop => "prop",
            TokenKind::Event => "event",
            TokenKind::Modifier => "modifier",
            TokenKind::Directive => "directive",
            TokenKind::Keyword => "keyword",
            TokenKind::Reactive => "reactive",
            TokenKind::Store => "store",
            TokenKind::Function => "function",
            TokenKind::Variable => "variable",
            TokenKind::Parameter => "parameter",
            TokenKind::Class => "class",
            TokenKind::Type => "type",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenModifier {
    /// Where the name is declared.
    Declaration,
    /// `const`, imports: never assigned again.
    Readonly,
    /// Component state: assigning it updates the template (top-level `let`, props, `$:` names,
    /// stores; LANGUAGE.md "State").
    Reactive,
}

impl TokenModifier {
    pub const ALL: [TokenModifier; 3] = [TokenModifier::Declaration, TokenModifier::Readonly, TokenModifier::Reactive];

    pub fn name(self) -> &'static str {
        match self {
            TokenModifier::Declaration => "declaration",
            TokenModifier::Readonly => "readonly",
            TokenModifier::Reactive => "reactive",
        }
    }
}

/// A set of [`TokenModifier`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Modifiers(u8);

impl Modifiers {
    pub fn with(self, modifier: TokenModifier) -> Self {
        Self(self.0 | 1 << modifier as u8)
    }

    /// Adds `modifier` when `condition` holds.
    pub fn with_if(self, modifier: TokenModifier, condition: bool) -> Self {
        if condition { self.with(modifier) } else { self }
    }

    pub fn contains(self, modifier: TokenModifier) -> bool {
        self.0 & 1 << modifier as u8 != 0
    }

    pub fn iter(self) -> impl Iterator<Item = TokenModifier> {
        TokenModifier::ALL.into_iter().filter(move |m| self.contains(*m))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SemanticToken {
    pub span: Span,
    pub kind: TokenKind,
    pub modifiers: Modifiers,
}

impl SemanticToken {
    pub fn new(span: Span, kind: TokenKind) -> Self {
        Self { span, kind, modifiers: Modifiers::default() }
    }
}

/// The tokens sorted by position; of two that overlap the one listed first is kept, and empty
/// or multi-line ones are dropped (LSP clients draw a token on one line).
pub fn normalized(source: &str, mut tokens: Vec<SemanticToken>) -> Vec<SemanticToken> {
    tokens.retain(|t| !t.span.is_empty() && !t.span.text(source).contains('\n'));
    tokens.sort_by_key(|t| t.span.start);
    let mut kept: Vec<SemanticToken> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if kept.last().is_none_or(|last| last.span.end <= token.span.start) {
            kept.push(token);
        }
    }
    kept
}

/// The tokens of the template's markup, in no particular order: tags, attribute names,
/// directives, block keywords, and the names the template declares without code (`{#each}`
/// indexes, `let:x`). Names inside expressions are left to the resolver.
pub fn markup_tokens(source: &str, component: &Component) -> Vec<SemanticToken> {
    let mut tokens = Vec::new();
    if let Some(template) = &component.template {
        nodes(source, &template.nodes, &mut tokens);
    }
    tokens
}

fn nodes(source: &str, nodes: &[Node], out: &mut Vec<SemanticToken>) {
    for node in nodes {
        match node {
            Node::Element(element) => {
                self::element(element, out);
                self::nodes(source, &element.children, out);
            }
            Node::Html(mustache) => out.extend(tag_keyword(source, mustache.span)),
            Node::Const(_) | Node::Debug(_) => out.extend(tag_keyword(source, node.span())),
            Node::If(_) | Node::Each(_) | Node::Await(_) | Node::Key(_) => {
                let Some((sections, close)) = node.block_sections() else { continue };
                for section in &sections {
                    out.extend(tag_keyword(source, section.tag));
                    self::nodes(source, section.nodes, out);
                }
                out.extend(close.into_iter().flat_map(|tag| tag_keyword(source, tag)));
                header_keywords(source, node, out);
            }
            Node::Text(_) | Node::Mustache(_) | Node::Comment(_) => {}
        }
    }
}

/// The keyword that opens a tag (`#if` of `{#if c}`, `@html`), and `if` of `{:else if c}`.
fn tag_keyword(source: &str, tag: Span) -> impl Iterator<Item = SemanticToken> {
    let word = |from: usize| {
        let rest = source.get(from..tag.end as usize)?;
        let start = from + rest.len() - rest.trim_start().len();
        let len = source[start..].find(|c: char| c.is_whitespace() || c == '}')?;
        Some(SemanticToken::new(Span::new(start as u32, (start + len) as u32), TokenKind::Keyword))
    };
    let first = word(tag.start as usize + 1).filter(|t| t.span.text(source).starts_with(['#', ':', '/', '@']));
    let second = first
        .filter(|t| t.span.text(source).ends_with("else"))
        .and_then(|t| word(t.span.end as usize))
        .filter(|t| t.span.text(source) == "if");
    first.into_iter().chain(second)
}

/// Keywords and declarations inside a block's opening tag: `as` and the index of `{#each}`,
/// `then` or `catch` of `{#await p then v}`.
fn header_keywords(source: &str, node: &Node, out: &mut Vec<SemanticToken>) {
    let keyword = |from: u32, to: u32, word: &str| {
        let text = source.as_bytes().get(from as usize..to as usize)?;
        let at = from + find_keyword(text, word.as_bytes())? as u32;
        Some(SemanticToken::new(Span::new(at, at + word.len() as u32), TokenKind::Keyword))
    };
    match node {
        Node::Each(block) => {
            out.extend(keyword(block.list.span.end, block.pattern.span.start, "as"));
            out.extend(block.index.as_ref().map(|index| declared_parameter(index.span)));
        }
        Node::Await(block) => {
            for (branch, word) in [(&block.then, "then"), (&block.catch, "catch")] {
                if branch.as_ref().is_some_and(|b| b.tag == block.tag) {
                    out.extend(keyword(block.promise.span.end, block.tag.end, word));
                }
            }
        }
        _ => {}
    }
}

fn declared_parameter(span: Span) -> SemanticToken {
    SemanticToken { span, kind: TokenKind::Parameter, modifiers: Modifiers::default().with(TokenModifier::Declaration) }
}

fn element(element: &Element, out: &mut Vec<SemanticToken>) {
    let is_component = element.kind == ElementKind::Component;
    let tag = if is_component { TokenKind::Component } else { TokenKind::Element };
    out.push(SemanticToken::new(element.name.span, tag));
    out.extend(element.end_name().map(|span| SemanticToken::new(span, tag)));
    // On a component, attributes and `bind:` names are the child's props.
    let property = if is_component { TokenKind::Prop } else { TokenKind::Attribute };
    for attribute in &element.attributes {
        // The prefix of a directive runs from the attribute's start to its name.
        let directive = |name: Span| SemanticToken::new(Span::new(attribute.span.start, name.start), TokenKind::Directive);
        match &attribute.kind {
            AttributeKind::Plain { name, .. } => {
                let kind = if name.text == "slot" { TokenKind::Attribute } else { property };
                out.push(SemanticToken::new(name.span, kind));
            }
            AttributeKind::Event { name, modifiers, .. } => {
                out.push(directive(name.span));
                out.push(SemanticToken::new(name.span, TokenKind::Event));
                out.extend(modifiers.iter().map(|m| SemanticToken::new(m.span, TokenKind::Modifier)));
            }
            // `bind:value` and `class:active` alone name a variable too: the resolver's token.
            AttributeKind::Bind { name, target: value } | AttributeKind::Class { name, condition: value } => {
                out.push(directive(name.span));
                if value.span != name.span {
                    let kind = if matches!(attribute.kind, AttributeKind::Bind { .. }) { property } else { TokenKind::Attribute };
                    out.push(SemanticToken::new(name.span, kind));
                }
            }
            AttributeKind::Style { name, .. } => {
                out.push(directive(name.span));
                out.push(SemanticToken::new(name.span, TokenKind::Attribute));
            }
            AttributeKind::Use { name, .. } | AttributeKind::Transition { name, .. } => {
                out.push(directive(name.span));
                out.push(SemanticToken::new(name.span, TokenKind::Function));
            }
            AttributeKind::Let { name, alias } => {
                out.push(directive(name.span));
                out.push(match alias {
                    Some(_) => SemanticToken::new(name.span, TokenKind::Prop),
                    None => declared_parameter(name.span),
                });
            }
            AttributeKind::Shorthand(_) | AttributeKind::Spread(_) => {}
        }
    }
}
