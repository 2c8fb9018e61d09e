//! Selection ranges ("expand selection"): the spans that enclose a position, from the word or
//! identifier under it out to the whole file. Markup follows the syntax tree (attribute value,
//! attribute, start tag, element, block section, block, `<template>`); code, in the script and
//! in template expressions, follows oxc's AST (identifier, member, call, statement, function…);
//! style follows its rules' braces.
//!
//! Invariant: every span contains the position and strictly contains the one before it.

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast_visit::Visit;
use oxc::parser::Parser;
use oxc::span::{GetSpan, SourceType};

use eghact_semantics::script_in_place;
use eghact_syntax::ast::{AttrValue, Attribute, AttributeKind, Component, Element, Expr, Handler, Name, Node, ValuePart};
use eghact_syntax::diagnostics::Span;

/// The spans enclosing `offset`, innermost first.
pub fn selection_ranges(source: &str, component: &Component, offset: u32) -> Vec<Span> {
    let typescript = component.script.as_ref().is_some_and(|s| s.is_typescript());
    let mut chain = Chain { source, offset, typescript, spans: Vec::new() };
    chain.push(Span::new(0, source.len() as u32));
    if let Some(template) = component.template.as_ref().filter(|t| chain.covers(t.span)) {
        chain.push(template.span);
        chain.push(trimmed(source, template.content));
        chain.nodes(&template.nodes);
    } else if let Some(script) = component.scripts().find(|s| chain.covers(s.span)) {
        chain.typescript = script.is_typescript();
        chain.push(script.span);
        chain.push(trimmed(source, script.content));
        let text = script_in_place(source, script);
        let allocator = Allocator::default();
        let source_type = if chain.typescript { SourceType::ts() } else { SourceType::mjs() };
        let parsed = Parser::new(&allocator, &text, source_type).parse();
        Enclosing { base: 0, chain: &mut chain }.visit_program(&parsed.program);
    } else if let Some(style) = component.style.as_ref().filter(|s| chain.covers(s.span)) {
        chain.push(style.span);
        chain.push(trimmed(source, style.content));
        chain.css(style.content);
    }
    chain.spans.reverse();
    chain.spans
}

/// The spans found so far, outermost first.
struct Chain<'s> {
    source: &'s str,
    offset: u32,
    /// Whether code is TypeScript (the script's language is the template expressions' too).
    typescript: bool,
    spans: Vec<Span>,
}

impl Chain<'_> {
    fn covers(&self, span: Span) -> bool {
        span.start <= self.offset && self.offset <= span.end
    }

    /// Adds `span` if it covers the position and lies strictly inside the last span.
    fn push(&mut self, span: Span) {
        let inside = self.spans.last().is_none_or(|last| last.start <= span.start && span.end <= last.end && *last != span);
        if inside && self.covers(span) && !span.is_empty() {
            self.spans.push(span);
        }
    }

    /// The item under the position: one that contains it, else one that ends at it.
    fn pick<'n, T>(&self, items: impl Iterator<Item = &'n T> + Clone, span: impl Fn(&T) -> Span) -> Option<&'n T> {
        items
            .clone()
            .find(|i| span(i).start <= self.offset && self.offset < span(i).end)
            .or_else(|| items.into_iter().find(|i| span(i).end == self.offset))
    }

    fn nodes(&mut self, nodes: &[Node]) {
        let Some(node) = self.pick(nodes.iter(), Node::span) else { return };
        self.push(node.span());
        match node {
            Node::Text(text) => {
                self.push(trimmed(self.source, text.span));
                self.word();
            }
            Node::Mustache(mustache) | Node::Html(mustache) => self.expression(mustache.expr),
            Node::Const(tag) => self.expression(tag.declaration),
            Node::Debug(tag) => match tag.names.iter().find(|name| self.covers(name.span)) {
                Some(name) => self.push(name.span),
                None => self.word(),
            },
            Node::Comment(_) => {}
            Node::Element(element) => self.element(element),
            Node::If(_) | Node::Each(_) | Node::Await(_) | Node::Key(_) => self.block(node),
        }
    }

    fn block(&mut self, node: &Node) {
        let Some((sections, close)) = node.block_sections() else { return };
        let block_end = node.span().end;
        for (i, section) in sections.iter().enumerate() {
            let end = sections.get(i + 1).map(|s| s.tag.start).or(close.map(|c| c.start)).unwrap_or(block_end);
            let whole = Span::new(section.tag.start, end);
            if !self.covers(whole) {
                continue;
            }
            self.push(whole);
            if self.covers(section.tag) {
                self.push(section.tag);
                self.block_header(node);
            } else {
                self.push(trimmed(self.source, Span::new(section.tag.end, end)));
                self.nodes(section.nodes);
            }
            return;
        }
        if let Some(close) = close {
            self.push(close);
            self.word();
        }
    }

    /// The expressions and names of a block's tags.
    fn block_header(&mut self, node: &Node) {
        let mut exprs: Vec<Expr> = Vec::new();
        match node {
            Node::If(block) => exprs.extend(block.branches.iter().map(|b| b.condition)),
            Node::Each(block) => {
                exprs.extend([block.list, block.pattern]);
                exprs.extend(block.key);
                exprs.extend(block.index.as_ref().map(|index| Expr { span: index.span }));
            }
            Node::Await(block) => {
                exprs.push(block.promise);
                exprs.extend([&block.then, &block.catch].into_iter().flatten().filter_map(|b| b.pattern));
            }
            Node::Key(block) => exprs.push(block.expression),
            _ => {}
        }
        match exprs.into_iter().find(|e| self.covers(e.span)) {
            Some(expr) => self.expression(expr),
            None => self.word(),
        }
    }

    fn element(&mut self, element: &Element) {
        self.push(element.span);
        if self.covers(element.start_tag) {
            self.push(element.start_tag);
            self.name(&element.name);
            if let Some(attribute) = self.pick(element.attributes.iter(), |a| a.span) {
                self.attribute(attribute);
            }
        } else if let Some(end_tag) = element.end_tag.filter(|t| self.covers(*t)) {
            self.push(end_tag);
            if let Some(name) = element.end_name() {
                self.push(name);
            }
        } else {
            let inner_end = element.end_tag.map_or(element.span.end, |t| t.start);
            self.push(trimmed(self.source, Span::new(element.start_tag.end, inner_end)));
            self.nodes(&element.children);
        }
    }

    fn attribute(&mut self, attribute: &Attribute) {
        self.push(attribute.span);
        // `name=value`: the name ends at the first `=` (a name never contains one).
        let text = attribute.span.text(self.source);
        if let Some(equals) = text.find('=').filter(|_| !text.starts_with('{')) {
            let equals = attribute.span.start + equals as u32;
            self.push(Span::new(attribute.span.start, equals));
            self.push(Span::new(equals + 1, attribute.span.end));
        }
        match &attribute.kind {
            AttributeKind::Plain { name, value } | AttributeKind::Style { name, value } => {
                self.name(name);
                self.value(value);
            }
            AttributeKind::Shorthand(expr) | AttributeKind::Spread(expr) => self.expression(*expr),
            AttributeKind::Event { name, modifiers, handler } => {
                self.name(name);
                for modifier in modifiers {
                    self.name(modifier);
                }
                match handler {
                    Handler::None => {}
                    Handler::Expr(expr) | Handler::Reference(expr) => self.expression(*expr),
                    Handler::Statements(statements) => self.statements(*statements),
                }
            }
            AttributeKind::Bind { name, target: expr } | AttributeKind::Class { name, condition: expr } => {
                self.name(name);
                self.expression(*expr);
            }
            AttributeKind::Use { name, argument: expr } | AttributeKind::Let { name, alias: expr } => {
                self.name(name);
                if let Some(expr) = expr {
                    self.expression(*expr);
                }
            }
            AttributeKind::Transition { directive, name, params, .. } => {
                self.name(directive);
                self.name(name);
                if let Some(params) = params {
                    self.expression(*params);
                }
            }
        }
    }

    fn value(&mut self, value: &AttrValue) {
        match value {
            AttrValue::True => {}
            AttrValue::Expr(expr) => self.expression(*expr),
            AttrValue::Text(parts) => {
                for part in parts {
                    match part {
                        ValuePart::Text(text) if self.covers(text.span) => {
                            self.push(text.span);
                            self.word();
                        }
                        ValuePart::Expr(expr) => self.expression(*expr),
                        ValuePart::Text(_) => {}
                    }
                }
            }
        }
    }

    fn name(&mut self, name: &Name) {
        self.push(name.span);
    }

    /// A template expression (or binding pattern), through oxc's AST when it parses.
    fn expression(&mut self, expr: Expr) {
        if !self.covers(expr.span) {
            return;
        }
        self.push(expr.span);
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, expr.span.text(self.source), self.source_type()).parse_expression();
        match parsed {
            Ok(expression) => Enclosing { base: expr.span.start, chain: self }.visit_expression(&expression),
            Err(_) => self.word(),
        }
    }

    /// The statements of a quoted handler (`@click="count += 1"`).
    fn statements(&mut self, statements: Expr) {
        if !self.covers(statements.span) {
            return;
        }
        self.push(trimmed(self.source, statements.span));
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, statements.span.text(self.source), self.source_type()).parse();
        Enclosing { base: statements.span.start, chain: self }.visit_program(&parsed.program);
    }

    fn source_type(&self) -> SourceType {
        if self.typescript { SourceType::ts() } else { SourceType::mjs() }
    }

    /// Style: the rules around the position (with their selectors), their bodies and the
    /// declaration, outermost first, then the word.
    fn css(&mut self, content: Span) {
        let bytes = self.source.as_bytes();
        let mut found: Vec<Span> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        // Where the current rule's prelude or declaration starts.
        let mut item_start = content.start as usize;
        let mut i = item_start;
        while i < content.end as usize {
            match bytes[i] {
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i = self.source[i + 2..].find("*/").map_or(content.end as usize, |p| i + 2 + p + 1);
                    item_start = i + 1;
                }
                quote @ (b'"' | b'\'') => {
                    i = bytes[i + 1..].iter().position(|&b| b == quote || b == b'\n').map_or(content.end as usize, |p| i + 1 + p);
                }
                b'{' => {
                    open.push(item_start);
                    open.push(i);
                    item_start = i + 1;
                }
                b'}' => {
                    found.push(trimmed(self.source, Span::new(item_start as u32, i as u32)));
                    if let (Some(brace), Some(prelude)) = (open.pop(), open.pop()) {
                        found.push(Span::new(brace as u32, i as u32 + 1));
                        found.push(trimmed(self.source, Span::new(brace as u32 + 1, i as u32)));
                        found.push(trimmed(self.source, Span::new(prelude as u32, i as u32 + 1)));
                    }
                    item_start = i + 1;
                }
                b';' => {
                    found.push(trimmed(self.source, Span::new(item_start as u32, i as u32 + 1)));
                    item_start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        found.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for span in found {
            self.push(span);
        }
        self.word();
    }

    /// The word under the position: letters, digits, `_` and `-`.
    fn word(&mut self) {
        let offset = self.offset as usize;
        let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
        let (Some(before), Some(after)) = (self.source.get(..offset), self.source.get(offset..)) else { return };
        let start = before.rfind(|c| !is_word(c)).map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
        let end = offset + after.find(|c| !is_word(c)).unwrap_or(after.len());
        self.push(Span::new(start as u32, end as u32));
    }
}

/// Pushes every node of oxc's AST that encloses the position, outermost first (oxc visits
/// parents before children); `base` is where the parsed text starts in the file.
struct Enclosing<'c, 's> {
    base: u32,
    chain: &'c mut Chain<'s>,
}

impl<'a> Visit<'a> for Enclosing<'_, '_> {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        let span = kind.span();
        self.chain.push(Span::new(self.base + span.start, self.base + span.end));
    }
}

/// `span` without the whitespace around its text.
fn trimmed(source: &str, span: Span) -> Span {
    let text = span.text(source);
    let start = span.start + (text.len() - text.trim_start().len()) as u32;
    Span::new(start, start.max(span.start + text.trim_end().len() as u32))
}
