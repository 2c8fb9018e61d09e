//! Formatting of a whole `.egh` file. The template is laid out again: two-space indentation,
//! one child per line where the markup is a list of elements, block bodies indented, text and
//! inline markup kept on their lines, attributes in their order (one per line when the start
//! tag was written over several lines or would be too wide). The script and the style are only
//! re-indented: oxc's printer keeps statement-level comments only and reprints every
//! expression, and a JavaScript script's statements are copied into the compiled module, so
//! reprinting would change the output; the style is copied into the compiled CSS likewise.
//!
//! Invariants: the output compiles to the same module as the input, because whitespace only
//! changes where the compiler collapses or drops it (a run of template whitespace is one space,
//! a fragment's leading and trailing whitespace is dropped; `<pre>`, `<textarea>`, code and
//! attribute values are copied as written; lines that start inside a string are never
//! re-indented); formatting twice gives what formatting once does; a file with syntax errors is
//! refused, never mangled.

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast_visit::Visit;
use oxc::span::{GetSpan, SourceType};

use eghact_semantics::script_in_place;
use eghact_syntax::Parse;
use eghact_syntax::ast::{Element, Node, RawBlock, TemplateBlock};
use eghact_syntax::diagnostics::Span;

const INDENT: &str = "  ";

/// A start tag wider than this (indentation included) gets one attribute per line.
const MAX_WIDTH: usize = 100;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("the file has {0} syntax error(s): it is formatted once it parses")]
    Syntax(usize),
    #[error("the script has syntax errors: the file is formatted once it parses")]
    Script,
}

/// The formatted text of `source` (parsed as `parse`).
pub fn format(source: &str, parse: &Parse) -> Result<String, FormatError> {
    let errors = parse.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        return Err(FormatError::Syntax(errors));
    }
    let component = &parse.component;
    let mut blocks: Vec<(Span, String)> = Vec::new();
    for script in component.scripts() {
        blocks.push((script.span, raw_block(source, script, &script_literals(source, script)?)));
    }
    if let Some(style) = &component.style {
        blocks.push((style.span, raw_block(source, style, &css_strings(source, style.content))));
    }
    if let Some(template) = &component.template {
        blocks.push((template.span, self::template(source, template)));
    }
    blocks.sort_by_key(|(span, _)| span.start);
    // Between blocks there are only whitespace and comments: a comment stays with the block
    // after it.
    let mut pieces: Vec<String> = Vec::new();
    let mut end = 0;
    for (span, text) in blocks {
        let comments = trim_whitespace(source.get(end as usize..span.start as usize).unwrap_or(""));
        pieces.push(if comments.is_empty() { text } else { format!("{comments}\n{text}") });
        end = span.end;
    }
    let trailing = trim_whitespace(source.get(end as usize..).unwrap_or(""));
    if !trailing.is_empty() {
        pieces.push(trailing.to_string());
    }
    if pieces.is_empty() {
        return Ok(String::new());
    }
    Ok(pieces.join("\n\n") + "\n")
}

/// HTML and CSS whitespace (Unicode spaces such as U+00A0 are content).
fn is_space(c: char) -> bool {
    c.is_ascii_whitespace()
}

fn trim_whitespace(text: &str) -> &str {
    text.trim_matches(is_space)
}

fn newline(level: usize) -> String {
    format!("\n{}", INDENT.repeat(level))
}

// ---- script and style ----

/// `<script …>` or `<style …>` with its content re-indented.
fn raw_block(source: &str, block: &RawBlock, literals: &[Span]) -> String {
    let open = Span::new(block.span.start, block.content.start).text(source);
    // A closing tag may run to the end of the file (`</style` with no `>`).
    let close = trim_whitespace(Span::new(block.content.end, block.span.end).text(source));
    let body = reindent(source, block.content, literals);
    if body.is_empty() { format!("{open}{close}") } else { format!("{open}\n{body}\n{close}") }
}

/// The lines of `content` shifted so that the least indented starts at one [`INDENT`], keeping
/// relative indentation; trailing whitespace, and blank lines at the ends and in runs, go.
/// A line that starts inside one of `literals` is copied as it is, and one that ends inside
/// keeps its trailing whitespace: both belong to the literal's value.
fn reindent(source: &str, content: Span, literals: &[Span]) -> String {
    let inside = |offset: u32| literals.iter().any(|l| l.start < offset && offset < l.end);
    let mut lines: Vec<(u32, &str)> = Vec::new();
    let mut start = content.start;
    for line in content.text(source).split('\n') {
        lines.push((start, line));
        start += line.len() as u32 + 1;
    }
    let is_blank = |line: &str| trim_whitespace(line).is_empty();
    // The first line follows the start tag: its indentation says nothing.
    let mut prefix: Option<&str> = None;
    for &(start, line) in lines.iter().skip(1) {
        if is_blank(line) || inside(start) {
            continue;
        }
        let indentation = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        prefix = Some(match prefix {
            None => indentation,
            Some(common) => {
                let same = common.bytes().zip(indentation.bytes()).take_while(|(a, b)| a == b).count();
                &common[..same]
            }
        });
    }
    let prefix = prefix.map_or(0, str::len);
    let mut out: Vec<String> = Vec::new();
    for (i, &(start, line)) in lines.iter().enumerate() {
        if i > 0 && inside(start) {
            out.push(line.to_string());
        } else if is_blank(line) {
            if out.last().is_some_and(|last| !last.is_empty()) {
                out.push(String::new());
            }
        } else {
            let body = if i == 0 { line.trim_start_matches(is_space) } else { &line[prefix..] };
            let ends_inside = i + 1 < lines.len() && inside(start + line.len() as u32);
            let body = if ends_inside { body } else { body.trim_end_matches(is_space) };
            out.push(format!("{INDENT}{body}"));
        }
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

/// The spans of the script's string and template literals (types included), so that lines
/// inside them keep their whitespace; an error when the script does not parse.
fn script_literals(source: &str, script: &RawBlock) -> Result<Vec<Span>, FormatError> {
    let text = script_in_place(source, script);
    let allocator = Allocator::default();
    let source_type = if script.is_typescript() { SourceType::ts() } else { SourceType::mjs() };
    let parsed = oxc::parser::Parser::new(&allocator, &text, source_type).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return Err(FormatError::Script);
    }
    struct Literals(Vec<Span>);
    impl<'a> Visit<'a> for Literals {
        fn enter_node(&mut self, kind: AstKind<'a>) {
            if matches!(kind, AstKind::StringLiteral(_) | AstKind::TemplateLiteral(_) | AstKind::TSTemplateLiteralType(_)) {
                let span = kind.span();
                self.0.push(Span::new(span.start, span.end));
            }
        }
    }
    let mut literals = Literals(Vec::new());
    literals.visit_program(&parsed.program);
    Ok(literals.0)
}

/// The spans of the strings of a style (a string may go on over an escaped line break).
fn css_strings(source: &str, content: Span) -> Vec<Span> {
    let bytes = source.as_bytes();
    let end = content.end as usize;
    let mut strings = Vec::new();
    let mut i = content.start as usize;
    while i < end {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..end].find("*/").map_or(end, |p| i + 2 + p + 2);
                continue;
            }
            quote @ (b'"' | b'\'') => {
                let open = i;
                i += 1;
                while i < end && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                strings.push(Span::new(open as u32, (i + 1).min(end) as u32));
            }
            _ => {}
        }
        i += 1;
    }
    strings
}

// ---- template ----

fn template(source: &str, template: &TemplateBlock) -> String {
    let open = Span::new(template.span.start, template.content.start).text(source);
    let close = trim_whitespace(Span::new(template.content.end, template.span.end).text(source));
    let layout = Layout { source };
    let body = layout.fragment(&template.nodes, 1);
    if body.text.is_empty() { format!("{open}{close}") } else { format!("{open}{}{}\n{close}", newline(1), body.text) }
}

/// Children laid out for their parent.
struct Fragment {
    text: String,
    /// Whether they go on lines of their own, between the parent's tags.
    breaks: bool,
}

struct Layout<'s> {
    source: &'s str,
}

impl Layout<'_> {
    /// Lays out `nodes`, whose lines are indented `level` times. Whitespace between two nodes
    /// becomes a line break or one space, never nothing (and nothing stays nothing), so the
    /// compiled text is unchanged; whitespace at the ends is left to the parent.
    fn fragment(&self, nodes: &[Node], level: usize) -> Fragment {
        // A list of elements and blocks: each on its own line (where whitespace separates them).
        let is_list =
            nodes.iter().any(|n| matches!(n, Node::Element(_) | Node::If(_) | Node::Each(_) | Node::Await(_) | Node::Key(_)))
                && nodes.iter().all(|n| match n {
                    Node::Text(text) => trim_whitespace(text.span.text(self.source)).is_empty(),
                    Node::Mustache(_) | Node::Html(_) | Node::Debug(_) => false,
                    _ => true,
                });
        let mut items: Vec<(String, String)> = Vec::new();
        let mut gap = String::new();
        for node in nodes {
            let laid_out = match node {
                Node::Text(text) => {
                    let raw = text.span.text(self.source);
                    let body = trim_whitespace(raw);
                    if body.is_empty() {
                        gap.push_str(raw);
                        continue;
                    }
                    gap.push_str(&raw[..raw.len() - raw.trim_start_matches(is_space).len()]);
                    let laid_out = self.text(body, level);
                    items.push((std::mem::take(&mut gap), laid_out));
                    gap.push_str(&raw[raw.trim_end_matches(is_space).len()..]);
                    continue;
                }
                Node::Mustache(m) | Node::Html(m) => m.span.text(self.source).to_string(),
                Node::Const(_) | Node::Debug(_) => node.span().text(self.source).to_string(),
                Node::Comment(span) => span.text(self.source).to_string(),
                Node::Element(element) => self.element(element, level),
                Node::If(_) | Node::Each(_) | Node::Await(_) | Node::Key(_) => self.block(node, level),
            };
            items.push((std::mem::take(&mut gap), laid_out));
        }
        let trailing = gap;
        let mut text = String::new();
        for (i, (gap, laid_out)) in items.iter().enumerate() {
            if i > 0 && !gap.is_empty() {
                if is_list || gap.contains('\n') {
                    if gap.matches('\n').count() > 1 {
                        text.push('\n');
                    }
                    text.push_str(&newline(level));
                } else {
                    text.push(' ');
                }
            }
            text.push_str(laid_out);
        }
        let leading = items.first().map_or("", |(gap, _)| gap.as_str());
        let breaks = !items.is_empty() && (is_list || leading.contains('\n') || trailing.contains('\n') || text.contains('\n'));
        Fragment { text, breaks }
    }

    /// Text without its outer whitespace: line breaks re-indented, the rest as written.
    fn text(&self, body: &str, level: usize) -> String {
        let mut out = String::with_capacity(body.len());
        let mut rest = body;
        while let Some(start) = rest.find(is_space) {
            out.push_str(&rest[..start]);
            let run_len = rest[start..].find(|c: char| !is_space(c)).unwrap_or(rest.len() - start);
            let run = &rest[start..start + run_len];
            match run.matches('\n').count() {
                0 => out.push_str(run),
                1 => out.push_str(&newline(level)),
                _ => {
                    out.push('\n');
                    out.push_str(&newline(level));
                }
            }
            rest = &rest[start + run_len..];
        }
        out.push_str(rest);
        out
    }

    fn element(&self, element: &Element, level: usize) -> String {
        if element.is_preformatted() {
            return element.span.text(self.source).to_string();
        }
        let start_tag = self.start_tag(element, level);
        if element.end_tag.is_none() {
            return start_tag;
        }
        let children = self.fragment(&element.children, level + 1);
        let end_tag = format!("</{}>", element.name.text);
        if children.breaks {
            format!("{start_tag}{}{}{}{end_tag}", newline(level + 1), children.text, newline(level))
        } else {
            format!("{start_tag}{}{end_tag}", children.text)
        }
    }

    fn start_tag(&self, element: &Element, level: usize) -> String {
        let self_closing = element.start_tag.text(self.source).ends_with("/>");
        let attributes: Vec<&str> = element.attributes.iter().map(|a| a.span.text(self.source)).collect();
        // `<input a=b/ >` is not self-closing: its `/` stays apart from the `>`.
        let end = match attributes.last() {
            _ if self_closing => " />",
            Some(last) if last.ends_with('/') => " >",
            _ => ">",
        };
        let one_line = format!("<{}{}{end}", element.name.text, attributes.iter().map(|a| format!(" {a}")).collect::<String>());
        // Was the tag written over several lines (between its name and attributes)?
        let mut ends = vec![element.name.span.end];
        for attribute in &element.attributes {
            ends.push(attribute.span.start);
            ends.push(attribute.span.end);
        }
        ends.push(element.start_tag.end);
        let written_broken = ends.chunks(2).any(|pair| match pair {
            [from, to] => Span::new(*from, *to).text(self.source).contains('\n'),
            _ => false,
        });
        let too_wide = INDENT.len() * level + one_line.chars().count() > MAX_WIDTH;
        if attributes.is_empty() || !(written_broken || too_wide) {
            return one_line;
        }
        let mut tag = format!("<{}", element.name.text);
        for attribute in attributes {
            tag.push_str(&newline(level + 1));
            tag.push_str(attribute);
        }
        tag.push_str(&newline(level));
        tag.push_str(if self_closing { "/>" } else { ">" });
        tag
    }

    /// A block's tags as written, its bodies indented below them, unless the block was written
    /// on one line and its bodies fit on it.
    fn block(&self, node: &Node, level: usize) -> String {
        let Some((sections, close)) = node.block_sections() else { return String::new() };
        let bodies: Vec<Fragment> = sections.iter().map(|s| self.fragment(s.nodes, level + 1)).collect();
        let one_line = !node.span().text(self.source).contains('\n') && bodies.iter().all(|b| !b.breaks);
        let mut out = String::new();
        for (section, body) in sections.iter().zip(bodies) {
            out.push_str(section.tag.text(self.source));
            if one_line {
                out.push_str(&body.text);
            } else {
                if !body.text.is_empty() {
                    out.push_str(&newline(level + 1));
                    out.push_str(&body.text);
                }
                out.push_str(&newline(level));
            }
        }
        if let Some(close) = close {
            out.push_str(close.text(self.source));
        }
        out
    }
}
