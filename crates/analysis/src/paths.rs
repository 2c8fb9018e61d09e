//! Paths inside a project, written with `/` whatever the system: how one file reaches another.

use std::path::{Path, PathBuf};

/// `to` (a folder or a file) as seen from the folder `from`, both in one project (`dist` → `src` is `../src`).
pub fn relative_to(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part);
    }
    path
}

pub fn slash_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_project_folders() {
        assert_eq!(relative_to(Path::new("/p/dist"), Path::new("/p/src")), PathBuf::from("../src"));
        assert_eq!(relative_to(Path::new("/p/out/web"), Path::new("/p/src")), PathBuf::from("../../src"));
    }
}
