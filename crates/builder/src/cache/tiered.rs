//! Tiers consulted in order, fastest first: a hit is copied into the faster writable tiers
//! before it, a store goes to every writable tier, and each lookup is counted per tier.
//!
//! Invariant: no tier error reaches the caller as an error; each becomes a [`CacheWarning`]
//! kept until [`TieredCache::take_warnings`], and the lookup goes on to the next tier.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::{CacheConfig, CacheEntry, CacheError, CacheKey, CacheTier, CacheWarning, DiskCache, MemoryCache, Tier};

pub struct TieredCache {
    tiers: Vec<Box<dyn CacheTier>>,
    /// By position in `tiers`.
    lookups: Vec<Lookups>,
    warnings: Mutex<Vec<CacheWarning>>,
}

#[derive(Default)]
struct Lookups {
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Debug)]
pub struct Hit {
    pub tier: Tier,
    pub entry: Arc<CacheEntry>,
}

/// Lookups that reached one tier, for the build summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TierCounters {
    pub tier: Tier,
    pub hits: u64,
    pub misses: u64,
}

impl TierCounters {
    /// `None` before the first lookup that reached this tier.
    pub fn hit_rate(&self) -> Option<f64> {
        let lookups = self.hits + self.misses;
        (lookups > 0).then(|| self.hits as f64 / lookups as f64)
    }
}

impl TieredCache {
    pub fn new(tiers: Vec<Box<dyn CacheTier>>) -> Self {
        let lookups = tiers.iter().map(|_| Lookups::default()).collect();
        Self { tiers, lookups, warnings: Mutex::default() }
    }

    /// Memory, then disk, as configured.
    pub fn open(config: &CacheConfig) -> Result<Self, CacheError> {
        let disk = DiskCache::open(&config.dir, config.disk_limits())?;
        Ok(Self::new(vec![Box::new(MemoryCache::new(config.memory_bytes)), Box::new(disk)]))
    }

    /// Adds a tier slower than all others (a remote one, which the caller builds: the engine
    /// links no network code).
    pub fn push(&mut self, tier: Box<dyn CacheTier>) {
        self.tiers.push(tier);
        self.lookups.push(Lookups::default());
    }

    pub fn get(&self, key: &CacheKey) -> Option<Hit> {
        for (index, (tier, lookups)) in self.tiers.iter().zip(&self.lookups).enumerate() {
            let found = tier.get(key).unwrap_or_else(|error| {
                self.warn(tier.as_ref(), key, error);
                None
            });
            let Some(entry) = found else {
                lookups.misses.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            lookups.hits.fetch_add(1, Ordering::Relaxed);
            self.store(&self.tiers[..index], key, &entry);
            return Some(Hit { tier: tier.tier(), entry });
        }
        None
    }

    /// [`TieredCache::get`] for many keys, in their order: each tier is asked once for the keys
    /// the faster ones missed.
    pub fn get_many(&self, keys: &[CacheKey]) -> Vec<Option<Hit>> {
        let mut found: Vec<Option<Hit>> = keys.iter().map(|_| None).collect();
        let mut wanted: Vec<usize> = (0..keys.len()).collect();
        for (index, (tier, lookups)) in self.tiers.iter().zip(&self.lookups).enumerate() {
            if wanted.is_empty() {
                break;
            }
            let asked: Vec<CacheKey> = wanted.iter().map(|&i| keys[i]).collect();
            let mut missed = Vec::new();
            for (i, result) in wanted.into_iter().zip(tier.get_many(&asked)) {
                let entry = result.unwrap_or_else(|error| {
                    self.warn(tier.as_ref(), &keys[i], error);
                    None
                });
                match entry {
                    Some(entry) => {
                        lookups.hits.fetch_add(1, Ordering::Relaxed);
                        self.store(&self.tiers[..index], &keys[i], &entry);
                        found[i] = Some(Hit { tier: tier.tier(), entry });
                    }
                    None => {
                        lookups.misses.fetch_add(1, Ordering::Relaxed);
                        missed.push(i);
                    }
                }
            }
            wanted = missed;
        }
        found
    }

    /// Whether a tier answers over the network, where asking for many keys at once pays.
    pub fn has_remote_tier(&self) -> bool {
        self.tiers.iter().any(|tier| tier.tier() == Tier::Remote)
    }

    pub fn put(&self, key: &CacheKey, entry: &Arc<CacheEntry>) {
        self.store(&self.tiers, key, entry);
    }

    /// Whether any tier holds `key` (unverified, so a later `get` may still miss).
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.tiers.iter().any(|tier| tier.contains(key))
    }

    pub fn counters(&self) -> Vec<TierCounters> {
        let tiers = self.tiers.iter().zip(&self.lookups);
        tiers
            .map(|(tier, lookups)| TierCounters {
                tier: tier.tier(),
                hits: lookups.hits.load(Ordering::Relaxed),
                misses: lookups.misses.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Waits for every tier's stores in flight; their failures become warnings.
    pub fn flush(&self) {
        for tier in &self.tiers {
            for (key, error) in tier.flush() {
                self.warn(tier.as_ref(), &key, error);
            }
        }
    }

    /// The warnings gathered since the last call.
    pub fn take_warnings(&self) -> Vec<CacheWarning> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    fn store(&self, tiers: &[Box<dyn CacheTier>], key: &CacheKey, entry: &Arc<CacheEntry>) {
        for tier in tiers.iter().filter(|tier| tier.is_writable()) {
            if let Err(error) = tier.put(key, entry) {
                self.warn(tier.as_ref(), key, error);
            }
        }
    }

    fn warn(&self, tier: &dyn CacheTier, key: &CacheKey, error: CacheError) {
        let warning = CacheWarning { tier: tier.tier(), key: *key, error };
        self.warnings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(warning);
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::cache::{DiskLimits, MemoryCache};

    const LIMITS: DiskLimits = DiskLimits { max_bytes: 1 << 20, max_age: std::time::Duration::from_secs(3600) };

    fn key(n: u8) -> CacheKey {
        CacheKey::from([n; 32])
    }

    fn entry(text: &str) -> Arc<CacheEntry> {
        Arc::new(CacheEntry::new(vec![("js".into(), text.as_bytes().to_vec())]))
    }

    /// A tier standing in for a remote one: it fails every write, or refuses them.
    struct Remote {
        inner: MemoryCache,
        writable: bool,
    }

    impl CacheTier for Remote {
        fn tier(&self) -> Tier {
            Tier::Remote
        }
        fn get(&self, key: &CacheKey) -> Result<Option<Arc<CacheEntry>>, CacheError> {
            self.inner.get(key)
        }
        fn put(&self, _: &CacheKey, _: &Arc<CacheEntry>) -> Result<(), CacheError> {
            Err(CacheError::Write { path: "https://cache.example/put".into(), source: std::io::ErrorKind::TimedOut.into() })
        }
        fn contains(&self, key: &CacheKey) -> bool {
            self.inner.contains(key)
        }
        fn is_writable(&self) -> bool {
            self.writable
        }
    }

    fn counts(cache: &TieredCache) -> Vec<(Tier, u64, u64)> {
        cache.counters().iter().map(|c| (c.tier, c.hits, c.misses)).collect()
    }

    #[test]
    fn stores_everywhere_and_hits_the_fastest_tier() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TieredCache::open(&CacheConfig::new(dir.path())).unwrap();
        assert!(cache.get(&key(1)).is_none());
        cache.put(&key(1), &entry("a"));
        let hit = cache.get(&key(1)).unwrap();
        assert_eq!((hit.tier, hit.entry), (Tier::Memory, entry("a")));
        assert_eq!(counts(&cache), [(Tier::Memory, 1, 1), (Tier::Disk, 0, 1)]);
        assert_eq!(cache.counters()[0].hit_rate(), Some(0.5));
        assert_eq!(cache.counters()[1].hit_rate(), Some(0.0));
        assert!(cache.take_warnings().is_empty());
    }

    #[test]
    fn a_hit_in_a_slower_tier_is_promoted() {
        let dir = tempfile::tempdir().unwrap();
        DiskCache::open(dir.path(), LIMITS).unwrap().put(&key(1), &entry("a")).unwrap();
        let cache = TieredCache::open(&CacheConfig::new(dir.path())).unwrap();
        assert_eq!(cache.get(&key(1)).unwrap().tier, Tier::Disk);
        assert_eq!(cache.get(&key(1)).unwrap().tier, Tier::Memory);
        assert_eq!(counts(&cache), [(Tier::Memory, 1, 1), (Tier::Disk, 1, 0)]);
        assert_eq!(cache.counters()[1].hit_rate(), Some(1.0));
    }

    #[test]
    fn many_keys_ask_each_tier_once_for_what_faster_ones_missed() {
        let dir = tempfile::tempdir().unwrap();
        let disk = DiskCache::open(dir.path(), LIMITS).unwrap();
        disk.put(&key(2), &entry("b")).unwrap();
        let remote = Remote { inner: MemoryCache::new(1 << 20), writable: false };
        remote.inner.put(&key(3), &entry("c")).unwrap();
        let cache = TieredCache::new(vec![Box::new(MemoryCache::new(1 << 20)), Box::new(disk), Box::new(remote)]);
        cache.put(&key(1), &entry("a"));
        let found = cache.get_many(&[key(3), key(1), key(4), key(2)]);
        let tiers: Vec<Option<Tier>> = found.iter().map(|hit| hit.as_ref().map(|h| h.tier)).collect();
        assert_eq!(tiers, [Some(Tier::Remote), Some(Tier::Memory), None, Some(Tier::Disk)]);
        assert_eq!(found[0].as_ref().unwrap().entry, entry("c"));
        assert_eq!(counts(&cache), [(Tier::Memory, 1, 3), (Tier::Disk, 1, 2), (Tier::Remote, 1, 1)]);
        // Hits were promoted: the memory tier answers them all now.
        assert!(cache.get_many(&[key(3), key(2)]).iter().all(|hit| hit.as_ref().unwrap().tier == Tier::Memory));
        assert!(cache.has_remote_tier());
    }

    #[test]
    fn tier_errors_become_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let disk = DiskCache::open(dir.path(), LIMITS).unwrap();
        disk.put(&key(1), &entry("a")).unwrap();
        assert!(disk.flush().is_empty());
        let store = rusqlite::Connection::open(disk.store_path()).unwrap();
        store.execute("UPDATE entries SET data = ?1", [&b"garbage"[..]]).unwrap();
        let remote = Remote { inner: MemoryCache::new(1 << 20), writable: true };
        remote.inner.put(&key(1), &entry("from remote")).unwrap();
        let cache = TieredCache::new(vec![Box::new(MemoryCache::new(1 << 20)), Box::new(disk), Box::new(remote)]);
        let hit = cache.get(&key(1)).unwrap();
        assert_eq!((hit.tier, hit.entry), (Tier::Remote, entry("from remote")));
        let warnings: Vec<String> = cache.take_warnings().iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("disk cache: damaged entry") && warnings[0].ends_with("not a cache entry"),
            "{warnings:?}"
        );
        // The promotion repaired the disk tier.
        assert_eq!(cache.get(&key(1)).unwrap().tier, Tier::Memory);
        cache.put(&key(2), &entry("b"));
        let warnings = cache.take_warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!((warnings[0].tier, warnings[0].key), (Tier::Remote, key(2)));
        assert!(cache.take_warnings().is_empty());
        assert!(cache.contains(&key(2)));
    }

    #[test]
    fn read_only_tiers_are_not_written() {
        let remote = Remote { inner: MemoryCache::new(1 << 20), writable: false };
        remote.inner.put(&key(1), &entry("a")).unwrap();
        let cache = TieredCache::new(vec![Box::new(MemoryCache::new(1 << 20)), Box::new(remote)]);
        assert_eq!(cache.get(&key(1)).unwrap().tier, Tier::Remote);
        cache.put(&key(2), &entry("b"));
        assert!(cache.take_warnings().is_empty());
        assert_eq!(counts(&cache), [(Tier::Memory, 0, 1), (Tier::Remote, 1, 0)]);
    }
}
