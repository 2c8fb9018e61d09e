//! The output folder: the only way to name, write or remove a file in it ([`OutputPath`]), and
//! which source files would write the same output file ([`collisions`]).
//!
//! Invariant: an [`OutputPath`] is relative to the output folder with normal components only,
//! and no folder on its way is a symbolic link leading out of the output folder. Whatever a
//! build record says, a build writes and removes nothing but files inside the output folder,
//! and removing a symbolic link removes the link, not what it points to.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::project::{ProjectError, write_atomic_with_mode};
use eghact_analysis::paths;
use eghact_codegen::{DEPENDENCIES_DIR, RUNTIME_FILE};
use eghact_semantics::routes::MANIFEST_FILE;
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// The output folder of a project (see `Project::output`).
#[derive(Clone, Debug)]
pub struct OutputFolder {
    path: PathBuf,
    /// `path` with its symbolic links resolved.
    physical: PathBuf,
}

/// A file inside the output folder, made only by [`OutputFolder::file`].
#[derive(Clone, Debug)]
pub struct OutputPath {
    path: PathBuf,
    relative: String,
    /// The output folder, where removing empty folders stops.
    folder: PathBuf,
}

impl OutputFolder {
    pub(crate) fn new(path: PathBuf, physical: PathBuf) -> Self {
        Self { path, physical }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file at `relative` (slash-separated) in this folder: an error (E0712) when the path
    /// is not a plain relative one, or when a folder on its way is a symbolic link that leads
    /// out of the output folder.
    pub fn file(&self, relative: &str) -> Result<OutputPath, ProjectError> {
        let refuse = |why: &str| {
            let diagnostic =
                Diagnostic::error("E0712", format!("`{relative}` is not a file inside the output folder"), Span::default())
                    .with_label(why.to_string())
                    .with_help("nothing outside the output folder is written or removed; replace the link by a folder");
            ProjectError::at_path(&self.path, diagnostic)
        };
        if !is_plain_relative(relative) {
            return Err(refuse("it is absolute, or has `.` or `..` in it"));
        }
        let mut folder = self.path.clone();
        let folders = relative.split('/').collect::<Vec<_>>();
        for part in std::iter::once("").chain(folders[..folders.len() - 1].iter().copied()) {
            folder.push(part);
            match fs::symlink_metadata(&folder) {
                Ok(metadata) if metadata.file_type().is_symlink() => match folder.canonicalize() {
                    Ok(target) if target.starts_with(&self.physical) => {}
                    _ => return Err(refuse(&format!("`{}` is a symbolic link that leads out of it", folder.display()))),
                },
                Ok(_) => {}
                // Missing folders are created as folders.
                Err(_) => break,
            }
        }
        Ok(OutputPath { path: self.path.join(relative), relative: relative.to_string(), folder: self.path.clone() })
    }
}

impl OutputPath {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Relative to the output folder, slash-separated.
    pub fn relative(&self) -> &str {
        &self.relative
    }

    /// Writes `bytes` atomically, replacing whatever is there (a symbolic link included).
    pub fn write(&self, bytes: &[u8]) -> Result<(), ProjectError> {
        write_atomic_with_mode(&self.path, bytes, None)
    }

    /// Writes a copy of a source file with the source's permission bits `mode`, without
    /// setuid, setgid and sticky: a copy is never more open than its source.
    pub fn write_copy(&self, bytes: &[u8], mode: u32) -> Result<(), ProjectError> {
        write_atomic_with_mode(&self.path, bytes, Some(mode & 0o777))
    }

    /// Removes the file, then the folders it leaves empty up to the output folder (so that a
    /// removed or renamed source folder leaves nothing behind); a symbolic link is removed
    /// itself, never what it points to.
    pub fn remove(&self) {
        if fs::remove_file(&self.path).is_err() {
            return;
        }
        let mut folder = self.path.parent();
        while let Some(dir) = folder.filter(|dir| dir.starts_with(&self.folder) && *dir != self.folder) {
            if fs::remove_dir(dir).is_err() {
                break;
            }
            folder = dir.parent();
        }
    }
}

/// Whether `path` is slash-separated and relative with normal components only: no root, no
/// drive, no `.`, no `..`, no empty part, no backslash.
pub fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|part| {
            let mut components = Path::new(part).components();
            !part.contains(['\\', '\0'])
                && matches!((components.next(), components.next()), (Some(Component::Normal(name)), None) if name == part)
        })
}

/// The files a component writes, relative to the output folder: `ui/Card.js`,
/// `ui/Card.js.map` and `ui/Card.css` for `ui/Card.egh` in the source folder.
pub fn component_outputs(in_src: &str) -> [String; 3] {
    let stem = in_src.strip_suffix(".egh").unwrap_or(in_src);
    [format!("{stem}.js"), format!("{stem}.js.map"), format!("{stem}.css")]
}

/// The files a script module writes, relative to the output folder: `lib/util.js` and
/// `lib/util.js.map` for `lib/util.ts` (`eghact_codegen::module_output`); none for a
/// declaration file.
pub fn module_outputs(in_src: &str) -> Option<[String; 2]> {
    let js = eghact_codegen::module_output(in_src)?;
    let map = format!("{js}.map");
    Some([js, map])
}

/// The files a source file writes, relative to the output folder: a component's
/// ([`component_outputs`]), a script module's ([`module_outputs`]); none for a declaration
/// file or a file that is copied.
pub fn source_outputs(in_src: &str) -> Vec<String> {
    if paths::is_component(in_src) {
        return component_outputs(in_src).to_vec();
    }
    match module_outputs(in_src) {
        Some(outputs) if paths::has_text(in_src) => outputs.to_vec(),
        _ => Vec::new(),
    }
}

/// Source files whose output another source or the build itself writes, with the diagnostic
/// of each collision: a compiled source (component or script module) whose output an earlier
/// one in path order writes is not compiled (E0511: `util.js` wins over `util.ts`, `Foo.egh`
/// over `Foo.js`), nor one that writes a file of the build (`eghact-runtime.js`, W0509), and a
/// file named like an output is not copied (W0509).
#[derive(Debug, Default)]
pub struct Collisions {
    /// Paths relative to the source folder.
    pub not_copied: BTreeSet<String>,
    /// Components and script modules that write nothing (E0511, W0509), relative to the source
    /// folder.
    pub not_written: BTreeSet<String>,
    /// Output file (relative to the output folder) → the source that writes it.
    pub claimed: BTreeMap<String, String>,
    /// Path relative to the source folder → its diagnostics: the component whose output wins,
    /// the source that is not compiled, or the file that the build's own file replaces.
    pub diagnostics: BTreeMap<String, Vec<Diagnostic>>,
}

/// The collisions among `sources` (paths relative to the source folder).
pub fn collisions<'a>(sources: impl IntoIterator<Item = &'a str>) -> Collisions {
    let mut sources: Vec<&str> = sources.into_iter().collect();
    sources.sort_unstable();
    let mut collisions = Collisions::default();
    let build_files = [RUNTIME_FILE, MANIFEST_FILE];
    for source in &sources {
        let outputs = source_outputs(source);
        let taken = outputs.iter().find_map(|output| Some((output, collisions.claimed.get(output)?)));
        let is_build_file = |output: &String| {
            build_files.contains(&output.as_str())
                || output.strip_prefix(DEPENDENCIES_DIR).is_some_and(|rest| rest.starts_with('/'))
        };
        let diagnostic = if outputs.iter().any(is_build_file) {
            Diagnostic::warning(
                "W0509",
                format!("`{source}` is a file the build writes itself; it is not compiled"),
                Span::default(),
            )
            .with_help("rename it")
        } else if let Some((output, winner)) = taken {
            Diagnostic::error(
                "E0511",
                format!("`{source}` writes `{output}`, as `{winner}` does; it is not compiled"),
                Span::default(),
            )
            .with_help("rename one of them: two sources cannot have the same output file")
        } else {
            collisions.claimed.extend(outputs.into_iter().map(|output| (output, source.to_string())));
            continue;
        };
        collisions.diagnostics.entry(source.to_string()).or_default().push(diagnostic);
        collisions.not_written.insert(source.to_string());
    }
    // Files that are copied (no component or script module can have the name of a build file).
    for file in sources.iter().filter(|p| !paths::has_text(p)) {
        let Some(writer) = collisions.claimed.get(*file) else { continue };
        let kind = if paths::is_component(writer) { "component" } else { "module" };
        let diagnostic = Diagnostic::warning(
            "W0509",
            format!("`{file}` in the source folder has the same output file as this {kind}; it is not copied"),
            Span::default(),
        )
        .with_help(format!("rename one of them: the {kind}'s output is written, the file is left out"));
        collisions.diagnostics.entry(writer.clone()).or_default().push(diagnostic);
        collisions.not_copied.insert(file.to_string());
    }
    collisions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths() {
        for good in ["App.js", "ui/Card.js.map", "assets/a-1-2.webp", "..a", "a..b/c"] {
            assert!(is_plain_relative(good), "{good}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./a", "a/./b", "a//b", "a/", "a\\..\\b", "a\0b"] {
            assert!(!is_plain_relative(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_component_wins_over_a_file_with_its_output_name() {
        let found = collisions([
            "Foo.egh",
            "Foo.css",
            "Foo.js.map",
            "Bar.js",
            "eghact-runtime.js",
            "lib/Foo.js",
            "util.ts",
            "util.js.map",
        ]);
        let not_copied = ["Foo.css", "Foo.js.map", "util.js.map"];
        assert_eq!(found.not_copied.iter().collect::<Vec<_>>(), not_copied);
        assert_eq!(found.diagnostics["Foo.egh"].len(), 2);
        assert!(found.diagnostics["util.ts"][0].message.contains("as this module"));
        assert_eq!(found.diagnostics["eghact-runtime.js"][0].code, "W0509");
        assert_eq!(found.not_written.iter().collect::<Vec<_>>(), ["eghact-runtime.js"]);
    }

    #[test]
    fn two_sources_with_one_output_name_compile_the_first_only() {
        let found = collisions(["util.ts", "Foo.js", "util.js", "Foo.egh", "a.mts", "a.mjs", "a.cts", "types.d.ts", "types.js"]);
        assert_eq!(found.not_written.iter().collect::<Vec<_>>(), ["Foo.js", "a.mts", "util.ts"]);
        let error = &found.diagnostics["util.ts"][0];
        assert_eq!(error.code, "E0511");
        assert_eq!(error.message, "`util.ts` writes `util.js`, as `util.js` does; it is not compiled");
        assert!(found.diagnostics["Foo.js"][0].message.contains("as `Foo.egh` does"));
        assert_eq!(found.claimed["util.js.map"], "util.js");
        assert_eq!(found.claimed["a.cjs"], "a.cts");
        assert!(found.not_copied.is_empty());
    }
}
