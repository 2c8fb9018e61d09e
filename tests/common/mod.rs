//! Helpers shared by the command line's end-to-end tests.

use std::fs;
use std::path::Path;

/// Every file under `dist/`, by relative path.
pub fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let dist = dir.join("dist");
    let mut files: Vec<_> = walkdir::WalkDir::new(&dist)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(&dist).unwrap().display().to_string(), fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}
