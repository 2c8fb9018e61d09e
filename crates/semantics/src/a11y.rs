//! Accessibility basics of a template: warnings, since the markup works for mouse users.
//! Cases: `crates/analysis/tests/fixtures/check/rules/accessibility.egh`.

use eghact_syntax::ast::{AttributeKind, Component, Element, ElementKind, walk_elements};
use eghact_syntax::diagnostics::Diagnostic;

/// Elements that take focus and answer the keyboard by themselves.
const INTERACTIVE: &[&str] =
    &["a", "button", "input", "select", "textarea", "details", "summary", "option", "label", "audio", "video"];

pub fn a11y(component: &Component) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let Some(template) = &component.template else { return warnings };
    walk_elements(&template.nodes, &mut |element| {
        if element.kind != ElementKind::Html || has_spread(element) {
            return;
        }
        let tag = element.name.text.as_str();
        if tag == "img" && element.plain_attribute("alt").is_none() {
            warnings.push(
                Diagnostic::warning("W0404", "`<img>` without an `alt` text", element.name.span)
                    .with_label("screen readers cannot describe this image")
                    .with_help("describe the image with `alt=\"…\"`, or write `alt=\"\"` if it is decoration"),
            );
        }
        let listens = |events: &[&str]| {
            element
                .attributes
                .iter()
                .any(|a| matches!(&a.kind, AttributeKind::Event { name, .. } if events.contains(&name.text.as_str())))
        };
        let hidden = matches!(element.static_attribute("role"), Some("presentation" | "none"))
            || element.static_attribute("aria-hidden") == Some("true");
        if listens(&["click"]) && !listens(&["keydown", "keyup", "keypress"]) && !INTERACTIVE.contains(&tag) && !hidden {
            warnings.push(
                Diagnostic::warning("W0405", format!("`<{tag}>` answers clicks but not the keyboard"), element.name.span)
                    .with_label("keyboard users cannot trigger this")
                    .with_help(format!(
                        "use a `<button>`, or add `@keydown` (and `tabindex=\"0\"` with a `role`) to the `<{tag}>`"
                    )),
            );
        }
    });
    warnings
}

fn has_spread(element: &Element) -> bool {
    element.attributes.iter().any(|a| matches!(a.kind, AttributeKind::Spread(_)))
}
