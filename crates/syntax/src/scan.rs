//! Byte-level scanning shared by the block and template parsers: finding where an embedded
//! JavaScript expression ends without parsing it (balanced brackets, strings, template
//! literals and comments are skipped), so that `>` or `}` inside `{…}` never ends a tag.

/// Returns the offset of the `}` that closes an expression starting at `from`, or `None`
/// when the input ends first. Brackets inside strings, template literals and comments do
/// not count.
pub fn expression_end(src: &[u8], from: usize) -> Option<usize> {
    code_end(src, from, Context::Code(0))
}

/// Where a scan is: in code (with its bracket depth) or in a template literal's text.
#[derive(Clone, Copy)]
enum Context {
    Code(usize),
    Template,
}

/// Scans from `from` in `context` to the `}` that ends the code (or the backtick that ends
/// the template literal). Nested template literals and their `${…}` go on a stack, not into
/// recursion, so no nesting overflows the stack.
fn code_end(src: &[u8], from: usize, context: Context) -> Option<usize> {
    let mut outer: Vec<Context> = Vec::new();
    let mut context = context;
    let mut i = from;
    while i < src.len() {
        match (context, src[i]) {
            (Context::Template, b'\\') => i += 1,
            (Context::Template, b'`') | (Context::Code(0), b'}') => match outer.pop() {
                Some(enclosing) => context = enclosing,
                None => return Some(i),
            },
            (Context::Template, b'$') if src.get(i + 1) == Some(&b'{') => {
                outer.push(Context::Template);
                context = Context::Code(0);
                i += 1;
            }
            (Context::Template, _) => {}
            (Context::Code(depth), b'{' | b'(' | b'[') => context = Context::Code(depth + 1),
            (Context::Code(depth), b')' | b']' | b'}') => context = Context::Code(depth.saturating_sub(1)),
            (Context::Code(_), quote @ (b'"' | b'\'')) => i = string_end(src, i + 1, quote)?,
            (Context::Code(_), b'`') => {
                outer.push(context);
                context = Context::Template;
            }
            (Context::Code(_), b'/') if src.get(i + 1) == Some(&b'/') => {
                i = src[i..].iter().position(|&b| b == b'\n').map_or(src.len(), |p| i + p);
                continue;
            }
            (Context::Code(_), b'/') if src.get(i + 1) == Some(&b'*') => {
                i = find(src, i + 2, b"*/")? + 1;
            }
            (Context::Code(_), _) => {}
        }
        i += 1;
    }
    None
}

/// Offset of the bracket that closes the one at `open` (`(`, `[` or `{`), skipping strings.
pub fn bracket_end(src: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < src.len() {
        match src[i] {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            quote @ (b'"' | b'\'') => i = string_end(src, i + 1, quote)?,
            b'`' => i = template_literal_end(src, i + 1)?,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Offset of the closing quote of a string whose body starts at `from`.
fn string_end(src: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut i = from;
    while i < src.len() {
        match src[i] {
            b'\\' => i += 1,
            b'\n' => return None,
            b if b == quote => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Offset of the closing backtick of a template literal whose body starts at `from`.
fn template_literal_end(src: &[u8], from: usize) -> Option<usize> {
    code_end(src, from, Context::Template)
}

/// Position of `needle` at or after `from`.
pub fn find(src: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > src.len() {
        return None;
    }
    src[from..].windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

/// Position of `needle` (ASCII, compared case-insensitively) at or after `from`.
pub fn find_ignore_case(src: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > src.len() {
        return None;
    }
    src[from..].windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle)).map(|p| from + p)
}

/// Splits `text` at the first occurrence of the keyword `word` that stands alone (surrounded
/// by whitespace) outside brackets and strings; returns the offsets of the keyword.
pub fn find_keyword(text: &[u8], word: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            quote @ (b'"' | b'\'') => i = string_end(text, i + 1, quote)?,
            b'`' => i = template_literal_end(text, i + 1)?,
            _ if depth == 0
                && text[i..].starts_with(word)
                && i > 0
                && text[i - 1].is_ascii_whitespace()
                && text.get(i + word.len()).is_none_or(|b| b.is_ascii_whitespace()) =>
            {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// `a` or `a.b.c`: a handler reference in a quoted event value.
pub fn is_member_path(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(is_identifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_end_skips_nested_and_quoted_braces() {
        let src = b"fmt(when, { month: '}' }) + `${a}}`} rest";
        let end = expression_end(src, 0).unwrap();
        assert_eq!(&src[..end], b"fmt(when, { month: '}' }) + `${a}}`");
    }

    #[test]
    fn expression_end_reports_unclosed() {
        assert_eq!(expression_end(b"a + (b", 0), None);
        assert_eq!(expression_end(b"'abc", 0), None);
    }

    #[test]
    fn deeply_nested_template_literals_scan_without_recursion() {
        let depth = 100_000;
        let src = format!("{}a{}}} rest", "`${".repeat(depth), "}`".repeat(depth));
        assert_eq!(expression_end(src.as_bytes(), 0), Some(src.len() - 6));
    }

    #[test]
    fn keyword_outside_brackets() {
        assert_eq!(find_keyword(b"items.filter(x => x as y) as item", b"as"), Some(26));
        assert_eq!(find_keyword(b"class", b"as"), None);
    }
}
