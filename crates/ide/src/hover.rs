//! What a hover says in markup: the syntax of a block keyword, a component's contract on its
//! tag, a prop or an event on an attribute of a component tag; and a prop's docs wherever
//! its name is. The texts are Markdown.

use super::completion::{Block, HTML_TAG_SYNTAX, innermost_block, word_start};
use crate::names::name_at;
use crate::tag_pair_at;
use eghact_analysis::db::{SourceFile, imported_components, outline, parse, signature};
use eghact_semantics::{Prop, Signature};
use eghact_syntax::ast::{AttributeKind, Component, Element, ElementKind, walk_elements};
use eghact_syntax::diagnostics::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// What the hover is about, in the `.egh` file.
    pub span: Span,
    pub markdown: String,
}

/// `{#each`, `{:else`, `{/each`, `{@html`: the syntax of the block, in one line.
pub fn block_hover(source: &str, component: &Component, offset: u32) -> Option<Hover> {
    let template = component.template.as_ref()?;
    let at = offset as usize;
    if offset < template.content.start || offset > template.content.end || !source.is_char_boundary(at) {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphabetic();
    let start = word_start(source, at, is_word);
    let end = source[at..].find(|c: char| !is_word(c)).map_or(source.len(), |i| at + i);
    let sigil = source[..start].strip_suffix(['#', ':', '/', '@']).filter(|s| s.ends_with('{'))?;
    let markdown = match (&source[sigil.len()..start], &source[start..end]) {
        ("@", "html") => HTML_TAG_SYNTAX,
        ("#" | "/", "if") => Block::If.syntax(),
        ("#" | "/", "each") => Block::Each.syntax(),
        ("#" | "/", "await") => Block::Await.syntax(),
        (":", "else" | "then" | "catch") => innermost_block(&template.nodes, offset)?.syntax(),
        _ => return None,
    };
    Some(Hover { span: Span::new(sigil.len() as u32 - 1, end as u32), markdown: markdown.to_string() })
}

/// What of a component tag an offset is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentPart<'c> {
    /// The tag name, opening or closing.
    Tag,
    /// The name of a prop passed to it (`n={…}`, `bind:n`).
    Prop(&'c str),
    /// `@event` on it.
    Event(&'c str),
}

/// The component element and the part of its tag at `offset`, with the part's span.
pub fn component_part_at<'c>(
    source: &str,
    component: &'c Component,
    offset: u32,
) -> Option<(&'c Element, ComponentPart<'c>, Span)> {
    let template = component.template.as_ref()?;
    // On a closing tag, the element is the one its opening name starts.
    let (offset, closing) = match tag_pair_at(source, component, offset) {
        Some((open, close)) if close.start <= offset => (open.start, Some(close)),
        _ => (offset, None),
    };
    let under = |span: Span| span.start <= offset && offset <= span.end;
    let mut found = None;
    walk_elements(&template.nodes, &mut |element| {
        if element.kind != ElementKind::Component {
            return;
        }
        if under(element.name.span) {
            found = Some((element, ComponentPart::Tag, closing.unwrap_or(element.name.span)));
        }
        for attribute in &element.attributes {
            match &attribute.kind {
                AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. } if under(name.span) => {
                    found = Some((element, ComponentPart::Prop(&name.text), name.span));
                }
                AttributeKind::Event { name, .. } if under(name.span) => {
                    found = Some((element, ComponentPart::Event(&name.text), name.span));
                }
                _ => {}
            }
        }
    });
    found
}

/// The hover of a part of a component tag, from the component's path and signature.
pub fn component_hover(tag: &str, path: &str, signature: &Signature, part: &ComponentPart, span: Span) -> Option<Hover> {
    let markdown = match part {
        ComponentPart::Tag => contract(tag, path, signature),
        ComponentPart::Prop(name) => {
            let prop = signature.prop(name)?;
            prop_hover(prop, prop.ty.as_deref())
        }
        ComponentPart::Event(name) => {
            let event = signature.events.iter().find(|e| e.name == *name)?;
            let detail = event.detail.as_deref().map_or(String::new(), |d| format!("<{d}>"));
            format!("```ts\n(event) {name}: CustomEvent{detail}\n```\ndispatched by `<{tag}>`")
        }
    };
    Some(Hover { span, markdown })
}

/// `<Badge>`, its file, and its props, events and slots.
fn contract(tag: &str, path: &str, signature: &Signature) -> String {
    let mut markdown = format!("```ts\n<{tag}>\n```\n`{path}`\n");
    if !signature.props.is_empty() {
        markdown.push_str("\n**Props**\n");
        for prop in &signature.props {
            let ty = prop.ty.as_deref().map_or(String::new(), |ty| format!(": {ty}"));
            markdown.push_str(&format!("- `{}{ty}` ({})", prop.name, prop.requirement()));
            if let Some(summary) = prop.docs.as_deref().and_then(|d| d.lines().next()) {
                markdown.push_str(&format!(": {summary}"));
            }
            markdown.push('\n');
        }
    }
    if !signature.events.is_empty() {
        let events: Vec<String> = signature.events.iter().map(|e| format!("`{}`", e.name)).collect();
        markdown.push_str(&format!("\n**Events**: {}\n", events.join(", ")));
    }
    if !signature.slots.is_empty() {
        let slots: Vec<String> =
            signature.slots.iter().map(|s| if s.is_empty() { "default".to_string() } else { format!("`{s}`") }).collect();
        markdown.push_str(&format!("\n**Slots**: {}\n", slots.join(", ")));
    }
    markdown
}

/// A name of the script or the template and its type; a prop's also say its docs and
/// whether it is required.
pub fn name_hover(name: &str, ty: &str, prop: Option<&Prop>) -> String {
    match prop {
        Some(prop) => prop_hover(prop, Some(ty)),
        None => format!("```ts\n{name}: {ty}\n```"),
    }
}

/// A prop: its name and type, its docs, and whether it is required or its default.
fn prop_hover(prop: &Prop, ty: Option<&str>) -> String {
    let ty = ty.map_or(String::new(), |ty| format!(": {ty}"));
    let docs = prop.docs.as_deref().map_or(String::new(), |d| format!("{d}\n\n"));
    format!("```ts\n(prop) {}{ty}\n```\n{docs}{}", prop.name, prop.requirement())
}

/// What a hover at `offset` says: a block's syntax, a component's contract on its tag, a
/// prop or an event on an attribute of a component tag, or the type of a name (and a prop's
/// docs, wherever its name is).
pub fn hover(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<Hover> {
    let text = file.text(db);
    let component = &parse(db, file).component;
    if let Some(hover) = block_hover(text, component, offset) {
        return Some(hover);
    }
    if let Some((element, part, span)) = component_part_at(text, component, offset) {
        let child = *imported_components(db, file).get(&element.name.text)?;
        return component_hover(&element.name.text, child.path(db), signature(db, child), &part, span);
    }
    let info = name_at(db, file, offset)?;
    let outline = outline(db, file);
    let prop = info
        .declaration
        .and_then(|d| outline.prop_spans.iter().position(|s| *s == d))
        .and_then(|i| outline.signature.props.get(i));
    Some(Hover { span: info.span, markdown: name_hover(&info.name, &info.ty.to_string(), prop) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_syntax as syntax;

    const BADGE: &str = "<script lang=\"ts\">\n/** How many. */\nexport let n: number;\nexport let tone = 'info';\nconst dispatch = createEventDispatcher<{ pick: number }>();\n</script><template><slot /></template>";

    fn at(source: &str, needle: &str) -> u32 {
        source.find(needle).unwrap_or_else(|| panic!("{needle} in {source}")) as u32 + 1
    }

    #[test]
    fn block_keywords_explain_their_syntax() {
        let source = "<template>{#each xs as x}{:else}none{/each}{#await p}{:then v}{/await}{@html h}{#if a}{/if}</template>";
        let component = syntax::parse(source).component;
        let hover = |needle: &str| {
            block_hover(source, &component, at(source, needle) + 2).map(|h| (h.span.text(source).to_string(), h.markdown))
        };
        let (span, markdown) = hover("{#each").unwrap();
        assert_eq!(span, "{#each");
        assert!(markdown.starts_with("`{#each list as item, index (key)}"), "{markdown}");
        assert_eq!(hover("{:else").unwrap().1, Block::Each.syntax(), "the else of an each");
        assert_eq!(hover("{/each").unwrap().1, Block::Each.syntax());
        assert_eq!(hover("{:then").unwrap().1, Block::Await.syntax());
        assert_eq!(hover("{@html").unwrap().1, HTML_TAG_SYNTAX);
        assert_eq!(hover("{/if").unwrap().0, "{/if");
        assert_eq!(block_hover(source, &component, at(source, "xs")), None);
    }

    #[test]
    fn component_tags_and_their_attributes() {
        let signature = eghact_semantics::outline(BADGE, &syntax::parse(BADGE).component).signature;
        let source = "<template><Badge n={1} @pick={go}>x</Badge></template>";
        let component = syntax::parse(source).component;
        let part = |offset: u32| {
            let (element, part, span) = component_part_at(source, &component, offset)?;
            component_hover(&element.name.text, "src/Badge.egh", &signature, &part, span)
        };
        let tag = part(at(source, "Badge")).unwrap();
        assert_eq!(
            tag.markdown,
            "```ts\n<Badge>\n```\n`src/Badge.egh`\n\n**Props**\n- `n: number` (required): How many.\n- `tone` (default 'info')\n\n**Events**: `pick`\n\n**Slots**: default\n"
        );
        let closing = part(source.find("/Badge").unwrap() as u32 + 2).unwrap();
        assert_eq!(closing.span.text(source), "Badge");
        assert_eq!(closing.span.start as usize, source.find("/Badge").unwrap() + 1);
        let n = part(at(source, " n=")).unwrap();
        assert_eq!(n.markdown, "```ts\n(prop) n: number\n```\nHow many.\n\nrequired");
        assert_eq!(n.span.text(source), "n");
        assert!(part(at(source, "pick")).unwrap().markdown.contains("(event) pick: CustomEvent<number>"));
        assert_eq!(part(at(source, ">x<")), None);
    }
}
