//! Completion in markup: what kind of template position an offset is (a tag name, an
//! attribute, an event, a modifier, a block keyword) and what to offer there. Code inside
//! `{…}` and the script is completed by the type checker (`types::complete`).
//!
//! Invariant: a position is read from the tree of the very text being edited, which is
//! unfinished (`<Badge `, `{/`, `@click.`); the parser keeps such pieces in the tree, so
//! nothing here scans markup on its own beyond the word before the cursor.

use std::path::Path;

use eghact_analysis::db::{SourceFile, Workspace, imported_components, outline, parse, signature};
use eghact_analysis::paths::{relative_to, slash_path};
use eghact_semantics::html;
use eghact_semantics::types;
use eghact_semantics::{Import, Signature};
use eghact_syntax::ast::{AttributeKind, Component, Element, ElementKind, Node, walk_elements};
use eghact_syntax::diagnostics::Span;

/// A block of the template language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    If,
    Each,
    Await,
}

impl Block {
    pub fn keyword(self) -> &'static str {
        match self {
            Block::If => "if",
            Block::Each => "each",
            Block::Await => "await",
        }
    }

    /// The block's syntax in one line, for editors to show.
    pub fn syntax(self) -> &'static str {
        match self {
            Block::If => "`{#if condition}…{:else if other}…{:else}…{/if}`: renders the first branch whose condition holds.",
            Block::Each => {
                "`{#each list as item, index (key)}…{:else}…{/each}`: renders its content once per item; the key keeps \
                 each item's elements when the list changes, and `{:else}` renders when the list is empty."
            }
            Block::Await => {
                "`{#await promise}…{:then value}…{:catch error}…{/await}`: renders the pending content until the \
                 promise settles, then the `{:then}` or `{:catch}` branch."
            }
        }
    }

    /// The continuations (`{:…}`) the block takes.
    fn branches(self) -> &'static [&'static str] {
        match self {
            Block::If => &["else", "else if"],
            Block::Each => &["else"],
            Block::Await => &["then", "catch"],
        }
    }
}

/// `{@html expression}`, the one special tag, in one line.
pub const HTML_TAG_SYNTAX: &str =
    "`{@html expression}`: inserts the value as HTML, without escaping; only use it with trusted content.";

/// What an offset of a template is, for completion.
#[derive(Debug, PartialEq, Eq)]
pub enum MarkupPosition<'c> {
    /// `<|`: a tag name.
    TagName,
    /// An attribute name in the start tag of the element.
    Attribute(&'c Element),
    /// `@|` in a start tag: an event of the element.
    Event(&'c Element),
    /// `@event.|`: a modifier of the event.
    Modifier { event: String },
    /// `bind:|`: what the element binds.
    Binding(&'c Element),
    /// `{#|`
    BlockOpen,
    /// `{:|` in the innermost open block (`None` outside blocks).
    BlockBranch(Option<Block>),
    /// `{/|` in the innermost open block.
    BlockClose(Option<Block>),
    /// `{@|`
    Special,
}

#[derive(Debug, PartialEq, Eq)]
pub struct MarkupContext<'c> {
    pub position: MarkupPosition<'c>,
    /// The part of the word typed before the cursor: what a completion replaces.
    pub word: Span,
}

/// The markup position at `offset` of a parsed component; `None` outside the template,
/// in attribute values and in text.
pub fn markup_position<'c>(source: &str, component: &'c Component, offset: u32) -> Option<MarkupContext<'c>> {
    let template = component.template.as_ref()?;
    let at = offset as usize;
    if offset < template.content.start || offset > template.content.end || !source.is_char_boundary(at) {
        return None;
    }
    if let Some(element) = start_tag_at(source, &template.nodes, offset) {
        return attribute_position(source, element, offset);
    }
    // `<` and `{` are not word characters, and the template's content starts after a `>`: the
    // words below never reach out of the template.
    let name_start = word_start(source, at, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if source[..name_start].ends_with('<') {
        return Some(MarkupContext { position: MarkupPosition::TagName, word: Span::new(name_start as u32, offset) });
    }
    let keyword_start = word_start(source, at, |c| c.is_ascii_alphabetic());
    let before = &source[..keyword_start];
    let position = if before.ends_with("{#") {
        MarkupPosition::BlockOpen
    } else if before.ends_with("{:") {
        MarkupPosition::BlockBranch(innermost_block(&template.nodes, offset))
    } else if before.ends_with("{/") {
        MarkupPosition::BlockClose(innermost_block(&template.nodes, offset))
    } else if before.ends_with("{@") {
        MarkupPosition::Special
    } else {
        return None;
    };
    Some(MarkupContext { position, word: Span::new(keyword_start as u32, offset) })
}

/// The start of the word of `accepts` characters that ends at `at`.
pub(super) fn word_start(source: &str, at: usize, accepts: impl Fn(char) -> bool) -> usize {
    source[..at].char_indices().rev().take_while(|(_, c)| accepts(*c)).last().map_or(at, |(i, _)| i)
}

/// The element whose start tag holds `offset` after its name (where attributes go).
fn start_tag_at<'c>(source: &str, nodes: &'c [Node], offset: u32) -> Option<&'c Element> {
    let mut found = None;
    walk_elements(nodes, &mut |element| {
        let attributes_end = element.attributes.last().map_or(element.name.span.end, |a| a.span.end);
        let rest = source.get(attributes_end as usize..).unwrap_or("");
        // The tag goes on over the whitespace before its `>`, `/>` or (unfinished) the next tag.
        let tag_end = attributes_end + (rest.len() - rest.trim_start().len()) as u32;
        if element.name.span.end < offset && offset <= tag_end {
            found = Some(element);
        }
    });
    found
}

/// The position in a start tag: the name of the attribute being typed tells what it is.
fn attribute_position<'c>(source: &str, element: &'c Element, offset: u32) -> Option<MarkupContext<'c>> {
    let attribute = element.attributes.iter().find(|a| a.span.start < offset && offset <= a.span.end);
    let start = attribute.map_or(offset, |a| a.span.start);
    let typed = &source[start as usize..offset as usize];
    if typed.contains(['=', '{', '"', '\'']) {
        return None;
    }
    let word = |skip: usize| Span::new(start + skip as u32, offset);
    let (position, word) = if let Some(event) = typed.strip_prefix('@').or_else(|| typed.strip_prefix("on:")) {
        match (event.split_once('.'), typed.rfind('.')) {
            (Some((name, _)), Some(dot)) => (MarkupPosition::Modifier { event: name.to_string() }, word(dot + 1)),
            _ => (MarkupPosition::Event(element), word(typed.len() - event.len())),
        }
    } else if typed.starts_with("bind:") {
        (MarkupPosition::Binding(element), word("bind:".len()))
    } else if typed.contains(':') {
        // `class:` and `style:` name the component's own classes and CSS properties.
        return None;
    } else {
        (MarkupPosition::Attribute(element), word(0))
    };
    Some(MarkupContext { position, word })
}

/// The innermost block that `offset` lies in.
pub(super) fn innermost_block(nodes: &[Node], offset: u32) -> Option<Block> {
    let inside = |span: Span| span.start < offset && offset < span.end;
    nodes.iter().find_map(|node| {
        let (block, children): (Block, Vec<&[Node]>) = match node {
            Node::Element(element) => return innermost_block(&element.children, offset),
            Node::If(b) if inside(b.span) => {
                let mut children: Vec<&[Node]> = b.branches.iter().map(|branch| branch.children.as_slice()).collect();
                children.extend(b.else_branch.as_deref());
                (Block::If, children)
            }
            Node::Each(b) if inside(b.span) => {
                (Block::Each, [Some(b.children.as_slice()), b.else_branch.as_deref()].into_iter().flatten().collect())
            }
            Node::Await(b) if inside(b.span) => {
                let mut children = vec![b.pending.as_slice()];
                children.extend([&b.then, &b.catch].into_iter().flatten().map(|branch| branch.children.as_slice()));
                (Block::Await, children)
            }
            _ => return None,
        };
        Some(children.into_iter().find_map(|c| innermost_block(c, offset)).unwrap_or(block))
    })
}

/// What a completion offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Tag,
    Component,
    Attribute,
    Prop,
    Event,
    Modifier,
    Directive,
    Keyword,
    Variable,
    Member,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    /// One line: a type, or what the item is.
    pub detail: Option<String>,
    /// Markdown.
    pub docs: Option<String>,
    /// An edit elsewhere that comes with the item: the import of a component.
    pub edit: Option<TextEdit>,
}

impl CompletionItem {
    pub fn new(label: impl Into<String>, kind: CompletionKind) -> Self {
        Self { label: label.into(), kind, detail: None, docs: None, edit: None }
    }

    fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Replace `span` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Span,
    pub text: String,
}

/// The items at a position, best first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    pub items: Vec<CompletionItem>,
    /// The typed part of the word the items replace; `None` in code, where an editor's own
    /// notion of a word holds.
    pub word: Option<Span>,
}

/// A component a template may use: imported already, or a file of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentChoice {
    pub name: String,
    pub path: String,
    /// The edit that imports it; `None` when the script imports it.
    pub import: Option<TextEdit>,
}

/// The items for a markup position. `signature` is that of the component whose tag the
/// position is in (if any); `components` are offered for tag names.
pub fn markup_completions(context: &MarkupContext, signature: Option<&Signature>, components: &[ComponentChoice]) -> Completions {
    use CompletionKind::*;
    let items = match &context.position {
        MarkupPosition::TagName => components
            .iter()
            .map(|c| CompletionItem {
                detail: Some(match c.import {
                    Some(_) => format!("{} (adds an import)", c.path),
                    None => c.path.clone(),
                }),
                edit: c.import.clone(),
                ..CompletionItem::new(&c.name, Component)
            })
            .chain(html::TAGS.iter().map(|t| CompletionItem::new(*t, Tag)))
            .collect(),
        MarkupPosition::Attribute(element) => attribute_items(element, context.word, signature),
        MarkupPosition::Event(element) => match element.kind {
            ElementKind::Component => events(signature, ""),
            _ => html::EVENTS.iter().map(|(name, class)| CompletionItem::new(*name, Event).with_detail(*class)).collect(),
        },
        MarkupPosition::Modifier { event } => {
            let keys = if html::event_class(event) == "KeyboardEvent" { html::KEY_MODIFIERS } else { &[] };
            let modifiers = html::EVENT_MODIFIERS.iter().map(|m| CompletionItem::new(*m, Modifier).with_detail("event modifier"));
            modifiers.chain(keys.iter().map(|k| CompletionItem::new(*k, Modifier).with_detail("key filter"))).collect()
        }
        MarkupPosition::Binding(element) => match element.kind {
            ElementKind::Component => signature.map_or_else(Vec::new, |s| s.props.iter().map(prop_item).collect()),
            _ => html::ELEMENT_BINDINGS.iter().map(|b| CompletionItem::new(*b, Attribute)).collect(),
        },
        MarkupPosition::BlockOpen => [Block::If, Block::Each, Block::Await]
            .iter()
            .map(|b| CompletionItem { docs: Some(b.syntax().to_string()), ..CompletionItem::new(b.keyword(), Keyword) })
            .collect(),
        MarkupPosition::BlockBranch(block) => {
            block.map_or(&[][..], Block::branches).iter().map(|k| CompletionItem::new(*k, Keyword)).collect()
        }
        MarkupPosition::BlockClose(block) => block.iter().map(|b| CompletionItem::new(b.keyword(), Keyword)).collect(),
        MarkupPosition::Special => {
            vec![CompletionItem { docs: Some(HTML_TAG_SYNTAX.to_string()), ..CompletionItem::new("html", Keyword) }]
        }
    };
    Completions { items, word: Some(context.word) }
}

/// A component's props not passed yet, required ones first, then its events and `bind:`; an
/// element's attributes, directives and events.
fn attribute_items(element: &Element, word: Span, signature: Option<&Signature>) -> Vec<CompletionItem> {
    use CompletionKind::*;
    // The attribute being typed is no attribute yet.
    let passed: Vec<&str> = element
        .attributes
        .iter()
        .filter(|a| !(a.span.start <= word.start && word.end <= a.span.end))
        .filter_map(|a| match &a.kind {
            AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. } => Some(name.text.as_str()),
            _ => None,
        })
        .collect();
    let directive = |name: &str, docs: &str| CompletionItem { docs: Some(docs.into()), ..CompletionItem::new(name, Directive) };
    let bind = directive("bind:", "`bind:name={variable}`: keeps the variable and the value in step, both ways.");
    if element.kind == ElementKind::Component {
        let Some(signature) = signature else { return vec![bind] };
        let (required, optional): (Vec<_>, Vec<_>) =
            signature.props.iter().filter(|p| !passed.contains(&p.name.as_str())).partition(|p| p.required);
        let mut items: Vec<CompletionItem> = required.into_iter().chain(optional).map(prop_item).collect();
        items.extend(events(Some(signature), "@"));
        items.push(bind);
        return items;
    }
    let attributes = html::element_attributes(&element.name.text).iter().chain(html::GLOBAL_ATTRIBUTES);
    let mut items: Vec<CompletionItem> =
        attributes.filter(|a| !passed.contains(*a)).map(|a| CompletionItem::new(*a, Attribute)).collect();
    items.push(bind);
    items.push(directive("class:", "`class:name={condition}`: adds the class while the condition holds."));
    items.push(directive("style:", "`style:property={value}`: sets one CSS property."));
    items.extend(html::EVENTS.iter().map(|(name, class)| CompletionItem::new(format!("@{name}"), Event).with_detail(*class)));
    items
}

fn prop_item(prop: &eghact_semantics::Prop) -> CompletionItem {
    let detail = match &prop.ty {
        Some(ty) => format!("{ty}, {}", prop.requirement()),
        None => prop.requirement(),
    };
    CompletionItem { detail: Some(detail), docs: prop.docs.clone(), ..CompletionItem::new(&prop.name, CompletionKind::Prop) }
}

/// A component's events, labelled `{prefix}name`, with their detail types.
fn events(signature: Option<&Signature>, prefix: &str) -> Vec<CompletionItem> {
    let events = signature.map_or(&[][..], |s| &s.events);
    events
        .iter()
        .map(|e| CompletionItem {
            detail: Some(e.detail.as_ref().map_or("CustomEvent".to_string(), |d| format!("CustomEvent<{d}>"))),
            ..CompletionItem::new(format!("{prefix}{}", e.name), CompletionKind::Event)
        })
        .collect()
}

/// The specifier that imports `to` from `from` (project paths): `./Card.egh`, `../lib/Card.egh`.
pub fn relative_specifier(from: &str, to: &str) -> String {
    let folder = from.rsplit_once('/').map_or("", |(folder, _)| folder);
    let path = slash_path(&relative_to(Path::new(folder), Path::new(to)));
    if path.starts_with("../") { path } else { format!("./{path}") }
}

/// The edit that adds `import {name} from '{specifier}';` to a component: after its last
/// import, at the top of its script, or in a new `<script lang="ts">` at the top of the file.
pub fn import_edit(source: &str, component: &Component, imports: &[Import], name: &str, specifier: &str) -> TextEdit {
    let statement = format!("import {name} from '{specifier}';");
    let Some(script) = &component.script else {
        return TextEdit { span: Span::new(0, 0), text: format!("<script lang=\"ts\">\n  {statement}\n</script>\n\n") };
    };
    let content = script.content;
    let indent_of = |line: &str| line[..line.len() - line.trim_start().len()].to_string();
    match imports.last() {
        Some(import) => {
            let line_start = source[..import.span.start as usize].rfind('\n').map_or(0, |i| i + 1);
            let line_end = source[import.span.end as usize..content.end as usize]
                .find('\n')
                .map_or(content.end as usize, |i| import.span.end as usize + i);
            let indent = indent_of(&source[line_start..line_end]);
            TextEdit { span: Span::new(line_end as u32, line_end as u32), text: format!("\n{indent}{statement}") }
        }
        None => {
            let text = content.text(source);
            let indent = text.lines().find(|l| !l.trim().is_empty()).map(indent_of).unwrap_or_default();
            let after = if text.starts_with('\n') { "" } else { "\n" };
            TextEdit { span: Span::new(content.start, content.start), text: format!("\n{indent}{statement}{after}") }
        }
    }
}

/// What an editor may offer at `offset`: members after `.` and names in scope in code; tags,
/// components (with the import of those not imported yet), attributes, props, events,
/// modifiers and block keywords in markup.
pub fn completions(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<Completions> {
    let text = file.text(db);
    if let Some(code) = types::complete(text, offset) {
        let item = |name: String, ty: types::Type, kind| CompletionItem {
            detail: Some(ty.to_string()),
            ..CompletionItem::new(name, kind)
        };
        let items = match code {
            types::Completion::Members(members) => {
                members.into_iter().map(|m| item(m.name, m.ty, CompletionKind::Member)).collect()
            }
            types::Completion::Names(names) => {
                names.into_iter().map(|(name, ty)| item(name, ty, CompletionKind::Variable)).collect()
            }
        };
        return Some(Completions { items, word: None });
    }
    let component = &parse(db, file).component;
    let context = markup_position(text, component, offset)?;
    let element = match &context.position {
        MarkupPosition::Attribute(e) | MarkupPosition::Event(e) | MarkupPosition::Binding(e) => Some(*e),
        _ => None,
    };
    let child = element.and_then(|e| imported_components(db, file).get(&e.name.text).copied());
    let components = match context.position {
        MarkupPosition::TagName => component_choices(db, file, component),
        _ => Vec::new(),
    };
    Some(markup_completions(&context, child.map(|c| signature(db, c)), &components))
}

/// The components `file` may use: those it imports, then the other components of the
/// workspace whose file name is a free component name, each with the edit that imports it.
fn component_choices(
    db: &dyn salsa::Database,
    file: SourceFile,
    component: &eghact_syntax::ast::Component,
) -> Vec<ComponentChoice> {
    let imported = imported_components(db, file);
    let outline = outline(db, file);
    let bound = |name: &str| {
        outline.imports.iter().any(|i| i.default_name.as_deref() == Some(name) || i.names.iter().any(|(_, local)| local == name))
    };
    let mut choices: Vec<ComponentChoice> = imported
        .iter()
        .map(|(name, child)| ComponentChoice { name: name.clone(), path: child.path(db).clone(), import: None })
        .collect();
    let path = file.path(db);
    for (other, other_file) in Workspace::get(db).files(db).iter() {
        let Some(name) = other.rsplit('/').next().and_then(|n| n.strip_suffix(".egh")) else { continue };
        let usable = name.starts_with(|c: char| c.is_ascii_uppercase()) && eghact_syntax::scan::is_identifier(name);
        if !usable || other == path || bound(name) || imported.values().any(|f| f == other_file) {
            continue;
        }
        let specifier = relative_specifier(path, other);
        let import = import_edit(file.text(db), component, &outline.imports, name, &specifier);
        choices.push(ComponentChoice { name: name.to_string(), path: other.clone(), import: Some(import) });
    }
    choices
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_syntax as syntax;

    /// The position at the `|` of `snippet` (a template's content), described in words.
    fn position(snippet: &str) -> String {
        let (before, after) = snippet.split_once('|').expect("a | cursor");
        let source = format!("<script>let x = 1;</script>\n<template>{before}{after}</template>");
        let offset = (source.find("<template>").unwrap() + "<template>".len() + before.len()) as u32;
        let component = syntax::parse(&source).component;
        let Some(context) = markup_position(&source, &component, offset) else { return "none".into() };
        let word = context.word.text(&source);
        let what = match &context.position {
            MarkupPosition::TagName => "tag".to_string(),
            MarkupPosition::Attribute(e) => format!("attribute of {}", e.name.text),
            MarkupPosition::Event(e) => format!("event of {}", e.name.text),
            MarkupPosition::Modifier { event } => format!("modifier of {event}"),
            MarkupPosition::Binding(e) => format!("binding of {}", e.name.text),
            MarkupPosition::BlockOpen => "block".into(),
            MarkupPosition::BlockBranch(b) => format!("branch of {:?}", b.map(Block::keyword)),
            MarkupPosition::BlockClose(b) => format!("close of {:?}", b.map(Block::keyword)),
            MarkupPosition::Special => "special".into(),
        };
        format!("{what} [{word}]")
    }

    #[test]
    fn positions_in_templates() {
        let cases = [
            ("<|", "tag []"),
            ("<p>text <Ba|</p>", "tag [Ba]"),
            ("<div>\n  <|\n</div>", "tag []"),
            ("<Badge |", "attribute of Badge []"),
            ("<Badge n={1} |/>", "attribute of Badge []"),
            ("<Badge n={1} la|", "attribute of Badge [la]"),
            ("<input\n  type=\"text\"\n  pl|\n/>", "attribute of input [pl]"),
            ("<ul><li><a |>x</a></li></ul>", "attribute of a []"),
            ("<button @|>", "event of button []"),
            ("<button @cl|>", "event of button [cl]"),
            ("<Badge @|", "event of Badge []"),
            ("<button @click.|>", "modifier of click []"),
            ("<input @keydown.stop.en|>", "modifier of keydown [en]"),
            ("<input bind:|>", "binding of input []"),
            ("<Dialog bind:vis|>", "binding of Dialog [vis]"),
            ("{#|", "block []"),
            ("{#ea|}", "block [ea]"),
            ("{#if a}{:|}{/if}", "branch of Some(\"if\") []"),
            ("{#each xs as x}{:el|}{/each}", "branch of Some(\"each\") [el]"),
            ("{#await p}{:|", "branch of Some(\"await\") []"),
            ("{#if a}<p>{#each xs as x}{/|</p>{/if}", "close of Some(\"each\") []"),
            ("{#if a}{#each xs as x}{/each}{/|}", "close of Some(\"if\") []"),
            ("{#if a}{/if}{/|", "close of None []"),
            ("{@|}", "special []"),
            // Not markup positions: text, values, the tag name itself, class names.
            ("<p>hello |</p>", "none"),
            ("<input type=\"te|\" />", "none"),
            ("<input value={x|} />", "none"),
            ("<Bad|ge />", "tag [Bad]"),
            ("<p class:ac|>", "none"),
            ("<p>|</p>", "none"),
        ];
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|(snippet, expected)| {
                let found = position(snippet);
                (found != *expected).then(|| format!("{snippet:?}: expected {expected}, found {found}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn outside_the_template_nothing_is_markup() {
        let source = "<script>let a = 1 <b;</script><template><p /></template>";
        let component = syntax::parse(source).component;
        assert_eq!(markup_position(source, &component, source.find("<b").unwrap() as u32 + 1), None);
    }

    fn labels(completions: &Completions) -> Vec<&str> {
        completions.items.iter().map(|i| i.label.as_str()).collect()
    }

    #[test]
    fn props_not_passed_yet_required_first_then_events() {
        let badge = "<script lang=\"ts\">export let label: string; export let count = 0;\n/** Shown first. */\nexport let tone: 'a' | 'b';\nconst dispatch = createEventDispatcher<{ pick: number }>();</script>";
        let signature = eghact_semantics::outline(badge, &syntax::parse(badge).component).signature;
        let snippet = "<template><Badge label=\"a\" c|/></template>";
        let offset = snippet.find('|').unwrap() as u32;
        let source = snippet.replace('|', "");
        let component = syntax::parse(&source).component;
        let context = markup_position(&source, &component, offset).unwrap();
        let completions = markup_completions(&context, Some(&signature), &[]);
        assert_eq!(labels(&completions), ["tone", "count", "@pick", "bind:"]);
        let details: Vec<_> = completions.items.iter().map(|i| i.detail.as_deref().unwrap_or("")).collect();
        assert_eq!(details, ["'a' | 'b', required", "default 0", "CustomEvent<number>", ""]);
        assert_eq!(completions.items[0].docs.as_deref(), Some("Shown first."));
        assert_eq!(completions.word.map(|w| w.text(&source)), Some("c"));
    }

    #[test]
    fn element_attributes_modifiers_and_block_keywords() {
        let complete = |snippet: &str| {
            let offset = snippet.find('|').unwrap() as u32;
            let source = snippet.replace('|', "");
            let component = syntax::parse(&source).component;
            let context = markup_position(&source, &component, offset).unwrap();
            markup_completions(&context, None, &[]).items.into_iter().map(|i| i.label).collect::<Vec<_>>()
        };
        let input = complete("<template><input type=\"text\" |/></template>");
        assert!(input.starts_with(&["value".to_string(), "placeholder".to_string()]), "{input:?}");
        assert!(!input.contains(&"type".to_string()), "passed already");
        for expected in ["class", "bind:", "class:", "@click"] {
            assert!(input.contains(&expected.to_string()), "{expected} in {input:?}");
        }
        assert!(complete("<template><a |></a></template>").starts_with(&["href".to_string(), "target".to_string()]));
        let click = complete("<template><button @click.|></button></template>");
        assert_eq!(click, html::EVENT_MODIFIERS);
        let key = complete("<template><input @keyup.|/></template>");
        assert!(key.contains(&"enter".to_string()) && key.contains(&"prevent".to_string()), "{key:?}");
        assert_eq!(complete("<template>{#|}</template>"), ["if", "each", "await"]);
        assert_eq!(complete("<template>{#if a}{:|}{/if}</template>"), ["else", "else if"]);
        assert_eq!(complete("<template>{#await p}{:|}{/await}</template>"), ["then", "catch"]);
        assert_eq!(complete("<template>{#if a}{#each b as c}{/|}{/if}</template>"), ["each"]);
    }

    #[test]
    fn imports_go_after_the_last_import_or_into_a_new_script() {
        let edit = |source: &str| {
            let component = syntax::parse(source).component;
            let outline = eghact_semantics::outline(source, &component);
            let edit = import_edit(source, &component, &outline.imports, "Card", "./lib/Card.egh");
            let mut text = source.to_string();
            text.replace_range(edit.span.start as usize..edit.span.end as usize, &edit.text);
            text
        };
        assert_eq!(
            edit("<script lang=\"ts\">\n  import A from './A.egh';\n  let x = 1;\n</script>"),
            "<script lang=\"ts\">\n  import A from './A.egh';\n  import Card from './lib/Card.egh';\n  let x = 1;\n</script>"
        );
        assert_eq!(
            edit("<script>\n    let x = 1;\n</script>"),
            "<script>\n    import Card from './lib/Card.egh';\n    let x = 1;\n</script>"
        );
        assert_eq!(edit("<script>let x = 1;</script>"), "<script>\nimport Card from './lib/Card.egh';\nlet x = 1;</script>");
        assert_eq!(
            edit("<template><p /></template>"),
            "<script lang=\"ts\">\n  import Card from './lib/Card.egh';\n</script>\n\n<template><p /></template>"
        );
        assert_eq!(relative_specifier("src/App.egh", "src/lib/Card.egh"), "./lib/Card.egh");
        assert_eq!(relative_specifier("src/pages/Home.egh", "src/Card.egh"), "../Card.egh");
        assert_eq!(relative_specifier("src/a/b/C.egh", "src/a/D.egh"), "../D.egh");
    }
}
