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

mod config;
mod disk;
mod entry;
mod error;
mod key;
mod memory;
mod tier;
mod tiered;

pub use config::{CacheConfig, DEFAULT_DIR, DiskLimits};
pub use disk::{DiskCache, DiskStats, EvictReason, GcReport, RemovedEntry};
pub use entry::CacheEntry;
pub use error::{CacheError, DecodeError};
pub use key::{CacheKey, CacheKeyBuilder, Digest, InputChange, KeyInputs};
pub use memory::MemoryCache;
pub use tier::{CacheTier, CacheWarning, Tier};
pub use tiered::{Hit, TierCounters, TieredCache};
