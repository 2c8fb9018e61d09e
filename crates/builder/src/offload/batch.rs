//! `compile-batch`: what a worker runs for an offloaded batch, with this same compiler.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::builder::{BuildOptions, Builder};
use crate::cache::{CacheEntry, CacheError, CacheKey};
use crate::project::{Project, ProjectError};

/// One component compiled by `compile-batch`: its entry, or why there is none.
pub struct BatchOutput {
    pub path: String,
    pub result: Result<(CacheKey, Arc<CacheEntry>), String>,
}

/// The options `compile-batch` builds with: no caches, no outputs, no images.
pub fn batch_options(compiler_version: String) -> BuildOptions {
    BuildOptions { compiler_version, write: false, memory_cache: false, image_processor: None }
}

/// The file of an entry in `compile-batch`'s output folder.
pub fn batch_output_path(out: &Path, key: &CacheKey) -> PathBuf {
    out.join(key.to_string())
}

/// Why `compile-batch` could not run at all. A component it cannot compile under its key is
/// no error: it is refused, and the asking build compiles it itself.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0:?} is not PATH=KEY")]
    Item(String),
    #[error("{0:?} is not a cache key")]
    Key(String),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// The `compile-batch` mode of every executable that may be uploaded as the compiler of a
/// remote action (`eghact`, `eghact-lsp`): compiles `items` (`PATH=KEY`, the path relative to
/// the project root) of the project at `project_dir` and writes each entry to
/// [`batch_output_path`] under `out`. Answers the refusals (`PATH: reason`), to print for the
/// asking build's warnings. `compiler_version` must be the one the asking build's keys were
/// computed with ([`super::compiler_version`] in the same executable), or every item is refused.
pub fn run_compile_batch(
    project_dir: &Path,
    out: &Path,
    items: &[String],
    compiler_version: String,
) -> Result<Vec<String>, BatchError> {
    let items = items
        .iter()
        .map(|item| {
            let (path, key) = item.rsplit_once('=').ok_or_else(|| BatchError::Item(item.clone()))?;
            let key = CacheKey::from_hex(key).ok_or_else(|| BatchError::Key(key.to_string()))?;
            Ok((path.to_string(), key))
        })
        .collect::<Result<Vec<_>, BatchError>>()?;
    let mut builder = Builder::open(Project::open(project_dir)?, batch_options(compiler_version));
    builder.load()?;
    std::fs::create_dir_all(out).map_err(|source| ProjectError::Write { path: out.to_path_buf(), source })?;
    let mut refused = Vec::new();
    for output in builder.compile_batch(&items)? {
        match output.result {
            Ok((key, entry)) => {
                let path = batch_output_path(out, &key);
                std::fs::write(&path, entry.encode(&key)?).map_err(|source| ProjectError::Write { path, source })?;
            }
            Err(reason) => refused.push(format!("{}: {reason}", output.path)),
        }
    }
    Ok(refused)
}
