//! `<style lang="scss">`: SCSS compiled to CSS with grass before scoping, as svelte-preprocess
//! does for Svelte users. No file is ever read (`@import` or `@use` of a file is an error), so a
//! component's styles depend on its text alone. The scoper then works on the CSS grass prints,
//! whose positions are not the source's: its diagnostics point at the style block.
//!
//! **Invariant:** compiling ends, within the engine's stack. grass has no limits of its own (a
//! recursive mixin overflows the stack, `@while true {}` never ends), so a component's SCSS is
//! the part of the language that cannot run without end: variables, nesting, `&`,
//! interpolation, built-in functions, nested at most `MAX_DEPTH` deep, in statements of at most
//! `MAX_STATEMENT` bytes, on the engine's stack (`stack::ensure`). Mixins, functions, loops,
//! `@extend` and module rules are refused before grass sees the text.

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

/// At-rules refused in component styles: they loop, recurse, multiply selectors or read files.
const REFUSED_RULES: [&str; 10] = ["mixin", "include", "function", "return", "for", "each", "while", "extend", "use", "forward"];

/// How deep blocks (`{`) and brackets (`(`, `[`) may nest, as the CSS scoper allows (E0313).
const MAX_DEPTH: usize = 32;

/// The longest statement (a selector, a declaration, an at-rule's prelude) grass is given: its
/// parser and evaluator recurse once per operator and selector part.
const MAX_STATEMENT: usize = 4096;

/// The CSS of the SCSS `content`, which starts at offset `base` of the file; E0315 at the place
/// of the first error.
pub fn compile(content: &str, base: u32) -> Result<String, Diagnostic> {
    eghact_syntax::stack::ensure(|| compile_bounded(content, base))
}

fn compile_bounded(content: &str, base: u32) -> Result<String, Diagnostic> {
    if let Some((at, message)) = unbounded_part(content) {
        let end = content[at..].find(|c: char| c.is_whitespace() || c == '{' || c == ';').map_or(content.len(), |n| at + n);
        return Err(Diagnostic::error("E0315", message, Span::new(base + at as u32, base + end as u32)).with_help(
            "component styles use SCSS variables, nesting, `&`, interpolation and built-in functions; \
             write the CSS a mixin or loop would make",
        ));
    }
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

/// The first part of `scss` that grass could run without end, or deeper than the stack allows:
/// a refused at-rule, or nesting past `MAX_DEPTH`; with its offset.
fn unbounded_part(scss: &str) -> Option<(usize, String)> {
    let bytes = scss.as_bytes();
    let mut depth = 0usize;
    let mut statement_start = 0;
    let mut at = 0;
    while at < bytes.len() {
        if at - statement_start > MAX_STATEMENT {
            return Some((statement_start, format!("an SCSS statement longer than {MAX_STATEMENT} bytes")));
        }
        if matches!(bytes[at], b';' | b'{' | b'}') {
            statement_start = at + 1;
        }
        match bytes[at] {
            quote @ (b'"' | b'\'') => {
                at += 1;
                while at < bytes.len() && bytes[at] != quote {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(at + 1) == Some(&b'/') => {
                at = scss[at..].find('\n').map_or(bytes.len(), |n| at + n);
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                at = scss[at + 2..].find("*/").map_or(bytes.len(), |n| at + 2 + n + 1);
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((at, format!("SCSS nested more than {MAX_DEPTH} deep")));
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            b'@' => {
                let name: String = scss[at + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                if REFUSED_RULES.contains(&name.as_str()) {
                    return Some((at, format!("`@{name}` is not available in component styles")));
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
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
    fn what_could_run_without_end_is_refused_before_grass() {
        for scss in [
            "@mixin a { @include a; }\np { @include a; }\n",
            "@while true { p { x: y; } }\n",
            "@function f() { @return f(); }\np { x: f(); }\n",
            "@for $i from 1 through 100000000 { .a#{$i} { x: y; } }\n",
            "%a { x: y; } p { @extend %a; }\n",
        ] {
            assert_eq!(compile(scss, 0).unwrap_err().code, "E0315", "{scss}");
        }
        let long = format!("p {{ width: {}px; }}", ["1"; 5000].join(" + "));
        assert!(compile(&long, 0).unwrap_err().message.contains("longer"));
        let deep = format!("p {{ x: {}1{}; }}", "darken(".repeat(40), ")".repeat(40));
        assert!(compile(&deep, 0).unwrap_err().message.contains("nested"));
        let nested = format!("{}{}", "a { ".repeat(40), "} ".repeat(40));
        assert_eq!(compile(&nested, 0).unwrap_err().code, "E0315");
        // The names inside strings and comments are text.
        assert!(compile("p { content: '@mixin'; } // @while\n/* @include */\n", 0).is_ok());
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
