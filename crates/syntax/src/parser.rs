//! The `.egh` parser: top-level blocks, then the template grammar of LANGUAGE.md.
//!
//! Invariant: every input yields a [`Component`] and diagnostics; the parser never panics,
//! always advances, and bounds its recursion, so arbitrary bytes cannot loop or overflow.
//! JavaScript pieces nested deeper than [`nesting::MAX_NESTING`] are reported (E0122) and
//! kept empty, so no later stage hands them to oxc.

use super::ast::*;
use super::entities;
use super::nesting;
use super::scan::{bracket_end, expression_end, find, find_ignore_case, find_keyword, is_identifier, is_member_path};
use crate::diagnostics::{Diagnostic, Span};

/// Deeper element or block nesting than this is reported instead of recursed into.
const MAX_DEPTH: usize = 200;

const VOID_ELEMENTS: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

#[derive(Debug, PartialEq, Eq)]
pub struct Parse {
    pub component: Component,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn parse(source: &str) -> Parse {
    let mut parser = Parser { src: source, bytes: source.as_bytes(), pos: 0, diagnostics: Vec::new(), open: Vec::new() };
    let component = parser.file();
    Parse { component, diagnostics: parser.diagnostics }
}

/// What a fragment is nested in; decides how stray closing tags are recovered.
#[derive(Clone, Debug, PartialEq)]
enum Open {
    Element(String),
    Block(&'static str),
    TemplateBlock,
}

struct Parser<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    open: Vec<Open>,
}

/// `name|a|b` (or `name.a.b`) at `offset` of an attribute name: the name and its modifiers, each
/// made by `part` from its offset and text.
fn split_modifiers(part: &impl Fn(usize, &str) -> Name, offset: usize, text: &str, separator: char) -> (Name, Vec<Name>) {
    let mut pieces = text.split(separator);
    let name = part(offset, pieces.next().unwrap_or(""));
    let mut offset = offset + name.text.len() + 1;
    let modifiers = pieces
        .map(|piece| {
            let modifier = part(offset, piece);
            offset += piece.len() + 1;
            modifier
        })
        .collect();
    (name, modifiers)
}

fn span(start: usize, end: usize) -> Span {
    Span::new(start as u32, end as u32)
}

impl<'s> Parser<'s> {
    fn error(&mut self, code: &'static str, message: impl Into<String>, at: Span) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::error(code, message, at));
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn eof(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn rest(&self) -> &'s [u8] {
        &self.bytes[self.pos.min(self.bytes.len())..]
    }

    fn at(&self, text: &str) -> bool {
        self.rest().starts_with(text.as_bytes())
    }

    fn skip_whitespace(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// Moves to the next char boundary at or after `to`.
    fn advance_to(&mut self, to: usize) {
        let mut to = to.min(self.bytes.len());
        while !self.src.is_char_boundary(to) {
            to += 1;
        }
        self.pos = to;
    }

    /// A JavaScript piece of the template. One nested deeper than
    /// [`nesting::MAX_NESTING`] is reported and kept empty, so no later stage parses it.
    fn expr(&mut self, at: Span) -> Expr {
        match self.too_deep(at) {
            true => Expr { span: Span::new(at.start, at.start) },
            false => Expr { span: at },
        }
    }

    /// Reports E0122 when the JavaScript at `at` nests deeper than [`nesting::MAX_NESTING`].
    fn too_deep(&mut self, at: Span) -> bool {
        let Some(offset) = nesting::too_deep(at.text(self.src)) else { return false };
        let start = at.start + offset as u32;
        let end = self.src[start as usize..].chars().next().map_or(start, |c| start + c.len_utf8() as u32);
        self.error(
            "E0122",
            format!("this code is nested more than {} deep", nesting::MAX_NESTING),
            span(start as usize, end as usize),
        )
        .help = Some("split the expression into named parts (`const part = …`) or use a loop".into());
        true
    }

    /// A span trimmed of surrounding whitespace.
    fn trimmed(&self, start: usize, end: usize) -> Span {
        let text = &self.src[start..end];
        let lead = text.len() - text.trim_start().len();
        let trail = text.len() - text.trim_end().len();
        if lead == text.len() { span(start, start) } else { span(start + lead, end - trail) }
    }

    /// Is the input at `<name` followed by a tag-name terminator?
    fn at_tag(&self, name: &str) -> bool {
        let rest = self.rest();
        rest.len() > name.len()
            && rest[0] == b'<'
            && rest[1..=name.len()].eq_ignore_ascii_case(name.as_bytes())
            && rest.get(name.len() + 1).is_none_or(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
    }

    // ---- top level ----

    fn file(&mut self) -> Component {
        let mut component = Component::default();
        loop {
            self.skip_whitespace();
            if self.eof() {
                break;
            }
            let start = self.pos;
            if self.at("<!--") {
                self.comment();
            } else if self.at_tag("template") {
                let block = self.template_block();
                self.store_block(&mut component.template, block, start, "template");
            } else if self.at_tag("script") {
                let block = self.raw_block("script");
                match block.attribute("context") {
                    None => self.store_block(&mut component.script, block, start, "script"),
                    Some(Some("module")) => {
                        self.store_block(&mut component.module_script, block, start, "script context=\"module\"")
                    }
                    Some(_) => {
                        let at = block
                            .attributes
                            .iter()
                            .find(|(name, _)| name.text == "context")
                            .map_or(block.span, |(name, _)| name.span);
                        self.error("E0105", "a script's `context` can only be \"module\"", at).help = Some(
                            "write `<script context=\"module\">` for code that runs once per module, or drop `context`".into(),
                        );
                    }
                }
            } else if self.at_tag("svelte:options") {
                if let Node::Element(element) = self.element() {
                    component.options.push(element);
                }
            } else if self.at_tag("style") {
                let block = self.raw_block("style");
                self.store_block(&mut component.style, block, start, "style");
            } else if self.dialect() {
                break;
            } else {
                self.stray_content();
            }
        }
        component
    }

    fn store_block<T>(&mut self, slot: &mut Option<T>, block: T, start: usize, name: &str) {
        if slot.is_some() {
            let tag = name.split(' ').next().unwrap_or(name);
            self.error("E0102", format!("a component has at most one <{name}> block"), span(start, start + tag.len() + 1)).help =
                Some(format!("merge the two <{name}> blocks into one"));
        } else {
            *slot = Some(block);
        }
    }

    /// The v2 "hyperlanguage" and decorator dialects get one diagnostic for the whole file.
    fn dialect(&mut self) -> bool {
        let rest = self.rest();
        let hyper = rest.starts_with(b"component ") && find(rest, 0, b"{").is_some();
        let decorator = rest.starts_with(b"@component");
        if !(hyper || decorator) {
            return false;
        }
        let name = if hyper { "v2 hyperlanguage (`component X { … }`)" } else { "decorator (`@component`)" };
        let end = rest.iter().position(|&b| b == b'\n').map_or(self.bytes.len(), |p| self.pos + p);
        self.error("E0104", format!("the {name} dialect is not supported"), span(self.pos, end)).help =
            Some("rewrite the component with <script>, <template> and <style> blocks".into());
        self.pos = self.bytes.len();
        true
    }

    fn stray_content(&mut self) {
        let start = self.pos;
        // Skip to the next line that starts a block or a comment.
        let mut end = self.bytes.len();
        let mut line = start;
        while let Some(nl) = find(self.bytes, line, b"\n") {
            line = nl + 1;
            let next = self.bytes[line..].iter().position(|b| !b.is_ascii_whitespace()).map_or(self.bytes.len(), |p| line + p);
            if self.bytes.get(next) == Some(&b'<') {
                end = next;
                break;
            }
        }
        let at = self.trimmed(start, end);
        let at = span(at.start as usize, (at.start as usize + 1).max(at.end as usize).min(self.bytes.len()));
        self.error("E0101", "content outside the <template>, <script> and <style> blocks", at).help = Some(
            "move markup into <template> and code into <script>; only whitespace and comments may stand between blocks".into(),
        );
        self.advance_to(end.max(start + 1));
    }

    fn comment(&mut self) -> Span {
        let start = self.pos;
        match find(self.bytes, start + 4, b"-->") {
            Some(end) => self.pos = end + 3,
            None => {
                self.error("E0118", "unclosed comment", span(start, start + 4)).help = Some("close it with `-->`".into());
                self.pos = self.bytes.len();
            }
        }
        span(start, self.pos)
    }

    /// Attributes of a block's start tag (`lang="ts"`, `scoped`), up to and past `>`.
    fn block_attributes(&mut self) -> Vec<(Name, Option<String>)> {
        let mut attributes = Vec::new();
        loop {
            self.skip_whitespace();
            if self.eof() || self.at(">") || self.at("/>") {
                break;
            }
            let start = self.pos;
            while self.pos < self.bytes.len()
                && !matches!(self.bytes[self.pos], b'=' | b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')
            {
                self.pos += 1;
            }
            if self.pos == start {
                self.pos += 1;
                continue;
            }
            let name = Name { text: self.src[start..self.pos].to_ascii_lowercase(), span: span(start, self.pos) };
            let mut value = None;
            if self.at("=") {
                self.pos += 1;
                value = Some(match self.bytes.get(self.pos) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let end = self.bytes[self.pos + 1..]
                            .iter()
                            .position(|&b| b == q)
                            .map_or(self.bytes.len(), |p| self.pos + 1 + p);
                        let text = self.src[self.pos + 1..end].to_string();
                        self.pos = (end + 1).min(self.bytes.len());
                        text
                    }
                    _ => {
                        let s = self.pos;
                        while self.pos < self.bytes.len()
                            && !self.bytes[self.pos].is_ascii_whitespace()
                            && self.bytes[self.pos] != b'>'
                        {
                            self.pos += 1;
                        }
                        self.src[s..self.pos].to_string()
                    }
                });
            }
            attributes.push((name, value));
        }
        if self.at(">") {
            self.pos += 1;
        } else if self.at("/>") {
            self.pos += 2;
        }
        attributes
    }

    fn raw_block(&mut self, tag: &'static str) -> RawBlock {
        let start = self.pos;
        self.pos += 1 + tag.len();
        let attributes = self.block_attributes();
        let content_start = self.pos;
        let close = format!("</{tag}");
        let (content_end, end) = match find_ignore_case(self.bytes, content_start, close.as_bytes()) {
            Some(close_at) => {
                let end = find(self.bytes, close_at, b">").map_or(self.bytes.len(), |p| p + 1);
                (close_at, end)
            }
            None => {
                self.error("E0103", format!("unclosed <{tag}> block"), span(start, start + 1 + tag.len())).help =
                    Some(format!("add `</{tag}>` after the block's content"));
                (self.bytes.len(), self.bytes.len())
            }
        };
        self.pos = end;
        let mut content = span(content_start, content_end);
        // A script too deep for oxc is kept empty (style blocks have their own bound, E0313).
        if tag == "script" && self.too_deep(content) {
            content = span(content_start, content_start);
        }
        RawBlock { span: span(start, end), content, attributes }
    }

    fn template_block(&mut self) -> TemplateBlock {
        let start = self.pos;
        self.pos += "<template".len();
        self.block_attributes();
        let content_start = self.pos;
        self.open.push(Open::TemplateBlock);
        let mut nodes = Vec::new();
        let content_end = loop {
            self.fragment(&mut nodes);
            if self.eof() {
                self.error("E0103", "unclosed <template> block", span(start, start + 9)).help =
                    Some("add `</template>` after the template's markup".into());
                break self.pos;
            }
            if self.at_closing_tag("template") {
                let close = self.pos;
                self.skip_closing_tag();
                break close;
            }
            self.unexpected_terminator();
        };
        self.open.pop();
        TemplateBlock { span: span(start, self.pos), content: span(content_start, content_end), nodes }
    }

    // ---- fragments ----

    /// Parses nodes into `nodes` until EOF, a closing tag, or a `{:…}`/`{/…}` block tag,
    /// which are left for the caller.
    fn fragment(&mut self, nodes: &mut Vec<Node>) {
        while !self.eof() {
            if self.at("</") || self.at("{:") || self.at("{/") || self.at_else_typo() {
                return;
            }
            if self.at("<!--") {
                let comment = self.comment();
                nodes.push(Node::Comment(comment));
            } else if self.at("<") && self.rest().get(1).is_some_and(|b| b.is_ascii_alphabetic()) {
                let node = self.element();
                nodes.push(node);
            } else if self.at("{") {
                if let Some(node) = self.mustache() {
                    nodes.push(node);
                }
            } else {
                nodes.push(Node::Text(self.text()));
            }
        }
    }

    fn text(&mut self) -> Text {
        let start = self.pos;
        self.pos += 1; // the first byte is never a terminator here (a lone `<` is text)
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b == b'{'
                || (b == b'<' && self.bytes.get(self.pos + 1).is_some_and(|&n| n.is_ascii_alphabetic() || n == b'/' || n == b'!'))
            {
                break;
            }
            self.pos += 1;
        }
        self.advance_to(self.pos);
        let raw = &self.src[start..self.pos];
        Text { span: span(start, self.pos), value: entities::decode(raw).into_owned() }
    }

    /// `{#else}` / `{#else if …}`: accepted with a warning (decision 2).
    fn at_else_typo(&self) -> bool {
        let rest = self.rest();
        rest.starts_with(b"{#else") && rest.get(6).is_some_and(|&b| b == b'}' || b.is_ascii_whitespace())
    }

    fn at_closing_tag(&self, name: &str) -> bool {
        let rest = self.rest();
        rest.starts_with(b"</")
            && rest.len() >= name.len() + 2
            && rest[2..2 + name.len()].eq_ignore_ascii_case(name.as_bytes())
            && rest.get(2 + name.len()).is_none_or(|&b| b == b'>' || b.is_ascii_whitespace())
    }

    fn skip_closing_tag(&mut self) {
        self.pos = find(self.bytes, self.pos, b">").map_or(self.bytes.len(), |p| p + 1);
    }

    /// The name of the closing tag at the cursor.
    fn closing_tag_name(&self) -> &'s str {
        let rest = &self.src[self.pos + 2..];
        let len = rest.find(|c: char| c == '>' || c.is_whitespace()).unwrap_or(rest.len());
        &rest[..len]
    }

    /// Reports and consumes a closing tag or block tag that nothing open here accepts.
    fn unexpected_terminator(&mut self) {
        let start = self.pos;
        if self.at("</") {
            let name = self.closing_tag_name().to_string();
            self.skip_closing_tag();
            self.error("E0111", format!("unexpected closing tag `</{name}>`"), span(start, self.pos)).help =
                Some("remove it, or open the element it closes".into());
        } else {
            let end = expression_end(self.bytes, start + 1).map_or(self.bytes.len(), |e| e + 1);
            self.pos = end;
            let text = self.src[start..end].to_string();
            self.error("E0115", format!("unexpected `{text}`: no block is open here"), span(start, end));
        }
    }

    fn element(&mut self) -> Node {
        let start = self.pos;
        self.pos += 1;
        let name_start = self.pos;
        while self.pos < self.bytes.len()
            && (self.bytes[self.pos].is_ascii_alphanumeric() || matches!(self.bytes[self.pos], b'-' | b':' | b'.' | b'_'))
        {
            self.pos += 1;
        }
        let name = Name { text: self.src[name_start..self.pos].to_string(), span: span(name_start, self.pos) };
        let kind = if name.text.starts_with(|c: char| c.is_ascii_uppercase()) {
            ElementKind::Component
        } else if name.text == "slot" {
            ElementKind::Slot
        } else if name.text == "template" {
            ElementKind::Template
        } else {
            ElementKind::Html
        };
        let attributes = self.attributes();
        let mut children = Vec::new();
        let mut end_tag = None;
        let self_closing = if self.at("/>") {
            self.pos += 2;
            true
        } else if self.at(">") {
            self.pos += 1;
            false
        } else {
            self.error("E0110", format!("unclosed start tag `<{}`", name.text), span(start, name.span.end as usize)).help =
                Some("end the tag with `>` or `/>`".into());
            true
        };
        let start_tag = span(start, self.pos);
        let void = kind == ElementKind::Html && VOID_ELEMENTS.contains(&name.text.to_ascii_lowercase().as_str());
        if !self_closing && !void {
            if self.open.len() >= MAX_DEPTH {
                self.error("E0121", format!("elements and blocks are nested more than {MAX_DEPTH} deep"), name.span);
                self.pos = self.bytes.len();
            } else {
                end_tag = self.element_children(&name, start, &mut children);
            }
        }
        Node::Element(Element { span: span(start, self.pos), start_tag, end_tag, name, kind, attributes, children })
    }

    /// Parses the children up to and past the closing tag; returns that tag's span.
    fn element_children(&mut self, name: &Name, start: usize, children: &mut Vec<Node>) -> Option<Span> {
        self.open.push(Open::Element(name.text.clone()));
        let mut end_tag = None;
        loop {
            self.fragment(children);
            if self.eof() {
                self.unclosed_element(name, start);
                break;
            }
            if self.at_closing_tag(&name.text) {
                let tag_start = self.pos;
                self.skip_closing_tag();
                end_tag = Some(span(tag_start, self.pos));
                break;
            }
            // A closing tag or block tag for something further out closes this element.
            let closes_outer =
                if self.at("</") { self.closes_open_element() } else { self.open.iter().any(|o| matches!(o, Open::Block(_))) };
            if closes_outer {
                self.unclosed_element(name, start);
                break;
            }
            self.unexpected_terminator();
        }
        self.open.pop();
        end_tag
    }

    /// Does the closing tag at the cursor close an element (or the template block) that is open?
    fn closes_open_element(&self) -> bool {
        let tag = self.closing_tag_name();
        self.open.iter().any(|o| match o {
            Open::Element(name) => name.eq_ignore_ascii_case(tag),
            Open::TemplateBlock => tag.eq_ignore_ascii_case("template"),
            Open::Block(_) => false,
        })
    }

    fn unclosed_element(&mut self, name: &Name, start: usize) {
        self.error("E0110", format!("unclosed element `<{}>`", name.text), span(start, name.span.end as usize)).help =
            Some(format!("add `</{}>` or write it self-closing as `<{} />`", name.text, name.text));
    }

    // ---- attributes ----

    fn attributes(&mut self) -> Vec<Attribute> {
        let mut attributes = Vec::new();
        loop {
            self.skip_whitespace();
            if self.eof() || self.at(">") || self.at("/>") || self.at("<") {
                return attributes;
            }
            let start = self.pos;
            if self.at("{") {
                if let Some(attribute) = self.brace_attribute() {
                    attributes.push(attribute);
                }
                continue;
            }
            while self.pos < self.bytes.len() {
                let b = self.bytes[self.pos];
                if b.is_ascii_whitespace()
                    || matches!(b, b'=' | b'>' | b'{' | b'"' | b'\'' | b'<')
                    || (b == b'/' && self.bytes.get(self.pos + 1) == Some(&b'>'))
                {
                    break;
                }
                self.pos += 1;
            }
            if self.pos == start {
                self.advance_to(start + 1);
                self.error("E0120", "invalid character in a start tag", span(start, self.pos));
                continue;
            }
            self.advance_to(self.pos);
            let name = Name { text: self.src[start..self.pos].to_string(), span: span(start, self.pos) };
            let value = if self.at("=") {
                self.pos += 1;
                self.attribute_value()
            } else {
                AttrValue::True
            };
            let kind = self.classify_attribute(name, value);
            attributes.push(Attribute { span: span(start, self.pos), kind });
        }
    }

    /// `{name}` shorthand or `{...spread}`.
    fn brace_attribute(&mut self) -> Option<Attribute> {
        let start = self.pos;
        let Some(end) = expression_end(self.bytes, start + 1) else {
            self.unclosed_expression(start);
            return None;
        };
        self.pos = end + 1;
        let inner = self.trimmed(start + 1, end);
        let text = inner.text(self.src);
        let kind = if let Some(spread) = text.strip_prefix("...") {
            let at = inner.start as usize + 3;
            AttributeKind::Spread(self.expr(self.trimmed(at, at + spread.len())))
        } else if is_identifier(text) {
            AttributeKind::Shorthand(self.expr(inner))
        } else {
            self.error(
                "E0120",
                "a `{…}` attribute must be a name (`{title}`) or a spread (`{...props}`)",
                span(start, end + 1),
            )
            .help = Some("write `name={expression}`".into());
            return None;
        };
        Some(Attribute { span: span(start, self.pos), kind })
    }

    fn attribute_value(&mut self) -> AttrValue {
        match self.bytes.get(self.pos) {
            Some(b'{') => {
                let start = self.pos;
                match expression_end(self.bytes, start + 1) {
                    Some(end) => {
                        self.pos = end + 1;
                        let expr = self.trimmed(start + 1, end);
                        if expr.is_empty() {
                            self.error("E0113", "empty expression", span(start, end + 1));
                        }
                        AttrValue::Expr(self.expr(expr))
                    }
                    None => {
                        self.unclosed_expression(start);
                        AttrValue::True
                    }
                }
            }
            Some(&quote @ (b'"' | b'\'')) => self.quoted_value(quote),
            _ => {
                let start = self.pos;
                while self.pos < self.bytes.len()
                    && !self.bytes[self.pos].is_ascii_whitespace()
                    && self.bytes[self.pos] != b'>'
                    && !self.at("/>")
                {
                    self.pos += 1;
                }
                self.advance_to(self.pos);
                let raw = &self.src[start..self.pos];
                AttrValue::Text(vec![ValuePart::Text(Text {
                    span: span(start, self.pos),
                    value: entities::decode_attribute(raw).into_owned(),
                })])
            }
        }
    }

    /// A quoted value. One that is exactly one `{…}` (`name="{expr}"`, nothing else inside the
    /// quotes) is that expression, as in Svelte 3, for attributes, props, handlers and directives
    /// alike; any text around it (`"{x} "`) makes a string.
    fn quoted_value(&mut self, quote: u8) -> AttrValue {
        let open = self.pos;
        self.pos += 1;
        let mut parts = Vec::new();
        let mut text_start = self.pos;
        let mut closed = false;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                self.error("E0119", "unterminated attribute value", span(open, open + 1)).help =
                    Some(format!("close the value with `{}`", quote as char));
                break;
            };
            if b == quote || b == b'{' {
                if self.pos > text_start {
                    let raw = &self.src[text_start..self.pos];
                    parts.push(ValuePart::Text(Text {
                        span: span(text_start, self.pos),
                        value: entities::decode_attribute(raw).into_owned(),
                    }));
                }
                if b == quote {
                    self.pos += 1;
                    closed = true;
                    break;
                }
                let start = self.pos;
                match expression_end(self.bytes, start + 1) {
                    Some(end) => {
                        parts.push(ValuePart::Expr(self.expr(self.trimmed(start + 1, end))));
                        self.pos = end + 1;
                    }
                    None => {
                        self.unclosed_expression(start);
                        break;
                    }
                }
                text_start = self.pos;
            } else {
                self.pos += 1;
            }
        }
        self.advance_to(self.pos);
        match parts.as_slice() {
            [ValuePart::Expr(expr)] if closed => {
                if expr.span.is_empty() {
                    self.error("E0113", "empty expression", span(open + 1, self.pos - 1));
                }
                AttrValue::Expr(*expr)
            }
            _ => AttrValue::Text(parts),
        }
    }

    fn classify_attribute(&mut self, name: Name, value: AttrValue) -> AttributeKind {
        let text = name.text.as_str();
        let at = name.span.start as usize;
        let part = |offset: usize, part: &str| Name { text: part.to_string(), span: span(at + offset, at + offset + part.len()) };
        if let Some(event) = text.strip_prefix('@').or_else(|| text.strip_prefix("on:")) {
            let prefix = text.len() - event.len();
            // Svelte writes modifiers `on:click|preventDefault|once`; Eghact `@click.prevent.once`.
            // Names are kept as written: codegen reads the separator before each one.
            let separator = if event.contains('|') { '|' } else { '.' };
            let (event_name, modifiers) = split_modifiers(&part, prefix, event, separator);
            if event_name.text.is_empty() {
                self.error("E0120", "missing event name after `@`", name.span);
            }
            let handler = self.handler(value, &name);
            return AttributeKind::Event { name: event_name, modifiers, handler };
        }
        let Some((directive, rest)) = text.split_once(':') else {
            return AttributeKind::Plain { name, value };
        };
        let target = part(directive.len() + 1, rest);
        match directive {
            "bind" => {
                let target_expr = match value {
                    AttrValue::Expr(expr) => expr,
                    AttrValue::True => self.expr(target.span),
                    AttrValue::Text(_) => {
                        self.error("E0120", format!("`bind:{rest}` needs a variable: write `bind:{rest}={{name}}`"), name.span);
                        self.expr(target.span)
                    }
                };
                AttributeKind::Bind { name: target, target: target_expr }
            }
            "class" => {
                let condition = match value {
                    AttrValue::Expr(expr) => expr,
                    AttrValue::True => self.expr(target.span),
                    AttrValue::Text(_) => {
                        self.error(
                            "E0120",
                            format!("`class:{rest}` needs a condition: write `class:{rest}={{condition}}`"),
                            name.span,
                        );
                        self.expr(target.span)
                    }
                };
                AttributeKind::Class { name: target, condition }
            }
            "style" => AttributeKind::Style { name: target, value },
            "use" => {
                let argument = match value {
                    AttrValue::Expr(expr) => Some(expr),
                    AttrValue::True => None,
                    AttrValue::Text(_) => {
                        self.error(
                            "E0120",
                            format!("`use:{rest}` takes an expression: write `use:{rest}={{params}}`"),
                            name.span,
                        );
                        None
                    }
                };
                AttributeKind::Use { name: target, argument }
            }
            "transition" | "in" | "out" | "animate" => {
                let (function, modifiers) = split_modifiers(&part, directive.len() + 1, rest, '|');
                if function.text.is_empty() {
                    self.error("E0120", format!("missing function name after `{directive}:`"), name.span);
                }
                let params = match value {
                    AttrValue::Expr(expr) => Some(expr),
                    AttrValue::True => None,
                    AttrValue::Text(_) => {
                        self.error(
                            "E0120",
                            format!(
                                "the parameters of `{directive}:` are an expression: write `{directive}:{}={{…}}`",
                                function.text
                            ),
                            name.span,
                        );
                        None
                    }
                };
                AttributeKind::Transition { directive: part(0, directive), name: function, modifiers, params }
            }
            "let" => {
                let alias = match value {
                    AttrValue::Expr(expr) => Some(expr),
                    _ => None,
                };
                AttributeKind::Let { name: target, alias }
            }
            _ => AttributeKind::Plain { name, value },
        }
    }

    fn handler(&mut self, value: AttrValue, name: &Name) -> Handler {
        match value {
            AttrValue::True => Handler::None,
            AttrValue::Expr(expr) => Handler::Expr(expr),
            AttrValue::Text(parts) => match parts.as_slice() {
                [] => {
                    self.error("E0120", format!("empty handler for `{}`", name.text), name.span);
                    Handler::None
                }
                [ValuePart::Text(text)] => {
                    let trimmed = self.trimmed(text.span.start as usize, text.span.end as usize);
                    if is_member_path(trimmed.text(self.src)) {
                        Handler::Reference(self.expr(trimmed))
                    } else {
                        Handler::Statements(self.expr(text.span))
                    }
                }
                _ => {
                    self.error("E0120", format!("the value of `{}` mixes text and `{{…}}`", name.text), name.span).help =
                        Some("write `@event={handler}` or a quoted statement such as `@click=\"count++\"`".into());
                    Handler::None
                }
            },
        }
    }

    fn unclosed_expression(&mut self, start: usize) {
        self.error("E0112", "unclosed `{`: the expression has no closing `}`", span(start, start + 1)).help =
            Some("add `}` after the expression".into());
        // Resume after this line so that the rest of the file still parses.
        self.pos = find(self.bytes, start, b"\n").map_or(self.bytes.len(), |p| p + 1);
    }

    // ---- mustaches and blocks ----

    fn mustache(&mut self) -> Option<Node> {
        let start = self.pos;
        let Some(end) = expression_end(self.bytes, start + 1) else {
            self.unclosed_expression(start);
            return None;
        };
        if self.at("{{") {
            if let Some(inner_end) = expression_end(self.bytes, start + 2) {
                let after = inner_end + 1;
                if self.bytes.get(after) == Some(&b'}') {
                    self.pos = after + 1;
                    let expr = self.trimmed(start + 2, inner_end);
                    let single = format!("{{{}}}", expr.text(self.src));
                    let d = Diagnostic::warning("W0101", "double braces: write `{expression}`", span(start, self.pos))
                        .with_help(format!("replace with `{single}`"))
                        .with_fix(format!("Replace with `{single}`"), span(start, self.pos), single);
                    self.diagnostics.push(d);
                    return Some(Node::Mustache(Mustache { span: span(start, self.pos), expr: self.expr(expr) }));
                }
            }
        }
        self.pos = end + 1;
        let whole = span(start, self.pos);
        let inner = self.trimmed(start + 1, end);
        let text = inner.text(self.src);
        let keyword_len = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
        let keyword = &text[..keyword_len];
        let argument = self.trimmed(inner.start as usize + keyword_len, inner.end as usize);
        match keyword {
            "#if" | "#each" | "#await" | "#key" => {
                if self.open.len() >= MAX_DEPTH {
                    self.error("E0121", format!("elements and blocks are nested more than {MAX_DEPTH} deep"), whole);
                    self.pos = self.bytes.len();
                    return None;
                }
                if argument.is_empty() {
                    self.error("E0113", format!("`{{{keyword}}}` needs an expression"), whole);
                }
                Some(match keyword {
                    "#if" => self.if_block(whole, argument),
                    "#each" => self.each_block(whole, argument),
                    "#key" => self.key_block(whole, argument),
                    _ => self.await_block(whole, argument),
                })
            }
            "@html" => Some(Node::Html(Mustache { span: whole, expr: self.expr(argument) })),
            "@const" => {
                // `{@const pattern = value}`: oxc checks the rest when it parses the declaration.
                if !argument.text(self.src).contains('=') {
                    self.error("E0124", "`{@const}` declares a name: `{@const name = value}`", whole).help =
                        Some("write `{@const area = width * height}`".into());
                    return None;
                }
                Some(Node::Const(ConstTag { span: whole, declaration: self.expr(argument) }))
            }
            "@debug" => self.debug_tag(whole, argument),
            _ if keyword.starts_with(['#', '@']) => {
                self.error("E0117", format!("unknown block `{keyword}`"), whole).help = Some(
                    "blocks are `{#if}`, `{#each}`, `{#await}` and `{#key}`; tags `{@html}`, `{@const}` and `{@debug}`".into(),
                );
                None
            }
            _ if inner.is_empty() => {
                self.error("E0113", "empty expression", whole);
                None
            }
            _ => Some(Node::Mustache(Mustache { span: whole, expr: self.expr(inner) })),
        }
    }

    /// Reads a `{:…}`, `{/…}` or `{#else…}` tag at the cursor without consuming it:
    /// returns its keyword (`:else`, `/if`, …), argument span and end offset.
    fn peek_block_tag(&self) -> Option<(&'s str, Span, usize)> {
        let end = expression_end(self.bytes, self.pos + 1)?;
        let inner = self.trimmed(self.pos + 1, end);
        let text = inner.text(self.src);
        let keyword_len = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
        Some((&text[..keyword_len], self.trimmed(inner.start as usize + keyword_len, inner.end as usize), end + 1))
    }

    /// Parses a block body; returns the closing or continuation tag that ended it, consumed
    /// (its keyword, argument and span), or `None` when the block ended without its close
    /// (already reported).
    fn block_body(&mut self, block: &'static str, start: usize, nodes: &mut Vec<Node>) -> Option<(&'s str, Span, Span)> {
        loop {
            self.fragment(nodes);
            if self.eof() || self.at("</") {
                if self.eof() || self.closes_open_element() {
                    self.unclosed_block(block, start);
                    return None;
                }
                self.unexpected_terminator();
                continue;
            }
            let Some((keyword, argument, end)) = self.peek_block_tag() else {
                self.unclosed_expression(self.pos);
                continue;
            };
            let (keyword, argument) = if keyword == "#else" {
                let keyword_span = span(self.pos, self.pos + "{#else".len());
                let d = Diagnostic::warning("W0102", "`{#else}` is written `{:else}`", span(self.pos, end))
                    .with_help("replace `{#else` with `{:else`")
                    .with_fix("Replace `{#else` with `{:else`", keyword_span, "{:else");
                self.diagnostics.push(d);
                (":else", argument)
            } else {
                (keyword, argument)
            };
            let belongs_here = match block {
                "if" => matches!(keyword, ":else" | "/if"),
                "each" => matches!(keyword, ":else" | "/each"),
                "key" => keyword == "/key",
                _ => matches!(keyword, ":then" | ":catch" | "/await"),
            };
            if belongs_here {
                let tag = span(self.pos, end);
                self.pos = end;
                return Some((keyword, argument, tag));
            }
            // `{/each}` of an enclosing block closes this one too.
            if let Some(closing) = keyword.strip_prefix('/') {
                if self.open.iter().rev().skip(1).any(|o| matches!(o, Open::Block(b) if *b == closing)) {
                    self.unclosed_block(block, start);
                    return None;
                }
            }
            self.unexpected_terminator();
        }
    }

    fn unclosed_block(&mut self, block: &str, start: usize) {
        self.error("E0114", format!("unclosed `{{#{block}}}` block"), span(start, start + block.len() + 2)).help =
            Some(format!("add `{{/{block}}}` after the block's content"));
    }

    fn if_block(&mut self, tag: Span, condition: Span) -> Node {
        let start = tag.start as usize;
        self.open.push(Open::Block("if"));
        let mut branches = vec![IfBranch { tag, condition: self.expr(condition), children: Vec::new() }];
        let mut else_tag = None;
        let mut else_branch: Option<Vec<Node>> = None;
        let mut close = None;
        loop {
            let nodes = match &mut else_branch {
                Some(nodes) => nodes,
                None => &mut branches.last_mut().expect("one branch at least").children,
            };
            let Some((keyword, argument, tag)) = self.block_body("if", start, nodes) else { break };
            if keyword == "/if" {
                close = Some(tag);
                break;
            }
            // `{:else}` or `{:else if c}`
            let text = argument.text(self.src);
            if else_branch.is_some() {
                self.error("E0115", "`{:else}` after the final `{:else}` of this `{#if}`", argument);
            }
            if let Some(cond) = text.strip_prefix("if").filter(|c| c.starts_with(char::is_whitespace) || c.is_empty()) {
                let cond_start = argument.end as usize - cond.len();
                let condition = self.trimmed(cond_start, argument.end as usize);
                if condition.is_empty() {
                    self.error("E0113", "`{:else if}` needs a condition", argument);
                }
                branches.push(IfBranch { tag, condition: self.expr(condition), children: Vec::new() });
            } else {
                if !text.is_empty() {
                    self.error("E0115", format!("unexpected `{text}` after `{{:else`"), argument);
                }
                else_tag = Some(tag);
                else_branch = Some(Vec::new());
            }
        }
        self.open.pop();
        Node::If(IfBlock { span: span(start, self.pos), branches, else_tag, else_branch, close })
    }

    /// `{@debug a, b}`: names only, as in Svelte (E0125 otherwise).
    fn debug_tag(&mut self, whole: Span, argument: Span) -> Option<Node> {
        let mut names = Vec::new();
        if argument.is_empty() {
            return Some(Node::Debug(DebugTag { span: whole, names }));
        }
        let mut at = argument.start as usize;
        for part in argument.text(self.src).split(',') {
            let name = self.trimmed(at, at + part.len());
            at += part.len() + 1;
            let text = name.text(self.src);
            if !is_identifier(text) {
                self.error("E0125", "`{@debug}` takes names separated by commas", if name.is_empty() { whole } else { name })
                    .help = Some("write `{@debug user, count}`; log other values with `{@const}` and a name".into());
                return None;
            }
            names.push(Name { text: text.to_string(), span: name });
        }
        Some(Node::Debug(DebugTag { span: whole, names }))
    }

    /// `{#key expression}…{/key}`
    fn key_block(&mut self, tag: Span, expression: Span) -> Node {
        let start = tag.start as usize;
        self.open.push(Open::Block("key"));
        let mut children = Vec::new();
        // Only `{/key}` ends the body: any other block tag is reported inside it.
        let close = self.block_body("key", start, &mut children).map(|(_, _, tag)| tag);
        self.open.pop();
        Node::Key(KeyBlock { span: span(start, self.pos), tag, expression: self.expr(expression), children, close })
    }

    fn each_block(&mut self, tag: Span, header: Span) -> Node {
        let start = tag.start as usize;
        let (list, pattern, index, key) = self.each_header(header);
        self.open.push(Open::Block("each"));
        let mut children = Vec::new();
        let mut else_tag = None;
        let mut else_branch = None;
        let mut end = self.block_body("each", start, &mut children);
        if let Some((":else", _, tag)) = end {
            else_tag = Some(tag);
            let mut nodes = Vec::new();
            end = self.block_body("each", start, &mut nodes);
            if let Some((keyword, argument, _)) = end.filter(|(keyword, _, _)| *keyword != "/each") {
                self.error("E0115", format!("unexpected `{{{keyword}}}` after `{{:else}}` in `{{#each}}`"), argument);
            }
            else_branch = Some(nodes);
        }
        let close = end.filter(|(keyword, _, _)| *keyword == "/each").map(|(_, _, tag)| tag);
        self.open.pop();
        Node::Each(EachBlock {
            span: span(start, self.pos),
            tag,
            list,
            pattern,
            index,
            key,
            children,
            else_tag,
            else_branch,
            close,
        })
    }

    /// `list as pattern, index (key)`
    fn each_header(&mut self, header: Span) -> (Expr, Expr, Option<Name>, Option<Expr>) {
        let base = header.start as usize;
        let text = header.text(self.src).as_bytes();
        let Some(as_at) = find_keyword(text, b"as") else {
            self.error("E0116", "`{#each}` needs `as`: `{#each items as item}`", header);
            return (self.expr(header), self.expr(span(header.end as usize, header.end as usize)), None, None);
        };
        let list = self.trimmed(base, base + as_at);
        let mut i = base + as_at + 2;
        let end = header.end as usize;
        let skip_ws = |i: &mut usize| {
            while *i < end && self.bytes[*i].is_ascii_whitespace() {
                *i += 1;
            }
        };
        skip_ws(&mut i);
        let pattern_start = i;
        if matches!(self.bytes.get(i), Some(b'{' | b'[')) {
            i = bracket_end(&self.bytes[..end], i).map_or(end, |e| e + 1);
        } else {
            while i < end && !matches!(self.bytes[i], b',' | b'(') && !self.bytes[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        let pattern = span(pattern_start, i);
        if pattern.is_empty() {
            self.error("E0116", "`{#each}` needs a name after `as`", header);
        }
        skip_ws(&mut i);
        let mut index = None;
        if self.bytes.get(i) == Some(&b',') && i < end {
            i += 1;
            skip_ws(&mut i);
            let s = i;
            while i < end && (self.bytes[i].is_ascii_alphanumeric() || matches!(self.bytes[i], b'_' | b'$')) {
                i += 1;
            }
            if s == i {
                self.error("E0116", "expected an index name after `,`", span(s, s));
            }
            index = Some(Name { text: self.src[s..i].to_string(), span: span(s, i) });
            skip_ws(&mut i);
        }
        let mut key = None;
        if i < end && self.bytes[i] == b'(' {
            let close = bracket_end(&self.bytes[..end], i).unwrap_or(end);
            key = Some(self.expr(self.trimmed(i + 1, close.min(end))));
            if close >= end {
                self.error("E0116", "unclosed `(` in the `{#each}` key", span(i, i + 1));
            }
            i = (close + 1).min(end);
            skip_ws(&mut i);
        }
        if i < end {
            self.error("E0116", "unexpected text in the `{#each}` header", span(i, end)).help =
                Some("the form is `{#each list as item, index (key)}`".into());
        }
        (self.expr(list), self.expr(pattern), index, key)
    }

    fn await_block(&mut self, tag: Span, header: Span) -> Node {
        let start = tag.start as usize;
        let text = header.text(self.src).as_bytes();
        let base = header.start as usize;
        // `{#await p then v}` and `{#await p catch e}` skip the pending branch.
        let inline = [(b"then".as_slice(), ":then"), (b"catch".as_slice(), ":catch")]
            .into_iter()
            .find_map(|(word, kw)| find_keyword(text, word).map(|at| (at, word.len(), kw)));
        let (promise, mut current) = match inline {
            Some((at, len, kw)) => {
                let pattern = self.trimmed(base + at + len, header.end as usize);
                (self.trimmed(base, base + at), Some((kw, pattern, tag)))
            }
            None => (header, None),
        };
        self.open.push(Open::Block("await"));
        let mut pending = Vec::new();
        let mut then = None;
        let mut catch = None;
        let mut close = None;
        loop {
            let mut nodes = Vec::new();
            let end_tag = self.block_body("await", start, &mut nodes);
            match current.take() {
                None => pending = nodes,
                Some((kw, pattern, tag)) => {
                    let branch =
                        AwaitBranch { tag, pattern: (!pattern.is_empty()).then_some(self.expr(pattern)), children: nodes };
                    let slot = if kw == ":then" { &mut then } else { &mut catch };
                    if slot.is_some() {
                        self.error("E0115", format!("`{{{kw}}}` appears twice in this `{{#await}}`"), pattern);
                    }
                    *slot = Some(branch);
                }
            }
            match end_tag {
                Some((kw @ (":then" | ":catch"), argument, tag)) => current = Some((kw, argument, tag)),
                Some((_, _, tag)) => {
                    close = Some(tag);
                    break;
                }
                None => break,
            }
        }
        self.open.pop();
        Node::Await(AwaitBlock { span: span(start, self.pos), tag, promise: self.expr(promise), pending, then, catch, close })
    }
}
