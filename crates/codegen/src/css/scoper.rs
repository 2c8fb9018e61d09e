//! The scoper's state, shared by the walk over rules and the selector rewriting: the tokens and a
//! cursor over them, the output, the diagnostics and the scoped selectors found so far, with the
//! token helpers both use. Tokens are copied to the output only through `emit_range`, which keeps
//! strings and `url(…)` byte-exact (rewriting processed images' URLs) and never copies unbalanced
//! brackets, nor brackets nested deeper than `MAX_BRACKET_DEPTH` (Lightning CSS, which reads the
//! output, recurses once per level). Each emitted item leaves a [`Mark`]: where it starts in the
//! output and where it comes from in the file.

use std::collections::BTreeMap;

use eghact_syntax::css::{Kind, Tok, span, url_value};
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// Deepest nesting of brackets and functions copied to the output.
const MAX_BRACKET_DEPTH: usize = 32;

/// An item of the output (a rule's head, a declaration, an at-rule statement): its byte offset
/// in the output and the span of the file it was written from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Mark {
    pub(super) at: u32,
    pub(super) from: Span,
}

/// A complex selector the component's class was added to, by compound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedSelector {
    pub span: Span,
    /// Each compound's element name (lowercase) and classes.
    pub compounds: Vec<(Option<String>, Vec<String>)>,
}

/// A stylesheet being scoped: its tokens, the next one to read, and what was found so far.
pub(super) struct Scoper<'a> {
    pub(super) src: &'a str,
    pub(super) toks: Vec<Tok>,
    /// Next token to read.
    pub(super) pos: usize,
    pub(super) base: u32,
    pub(super) class: &'a str,
    pub(super) urls: &'a BTreeMap<String, String>,
    pub(super) out: String,
    /// Where each item of `out` comes from, in output order.
    pub(super) marks: Vec<Mark>,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) selectors: Vec<ScopedSelector>,
}

impl<'a> Scoper<'a> {
    pub(super) fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    pub(super) fn text(&self, i: usize) -> &'a str {
        let t = self.toks[i];
        &self.src[t.start as usize..t.end as usize]
    }

    /// Source text of the tokens `[s, e)`.
    pub(super) fn slice(&self, s: usize, e: usize) -> &'a str {
        &self.src[self.toks[s].start as usize..self.toks[e - 1].end as usize]
    }

    pub(super) fn is_trivia(&self, i: usize) -> bool {
        matches!(self.toks[i].kind, Kind::Ws | Kind::Comment)
    }

    /// The file span of the tokens `[s, e)` (`e > s`).
    pub(super) fn span_of(&self, s: usize, e: usize) -> Span {
        span(self.base, self.toks[s].start as usize, self.toks[e - 1].end as usize)
    }

    pub(super) fn tok_span(&self, i: usize) -> Span {
        self.span_of(i, i + 1)
    }

    /// `[s, e)` without leading and trailing whitespace and comments.
    pub(super) fn trim(&self, mut s: usize, mut e: usize) -> (usize, usize) {
        while s < e && self.is_trivia(s) {
            s += 1;
        }
        while e > s && self.is_trivia(e - 1) {
            e -= 1;
        }
        (s, e)
    }

    /// Records that the output from here on is the item written at the tokens `[s, e)`.
    pub(super) fn mark(&mut self, s: usize, e: usize) {
        let from = self.span_of(s, e);
        self.marks.push(Mark { at: self.out.len() as u32, from });
    }

    pub(super) fn error(&mut self, code: &'static str, message: impl Into<String>, span: Span, help: &str) {
        self.diags.push(Diagnostic::error(code, message, span).with_help(help));
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

    /// The tokens `[s, e)` as output text: comments dropped, whitespace runs collapsed to one space,
    /// trimmed; strings and urls byte-exact. `None` (after reporting) when brackets do not balance
    /// or a token is broken, since copying it would break the rest of the output.
    pub(super) fn emit_range(&mut self, s: usize, e: usize) -> Option<String> {
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
                Kind::LParen | Kind::Function | Kind::LBracket | Kind::LBrace => {
                    open.push(i);
                    if open.len() > MAX_BRACKET_DEPTH {
                        let at = self.tok_span(i);
                        self.error("E0313", "brackets are nested too deeply", at, "simplify the value or selector");
                        return None;
                    }
                }
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
