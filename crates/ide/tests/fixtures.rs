//! Editor fixtures, one test each (`<folder>/<name>`), run against this crate's functions:
//! - `format/`: the formatted text, snapshotted beside the file (`.formatted`).
//! - `tokens/`: the semantic tokens, one per line as `line:col-len kind [modifiers] "text"` (`.tokens`).
//! - `selection/`: for each `$0` cursor, the selection ranges from the cursor outwards, each
//!   strictly inside the next (`.selection`).
//!
//!
//! Add a case by adding a file; `UPDATE_EXPECT=1 cargo test -p eghact-ide --test fixtures`
//! writes new snapshots, then review the diff.

use std::fmt::Write;
use std::path::Path;

use eghact_ide::format;
use eghact_semantics::types;
use eghact_syntax as syntax;
use eghact_syntax::diagnostics::LineIndex;
use eghact_test_support::{CURSOR, Failed, Suite, cursors, read, snapshot};

fn main() {
    Suite::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .folder("format", format_fixture)
        .folder("tokens", tokens)
        .folder("selection", selection)
        .run()
}

fn format_fixture(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    let formatted = format::format(&source, &syntax::parse(&source)).map_err(|e| e.to_string())?;
    snapshot(&path.with_extension("formatted"), &formatted);
    Ok(())
}

/// The tree of `source`, which a fixture must write without syntax errors.
fn parse_cleanly(source: &str) -> Result<syntax::Parse, Failed> {
    let parse = syntax::parse(source);
    match parse.diagnostics.first() {
        Some(d) => Err(format!("the fixture must parse cleanly: {} {}", d.code, d.message).into()),
        None => Ok(parse),
    }
}

fn tokens(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    let parse = parse_cleanly(&source)?;
    let index = LineIndex::new(&source);
    let mut actual = String::new();
    for token in types::semantic_tokens(&source, &parse.component) {
        let (line, column) = index.line_col(&source, token.span.start);
        let modifiers: Vec<&str> = token.modifiers.iter().map(|m| m.name()).collect();
        let text = token.span.text(&source);
        let _ =
            writeln!(actual, "{line}:{column}-{} {} [{}] {text:?}", token.span.len(), token.kind.name(), modifiers.join(", "));
    }
    snapshot(&path.with_extension("tokens"), &actual);
    Ok(())
}

fn selection(path: &Path) -> Result<(), Failed> {
    let (source, cursors) = cursors(&read(path)?);
    if cursors.is_empty() {
        return Err(format!("no {CURSOR} cursor").into());
    }
    let parse = parse_cleanly(&source)?;
    let index = LineIndex::new(&source);
    let position = |offset: u32| {
        let (line, column) = index.line_col(&source, offset);
        format!("{line}:{column}")
    };
    let mut actual = String::new();
    for cursor in cursors {
        let _ = writeln!(actual, "cursor at {}", position(cursor));
        let ranges = eghact_ide::selection_ranges(&source, &parse.component, cursor);
        for pair in ranges.windows(2) {
            let (inner, outer) = (pair[0], pair[1]);
            if !(outer.start <= inner.start && inner.end <= outer.end && inner != outer) {
                return Err(format!("{inner:?} is not strictly inside {outer:?}").into());
            }
        }
        for range in ranges {
            let text = range.text(&source);
            let first_line = text.lines().next().unwrap_or("");
            let shown = if first_line.len() < text.len() { format!("{first_line}…") } else { text.to_string() };
            let _ = writeln!(actual, "  {}-{} {shown:?}", position(range.start), position(range.end));
        }
    }
    snapshot(&path.with_extension("selection"), &actual);
    Ok(())
}
