//! Reading the source folder into changes for a database: the whole folder (a first load) or
//! the paths a watcher named. Shared by the `Builder` and the editor, which holds a database
//! without a builder; nothing here writes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use eghact_analysis::db::{self, SourceFile};
use eghact_analysis::paths::slash_path;
use eghact_ide::FileChange;

use crate::project::{PathDiagnostic, Project, ProjectError};

/// What the source folder holds compared with what a database holds (`known`, by path).
#[derive(Debug, Default)]
pub struct SourceRead {
    pub changes: Vec<FileChange>,
    /// Known files without text (assets) that were named: changed as far as anyone can tell.
    pub assets: Vec<String>,
    /// Files left out (a link out of the project, a name that is not UTF-8).
    pub problems: Vec<PathDiagnostic>,
}

/// The changes that make `known` what the whole source folder holds.
pub fn read_sources(project: &Project, known: &BTreeMap<String, SourceFile>) -> Result<SourceRead, ProjectError> {
    let src = project.src_dir();
    let mut read = SourceRead::default();
    let mut present = BTreeSet::new();
    let sources = project.source_files()?;
    read.problems.extend(sources.skipped);
    for relative in sources.files {
        let path = slash_path(&project.config.src.join(&relative));
        read.changes.push(read_change(&src.join(&relative), &path)?);
        present.insert(path);
    }
    read.changes.extend(known.keys().filter(|p| !present.contains(*p)).map(|path| FileChange::Remove { path: path.clone() }));
    Ok(read)
}

/// The changes that make the files at `paths` (relative to the project root, files or folders)
/// in `known` what the disk holds: a file that is gone is removed.
pub fn read_paths(
    project: &Project,
    known: &BTreeMap<String, SourceFile>,
    paths: impl IntoIterator<Item = String>,
) -> Result<SourceRead, ProjectError> {
    let mut read = SourceRead::default();
    for path in paths {
        let on_disk = project.root.join(&path);
        // A link out of the project, a name that is not UTF-8: as if the file were gone.
        let problem = project.source_problem(&on_disk);
        let admitted = problem.is_none();
        read.problems.extend(problem);
        if admitted && on_disk.is_file() {
            if !db::has_text(&path) && known.contains_key(&path) {
                read.assets.push(path.clone());
            }
            read.changes.push(read_change(&on_disk, &path)?);
        } else if admitted && on_disk.is_dir() {
            // A folder appeared or was renamed: take in everything under it.
            for entry in walkdir::WalkDir::new(&on_disk).into_iter().flatten().filter(|e| e.file_type().is_file()) {
                if let Ok(relative) = entry.path().strip_prefix(&project.root) {
                    read.changes.push(read_change(entry.path(), &slash_path(relative))?);
                }
            }
        } else {
            let prefix = format!("{path}/");
            read.changes.extend(
                known.keys().filter(|p| **p == path || p.starts_with(&prefix)).map(|p| FileChange::Remove { path: p.clone() }),
            );
        }
    }
    Ok(read)
}

fn read_change(on_disk: &Path, path: &str) -> Result<FileChange, ProjectError> {
    let text = if db::has_text(path) {
        fs::read_to_string(on_disk).map_err(|source| ProjectError::Read { path: on_disk.to_path_buf(), source })?
    } else {
        String::new()
    };
    Ok(FileChange::Write { path: path.to_string(), text })
}
