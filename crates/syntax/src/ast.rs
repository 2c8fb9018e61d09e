//! The syntax tree of one `.egh` file.
//!
//! Spans are byte offsets into the whole file. JavaScript and TypeScript pieces are kept as
//! spans ([`Expr`]) and parsed with oxc by later stages; this tree only knows their extent.

use crate::diagnostics::Span;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Component {
    pub template: Option<TemplateBlock>,
    /// The instance script: run once per component instance.
    pub script: Option<RawBlock>,
    /// `<script context="module">`: run once when the module is first imported; its exports
    /// are the module's named exports (Svelte 3).
    pub module_script: Option<RawBlock>,
    pub style: Option<RawBlock>,
    /// `<svelte:options>` written outside the `<template>` block, where Svelte files have it.
    pub options: Vec<Element>,
}

impl Component {
    /// The script blocks, the module script first: the order in which their code runs.
    pub fn scripts(&self) -> impl Iterator<Item = &RawBlock> {
        self.module_script.iter().chain(&self.script)
    }
}

/// `<script>` or `<style>`: raw text between the tags.
#[derive(Debug, PartialEq, Eq)]
pub struct RawBlock {
    pub span: Span,
    pub content: Span,
    pub attributes: Vec<(Name, Option<String>)>,
}

impl RawBlock {
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.iter().find(|(n, _)| n.text == name).map(|(_, v)| v.as_deref())
    }

    /// `lang="ts"`, `lang='ts'` or `lang="typescript"` select TypeScript.
    pub fn is_typescript(&self) -> bool {
        matches!(self.attribute("lang"), Some(Some("ts" | "typescript")))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct TemplateBlock {
    pub span: Span,
    pub content: Span,
    pub nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A JavaScript/TypeScript expression (or pattern, or statement list) by its span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expr {
    pub span: Span,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Node {
    Text(Text),
    /// `{expr}`
    Mustache(Mustache),
    /// `{@html expr}`
    Html(Mustache),
    Comment(Span),
    Element(Element),
    If(IfBlock),
    Each(EachBlock),
    Await(AwaitBlock),
    /// `{#key expr}…{/key}`
    Key(KeyBlock),
    /// `{@const name = expr}`
    Const(ConstTag),
    /// `{@debug a, b}`
    Debug(DebugTag),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Text {
    pub span: Span,
    /// The text with HTML character references decoded.
    pub value: String,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Mustache {
    pub span: Span,
    pub expr: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementKind {
    Html,
    /// A capitalised tag.
    Component,
    /// `<slot>`
    Slot,
    /// A nested `<template>`: a wrapper-free group (with `slot="…"`) or an inert HTML template.
    Template,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Element {
    pub span: Span,
    /// `<name …>` or `<name … />`.
    pub start_tag: Span,
    /// `</name>`; `None` for self-closing and void elements, and for an unclosed element.
    pub end_tag: Option<Span>,
    pub name: Name,
    pub kind: ElementKind,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
}

impl Element {
    /// `<pre>` and `<textarea>` keep their text as written, whitespace included.
    pub fn is_preformatted(&self) -> bool {
        matches!(self.name.text.as_str(), "pre" | "textarea")
    }

    /// The name in the closing tag (`div` of `</div>`), if there is one.
    pub fn end_name(&self) -> Option<Span> {
        let tag = self.end_tag?;
        Some(Span::new(tag.start + 2, tag.start + 2 + self.name.span.len()))
    }

    pub fn plain_attribute(&self, name: &str) -> Option<&AttrValue> {
        self.attributes.iter().find_map(|a| match &a.kind {
            AttributeKind::Plain { name: n, value } if n.text == name => Some(value),
            _ => None,
        })
    }

    /// The value of a static attribute such as `slot="footer"`.
    pub fn static_attribute(&self, name: &str) -> Option<&str> {
        self.plain_attribute(name)?.static_text()
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Attribute {
    pub span: Span,
    pub kind: AttributeKind,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AttributeKind {
    /// `name`, `name="text {e}"`, `name={e}`.
    Plain { name: Name, value: AttrValue },
    /// `{name}` meaning `name={name}`.
    Shorthand(Expr),
    /// `{...expr}`
    Spread(Expr),
    /// `@event.mod1.mod2=…` (also `on:event`).
    Event { name: Name, modifiers: Vec<Name>, handler: Handler },
    /// `bind:prop={target}`; `bind:value` alone binds to `value`.
    Bind { name: Name, target: Expr },
    /// `class:name={condition}`; `class:name` alone uses `name`.
    Class { name: Name, condition: Expr },
    /// `style:prop={value}` or `style:prop="text"`.
    Style { name: Name, value: AttrValue },
    /// `use:action={argument}`
    Use { name: Name, argument: Option<Expr> },
    /// `transition:fn|local={params}`, also `in:`, `out:` and `animate:` (`directive`); `name`
    /// is the function, `modifiers` the `|` names after it.
    Transition { directive: Name, name: Name, modifiers: Vec<Name>, params: Option<Expr> },
    /// `let:name` or `let:name={alias}`.
    Let { name: Name, alias: Option<Expr> },
}

#[derive(Debug, PartialEq, Eq)]
pub enum AttrValue {
    /// A boolean attribute written without a value.
    True,
    /// Quoted or unquoted text, possibly with `{…}` parts.
    Text(Vec<ValuePart>),
    /// `={expr}`
    Expr(Expr),
}

impl AttrValue {
    /// The text of a value without `{…}` parts (`"footer"`); `None` for anything else.
    pub fn static_text(&self) -> Option<&str> {
        match self {
            AttrValue::Text(parts) => match parts.as_slice() {
                [] => Some(""),
                [ValuePart::Text(text)] => Some(&text.value),
                _ => None,
            },
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ValuePart {
    Text(Text),
    Expr(Expr),
}

/// The four event value forms of LANGUAGE.md decision 3.
#[derive(Debug, PartialEq, Eq)]
pub enum Handler {
    /// `@click.stop`: modifiers only.
    None,
    /// `@click={expr}`: the expression evaluates to the handler.
    Expr(Expr),
    /// `@click="name"` or `@click="a.b"`: a handler reference.
    Reference(Expr),
    /// `@click="count--"`: statements run as `(event) => { … }`.
    Statements(Expr),
}

#[derive(Debug, PartialEq, Eq)]
pub struct IfBlock {
    pub span: Span,
    /// `{#if}` then each `{:else if}`.
    pub branches: Vec<IfBranch>,
    /// `{:else}`, with `else_branch`.
    pub else_tag: Option<Span>,
    pub else_branch: Option<Vec<Node>>,
    /// `{/if}`; `None` when the block is unclosed.
    pub close: Option<Span>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct IfBranch {
    /// `{#if condition}` or `{:else if condition}`.
    pub tag: Span,
    pub condition: Expr,
    pub children: Vec<Node>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct EachBlock {
    pub span: Span,
    /// `{#each list as pattern, index (key)}`.
    pub tag: Span,
    pub list: Expr,
    /// An identifier, `{…}` or `[…]` binding pattern.
    pub pattern: Expr,
    pub index: Option<Name>,
    pub key: Option<Expr>,
    pub children: Vec<Node>,
    /// `{:else}`, with `else_branch`.
    pub else_tag: Option<Span>,
    pub else_branch: Option<Vec<Node>>,
    /// `{/each}`; `None` when the block is unclosed.
    pub close: Option<Span>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct AwaitBlock {
    pub span: Span,
    /// `{#await promise}`, or `{#await promise then value}` that also opens `then`.
    pub tag: Span,
    pub promise: Expr,
    pub pending: Vec<Node>,
    pub then: Option<AwaitBranch>,
    pub catch: Option<AwaitBranch>,
    /// `{/await}`; `None` when the block is unclosed.
    pub close: Option<Span>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct AwaitBranch {
    /// `{:then value}` or `{:catch error}`; the block's own tag for `{#await p then value}`.
    pub tag: Span,
    pub pattern: Option<Expr>,
    pub children: Vec<Node>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct KeyBlock {
    pub span: Span,
    /// `{#key expression}`.
    pub tag: Span,
    pub expression: Expr,
    pub children: Vec<Node>,
    /// `{/key}`; `None` when the block is unclosed.
    pub close: Option<Span>,
}

/// `{@const pattern = value}`: a constant of the block it stands in.
#[derive(Debug, PartialEq, Eq)]
pub struct ConstTag {
    pub span: Span,
    /// `pattern = value`, as `const` would declare it.
    pub declaration: Expr,
}

/// `{@debug a, b}`; no names logs on every update.
#[derive(Debug, PartialEq, Eq)]
pub struct DebugTag {
    pub span: Span,
    pub names: Vec<Name>,
}

/// One part of a block: the tag that opens it (`{#if c}`, `{:else}`, `{:then v}`…) and the nodes
/// that follow it up to the next tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section<'n> {
    pub tag: Span,
    pub nodes: &'n [Node],
}

impl Node {
    /// A comment, or text that is only ASCII whitespace: nothing renders (`&nbsp;` does).
    pub fn is_blank(&self) -> bool {
        match self {
            Node::Comment(_) => true,
            Node::Text(text) => text.value.trim_ascii().is_empty(),
            _ => false,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Node::Text(text) => text.span,
            Node::Mustache(m) | Node::Html(m) => m.span,
            Node::Comment(span) => *span,
            Node::Element(element) => element.span,
            Node::If(block) => block.span,
            Node::Each(block) => block.span,
            Node::Await(block) => block.span,
            Node::Key(block) => block.span,
            Node::Const(tag) => tag.span,
            Node::Debug(tag) => tag.span,
        }
    }

    /// The sections of an `{#if}`, `{#each}`, `{#await}` or `{#key}` in source order, and its closing tag
    /// (`None` when unclosed); `None` for other nodes.
    pub fn block_sections(&self) -> Option<(Vec<Section<'_>>, Option<Span>)> {
        let mut sections = Vec::new();
        let close = match self {
            Node::If(block) => {
                sections.extend(block.branches.iter().map(|b| Section { tag: b.tag, nodes: &b.children }));
                sections.extend(block.else_tag.zip(block.else_branch.as_deref()).map(|(tag, nodes)| Section { tag, nodes }));
                block.close
            }
            Node::Each(block) => {
                sections.push(Section { tag: block.tag, nodes: &block.children });
                sections.extend(block.else_tag.zip(block.else_branch.as_deref()).map(|(tag, nodes)| Section { tag, nodes }));
                block.close
            }
            Node::Await(block) => {
                let mut branches: Vec<&AwaitBranch> = [&block.then, &block.catch].into_iter().flatten().collect();
                branches.sort_by_key(|b| b.tag.start);
                // `{#await p then v}` has no pending section: its tag opens `then`.
                if branches.first().is_none_or(|b| b.tag != block.tag) {
                    sections.push(Section { tag: block.tag, nodes: &block.pending });
                }
                sections.extend(branches.into_iter().map(|b| Section { tag: b.tag, nodes: &b.children }));
                block.close
            }
            Node::Key(block) => {
                sections.push(Section { tag: block.tag, nodes: &block.children });
                block.close
            }
            _ => return None,
        };
        Some((sections, close))
    }
}

/// Calls `f` on every element of `nodes`, parents before children, in source order.
pub fn walk_elements<'n>(nodes: &'n [Node], f: &mut impl FnMut(&'n Element)) {
    for node in nodes {
        match node {
            Node::Element(element) => {
                f(element);
                walk_elements(&element.children, f);
            }
            Node::If(block) => {
                for branch in &block.branches {
                    walk_elements(&branch.children, f);
                }
                walk_elements(block.else_branch.as_deref().unwrap_or_default(), f);
            }
            Node::Each(block) => {
                walk_elements(&block.children, f);
                walk_elements(block.else_branch.as_deref().unwrap_or_default(), f);
            }
            Node::Await(block) => {
                walk_elements(&block.pending, f);
                for branch in [&block.then, &block.catch].into_iter().flatten() {
                    walk_elements(&branch.children, f);
                }
            }
            Node::Key(block) => walk_elements(&block.children, f),
            Node::Text(_) | Node::Mustache(_) | Node::Html(_) | Node::Comment(_) | Node::Const(_) | Node::Debug(_) => {}
        }
    }
}
