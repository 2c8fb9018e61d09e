//! A linear pre-check of how deeply a piece of JavaScript or TypeScript nests, run on the
//! script and on every template expression before anything hands it to oxc, whose parser,
//! semantic analysis, transformer and printer recurse once per level of nesting (and so do
//! our own visitors of its trees).
//!
//! The count is an upper bound of that recursion, in levels: open brackets (`(`, `[`, `{`,
//! `${`), plus, inside each bracket, the operators and keywords met since the last place
//! where a statement or a list item certainly ended (`;` not followed by `else`, `,`, a
//! new statement after a complete one). Left-associative chains (`a + b + c`, `a.b.c`,
//! `f()()`) count too: oxc's parser loops over them, but they make trees as deep as they
//! are long. Strings, comments, template literals and regular expressions are skipped.
//!
//! Invariant: a piece that passes ([`MAX_NESTING`]) needs at most [`crate::stack::REQUIRED`]
//! of stack in any stage, and this scan itself uses constant stack.

/// The deepest nesting a piece of JavaScript may have. Real code stays far below it (a long
/// string concatenation of a few hundred terms is the deepest we have seen).
pub const MAX_NESTING: usize = 1000;

/// Where a piece of code first nests deeper than [`MAX_NESTING`], as a byte offset in it.
pub fn too_deep(text: &str) -> Option<usize> {
    Scan::default().run(text.as_bytes())
}

#[derive(Default)]
struct Frame {
    /// The byte that closes this frame; `0` for the outermost one.
    closer: u8,
    /// A `${` of a template literal: closing it resumes the literal.
    template: bool,
    /// The `(` after `if`, `while`, `for` or `with`: what follows its `)` is a body.
    head: bool,
    /// Operators and keywords counted since the last certain end of a statement or item.
    pending: usize,
    /// `<` not yet closed by `>` (type arguments; comparisons until the frame ends).
    angles: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of the piece, an operator, an opening bracket or a keyword: an operand comes next.
    Operator,
    /// An identifier, a literal or a closing bracket: an operand ended here.
    Operand,
    /// The `)` of an `if (…)`-like head: a body follows.
    Head,
}

/// Keywords after which an operand continues the same construct (binary and prefix operators,
/// statement heads whose bodies nest).
const NESTING_KEYWORDS: &[&[u8]] = &[
    b"typeof",
    b"void",
    b"delete",
    b"await",
    b"new",
    b"yield",
    b"if",
    b"else",
    b"while",
    b"for",
    b"with",
    b"do",
    b"in",
    b"instanceof",
    b"of",
    b"as",
    b"satisfies",
    b"extends",
    b"implements",
    b"is",
    b"keyof",
    b"readonly",
    b"unique",
    b"infer",
];
/// Of those, the ones that continue an expression or statement after an operand.
const CONTINUING_KEYWORDS: &[&[u8]] = &[
    b"else",
    b"in",
    b"instanceof",
    b"of",
    b"as",
    b"satisfies",
    b"extends",
    b"implements",
    b"is",
    b"while",
    b"catch",
    b"finally",
];
/// Keywords that are followed by an operand without being operands themselves.
const LEADING_KEYWORDS: &[&[u8]] = &[
    b"return",
    b"throw",
    b"case",
    b"let",
    b"const",
    b"var",
    b"function",
    b"class",
    b"import",
    b"export",
    b"default",
    b"switch",
    b"try",
    b"catch",
    b"finally",
];

struct Scan {
    frames: Vec<Frame>,
    /// Frames plus the pending counts of every frame.
    total: usize,
    prev: Prev,
    /// A `;` was seen: the next token resets the frame unless it is `else`.
    semicolon: bool,
}

impl Default for Scan {
    fn default() -> Self {
        Self { frames: vec![Frame::default()], total: 1, prev: Prev::Operator, semicolon: false }
    }
}

impl Scan {
    fn top(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("the outermost frame is never popped")
    }

    fn count(&mut self) {
        self.top().pending += 1;
        self.total += 1;
    }

    fn reset(&mut self) {
        let frame = self.top();
        let pending = std::mem::take(&mut frame.pending);
        frame.angles = 0;
        self.total -= pending;
    }

    fn push(&mut self, closer: u8, template: bool, head: bool) {
        self.frames.push(Frame { closer, template, head, pending: 0, angles: 0 });
        self.total += 1;
    }

    /// Before a token: settles a `;` (kept open for `else`) and, for an operand or a
    /// statement keyword right after a complete operand, the end of a statement (ASI).
    fn before_token(&mut self, word: Option<&[u8]>, starts_operand: bool) {
        let continuing = word.is_some_and(|w| CONTINUING_KEYWORDS.contains(&w));
        if std::mem::take(&mut self.semicolon) && word != Some(b"else") {
            self.reset();
        } else if starts_operand && !continuing && self.prev == Prev::Operand {
            self.reset();
        }
    }

    fn run(mut self, src: &[u8]) -> Option<usize> {
        let mut i = 0;
        let mut after_head_keyword = false;
        while i < src.len() {
            let byte = src[i];
            let start = i;
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    i += 1;
                    continue;
                }
                b'/' if src.get(i + 1) == Some(&b'/') => {
                    i = src[i..].iter().position(|&b| b == b'\n').map_or(src.len(), |p| i + p);
                    continue;
                }
                b'/' if src.get(i + 1) == Some(&b'*') => {
                    i = find(src, i + 2, b"*/").map_or(src.len(), |p| p + 2);
                    continue;
                }
                b'/' if self.prev != Prev::Operand => match regex_end(src, i + 1) {
                    Some(end) => {
                        self.before_token(None, true);
                        self.prev = Prev::Operand;
                        i = end;
                    }
                    None => {
                        self.before_token(None, false);
                        self.count();
                        self.prev = Prev::Operator;
                        i += 1;
                    }
                },
                b'"' | b'\'' => {
                    self.before_token(None, true);
                    i = string_end(src, i + 1, byte);
                    self.prev = Prev::Operand;
                }
                b'`' => {
                    self.before_token(None, true);
                    i = self.template(src, i + 1);
                }
                b'(' | b'[' | b'{' => {
                    self.before_token(None, false);
                    if self.prev == Prev::Operand {
                        self.count();
                    }
                    let closer = match byte {
                        b'(' => b')',
                        b'[' => b']',
                        _ => b'}',
                    };
                    self.push(closer, false, byte == b'(' && after_head_keyword);
                    self.prev = Prev::Operator;
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    self.semicolon = false;
                    i += 1;
                    // An unmatched closer is a syntax error the parser reports; it opens nothing.
                    if let Some(at) = self.frames.iter().rposition(|f| f.closer == byte) {
                        let mut head = false;
                        let mut template = false;
                        while self.frames.len() > at {
                            let frame = self.frames.pop().expect("above the matched frame");
                            self.total -= 1 + frame.pending;
                            (head, template) = (frame.head, frame.template);
                        }
                        if template {
                            i = self.template(src, i);
                        } else {
                            self.prev = if head { Prev::Head } else { Prev::Operand };
                        }
                    }
                }
                b';' => {
                    self.before_token(None, false);
                    self.top().angles = 0;
                    self.semicolon = true;
                    self.prev = Prev::Operator;
                    i += 1;
                }
                b',' => {
                    self.before_token(None, false);
                    if self.top().angles == 0 {
                        self.reset();
                    }
                    self.prev = Prev::Operator;
                    i += 1;
                }
                b'<' => {
                    self.before_token(None, false);
                    self.count();
                    if src.get(i + 1) != Some(&b'<') && src.get(i + 1) != Some(&b'=') {
                        self.top().angles += 1;
                    }
                    self.prev = Prev::Operator;
                    i += 1;
                    while i < src.len() && matches!(src[i], b'<' | b'=') {
                        i += 1;
                    }
                }
                b'>' => {
                    self.before_token(None, false);
                    i += 1;
                    if self.top().angles > 0 {
                        self.top().angles -= 1;
                        self.prev = Prev::Operand;
                    } else {
                        self.count();
                        self.prev = Prev::Operator;
                        while i < src.len() && matches!(src[i], b'>' | b'=') {
                            i += 1;
                        }
                    }
                }
                b'+' | b'-' if self.prev == Prev::Operand && src.get(i + 1) == Some(&byte) => {
                    // Postfix `++`/`--`: the operand goes on.
                    self.before_token(None, false);
                    i += 2;
                }
                b'!' | b'~' | b'+' | b'-' | b'*' | b'%' | b'&' | b'|' | b'^' | b'?' | b':' | b'=' | b'@' | b'.' | b'/' => {
                    self.before_token(None, false);
                    self.count();
                    self.prev = Prev::Operator;
                    i += 1;
                    // The rest of a multi-character operator (`===`, `&&=`, `**`, `?.`, `...`);
                    // `!` and `~` repeat as operators of their own.
                    if !matches!(byte, b'!' | b'~') {
                        while i < src.len() && (src[i] == byte || src[i] == b'=') && !(byte == b'=' && src[i] == b'>') {
                            i += 1;
                        }
                    }
                }
                _ => {
                    let end = src[i..].iter().position(|&b| !is_word_byte(b)).map_or(src.len(), |p| i + p).max(i + 1);
                    let word = &src[i..end];
                    i = end;
                    if NESTING_KEYWORDS.contains(&word) {
                        self.before_token(Some(word), true);
                        self.count();
                        self.prev = Prev::Operator;
                    } else if LEADING_KEYWORDS.contains(&word) {
                        self.before_token(Some(word), true);
                        self.prev = Prev::Operator;
                    } else {
                        self.before_token(Some(word), true);
                        self.prev = Prev::Operand;
                    }
                    // `for await (` keeps the head.
                    after_head_keyword =
                        matches!(word, b"if" | b"while" | b"for" | b"with") || (word == b"await" && after_head_keyword);
                    if self.total > MAX_NESTING {
                        return Some(start);
                    }
                    continue;
                }
            }
            after_head_keyword = false;
            if self.total > MAX_NESTING {
                return Some(start);
            }
        }
        None
    }

    /// Scans a template literal's text from `from` up to its end (returning the offset after
    /// the backtick) or a `${` (pushing its frame and returning the offset after it).
    fn template(&mut self, src: &[u8], from: usize) -> usize {
        let mut i = from;
        while i < src.len() {
            match src[i] {
                b'\\' => i += 2,
                b'`' => {
                    self.prev = Prev::Operand;
                    return i + 1;
                }
                b'$' if src.get(i + 1) == Some(&b'{') => {
                    self.push(b'}', true, false);
                    self.prev = Prev::Operator;
                    return i + 2;
                }
                _ => i += 1,
            }
        }
        self.prev = Prev::Operand;
        src.len()
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'$' | b'#' | b'\\') || byte >= 0x80
}

/// Offset after a string's closing quote (or the line end when it has none).
fn string_end(src: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i < src.len() {
        match src[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    src.len()
}

/// Offset after a regular expression's closing `/` and flags, when one closes on this line;
/// otherwise the `/` was a division.
fn regex_end(src: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut class = false;
    while i < src.len() {
        match src[i] {
            b'\\' => i += 1,
            b'\n' | b'\r' => return None,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                let flags = src[i + 1..].iter().position(|&b| !b.is_ascii_alphabetic()).unwrap_or(src.len() - i - 1);
                return Some(i + 1 + flags);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn find(src: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    src.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str) -> bool {
        too_deep(text).is_none()
    }

    #[test]
    fn deep_inputs_are_refused_where_they_get_too_deep() {
        let deep = [
            format!("{}a{}", "(".repeat(2000), ")".repeat(2000)),
            format!("{}a{}", "[".repeat(2000), "]".repeat(2000)),
            format!("a{}", "+a".repeat(2000)),
            format!("{}a", "!".repeat(2000)),
            format!("let x: {}number{} = 1", "A<".repeat(2000), ">".repeat(2000)),
            format!("{}a{}", "`${".repeat(2000), "}`".repeat(2000)),
            format!("{} x", "if (a) ".repeat(2000)),
            format!("if (a) x; {}", "else if (a) x; ".repeat(2000)),
            format!("let x: {}number{} = 1", "A<x, ".repeat(2000), ">".repeat(2000)),
            format!("a{}", ".b".repeat(2000)),
            format!("f{}", "()".repeat(2000)),
            format!("x = {}", "a = ".repeat(2000)),
            format!("{}x{}", "{ if (x) /\\}/.test(y); ".repeat(1000), "}".repeat(1000)),
        ];
        for text in deep {
            let at = too_deep(&text);
            assert!(at.is_some_and(|at| at < text.len()), "{}", &text[..40]);
        }
    }

    #[test]
    fn long_but_flat_code_passes() {
        let flat = [
            "let a = 1;\n".repeat(5000),
            "let a = 1\nfoo(a)\nif (a) { b() } else { c() }\n".repeat(2000),
            "function f(a, b) { return a < b && b > a; }\n".repeat(2000),
            format!("const list = [{}];", "[1, 2], ".repeat(5000)),
            format!("const re = /[(]+/g; {}", "x = a ? b : c;\n".repeat(2000)),
            "export let a = `${b} and ${`${c}`}`;\n".repeat(2000),
            "class A { get x() { return 1 } set x(v) {} }\n".repeat(1000),
        ];
        for text in flat {
            assert!(depth_ok(&text), "{}", &text[..40]);
        }
    }
}
