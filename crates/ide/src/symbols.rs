//! The outline an editor shows of a component (document symbols) and the regions it can fold.

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::parser::Parser;
use oxc::span::SourceType;

use eghact_semantics::script_in_place;
use eghact_syntax::ast::{Component, ElementKind, Node};
use eghact_syntax::diagnostics::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Block,
    Component,
    Element,
    Function,
    Prop,
    Variable,
    Class,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole construct.
    pub span: Span,
    /// What names it (the tag, the variable).
    pub name_span: Span,
    pub children: Vec<Symbol>,
}

/// The script's declarations, then the template's components, elements and blocks as a tree.
pub fn document_symbols(source: &str, component: &Component) -> Vec<Symbol> {
    let mut symbols = Vec::new();
    for script in component.scripts() {
        let text = script_in_place(source, script);
        let allocator = Allocator::default();
        let source_type = if script.is_typescript() { SourceType::ts() } else { SourceType::mjs() };
        let parsed = Parser::new(&allocator, &text, source_type).parse();
        for statement in &parsed.program.body {
            declarations(statement, false, &mut symbols);
        }
    }
    if let Some(template) = &component.template {
        symbols.extend(template_symbols(&template.nodes));
    }
    symbols
}

fn declarations(statement: &Statement<'_>, exported: bool, out: &mut Vec<Symbol>) {
    let span = |s: oxc::span::Span| Span::new(s.start, s.end);
    match statement {
        Statement::VariableDeclaration(decl) => {
            for declarator in &decl.declarations {
                for id in declarator.id.get_binding_identifiers() {
                    let kind = if exported && decl.kind == VariableDeclarationKind::Let {
                        SymbolKind::Prop
                    } else {
                        SymbolKind::Variable
                    };
                    out.push(Symbol {
                        name: id.name.to_string(),
                        kind,
                        span: span(declarator.span),
                        name_span: span(id.span),
                        children: Vec::new(),
                    });
                }
            }
        }
        Statement::FunctionDeclaration(function) => {
            if let Some(id) = &function.id {
                out.push(Symbol {
                    name: id.name.to_string(),
                    kind: SymbolKind::Function,
                    span: span(function.span),
                    name_span: span(id.span),
                    children: Vec::new(),
                });
            }
        }
        Statement::ClassDeclaration(class) => {
            if let Some(id) = &class.id {
                out.push(Symbol {
                    name: id.name.to_string(),
                    kind: SymbolKind::Class,
                    span: span(class.span),
                    name_span: span(id.span),
                    children: Vec::new(),
                });
            }
        }
        Statement::ExportDeclaration(export) => declarations(export.declaration.as_statement(), true, out),
        Statement::LabeledStatement(labeled) if labeled.label.name == "$" => {
            out.push(Symbol {
                name: "$:".into(),
                kind: SymbolKind::Variable,
                span: span(labeled.span),
                name_span: span(labeled.label.span),
                children: Vec::new(),
            });
        }
        _ => {}
    }
}

fn template_symbols(nodes: &[Node]) -> Vec<Symbol> {
    let mut symbols = Vec::new();
    for node in nodes {
        match node {
            Node::Element(element) => symbols.push(Symbol {
                name: format!("<{}>", element.name.text),
                kind: if element.kind == ElementKind::Component { SymbolKind::Component } else { SymbolKind::Element },
                span: element.span,
                name_span: element.name.span,
                children: template_symbols(&element.children),
            }),
            Node::If(block) => {
                let mut children: Vec<Symbol> = block.branches.iter().flat_map(|b| template_symbols(&b.children)).collect();
                children.extend(template_symbols(block.else_branch.as_deref().unwrap_or_default()));
                symbols.push(block_symbol("{#if}", block.span, children));
            }
            Node::Each(block) => {
                let mut children = template_symbols(&block.children);
                children.extend(template_symbols(block.else_branch.as_deref().unwrap_or_default()));
                symbols.push(block_symbol("{#each}", block.span, children));
            }
            Node::Await(block) => {
                let mut children = template_symbols(&block.pending);
                for branch in [&block.then, &block.catch].into_iter().flatten() {
                    children.extend(template_symbols(&branch.children));
                }
                symbols.push(block_symbol("{#await}", block.span, children));
            }
            Node::Key(block) => symbols.push(block_symbol("{#key}", block.span, template_symbols(&block.children))),
            Node::Text(_) | Node::Mustache(_) | Node::Html(_) | Node::Comment(_) | Node::Const(_) | Node::Debug(_) => {}
        }
    }
    symbols
}

fn block_symbol(name: &str, span: Span, children: Vec<Symbol>) -> Symbol {
    let name_span = Span::new(span.start, span.start + name.len() as u32 - 1);
    Symbol { name: name.into(), kind: SymbolKind::Block, span, name_span, children }
}

/// The opening and closing names of the element whose tag name contains `offset`, for linked
/// editing of tag pairs; `None` for self-closing and void elements.
pub fn tag_pair_at(source: &str, component: &Component, offset: u32) -> Option<(Span, Span)> {
    let template = component.template.as_ref()?;
    let mut found = None;
    eghact_syntax::ast::walk_elements(&template.nodes, &mut |element| {
        let name = &element.name;
        // Linked only when both names are written alike (`</DIV>` closes `<div>` too).
        let Some(closing) = element.end_name().filter(|c| c.text(source) == name.text) else { return };
        let under = |span: Span| span.start <= offset && offset <= span.end;
        if under(name.span) || under(closing) {
            found = Some((name.span, closing));
        }
    });
    found
}

/// Regions an editor can fold: the three blocks, elements and template blocks.
pub fn folding_ranges(component: &Component) -> Vec<Span> {
    let mut ranges: Vec<Span> =
        [component.script.as_ref().map(|s| s.span), component.style.as_ref().map(|s| s.span)].into_iter().flatten().collect();
    if let Some(template) = &component.template {
        ranges.push(template.span);
        collect_folds(&template.nodes, &mut ranges);
    }
    ranges
}

fn collect_folds(nodes: &[Node], out: &mut Vec<Span>) {
    for symbol in template_symbols(nodes) {
        push_tree(&symbol, out);
    }
}

fn push_tree(symbol: &Symbol, out: &mut Vec<Span>) {
    out.push(symbol.span);
    for child in &symbol.children {
        push_tree(child, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_syntax as syntax;

    #[test]
    fn script_declarations_and_the_template_tree() {
        let source = "<script>export let title; let n = 0; function up() {}\n$: double = n * 2;</script><template><main>{#if n}<Card />{/if}</main></template>";
        let symbols = document_symbols(source, &syntax::parse(source).component);
        let names: Vec<(&str, SymbolKind)> = symbols.iter().map(|s| (s.name.as_str(), s.kind)).collect();
        assert_eq!(
            names,
            [
                ("title", SymbolKind::Prop),
                ("n", SymbolKind::Variable),
                ("up", SymbolKind::Function),
                ("$:", SymbolKind::Variable),
                ("<main>", SymbolKind::Element)
            ]
        );
        assert_eq!(symbols[4].children[0].name, "{#if}");
        assert_eq!(symbols[4].children[0].children[0].kind, SymbolKind::Component);
        assert_eq!(folding_ranges(&syntax::parse(source).component).len(), 5);
        let component = syntax::parse(source).component;
        let (open, close) = tag_pair_at(source, &component, source.find("</main>").unwrap() as u32 + 3).unwrap();
        assert_eq!((open.text(source), close.text(source)), ("main", "main"));
        assert_eq!(close.start as usize, source.find("</main>").unwrap() + 2);
        assert!(tag_pair_at(source, &component, source.find("Card").unwrap() as u32).is_none(), "self-closing");
    }
}
