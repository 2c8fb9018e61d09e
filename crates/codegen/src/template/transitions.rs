//! An element's `transition:`, `in:`, `out:` and `animate:` directives, registered with the
//! runtime's `transition` and `animation` (which play them as blocks come and go, and as a
//! keyed `{#each}` moves its rows). One element takes at most one intro, one outro and one
//! animation (E0413); the only modifiers are `|local` and `|global` (E0414); `animate:` is for
//! the only element of a keyed `{#each}` (E0412). The function and its parameters are read
//! when a transition starts, as in Svelte.

use super::Compiler;
use eghact_syntax::ast::*;
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// What `{directive}:fn|modifiers={params}` compiles to: `[fn, () => (params)]`.
#[derive(Clone)]
struct Directive {
    code: String,
    span: Span,
    local: bool,
}

impl Compiler<'_, '_> {
    /// Registers the transitions and the animation of `element`, created as `var`.
    pub(super) fn element_transitions(&mut self, element: &Element, var: &str) {
        let mut intro: Option<Directive> = None;
        let mut outro: Option<Directive> = None;
        let mut both = false;
        let mut animation: Option<Directive> = None;
        for attribute in &element.attributes {
            let AttributeKind::Transition { directive, name, modifiers, params } = &attribute.kind else { continue };
            let kind = directive.text.as_str();
            let local = self.transition_modifiers(kind, modifiers);
            let Some(code) = self.transition_function(name, *params) else { continue };
            let compiled = Directive { code, span: attribute.span, local };
            let taken = match kind {
                "animate" => {
                    if !self.animatable.contains(&element.span.start) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "E0412",
                                "`animate:` must be on the only element of a keyed `{#each}`",
                                attribute.span,
                            )
                            .with_label("not the direct and only child of an `{#each … (key)}` block")
                            .with_help("key the `{#each}` with `(item.id)` and make this element its only content"),
                        );
                        continue;
                    }
                    [animation.as_ref().map(|d| d.span), None]
                }
                "in" => [intro.as_ref().map(|d| d.span), None],
                "out" => [outro.as_ref().map(|d| d.span), None],
                _ => [intro.as_ref().map(|d| d.span), outro.as_ref().map(|d| d.span)],
            };
            if taken.iter().any(Option::is_some) {
                self.diagnostics.push(
                    Diagnostic::error("E0413", format!("a second {} on one element", part_name(kind)), attribute.span)
                        .with_label("an earlier directive of this element plays it")
                        .with_help("keep one; write `in:` and `out:` for a different function in each direction"),
                );
                continue;
            }
            match kind {
                "animate" => animation = Some(compiled),
                "in" => intro = Some(compiled),
                "out" => outro = Some(compiled),
                _ => {
                    both = true;
                    outro = Some(compiled.clone());
                    intro = Some(compiled);
                }
            }
        }
        if intro.is_some() || outro.is_some() {
            let mut parts = Vec::new();
            if let Some(intro) = &intro {
                parts.push(format!("in: {}", intro.code));
            }
            if let Some(outro) = &outro {
                parts.push(format!("out: {}", outro.code));
            }
            parts.push(format!("both: {both}"));
            // `|local` is per directive: `in:fly|local out:fade` fades out with a parent block too.
            parts.push(format!("in_local: {}", intro.as_ref().is_some_and(|d| d.local)));
            parts.push(format!("out_local: {}", outro.as_ref().is_some_and(|d| d.local)));
            let origin = intro.iter().chain(outro.iter()).map(|d| d.span.start).min();
            self.emit(format!("$$.transition($$b, {var}, {{ {} }});", parts.join(", ")), origin);
        }
        if let Some(animation) = animation {
            let code = animation.code.strip_prefix('[').and_then(|c| c.strip_suffix(']')).unwrap_or(&animation.code).to_string();
            self.emit(format!("$$.animation($$b, {var}, {code});"), Some(animation.span.start));
        }
    }

    /// Whether the directive is `|local`; E0414 for any modifier but `local` and `global`
    /// (Svelte 4's name for the default), and for any on `animate:`.
    fn transition_modifiers(&mut self, kind: &str, modifiers: &[Name]) -> bool {
        let mut local = false;
        for modifier in modifiers {
            match modifier.text.as_str() {
                "local" if kind != "animate" => local = true,
                "global" if kind != "animate" => local = false,
                other => self.diagnostics.push(
                    Diagnostic::error("E0414", format!("unknown modifier `{other}` on `{kind}:`"), modifier.span).with_help(
                        if kind == "animate" {
                            "`animate:` takes no modifiers".to_string()
                        } else {
                            "the modifiers are `|local` (only when its own block comes or goes) and `|global` (the default)"
                                .to_string()
                        },
                    ),
                ),
            }
        }
        local
    }

    /// `[fn, () => (params)]`: the function and parameters, read when the transition starts.
    fn transition_function(&mut self, name: &Name, params: Option<Expr>) -> Option<String> {
        let function = self.expression(Expr { span: name.span })?;
        let params = match params {
            Some(params) => self.expression(params)?.code,
            None => "undefined".into(),
        };
        Some(format!("[{}, () => ({params})]", function.code))
    }
}

fn part_name(kind: &str) -> &'static str {
    match kind {
        "in" => "intro",
        "out" => "outro",
        "animate" => "animation",
        _ => "transition",
    }
}
