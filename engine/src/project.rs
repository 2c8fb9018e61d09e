//! A project on disk: its `eghact.toml`, its source files, and a full build of them into the
//! output folder. Outputs are written to a temporary file and renamed, so a reader never
//! sees half a file, and nothing is written for a component with errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;

use crate::codegen::{self, CompileOptions, RUNTIME_FILE, RUNTIME_SOURCE};
use crate::diagnostics::Diagnostic;

pub const CONFIG_FILE: &str = "eghact.toml";

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("invalid {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("source folder {0} does not exist")]
    NoSources(PathBuf),
}

/// `eghact.toml`; every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Source folder, relative to the project root.
    pub src: PathBuf,
    /// Output folder, relative to the project root.
    pub out: PathBuf,
    pub cache: CacheSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self { src: "src".into(), out: "dist".into(), cache: CacheSettings::default() }
    }
}

/// `[cache]` of `eghact.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSettings {
    /// The disk cache folder, relative to the project root; `.eghact/cache` by default. Several
    /// projects may share one.
    pub dir: Option<PathBuf>,
    /// Bound of the disk cache in MiB (1024 by default).
    pub max_size_mb: Option<u64>,
    /// Entries unused for this many days are removed (30 by default).
    pub max_age_days: Option<u64>,
    /// Environment variables whose values are part of every cache key.
    pub env: Vec<String>,
}

pub struct Project {
    pub root: PathBuf,
    pub config: Config,
}

impl Project {
    pub fn open(root: &Path) -> Result<Self, ProjectError> {
        let path = root.join(CONFIG_FILE);
        let config = match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ProjectError::Config { path, message: e.to_string() })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(source) => return Err(ProjectError::Read { path, source }),
        };
        Ok(Self { root: root.to_path_buf(), config })
    }

    pub fn src_dir(&self) -> PathBuf {
        self.root.join(&self.config.src)
    }

    pub fn out_dir(&self) -> PathBuf {
        self.root.join(&self.config.out)
    }

    /// The source folder as seen from the output folder (`../src` for `dist`).
    pub fn src_from_out(&self) -> PathBuf {
        relative_to(&self.out_dir(), &self.src_dir())
    }

    /// Every file under the source folder, sorted, as paths relative to it.
    pub fn source_files(&self) -> Result<Vec<PathBuf>, ProjectError> {
        let src = self.src_dir();
        if !src.is_dir() {
            return Err(ProjectError::NoSources(src));
        }
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
            let entry = entry.map_err(|e| ProjectError::Read { path: src.clone(), source: e.into() })?;
            if entry.file_type().is_file() {
                if let Ok(relative) = entry.path().strip_prefix(&src) {
                    files.push(relative.to_path_buf());
                }
            }
        }
        Ok(files)
    }
}

pub struct FileReport {
    /// Path relative to the project root, with `/` separators.
    pub path: String,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Default)]
pub struct BuildReport {
    pub files: Vec<FileReport>,
    pub elapsed_ms: f64,
}

impl BuildReport {
    pub fn count(&self, errors: bool) -> usize {
        self.files.iter().flat_map(|f| &f.diagnostics).filter(|d| d.is_error() == errors).count()
    }
}

/// Compiles every component; writes outputs (and copies other source files) only when
/// `write` is set.
pub fn build(project: &Project, write: bool) -> Result<BuildReport, ProjectError> {
    let started = Instant::now();
    let src = project.src_dir();
    let out = project.out_dir();
    let mut report = BuildReport::default();
    for relative in project.source_files()? {
        let input = src.join(&relative);
        let is_component = relative.extension().is_some_and(|e| e == "egh");
        if !is_component {
            if write {
                let bytes = fs::read(&input).map_err(|source| ProjectError::Read { path: input.clone(), source })?;
                write_atomic(&out.join(&relative), &bytes)?;
            }
            continue;
        }
        let source = fs::read_to_string(&input).map_err(|source| ProjectError::Read { path: input.clone(), source })?;
        let depth = relative.components().count() - 1;
        let up = "../".repeat(depth);
        let project_path = slash_path(&project.config.src.join(&relative));
        let options = CompileOptions {
            runtime_import: if depth == 0 { format!("./{RUNTIME_FILE}") } else { format!("{up}{RUNTIME_FILE}") },
            source_map_source: Some(format!("{up}{}", slash_path(&relative_to(&out, &src).join(&relative)))),
        };
        let output = codegen::compile(&project_path, &source, &options);
        if write && !output.has_errors() {
            let js_path = out.join(&relative).with_extension("js");
            write_atomic(&js_path, output.js.as_bytes())?;
            write_atomic(&js_path.with_extension("js.map"), output.map.as_bytes())?;
            if !output.css.is_empty() {
                write_atomic(&js_path.with_extension("css"), output.css.as_bytes())?;
            }
        }
        report.files.push(FileReport { path: project_path, source, diagnostics: output.diagnostics });
    }
    if write {
        write_atomic(&out.join(RUNTIME_FILE), RUNTIME_SOURCE.as_bytes())?;
    }
    report.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(report)
}

/// `to` as seen from `from` when both are folders of one project (`dist` → `src` is `../src`).
fn relative_to(from: &Path, to: &Path) -> PathBuf {
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

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let error = |source| ProjectError::Write { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(error)?;
    }
    if fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&temporary, bytes).map_err(error)?;
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        error(e)
    })
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
