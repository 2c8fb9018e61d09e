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

/// Maps byte offsets to 1-based lines and columns (columns count chars, as editors show them).
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i as u32 + 1));
        Self { line_starts }
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

    /// 1-based line and column of `offset` in `source`.
    pub fn line_col(&self, source: &str, offset: u32) -> (usize, usize) {
        let offset = offset.min(source.len() as u32);
        let line = self.line_of(offset);
        let start = self.line_starts[line] as usize;
        let column = source.get(start..offset as usize).map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
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
    let line_end = source[line_start..].find('\n').map_or(source.len(), |i| line_start + i);
    let text = &source[line_start..line_end];
    let _ = writeln!(out, "{line} | {text}");
    // The caret covers the span on its first line only, at least one column wide.
    let span_end = (d.span.end as usize).clamp(d.span.start as usize, line_end);
    let caret_width = source.get(d.span.start as usize..span_end).map_or(0, |s| s.chars().count()).max(1);
    let _ = write!(out, "{pad} | {}{}", " ".repeat(column - 1), "^".repeat(caret_width));
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
    fn line_index_handles_end_of_file() {
        let index = LineIndex::new("a\nb");
        assert_eq!(index.line_col("a\nb", 3), (2, 2));
        assert_eq!(index.line_col("a\nb", 99), (2, 2));
    }
}
