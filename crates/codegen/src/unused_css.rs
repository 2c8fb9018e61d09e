//! W0304: scoped selectors that no element of the template can match. Only certain cases are
//! reported: an element name the template never uses, or a class no element has while every
//! `class` of the template is static.

use std::collections::HashSet;

use super::css::ScopedSelector;
use eghact_syntax::ast::{AttrValue, AttributeKind, ElementKind, Node, ValuePart, walk_elements};
use eghact_syntax::diagnostics::Diagnostic;

pub fn unused_selectors(selectors: &[ScopedSelector], nodes: &[Node], source: &str) -> Vec<Diagnostic> {
    let mut tags = HashSet::new();
    let mut classes: HashSet<String> = HashSet::new();
    let mut dynamic_classes = false;
    walk_elements(nodes, &mut |element| {
        if element.kind != ElementKind::Html {
            return;
        }
        tags.insert(element.name.text.to_ascii_lowercase());
        for attribute in &element.attributes {
            match &attribute.kind {
                AttributeKind::Plain { name, value } if name.text == "class" => match value {
                    AttrValue::Text(parts) => {
                        for part in parts {
                            match part {
                                ValuePart::Text(text) => classes.extend(text.value.split_whitespace().map(str::to_string)),
                                ValuePart::Expr(_) => dynamic_classes = true,
                            }
                        }
                    }
                    AttrValue::Expr(_) => dynamic_classes = true,
                    AttrValue::True => {}
                },
                AttributeKind::Class { name, .. } => {
                    classes.insert(name.text.clone());
                }
                AttributeKind::Shorthand(expr) if expr.span.text(source).trim() == "class" => dynamic_classes = true,
                AttributeKind::Spread(_) => dynamic_classes = true,
                _ => {}
            }
        }
    });
    let mut warnings = Vec::new();
    for selector in selectors {
        let unmatched = selector.compounds.iter().any(|(tag, wanted)| {
            let missing_tag = tag.as_deref().is_some_and(|t| t != "html" && t != "body" && !tags.contains(t));
            missing_tag || (!dynamic_classes && wanted.iter().any(|c| !classes.contains(c)))
        });
        if unmatched {
            let text = selector.span.text(source);
            warnings.push(
                Diagnostic::warning("W0304", format!("no element of the template matches `{text}`"), selector.span)
                    .with_label("unused selector")
                    .with_help("remove the rule, or wrap the selector in `:global(…)` if it styles markup from elsewhere"),
            );
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use crate::{CompileOptions, compile};

    fn warnings(source: &str) -> Vec<String> {
        let output = compile("src/A.egh", source, &CompileOptions::default());
        output.diagnostics.iter().filter(|d| d.code == "W0304").map(|d| d.span.text(source).to_string()).collect()
    }

    #[test]
    fn selectors_without_elements() {
        let source = "<template><p class=\"lead\">x</p><span class:on={true}>y</span></template>\n<style>p.lead { color: red; } .on { color: blue; } h1 { margin: 0; } p .missing, span { x: y; } :global(.outside) { top: 0; } ul :global(li) { left: 0; }</style>";
        assert_eq!(warnings(source), ["h1", "p .missing"]);
    }

    #[test]
    fn dynamic_classes_are_not_judged() {
        let source = "<script>let tone = 'a';</script><template><p class=\"x {tone}\">x</p></template>\n<style>.anything { color: red; }</style>";
        assert!(warnings(source).is_empty());
    }
}
