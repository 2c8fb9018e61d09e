//! The tiers (memory, disk, remote), the trait each implements, and the warning a tier's
//! problem becomes during a build.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::{CacheEntry, CacheError, CacheKey};

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
