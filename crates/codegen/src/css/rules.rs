//! How the scoper walks a stylesheet: rules, at-rules (classified by name), blocks and
//! declarations. Style rules' preludes go to `selectors`; everything else is copied through
//! `emit_range`. Recovery is item by item: an item with an error is reported and left out, and
//! blocks nested deeper than `MAX_BLOCK_DEPTH` are skipped (no recursion without bound).

use eghact_syntax::css::Kind;
use eghact_syntax::diagnostics::Diagnostic;

use super::scoper::Scoper;
use super::selectors::SelMode;

/// Deepest block nesting handled; deeper blocks are reported and skipped (no stack overflow).
const MAX_BLOCK_DEPTH: u32 = 48;

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

impl Scoper<'_> {
    /// The whole stylesheet.
    pub(super) fn stylesheet(&mut self) {
        self.contents(Ctx::TOP, true);
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
        let (ts, te) = self.trim(s, e);
        self.block(head, (ts, te.max(ts + 1)), brace, inner, top);
    }

    /// The body of a block whose `{` (token `brace`) was consumed; emitted after `head` (written at
    /// the tokens `origin`) when that is `Some`, parsed for diagnostics and dropped otherwise.
    fn block(&mut self, head: Option<String>, origin: (usize, usize), brace: usize, inner: Ctx, top: bool) {
        if inner.depth > MAX_BLOCK_DEPTH {
            let at = self.tok_span(brace);
            self.error("E0313", "blocks are nested too deeply", at, "flatten the nested rules");
            if !self.skip_block() {
                self.error("E0303", "unclosed `{`", at, "add a matching `}`");
            }
            return;
        }
        let (mark, marks) = (self.out.len(), self.marks.len());
        if let Some(head) = &head {
            self.mark(origin.0, origin.1);
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
            self.marks.truncate(marks);
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
            self.mark(s, e);
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
            self.block(head, (keyword, if ts < te { te } else { keyword + 1 }), brace, inner, top);
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
            self.mark(keyword, if ts < te { te } else { keyword + 1 });
            self.out.push_str(&head(prelude));
            self.out.push(';');
            if top {
                self.out.push('\n');
            }
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
}
