//! What can go wrong in a cache tier: reading, writing, a damaged entry. Every such error
//! becomes a miss and a warning, never a failed build.

use std::path::PathBuf;

use super::CacheKey;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot remove {path}: {source}")]
    Remove { path: PathBuf, source: std::io::Error },
    #[error("damaged entry {path}: {reason}")]
    Corrupt { path: PathBuf, reason: DecodeError },
    #[error("cannot compress entry: {0}")]
    Compress(std::io::Error),
    /// A remote tier's failure (network, server, protocol), described by the tier itself: the
    /// engine links no network code.
    #[error("{endpoint}: {source}")]
    Remote { endpoint: String, source: Box<dyn std::error::Error + Send + Sync> },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a cache entry")]
    Magic,
    #[error("unsupported format version {0}")]
    Version(u16),
    #[error("truncated")]
    Truncated,
    #[error("checksum mismatch")]
    Checksum,
    /// An intact entry, of another key.
    #[error("written for key {0}")]
    OtherKey(CacheKey),
    #[error("cannot decompress: {0}")]
    Decompress(String),
    #[error("a file name is not UTF-8")]
    Name,
    #[error("bytes after the last file")]
    Trailing,
}
