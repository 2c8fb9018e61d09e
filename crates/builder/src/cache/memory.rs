//! L1: decoded entries in memory, bounded by their total size, least recently used out first.
//!
//! Invariant: after every call, the entries held add up to at most the bound; an entry larger
//! than the bound is not kept at all.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{CacheEntry, CacheError, CacheKey, CacheTier, Tier};

pub struct MemoryCache {
    max_bytes: u64,
    state: Mutex<Lru>,
}

/// Entries by key, and keys by the tick of their last use (the lowest tick is evicted first).
#[derive(Default)]
struct Lru {
    entries: HashMap<CacheKey, Slot>,
    by_use: BTreeMap<u64, CacheKey>,
    clock: u64,
    bytes: u64,
}

struct Slot {
    entry: Arc<CacheEntry>,
    last_use: u64,
}

impl MemoryCache {
    pub fn new(max_bytes: u64) -> Self {
        Self { max_bytes, state: Mutex::default() }
    }

    /// Total size of the entries held.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    fn lock(&self) -> MutexGuard<'_, Lru> {
        // Nothing panics while holding the lock, so a poisoned lock still guards a consistent state.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Lru {
    fn touch(&mut self, key: &CacheKey) -> Option<Arc<CacheEntry>> {
        self.clock += 1;
        let slot = self.entries.get_mut(key)?;
        self.by_use.remove(&slot.last_use);
        slot.last_use = self.clock;
        self.by_use.insert(self.clock, *key);
        Some(slot.entry.clone())
    }

    fn remove(&mut self, key: &CacheKey) {
        if let Some(slot) = self.entries.remove(key) {
            self.by_use.remove(&slot.last_use);
            self.bytes -= slot.entry.size();
        }
    }
}

impl CacheTier for MemoryCache {
    fn tier(&self) -> Tier {
        Tier::Memory
    }

    fn get(&self, key: &CacheKey) -> Result<Option<Arc<CacheEntry>>, CacheError> {
        Ok(self.lock().touch(key))
    }

    fn put(&self, key: &CacheKey, entry: &Arc<CacheEntry>) -> Result<(), CacheError> {
        let size = entry.size();
        let mut lru = self.lock();
        lru.remove(key);
        if size > self.max_bytes {
            return Ok(());
        }
        while lru.bytes + size > self.max_bytes {
            let Some((_, oldest)) = lru.by_use.pop_first() else { break };
            lru.remove(&oldest);
        }
        lru.clock += 1;
        let last_use = lru.clock;
        lru.entries.insert(*key, Slot { entry: entry.clone(), last_use });
        lru.by_use.insert(last_use, *key);
        lru.bytes += size;
        Ok(())
    }

    fn contains(&self, key: &CacheKey) -> bool {
        self.lock().entries.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey::from([n; 32])
    }

    fn entry(bytes: usize) -> Arc<CacheEntry> {
        Arc::new(CacheEntry::new(vec![("js".into(), vec![b'x'; bytes - 2])]))
    }

    #[test]
    fn evicts_the_least_recently_used() {
        let cache = MemoryCache::new(300);
        for n in 0..3 {
            cache.put(&key(n), &entry(100)).unwrap();
        }
        assert!(cache.get(&key(0)).unwrap().is_some());
        cache.put(&key(3), &entry(100)).unwrap();
        assert!(!cache.contains(&key(1)), "1 was the least recently used");
        assert!(cache.contains(&key(0)) && cache.contains(&key(2)) && cache.contains(&key(3)));
        assert_eq!(cache.bytes(), 300);
        cache.put(&key(4), &entry(250)).unwrap();
        assert_eq!(cache.bytes(), 250);
        assert!(cache.contains(&key(4)) && !cache.contains(&key(0)));
    }

    #[test]
    fn replacing_an_entry_updates_the_size_and_oversized_entries_are_dropped() {
        let cache = MemoryCache::new(300);
        cache.put(&key(0), &entry(100)).unwrap();
        cache.put(&key(0), &entry(200)).unwrap();
        assert_eq!(cache.bytes(), 200);
        cache.put(&key(0), &entry(301)).unwrap();
        assert_eq!(cache.bytes(), 0);
        assert!(cache.get(&key(0)).unwrap().is_none());
    }

    #[test]
    fn stays_bounded_under_parallel_use() {
        let cache = MemoryCache::new(1000);
        std::thread::scope(|scope| {
            for thread in 0..4u8 {
                let cache = &cache;
                scope.spawn(move || {
                    for n in 0..200u8 {
                        let k = key(n.wrapping_mul(thread + 1));
                        if cache.get(&k).unwrap().is_none() {
                            cache.put(&k, &entry(10 + usize::from(n % 90))).unwrap();
                        }
                        assert!(cache.bytes() <= 1000);
                    }
                });
            }
        });
        let lru = cache.lock();
        assert_eq!(lru.entries.len(), lru.by_use.len());
        assert_eq!(lru.bytes, lru.entries.values().map(|slot| slot.entry.size()).sum::<u64>());
    }
}
