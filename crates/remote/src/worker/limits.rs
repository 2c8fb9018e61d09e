//! What one action may use (the worker's [`Limits`]) and how its transfers are bounded: blobs
//! move in chunks of at most [`TRANSFER_CHUNK`] bytes.

use std::time::Duration;

use bazel_remote_apis::build::bazel::remote::execution::v2::Digest;

/// What one action may use; past a limit the lease fails (RESOURCE_EXHAUSTED, or
/// DEADLINE_EXCEEDED for time) and the server does not retry it. The defaults leave room for the
/// compile batches of a large project.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The timeout of an Action that sets none, and the longest one may set.
    pub action_timeout: Duration,
    /// Bytes of stdout and of stderr kept (each); the rest is drained and dropped, with a note.
    pub max_log_bytes: u64,
    /// Bytes of all output files together.
    pub max_output_bytes: u64,
    /// Files, folders and symlinks of the input root together (a Directory reused at many
    /// paths counts at each).
    pub max_input_entries: usize,
    /// Folders nested in the input root.
    pub max_input_depth: usize,
    /// Bytes of all input files together.
    pub max_input_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            action_timeout: Duration::from_secs(600),
            max_log_bytes: 16 << 20,
            max_output_bytes: 4 << 30,
            max_input_entries: 1_000_000,
            max_input_depth: 128,
            max_input_bytes: 16 << 30,
        }
    }
}

/// Input or output bytes held in memory at once while fetching or uploading.
pub(super) const TRANSFER_CHUNK: usize = 64 << 20;

pub(super) fn distinct<'a>(digests: impl Iterator<Item = &'a Digest>) -> Vec<Digest> {
    let mut seen = Vec::new();
    for digest in digests {
        if !seen.contains(digest) {
            seen.push(digest.clone());
        }
    }
    seen
}

/// Groups items into runs of at most [`TRANSFER_CHUNK`] bytes (one larger item alone).
pub(super) fn chunks<T>(items: Vec<T>, size: impl Fn(&T) -> usize) -> Vec<Vec<T>> {
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut used = usize::MAX;
    for item in items {
        let bytes = size(&item);
        if used.saturating_add(bytes) > TRANSFER_CHUNK {
            chunks.push(Vec::new());
            used = 0;
        }
        used = used.saturating_add(bytes);
        if let Some(chunk) = chunks.last_mut() {
            chunk.push(item);
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_are_chunked() {
        let sizes = vec![TRANSFER_CHUNK / 2, TRANSFER_CHUNK / 2, 1, TRANSFER_CHUNK * 2, 5];
        let grouped = chunks(sizes, |size| *size);
        assert_eq!(grouped.len(), 4, "{:?}", grouped.iter().map(Vec::len).collect::<Vec<_>>());
    }
}
