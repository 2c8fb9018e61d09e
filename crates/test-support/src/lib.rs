//! What the crates' data-driven tests share: a runner that makes every fixture file its own
//! test (named `folder/stem`, so `cargo test -p eghact-codegen --test fixtures -- compile/each_keyed`
//! runs one and a mismatch hides no other), snapshots beside the fixture (`UPDATE_EXPECT=1`
//! writes them), projects written as one text (`//- src/Path.egh` lines) and `$0` cursors.
//!
//! The runner is libtest-mimic behind `harness = false`: the fixture folders are listed when
//! the test binary starts, so adding a file adds a test without touching Rust, and libtest's
//! own command line (filters, `--exact`, `--list`, `--test-threads`) keeps working.
//! With the `analysis` feature, [`project`] loads such a project into the database.
//! **Invariant:** a dev-dependency only, outside the layering order: no library depends on
//! it, and without `analysis` it depends on no eghact crate.

use std::any::Any;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Trial};

pub use libtest_mimic::Failed;

/// A cursor in a fixture (as rust-analyzer writes it); removed before the text is analysed.
pub const CURSOR: &str = "$0";

/// The fixture tests of one test binary.
pub struct Suite {
    root: PathBuf,
    trials: Vec<Trial>,
}

impl Suite {
    /// Fixtures under `root` (a crate's `tests/fixtures`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), trials: Vec::new() }
    }

    /// One test per `.egh` file of `root/folder` (subfolders are folders of their own), named
    /// `folder/stem` and run by `run` on the file's path. A folder without fixtures is a
    /// failing test, so a moved folder cannot pass silently.
    pub fn folder(mut self, folder: &str, run: fn(&Path) -> Result<(), Failed>) -> Self {
        let dir = self.root.join(folder);
        let files = fixture_files(&dir);
        if files.is_empty() {
            let message = format!("no .egh fixtures in {}", dir.display());
            self.trials.push(Trial::test(folder.to_string(), move || Err(message.into())));
        }
        for path in files {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            self.trials.push(Trial::test(format!("{folder}/{stem}"), move || catching(|| run(&path))));
        }
        self
    }

    /// One test per script module of `root/folder` (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`,
    /// declaration files included), named `folder/<file name>` (`util.ts` and `util.js` are two
    /// tests), run by `run` on the file's path; a folder without any fails as [`Suite::folder`].
    pub fn modules(mut self, folder: &str, run: fn(&Path) -> Result<(), Failed>) -> Self {
        let dir = self.root.join(folder);
        let files = files_with(&dir, &MODULE_EXTENSIONS);
        if files.is_empty() {
            let message = format!("no script modules in {}", dir.display());
            self.trials.push(Trial::test(folder.to_string(), move || Err(message.into())));
        }
        for path in files {
            let name = file_name(&path);
            self.trials.push(Trial::test(format!("{folder}/{name}"), move || catching(|| run(&path))));
        }
        self
    }

    /// Runs the tests the command line selects and exits with libtest's status.
    pub fn run(self) -> ! {
        // A failing fixture reports its panic's message through the runner; the default hook
        // would print it a second time, interleaved with other threads.
        panic::set_hook(Box::new(|_| {}));
        libtest_mimic::run(&Arguments::from_args(), self.trials).exit()
    }
}

/// The extensions of the script modules a project compiles (`Suite::modules`).
const MODULE_EXTENSIONS: [&str; 5] = ["ts", "mts", "cts", "js", "mjs"];

/// The `.egh` files directly inside `dir`, sorted; none when it cannot be read.
pub fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    files_with(dir, &["egh"])
}

/// The files directly inside `dir` with one of `extensions`, sorted; none when it cannot be read.
fn files_with(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)))
        .collect();
    files.sort();
    files
}

/// Every component of the repository's fixture folders (each engine crate's
/// `tests/fixtures`, `examples`, `tests/browser/fixtures`), as `(name, text)`: a file's path
/// from the repository root, or `path: component` for each `.egh` of a `//- ` project.
pub fn repository_components() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = ["syntax", "codegen", "analysis", "ide"].map(|krate| format!("crates/{krate}/tests/fixtures"));
    let mut found = Vec::new();
    for folder in fixtures.iter().map(String::as_str).chain(["examples", "tests/browser/fixtures"]) {
        for entry in walkdir::WalkDir::new(root.join(folder)).sort_by_file_name() {
            let entry = entry.expect("a readable folder");
            if entry.path().extension().is_none_or(|e| e != "egh") {
                continue;
            }
            let name = entry.path().strip_prefix(&root).unwrap_or(entry.path()).display().to_string();
            let text = fs::read_to_string(entry.path()).expect("a readable fixture");
            if text.starts_with("//- ") {
                let components = snippet_files(&text).into_iter().filter(|(path, _)| path.ends_with(".egh"));
                found.extend(components.map(|(path, text)| (format!("{name}: {path}"), text)));
            } else {
                found.push((name, text));
            }
        }
    }
    found
}

/// Runs `test`, turning a panic (a failed `assert!`, a snapshot mismatch) into a failure with
/// its message.
fn catching(test: impl FnOnce() -> Result<(), Failed>) -> Result<(), Failed> {
    panic::catch_unwind(AssertUnwindSafe(test)).unwrap_or_else(|payload| Err(panic_message(payload.as_ref()).into()))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(message), _) => message.to_string(),
        (_, Some(message)) => message.clone(),
        // expect-test prints its diff itself, then unwinds with `()`.
        _ => "a snapshot differs (the diff is printed above)".to_string(),
    }
}

/// The text of a fixture, or a failure naming it.
pub fn read(path: &Path) -> Result<String, Failed> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// The file name of a fixture, as its diagnostics are rendered.
pub fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Compares `actual` with the snapshot `path` (rewritten instead under `UPDATE_EXPECT=1`).
pub fn snapshot(path: &Path, actual: &str) {
    expect_test::expect_file![path].assert_eq(actual);
}

/// The files of a project written as one text: `//- path` lines start files; without them,
/// the whole text is `src/App.egh`.
pub fn snippet_files(snippet: &str) -> Vec<(String, String)> {
    if !snippet.trim_start().starts_with("//- ") {
        return vec![("src/App.egh".to_string(), snippet.to_string())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in snippet.split_inclusive('\n') {
        match line.strip_prefix("//- ") {
            Some(path) => files.push((path.trim().to_string(), String::new())),
            None => {
                if let Some((_, text)) = files.last_mut() {
                    text.push_str(line);
                }
            }
        }
    }
    files
}

/// `marked` without its [`CURSOR`] markers, and the byte offset of each in that text.
pub fn cursors(marked: &str) -> (String, Vec<u32>) {
    let mut offsets = Vec::new();
    let mut text = String::with_capacity(marked.len());
    for (i, piece) in marked.split(CURSOR).enumerate() {
        if i > 0 {
            offsets.push(text.len() as u32);
        }
        text.push_str(piece);
    }
    (text, offsets)
}

/// A project written as one text, loaded into a database as the builder's host would load
/// it from disk (`src/` sources, `dist/` outputs).
#[cfg(feature = "analysis")]
pub mod project {
    use std::sync::Arc;

    use eghact_analysis::db::{Database, Layout, SourceFile, TSCONFIG_FILE, Workspace, type_settings_of};
    use salsa::Setter;

    pub struct Project {
        pub db: Database,
        /// Every file, in the order the text writes them.
        pub files: Vec<(String, SourceFile)>,
    }

    impl Project {
        /// The project `snippet` writes; a `tsconfig.json` in it is the project's (not a source).
        pub fn new(snippet: &str) -> Self {
            let mut db = Database::default();
            let (tsconfig, sources): (Vec<_>, Vec<_>) =
                super::snippet_files(snippet).into_iter().partition(|(path, _)| path == TSCONFIG_FILE);
            let types = tsconfig.into_iter().next().map(|(_, text)| type_settings_of(text)).unwrap_or_default();
            let layout = Layout { src: "src".into(), src_from_out: "../src".into(), types, ..Layout::default() };
            let workspace = Workspace::new(&db, Arc::default(), layout);
            let files: Vec<(String, SourceFile)> =
                sources.into_iter().map(|(path, text)| (path.clone(), SourceFile::new(&db, path, text))).collect();
            workspace.set_files(&mut db).to(Arc::new(files.iter().cloned().collect()));
            Self { db, files }
        }

        pub fn file(&self, path: &str) -> Option<SourceFile> {
            self.files.iter().find(|(p, _)| p == path).map(|(_, file)| *file)
        }

        pub fn text(&self, path: &str) -> &str {
            self.file(path).map_or("", |file| file.text(&self.db))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_on_path_lines() {
        let files = snippet_files("//- src/A.egh\n<p>a</p>\n//- src/lib/b.ts\nexport const b = 1;\n");
        assert_eq!(
            files,
            [
                ("src/A.egh".to_string(), "<p>a</p>\n".to_string()),
                ("src/lib/b.ts".to_string(), "export const b = 1;\n".to_string())
            ]
        );
        assert_eq!(snippet_files("<p/>"), [("src/App.egh".to_string(), "<p/>".to_string())]);
    }

    #[test]
    fn cursors_are_offsets_in_the_unmarked_text() {
        assert_eq!(cursors("a$0bc$0"), ("abc".to_string(), vec![1, 3]));
    }
}
