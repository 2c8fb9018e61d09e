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

/// The extension of a component file.
pub const COMPONENT_EXTENSION: &str = "egh";

/// The files whose text the database holds, by extension: components, and the script modules
/// whose types components import. They are the files a project watches for edits.
pub const TEXT_EXTENSIONS: [&str; 6] = [COMPONENT_EXTENSION, "ts", "mts", "cts", "js", "mjs"];

/// Whether the file at `path` is a component.
pub fn is_component(path: &str) -> bool {
    path.strip_suffix(COMPONENT_EXTENSION).is_some_and(|stem| stem.ends_with('.'))
}

/// Whether the file at `path` compiles to a module of the output: a component, or a script
/// module other than a declaration file (`eghact_codegen::module_output`).
pub fn is_compiled(path: &str) -> bool {
    is_component(path) || (has_text(path) && eghact_codegen::module_output(path).is_some())
}

/// Whether the database holds the text of the file at `path` (see [`TEXT_EXTENSIONS`]).
pub fn has_text(path: &str) -> bool {
    TEXT_EXTENSIONS.iter().any(|ext| path.strip_suffix(ext).is_some_and(|stem| stem.ends_with('.')))
}

/// A glob that matches every file [`has_text`] accepts, at any depth (`**/*.{egh,ts,…}`), for
/// file watchers.
pub fn text_files_glob() -> String {
    format!("**/*.{{{}}}", TEXT_EXTENSIONS.join(","))
}

pub fn slash_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_files_are_named_once() {
        assert!(is_component("src/App.egh") && !is_component("src/egh") && !is_component("src/App.ts"));
        for path in ["src/a.egh", "src/a.ts", "src/a.mts", "src/a.cts", "src/a.js", "src/a.mjs"] {
            assert!(has_text(path), "{path}");
        }
        assert!(!has_text("src/a.png") && !has_text("src/mjs"));
        assert_eq!(text_files_glob(), "**/*.{egh,ts,mts,cts,js,mjs}");
    }

    #[test]
    fn relative_paths_between_project_folders() {
        assert_eq!(relative_to(Path::new("/p/dist"), Path::new("/p/src")), PathBuf::from("../src"));
        assert_eq!(relative_to(Path::new("/p/out/web"), Path::new("/p/src")), PathBuf::from("../../src"));
    }
}
