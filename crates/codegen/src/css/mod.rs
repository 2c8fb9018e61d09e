//! A component's `<style>` block: scoped (LANGUAGE.md, "Style block" and Decision 8), then processed
//! and printed by Lightning CSS.
//!
//! The Svelte approach: every element of the component carries a per-component class such as
//! `egh-1a2b3c`, and every compound selector of every rule gets that class appended
//! (`.a .b > p:hover` becomes `.a.egh-x .b.egh-x > p.egh-x:hover`).
//!
//! * `:global(sel)` anywhere in a selector is emitted as `sel`, unscoped (as `:is(sel)` where the bare
//!   text would change meaning, e.g. `.x:global(div)` or a list in the middle of a selector).
//! * Compounds with `:root` or the nesting selector `&` are not scoped.
//! * `@media`, `@supports`, `@container`, `@layer`, `@scope`, `@starting-style`, `@document`: the inner
//!   rules are scoped. `@keyframes name` becomes `@keyframes egh-1a2b3c-name` and the stylesheet's
//!   animations that name it follow (`-global-name` keeps a global `name`). `@font-face`, `@page`,
//!   `@import`, … pass through. Unknown at-rules pass through unscoped with a warning.
//! * Native CSS nesting inside rules is supported; nested selectors are scoped like top-level ones.
//!
//! Two stages. The scoper (`scoper`, `rules`, `selectors`) is hand-written on a small CSS tokenizer
//! (CSS Syntax 3, simplified): it finds every error with its exact span, recovers rule by rule (an item
//! with an error gets a diagnostic and is left out; everything else is kept), scopes selectors and
//! rewrites processed images' `url(…)`s, and marks where each item it emits comes from. Its output is
//! always well-formed CSS. Lightning CSS (`lightning`) then reads that output: it scopes `@keyframes`
//! (`keyframes`), adds prefixes and lowers nesting and newer syntax for the browser targets, minifies,
//! and prints the stylesheet and its source map. Lightning CSS re-serialises values (strings in double
//! quotes, shorter colours when minifying) without changing their meaning. Selectors are scoped in the
//! scoper rather than by a Lightning CSS selector visitor: the scoper must parse every selector anyway
//! for its diagnostics and the unused-selector check, and Lightning CSS reads `:global(a, b)` only as
//! raw tokens. Re-scoping the final output reports no errors.

mod escapes;
mod keyframes;
mod lightning;
mod options;
mod rules;
mod sass;
mod scoper;
mod selectors;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use eghact_syntax::css::tokenize;
use eghact_syntax::diagnostics::{Diagnostic, Span};

pub use options::{CssError, CssOptions, CssTargets};
pub use sass::{StyleLanguage, compile as compile_scss};
pub use scoper::ScopedSelector;
use scoper::Scoper;

/// The stylesheet as it is emitted and the problems found while scoping it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedCss {
    pub code: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The scoped selectors (outside `:global(…)`), for finding those no element matches.
    pub selectors: Vec<ScopedSelector>,
    /// Where the rules of `code` come from: (line, UTF-16 column, `.egh` byte offset), in order.
    pub mappings: Vec<(u32, u32, u32)>,
}

/// [`process_css`] with the default options (readable CSS, no targets).
pub fn scope_css(source: &str, base: u32, scope_class: &str, urls: &BTreeMap<String, String>) -> ScopedCss {
    process_css(source, base, scope_class, urls, &CssOptions::default())
}

/// Scopes the CSS `source` (the text inside `<style>…</style>`) to the component class `scope_class`
/// (e.g. `egh-1a2b3c`) and prints it as `options` say. `base` is the byte offset of `source` in the
/// `.egh` file; every diagnostic span and mapping is relative to the file. A `url(…)` whose value is
/// a key of `urls` gets the value it maps to (a processed image).
pub fn process_css(
    source: &str,
    base: u32,
    scope_class: &str,
    urls: &BTreeMap<String, String>,
    options: &CssOptions,
) -> ScopedCss {
    // Lightning CSS recurses once per level of nesting, which the scoper bounds.
    eghact_syntax::stack::ensure(|| {
        let mut diags = Vec::new();
        let toks = tokenize(source, base, &mut diags);
        let mut scoper = Scoper {
            src: source,
            toks,
            pos: 0,
            base,
            class: scope_class,
            urls,
            out: String::new(),
            marks: Vec::new(),
            diags,
            selectors: Vec::new(),
        };
        scoper.stylesheet();
        let whole = Span::new(base, base + source.len() as u32);
        let printed = lightning::process(&scoper.out, &scoper.marks, whole, scope_class, options);
        let mut diagnostics = scoper.diags;
        diagnostics.extend(printed.diagnostics);
        diagnostics.sort_by_key(|d| d.span.start);
        ScopedCss { code: printed.code, diagnostics, selectors: scoper.selectors, mappings: printed.mappings }
    })
}
