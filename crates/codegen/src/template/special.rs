//! Svelte's special elements, `<svelte:…>`, which render no element of their own name:
//! `self` and `component` (a component given by the module itself or by an expression),
//! `element` (a tag given by an expression), `window`, `body` and `document` (listeners and
//! the window's bindings), `head` (content for `document.head`), `fragment` (slot content
//! without a wrapper) and `options`. Any other `svelte:` name, or an attribute one of them
//! cannot take, is an error (E0410, E0411): never an element of that name.

use super::{Compiled, Compiler, Parent};
use eghact_syntax::ast::*;
use eghact_syntax::diagnostics::Diagnostic;

/// What `<svelte:window bind:…>` can bind (`WINDOW_BINDINGS` of the runtime).
const WINDOW_BINDINGS: [&str; 8] =
    ["innerWidth", "innerHeight", "outerWidth", "outerHeight", "scrollX", "scrollY", "online", "devicePixelRatio"];

impl Compiler<'_, '_> {
    /// `<svelte:{name} …>`.
    pub(super) fn special_element(&mut self, name: &str, element: &Element, parent: &Parent) {
        match name {
            "self" => self.component_with(element, parent, "$$self.instance.constructor"),
            "component" => self.dynamic(element, parent, |c, element| c.component_with(element, &Parent::Block, "$$this")),
            "element" => self.dynamic(element, parent, |c, element| c.html_element(element, &Parent::Block, "$$this")),
            "window" => self.global_target(element, "window", &WINDOW_BINDINGS),
            "body" => self.global_target(element, "document.body", &[]),
            "document" => self.global_target(element, "document", &[]),
            "head" => {
                self.emit("$$.head_block($$b,".into(), Some(element.span.start));
                self.render_function("", &[], Vec::new(), |c| c.fragment(&element.children, &Parent::Block));
                self.emit(");".into(), None);
            }
            // Slot content without a wrapper: as a component's child it is handled with the
            // slots; anywhere else its children render in its place.
            "fragment" => {
                for attribute in &element.attributes {
                    if let AttributeKind::Let { .. } = attribute.kind {
                        self.misplaced_let(attribute.span);
                    }
                }
                self.fragment(&element.children, parent)
            }
            "options" => self.options(element),
            _ => self.diagnostics.push(
                Diagnostic::error("E0410", format!("unknown special element `<svelte:{name}>`"), element.name.span).with_help(
                    "the special elements are svelte:self, svelte:component, svelte:element, svelte:window, svelte:body, \
                     svelte:document, svelte:head, svelte:fragment and svelte:options",
                ),
            ),
        }
    }

    /// `<svelte:component this={…}>` or `<svelte:element this={…}>`: `render` builds the
    /// content from `$$this`, again whenever the value changes; nothing while it is falsy.
    fn dynamic(&mut self, element: &Element, parent: &Parent, render: impl FnOnce(&mut Self, &Element)) {
        let this = element.attributes.iter().find_map(|attribute| match &attribute.kind {
            AttributeKind::Plain { name, value } if name.text == "this" => Some(value),
            _ => None,
        });
        let Some(Compiled { code, deps }) = this.and_then(|value| self.attribute_value(value)) else {
            if this.is_none() {
                self.misuse(element, element.name.span, format!("`<{}>` needs `this={{…}}`", element.name.text));
            }
            return;
        };
        let deps = Self::deps_literal(&deps);
        self.emit(format!("$$.key_block($$b, {}, {deps}, () => ({code}),", parent.position()), Some(element.span.start));
        self.render_function(", $$this", &[], Vec::new(), |c| render(c, element));
        self.emit(");".into(), None);
    }

    /// `<svelte:window>`, `<svelte:body>`, `<svelte:document>`: listeners on `target` and the
    /// `bindings` it has; no content.
    fn global_target(&mut self, element: &Element, target: &str, bindings: &[&str]) {
        for attribute in &element.attributes {
            match &attribute.kind {
                AttributeKind::Event { name, modifiers, handler } => {
                    let Some(handler) = self.handler(handler) else { continue };
                    let modifiers = self.modifiers(modifiers);
                    self.emit(
                        format!("$$.listen($$b, {target}, {:?}, {handler}, {modifiers});", name.text),
                        Some(attribute.span.start),
                    );
                }
                AttributeKind::Bind { name, target: bound } if bindings.contains(&name.text.as_str()) => {
                    let Some(current) = self.expression(*bound) else { continue };
                    let Some(assign) = self.assignment(*bound, "$$v") else { continue };
                    let deps = Self::deps_literal(&current.deps);
                    self.emit(
                        format!(
                            "$$.bind_window($$b, {:?}, {deps}, () => ({}), ($$v) => {{ {assign}; }});",
                            name.text, current.code
                        ),
                        Some(attribute.span.start),
                    );
                }
                _ => {
                    let takes = match bindings.is_empty() {
                        true => "event listeners".to_string(),
                        false => format!("event listeners and bindings of {}", bindings.join(", ")),
                    };
                    self.misuse(element, attribute.span, format!("`<{}>` takes only {takes}", element.name.text));
                }
            }
        }
        if let Some(child) = element.children.iter().find(|child| !child.is_blank()) {
            let span = child.span();
            self.misuse(element, span, format!("`<{}>` has no content", element.name.text));
        }
    }

    /// `<svelte:options>`: `accessors` and `immutable` (every update is checked anyway, so it
    /// changes nothing here); others are errors.
    pub(super) fn options(&mut self, element: &Element) {
        for attribute in &element.attributes {
            let option = match &attribute.kind {
                AttributeKind::Plain { name, value } => Some((name.text.as_str(), value)),
                _ => None,
            };
            match option {
                Some(("immutable", _)) => {}
                Some(("accessors", value)) => self.options.accessors = !matches!(value.static_text(), Some("false")),
                _ => self.misuse(
                    element,
                    attribute.span,
                    "`<svelte:options>` supports `accessors` and `immutable` here (custom elements and namespaces are not built)"
                        .into(),
                ),
            }
        }
    }

    fn misuse(&mut self, element: &Element, span: eghact_syntax::diagnostics::Span, message: String) {
        let help = format!("see Svelte's documentation of `<{}>`", element.name.text);
        self.diagnostics.push(Diagnostic::error("E0411", message, span).with_help(help));
    }
}
