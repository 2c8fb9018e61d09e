//! Editor fixtures, one test each (`<folder>/<name>`), run against this crate's functions:
//! - `format/`: the formatted text, snapshotted beside the file (`.formatted`).
//! - `tokens/`: the semantic tokens, one per line as `line:col-len kind [modifiers] "text"` (`.tokens`).
//! - `selection/`: for each `$0` cursor, the selection ranges from the cursor outwards, each
//!   strictly inside the next (`.selection`).
//!
//! - `completion/`, `hover/`, `rename/`: a project written as one text (`//- src/Path.egh`
//!   lines start files; without them the text is `src/App.egh`) with one `$0` cursor, asked
//!   of the database at the cursor: the completion items (`.completion`: the word they
//!   replace, then one item per line, `label (Kind) detail`, with its docs' first line and its
//!   import edit under it), the hover (`.hover`: the text it is about, then its Markdown), and
//!   a rename to `renamed` (`.rename`: every file it changes, as it reads after the edits).
//!
//! Add a case by adding a file; `UPDATE_EXPECT=1 cargo test -p eghact-ide --test fixtures`
//! writes new snapshots, then review the diff.

use std::fmt::Write;
use std::path::Path;

use eghact_analysis::db::SourceFile;
use eghact_ide::refactor::{self, FileEdit};
use eghact_ide::{completion, format, hover, names};
use eghact_semantics::types;
use eghact_syntax as syntax;
use eghact_syntax::diagnostics::LineIndex;
use eghact_test_support::project::Project;
use eghact_test_support::{CURSOR, Failed, Suite, cursors, read, snapshot, snippet_files};

fn main() {
    Suite::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .folder("format", format_fixture)
        .folder("tokens", tokens)
        .folder("selection", selection)
        .folder("completion", completion_fixture)
        .folder("hover", hover_fixture)
        .folder("rename", rename_fixture)
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

/// The project of a fixture with one cursor: the database, the file with the cursor, and the
/// cursor's offset in it.
struct AtCursor {
    project: Project,
    file: SourceFile,
    offset: u32,
}

impl AtCursor {
    fn new(path: &Path) -> Result<Self, Failed> {
        let marked = read(path)?;
        let mut at = None;
        for (file, text) in snippet_files(&marked) {
            let (_, offsets) = cursors(&text);
            match (offsets.as_slice(), &at) {
                ([], _) => {}
                ([offset], None) => at = Some((file, *offset)),
                _ => return Err(format!("a fixture has one {CURSOR} cursor").into()),
            }
        }
        let (file, offset) = at.ok_or_else(|| format!("no {CURSOR} cursor"))?;
        let project = Project::new(&marked.replace(CURSOR, ""));
        let file = project.file(&file).ok_or("the cursor's file is not in the project")?;
        Ok(Self { project, file, offset })
    }

    fn text(&self) -> &str {
        self.file.text(&self.project.db)
    }

    /// `line:column` of `offset` in the cursor's file.
    fn position(&self, offset: u32) -> String {
        let (line, column) = LineIndex::new(self.text()).line_col(self.text(), offset);
        format!("{line}:{column}")
    }
}

fn completion_fixture(path: &Path) -> Result<(), Failed> {
    let at = AtCursor::new(path)?;
    let completions = completion::completions(&at.project.db, at.file, at.offset).ok_or("no completions")?;
    let mut actual = match completions.word {
        Some(word) => format!("word {:?} at {}\n", word.text(at.text()), at.position(word.start)),
        None => "word: the editor's own\n".to_string(),
    };
    for item in &completions.items {
        let detail = item.detail.as_deref().map_or(String::new(), |d| format!(" {d}"));
        let _ = writeln!(actual, "{} ({:?}){detail}", item.label, item.kind);
        if let Some(docs) = item.docs.as_deref().and_then(|d| d.lines().next()) {
            let _ = writeln!(actual, "    docs: {docs}");
        }
        if let Some(edit) = &item.edit {
            let _ =
                writeln!(actual, "    edit at {}-{}: {:?}", at.position(edit.span.start), at.position(edit.span.end), edit.text);
        }
    }
    snapshot(&path.with_extension("completion"), &actual);
    Ok(())
}

fn hover_fixture(path: &Path) -> Result<(), Failed> {
    let at = AtCursor::new(path)?;
    let hover = hover::hover(&at.project.db, at.file, at.offset).ok_or("no hover")?;
    let actual = format!("hover on {:?} at {}\n{}\n", hover.span.text(at.text()), at.position(hover.span.start), hover.markdown);
    snapshot(&path.with_extension("hover"), &actual);
    Ok(())
}

/// The edits an editor's rename makes: a prop's (its declaration, its uses and the attributes
/// that pass it in every importer), else a script name's with its uses in the file.
fn rename_edits(at: &AtCursor, new_name: &str) -> Option<Vec<FileEdit>> {
    let db = &at.project.db;
    if let Some(prop) = refactor::prop_at(db, at.file, at.offset) {
        return Some(refactor::rename_prop(db, &prop, new_name));
    }
    let (declaration, uses) = names::references_at(db, at.file, at.offset)?;
    let path = at.file.path(db);
    Some(
        std::iter::once(declaration)
            .chain(uses)
            .map(|span| FileEdit { path: path.clone(), span, text: new_name.into() })
            .collect(),
    )
}

fn rename_fixture(path: &Path) -> Result<(), Failed> {
    let at = AtCursor::new(path)?;
    let mut edits = rename_edits(&at, "renamed").ok_or("nothing to rename")?;
    // Applied from the end of each file, so earlier spans stay valid.
    edits.sort_by(|a, b| (&a.path, b.span.start).cmp(&(&b.path, a.span.start)));
    let mut actual = String::new();
    for (path, _) in &at.project.files {
        let mut text = at.project.text(path).to_string();
        let mine: Vec<&FileEdit> = edits.iter().filter(|e| e.path == *path).collect();
        if mine.is_empty() {
            continue;
        }
        for edit in mine {
            text.replace_range(edit.span.start as usize..edit.span.end as usize, &edit.text);
        }
        let _ = write!(actual, "---- {path} ----\n{text}");
    }
    snapshot(&path.with_extension("rename"), &actual);
    Ok(())
}
