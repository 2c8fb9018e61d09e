//! The generated module and its v3 source map. Code copied from the `.egh` file carries
//! position marks (`push_mark`: private-use characters around an offset) at its token
//! starts; [`Module::line`] strips them and maps each marked column to that exact `.egh`
//! line and column, so a map is token-accurate without threading positions through every
//! `format!` of the code generators.
//!
//! Invariant: marks are only used when the source itself contains no [`MARK_START`], so a
//! character of the user's code is never taken for a mark; without marks every line still
//! maps to where it comes from. Columns are UTF-16 code units, as browsers count them.

use eghact_syntax::diagnostics::LineIndex;

/// Starts a mark; the offset in decimal and [`MARK_END`] follow.
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

/// Appends a mark for the `.egh` byte offset `offset`: the code that follows starts there.
pub fn push_mark(out: &mut String, offset: u32) {
    out.push(MARK_START);
    // Digits by hand: there is one mark per token, and `write!` costs more than the rest.
    let mut digits = [0u8; 10];
    let mut n = offset;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[..len].iter().rev().map(|&d| d as char));
    out.push(MARK_END);
}

/// Columns in UTF-16 units, with a fast path for ASCII.
fn utf16_len(text: &str) -> u32 {
    if text.is_ascii() { text.len() as u32 } else { text.encode_utf16().count() as u32 }
}

/// Whether marks can be used for `source` (it has no mark characters of its own).
pub fn marks_allowed(source: &str) -> bool {
    !source.contains(MARK_START)
}

/// Byte offsets in `text` where a token starts: each word (identifier, keyword or number) and
/// each other text that follows whitespace (`+=`, `=>`, `{`, a string). Punctuation glued to a
/// word (`.`, `(`, `;`) gets none: it maps with the word before it, which keeps maps small.
/// Any offset is exact, since the text is copied as it is.
pub fn token_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut previous: Option<char> = None;
    text.char_indices().filter_map(move |(i, c)| {
        let starts = match previous {
            None => !c.is_whitespace(),
            Some(p) if word(c) => !word(p),
            Some(p) => !c.is_whitespace() && p.is_whitespace(),
        };
        previous = Some(c);
        starts.then_some(i)
    })
}

/// The byte offset of UTF-16 column `column` on line `line` (0-based) of `text`; `None` past
/// the end of the text or of the line.
pub fn offset_of(text: &str, lines: &LineIndex, line: u32, column: u32) -> Option<u32> {
    lines.utf16_offset(text, line, column)
}

/// The generated module, line by line, with where each marked column comes from.
pub struct Module {
    pub code: String,
    /// (generated line, generated UTF-16 column, `.egh` byte offset).
    mappings: Vec<(u32, u32, u32)>,
    lines: u32,
    marks: bool,
}

impl Module {
    /// `marks`: whether lines may carry marks to strip (see [`marks_allowed`]).
    pub fn new(marks: bool) -> Self {
        Self { code: String::new(), mappings: Vec::new(), lines: 0, marks }
    }

    /// Appends `text` (one or more lines); `origin` is the `.egh` offset its first line comes
    /// from, used where no mark says better.
    pub fn line(&mut self, text: &str, origin: Option<u32>) {
        for (i, part) in text.split('\n').enumerate() {
            if let (0, Some(origin)) = (i, origin) {
                self.map(0, origin);
            }
            let mut rest = part;
            let mut column = 0;
            while let Some(at) = rest.find(MARK_START).filter(|_| self.marks) {
                let (before, after) = rest.split_at(at);
                self.code.push_str(before);
                column += utf16_len(before);
                let after = &after[MARK_START.len_utf8()..];
                let end = after.find(MARK_END).unwrap_or(after.len());
                if let Ok(offset) = after[..end].parse::<u32>() {
                    self.map(column, offset);
                }
                rest = after.get(end + MARK_END.len_utf8()..).unwrap_or("");
            }
            self.code.push_str(rest);
            self.code.push('\n');
            self.lines += 1;
        }
    }

    /// Maps `column` of the current line; a later mapping of the same column wins (a mark is
    /// more precise than a line's origin, an inner mark than an outer one).
    fn map(&mut self, column: u32, offset: u32) {
        match self.mappings.last_mut() {
            Some(last) if last.0 == self.lines && last.1 == column => last.2 = offset,
            _ => self.mappings.push((self.lines, column, offset)),
        }
    }

    /// The `.egh` offset that byte `at` of the code comes from: that of the nearest mapping at
    /// or before it.
    pub fn origin(&self, at: u32) -> Option<u32> {
        let (line, column) = LineIndex::new(&self.code).utf16_line_col(&self.code, at);
        let before = self.mappings.partition_point(|&(l, c, _)| (l, c) <= (line, column));
        before.checked_sub(1).map(|i| self.mappings[i].2)
    }

    pub fn source_map(&self, path: &str, source: &str) -> String {
        source_map(path, source, &self.mappings)
    }
}

/// The v3 source map (JSON) of generated code into `source`, named `path`, from its mappings:
/// (generated line, generated UTF-16 column, byte offset in `source`), in order.
pub fn source_map(path: &str, source: &str, mappings: &[(u32, u32, u32)]) -> String {
    let index = LineIndex::new(source);
    let mut builder = oxc_sourcemap::SourceMapBuilder::default();
    let id = builder.set_source_and_content(path, source);
    for &(line, column, offset) in mappings {
        let (source_line, source_column) = index.utf16_line_col(source, offset);
        builder.add_token(line, column, source_line, source_column, Some(id), None);
    }
    builder.into_sourcemap().to_json_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_words_and_what_follows_whitespace() {
        let text = "count += 1; f(a.b) => 'x'";
        let starts: Vec<&str> = token_starts(text).map(|i| &text[i..i + 1]).collect();
        assert_eq!(starts, ["c", "+", "1", "f", "a", "b", "=", "'", "x"]);
    }

    #[test]
    fn marks_are_stripped_and_mapped() {
        let source = "ab\n  é x";
        let mut module = Module::new(marks_allowed(source));
        let mut text = String::from("let ");
        push_mark(&mut text, 8);
        module.line(&(text + "x = 1;"), Some(3));
        assert_eq!(module.code, "let x = 1;\n");
        assert_eq!(module.mappings, [(0, 0, 3), (0, 4, 8)]);
        // UTF-16 columns on both sides: `x` is column 4 of line 1 (é is one unit).
        let json = module.source_map("a.egh", source);
        let map = oxc_sourcemap::SourceMap::from_json_string(&json).unwrap();
        let tokens: Vec<(u32, u32, u32, u32)> =
            map.get_tokens().map(|t| (t.get_dst_line(), t.get_dst_col(), t.get_src_line(), t.get_src_col())).collect();
        assert_eq!(tokens, [(0, 0, 1, 0), (0, 4, 1, 4)]);
    }

    #[test]
    fn marks_round_trip() {
        for offset in [0, 7, 10, 4_294_967_295] {
            let mut text = String::new();
            push_mark(&mut text, offset);
            let mut module = Module::new(true);
            module.line(&(text + "x"), None);
            assert_eq!((module.code.as_str(), module.mappings.as_slice()), ("x\n", [(0, 0, offset)].as_slice()));
        }
    }

    #[test]
    fn a_source_with_mark_characters_keeps_them() {
        let source = "'\u{E000}1\u{E001}'";
        let mut module = Module::new(marks_allowed(source));
        module.line(source, Some(0));
        assert_eq!(module.code, format!("{source}\n"));
    }

    #[test]
    fn utf16_columns_to_offsets() {
        let text = "a\n😀b\nc";
        let lines = LineIndex::new(text);
        assert_eq!(offset_of(text, &lines, 1, 2), Some(6));
        assert_eq!(offset_of(text, &lines, 1, 9), None);
        assert_eq!(offset_of(text, &lines, 7, 0), None);
        assert_eq!(lines.utf16_line_col(text, 6), (1, 2));
    }
}
