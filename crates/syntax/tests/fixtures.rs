//! Parse fixtures, one test each (`parse/<name>`): every `.egh` file under `fixtures/parse`
//! has its diagnostics and syntax tree snapshotted beside it (`.tree`). Add a case by adding a
//! file; `UPDATE_EXPECT=1 cargo test -p eghact-syntax --test fixtures` writes new snapshots,
//! then review the diff.

use std::path::Path;

use eghact_syntax as syntax;
use eghact_syntax::diagnostics::render;
use eghact_test_support::{Failed, Suite, file_name, read, snapshot};

fn main() {
    Suite::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")).folder("parse", parse).run()
}

fn parse(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    let parse = syntax::parse(&source);
    let actual = format!("{}\n---- tree ----\n{:#?}\n", render(&file_name(path), &source, &parse.diagnostics), parse.component);
    snapshot(&path.with_extension("tree"), &actual);
    Ok(())
}
