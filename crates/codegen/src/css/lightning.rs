//! The Lightning CSS stage: it reads the scoper's output (scoped, free of the items with errors),
//! scopes `@keyframes` names (`keyframes`), adds vendor prefixes and lowers newer syntax for the
//! browser targets, minifies when asked, and prints the stylesheet with its source map. Positions in
//! the scoper's output go back to the `.egh` file through the scoper's [`Mark`]s.
//!
//! Invariant: nothing is lost silently. What Lightning CSS cannot read is a warning (W0305) at the
//! item it comes from; when it cannot process or print the stylesheet at all, the scoper's output
//! (well-formed CSS) is emitted as it is, with a warning.

use std::sync::{Arc, RwLock};

use eghact_syntax::diagnostics::{Diagnostic, LineIndex, Span};
use lightningcss::error::{ErrorLocation, ParserError, SelectorError};
use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
use lightningcss::targets::{Features, Targets};
use parcel_sourcemap::SourceMap;

use super::options::CssOptions;
use super::scoper::Mark;
use super::{escapes, keyframes};

/// The stylesheet as it is emitted, its diagnostics, and where its rules come from:
/// (generated line, generated UTF-16 column, `.egh` byte offset), in order.
pub(super) struct Printed {
    pub(super) code: String,
    pub(super) mappings: Vec<(u32, u32, u32)>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// Processes `scoped`, the scoper's output, whose items came from where `marks` say; `whole` is the
/// span of the style block (for problems that belong to no item).
pub(super) fn process(scoped: &str, marks: &[Mark], whole: Span, scope_class: &str, options: &CssOptions) -> Printed {
    let origins = Origins { text: scoped, lines: LineIndex::new(scoped), marks, whole };
    let warnings = Arc::new(RwLock::new(Vec::new()));
    let parser = ParserOptions { error_recovery: true, warnings: Some(warnings.clone()), ..ParserOptions::default() };
    let mut diagnostics = Vec::new();
    let mut sheet = match StyleSheet::parse(scoped, parser) {
        Ok(sheet) => sheet,
        Err(error) => {
            diagnostics.push(unprocessed(origins.span(error.loc.as_ref()), &error.kind.to_string()));
            return origins.as_is(diagnostics);
        }
    };
    if let Ok(warnings) = warnings.read() {
        for warning in warnings.iter().filter(|w| !is_kept(&w.kind)) {
            let span = origins.span(warning.loc.as_ref());
            diagnostics.push(
                Diagnostic::warning("W0305", format!("Lightning CSS cannot read this ({})", warning.kind), span).with_help(
                    "it is left out (a media query it cannot read is copied as written); browsers would ignore it too",
                ),
            );
        }
    }
    escapes::escape_names(&mut sheet);
    keyframes::scope(&mut sheet, scope_class);

    let targets = match &options.targets {
        Some(targets) => Targets::from(targets.browsers),
        // Without targets Lightning CSS would print `(max-width: 600px)` as `(width <= 600px)`,
        // which older browsers do not read: media queries keep the syntax every browser reads.
        None => Targets { include: Features::MediaQueries, ..Targets::default() },
    };
    // Lightning CSS adds prefixes and merges rules in `minify`; without targets or minification the
    // stylesheet is printed as it was read.
    if (options.targets.is_some() || options.minify)
        && let Err(error) = sheet.minify(MinifyOptions { targets, ..MinifyOptions::default() })
    {
        diagnostics.push(unprocessed(origins.span(error.loc.as_ref()), &error.kind.to_string()));
        return origins.as_is(diagnostics);
    }
    let mut map = SourceMap::new("/");
    let printer = PrinterOptions { minify: options.minify, source_map: Some(&mut map), targets, ..PrinterOptions::default() };
    let code = match sheet.to_css(printer) {
        // An empty stylesheet prints as a line break; the component then has no CSS.
        Ok(result) if result.code.trim().is_empty() => String::new(),
        Ok(result) => result.code,
        Err(error) => {
            diagnostics.push(unprocessed(origins.span(error.loc.as_ref()), &error.kind.to_string()));
            return origins.as_is(diagnostics);
        }
    };
    let code_lines = LineIndex::new(&code);
    let mut mappings: Vec<(u32, u32, u32)> = map
        .get_mappings()
        .into_iter()
        .filter_map(|m| {
            let original = m.original?;
            let line_start = code_lines.line_start(m.generated_line as usize) as usize;
            let column = utf16_len(code.get(line_start..line_start + m.generated_column as usize)?);
            let offset = origins.offset(original.original_line, original.original_column)?;
            Some((m.generated_line, column, origins.origin(offset).start))
        })
        .collect();
    mappings.sort_unstable();
    mappings.dedup_by_key(|m| (m.0, m.1));
    Printed { code, mappings, diagnostics }
}

/// Whether a warning is about an item Lightning CSS keeps as written: an unknown at-rule (the
/// scoper's W0301 reports it), pseudo-class or pseudo-element, or media query.
fn is_kept(kind: &ParserError<'_>) -> bool {
    matches!(
        kind,
        ParserError::AtRuleInvalid(_)
            | ParserError::InvalidMediaQuery
            | ParserError::SelectorError(SelectorError::UnsupportedPseudoClass(_) | SelectorError::UnsupportedPseudoElement(_))
    )
}

fn unprocessed(span: Span, reason: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0305",
        format!("Lightning CSS cannot process this stylesheet ({reason}); it is emitted unprocessed"),
        span,
    )
    .with_help("browser targets, minification and `@keyframes` scoping are skipped for this component")
}

fn utf16_len(text: &str) -> u32 {
    if text.is_ascii() { text.len() as u32 } else { text.encode_utf16().count() as u32 }
}

/// Positions in the scoper's output and where they come from in the file.
struct Origins<'a> {
    text: &'a str,
    lines: LineIndex,
    marks: &'a [Mark],
    whole: Span,
}

impl Origins<'_> {
    /// The byte offset of a 0-based line and UTF-16 column of the scoper's output.
    fn offset(&self, line: u32, column: u32) -> Option<u32> {
        self.lines.utf16_offset(self.text, line, column)
    }

    /// The file span of the item that byte `at` of the output belongs to.
    fn origin(&self, at: u32) -> Span {
        let before = self.marks.partition_point(|m| m.at <= at);
        before.checked_sub(1).map_or(self.whole, |i| self.marks[i].from)
    }

    /// The file span of an error's location (columns there start at 1).
    fn span(&self, loc: Option<&ErrorLocation>) -> Span {
        loc.and_then(|loc| self.offset(loc.line, loc.column.saturating_sub(1))).map_or(self.whole, |at| self.origin(at))
    }

    /// The scoper's output emitted unprocessed, each item mapped to where it comes from.
    fn as_is(&self, diagnostics: Vec<Diagnostic>) -> Printed {
        let mappings = self
            .marks
            .iter()
            .map(|m| {
                let (line, column) = self.lines.utf16_line_col(self.text, m.at);
                (line, column, m.from.start)
            })
            .collect();
        Printed { code: self.text.to_string(), mappings, diagnostics }
    }
}
