//! The owner of the database: it turns file changes into input writes, one revision per
//! batch of changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use salsa::Setter;

use crate::db::{Database, Layout, SourceFile, Workspace};

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

pub struct Host {
    db: Database,
    workspace: Workspace,
    files: BTreeMap<String, SourceFile>,
}

impl Host {
    pub fn new(db: Database, layout: Layout) -> Self {
        let workspace = Workspace::builder(Arc::default(), layout).layout_durability(salsa::Durability::HIGH).new(&db);
        Self { db, workspace, files: BTreeMap::new() }
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
                        let file = SourceFile::new(&self.db, path.clone(), text);
                        self.files.insert(path.clone(), file);
                        file_set_changed = true;
                        changed.push(path);
                    }
                },
                FileChange::Remove { path } => {
                    if self.files.remove(&path).is_some() {
                        file_set_changed = true;
                        changed.push(path);
                    }
                }
            }
        }
        if file_set_changed {
            self.workspace.set_files(&mut self.db).to(Arc::new(self.files.clone()));
        }
        changed.sort();
        changed.dedup();
        changed
    }
}
