//! What the `eghact` binary's end-to-end tests share: a project written to a temporary folder,
//! and the binary run on it.
#![allow(dead_code)] // Each test file uses part of it.

use std::fs;
use std::path::Path;
use std::process::Command;

/// `eghact ARGS DIR`.
pub fn eghact(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_eghact")).args(args).arg(dir).output().expect("run eghact")
}

/// A temporary project holding `files` (project path, text).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}
