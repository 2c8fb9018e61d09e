//! Checker fixtures, one test each (`check/<folder>/<name>`), answered by the database: every
//! diagnostic `db::diagnostics` gives a component, and the route checks a build runs over the
//! source folder. A fixture is a project written as one text: `//- src/Path.egh` lines start
//! files (components, script modules); without them the text is `src/App.egh`.
//!
//! - `check/invalid`: the rendered diagnostics of every file are snapshotted beside the
//!   fixture (`.diagnostics`; `UPDATE_EXPECT=1` writes them), and there must be some.
//! - Every other folder (`valid`, `rules`, …): the expected diagnostics are written in the
//!   fixture, and a file must have exactly those: each one present on its line, no other.
//!   A file without assertions must check cleanly.
//!
//! An assertion is a comment in the syntax of the place it stands in (`<!-- … -->` in
//! markup, `// …` or `/* … */` in script and style) whose text is
//! ``severity[CODE] `span text` "words"``: `severity` is `error`, `warning` or `hint`, the
//! span text (optional) must equal the text the diagnostic points at, and the words (optional)
//! must occur in its message, label or help. A comment after code names a diagnostic starting
//! on that line; a line holding only assertions names the nearest line above it that holds
//! code, so several assertions can stack under one line:
//!
//! ```text
//! {#each count as n}{n}{/each} <!-- error[E0602] `count` -->
//! <p>{label - 1} {total * 2}</p>
//! <!-- error[E0605] `label` "number" -->
//! ```

use std::path::{Path, PathBuf};

use eghact_analysis::db;
use eghact_semantics::routes;
use eghact_syntax::diagnostics::{Diagnostic, LineIndex, Severity, render};
use eghact_test_support::project::Project;
use eghact_test_support::{Failed, Suite, read, snapshot};

fn main() {
    Suite::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .folder("check/invalid", invalid)
        .folder("check/valid", annotated)
        .folder("check/rules", annotated)
        .run()
}

/// The project `path` holds, and the diagnostics of each component, by path.
fn check(path: &Path) -> Result<(Project, Vec<(String, Vec<Diagnostic>)>), Failed> {
    let project = Project::new(&read(path)?);
    let mut result: Vec<(String, Vec<Diagnostic>)> = project
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".egh"))
        .map(|(path, file)| (path.clone(), db::diagnostics(&project.db, *file).clone()))
        .collect();
    // Route file names are checked over the whole source folder, as a build does.
    let sources: Vec<PathBuf> =
        project.files.iter().filter_map(|(path, _)| path.strip_prefix("src/")).map(PathBuf::from).collect();
    for (path, diagnostic) in routes::for_sources(&sources).map(|m| m.diagnostics).unwrap_or_default() {
        if let Some((_, diagnostics)) = result.iter_mut().find(|(p, _)| *p == format!("src/{path}")) {
            diagnostics.push(diagnostic);
        }
    }
    Ok((project, result))
}

fn invalid(path: &Path) -> Result<(), Failed> {
    let (project, checked) = check(path)?;
    let mut rendered = String::new();
    for (file, diagnostics) in checked.iter().filter(|(_, ds)| !ds.is_empty()) {
        rendered.push_str(&render(file, project.text(file), diagnostics));
    }
    if rendered.is_empty() {
        return Err("an invalid project reports nothing".into());
    }
    snapshot(&path.with_extension("diagnostics"), &rendered);
    Ok(())
}

/// A diagnostic a fixture expects.
#[derive(Debug)]
struct Expected {
    /// 1-based.
    line: usize,
    severity: Severity,
    code: String,
    text: Option<String>,
    words: Option<String>,
}

impl Expected {
    fn matches(&self, line: usize, diagnostic: &Diagnostic, source: &str) -> bool {
        let said = [Some(&diagnostic.message), diagnostic.label.as_ref(), diagnostic.help.as_ref()];
        self.line == line
            && self.severity == diagnostic.severity
            && self.code == diagnostic.code
            && self.text.as_ref().is_none_or(|t| t == diagnostic.span.text(source))
            && self.words.as_ref().is_none_or(|w| said.iter().flatten().any(|s| s.contains(w.as_str())))
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}[{}]", self.line, severity_name(self.severity), self.code)?;
        if let Some(text) = &self.text {
            write!(f, " `{text}`")?;
        }
        if let Some(words) = &self.words {
            write!(f, " {words:?}")?;
        }
        Ok(())
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Hint => "hint",
    }
}

/// The comments of one line, as `(start, text)`: `<!-- … -->`, `/* … */` and `// …` (to the
/// end of the line).
fn comments(line: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        let next = [("<!--", "-->"), ("/*", "*/"), ("//", "")]
            .into_iter()
            .filter_map(|(open, close)| rest.find(open).map(|i| (i, open, close)))
            .min_by_key(|(i, _, _)| *i);
        let Some((i, open, close)) = next else { break };
        let body = &rest[i + open.len()..];
        let (text, used) = match close {
            "" => (body, body.len()),
            close => body.find(close).map_or((body, body.len()), |end| (&body[..end], end + close.len())),
        };
        found.push((at + i, text.trim()));
        at += i + open.len() + used;
    }
    found
}

/// The assertion a comment's text makes, if it makes one; an error for one written wrong.
fn assertion(comment: &str, line: usize) -> Result<Option<Expected>, String> {
    let severity = [("error[", Severity::Error), ("warning[", Severity::Warning), ("hint[", Severity::Hint)]
        .into_iter()
        .find_map(|(prefix, severity)| comment.strip_prefix(prefix).map(|rest| (rest, severity)));
    let Some((rest, severity)) = severity else { return Ok(None) };
    let wrong = || format!("line {line}: an assertion is written severity[CODE] `span text` \"words\": {comment}");
    let (code, mut rest) = rest.split_once(']').ok_or_else(wrong)?;
    let mut quoted = |delimiter: char| -> Result<Option<String>, String> {
        let Some(after) = rest.trim_start().strip_prefix(delimiter) else { return Ok(None) };
        let (inner, tail) = after.split_once(delimiter).ok_or_else(wrong)?;
        rest = tail;
        Ok(Some(inner.to_string()))
    };
    let text = quoted('`')?;
    let words = quoted('"')?;
    if !rest.trim().is_empty() {
        return Err(wrong());
    }
    Ok(Some(Expected { line, severity, code: code.to_string(), text, words }))
}

/// The assertions written in `source`.
fn expectations(source: &str) -> Result<Vec<Expected>, String> {
    let mut expected = Vec::new();
    let mut code_line = None;
    for (i, line) in source.lines().enumerate() {
        let comments = comments(line);
        let mut made = Vec::new();
        for (_, text) in &comments {
            made.extend(assertion(text, i + 1)?);
        }
        // Text before the first assertion comment is code; a line of assertions alone names
        // the last line of code above it.
        let first = comments.iter().find(|(_, text)| assertion(text, 0).ok().flatten().is_some()).map(|(at, _)| *at);
        if !line[..first.unwrap_or(line.len())].trim().is_empty() {
            code_line = Some(i + 1);
        }
        for mut assertion in made {
            assertion.line = code_line.ok_or_else(|| format!("line {}: an assertion with no code above it", i + 1))?;
            expected.push(assertion);
        }
    }
    Ok(expected)
}

fn annotated(path: &Path) -> Result<(), Failed> {
    let (project, checked) = check(path)?;
    let mut problems = String::new();
    for (file, diagnostics) in &checked {
        let source = project.text(file);
        let mut expected = expectations(source).map_err(|e| format!("{file}: {e}"))?;
        let index = LineIndex::new(source);
        let mut unexpected = Vec::new();
        for diagnostic in diagnostics {
            let (line, _) = index.line_col(source, diagnostic.span.start);
            match expected.iter().position(|e| e.matches(line, diagnostic, source)) {
                Some(found) => drop(expected.remove(found)),
                None => unexpected.push(diagnostic.clone()),
            }
        }
        for missing in expected {
            problems.push_str(&format!("{file}: expected {missing}, not reported\n"));
        }
        if !unexpected.is_empty() {
            problems.push_str(&format!("{file}: reported without an assertion:\n{}", render(file, source, &unexpected)));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.into()) }
}
