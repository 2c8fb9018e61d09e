//! The content-addressed cache of compiled components: a [`CacheKey`] hashed from everything
//! a component's outputs depend on, mapped to a [`CacheEntry`] of output blobs, looked up in
//! tiers from fastest to slowest (memory, disk, later remote) by a [`TieredCache`].
//!
//! Invariants:
//! - The cache can make a build faster, never wrong and never fail: a damaged, vanished or
//!   unreadable entry is a miss, and every tier problem during a build becomes a
//!   [`CacheWarning`] for the caller to show. Nothing here prints.
//! - An entry is immutable once written and only ever replaced whole (the disk tier's store
//!   does it in one SQLite transaction, safe across threads and processes); every read verifies
//!   the entry's checksum and that it was written for the key asked for.

mod disk;
mod entry;
mod key;
mod memory;
mod tiered;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

pub use disk::{DiskCache, DiskLimits, DiskStats, EvictReason, GcReport, RemovedEntry};
pub use entry::{CacheEntry, DecodeError};
pub use key::{CacheKey, CacheKeyBuilder, Digest, InputChange, KeyInputs};
pub use memory::MemoryCache;
pub use tiered::{Hit, TierCounters, TieredCache};

/// The cache folder relative to a project's root, unless configured elsewhere.
pub const DEFAULT_DIR: &str = ".eghact/cache";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    /// The disk tier's folder, holding its store; it may be shared by several projects and processes.
    pub dir: PathBuf,
    /// Bound of the disk tier, enforced by least-recent-use eviction.
    pub max_bytes: u64,
    /// Disk entries unused for longer than this are removed.
    pub max_age: Duration,
    /// Bound of the memory tier.
    pub memory_bytes: u64,
}

impl CacheConfig {
    /// Defaults: 1 GiB and 30 days on disk, 256 MiB in memory.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), max_bytes: 1 << 30, max_age: Duration::from_secs(30 * 24 * 60 * 60), memory_bytes: 256 << 20 }
    }

    pub fn disk_limits(&self) -> DiskLimits {
        DiskLimits { max_bytes: self.max_bytes, max_age: self.max_age }
    }
}

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

/// A tier problem met during a lookup or store, which the cache treated as a miss or skipped.
#[derive(Debug)]
pub struct CacheWarning {
    pub tier: Tier,
    pub key: CacheKey,
    pub error: CacheError,
}

impl fmt::Display for CacheWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cache: {}", self.tier, self.error)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Memory,
    Disk,
    Remote,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Memory => "memory",
            Tier::Disk => "disk",
            Tier::Remote => "remote",
        })
    }
}

/// One level of the cache. Implementations are shared by the build's worker threads.
pub trait CacheTier: Send + Sync {
    fn tier(&self) -> Tier;

    /// `Ok(None)` is a plain miss; an error is a miss the caller should hear about.
    fn get(&self, key: &CacheKey) -> Result<Option<Arc<CacheEntry>>, CacheError>;

    fn put(&self, key: &CacheKey, entry: &Arc<CacheEntry>) -> Result<(), CacheError>;

    /// Whether an entry is stored, without reading or verifying it.
    fn contains(&self, key: &CacheKey) -> bool;

    /// Looks up many keys at once, answering in their order: a remote tier overlaps the round
    /// trips; local tiers look up in parallel.
    fn get_many(&self, keys: &[CacheKey]) -> Vec<Result<Option<Arc<CacheEntry>>, CacheError>> {
        use rayon::prelude::*;
        keys.par_iter().map(|key| self.get(key)).collect()
    }

    /// Waits for stores still in flight (a tier that writes in the background) and returns
    /// those that failed.
    fn flush(&self) -> Vec<(CacheKey, CacheError)> {
        Vec::new()
    }

    /// A read-only tier (such as a shared remote cache a developer only pulls from) is never
    /// written to, neither by stores nor by promotion of hits from slower tiers.
    fn is_writable(&self) -> bool {
        true
    }
}
