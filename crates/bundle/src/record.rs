//! The bundle record: what the last bundle read and wrote, so that a bundle whose inputs and
//! output are as they were is not done again (a warm `eghact build --release` skips Rolldown).
//!
//! Inputs are every file Rolldown loaded (compiled modules, their maps and styles, package
//! files), the page, `eghact.toml` and the package manager's files, each with its size,
//! modification time and content digest, plus one digest of the compiler and the run's settings.
//! Outputs are the files of the output folder. A file counts as unchanged when its size and
//! modification time are the recorded ones, or else when its content digest is (a `touch` costs
//! a hash, not a bundle). The record is written after a bundle without errors whose inputs all lie
//! inside the project, and read as untrusted: a record that does not parse, names a path that is
//! not plain and relative, or differs in anything means "bundle again".

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use eghact_builder::Stamp;
use eghact_builder::output::is_plain_relative;
use eghact_builder::project::{read_regular_file, write_atomic};
use eghact_syntax::diagnostics::Diagnostic;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::ChunkReport;

/// The record's file in the bundle's work folder (`.eghact/bundle/`).
pub(crate) const RECORD_FILE: &str = "bundle-record.json";

/// Bumped when the record's shape changes; a record of another format is ignored.
const FORMAT: u32 = 1;

/// Files besides the modules that decide what a bundle resolves and how: absent ones count too
/// (a lock file that appears changes the packages).
pub(crate) const PROJECT_INPUTS: [&str; 7] =
    ["index.html", "eghact.toml", "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FileState {
    stamp: Stamp,
    digest: String,
}

impl FileState {
    fn of_bytes(path: &Path, bytes: &[u8]) -> Option<Self> {
        Some(Self { stamp: Stamp::of(path)?, digest: blake3::hash(bytes).to_hex().to_string() })
    }

    fn read(path: &Path) -> Option<Self> {
        Self::of_bytes(path, &read_regular_file(path).ok()?)
    }

    /// Whether `path` still holds what was recorded: the same stamp, or else the same content.
    fn holds(&self, path: &Path) -> bool {
        match Stamp::of(path) {
            Some(stamp) if stamp == self.stamp => true,
            Some(stamp) if stamp.len == self.stamp.len => {
                read_regular_file(path).is_ok_and(|bytes| blake3::hash(&bytes).to_hex().as_str() == self.digest)
            }
            _ => false,
        }
    }
}

/// What a bundle reports besides its phases, kept to be reported again when it is reused.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RecordedReport {
    pub chunks: Vec<ChunkReport>,
    pub diagnostics: Vec<(String, Diagnostic)>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct BundleRecord {
    format: u32,
    /// The compiler and the settings of the run, as one digest.
    settings: String,
    /// Files relative to the project root; `None`: the file was absent.
    inputs: BTreeMap<String, Option<FileState>>,
    /// Files relative to the output folder.
    outputs: BTreeMap<String, FileState>,
    report: RecordedReport,
}

impl BundleRecord {
    /// The record after a bundle: `inputs` are absolute paths, `outputs` the files now in `out`.
    /// `None` when an input lies outside `root` (such a bundle is always done again).
    pub(crate) fn new(
        settings: String,
        root: &Path,
        inputs: &BTreeSet<PathBuf>,
        out: &Path,
        outputs: &BTreeMap<String, Vec<u8>>,
        report: RecordedReport,
    ) -> Option<Self> {
        let mut recorded: BTreeMap<String, Option<FileState>> = inputs
            .par_iter()
            .map(|path| Some((path.strip_prefix(root).ok()?.to_str()?.replace('\\', "/"), FileState::read(path))))
            .collect::<Option<_>>()?;
        for name in PROJECT_INPUTS {
            recorded.insert(name.to_string(), FileState::read(&root.join(name)));
        }
        let outputs = outputs
            .iter()
            .map(|(name, bytes)| Some((name.clone(), FileState::of_bytes(&out.join(name), bytes)?)))
            .collect::<Option<_>>()?;
        Some(Self { format: FORMAT, settings, inputs: recorded, outputs, report })
    }

    /// The record at `path`, when there is a readable one of this format.
    pub(crate) fn load(path: &Path) -> Option<Self> {
        let record: Self = serde_json::from_slice(&read_regular_file(path).ok()?).ok()?;
        (record.format == FORMAT).then_some(record)
    }

    /// Writes the record at `path`; a record that cannot be written only costs the next bundle
    /// its reuse.
    pub(crate) fn save(&self, path: &Path) {
        let saved = serde_json::to_vec(self)
            .map_err(|error| error.to_string())
            .and_then(|json| write_atomic(path, &json).map_err(|error| error.to_string()));
        if let Err(error) = saved {
            tracing::warn!("cannot write the bundle record {}: {error}", path.display());
        }
    }

    /// The recorded report when nothing the bundle read or wrote has changed since: the same
    /// settings, every input as it was (present or absent), and `out` holding exactly the
    /// recorded outputs.
    pub(crate) fn reusable(self, settings: &str, root: &Path, out: &Path) -> Option<RecordedReport> {
        if self.settings != settings {
            return None;
        }
        let inputs_hold = self.inputs.par_iter().all(|(relative, state)| {
            is_plain_relative(relative)
                && match state {
                    Some(state) => state.holds(&root.join(relative)),
                    None => std::fs::symlink_metadata(root.join(relative)).is_err(),
                }
        });
        let outputs_hold = inputs_hold
            && self.outputs.iter().all(|(relative, state)| is_plain_relative(relative) && state.holds(&out.join(relative)))
            && files_under(out).is_some_and(|files| files.iter().eq(self.outputs.keys()));
        outputs_hold.then_some(self.report)
    }
}

/// The files under `folder` relative to it, with `/`, sorted; `None` when it cannot be read or
/// holds anything but folders and regular files.
fn files_under(folder: &Path) -> Option<BTreeSet<String>> {
    let mut files = BTreeSet::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).ok()? {
            let entry = entry.ok()?;
            let kind = entry.file_type().ok()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                let relative = entry.path().strip_prefix(folder).ok()?.to_str()?.replace('\\', "/");
                files.insert(relative);
            } else {
                return None;
            }
        }
    }
    Some(files)
}
