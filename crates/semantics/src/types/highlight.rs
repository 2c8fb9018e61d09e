//! Semantic tokens of a whole component: every name of its code (script and template
//! expressions), resolved by oxc's semantic analysis of the virtual program exactly as the
//! checker resolves it, then merged with the markup's tokens from `semantics::markup_tokens`.

use std::collections::HashSet;

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::{AssignmentTarget, Expression, VariableDeclarationKind};
use oxc::semantic::{Semantic, SymbolId};

use super::program::VirtualProgram;
use crate::{Modifiers, SemanticToken, TokenKind, TokenModifier, markup_tokens, normalized};
use eghact_syntax::ast::{Component, ElementKind, walk_elements};
use eghact_syntax::diagnostics::Span;

/// Names the runtime provides as stores without a declaration (LANGUAGE.md).
const AMBIENT_STORES: &[&str] = &["$route"];

/// The semantic tokens of a component, sorted and without overlaps. Names the component does
/// not declare (globals, the browser's) get none: a grammar colours them well enough.
pub fn semantic_tokens(source: &str, component: &Component) -> Vec<SemanticToken> {
    let mut tokens = name_tokens(source, component);
    tokens.extend(markup_tokens(source, component));
    normalized(source, tokens)
}

fn name_tokens(source: &str, component: &Component) -> Vec<SemanticToken> {
    let program = VirtualProgram::new(source, component);
    let allocator = Allocator::default();
    let Some(parsed) = program.parse(&allocator, false) else { return Vec::new() };
    let semantic = super::program::semantic(&parsed);
    let scoping = semantic.scoping();
    let reactive = super::check::reactive_names(&parsed, scoping);
    // The first `$: name = …` of an implicitly declared name is its declaration.
    let mut reactive_declarations = HashSet::new();
    let mut seen = HashSet::new();
    for assignment in super::program::reactive_assignments(&parsed) {
        if let AssignmentTarget::AssignmentTargetIdentifier(id) = &assignment.left
            && reactive.contains(id.name.as_str())
            && seen.insert(id.name.as_str())
        {
            reactive_declarations.insert(id.span.start);
        }
    }
    let mut tag_names = HashSet::new();
    if let Some(template) = &component.template {
        walk_elements(&template.nodes, &mut |element| {
            if element.kind == ElementKind::Component {
                tag_names.insert(element.name.text.split('.').next().unwrap_or_default());
            }
        });
    }
    let classes = Classes { semantic: &semantic, tag_names };
    let to_file = |span: oxc::span::Span| {
        let (start, end) = (program.original(span.start)?, program.original(span.end)?);
        // Glue that the program adds (handler `event`, `{#each}` indexes) maps to nothing.
        (end - start == span.size()).then_some(Span::new(start, end))
    };
    let mut tokens = Vec::new();
    for node in semantic.nodes().iter() {
        let (span, token) = match node.kind() {
            AstKind::IdentifierReference(id) => {
                let symbol = id.reference_id.get().and_then(|r| scoping.get_reference(r).symbol_id());
                let token = match symbol {
                    Some(symbol) => Some(classes.symbol(symbol)),
                    None if reactive.contains(id.name.as_str()) => Some((
                        TokenKind::Reactive,
                        Modifiers::default()
                            .with(TokenModifier::Reactive)
                            .with_if(TokenModifier::Declaration, reactive_declarations.contains(&id.span.start)),
                    )),
                    None => {
                        let store = id.name.strip_prefix('$').is_some_and(|store| {
                            scoping.get_binding(scoping.root_scope_id(), store.into()).is_some() || reactive.contains(store)
                        });
                        (store || AMBIENT_STORES.contains(&id.name.as_str()))
                            .then(|| (TokenKind::Store, Modifiers::default().with(TokenModifier::Reactive)))
                    }
                };
                (id.span, token)
            }
            AstKind::BindingIdentifier(id) => {
                let token = id.symbol_id.get().map(|symbol| {
                    let (kind, modifiers) = classes.symbol(symbol);
                    (kind, modifiers.with(TokenModifier::Declaration))
                });
                (id.span, token)
            }
            // The `$` of a top-level `$:` statement.
            AstKind::LabeledStatement(labeled)
                if labeled.label.name == "$" && matches!(semantic.nodes().parent_kind(node.id()), AstKind::Program(_)) =>
            {
                (labeled.label.span, Some((TokenKind::Keyword, Modifiers::default())))
            }
            _ => continue,
        };
        if let (Some(span), Some((kind, modifiers))) = (to_file(span), token) {
            tokens.push(SemanticToken { span, kind, modifiers });
        }
    }
    tokens
}

/// What a declared name denotes, from its symbol's flags and declaration.
struct Classes<'s, 'a> {
    semantic: &'s Semantic<'a>,
    /// Names used as component tags (`Card` of `<Card>` and `<Card.Title>`).
    tag_names: HashSet<&'s str>,
}

impl Classes<'_, '_> {
    fn symbol(&self, symbol: SymbolId) -> (TokenKind, Modifiers) {
        let scoping = self.semantic.scoping();
        let nodes = self.semantic.nodes();
        let flags = scoping.symbol_flags(symbol);
        let declaration = scoping.symbol_declaration(symbol);
        let top_level = scoping.symbol_scope_id(symbol) == scoping.root_scope_id();
        let plain = Modifiers::default();
        if flags.is_import() {
            let from_component = nodes.ancestor_kinds(declaration).any(|kind| match kind {
                AstKind::ImportDeclaration(import) => import.source.value.ends_with(".egh"),
                _ => false,
            });
            let is_component = from_component || self.tag_names.contains(scoping.symbol_name(symbol));
            let kind = if is_component { TokenKind::Component } else { TokenKind::Variable };
            return (kind, plain.with(TokenModifier::Readonly));
        }
        if flags.is_class() {
            return (TokenKind::Class, plain);
        }
        if flags.is_type() || flags.is_type_parameter() {
            return (TokenKind::Type, plain);
        }
        if flags.is_function() {
            return (TokenKind::Function, plain);
        }
        match nodes.kind(declaration) {
            AstKind::FormalParameter(_) | AstKind::FormalParameterRest(_) | AstKind::CatchParameter(_) => {
                (TokenKind::Parameter, plain)
            }
            AstKind::VariableDeclarator(declarator) => {
                let mut ancestors = nodes.ancestor_kinds(declaration);
                let declaration_kind = match ancestors.next() {
                    Some(AstKind::VariableDeclaration(declaration)) => Some(declaration.kind),
                    _ => None,
                };
                let readonly = declaration_kind == Some(VariableDeclarationKind::Const);
                // Every top-level `let` is state (LANGUAGE.md); `export let` is a prop.
                let state = top_level && declaration_kind == Some(VariableDeclarationKind::Let);
                let exported = matches!(ancestors.next(), Some(AstKind::ExportDeclaration(_)));
                let function = matches!(
                    declarator.init.as_ref().map(Expression::without_parentheses),
                    Some(Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_))
                );
                let kind = if state && exported {
                    TokenKind::Prop
                } else if function && !state {
                    TokenKind::Function
                } else {
                    TokenKind::Variable
                };
                (kind, plain.with_if(TokenModifier::Readonly, readonly).with_if(TokenModifier::Reactive, state))
            }
            _ => (TokenKind::Variable, plain),
        }
    }
}
