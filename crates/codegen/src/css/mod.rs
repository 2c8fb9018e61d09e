//! Scoping of a component's `<style>` block (LANGUAGE.md, "Style block" and Decision 8).
//!
//! The Svelte approach: every element of the component carries a per-component class such as
//! `egh-1a2b3c`, and every compound selector of every rule gets that class appended
//! (`.a .b > p:hover` becomes `.a.egh-x .b.egh-x > p.egh-x:hover`).
//!
//! * `:global(sel)` anywhere in a selector is emitted as `sel`, unscoped (as `:is(sel)` where the bare
//!   text would change meaning, e.g. `.x:global(div)` or a list in the middle of a selector).
//! * Compounds with `:root` or the nesting selector `&` are not scoped.
//! * `@media`, `@supports`, `@container`, `@layer`, `@scope`, `@starting-style`, `@document`: the inner
//!   rules are scoped. `@keyframes` bodies and names are kept. `@font-face`, `@page`, `@import`,
//!   `@charset`, … pass through. Unknown at-rules pass through unscoped with a warning.
//! * Native CSS nesting inside rules is supported; nested selectors are scoped like top-level ones.
//!
//! The scoper is hand-written on top of a small CSS tokenizer (CSS Syntax 3, simplified), because the
//! output must keep strings and `url(…)` byte-exact and recover from errors rule by rule. Declarations are
//! copied token by token (whitespace runs collapse to one space, comments are dropped), so values are
//! never rewritten. An item with an error (bad selector, unbalanced brackets, unterminated string, …)
//! gets a diagnostic and is left out of the output; everything else is still emitted. The output is
//! always well-formed CSS: re-scoping it reports no errors.
//!
//! `scope_css` reads the stylesheet with a [`Scoper`](scoper::Scoper) (the token cursor, the output and
//! the diagnostics); `rules` walks rules, at-rules, blocks and declarations, and hands each style rule's
//! prelude to `selectors`, which parses and scopes selector lists.

mod rules;
mod scoper;
mod selectors;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use eghact_syntax::css::tokenize;
use eghact_syntax::diagnostics::Diagnostic;

pub use scoper::ScopedSelector;
use scoper::Scoper;

/// The scoped stylesheet and the problems found while scoping it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedCss {
    pub code: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The scoped selectors (outside `:global(…)`), for finding those no element matches.
    pub selectors: Vec<ScopedSelector>,
}

/// Scopes the CSS `source` (the text inside `<style>…</style>`) to the component class `scope_class`
/// (e.g. `egh-1a2b3c`). `base` is the byte offset of `source` in the `.egh` file; every diagnostic span
/// is relative to the file. A `url(…)` whose value is a key of `urls` gets the value it maps to
/// (a processed image), its quotes kept.
pub fn scope_css(source: &str, base: u32, scope_class: &str, urls: &BTreeMap<String, String>) -> ScopedCss {
    let mut diags = Vec::new();
    let toks = tokenize(source, base, &mut diags);
    let mut scoper =
        Scoper { src: source, toks, pos: 0, base, class: scope_class, urls, out: String::new(), diags, selectors: Vec::new() };
    scoper.stylesheet();
    let mut diagnostics = scoper.diags;
    diagnostics.sort_by_key(|d| d.span.start);
    ScopedCss { code: scoper.out, diagnostics, selectors: scoper.selectors }
}
