//! One JavaScript/TypeScript program for a whole component: the script, then every template
//! expression nested in arrow functions that mirror the template's scopes (an `{#each}` item
//! is a parameter of the function holding the block's children). oxc's semantic analysis of
//! this program resolves every name of the template exactly as the script's own names.
//!
//! Invariant: every piece of the program that comes from the `.egh` file is copied verbatim,
//! and [`VirtualProgram::original`] maps its offsets back; generated glue maps to nothing.

use std::collections::HashMap;

use eghact_syntax::ast::{AttrValue, AttributeKind, Component, Element, ElementKind, Expr, Handler, Node, ValuePart};
use eghact_syntax::diagnostics::Span;

pub struct VirtualProgram {
    pub text: String,
    /// `(offset in text, offset in the .egh file, length)`, sorted.
    pieces: Vec<(u32, u32, u32)>,
    /// Whether the script is TypeScript (the whole program is then parsed as TypeScript).
    pub typescript: bool,
    /// What some template expressions are for, by their start offset in `text`.
    pub roles: HashMap<u32, Role>,
    /// `{#each}` item patterns, by their start offset in `text`: the list expression's start
    /// offset in `text`.
    pub each_items: HashMap<u32, u32>,
    /// Where the template's part of `text` starts (after the script).
    pub template_start: u32,
    /// The `event` parameter of handler statements (`@click="…"`), by its offset in `text`:
    /// the event's name.
    pub event_params: HashMap<u32, String>,
}

/// What a template expression is for, when a check depends on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// The list of an `{#each}`.
    EachList,
    /// The value of an `@event={handler}` or `@event="handler"`; `element`: on an element (a
    /// component's events are its own).
    Handler { event: String, element: bool },
    /// The value of a prop passed to a component: `<Child name={value}>`.
    Prop { component: String, name: String },
}

impl VirtualProgram {
    pub fn new(source: &str, component: &Component) -> Self {
        let program = VirtualProgram {
            text: String::new(),
            pieces: Vec::new(),
            typescript: false,
            roles: HashMap::new(),
            each_items: HashMap::new(),
            template_start: 0,
            event_params: HashMap::new(),
        };
        let mut builder = Builder { source, program };
        // In place: the scripts' own offsets (the module script's and the instance's in one
        // program, as they share the module's scope), and `export let x?:` lowered to TypeScript.
        let scripts: Vec<_> = component.scripts().collect();
        if !scripts.is_empty() {
            builder.program.typescript = scripts.iter().any(|script| script.is_typescript());
            let mut pieces: Vec<_> =
                scripts.iter().map(|script| (script.content.start, script.content.start, script.content.len())).collect();
            pieces.sort_unstable();
            builder.program.pieces = pieces;
            builder.program.text = crate::outline::scripts_in_place(source, &scripts);
            builder.glue("\n;");
        }
        builder.program.template_start = builder.program.text.len() as u32;
        if let Some(template) = &component.template {
            builder.nodes(&template.nodes);
        }
        builder.program
    }

    /// The parsed program; `None` when the parser gave up, or with `strict` on any syntax
    /// error (the compiler reports those).
    pub fn parse<'a>(&'a self, allocator: &'a oxc::allocator::Allocator, strict: bool) -> Option<oxc::ast::ast::Program<'a>> {
        let source_type = if self.typescript { oxc::span::SourceType::ts() } else { oxc::span::SourceType::mjs() };
        let parsed = oxc::parser::Parser::new(allocator, &self.text, source_type).parse();
        (!parsed.panicked && !(strict && !parsed.diagnostics.is_empty())).then_some(parsed.program)
    }

    /// The program offset of a `.egh` offset, if the offset lies in a copied piece.
    pub fn to_program(&self, original: u32) -> Option<u32> {
        self.pieces
            .iter()
            .find(|(_, from, len)| *from <= original && original <= from + len)
            .map(|(at, from, _)| at + (original - from))
    }

    /// The `.egh` span of a program span, when both ends lie in copied pieces.
    pub fn original_span(&self, span: oxc::span::Span) -> Option<Span> {
        Some(Span::new(self.original(span.start)?, self.original(span.end)?))
    }

    /// The `.egh` offset of a program offset, if it lies in a copied piece.
    pub fn original(&self, offset: u32) -> Option<u32> {
        let index = self.pieces.partition_point(|(at, _, _)| *at <= offset).checked_sub(1)?;
        let (at, original, len) = self.pieces[index];
        (offset <= at + len).then(|| original + (offset - at))
    }
}

struct Builder<'s> {
    source: &'s str,
    program: VirtualProgram,
}

impl Builder<'_> {
    fn glue(&mut self, text: &str) {
        self.program.text.push_str(text);
    }

    /// Copies `expr`; returns where it starts in the program.
    fn copy(&mut self, expr: Expr) -> u32 {
        let at = self.program.text.len() as u32;
        self.program.text.push_str(expr.span.text(self.source));
        self.program.pieces.push((at, expr.span.start, expr.span.len()));
        at
    }

    /// `;(expr);`; returns where `expr` starts in the program.
    fn expression(&mut self, expr: Expr) -> u32 {
        self.glue(";(\n");
        let at = self.copy(expr);
        self.glue("\n);");
        at
    }

    fn expression_for(&mut self, expr: Expr, role: Role) {
        let at = self.expression(expr);
        self.program.roles.insert(at, role);
    }

    /// Children in a function whose parameters bind `patterns` (each item, index, …).
    /// Returns where each pattern, then each name, starts in the program.
    fn scoped(&mut self, patterns: &[Expr], names: &[&str], body: impl FnOnce(&mut Self)) -> Vec<u32> {
        self.glue(";((");
        let mut first = true;
        let mut starts = Vec::new();
        for pattern in patterns {
            if !first {
                self.glue(", ");
            }
            first = false;
            starts.push(self.copy(*pattern));
        }
        for name in names {
            if !first {
                self.glue(", ");
            }
            first = false;
            starts.push(self.program.text.len() as u32);
            self.glue(name);
        }
        self.glue(") => {\n");
        body(self);
        self.glue("\n});");
        starts
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::Text(_) | Node::Comment(_) => {}
                Node::Mustache(m) | Node::Html(m) => {
                    self.expression(m.expr);
                }
                Node::Element(element) => self.element(element),
                // A real `if` chain, so that conditions narrow types in their branches.
                Node::If(block) => {
                    for (i, branch) in block.branches.iter().enumerate() {
                        self.glue(if i == 0 { ";if (\n" } else { " else if (\n" });
                        self.copy(branch.condition);
                        self.glue("\n) {\n");
                        self.nodes(&branch.children);
                        self.glue("\n}");
                    }
                    if let Some(children) = &block.else_branch {
                        self.glue(" else {\n");
                        self.nodes(children);
                        self.glue("\n}");
                    }
                }
                Node::Each(block) => {
                    let list = self.expression(block.list);
                    self.program.roles.insert(list, Role::EachList);
                    let index: Vec<&str> = block.index.iter().map(|i| i.text.as_str()).collect();
                    let item = self.scoped(&[block.pattern], &index, |b| {
                        if let Some(key) = block.key {
                            b.expression(key);
                        }
                        b.nodes(&block.children);
                    });
                    self.program.each_items.extend(item.first().map(|at| (*at, list)));
                    if let Some(children) = &block.else_branch {
                        self.scoped(&[], &[], |b| b.nodes(children));
                    }
                }
                Node::Key(block) => {
                    self.expression(block.expression);
                    self.glue(";{\n");
                    self.nodes(&block.children);
                    self.glue("\n}");
                }
                // Hoisted in its block, as Svelte does; misplaced ones are the compiler's error.
                Node::Const(tag) => {
                    self.glue(";const ");
                    self.copy(tag.declaration);
                    self.glue("\n;");
                }
                Node::Debug(tag) => {
                    for name in &tag.names {
                        self.expression(Expr { span: name.span });
                    }
                }
                Node::Await(block) => {
                    self.expression(block.promise);
                    self.scoped(&[], &[], |b| b.nodes(&block.pending));
                    for branch in [&block.then, &block.catch].into_iter().flatten() {
                        let patterns: Vec<Expr> = branch.pattern.iter().copied().collect();
                        self.scoped(&patterns, &[], |b| b.nodes(&branch.children));
                    }
                }
            }
        }
    }

    fn element(&mut self, element: &Element) {
        // `let:` bindings are in scope for the element's own children only.
        let mut lets: Vec<Expr> = Vec::new();
        let mut let_names: Vec<&str> = Vec::new();
        for attribute in &element.attributes {
            let component = (element.kind == ElementKind::Component).then_some(&element.name.text);
            match &attribute.kind {
                AttributeKind::Plain { name, value: AttrValue::Expr(expr) } if component.is_some() => {
                    let component = component.cloned().unwrap_or_default();
                    self.expression_for(*expr, Role::Prop { component, name: name.text.clone() });
                }
                AttributeKind::Plain { value, .. } | AttributeKind::Style { value, .. } => self.value(value),
                AttributeKind::Shorthand(expr) | AttributeKind::Spread(expr) => {
                    self.expression(*expr);
                }
                AttributeKind::Event { name, handler, .. } => match handler {
                    Handler::None => {}
                    Handler::Expr(expr) | Handler::Reference(expr) => {
                        let element = component.is_none();
                        self.expression_for(*expr, Role::Handler { event: name.text.clone(), element });
                    }
                    // Statements run as `(event) => { … }` (LANGUAGE.md decision 3).
                    Handler::Statements(statements) => {
                        let starts = self.scoped(&[], &["event"], |b| {
                            b.copy(*statements);
                            b.glue("\n;");
                        });
                        self.program.event_params.extend(starts.first().map(|at| (*at, name.text.clone())));
                    }
                },
                AttributeKind::Bind { target, .. } => {
                    self.expression(*target);
                }
                AttributeKind::Class { condition, .. } => {
                    self.expression(*condition);
                }
                AttributeKind::Use { argument, .. } => {
                    if let Some(argument) = argument {
                        self.expression(*argument);
                    }
                }
                AttributeKind::Transition { name, params, .. } => {
                    self.expression(Expr { span: name.span });
                    if let Some(params) = params {
                        self.expression(*params);
                    }
                }
                AttributeKind::Let { name, alias } => match alias {
                    Some(alias) => lets.push(*alias),
                    None => let_names.push(&name.text),
                },
            }
        }
        // A component's `{@const}` children are constants of its slot content, not of the parent.
        let has_const = element.children.iter().any(|child| matches!(child, Node::Const(_)));
        if lets.is_empty() && let_names.is_empty() && !has_const {
            self.nodes(&element.children);
        } else {
            self.scoped(&lets, &let_names, |b| b.nodes(&element.children));
        }
    }

    fn value(&mut self, value: &AttrValue) {
        match value {
            AttrValue::True => {}
            AttrValue::Expr(expr) => {
                self.expression(*expr);
            }
            AttrValue::Text(parts) => {
                for part in parts {
                    if let ValuePart::Expr(expr) = part {
                        self.expression(*expr);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_syntax as syntax;

    #[test]
    fn template_scopes_become_functions_and_offsets_map_back() {
        let source = "<script>let items = [];</script>\n<template>{#each items as item, i (item.id)}<p @click=\"item.n++\">{item.n + i}</p>{/each}</template>";
        let parse = syntax::parse(source);
        let program = VirtualProgram::new(source, &parse.component);
        assert!(program.text.contains(";((item, i) => {"), "{}", program.text);
        assert!(program.text.contains(";((event) => {\nitem.n++\n;\n});"), "{}", program.text);
        let at = program.text.find("item.n + i").unwrap() as u32;
        assert_eq!(program.original(at), Some(source.find("item.n + i").unwrap() as u32));
        assert_eq!(program.original(source.find("let items").unwrap() as u32), Some(source.find("let items").unwrap() as u32));
        assert_eq!(program.original(program.text.find("=> {").unwrap() as u32), None);
    }
}

/// oxc's semantic analysis of a parsed program, with its nodes.
pub fn semantic<'a>(program: &'a oxc::ast::ast::Program<'a>) -> oxc::semantic::Semantic<'a> {
    oxc::semantic::SemanticBuilder::new().with_build_nodes(true).build(program).semantic
}

/// The `$: target = value` statements at the top level of a program (the parentheses of
/// `$: ({ a } = b)` are looked through).
pub fn reactive_assignments<'s, 'a>(
    program: &'s oxc::ast::ast::Program<'a>,
) -> impl Iterator<Item = &'s oxc::ast::ast::AssignmentExpression<'a>> {
    use oxc::ast::ast::{Expression, Statement};
    program.body.iter().filter_map(|statement| {
        let Statement::LabeledStatement(labeled) = statement else { return None };
        let Statement::ExpressionStatement(expression) = &labeled.body else { return None };
        match expression.expression.without_parentheses() {
            Expression::AssignmentExpression(assignment) if labeled.label.name == "$" => Some(&**assignment),
            _ => None,
        }
    })
}
