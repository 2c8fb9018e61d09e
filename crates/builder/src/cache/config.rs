//! Where the disk cache lives and how large and old it may grow.

use std::path::PathBuf;
use std::time::Duration;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskLimits {
    pub max_bytes: u64,
    pub max_age: Duration,
}
