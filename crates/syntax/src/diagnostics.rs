//! The one diagnostic type of the engine and its rustc-style rendering.
//!
//! Every stage (parser, script analysis, CSS scoping, compiler) reports problems as
//! [`Diagnostic`]s with a stable code and a byte span into the `.egh` file; nothing is
//! printed or thrown from inside the engine.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// A byte range `[start, end)` into one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The text this span covers; empty when it lies outside `source` or off a char boundary.
    pub fn text(self, source: &str) -> &str {
        source.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Hint,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "hint",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Stable code such as `E0101`, documented in `docs/diagnostics.md`. Owned only when
    /// read back from a cache or a build record.
    pub code: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Short text shown under the caret.
    pub label: Option<String>,
    pub help: Option<String>,
    /// An edit that fixes the problem, for an editor's quick fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// Replace `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub title: String,
    pub span: Span,
    pub replacement: String,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self {
            code: Cow::Borrowed(code),
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            help: None,
            fix: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self { severity: Severity::Warning, ..Self::error(code, message, span) }
    }

    pub fn hint(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self { severity: Severity::Hint, ..Self::error(code, message, span) }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_fix(mut self, title: impl Into<String>, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix { title: title.into(), span, replacement: replacement.into() });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Maps byte offsets to lines and columns, and columns back to offsets. Columns come from
/// counts of multi-byte characters kept per block of the text, so converting a position costs
/// the same on a line of any length: converting every position of one long line stays linear.
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// For each block of [`BLOCK`] bytes, the multi-byte counts of the text before it; empty
    /// for ASCII text, where columns are byte counts.
    blocks: Vec<Multibyte>,
}

/// Bytes per counted block: a position scans at most this many bytes.
const BLOCK: usize = 64;

/// What makes a column differ from a byte count in a stretch of UTF-8: each continuation byte
/// is no char of its own, and each 4-byte character is two UTF-16 units.
#[derive(Clone, Copy, Default)]
struct Multibyte {
    continuation: u32,
    four_byte: u32,
}

impl Multibyte {
    fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.continuation += u32::from(b & 0xC0 == 0x80);
            self.four_byte += u32::from(b >= 0xF0);
        }
    }

    /// Chars in a stretch of `bytes` bytes that starts after `self` and ends before `after`.
    fn chars(self, bytes: u32, after: Multibyte) -> u32 {
        bytes.saturating_sub(after.continuation.saturating_sub(self.continuation))
    }

    /// UTF-16 units in the same stretch.
    fn utf16_units(self, bytes: u32, after: Multibyte) -> u32 {
        self.chars(bytes, after) + after.four_byte.saturating_sub(self.four_byte)
    }
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i as u32 + 1));
        let mut blocks = Vec::new();
        if !source.is_ascii() {
            let mut before = Multibyte::default();
            blocks = source
                .as_bytes()
                .chunks(BLOCK)
                .map(|chunk| {
                    let at_start = before;
                    before.add(chunk);
                    at_start
                })
                .collect();
        }
        Self { line_starts, blocks }
    }

    /// 0-based line of `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts[line]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line and column of `offset` in `source` (columns count chars, as editors show them).
    pub fn line_col(&self, source: &str, offset: u32) -> (usize, usize) {
        let offset = offset.min(source.len() as u32);
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let column = self.multibyte_before(source, start).chars(offset - start, self.multibyte_before(source, offset));
        (line + 1, column as usize + 1)
    }

    /// 0-based line and UTF-16 column of `offset` in `source`, as browsers and editors count them.
    pub fn utf16_line_col(&self, source: &str, offset: u32) -> (u32, u32) {
        let offset = offset.min(source.len() as u32);
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        (line as u32, self.multibyte_before(source, start).utf16_units(offset - start, self.multibyte_before(source, offset)))
    }

    /// The byte offset of UTF-16 column `column` on 0-based line `line` of `source`: the first
    /// char boundary at or after it; `None` past the end of the line or of the text.
    pub fn utf16_offset(&self, source: &str, line: u32, column: u32) -> Option<u32> {
        let line = line as usize;
        let start = *self.line_starts.get(line)?;
        let end = self.line_starts.get(line + 1).map_or(source.len() as u32, |next| next - 1);
        if self.blocks.is_empty() {
            return start.checked_add(column).filter(|&at| at <= end);
        }
        let base = self.multibyte_before(source, start);
        if base.utf16_units(end.saturating_sub(start), self.multibyte_before(source, end)) < column {
            return None;
        }
        // Jump to the last block that starts on the line before the column, then go byte by byte.
        let units_at = |block: usize| base.utf16_units((block * BLOCK) as u32 - start, self.blocks[block]);
        let first = (start as usize).div_ceil(BLOCK);
        let (mut low, mut high) = (first, (end as usize / BLOCK).min(self.blocks.len() - 1) + 1);
        while low < high {
            let middle = low + (high - low) / 2;
            if units_at(middle) < column { low = middle + 1 } else { high = middle }
        }
        let (mut at, mut units) = if low > first { ((low - 1) * BLOCK, units_at(low - 1)) } else { (start as usize, 0) };
        let bytes = source.as_bytes();
        while units < column {
            let b = *bytes.get(at)?;
            units += u32::from(b & 0xC0 != 0x80) + u32::from(b >= 0xF0);
            at += 1;
        }
        while !source.is_char_boundary(at) {
            at += 1;
        }
        Some(at as u32)
    }

    /// The multi-byte counts of `source[..offset]`: a block's counts plus at most a block's bytes.
    fn multibyte_before(&self, source: &str, offset: u32) -> Multibyte {
        let offset = offset as usize;
        let Some(last) = self.blocks.len().checked_sub(1) else { return Multibyte::default() };
        let block = (offset / BLOCK).min(last);
        let mut counts = self.blocks[block];
        counts.add(source.as_bytes().get(block * BLOCK..offset).unwrap_or(&[]));
        counts
    }
}

/// Renders diagnostics the way rustc does:
///
/// ```text
/// error[E0101]: unclosed element `<div>`
///  --> src/App.egh:3:5
///   |
/// 3 |     <div class="a">
///   |     ^^^^ opened here
///   = help: add `</div>`
/// ```
///
/// A diagnostic about a path without text (`source` empty) shows the path only.
pub fn render(path: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(source);
    let mut out = String::new();
    for diagnostic in diagnostics {
        render_one(&mut out, path, source, &index, diagnostic);
    }
    out
}

/// Bytes of a line shown before a diagnostic's start and after it: one diagnostic prints a
/// bounded excerpt of a long line, so many diagnostics on one line never print it whole each.
const EXCERPT_BEFORE: usize = 80;
const EXCERPT_AFTER: usize = 160;

fn render_one(out: &mut String, path: &str, source: &str, index: &LineIndex, d: &Diagnostic) {
    let _ = writeln!(out, "{}[{}]: {}", d.severity.label(), d.code, d.message);
    if source.is_empty() {
        // About a path without text (a file name, a folder, a command-line flag): no snippet.
        if !path.is_empty() {
            let _ = writeln!(out, " --> {path}");
        }
        if let Some(label) = &d.label {
            let _ = writeln!(out, "  = note: {label}");
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out.push('\n');
        return;
    }
    let (line, column) = index.line_col(source, d.span.start);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {path}:{line}:{column}");
    let _ = writeln!(out, "{pad} |");
    let line_start = index.line_start(line - 1) as usize;
    let line_end = index.line_starts.get(line).map_or(source.len(), |next| *next as usize - 1);
    let start = (d.span.start as usize).clamp(line_start, line_end);
    let floor = |mut at: usize| {
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let from = floor(start.saturating_sub(EXCERPT_BEFORE).max(line_start));
    let to = floor((start + EXCERPT_AFTER).min(line_end));
    let (open, close) = (if from > line_start { "…" } else { "" }, if to < line_end { "…" } else { "" });
    let _ = writeln!(out, "{line} | {open}{}{close}", &source[from..to]);
    // The caret covers the span on its first line only, at least one column wide.
    let caret_column = open.chars().count() + source[from..floor(start)].chars().count();
    let span_end = (d.span.end as usize).clamp(start, to);
    let caret_width = source.get(start..span_end).map_or(0, |s| s.chars().count()).max(1);
    let _ = write!(out, "{pad} | {}{}", " ".repeat(caret_column), "^".repeat(caret_width));
    match &d.label {
        Some(label) => {
            let _ = writeln!(out, " {label}");
        }
        None => out.push('\n'),
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    #[test]
    fn renders_like_rustc() {
        let source = "<template>\n  <p>ünïcode {x</p>\n</template>\n";
        let start = source.find("{x").unwrap() as u32;
        let d = Diagnostic::error("E0001", "unclosed expression", Span::new(start, start + 2))
            .with_label("opened here")
            .with_help("add `}`");
        expect![[r#"
            error[E0001]: unclosed expression
             --> App.egh:2:14
              |
            2 |   <p>ünïcode {x</p>
              |              ^^ opened here
              = help: add `}`

        "#]]
        .assert_eq(&render("App.egh", source, &[d]));
    }

    #[test]
    fn a_diagnostic_without_text_names_its_path() {
        let d = Diagnostic::warning("E0001", "skipped", Span::default()).with_label("a link").with_help("remove it");
        expect![[r#"
            warning[E0001]: skipped
             --> src/link
              = note: a link
              = help: remove it

        "#]]
        .assert_eq(&render("src/link", "", &[d.clone()]));
        assert_eq!(render("", "", &[d]), "warning[E0001]: skipped\n  = note: a link\n  = help: remove it\n\n");
    }

    #[test]
    fn a_long_line_is_shown_around_the_diagnostic() {
        let source = format!("<template>{}{{x{}</template>", "é".repeat(500), "b".repeat(500));
        let start = source.find("{x").unwrap() as u32;
        let d = Diagnostic::error("E0001", "unclosed expression", Span::new(start, start + 2));
        let rendered = render("App.egh", &source, &[d]);
        let excerpt = format!("1 | …{}{{x{}…", "é".repeat(40), "b".repeat(158));
        let caret = format!("  | {}^^", " ".repeat(41));
        assert!(rendered.contains(&excerpt) && rendered.contains(&caret), "{rendered}");
        assert!(rendered.contains("--> App.egh:1:511"), "{rendered}");
    }

    /// Every char boundary of lines longer than a block, with 1- to 4-byte characters, against
    /// counting chars from the line's start.
    #[test]
    fn line_index_columns_match_counting_on_long_lines() {
        let line: String = "aé€😀".repeat(40) + "x";
        let text = format!("{line}\r\n{line}\n\n😀{line}");
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let before = &text[line_start..offset];
            let line = text[..offset].matches('\n').count();
            assert_eq!(index.line_col(&text, offset as u32), (line + 1, before.chars().count() + 1));
            let column = before.encode_utf16().count() as u32;
            assert_eq!(index.utf16_line_col(&text, offset as u32), (line as u32, column));
            assert_eq!(index.utf16_offset(&text, line as u32, column), Some(offset as u32), "at {offset}");
        }
        // Inside a surrogate pair: the offset after the character; past the end of a line: none.
        let ends = text.match_indices('\n').map(|(i, _)| i).collect::<Vec<_>>();
        assert_eq!(index.utf16_offset(&text, 3, 1), Some(ends[2] as u32 + 1 + 4));
        let first_line_units = text[..ends[0]].encode_utf16().count() as u32;
        assert_eq!(index.utf16_offset(&text, 0, first_line_units), Some(ends[0] as u32));
        assert_eq!(index.utf16_offset(&text, 0, first_line_units + 1), None);
        assert_eq!(index.utf16_offset(&text, 4, 0), None);
    }

    #[test]
    fn line_index_handles_end_of_file() {
        let index = LineIndex::new("a\nb");
        assert_eq!(index.line_col("a\nb", 3), (2, 2));
        assert_eq!(index.line_col("a\nb", 99), (2, 2));
    }
}
