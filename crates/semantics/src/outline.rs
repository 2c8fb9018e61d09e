//! The outline of one component: its imports, its signature and the images it references,
//! read from the syntax tree and a parse of the script (no transform, no codegen).

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::parser::Parser;
use oxc::span::{GetSpan, SourceType};

use super::{Event, ImplicitObjects, Prop, Signature};
use crate::assets::{ImageReference, image_references};
use eghact_syntax::ast::{AttributeKind, Component, ElementKind, Handler, Node, RawBlock, walk_elements};
use eghact_syntax::diagnostics::Span;

/// `import … from 'specifier'` of a component script.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Import {
    pub specifier: String,
    /// The specifier's string literal in the `.egh` file, quotes included.
    pub span: Span,
    /// The default import's local name, e.g. `Child` in `import Child from './Child.egh'`.
    pub default_name: Option<String>,
    /// `import type …`: erased from the output.
    pub type_only: bool,
    /// Named imports as `(imported, local)`: `{ Row as Line }` is `("Row", "Line")`.
    pub names: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outline {
    pub imports: Vec<Import>,
    pub signature: Signature,
    /// Where each prop of the signature is declared (its name), in the same order. Kept out
    /// of the signature: moving a declaration must not change what importers see.
    pub prop_spans: Vec<Span>,
    /// The project's images the template and the style reference, which a build processes.
    pub images: Vec<ImageReference>,
}

/// The outline of a parsed component. A script with syntax errors contributes nothing
/// (the compiler reports them).
pub fn outline(source: &str, component: &Component) -> Outline {
    let mut outline = Outline::default();
    if let Some(block) = &component.module_script {
        eghact_syntax::stack::ensure(|| module_script_imports(source, block, &mut outline.imports));
    }
    if let Some(block) = &component.script {
        script_outline(source, block, &mut outline);
    }
    if let Some(template) = &component.template {
        template_contract(&template.nodes, &mut outline.signature);
    }
    let implicit = ImplicitObjects::of(source);
    outline.signature.open_props = implicit.props || implicit.rest_props;
    outline.images = image_references(source, component);
    outline
}

/// The script with everything before it blanked (newlines kept), so that spans and line
/// numbers of a parse are those of the `.egh` file; `export let name?:` is lowered to
/// TypeScript by blanking the `?` (decision 5).
pub fn script_in_place(source: &str, block: &RawBlock) -> String {
    scripts_in_place(source, &[block])
}

/// [`script_in_place`] for several blocks (a component's module and instance scripts): one
/// program with everything outside the blocks blanked.
pub fn scripts_in_place(source: &str, blocks: &[&RawBlock]) -> String {
    let end = blocks.iter().map(|block| block.content.end).max().unwrap_or(0);
    let mut padded: Vec<u8> = source.as_bytes()[..end as usize].to_vec();
    for (at, b) in padded.iter_mut().enumerate() {
        let inside = blocks.iter().any(|block| block.content.start as usize <= at && at < block.content.end as usize);
        if !inside && *b != b'\n' {
            *b = b' ';
        }
    }
    let start = blocks.iter().map(|block| block.content.start).min().unwrap_or(0);
    lower_optional_props(&mut padded, start as usize);
    // Only ASCII bytes were replaced by ASCII bytes, and the block ends on a char boundary.
    String::from_utf8(padded).unwrap_or_default()
}

fn lower_optional_props(text: &mut [u8], from: usize) {
    let mut i = from;
    while let Some(at) = text[i..].windows(10).position(|w| w == b"export let").map(|p| i + p) {
        let mut j = at + 10;
        while j < text.len() && text[j].is_ascii_whitespace() {
            j += 1;
        }
        while j < text.len() && (text[j].is_ascii_alphanumeric() || text[j] == b'_' || text[j] == b'$') {
            j += 1;
        }
        if text.get(j) == Some(&b'?') && text.get(j + 1) == Some(&b':') {
            text[j] = b' ';
        }
        i = j.max(at + 1);
    }
}

fn script_outline(source: &str, block: &RawBlock, outline: &mut Outline) {
    eghact_syntax::stack::ensure(|| script_outline_on_stack(source, block, outline))
}

/// Hands `read` the script block parsed in place (its text, its program) when it parses
/// without errors.
fn with_parsed_script(source: &str, block: &RawBlock, read: impl FnOnce(&str, &Program<'_>)) {
    let text = script_in_place(source, block);
    let allocator = Allocator::default();
    let source_type = if block.is_typescript() { SourceType::ts() } else { SourceType::mjs() };
    let parsed = Parser::new(&allocator, &text, source_type).parse();
    if !parsed.panicked && parsed.diagnostics.is_empty() {
        read(&text, &parsed.program);
    }
}

fn script_outline_on_stack(source: &str, block: &RawBlock, outline: &mut Outline) {
    with_parsed_script(source, block, |text, program| instance_outline(source, text, program, outline));
}

fn instance_outline(source: &str, text: &str, program: &Program<'_>, outline: &mut Outline) {
    let slice = |span: oxc::span::Span| text[span.start as usize..span.end as usize].trim().to_string();
    let mut dispatchers = Vec::new();
    // `export { local as name }`: a top-level `let` so exported is the prop `name`.
    let aliases: Vec<(String, String)> = program
        .body
        .iter()
        .filter_map(|statement| match statement {
            Statement::ExportNamedDeclaration(named) => Some(named),
            _ => None,
        })
        .flat_map(|named| named.specifiers.iter().map(|s| (s.local.name().to_string(), s.exported.name().to_string())))
        .collect();
    for statement in &program.body {
        match statement {
            Statement::ImportDeclaration(import) => outline.imports.push(import_of(import)),
            Statement::ExportDeclaration(export) => {
                if let Declaration::VariableDeclaration(decl) = &export.declaration {
                    if decl.kind == VariableDeclarationKind::Let {
                        let docs = doc_comment(&text, &program, statement.span().start);
                        for declarator in &decl.declarations {
                            if let BindingPattern::BindingIdentifier(id) = &declarator.id {
                                let optional_mark = text.as_bytes().get(id.span.end as usize) == Some(&b' ')
                                    && source.as_bytes().get(id.span.end as usize) == Some(&b'?');
                                outline.prop_spans.push(Span::new(id.span.start, id.span.end));
                                outline.signature.props.push(prop(declarator, id.name.to_string(), optional_mark, &docs, &slice));
                            }
                        }
                    }
                    dispatcher_declarations(decl, &slice, &mut dispatchers, &mut outline.signature);
                }
            }
            Statement::VariableDeclaration(decl) => {
                if decl.kind == VariableDeclarationKind::Let {
                    for declarator in &decl.declarations {
                        let BindingPattern::BindingIdentifier(id) = &declarator.id else { continue };
                        let Some((_, name)) = aliases.iter().find(|(local, _)| *local == id.name.as_str()) else { continue };
                        let docs = doc_comment(&text, &program, statement.span().start);
                        outline.prop_spans.push(Span::new(id.span.start, id.span.end));
                        outline.signature.props.push(prop(declarator, name.clone(), false, &docs, &slice));
                    }
                }
                dispatcher_declarations(decl, &slice, &mut dispatchers, &mut outline.signature);
            }
            _ => {}
        }
    }
    if !dispatchers.is_empty() {
        // Untyped dispatchers: the events are the literal names passed to `dispatch(…)`.
        let mut calls = DispatchCalls { dispatchers: &dispatchers, events: &mut outline.signature.events };
        oxc::ast_visit::Visit::visit_program(&mut calls, &program);
    }
}

/// The imports of `<script context="module">` (its other names are no part of the outline).
fn module_script_imports(source: &str, block: &RawBlock, imports: &mut Vec<Import>) {
    with_parsed_script(source, block, |_, program| {
        for statement in &program.body {
            if let Statement::ImportDeclaration(import) = statement {
                imports.push(import_of(import));
            }
        }
    });
}

fn import_of(import: &ImportDeclaration<'_>) -> Import {
    Import {
        specifier: import.source.value.to_string(),
        span: Span::new(import.source.span.start, import.source.span.end),
        default_name: import.specifiers.iter().flatten().find_map(|s| match s {
            ImportDeclarationSpecifier::ImportDefaultSpecifier(d) => Some(d.local.name.to_string()),
            _ => None,
        }),
        type_only: import.import_kind.is_type(),
        names: import
            .specifiers
            .iter()
            .flatten()
            .filter_map(|s| match s {
                ImportDeclarationSpecifier::ImportSpecifier(named) => {
                    Some((named.imported.name().to_string(), named.local.name.to_string()))
                }
                _ => None,
            })
            .collect(),
    }
}

/// The prop `name` that `declarator` declares.
fn prop(
    declarator: &VariableDeclarator<'_>,
    name: String,
    optional_mark: bool,
    docs: &Option<String>,
    slice: &impl Fn(oxc::span::Span) -> String,
) -> Prop {
    Prop {
        name,
        ty: declarator.type_annotation.as_ref().map(|t| slice(t.type_annotation.span())),
        default: declarator.init.as_ref().map(|init| slice(init.span())),
        required: declarator.init.is_none() && !optional_mark,
        docs: docs.clone(),
    }
}

/// `const dispatch = createEventDispatcher<{ saved: { id: number } }>()`: typed events
/// are recorded; the dispatcher's name is kept to find its calls.
fn dispatcher_declarations(
    decl: &VariableDeclaration<'_>,
    slice: &impl Fn(oxc::span::Span) -> String,
    dispatchers: &mut Vec<String>,
    signature: &mut Signature,
) {
    for declarator in &decl.declarations {
        let (BindingPattern::BindingIdentifier(id), Some(Expression::CallExpression(call))) = (&declarator.id, &declarator.init)
        else {
            continue;
        };
        if !matches!(&call.callee, Expression::Identifier(callee) if callee.name == "createEventDispatcher") {
            continue;
        }
        dispatchers.push(id.name.to_string());
        let Some(TSType::TSTypeLiteral(literal)) = call.type_arguments.as_ref().and_then(|t| t.params.first()) else {
            continue;
        };
        signature.events_closed = true;
        for member in &literal.members {
            if let TSSignature::TSPropertySignature(property) = member {
                if let Some(name) = property.key.static_name() {
                    push_event(
                        &mut signature.events,
                        name.to_string(),
                        property.type_annotation.as_ref().map(|t| slice(t.type_annotation.span())),
                    );
                }
            }
        }
    }
}

fn push_event(events: &mut Vec<Event>, name: String, detail: Option<String>) {
    if !events.iter().any(|e| e.name == name) {
        events.push(Event { name, detail });
    }
}

struct DispatchCalls<'d> {
    dispatchers: &'d [String],
    events: &'d mut Vec<Event>,
}

impl<'a> oxc::ast_visit::Visit<'a> for DispatchCalls<'_> {
    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        if let (Expression::Identifier(callee), Some(Argument::StringLiteral(name))) = (&call.callee, call.arguments.first()) {
            if self.dispatchers.iter().any(|d| d == callee.name.as_str()) {
                push_event(self.events, name.value.to_string(), None);
            }
        }
        oxc::ast_visit::walk::walk_call_expression(self, call);
    }
}

/// The comment that ends right above `start` (only whitespace between), without its markers.
fn doc_comment(text: &str, program: &Program<'_>, start: u32) -> Option<String> {
    let comment = program.comments.iter().rev().find(|c| c.span.end <= start)?;
    if !text[comment.span.end as usize..start as usize].trim().is_empty() {
        return None;
    }
    let raw = &text[comment.span.start as usize..comment.span.end as usize];
    let body = raw.strip_prefix("/*").and_then(|r| r.strip_suffix("*/")).or_else(|| raw.strip_prefix("//")).unwrap_or(raw);
    let lines: Vec<&str> = body.lines().map(|l| l.trim().trim_start_matches('*').trim()).filter(|l| !l.is_empty()).collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Slots, and events forwarded by `@event` without a handler.
fn template_contract(nodes: &[Node], signature: &mut Signature) {
    walk_elements(nodes, &mut |element| {
        if element.kind == ElementKind::Slot {
            let name = element.static_attribute("name").unwrap_or("").to_string();
            if !signature.slots.contains(&name) {
                signature.slots.push(name);
            }
        }
        for attribute in &element.attributes {
            if let AttributeKind::Event { name, handler: Handler::None, .. } = &attribute.kind {
                push_event(&mut signature.events, name.text.clone(), None);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_syntax as syntax;

    fn outline_of(source: &str) -> Outline {
        outline(source, &syntax::parse(source).component)
    }

    #[test]
    fn props_events_slots_and_imports() {
        let source = r#"<script lang="ts">
import Child from './Child.egh';
import type { Item } from './types';
/** The heading. */
export let title: string;
export let size: 'sm' | 'lg' = 'sm';
export let hint?: string;
const dispatch = createEventDispatcher<{ saved: { id: number }; reset: never }>();
</script>
<template><slot /><slot name="footer">x</slot></template>"#;
        let outline = outline_of(source);
        let names: Vec<_> =
            outline.imports.iter().map(|i| (i.specifier.as_str(), i.default_name.as_deref(), i.type_only)).collect();
        assert_eq!(names, [("./Child.egh", Some("Child"), false), ("./types", None, true)]);
        let props = &outline.signature.props;
        assert_eq!(props[0].name, "title");
        assert_eq!(props[0].ty.as_deref(), Some("string"));
        assert!(props[0].required);
        assert_eq!(props[0].docs.as_deref(), Some("The heading."));
        assert_eq!(props[1].default.as_deref(), Some("'sm'"));
        assert!(!props[1].required);
        assert!(!props[2].required, "`hint?:` is optional");
        let spans: Vec<&str> = outline.prop_spans.iter().map(|s| s.text(source)).collect();
        assert_eq!(spans, ["title", "size", "hint"]);
        let events: Vec<_> = outline.signature.events.iter().map(|e| (e.name.as_str(), e.detail.as_deref())).collect();
        assert_eq!(events, [("saved", Some("{ id: number }")), ("reset", Some("never"))]);
        assert_eq!(outline.signature.slots, ["", "footer"]);
    }

    #[test]
    fn untyped_dispatch_calls_name_events() {
        let outline = outline_of(
            "<script>const fire = createEventDispatcher();\nfunction go() { fire('picked', 1); fire('picked'); }</script>",
        );
        assert_eq!(outline.signature.events, [Event { name: "picked".into(), detail: None }]);
    }

    #[test]
    fn body_edits_keep_the_outline() {
        let a = outline_of("<script>export let n = 1; let x = 0;</script><template><p>{x}</p></template>");
        let b = outline_of("<script>\n\nexport let n = 1; let x = 42; x++;</script><template><div>{x} {n}</div></template>");
        assert_eq!(a.signature, b.signature);
        assert_eq!(a.signature.hash(), b.signature.hash());
    }
}
