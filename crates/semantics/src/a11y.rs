//! Accessibility checks of a template, Svelte's `a11y-*` warnings: warnings, since the markup
//! works for some users. Only what the markup says for certain is checked: an element with a
//! spread, or a value from an expression, is not guessed at.
//! Cases: `crates/analysis/tests/fixtures/check/rules/accessibility.egh`.

use eghact_syntax::ast::{AttributeKind, Component, Element, ElementKind, Node, walk_elements};
use eghact_syntax::diagnostics::Diagnostic;

/// Elements that take focus and answer the keyboard by themselves.
const INTERACTIVE: &[&str] =
    &["a", "button", "input", "select", "textarea", "details", "summary", "option", "label", "audio", "video"];

/// The WAI-ARIA 1.2 states and properties (`aria-*`).
const ARIA_ATTRIBUTES: &[&str] = &[
    "activedescendant",
    "atomic",
    "autocomplete",
    "braillelabel",
    "brailleroledescription",
    "busy",
    "checked",
    "colcount",
    "colindex",
    "colindextext",
    "colspan",
    "controls",
    "current",
    "describedby",
    "description",
    "details",
    "disabled",
    "dropeffect",
    "errormessage",
    "expanded",
    "flowto",
    "grabbed",
    "haspopup",
    "hidden",
    "invalid",
    "keyshortcuts",
    "label",
    "labelledby",
    "level",
    "live",
    "modal",
    "multiline",
    "multiselectable",
    "orientation",
    "owns",
    "placeholder",
    "posinset",
    "pressed",
    "readonly",
    "relevant",
    "required",
    "roledescription",
    "rowcount",
    "rowindex",
    "rowindextext",
    "rowspan",
    "selected",
    "setsize",
    "sort",
    "valuemax",
    "valuemin",
    "valuenow",
    "valuetext",
];

/// The WAI-ARIA 1.2 roles (with `doc-*` of DPUB-ARIA and `graphics-*` accepted by prefix).
const ARIA_ROLES: &[&str] = &[
    "alert",
    "alertdialog",
    "application",
    "article",
    "banner",
    "blockquote",
    "button",
    "caption",
    "cell",
    "checkbox",
    "code",
    "columnheader",
    "combobox",
    "command",
    "comment",
    "complementary",
    "composite",
    "contentinfo",
    "definition",
    "deletion",
    "dialog",
    "directory",
    "document",
    "emphasis",
    "feed",
    "figure",
    "form",
    "generic",
    "grid",
    "gridcell",
    "group",
    "heading",
    "img",
    "input",
    "insertion",
    "landmark",
    "link",
    "list",
    "listbox",
    "listitem",
    "log",
    "main",
    "mark",
    "marquee",
    "math",
    "menu",
    "menubar",
    "menuitem",
    "menuitemcheckbox",
    "menuitemradio",
    "meter",
    "navigation",
    "none",
    "note",
    "option",
    "paragraph",
    "presentation",
    "progressbar",
    "radio",
    "radiogroup",
    "range",
    "region",
    "roletype",
    "row",
    "rowgroup",
    "rowheader",
    "scrollbar",
    "search",
    "searchbox",
    "section",
    "sectionhead",
    "select",
    "separator",
    "slider",
    "spinbutton",
    "status",
    "strong",
    "structure",
    "subscript",
    "suggestion",
    "superscript",
    "switch",
    "tab",
    "table",
    "tablist",
    "tabpanel",
    "term",
    "textbox",
    "time",
    "timer",
    "toolbar",
    "tooltip",
    "tree",
    "treegrid",
    "treeitem",
    "widget",
    "window",
];

/// Elements whose own role is the one named (`<button role="button">` says it twice).
const IMPLICIT_ROLES: &[(&str, &str)] = &[
    ("article", "article"),
    ("aside", "complementary"),
    ("button", "button"),
    ("dialog", "dialog"),
    ("form", "form"),
    ("h1", "heading"),
    ("h2", "heading"),
    ("h3", "heading"),
    ("h4", "heading"),
    ("h5", "heading"),
    ("h6", "heading"),
    ("hr", "separator"),
    ("li", "listitem"),
    ("main", "main"),
    ("nav", "navigation"),
    ("ol", "list"),
    ("table", "table"),
    ("ul", "list"),
];

/// Attributes an element needs so that assistive technology can name it (any one of them).
const NAMING_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("area", &["alt", "aria-label", "aria-labelledby"]),
    ("html", &["lang"]),
    ("iframe", &["title"]),
    ("object", &["title", "aria-label", "aria-labelledby"]),
];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

pub fn a11y(component: &Component) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let Some(template) = &component.template else { return warnings };
    walk_elements(&template.nodes, &mut |element| {
        if element.kind != ElementKind::Html || has_spread(element) {
            return;
        }
        let tag = element.name.text.as_str();
        attribute_rules(element, &mut warnings);
        element_rules(element, &mut warnings);
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

/// Rules on single attributes: `accesskey`, `autofocus`, positive `tabindex`, unknown `aria-*`,
/// unknown or redundant `role`.
fn attribute_rules(element: &Element, warnings: &mut Vec<Diagnostic>) {
    let tag = element.name.text.as_str();
    for attribute in &element.attributes {
        let AttributeKind::Plain { name, value } = &attribute.kind else { continue };
        let lower = name.text.to_ascii_lowercase();
        let text = value.static_text();
        let warning = match lower.as_str() {
            "accesskey" => Some(("W0430", "avoid `accesskey`: its shortcuts clash with those of screen readers".to_string())),
            "autofocus" if tag != "dialog" => {
                Some(("W0431", "avoid `autofocus`: moving the focus on load confuses screen-reader users".to_string()))
            }
            "tabindex" if text.and_then(|t| t.trim().parse::<i64>().ok()).is_some_and(|n| n > 0) => {
                Some(("W0432", "avoid a `tabindex` above 0: it breaks the page's natural focus order".to_string()))
            }
            aria if aria.strip_prefix("aria-").is_some_and(|rest| !ARIA_ATTRIBUTES.contains(&rest)) => {
                Some(("W0433", format!("unknown ARIA attribute `{}`", name.text)))
            }
            "role" => text.and_then(|roles| {
                let role = roles.split_ascii_whitespace().next()?;
                let known = ARIA_ROLES.contains(&role) || role.starts_with("doc-") || role.starts_with("graphics-");
                if !known {
                    Some(("W0434", format!("unknown ARIA role `{role}`")))
                } else if IMPLICIT_ROLES.contains(&(tag, role)) {
                    Some(("W0435", format!("`<{tag}>` already has the role `{role}`")))
                } else {
                    None
                }
            }),
            _ => None,
        };
        if let Some((code, message)) = warning {
            warnings.push(Diagnostic::warning(code, message, name.span));
        }
    }
}

/// Rules on whole elements: distracting elements, missing names or content, empty links,
/// hidden headings, redundant `alt`, videos without captions, labels without a control.
fn element_rules(element: &Element, warnings: &mut Vec<Diagnostic>) {
    let tag = element.name.text.as_str();
    let has = |name: &str| element.plain_attribute(name).is_some();
    let span = element.name.span;
    if matches!(tag, "marquee" | "blink") {
        warnings.push(Diagnostic::warning(
            "W0436",
            format!("avoid `<{tag}>`: moving content distracts and cannot be paused"),
            span,
        ));
    }
    if let Some((_, names)) = NAMING_ATTRIBUTES.iter().find(|(t, _)| *t == tag) {
        if !names.iter().any(|name| has(name)) {
            let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ");
            warnings.push(Diagnostic::warning("W0437", format!("`<{tag}>` needs {list}"), span));
        }
    }
    if tag == "a" {
        match element.plain_attribute("href").map(|value| value.static_text()) {
            None if !has("id") && !has("name") => {
                warnings.push(Diagnostic::warning("W0437", "`<a>` needs `href`: without it, it is no link".to_string(), span))
            }
            Some(Some(href)) if matches!(href.trim(), "" | "#") => {
                warnings.push(
                    Diagnostic::warning("W0438", format!("`href=\"{href}\"` is no place to go"), span)
                        .with_help("link to a URL, or use a `<button>` for an action"),
                );
            }
            _ => {}
        }
    }
    let labelled = has("aria-label") || has("aria-labelledby");
    if (tag == "a" || HEADINGS.contains(&tag)) && element.children.iter().all(Node::is_blank) && !labelled {
        warnings.push(Diagnostic::warning("W0439", format!("`<{tag}>` has no content for screen readers to read"), span));
    }
    if HEADINGS.contains(&tag) && element.static_attribute("aria-hidden") == Some("true") {
        warnings.push(Diagnostic::warning("W0440", format!("`<{tag}>` is hidden from screen readers"), span));
    }
    if tag == "img" {
        if let Some(alt) = element.static_attribute("alt") {
            let lower = alt.to_ascii_lowercase();
            if ["image", "picture", "photo"].iter().any(|word| lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == *word)) {
                warnings.push(Diagnostic::warning(
                    "W0441",
                    "screen readers already say it is an image: describe what it shows, without \"image\", \"picture\" or \"photo\"",
                    span,
                ));
            }
        }
    }
    if tag == "video"
        && !has("muted")
        && !has_child(element, |child| child.name.text == "track" && child.static_attribute("kind") == Some("captions"))
    {
        warnings.push(Diagnostic::warning("W0442", "`<video>` without `<track kind=\"captions\">`", span));
    }
    if tag == "label"
        && !has("for")
        && !has_child(element, |child| {
            matches!(child.name.text.as_str(), "input" | "select" | "textarea" | "meter" | "output" | "progress")
                || matches!(child.kind, ElementKind::Component | ElementKind::Slot)
        })
    {
        warnings.push(Diagnostic::warning(
            "W0443",
            "`<label>` is not tied to a control: give it `for` or put the control inside",
            span,
        ));
    }
}

/// Whether an element under `element` (at any depth) passes `test`.
fn has_child(element: &Element, test: impl Fn(&Element) -> bool) -> bool {
    let mut found = false;
    walk_elements(&element.children, &mut |child| found |= test(child));
    found
}

fn has_spread(element: &Element) -> bool {
    element.attributes.iter().any(|a| matches!(a.kind, AttributeKind::Spread(_)))
}
