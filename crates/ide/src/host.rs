//! The owner of the database: it turns file changes into input writes, one revision per
//! batch of changes, and hands out [`Analysis`] snapshots that answer an editor's requests.
//! Builds hold one too (`eghact_builder::Builder`).
//!
//! Invariant: memory follows the files that exist. Salsa frees neither inputs nor memos, so a
//! removed file's input is emptied, the memos that grow with its text are computed again on
//! the empty text ([`db::release`]), and the input is taken again if the path comes back (an
//! editor's unsaved buffer opened and closed over and over holds one input, not one per open).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use salsa::Setter;

use eghact_analysis::db::{self, Database, Layout, SourceFile, Workspace};

use crate::Analysis;

/// A change to one file of the source folder. Paths are relative to the project root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileChange {
    /// Created or modified; non-component files carry no text.
    Write {
        path: String,
        text: String,
    },
    Remove {
        path: String,
    },
}

pub struct AnalysisHost {
    db: Database,
    workspace: Workspace,
    files: BTreeMap<String, SourceFile>,
    /// The emptied inputs of removed files, by path.
    removed: HashMap<String, SourceFile>,
}

impl AnalysisHost {
    pub fn new(db: Database, layout: Layout) -> Self {
        let workspace = Workspace::builder(Arc::default(), layout).layout_durability(salsa::Durability::HIGH).new(&db);
        Self { db, workspace, files: BTreeMap::new(), removed: HashMap::new() }
    }

    /// The workspace as it is now, for requests to read on other threads. A later
    /// [`AnalysisHost::apply`] cancels what a snapshot is computing (its methods answer
    /// `Err(Cancelled)`), so a snapshot is dropped soon after it is taken.
    pub fn analysis(&self) -> Analysis {
        Analysis::new(self.db.clone())
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn file(&self, path: &str) -> Option<SourceFile> {
        self.files.get(path).copied()
    }

    /// Every file, by path.
    pub fn files(&self) -> &BTreeMap<String, SourceFile> {
        &self.files
    }

    /// Applies `changes` as one revision; returns the paths whose content or existence
    /// changed (an identical rewrite is no change).
    pub fn apply(&mut self, changes: impl IntoIterator<Item = FileChange>) -> Vec<String> {
        let mut changed = Vec::new();
        let mut file_set_changed = false;
        for change in changes {
            match change {
                FileChange::Write { path, text } => match self.files.get(&path) {
                    Some(file) if *file.text(&self.db) == text => {}
                    Some(file) => {
                        file.set_text(&mut self.db).to(text);
                        changed.push(path);
                    }
                    None => {
                        let file = match self.removed.remove(&path) {
                            Some(file) => {
                                file.set_text(&mut self.db).to(text);
                                file
                            }
                            None => SourceFile::new(&self.db, path.clone(), text),
                        };
                        self.files.insert(path.clone(), file);
                        file_set_changed = true;
                        changed.push(path);
                    }
                },
                FileChange::Remove { path } => {
                    if let Some(file) = self.files.remove(&path) {
                        file.set_text(&mut self.db).to(String::new());
                        self.removed.insert(path.clone(), file);
                        file_set_changed = true;
                        changed.push(path);
                    }
                }
            }
        }
        if file_set_changed {
            self.workspace.set_files(&mut self.db).to(Arc::new(self.files.clone()));
        }
        let released: Vec<SourceFile> = changed.iter().filter_map(|path| self.removed.get(path).copied()).collect();
        for file in &released {
            db::release(&self.db, *file);
        }
        if !released.is_empty() {
            // Frees the replaced memos now rather than at the next revision.
            salsa::Database::trigger_lru_eviction(&mut self.db);
        }
        changed.sort();
        changed.dedup();
        changed
    }
}
