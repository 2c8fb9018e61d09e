//! Watch mode: notify events on the source folder, debounced into batches of changed paths,
//! so that a `git checkout` of many files becomes one rebuild.
//!
//! Invariant: only events that change what a file holds or where it is (creation, data, name,
//! metadata other than access times, removal) name a path. Reads are no changes: a build reads
//! the files it was told of, and taking its own reads for changes would rebuild forever.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::RecursiveMode;
use notify::event::{EventKind, MetadataKind, ModifyKind};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use eghact_analysis::paths::slash_path;

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
    /// duplicates), or `None` when `timeout` passes first or the watcher stopped. Events that
    /// change nothing (reads) make no batch. Watcher errors (an overflowed event queue) are
    /// returned as the batch's errors, and the caller should rescan.
    pub fn next_batch(&self, timeout: Duration) -> Option<Batch> {
        let deadline = Instant::now() + timeout;
        loop {
            let first = match self.events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(result) => result,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            };
            let batch = self.batch(first);
            if !batch.paths.is_empty() || batch.rescan {
                return Some(batch);
            }
        }
    }

    /// `first` and the events that arrived with it.
    fn batch(&self, first: DebounceEventResult) -> Batch {
        let mut batch = Batch::default();
        for result in std::iter::once(first).chain(self.events.try_iter()) {
            match result {
                Ok(events) => {
                    for event in events {
                        batch.rescan |= event.need_rescan();
                        if !changes_files(&event.kind) {
                            continue;
                        }
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
        tracing::debug!(paths = ?batch.paths, rescan = batch.rescan, "changes seen");
        batch
    }
}

/// Whether an event of this kind may have changed a file's contents, existence or name. Kinds
/// a platform does not tell apart (`Any`, `Other`) count as changes.
fn changes_files(kind: &EventKind) -> bool {
    match kind {
        // Opening, reading and closing (after writing too: the writes came as `Modify`).
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        EventKind::Any | EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Other => true,
    }
}

#[derive(Debug, Default)]
pub struct Batch {
    pub paths: Vec<String>,
    /// Events were lost: the whole source folder must be read again.
    pub rescan: bool,
    pub errors: Vec<String>,
}

#[cfg(test)]
mod tests {
    use notify::event::{AccessKind, AccessMode, CreateKind, DataChange, RemoveKind, RenameMode};

    use super::*;

    #[test]
    fn reads_are_no_changes() {
        let reads = [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
        ];
        assert!(reads.iter().all(|kind| !changes_files(kind)));
        let changes = [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions)),
            EventKind::Remove(RemoveKind::Folder),
            EventKind::Any,
        ];
        assert!(changes.iter().all(changes_files));
    }
}
