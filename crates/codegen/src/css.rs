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

use std::collections::BTreeMap;

use eghact_syntax::css::{Kind, Tok, span, tokenize, url_value};
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// The scoped stylesheet and the problems found while scoping it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedCss {
    pub code: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The scoped selectors (outside `:global(…)`), for finding those no element matches.
    pub selectors: Vec<ScopedSelector>,
}

/// A complex selector the component's class was added to, by compound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedSelector {
    pub span: Span,
    /// Each compound's element name (lowercase) and classes.
    pub compounds: Vec<(Option<String>, Vec<String>)>,
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
    scoper.contents(Ctx::TOP, true);
    let mut diagnostics = scoper.diags;
    diagnostics.sort_by_key(|d| d.span.start);
    ScopedCss { code: scoper.out, diagnostics, selectors: scoper.selectors }
}

// ---------------------------------------------------------------------------------------------------
// Rules and blocks
// ---------------------------------------------------------------------------------------------------

/// Deepest block nesting handled; deeper blocks are reported and skipped (no stack overflow).
const MAX_BLOCK_DEPTH: u32 = 48;
/// Deepest nesting of selector functions (`:not(:is(…))`) that is parsed.
const MAX_SELECTOR_DEPTH: u32 = 16;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Rule preludes are selectors to scope.
    Scope,
    /// Rule preludes are copied (keyframe selectors, unknown at-rules).
    Raw,
}

#[derive(Clone, Copy)]
struct Ctx {
    /// Declarations may appear (inside a style rule or a descriptor block).
    decls: bool,
    mode: Mode,
    /// Inside a style rule: relative selectors (`> .b`) are allowed.
    nested: bool,
    depth: u32,
}

impl Ctx {
    const TOP: Ctx = Ctx { decls: false, mode: Mode::Scope, nested: false, depth: 0 };
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Brace,
    Semi,
    Close,
    Eof,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AtKind {
    /// Conditional group rules: the inner rules are scoped.
    Group,
    Keyframes,
    /// Blocks of descriptors (`@font-face`, `@page`, …).
    Descriptors,
    /// `@import`, `@charset`, `@namespace`, …: end with `;`.
    Statement,
    Unknown,
}

fn classify_at_rule(name: &str) -> AtKind {
    let lower = name.to_ascii_lowercase();
    // Vendor prefixes: `-webkit-keyframes` is `keyframes`.
    let bare = match lower.strip_prefix('-').and_then(|rest| rest.split_once('-')) {
        Some((_, rest)) => rest,
        None => &lower,
    };
    match bare {
        "media" | "supports" | "container" | "layer" | "scope" | "starting-style" | "document" => AtKind::Group,
        "keyframes" => AtKind::Keyframes,
        "font-face"
        | "page"
        | "counter-style"
        | "property"
        | "font-palette-values"
        | "font-feature-values"
        | "view-transition"
        | "position-try"
        | "viewport"
        | "swash"
        | "annotation"
        | "ornaments"
        | "stylistic"
        | "styleset"
        | "character-variant"
        | "historical-forms"
        | "top-left-corner"
        | "top-left"
        | "top-center"
        | "top-right"
        | "top-right-corner"
        | "bottom-left-corner"
        | "bottom-left"
        | "bottom-center"
        | "bottom-right"
        | "bottom-right-corner"
        | "left-top"
        | "left-middle"
        | "left-bottom"
        | "right-top"
        | "right-middle"
        | "right-bottom" => AtKind::Descriptors,
        "import" | "charset" | "namespace" | "custom-media" => AtKind::Statement,
        _ => AtKind::Unknown,
    }
}

struct Scoper<'a> {
    src: &'a str,
    toks: Vec<Tok>,
    /// Next token to read.
    pos: usize,
    base: u32,
    class: &'a str,
    urls: &'a BTreeMap<String, String>,
    out: String,
    diags: Vec<Diagnostic>,
    selectors: Vec<ScopedSelector>,
}

impl<'a> Scoper<'a> {
    fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    fn text(&self, i: usize) -> &'a str {
        let t = self.toks[i];
        &self.src[t.start as usize..t.end as usize]
    }

    /// Source text of the tokens `[s, e)`.
    fn slice(&self, s: usize, e: usize) -> &'a str {
        &self.src[self.toks[s].start as usize..self.toks[e - 1].end as usize]
    }

    fn is_trivia(&self, i: usize) -> bool {
        matches!(self.toks[i].kind, Kind::Ws | Kind::Comment)
    }

    /// The file span of the tokens `[s, e)` (`e > s`).
    fn span_of(&self, s: usize, e: usize) -> Span {
        span(self.base, self.toks[s].start as usize, self.toks[e - 1].end as usize)
    }

    fn tok_span(&self, i: usize) -> Span {
        self.span_of(i, i + 1)
    }

    /// `[s, e)` without leading and trailing whitespace and comments.
    fn trim(&self, mut s: usize, mut e: usize) -> (usize, usize) {
        while s < e && self.is_trivia(s) {
            s += 1;
        }
        while e > s && self.is_trivia(e - 1) {
            e -= 1;
        }
        (s, e)
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

    fn error(&mut self, code: &'static str, message: impl Into<String>, span: Span, help: &str) {
        self.diags.push(Diagnostic::error(code, message, span).with_help(help));
    }

    fn skip_trivia(&mut self) {
        while self.pos < self.toks.len() && self.is_trivia(self.pos) {
            self.pos += 1;
        }
    }

    /// Advances to the first `{`, `}` or `;` outside parentheses/brackets (or the end) without
    /// consuming it; returns the tokens passed over and what stopped the scan.
    fn scan(&mut self) -> (usize, usize, Stop) {
        let start = self.pos;
        let mut depth = 0u32;
        let stop = loop {
            match self.kind(self.pos) {
                None => break Stop::Eof,
                Some(Kind::LBrace) => break Stop::Brace,
                Some(Kind::RBrace) => break Stop::Close,
                Some(Kind::Semi) if depth == 0 => break Stop::Semi,
                Some(Kind::LParen | Kind::Function | Kind::LBracket) => depth += 1,
                Some(Kind::RParen | Kind::RBracket) => depth = depth.saturating_sub(1),
                Some(_) => {}
            }
            self.pos += 1;
        };
        (start, self.pos, stop)
    }

    /// Like [`Self::scan`] for a custom property value, which may hold balanced `{…}`.
    fn scan_custom_property(&mut self) -> (usize, usize, Stop) {
        let start = self.pos;
        let (mut parens, mut braces) = (0u32, 0u32);
        let stop = loop {
            match self.kind(self.pos) {
                None => break Stop::Eof,
                Some(Kind::LBrace) => braces += 1,
                Some(Kind::RBrace) if braces == 0 => break Stop::Close,
                Some(Kind::RBrace) => braces -= 1,
                Some(Kind::Semi) if parens == 0 && braces == 0 => break Stop::Semi,
                Some(Kind::LParen | Kind::Function | Kind::LBracket) => parens += 1,
                Some(Kind::RParen | Kind::RBracket) => parens = parens.saturating_sub(1),
                Some(_) => {}
            }
            self.pos += 1;
        };
        (start, self.pos, stop)
    }

    /// Skips a block whose `{` was consumed, up to and including its `}`; false at end of input.
    fn skip_block(&mut self) -> bool {
        let mut depth = 1u32;
        while let Some(kind) = self.kind(self.pos) {
            self.pos += 1;
            match kind {
                Kind::LBrace => depth += 1,
                Kind::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// The items of a stylesheet (`top`) or of a block, up to its `}` (not consumed) or the end.
    fn contents(&mut self, ctx: Ctx, top: bool) {
        loop {
            self.skip_trivia();
            let Some(kind) = self.kind(self.pos) else { return };
            match kind {
                Kind::RBrace if top => {
                    let at = self.tok_span(self.pos);
                    self.error("E0304", "unexpected `}`", at, "remove it; it closes no block");
                    self.pos += 1;
                }
                Kind::RBrace => return,
                Kind::Semi => self.pos += 1,
                Kind::AtKeyword => self.at_rule(ctx, top),
                _ if ctx.decls => self.declaration_or_rule(ctx),
                _ => {
                    let (s, e, stop) = self.scan();
                    self.rule(s, e, stop, ctx, top);
                }
            }
        }
    }

    /// A rule whose prelude is the tokens `[s, e)`, stopped by `stop` (the current token).
    fn rule(&mut self, s: usize, e: usize, stop: Stop, ctx: Ctx, top: bool) {
        if stop != Stop::Brace {
            let (ts, te) = self.trim(s, e);
            if ts < te {
                let at = self.span_of(ts, te);
                self.error("E0311", "expected `{` after selector", at, "add a `{ … }` block; declarations belong inside a rule");
            }
            if stop == Stop::Semi {
                self.pos += 1;
            }
            return;
        }
        let brace = self.pos;
        self.pos += 1;
        let head = match ctx.mode {
            Mode::Scope => self.selector_list(s, e, brace, SelMode::Scope, ctx.nested, 0).map(|sel| sel.text),
            Mode::Raw => self.raw_prelude(s, e, brace),
        };
        let inner = Ctx { decls: true, nested: true, depth: ctx.depth + 1, mode: ctx.mode };
        self.block(head, brace, inner, top);
    }

    /// The body of a block whose `{` (token `brace`) was consumed; emitted after `head` when that is
    /// `Some`, parsed for diagnostics and dropped otherwise.
    fn block(&mut self, head: Option<String>, brace: usize, inner: Ctx, top: bool) {
        if inner.depth > MAX_BLOCK_DEPTH {
            let at = self.tok_span(brace);
            self.error("E0313", "blocks are nested too deeply", at, "flatten the nested rules");
            if !self.skip_block() {
                self.error("E0303", "unclosed `{`", at, "add a matching `}`");
            }
            return;
        }
        let mark = self.out.len();
        if let Some(head) = &head {
            self.out.push_str(head);
            self.out.push('{');
        }
        self.contents(inner, false);
        if self.kind(self.pos) == Some(Kind::RBrace) {
            self.pos += 1;
        } else {
            let at = self.tok_span(brace);
            self.diags.push(
                Diagnostic::error("E0303", "unclosed `{`", at)
                    .with_label("this block is never closed")
                    .with_help("add a matching `}`"),
            );
        }
        if head.is_some() {
            self.out.push('}');
            if top {
                self.out.push('\n');
            }
        } else {
            self.out.truncate(mark);
        }
    }

    fn declaration_or_rule(&mut self, ctx: Ctx) {
        let start = self.pos;
        let custom = self.kind(start) == Some(Kind::Ident)
            && self.text(start).starts_with("--")
            && (start + 1..self.toks.len()).find(|&i| !self.is_trivia(i)).and_then(|i| self.kind(i)) == Some(Kind::Colon);
        let (s, e, stop) = if custom { self.scan_custom_property() } else { self.scan() };
        match stop {
            Stop::Brace => self.rule(s, e, stop, ctx, false),
            Stop::Semi => {
                self.declaration(s, e);
                self.pos += 1;
            }
            Stop::Close | Stop::Eof => self.declaration(s, e),
        }
    }

    fn declaration(&mut self, s: usize, e: usize) {
        let (s, e) = self.trim(s, e);
        if s >= e {
            return;
        }
        let colon = (s + 1..e).find(|&i| !self.is_trivia(i)).and_then(|i| self.kind(i));
        if self.toks[s].kind != Kind::Ident || colon != Some(Kind::Colon) {
            let at = self.span_of(s, e);
            self.diags.push(
                Diagnostic::warning("W0303", "invalid declaration; it is left out", at)
                    .with_help("a declaration is `property: value;`"),
            );
            return;
        }
        if let Some(text) = self.emit_range(s, e) {
            self.out.push_str(&text);
            self.out.push(';');
        }
    }

    fn at_rule(&mut self, ctx: Ctx, top: bool) {
        let keyword = self.pos;
        self.pos += 1;
        let name = &self.text(keyword)[1..];
        let kind = classify_at_rule(name);
        let (s, e, stop) = self.scan();
        let prelude = self.emit_range(s, e);
        let head = |prelude: String| {
            if prelude.is_empty() { format!("@{name}") } else { format!("@{name} {prelude}") }
        };
        let (ts, te) = self.trim(s, e);
        let whole = self.span_of(keyword, if ts < te { te } else { keyword + 1 });
        if kind == AtKind::Unknown {
            self.diags.push(
                Diagnostic::warning("W0301", format!("unknown at-rule `@{name}` is passed through unscoped"), whole)
                    .with_help("check the spelling; its contents are copied as they are"),
            );
        }
        if stop == Stop::Brace {
            let brace = self.pos;
            self.pos += 1;
            let mut head = prelude.map(head);
            if kind == AtKind::Statement {
                self.error("E0312", format!("`@{name}` takes no block"), whole, "end it with `;`");
                head = None;
            }
            if kind == AtKind::Keyframes && ts >= te {
                self.error("E0312", "`@keyframes` needs a name", whole, "write `@keyframes name { … }`");
                head = None;
            }
            let depth = ctx.depth + 1;
            let inner = match kind {
                AtKind::Group => Ctx { depth, ..ctx },
                AtKind::Keyframes => Ctx { decls: false, mode: Mode::Raw, nested: false, depth },
                AtKind::Descriptors | AtKind::Statement | AtKind::Unknown => {
                    Ctx { decls: true, mode: Mode::Raw, nested: true, depth }
                }
            };
            self.block(head, brace, inner, top);
            return;
        }
        if stop == Stop::Semi {
            self.pos += 1;
        }
        let statement_ok = match kind {
            AtKind::Statement | AtKind::Unknown => true,
            AtKind::Group => name.eq_ignore_ascii_case("layer"),
            AtKind::Keyframes | AtKind::Descriptors => false,
        };
        if !statement_ok {
            let message = format!("`@{name}` needs a `{{ … }}` block");
            self.error("E0312", message, whole, "add the block after the prelude");
            return;
        }
        if let Some(prelude) = prelude {
            self.out.push_str(&head(prelude));
            self.out.push(';');
            if top {
                self.out.push('\n');
            }
        }
    }

    /// Token `i` as output text: as written, or with the processed image its `url(…)` names.
    fn push_token(&self, out: &mut String, i: usize) {
        let text = self.text(i);
        let start = self.toks[i].start as usize;
        let replaced = if self.urls.is_empty() { None } else { url_value(self.src, &self.toks, i) }
            .and_then(|(s, e)| Some((s - start, e - start, self.urls.get(&self.src[s..e])?)));
        match replaced {
            Some((s, e, url)) => {
                out.push_str(&text[..s]);
                out.push_str(url);
                out.push_str(&text[e..]);
            }
            None => out.push_str(text),
        }
    }

    /// A rule prelude copied as it is (keyframe selectors, rules inside unknown at-rules).
    fn raw_prelude(&mut self, s: usize, e: usize, brace: usize) -> Option<String> {
        let text = self.emit_range(s, e)?;
        if text.is_empty() {
            let at = self.tok_span(brace);
            self.error("E0305", "expected a selector before `{`", at, "write a selector, or remove the block");
            return None;
        }
        Some(text)
    }

    /// The tokens `[s, e)` as output text: comments dropped, whitespace runs collapsed to one space,
    /// trimmed; strings and urls byte-exact. `None` (after reporting) when brackets do not balance
    /// or a token is broken, since copying it would break the rest of the output.
    fn emit_range(&mut self, s: usize, e: usize) -> Option<String> {
        let mut out = String::new();
        let mut open: Vec<usize> = Vec::new();
        let mut ok = true;
        let mut space = false;
        for i in s..e {
            let kind = self.toks[i].kind;
            match kind {
                Kind::Ws | Kind::Comment => {
                    space = true;
                    continue;
                }
                Kind::BadStr | Kind::BadUrl | Kind::Delim(b'\\') => ok = false,
                Kind::LParen | Kind::Function | Kind::LBracket | Kind::LBrace => open.push(i),
                Kind::RParen | Kind::RBracket | Kind::RBrace => {
                    let want = match kind {
                        Kind::RParen => [Kind::LParen, Kind::Function],
                        Kind::RBracket => [Kind::LBracket, Kind::LBracket],
                        _ => [Kind::LBrace, Kind::LBrace],
                    };
                    if open.last().is_some_and(|&o| want.contains(&self.toks[o].kind)) {
                        open.pop();
                    } else {
                        let at = self.tok_span(i);
                        let closer = self.text(i);
                        self.error("E0310", format!("unmatched `{closer}`"), at, "remove it, or add the opening bracket");
                        ok = false;
                    }
                }
                _ => {}
            }
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            self.push_token(&mut out, i);
        }
        for o in open {
            let at = self.tok_span(o);
            let closer = match self.toks[o].kind {
                Kind::LBracket => "]",
                Kind::LBrace => "}",
                _ => ")",
            };
            let opener = if self.toks[o].kind == Kind::Function { "(" } else { self.text(o) };
            self.error("E0310", format!("unclosed `{opener}`"), at, &format!("add a matching `{closer}`"));
            ok = false;
        }
        ok.then_some(out)
    }
}

// ---------------------------------------------------------------------------------------------------
// Selectors
// ---------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SelMode {
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

struct SelOut {
    text: String,
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
    fn selector_list(&mut self, s: usize, e: usize, anchor: usize, mode: SelMode, relative: bool, depth: u32) -> Option<SelOut> {
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

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use expect_test::{Expect, expect};
    use proptest::prelude::*;

    use super::*;
    use eghact_syntax::diagnostics::Severity;

    /// Output code, then one line per diagnostic: `error[E0000] 3..4 `text`: message`.
    fn render(source: &str, base: u32) -> String {
        let result = scope_css(source, base, "egh-x", &BTreeMap::new());
        let mut s = result.code;
        for d in &result.diagnostics {
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Hint => "hint",
            };
            let local = Span::new(d.span.start - base, d.span.end - base);
            let _ =
                writeln!(s, "{severity}[{}] {}..{} `{}`: {}", d.code, d.span.start, d.span.end, local.text(source), d.message);
        }
        s
    }

    fn check(source: &str, expect: Expect) {
        expect.assert_eq(&render(source, 0));
    }

    #[test]
    fn compounds_get_the_class_before_pseudos() {
        check(
            ".a .b > p:hover { color: red }\na::before, li:nth-child(2n + 1):not(.x)::after { content: '' }",
            expect![[r#"
                .a.egh-x .b.egh-x > p.egh-x:hover{color: red;}
                a.egh-x::before, li.egh-x:nth-child(2n + 1):not(.x)::after{content: '';}
            "#]],
        );
    }

    #[test]
    fn combinators_lists_ids_and_attributes() {
        check(
            "h1+h2 ~ p,#main>.x , button[type=\"submit\"], a[ href $= '.pdf' i ] { margin: 0 }",
            expect![[r#"
                h1.egh-x + h2.egh-x ~ p.egh-x, #main.egh-x > .x.egh-x, button[type="submit"].egh-x, a[ href $= '.pdf' i ].egh-x{margin: 0;}
            "#]],
        );
    }

    #[test]
    fn universal_becomes_the_class() {
        check(
            "* { box-sizing: border-box } *:hover {} .a > * {} *.b {} svg|* {}",
            expect![[r#"
                .egh-x{box-sizing: border-box;}
                .egh-x:hover{}
                .a.egh-x > .egh-x{}
                .b.egh-x{}
                svg|*.egh-x{}
            "#]],
        );
    }

    #[test]
    fn global_escapes_scoping() {
        check(
            ":global(body) { margin: 0 }
.wrap :global(.dialog) { top: 0 }
.wrap :global(.dialog) p { top: 0 }
:global(.a .b) > .c {}
div:global(.open) {}
.x:global(div) {}
:global(.a, .b) {}
.x :global(.a, .b) {}
:global(.a):hover {}
:not(:global(.a)) {}
:global(:global(.deep)) {}",
            expect![[r#"
                body{margin: 0;}
                .wrap.egh-x .dialog{top: 0;}
                .wrap.egh-x .dialog p.egh-x{top: 0;}
                .a .b > .c.egh-x{}
                div.open{}
                .x:is(div){}
                .a, .b{}
                .x.egh-x :is(.a, .b){}
                .a:hover{}
                .egh-x:not(.a){}
                .deep{}
            "#]],
        );
    }

    #[test]
    fn root_and_nesting_selector_are_not_scoped() {
        check(
            ":root { --accent: #f60; } :root .dark .x { color: var(--accent) }",
            expect![[r#"
                :root{--accent: #f60;}
                :root .dark.egh-x .x.egh-x{color: var(--accent);}
            "#]],
        );
    }

    #[test]
    fn native_nesting_is_scoped() {
        check(
            ".card { color: red; &:hover { color: blue } .title { font-weight: bold } > p { margin: 0 } @media (max-width: 600px) { padding: 0 } }",
            expect![[r#"
                .card.egh-x{color: red;&:hover{color: blue;}.title.egh-x{font-weight: bold;}> p.egh-x{margin: 0;}@media (max-width: 600px){padding: 0;}}
            "#]],
        );
    }

    #[test]
    fn conditional_group_rules_scope_their_rules() {
        check(
            "@media screen and (max-width: 600px) { .a { x: 1 } p { y: 2 } }
@supports (display: grid) { .g { display: grid } }
@container sidebar (min-width: 400px) { .c {} }
@layer base { h1 {} }
@layer base, theme;
@media print { @supports (x: y) { .deep {} } }",
            expect![[r#"
                @media screen and (max-width: 600px){.a.egh-x{x: 1;}p.egh-x{y: 2;}}
                @supports (display: grid){.g.egh-x{display: grid;}}
                @container sidebar (min-width: 400px){.c.egh-x{}}
                @layer base{h1.egh-x{}}
                @layer base, theme;
                @media print{@supports (x: y){.deep.egh-x{}}}
            "#]],
        );
    }

    #[test]
    fn keyframes_are_kept() {
        check(
            "@keyframes spin { from { transform: rotate(0deg) } 50.5% { opacity: .5 } to { transform: rotate(360deg) } }
@-webkit-keyframes fade { 0%, 100% { opacity: 0 } }
.x { animation: spin 1s linear infinite }",
            expect![[r#"
                @keyframes spin{from{transform: rotate(0deg);}50.5%{opacity: .5;}to{transform: rotate(360deg);}}
                @-webkit-keyframes fade{0%, 100%{opacity: 0;}}
                .x.egh-x{animation: spin 1s linear infinite;}
            "#]],
        );
    }

    #[test]
    fn other_at_rules_pass_through() {
        check(
            "@charset \"utf-8\";
@import url(\"theme.css\") screen;
@import 'a.css';
@font-face { font-family: 'My Font'; src: url(my-font.woff2) format('woff2') }
@page :first { margin: 1in; @top-center { content: \"Title\" } }",
            expect![[r#"
                @charset "utf-8";
                @import url("theme.css") screen;
                @import 'a.css';
                @font-face{font-family: 'My Font';src: url(my-font.woff2) format('woff2');}
                @page :first{margin: 1in;@top-center{content: "Title";}}
            "#]],
        );
    }

    #[test]
    fn strings_and_urls_are_byte_exact_and_comments_dropped() {
        check(
            "/* header */ .a /* c */ { content: 'it\\'s \"q\" \\41  {;}'; background: url(  data:image/png;base64,AA==  ) , url( \"x y.png\" );\n  font: 12px/1.5 \"A\"  ,  serif /* trailing */ ; }\n.b\\:c, .\\31 0 { x: y }",
            expect![[r#"
                .a.egh-x{content: 'it\'s "q" \41  {;}';background: url(  data:image/png;base64,AA==  ) , url( "x y.png" );font: 12px/1.5 "A" , serif;}
                .b\:c.egh-x, .\31 0.egh-x{x: y;}
            "#]],
        );
    }

    #[test]
    fn urls_are_read_with_their_spans_and_rewritten_in_place() {
        let source = ".a { background: url( ./a.png ) , URL(\"../b.png\"), url('./c\\.png'), url(x) } /* url(./d.png) */";
        let found: Vec<(String, &str)> = eghact_syntax::css::urls(source, 10)
            .into_iter()
            .map(|(u, sp)| (u, &source[sp.start as usize - 10..sp.end as usize - 10]))
            .collect();
        assert_eq!(found, [("./a.png".to_string(), "./a.png"), ("../b.png".to_string(), "../b.png"), ("x".to_string(), "x")],);
        let images = BTreeMap::from([
            ("./a.png".to_string(), "../assets/a-1-640.webp".to_string()),
            ("../b.png".to_string(), "../assets/b-2-640.webp".to_string()),
        ]);
        let scoped = scope_css(source, 0, "egh-x", &images);
        assert_eq!(
            scoped.code,
            ".a.egh-x{background: url( ../assets/a-1-640.webp ) , URL(\"../assets/b-2-640.webp\"), url('./c\\.png'), url(x);}\n"
        );
    }

    #[test]
    fn custom_properties_and_important() {
        check(
            ".a { --empty:; --json: { \"a\": [1, 2] }; color: red !important }",
            expect![[r#"
                .a.egh-x{--empty:;--json: { "a": [1, 2] };color: red !important;}
            "#]],
        );
    }

    #[test]
    fn html_and_body_warn() {
        check(
            "body { margin: 0 } :global(html) {}",
            expect![[r#"
                body.egh-x{margin: 0;}
                html{}
                warning[W0302] 0..4 `body`: `body` is outside the component, so this scoped selector matches nothing
            "#]],
        );
    }

    #[test]
    fn unknown_at_rules_warn_and_pass_through() {
        check(
            "@tailwind base; @foo bar { .a { b: c } }",
            expect![[r#"
                @tailwind base;
                @foo bar{.a{b: c;}}
                warning[W0301] 0..14 `@tailwind base`: unknown at-rule `@tailwind` is passed through unscoped
                warning[W0301] 16..24 `@foo bar`: unknown at-rule `@foo` is passed through unscoped
            "#]],
        );
    }

    #[test]
    fn invalid_declarations_are_dropped_with_a_warning() {
        check(
            ".a { color red; : x; color: blue }",
            expect![[r#"
                .a.egh-x{color: blue;}
                warning[W0303] 5..14 `color red`: invalid declaration; it is left out
                warning[W0303] 16..19 `: x`: invalid declaration; it is left out
            "#]],
        );
    }

    #[test]
    fn unterminated_comment() {
        check(
            ".a { color: red } /* never closed .b { }",
            expect![[r#"
                .a.egh-x{color: red;}
                error[E0301] 18..20 `/*`: unterminated comment
            "#]],
        );
    }

    #[test]
    fn unterminated_strings_lose_only_their_declaration() {
        check(
            ".a { content: 'oops; color: red }\n.b { color: blue }\n.c { content: \"eof",
            expect![[r#"
                .a.egh-x{color: red;}
                .b.egh-x{color: blue;}
                .c.egh-x{}
                error[E0302] 14..19 `'oops`: unterminated string
                error[E0303] 56..57 `{`: unclosed `{`
                error[E0302] 67..71 `"eof`: unterminated string
            "#]],
        );
    }

    #[test]
    fn unclosed_brace_closes_at_end() {
        check(
            ".a { color: red;\n.b { color: blue }\n",
            expect![[r#"
                .a.egh-x{color: red;.b.egh-x{color: blue;}}
                error[E0303] 3..4 `{`: unclosed `{`
            "#]],
        );
    }

    #[test]
    fn stray_closing_brace_keeps_the_rest() {
        check(
            ".a { color: red } }\n.b { color: blue }\n@media print { .c {} } }",
            expect![[r#"
                .a.egh-x{color: red;}
                .b.egh-x{color: blue;}
                @media print{.c.egh-x{}}
                error[E0304] 18..19 `}`: unexpected `}`
                error[E0304] 62..63 `}`: unexpected `}`
            "#]],
        );
    }

    #[test]
    fn empty_selectors() {
        check(
            "{ color: red } .a, { x: y } .b,, .c {} .ok {}",
            expect![[r#"
                .ok.egh-x{}
                error[E0305] 0..1 `{`: expected a selector before `{`
                error[E0305] 17..18 `,`: empty selector in a selector list
                error[E0305] 31..32 `,`: empty selector in a selector list
            "#]],
        );
    }

    #[test]
    fn bad_selectors_drop_their_rule_only() {
        check(
            "> .a {} .a > {} .a > > .b {} .a. {} [x]div {} a:: {} 12px {} [] {} .ok {}",
            expect![[r#"
                .ok.egh-x{}
                error[E0307] 0..1 `>`: a selector cannot start with the combinator `>`
                error[E0307] 11..12 `>`: a selector cannot end with the combinator `>`
                error[E0307] 21..22 `>`: unexpected combinator `>`
                error[E0306] 31..32 `.`: expected a class name after `.`
                error[E0306] 39..42 `div`: type selector `div` must come first in its compound selector
                error[E0306] 47..49 `::`: expected a pseudo-element name after `::`
                error[E0306] 53..57 `12px`: unexpected `12px` in selector
                error[E0306] 61..63 `[]`: empty attribute selector
            "#]],
        );
    }

    #[test]
    fn global_errors() {
        check(
            ".a :global .b {} :global() {} :global( ) {} .ok {}",
            expect![[r#"
                .ok.egh-x{}
                error[E0308] 3..10 `:global`: `:global` needs a selector in parentheses
                error[E0308] 17..26 `:global()`: empty `:global()`
                error[E0308] 30..40 `:global( )`: empty `:global()`
            "#]],
        );
    }

    #[test]
    fn unbalanced_brackets() {
        check(
            ".a { color: rgb(1, 2 } .b { width: calc(1px)) } [x=\"1\" {} :not(.a {} .ok { x: y }",
            expect![[r#"
                .a.egh-x{}
                .b.egh-x{}
                .ok.egh-x{x: y;}
                error[E0310] 12..16 `rgb(`: unclosed `(`
                error[E0310] 44..45 `)`: unmatched `)`
                error[E0310] 48..49 `[`: unclosed `[`
                error[E0310] 59..63 `not(`: unclosed `(`
            "#]],
        );
    }

    #[test]
    fn unterminated_url() {
        check(
            ".a { background: url(x.png }\n.b { color: red }",
            expect![[r#"
                .a.egh-x{}
                .b.egh-x{color: red;}
                error[E0309] 17..27 `url(x.png `: unterminated `url(`
            "#]],
        );
    }

    #[test]
    fn rules_without_blocks_and_stray_declarations() {
        check(
            "color: red; .a { x: y } .b }\n.c",
            expect![[r#"
                .a.egh-x{x: y;}
                error[E0311] 0..10 `color: red`: expected `{` after selector
                error[E0311] 24..26 `.b`: expected `{` after selector
                error[E0304] 27..28 `}`: unexpected `}`
                error[E0311] 29..31 `.c`: expected `{` after selector
            "#]],
        );
    }

    #[test]
    fn at_rules_missing_blocks() {
        check(
            "@media screen; @keyframes { from {} } @import 'a.css' { } @font-face; .ok {}",
            expect![[r#"
                .ok.egh-x{}
                error[E0312] 0..13 `@media screen`: `@media` needs a `{ … }` block
                error[E0312] 15..25 `@keyframes`: `@keyframes` needs a name
                error[E0312] 38..53 `@import 'a.css'`: `@import` takes no block
                error[E0312] 58..68 `@font-face`: `@font-face` needs a `{ … }` block
            "#]],
        );
    }

    #[test]
    fn stray_backslash() {
        check(
            ".a { b: c\\\n; d: e }",
            expect![[r#"
                .a.egh-x{d: e;}
                error[E0314] 9..10 `\`: stray `\`
            "#]],
        );
    }

    #[test]
    fn spans_are_offset_by_base() {
        expect![[r#"
            .a.egh-x{}
            error[E0304] 110..111 `}`: unexpected `}`
        "#]]
        .assert_eq(&render(".a {}\n\n   }", 100));
    }

    #[test]
    fn unicode_passes_through() {
        check(
            ".café::before { content: '→ ✓' } .😀 {}",
            expect![[r#"
                .café.egh-x::before{content: '→ ✓';}
                .😀.egh-x{}
            "#]],
        );
    }

    #[test]
    fn deep_nesting_neither_overflows_nor_hangs() {
        let braces = format!(".a {}{}", "{".repeat(100_000), "}".repeat(100_000));
        let result = scope_css(&braces, 0, "egh-x", &BTreeMap::new());
        assert!(result.diagnostics.iter().any(|d| d.code == "E0313"));
        let selectors = format!("{}.a{} {{}}", ":not(".repeat(50_000), ")".repeat(50_000));
        scope_css(&selectors, 0, "egh-x", &BTreeMap::new());
        let globals = format!("{}.a{} {{}}", ":global(".repeat(50_000), ")".repeat(50_000));
        let result = scope_css(&globals, 0, "egh-x", &BTreeMap::new());
        assert!(result.diagnostics.iter().any(|d| d.code == "E0313"));
        let unclosed = ".a { ".repeat(20_000);
        scope_css(&unclosed, 0, "egh-x", &BTreeMap::new());
    }

    #[test]
    fn empty_and_whitespace_input() {
        check("", expect![[""]]);
        check("  /* only a comment */\n ", expect![[""]]);
    }

    const VALID: &str = r#"@import url("theme.css");
:root { --accent: #f60; }
.wrap :global(.dialog) > p:hover, button[type="submit"]::after { content: 'a;b}'; background: url(x.png) }
@media (max-width: 600px) { .a .b { color: red } * { margin: 0 } }
@keyframes spin { from { opacity: 0 } 50% { opacity: .5 } to { opacity: 1 } }
@font-face { font-family: "F"; src: url(f.woff2) }
.card { &:hover { color: blue } .title { x: y } }
/* done */"#;

    fn check_invariants(source: &str, base: u32) -> Result<(), TestCaseError> {
        let result = scope_css(source, base, "egh-x", &BTreeMap::new());
        for d in &result.diagnostics {
            prop_assert!(d.span.start <= d.span.end, "{d:?}");
            prop_assert!(d.span.start >= base && d.span.end <= base + source.len() as u32, "{d:?}");
            let local = (d.span.start - base) as usize..(d.span.end - base) as usize;
            prop_assert!(source.get(local).is_some(), "span off a char boundary: {d:?}");
        }
        prop_assert_eq!(&result, &scope_css(source, base, "egh-x", &BTreeMap::new()), "not deterministic");
        // Whatever the input, the output is well-formed CSS.
        let again = scope_css(&result.code, 0, "egh-x", &BTreeMap::new());
        prop_assert!(
            again.diagnostics.iter().all(|d| !d.is_error()),
            "output has errors: {:?}\n{}",
            again.diagnostics,
            result.code
        );
        Ok(())
    }

    #[test]
    fn valid_stylesheet_has_no_diagnostics() {
        let result = scope_css(VALID, 0, "egh-x", &BTreeMap::new());
        assert_eq!(result.diagnostics, vec![]);
    }

    #[derive(Clone, Debug)]
    enum Edit {
        Delete(usize, usize),
        Insert(usize, char),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<usize>(), 1usize..6).prop_map(|(at, len)| Edit::Delete(at, len)),
            (any::<usize>(), prop::sample::select("{}()[];:,'\"/*\\@.#>+~&|*!%-_ \n0aé😀".chars().collect::<Vec<_>>()))
                .prop_map(|(at, c)| Edit::Insert(at, c)),
        ]
    }

    fn apply(source: &str, edits: &[Edit]) -> String {
        let mut s: Vec<char> = source.chars().collect();
        for e in edits {
            match *e {
                Edit::Delete(at, len) if !s.is_empty() => {
                    let at = at % s.len();
                    let end = (at + len).min(s.len());
                    s.drain(at..end);
                }
                Edit::Delete(..) => {}
                Edit::Insert(at, c) => {
                    let at = at % (s.len() + 1);
                    s.insert(at, c);
                }
            }
        }
        s.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn random_strings_never_panic(source in "\\PC{0,120}", base in 0u32..1000) {
            check_invariants(&source, base)?;
        }

        #[test]
        fn css_alphabet_strings_never_panic(
            source in "[a-z.#:(){};,'\"/*\\\\@>+~&|!%\\[\\]= \n0-9é-]{0,120}",
            base in 0u32..1000,
        ) {
            check_invariants(&source, base)?;
        }

        #[test]
        fn mutated_stylesheets_never_panic(edits in prop::collection::vec(edit(), 1..8), base in 0u32..1000) {
            check_invariants(&apply(VALID, &edits), base)?;
        }
    }
}
