//! Positions and paths between the protocol and the engine: LSP positions count UTF-16 code
//! units by default (UTF-8 bytes when the client offers it); the engine counts bytes.

use eghact_syntax::diagnostics::{Diagnostic, LineIndex, Severity, Span};
use tower_lsp_server::ls_types::{self as lsp, Position, Range};

/// How the client counts columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf16,
    Utf8,
}

/// The LSP position of byte `offset` in `text` (clamped to the text, and to a char boundary).
pub fn position(text: &str, offset: u32, encoding: Encoding) -> Position {
    let offset = (offset as usize).min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position { line: before.matches('\n').count() as u32, character: units(&before[line_start..], encoding) }
}

/// Positions of many offsets of one text: lines are found by binary search, not by a scan.
pub struct Positions<'t> {
    text: &'t str,
    lines: LineIndex,
    encoding: Encoding,
}

impl<'t> Positions<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> Self {
        Self { text, lines: LineIndex::new(text), encoding }
    }

    pub fn position(&self, offset: u32) -> Position {
        let offset = floor_char_boundary(self.text, (offset as usize).min(self.text.len()));
        let line = self.lines.line_of(offset as u32);
        let start = self.lines.line_start(line) as usize;
        Position { line: line as u32, character: units(&self.text[start..offset], self.encoding) }
    }
}

/// The length of `text` in the client's units.
pub fn units(text: &str, encoding: Encoding) -> u32 {
    match encoding {
        Encoding::Utf16 => text.encode_utf16().count() as u32,
        Encoding::Utf8 => text.len() as u32,
    }
}

/// The byte offset of an LSP position; past the end of a line means the line's end.
pub fn offset(text: &str, position: Position, encoding: Encoding) -> u32 {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len() as u32,
        }
    }
    let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
    let mut units = 0;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= position.character {
            return (line_start + i) as u32;
        }
        units += match encoding {
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf8 => c.len_utf8() as u32,
        };
    }
    line_end as u32
}

pub fn range(text: &str, span: Span, encoding: Encoding) -> Range {
    Range { start: position(text, span.start, encoding), end: position(text, span.end, encoding) }
}

/// The byte span of an LSP range.
pub fn span(text: &str, range: Range, encoding: Encoding) -> Span {
    Span::new(offset(text, range.start, encoding), offset(text, range.end, encoding))
}

pub fn diagnostic(text: &str, diagnostic: &Diagnostic, encoding: Encoding) -> lsp::Diagnostic {
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    lsp::Diagnostic {
        range: range(text, diagnostic.span, encoding),
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

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
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
        assert_eq!(position(text, b, Encoding::Utf16), Position { line: 1, character: 2 });
        assert_eq!(position(text, b, Encoding::Utf8), Position { line: 1, character: 4 });
        for encoding in [Encoding::Utf16, Encoding::Utf8] {
            for at in [0, 2, b, text.len() as u32] {
                assert_eq!(offset(text, position(text, at, encoding), encoding), at);
            }
        }
        assert_eq!(offset(text, Position { line: 9, character: 0 }, Encoding::Utf16), text.len() as u32);
        assert_eq!(offset(text, Position { line: 0, character: 99 }, Encoding::Utf16), 1);
    }
}
