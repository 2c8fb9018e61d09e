//! Watch mode: notify events on the source folder, debounced into batches of changed paths,
//! so that a `git checkout` of many files becomes one rebuild.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::RecursiveMode;
use notify::event::{AccessKind, AccessMode, EventKind};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::project::slash_path;

#[derive(Debug, thiserror::Error)]
#[error("cannot watch {path}: {source}")]
pub struct WatchError {
    path: PathBuf,
    source: notify::Error,
}

pub struct SourceWatcher {
    root: PathBuf,
    events: Receiver<DebounceEventResult>,
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

impl SourceWatcher {
    /// Watches `folder` (inside the project `root`) recursively; events closer than
    /// `debounce` in time are reported together.
    pub fn new(root: &Path, folder: &Path, debounce: Duration) -> Result<Self, WatchError> {
        let (sender, events) = channel();
        let error = |source| WatchError { path: folder.to_path_buf(), source };
        let mut debouncer = new_debouncer(debounce, None, sender).map_err(error)?;
        debouncer.watch(folder, RecursiveMode::Recursive).map_err(error)?;
        // Events name canonical paths; the root must match them.
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        Ok(Self { root, events, _debouncer: debouncer })
    }

    /// The next batch of changed paths (relative to the project root, sorted, without
    /// duplicates), or `None` when `timeout` passes first or the watcher stopped.
    /// Watcher errors (an overflowed event queue) are returned as the batch's errors, and
    /// the caller should rescan.
    pub fn next_batch(&self, timeout: Duration) -> Option<Batch> {
        let first = match self.events.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        let mut batch = Batch::default();
        for result in std::iter::once(first).chain(self.events.try_iter()) {
            match result {
                Ok(events) => {
                    for event in events.iter().filter(|event| changes_files(&event.kind)) {
                        batch.rescan |= event.need_rescan();
                        for path in &event.paths {
                            if let Ok(relative) = path.strip_prefix(&self.root) {
                                batch.paths.push(slash_path(relative));
                            }
                        }
                    }
                }
                Err(errors) => {
                    batch.rescan = true;
                    batch.errors.extend(errors.iter().map(ToString::to_string));
                }
            }
        }
        batch.paths.sort();
        batch.paths.dedup();
        Some(batch)
    }
}

/// Whether an event may mean a changed file. Opening, reading and closing a file unwritten
/// change nothing, and the watcher's owner reads what it is told changed: taking those
/// accesses as changes would make it read again, forever.
fn changes_files(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Access(access) if *access != AccessKind::Close(AccessMode::Write))
}

#[derive(Debug, Default)]
pub struct Batch {
    pub paths: Vec<String>,
    /// Events were lost: the whole source folder must be read again.
    pub rescan: bool,
    pub errors: Vec<String>,
}
