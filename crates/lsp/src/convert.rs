//! Positions between the protocol and the engine: LSP positions count UTF-16 code units by
//! default (UTF-8 bytes when the client offers it); the engine counts bytes. [`Positions`] is
//! the one mapper, over the engine's `LineIndex`: each conversion costs a binary search and a
//! bounded scan, whatever the length of the line.

use eghact_syntax::diagnostics::{Diagnostic, LineIndex, Severity, Span};
use tower_lsp_server::ls_types::{self as lsp, Position, Range};

/// How the client counts columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf16,
    Utf8,
}

/// The positions of one text, in the client's encoding.
pub struct Positions<'t> {
    text: &'t str,
    lines: LineIndex,
    encoding: Encoding,
}

impl<'t> Positions<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> Self {
        Self { text, lines: LineIndex::new(text), encoding }
    }

    /// The LSP position of byte `offset` (clamped to the text, and to a char boundary).
    pub fn position(&self, offset: u32) -> Position {
        let offset = floor_char_boundary(self.text, (offset as usize).min(self.text.len())) as u32;
        let (line, character) = match self.encoding {
            Encoding::Utf16 => self.lines.utf16_line_col(self.text, offset),
            Encoding::Utf8 => {
                let line = self.lines.line_of(offset);
                (line as u32, offset - self.lines.line_start(line))
            }
        };
        Position { line, character }
    }

    /// The byte offset of an LSP position; past the end of a line means the line's end, past
    /// the last line the text's end.
    pub fn offset(&self, position: Position) -> u32 {
        let line = position.line as usize;
        if line >= self.lines.line_count() {
            return self.text.len() as u32;
        }
        let start = self.lines.line_start(line);
        let end = if line + 1 < self.lines.line_count() { self.lines.line_start(line + 1) - 1 } else { self.text.len() as u32 };
        let at = match self.encoding {
            Encoding::Utf16 => self.lines.utf16_offset(self.text, position.line, position.character).unwrap_or(end),
            Encoding::Utf8 => start.saturating_add(position.character).min(end),
        };
        ceil_char_boundary(self.text, at as usize) as u32
    }

    pub fn range(&self, span: Span) -> Range {
        Range { start: self.position(span.start), end: self.position(span.end) }
    }

    /// The byte span of an LSP range.
    pub fn span(&self, range: Range) -> Span {
        Span::new(self.offset(range.start), self.offset(range.end))
    }

    /// The length of `text` in the client's units.
    pub fn units(&self, text: &str) -> u32 {
        units(text, self.encoding)
    }

    pub fn diagnostic(&self, diagnostic: &Diagnostic) -> lsp::Diagnostic {
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        lsp::Diagnostic {
            range: self.range(diagnostic.span),
            severity: Some(match diagnostic.severity {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
                Severity::Hint => lsp::DiagnosticSeverity::HINT,
            }),
            code: Some(lsp::NumberOrString::String(diagnostic.code.to_string())),
            source: Some("eghact".into()),
            message,
            ..lsp::Diagnostic::default()
        }
    }
}

/// The length of `text` in `encoding`'s units (a signature's label, which is no document).
pub fn units(text: &str, encoding: Encoding) -> u32 {
    match encoding {
        Encoding::Utf16 => text.encode_utf16().count() as u32,
        Encoding::Utf8 => text.len() as u32,
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns_round_trip() {
        let text = "a\n😀b é\nlast";
        let b = text.find('b').unwrap() as u32;
        let (utf16, utf8) = (Positions::new(text, Encoding::Utf16), Positions::new(text, Encoding::Utf8));
        assert_eq!(utf16.position(b), Position { line: 1, character: 2 });
        assert_eq!(utf8.position(b), Position { line: 1, character: 4 });
        for positions in [&utf16, &utf8] {
            for at in [0, 2, b, text.len() as u32] {
                assert_eq!(positions.offset(positions.position(at)), at);
            }
        }
        assert_eq!(utf16.offset(Position { line: 9, character: 0 }), text.len() as u32);
        assert_eq!(utf16.offset(Position { line: 0, character: 99 }), 1);
        assert_eq!(utf8.offset(Position { line: 1, character: 2 }), b, "inside 😀: the next char");
        assert_eq!(utf16.offset(Position { line: 1, character: 1 }), b, "inside 😀: the next char");
    }
}
