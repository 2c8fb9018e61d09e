//! The CSS tokenizer (CSS Syntax 3, simplified) that the style scoper and the image references
//! read: tokens keep byte-exact spans, so strings and `url(…)` are copied as written. Problems
//! found while tokenizing (an unterminated string, a bad `url(`, a stray `\`) are reported once,
//! here; the tokens that carry them are marked bad.

use crate::diagnostics::{Diagnostic, Span};

/// Every `url(…)` of the CSS `source` with a value that can be read without unescaping, and the
/// value's span in the `.egh` file (`base` is the offset of `source`). Errors are left to
/// the scoper (`eghact_codegen::css`).
pub fn urls(source: &str, base: u32) -> Vec<(String, Span)> {
    let toks = tokenize(source, base, &mut Vec::new());
    (0..toks.len())
        .filter_map(|i| url_value(source, &toks, i))
        .map(|(s, e)| (source[s..e].to_string(), span(base, s, e)))
        .collect()
}

/// The byte range of the URL in token `i`: the inside of an unquoted `url(…)`, trimmed, or of the
/// string right after a `url(` function. A URL with escapes is not read (it stays as written).
pub fn url_value(src: &str, toks: &[Tok], i: usize) -> Option<(usize, usize)> {
    let tok = toks[i];
    let (start, end) = (tok.start as usize, tok.end as usize);
    let (s, e) = match tok.kind {
        Kind::Url => {
            // `url(` is four ASCII bytes and the token ends with `)`.
            let inner = src.get(start + 4..end - 1)?;
            let s = start + 4 + (inner.len() - inner.trim_start_matches(|c: char| is_ws(c as u8)).len());
            (s, start + 4 + inner.trim_end_matches(|c: char| is_ws(c as u8)).len())
        }
        Kind::Str => {
            let before = toks[..i].iter().rev().find(|t| t.kind != Kind::Ws)?;
            let function = &src[before.start as usize..before.end as usize];
            if before.kind != Kind::Function || !function.eq_ignore_ascii_case("url(") || end - start < 2 {
                return None;
            }
            (start + 1, end - 1)
        }
        _ => return None,
    };
    (s < e && !src[s..e].contains('\\')).then_some((s, e))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ws,
    Comment,
    Ident,
    /// `name(`; the closing `)` is a separate [`Kind::RParen`].
    Function,
    AtKeyword,
    Hash,
    Str,
    /// A string cut short by a line break or the end of input (already reported).
    BadStr,
    /// An unquoted `url(…)`, parentheses included.
    Url,
    /// An unquoted `url(` without its `)` (already reported).
    BadUrl,
    /// Number, percentage or dimension.
    Number,
    /// One ASCII character that is no other token. A `\` delim is always an error (already reported).
    Delim(u8),
    Colon,
    Semi,
    Comma,
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
}

#[derive(Clone, Copy, Debug)]
pub struct Tok {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
}

fn is_newline(c: u8) -> bool {
    matches!(c, b'\n' | b'\r' | 0x0C)
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_name(c: u8) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == b'-'
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// `\` at `i` starts an escape (not followed by a line break or the end of input).
fn valid_escape(b: &[u8], i: usize) -> bool {
    b.get(i) == Some(&b'\\') && b.get(i + 1).is_some_and(|&c| !is_newline(c))
}

/// Consumes the escape that starts at `i` (a valid escape); returns the index after it.
fn consume_escape(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    if b[j].is_ascii_hexdigit() {
        let stop = (j + 6).min(b.len());
        while j < stop && b[j].is_ascii_hexdigit() {
            j += 1;
        }
        if b.get(j) == Some(&b'\r') && b.get(j + 1) == Some(&b'\n') {
            j += 2;
        } else if b.get(j).is_some_and(|&c| is_ws(c)) {
            j += 1;
        }
        j
    } else {
        (j + utf8_len(b[j])).min(b.len())
    }
}

fn starts_ident(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        Some(b'-') => b.get(i + 1).is_some_and(|&c| is_name_start(c) || c == b'-') || valid_escape(b, i + 1),
        Some(&c) if is_name_start(c) => true,
        Some(b'\\') => valid_escape(b, i),
        _ => false,
    }
}

fn starts_number(b: &[u8], i: usize) -> bool {
    let digit = |k: usize| b.get(k).is_some_and(|c| c.is_ascii_digit());
    match b.get(i) {
        Some(b'+' | b'-') => digit(i + 1) || (b.get(i + 1) == Some(&b'.') && digit(i + 2)),
        Some(b'.') => digit(i + 1),
        Some(c) => c.is_ascii_digit(),
        None => false,
    }
}

fn consume_name(b: &[u8], mut i: usize) -> usize {
    loop {
        if i < b.len() && is_name(b[i]) {
            i += 1;
        } else if valid_escape(b, i) {
            i = consume_escape(b, i);
        } else {
            return i;
        }
    }
}

fn consume_number(b: &[u8], mut i: usize) -> usize {
    let digits = |mut k: usize| {
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        k
    };
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    i = digits(i);
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
        i = digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if b.get(i + 1 + sign).is_some_and(|c| c.is_ascii_digit()) {
            i = digits(i + 1 + sign);
        }
    }
    if starts_ident(b, i) {
        consume_name(b, i)
    } else if b.get(i) == Some(&b'%') {
        i + 1
    } else {
        i
    }
}

/// Where an unterminated string that starts at `quote` and runs to `end` (a line break or the end
/// of input) is cut: before its first `;` or `}`, if any. This departs from CSS tokenization, which
/// would swallow them, so that a missing quote costs one declaration, not the rest of the rule.
fn cut_bad_string(b: &[u8], quote: usize, end: usize) -> usize {
    b[quote + 1..end].iter().position(|&c| c == b';' || c == b'}').map_or(end, |p| quote + 1 + p)
}

pub fn span(base: u32, start: usize, end: usize) -> Span {
    Span::new(base.saturating_add(start as u32), base.saturating_add(end as u32))
}

pub fn tokenize(src: &str, base: u32, diags: &mut Vec<Diagnostic>) -> Vec<Tok> {
    let b = src.as_bytes();
    let n = b.len();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < n {
        let start = i;
        let c = b[i];
        let kind = match c {
            _ if is_ws(c) => {
                while i < n && is_ws(b[i]) {
                    i += 1;
                }
                Kind::Ws
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match src[i + 2..].find("*/") {
                    Some(p) => i += 2 + p + 2,
                    None => {
                        diags.push(
                            Diagnostic::error("E0301", "unterminated comment", span(base, i, i + 2))
                                .with_label("comment starts here")
                                .with_help("close the comment with `*/`"),
                        );
                        i = n;
                    }
                }
                Kind::Comment
            }
            b'"' | b'\'' => {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => {
                            j = cut_bad_string(b, i, j);
                            diags.push(
                                Diagnostic::error("E0302", "unterminated string", span(base, i, j))
                                    .with_help(format!("close the string with `{}`", c as char)),
                            );
                            break Kind::BadStr;
                        }
                        Some(&q) if q == c => {
                            j += 1;
                            break Kind::Str;
                        }
                        Some(&q) if is_newline(q) => {
                            j = cut_bad_string(b, i, j);
                            diags.push(
                                Diagnostic::error("E0302", "unterminated string", span(base, i, j))
                                    .with_label("the line ends before the string is closed")
                                    .with_help(format!(
                                        "close the string with `{}`, or escape the line break with `\\`",
                                        c as char
                                    )),
                            );
                            break Kind::BadStr;
                        }
                        Some(b'\\') => match b.get(j + 1) {
                            None => j += 1,
                            Some(b'\r') if b.get(j + 2) == Some(&b'\n') => j += 3,
                            Some(&q) if is_newline(q) => j += 2,
                            Some(_) => j = consume_escape(b, j),
                        },
                        Some(_) => j += 1,
                    }
                }
                .tap(|_| i = j)
            }
            b'#' if b.get(i + 1).is_some_and(|&c| is_name(c)) || valid_escape(b, i + 1) => {
                i = consume_name(b, i + 1);
                Kind::Hash
            }
            b'@' if starts_ident(b, i + 1) => {
                i = consume_name(b, i + 1);
                Kind::AtKeyword
            }
            _ if starts_number(b, i) => {
                i = consume_number(b, i);
                Kind::Number
            }
            _ if starts_ident(b, i) => {
                i = consume_name(b, i);
                if b.get(i) != Some(&b'(') {
                    Kind::Ident
                } else if !src[start..i].eq_ignore_ascii_case("url") {
                    i += 1;
                    Kind::Function
                } else {
                    let mut j = i + 1;
                    while j < n && is_ws(b[j]) {
                        j += 1;
                    }
                    if matches!(b.get(j), Some(b'"' | b'\'')) {
                        i += 1;
                        Kind::Function
                    } else {
                        // An unquoted url: everything up to `)`. A line break or `}` before it ends
                        // the token early, so that the rest of the stylesheet survives.
                        let mut j = i + 1;
                        loop {
                            match b.get(j) {
                                Some(b')') => {
                                    j += 1;
                                    break Kind::Url;
                                }
                                None | Some(b'\n' | b'\r' | 0x0C | b'}') => {
                                    diags.push(
                                        Diagnostic::error("E0309", "unterminated `url(`", span(base, start, j))
                                            .with_help("close it with `)`"),
                                    );
                                    break Kind::BadUrl;
                                }
                                Some(_) if valid_escape(b, j) => j = consume_escape(b, j),
                                Some(_) => j += 1,
                            }
                        }
                        .tap(|_| i = j)
                    }
                }
            }
            _ => {
                // Everything from here on is ASCII: non-ASCII bytes start identifiers.
                i += 1;
                match c {
                    b':' => Kind::Colon,
                    b';' => Kind::Semi,
                    b',' => Kind::Comma,
                    b'{' => Kind::LBrace,
                    b'}' => Kind::RBrace,
                    b'(' => Kind::LParen,
                    b')' => Kind::RParen,
                    b'[' => Kind::LBracket,
                    b']' => Kind::RBracket,
                    b'\\' => {
                        diags.push(
                            Diagnostic::error("E0314", "stray `\\`", span(base, start, i))
                                .with_label("a backslash must escape a character on the same line")
                                .with_help("remove it, or escape it as `\\\\`"),
                        );
                        Kind::Delim(c)
                    }
                    _ => Kind::Delim(c),
                }
            }
        };
        toks.push(Tok { kind, start: start as u32, end: i as u32 });
    }
    toks
}

/// `value.tap(f)`: runs `f` for its side effect and returns `value` (keeps the tokenizer's match arms
/// expression-shaped).
trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&Self)) -> Self {
        f(&self);
        self
    }
}

impl<T> Tap for T {}
