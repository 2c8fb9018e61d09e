//! `<style lang="scss">`: SCSS compiled to CSS with grass before scoping, as svelte-preprocess
//! does for Svelte users. No file is ever read (`@import` or `@use` of a file is an error), so a
//! component's styles depend on its text alone. The scoper then works on the CSS grass prints,
//! whose positions are not the source's: its diagnostics point at the style block.

use eghact_syntax::ast::RawBlock;
use eghact_syntax::diagnostics::{Diagnostic, Span};
use grass_compiler::{ErrorKind, InputSyntax, NullFs, NullLogger, Options, OutputStyle};

/// The language of a `<style>` block's `lang`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StyleLanguage {
    Css,
    Scss,
    /// Indented Sass (`lang="sass"`), which is not compiled.
    Sass,
}

impl StyleLanguage {
    pub fn of(block: &RawBlock) -> Self {
        match block.attribute("lang") {
            Some(Some("scss")) => StyleLanguage::Scss,
            Some(Some("sass")) => StyleLanguage::Sass,
            _ => StyleLanguage::Css,
        }
    }
}

/// The CSS of the SCSS `content`, which starts at offset `base` of the file; E0315 at the place
/// of the first error.
pub fn compile(content: &str, base: u32) -> Result<String, Diagnostic> {
    let options = Options::default().fs(&NullFs).input_syntax(InputSyntax::Scss).style(OutputStyle::Expanded).logger(&NullLogger);
    grass_compiler::from_string(content, &options).map_err(|error| {
        let (message, span) = match error.kind() {
            ErrorKind::ParseError { message, loc, .. } => {
                let start = offset_of(content, loc.begin.line, loc.begin.column);
                let end = offset_of(content, loc.end.line, loc.end.column).max(start);
                (message, Span::new(base + start, base + end))
            }
            other => (format!("{other:?}"), Span::new(base, base)),
        };
        Diagnostic::error("E0315", format!("SCSS does not compile: {message}"), span)
            .with_help("component styles are compiled alone: `@use`/`@import` of files is not available")
    })
}

/// The byte offset of the 0-based `line` and character `column` in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> u32 {
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let rest = text.get(line_start..).unwrap_or_default();
    let column = rest.char_indices().nth(column).map_or(rest.len(), |(at, _)| at);
    (line_start + column).min(text.len()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scss_becomes_css() {
        let css = compile("$c: red;\n.a { .b { color: $c; } &:hover { color: blue; } }\n", 0).unwrap();
        assert!(css.contains(".a .b {\n  color: red;\n}"), "{css}");
        assert!(css.contains(".a:hover"), "{css}");
    }

    #[test]
    fn errors_point_into_the_block_and_files_are_never_read() {
        let error = compile(".a {\n  color: $missing;\n}\n", 100).unwrap_err();
        assert_eq!(error.code, "E0315");
        assert_eq!(error.span.start, 100 + 5 + 9, "{error:?}");
        let import = compile("@import 'secrets';\n", 0).unwrap_err();
        assert_eq!(import.code, "E0315");
        assert!(compile("@use '/etc/passwd';\n", 0).is_err());
    }
}
