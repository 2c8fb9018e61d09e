//! Selector parsing and scoping: each compound selector of a list gets the component's class
//! (before its first pseudo-class or pseudo-element), `:global(…)` is unwrapped unscoped (as `:is(…)`
//! where the bare text would change meaning), compounds with `:root` or `&` are left alone, and the
//! scoped selectors are recorded for the unused-selector check. Selector functions nest at most
//! `MAX_SELECTOR_DEPTH` deep.

use eghact_syntax::css::Kind;
use eghact_syntax::diagnostics::Diagnostic;

use super::scoper::{ScopedSelector, Scoper};

/// Deepest nesting of selector functions (`:not(:is(…))`) that is parsed.
const MAX_SELECTOR_DEPTH: u32 = 16;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SelMode {
    /// Add the scope class to each compound.
    Scope,
    /// Only unwrap `:global(…)` (inside `:global(…)` and selector arguments of pseudo-classes).
    Unwrap,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SimpleKind {
    Type,
    /// `*` without a namespace.
    Universal,
    Class,
    Id,
    Attr,
    Pseudo,
    /// `:name(args)`; the arguments are the tokens between the function token and its `)`.
    PseudoFn,
    PseudoElement,
    Root,
    /// `:global(args)`.
    Global,
    Nesting,
}

#[derive(Clone, Copy)]
struct Simple {
    kind: SimpleKind,
    /// Tokens `[s, e)`.
    s: usize,
    e: usize,
}

struct Compound {
    /// The combinator before this compound (`" "` for descendant).
    comb: Option<&'static str>,
    simples: Vec<Simple>,
}

pub(super) struct SelOut {
    pub(super) text: String,
    parts: usize,
    /// One complex selector made of one compound.
    single_compound: bool,
    /// The first compound starts with a type or universal selector.
    leading_type: bool,
}

/// Pseudo-classes whose arguments are a selector list.
fn takes_selectors(name: &str) -> bool {
    ["is", "where", "not", "has", "matches", "-webkit-any", "-moz-any", "host", "host-context"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

impl Scoper<'_> {
    /// A comma-separated selector list in the tokens `[s, e)`; `anchor` is the token that follows
    /// it (for the span of an empty selector).
    pub(super) fn selector_list(
        &mut self,
        s: usize,
        e: usize,
        anchor: usize,
        mode: SelMode,
        relative: bool,
        depth: u32,
    ) -> Option<SelOut> {
        let mut parts = Vec::new();
        let mut commas = Vec::new();
        let mut nest = 0u32;
        let mut start = s;
        for i in s..e {
            match self.toks[i].kind {
                Kind::LParen | Kind::Function | Kind::LBracket => nest += 1,
                Kind::RParen | Kind::RBracket => nest = nest.saturating_sub(1),
                Kind::Comma if nest == 0 => {
                    parts.push((start, i));
                    commas.push(i);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push((start, e));
        let mut ok = true;
        let mut texts = Vec::new();
        let mut first = None;
        for (k, &(ps, pe)) in parts.iter().enumerate() {
            let (ts, te) = self.trim(ps, pe);
            if ts >= te {
                if commas.is_empty() {
                    let at = self.tok_span(anchor);
                    self.error("E0305", "expected a selector before `{`", at, "write a selector, or remove the block");
                } else {
                    let comma = commas[k.min(commas.len() - 1)];
                    let at = self.tok_span(comma);
                    self.error("E0305", "empty selector in a selector list", at, "remove the extra `,`");
                }
                ok = false;
                continue;
            }
            match self.complex(ts, te, mode, relative, depth) {
                Some((text, compounds, leading_type)) => {
                    first.get_or_insert((compounds, leading_type));
                    texts.push(text);
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let (compounds, leading_type) = first.unwrap_or((0, false));
        Some(SelOut {
            text: texts.join(", "),
            parts: parts.len(),
            single_compound: parts.len() == 1 && compounds == 1,
            leading_type,
        })
    }

    /// One complex selector (non-empty, trimmed); returns its text, its number of compounds and
    /// whether it starts with a type selector.
    fn complex(&mut self, s: usize, e: usize, mode: SelMode, relative: bool, depth: u32) -> Option<(String, usize, bool)> {
        let mut compounds: Vec<Compound> = Vec::new();
        let mut cur: Vec<Simple> = Vec::new();
        let mut cur_comb = None;
        let mut pending: Option<(&'static str, usize)> = None;
        let mut i = s;
        while i < e {
            let comb = match self.toks[i].kind {
                Kind::Delim(b'>') => Some((">", 1)),
                Kind::Delim(b'+') => Some(("+", 1)),
                Kind::Delim(b'~') => Some(("~", 1)),
                Kind::Delim(b'|') if i + 1 < e && self.toks[i + 1].kind == Kind::Delim(b'|') => Some(("||", 2)),
                _ => None,
            };
            match (self.toks[i].kind, comb) {
                (Kind::Ws, _) => {
                    if !cur.is_empty() {
                        compounds.push(Compound { comb: cur_comb.take(), simples: std::mem::take(&mut cur) });
                    }
                    i += 1;
                }
                (Kind::Comment, _) => i += 1,
                (_, Some((c, len))) => {
                    if !cur.is_empty() {
                        compounds.push(Compound { comb: cur_comb.take(), simples: std::mem::take(&mut cur) });
                    }
                    let at = self.span_of(i, i + len);
                    if pending.is_some() {
                        self.error(
                            "E0307",
                            format!("unexpected combinator `{c}`"),
                            at,
                            "two combinators cannot follow each other",
                        );
                        return None;
                    }
                    if compounds.is_empty() && !relative {
                        self.error(
                            "E0307",
                            format!("a selector cannot start with the combinator `{c}`"),
                            at,
                            "add a selector before it, or nest the rule inside another rule",
                        );
                        return None;
                    }
                    pending = Some((c, i));
                    i += len;
                }
                _ => {
                    let (simple, next) = self.simple(i, e, cur.is_empty())?;
                    if cur.is_empty() {
                        cur_comb = pending.take().map(|(c, _)| c).or((!compounds.is_empty()).then_some(" "));
                    }
                    cur.push(simple);
                    i = next;
                }
            }
        }
        if !cur.is_empty() {
            compounds.push(Compound { comb: cur_comb.take(), simples: cur });
        }
        if let Some((c, at)) = pending {
            let at = self.tok_span(at);
            self.error("E0307", format!("a selector cannot end with the combinator `{c}`"), at, "add a selector after it");
            return None;
        }
        if mode == SelMode::Scope && depth == 0 && !relative {
            self.record_selector(s, e, &compounds);
        }
        let alone = compounds.len() == 1;
        let leading_type = compounds
            .first()
            .and_then(|c| c.simples.first())
            .is_some_and(|s| matches!(s.kind, SimpleKind::Type | SimpleKind::Universal));
        let mut out = String::new();
        for (k, compound) in compounds.iter().enumerate() {
            match compound.comb {
                Some(" ") if k > 0 => out.push(' '),
                Some(c) if k == 0 => {
                    out.push_str(c);
                    out.push(' ');
                }
                Some(c) => {
                    out.push(' ');
                    out.push_str(c);
                    out.push(' ');
                }
                None => {}
            }
            self.compound(&mut out, &compound.simples, mode, alone, depth)?;
        }
        Some((out, compounds.len(), leading_type))
    }

    /// Remembers a scoped selector's element names and classes; one with `:global`, `:root` or
    /// `&` is left out, since it may match outside the component.
    fn record_selector(&mut self, s: usize, e: usize, compounds: &[Compound]) {
        let mut recorded = Vec::new();
        for compound in compounds {
            let mut tag = None;
            let mut classes = Vec::new();
            for simple in &compound.simples {
                match simple.kind {
                    SimpleKind::Global | SimpleKind::Root | SimpleKind::Nesting => return,
                    SimpleKind::Type if simple.e == simple.s + 1 => tag = Some(self.text(simple.s).to_ascii_lowercase()),
                    SimpleKind::Class => classes.push(self.text(simple.s + 1).to_string()),
                    _ => {}
                }
            }
            recorded.push((tag, classes));
        }
        let (s, e) = self.trim(s, e);
        if s < e {
            self.selectors.push(ScopedSelector { span: self.span_of(s, e), compounds: recorded });
        }
    }

    /// Parses one simple selector at token `i` (< `e`); `first` when it starts a compound.
    fn simple(&mut self, i: usize, e: usize, first: bool) -> Option<(Simple, usize)> {
        let kind_at = |this: &Self, k: usize| if k < e { Some(this.toks[k].kind) } else { None };
        let (kind, next) = match self.toks[i].kind {
            Kind::Ident | Kind::Delim(b'*' | b'|') => {
                let name_like = |k: Option<Kind>| matches!(k, Some(Kind::Ident | Kind::Delim(b'*')));
                let next = if self.toks[i].kind == Kind::Delim(b'|') {
                    if !name_like(kind_at(self, i + 1)) {
                        let at = self.tok_span(i);
                        self.error("E0306", "unexpected `|` in selector", at, "write `ns|element` or `*|element`");
                        return None;
                    }
                    i + 2
                } else if kind_at(self, i + 1) == Some(Kind::Delim(b'|'))
                    && name_like(kind_at(self, i + 2))
                    && kind_at(self, i + 3) != Some(Kind::Delim(b'|'))
                {
                    i + 3
                } else {
                    i + 1
                };
                if !first {
                    let at = self.span_of(i, next);
                    let text = self.slice(i, next);
                    self.error(
                        "E0306",
                        format!("type selector `{text}` must come first in its compound selector"),
                        at,
                        "move it to the front, or separate it with a space",
                    );
                    return None;
                }
                let universal = next == i + 1 && self.toks[i].kind == Kind::Delim(b'*');
                (if universal { SimpleKind::Universal } else { SimpleKind::Type }, next)
            }
            Kind::Delim(b'.') => {
                if kind_at(self, i + 1) != Some(Kind::Ident) {
                    let at = self.tok_span(i);
                    self.error("E0306", "expected a class name after `.`", at, "write `.name`");
                    return None;
                }
                (SimpleKind::Class, i + 2)
            }
            Kind::Hash => (SimpleKind::Id, i + 1),
            Kind::LBracket => {
                let close = self.find_close(i, e)?;
                if self.trim(i + 1, close).0 >= close {
                    let at = self.span_of(i, close + 1);
                    self.error("E0306", "empty attribute selector", at, "write `[name]` or `[name=\"value\"]`");
                    return None;
                }
                (SimpleKind::Attr, close + 1)
            }
            Kind::Colon => {
                let element = kind_at(self, i + 1) == Some(Kind::Colon);
                let n = if element { i + 2 } else { i + 1 };
                match kind_at(self, n) {
                    Some(Kind::Ident) => {
                        let name = self.text(n);
                        if !element && name.eq_ignore_ascii_case("global") {
                            let at = self.span_of(i, n + 1);
                            self.error("E0308", "`:global` needs a selector in parentheses", at, "write `:global(.selector)`");
                            return None;
                        }
                        let kind = if element {
                            SimpleKind::PseudoElement
                        } else if name.eq_ignore_ascii_case("root") {
                            SimpleKind::Root
                        } else {
                            SimpleKind::Pseudo
                        };
                        (kind, n + 1)
                    }
                    Some(Kind::Function) => {
                        let close = self.find_close(n, e)?;
                        let name = &self.text(n)[..self.text(n).len() - 1];
                        let kind = if element {
                            SimpleKind::PseudoElement
                        } else if name.eq_ignore_ascii_case("global") {
                            SimpleKind::Global
                        } else {
                            SimpleKind::PseudoFn
                        };
                        (kind, close + 1)
                    }
                    _ => {
                        let at = self.span_of(i, n);
                        let what = if element { "pseudo-element" } else { "pseudo-class" };
                        let sep = if element { "::" } else { ":" };
                        self.error(
                            "E0306",
                            format!("expected a {what} name after `{sep}`"),
                            at,
                            "write e.g. `:hover` or `::before`",
                        );
                        return None;
                    }
                }
            }
            Kind::Delim(b'&') => (SimpleKind::Nesting, i + 1),
            _ => {
                let at = self.tok_span(i);
                let what = self.describe(i);
                self.error(
                    "E0306",
                    format!("unexpected {what} in selector"),
                    at,
                    "a selector is made of elements, `.classes`, `#ids`, `[attributes]` and `:pseudo-classes`",
                );
                return None;
            }
        };
        Some((Simple { kind, s: i, e: next }, next))
    }

    /// The index of the `)` / `]` that closes the opener at `i`, before `e`.
    fn find_close(&mut self, i: usize, e: usize) -> Option<usize> {
        let bracket = self.toks[i].kind == Kind::LBracket;
        let mut depth = 0u32;
        for k in i..e {
            match self.toks[k].kind {
                Kind::LBracket if bracket => depth += 1,
                Kind::RBracket if bracket => depth -= 1,
                Kind::LParen | Kind::Function if !bracket => depth += 1,
                Kind::RParen if !bracket => depth -= 1,
                _ => continue,
            }
            if depth == 0 {
                return Some(k);
            }
        }
        let at = self.tok_span(i);
        let (opener, closer) = if bracket { ("[", "]") } else { ("(", ")") };
        self.error("E0310", format!("unclosed `{opener}`"), at, &format!("add a matching `{closer}`"));
        None
    }

    /// A short description of token `i` for messages.
    fn describe(&self, i: usize) -> String {
        let text = self.text(i);
        if text.len() <= 24 && !text.contains('\n') {
            format!("`{text}`")
        } else {
            match self.toks[i].kind {
                Kind::Str | Kind::BadStr => "a string".into(),
                Kind::Url | Kind::BadUrl => "a `url(…)`".into(),
                _ => "a long token".into(),
            }
        }
    }

    /// Emits one compound selector, scoped when `mode` says so; `alone` when it is the whole complex
    /// selector.
    fn compound(&mut self, out: &mut String, simples: &[Simple], mode: SelMode, alone: bool, depth: u32) -> Option<()> {
        let scoped = mode == SelMode::Scope
            && !simples.iter().any(|s| matches!(s.kind, SimpleKind::Global | SimpleKind::Root | SimpleKind::Nesting));
        // The class goes before the first pseudo-class or pseudo-element.
        let insert_at = if scoped {
            simples
                .iter()
                .position(|s| matches!(s.kind, SimpleKind::Pseudo | SimpleKind::PseudoFn | SimpleKind::PseudoElement))
                .unwrap_or(simples.len())
        } else {
            usize::MAX
        };
        for (k, simple) in simples.iter().enumerate() {
            if k == insert_at {
                self.push_class(out);
            }
            match simple.kind {
                // The scope class stands in for `*`.
                SimpleKind::Universal if scoped => {}
                SimpleKind::Type => {
                    let name = self.slice(simple.s, simple.e);
                    if scoped && (name.eq_ignore_ascii_case("html") || name.eq_ignore_ascii_case("body")) {
                        let at = self.span_of(simple.s, simple.e);
                        self.diags.push(
                            Diagnostic::warning(
                                "W0302",
                                format!("`{name}` is outside the component, so this scoped selector matches nothing"),
                                at,
                            )
                            .with_help(format!("write `:global({name})` to style the page's `{name}`")),
                        );
                    }
                    out.push_str(name);
                }
                SimpleKind::Universal
                | SimpleKind::Class
                | SimpleKind::Id
                | SimpleKind::Pseudo
                | SimpleKind::Root
                | SimpleKind::Nesting => out.push_str(self.slice(simple.s, simple.e)),
                SimpleKind::Attr | SimpleKind::PseudoElement => out.push_str(&self.emit_range(simple.s, simple.e)?),
                SimpleKind::PseudoFn => {
                    let func = simple.s + 1;
                    let name = self.text(func);
                    out.push(':');
                    out.push_str(name);
                    let bare = &name[..name.len() - 1];
                    let args = if takes_selectors(bare) && depth < MAX_SELECTOR_DEPTH {
                        let relative = bare.eq_ignore_ascii_case("has");
                        self.selector_list(func + 1, simple.e - 1, func, SelMode::Unwrap, relative, depth + 1)?.text
                    } else {
                        self.emit_range(func + 1, simple.e - 1)?
                    };
                    out.push_str(&args);
                    out.push(')');
                }
                SimpleKind::Global => {
                    let func = simple.s + 1;
                    let (a, b) = self.trim(func + 1, simple.e - 1);
                    if a >= b {
                        let at = self.span_of(simple.s, simple.e);
                        self.error(
                            "E0308",
                            "empty `:global()`",
                            at,
                            "write the selector to leave unscoped, e.g. `:global(.dialog)`",
                        );
                        return None;
                    }
                    if depth >= MAX_SELECTOR_DEPTH {
                        let at = self.span_of(simple.s, simple.e);
                        self.error("E0313", "selectors are nested too deeply", at, "simplify the selector");
                        return None;
                    }
                    let inner = self.selector_list(a, b, simple.e - 1, SelMode::Unwrap, false, depth + 1)?;
                    let whole_compound = simples.len() == 1;
                    let wrap = if inner.parts > 1 {
                        !(whole_compound && alone)
                    } else {
                        !whole_compound && (!inner.single_compound || (inner.leading_type && k > 0))
                    };
                    if wrap {
                        out.push_str(":is(");
                        out.push_str(&inner.text);
                        out.push(')');
                    } else {
                        out.push_str(&inner.text);
                    }
                }
            }
        }
        if insert_at == simples.len() {
            self.push_class(out);
        }
        Some(())
    }

    fn push_class(&self, out: &mut String) {
        out.push('.');
        out.push_str(self.class);
    }
}
