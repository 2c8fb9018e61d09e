//! L2: encoded entries as files, `<dir>/<first two hex digits>/<64 hex digits>`, shared safely
//! by any number of threads and processes without locks:
//! - a writer writes a temporary file (`.tmp-…`, ignored by readers) in the entry's folder and
//!   renames it over the entry, so an entry path only ever names a whole file;
//! - a reader treats a file that vanishes as a miss, and one that fails its checksum (a torn
//!   write after a crash, a damaged disk) or was written for another key (copied over this
//!   one) as a miss that deletes it and is reported; it opens entries without blocking and
//!   reads regular files only, so a FIFO or a link at an entry path is a reported miss too;
//! - `gc` and `clear` delete only regular files named as entries or temporary files, in real
//!   shard folders: they follow no symbolic link, so a planted one cannot aim them elsewhere;
//! - the file's modification time is its last use (set on every hit), which `gc` uses to drop
//!   entries past the maximum age, then the least recently used until the size fits.
//!
//! Racing another process costs at most a miss: `gc` may delete an entry that was just used
//! or rewritten. Writes are not synced to disk, because a torn file fails its checksum.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use filetime::FileTime;
use serde::Serialize;

use super::{CacheEntry, CacheError, CacheKey, CacheTier, DiskLimits, Tier};
use crate::project::{read_regular_file, write_creating_folder};

const TEMP_PREFIX: &str = ".tmp-";
/// A temporary file this old belongs to a writer that died; no live write takes this long.
const STALE_TEMP: Duration = Duration::from_secs(60 * 60);

pub struct DiskCache {
    dir: PathBuf,
    limits: DiskLimits,
    /// Bytes this handle wrote since its last `gc`; past a sixteenth of the size bound, the
    /// next `put` runs `gc`, so the folder stays near its bound without a separate command.
    written_since_gc: AtomicU64,
}

/// Summary of stored entries (temporary files left out).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiskStats {
    pub entries: u64,
    pub bytes: u64,
    /// Last use of the least and most recently used entries.
    pub oldest: Option<SystemTime>,
    pub newest: Option<SystemTime>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    pub removed: Vec<RemovedEntry>,
    pub kept: DiskStats,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemovedEntry {
    pub key: CacheKey,
    pub bytes: u64,
    pub last_used: SystemTime,
    pub reason: EvictReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvictReason {
    /// Unused for longer than the maximum age.
    Expired,
    /// Among the least recently used while the folder was over its size bound.
    OverSize,
    /// Removed by `clear`.
    Cleared,
}

/// One entry file as found by a scan.
struct Stored {
    path: PathBuf,
    key: CacheKey,
    bytes: u64,
    last_used: SystemTime,
}

struct Scan {
    entries: Vec<Stored>,
    temps: Vec<(PathBuf, SystemTime)>,
}

impl DiskStats {
    fn add(&mut self, stored: &Stored) {
        self.entries += 1;
        self.bytes += stored.bytes;
        self.oldest = Some(self.oldest.map_or(stored.last_used, |t| t.min(stored.last_used)));
        self.newest = Some(self.newest.map_or(stored.last_used, |t| t.max(stored.last_used)));
    }
}

impl DiskCache {
    /// Creates `dir` if needed.
    pub fn open(dir: impl Into<PathBuf>, limits: DiskLimits) -> Result<Self, CacheError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| CacheError::Write { path: dir.clone(), source })?;
        Ok(Self { dir, limits, written_since_gc: AtomicU64::new(0) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, key: &CacheKey) -> PathBuf {
        let hex = key.to_string();
        self.dir.join(&hex[..2]).join(hex)
    }

    pub fn stats(&self) -> Result<DiskStats, CacheError> {
        let mut stats = DiskStats::default();
        for stored in &self.scan()?.entries {
            stats.add(stored);
        }
        Ok(stats)
    }

    /// Removes entries unused for longer than the maximum age, then the least recently used
    /// until the rest fit the size bound, and temporary files of writers that died.
    pub fn gc(&self) -> Result<GcReport, CacheError> {
        self.written_since_gc.store(0, Ordering::Relaxed);
        let now = SystemTime::now();
        let DiskLimits { max_bytes, max_age } = self.limits;
        self.sweep(now, |stored, total| {
            if now.duration_since(stored.last_used).unwrap_or_default() > max_age {
                Some(EvictReason::Expired)
            } else if total > max_bytes {
                Some(EvictReason::OverSize)
            } else {
                None
            }
        })
    }

    /// Removes every entry (and temporary files of writers that died, not those of live ones).
    pub fn clear(&self) -> Result<GcReport, CacheError> {
        self.sweep(SystemTime::now(), |_, _| Some(EvictReason::Cleared))
    }

    /// Visits entries least recently used first with the total size of those not yet removed,
    /// removing those `evict` names a reason for.
    fn sweep(&self, now: SystemTime, mut evict: impl FnMut(&Stored, u64) -> Option<EvictReason>) -> Result<GcReport, CacheError> {
        let Scan { mut entries, temps } = self.scan()?;
        for (path, modified) in temps {
            if now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
                remove(&path)?;
            }
        }
        entries.sort_by_key(|stored| stored.last_used);
        let mut total: u64 = entries.iter().map(|stored| stored.bytes).sum();
        let mut report = GcReport::default();
        for stored in entries {
            match evict(&stored, total) {
                Some(reason) => {
                    total -= stored.bytes;
                    // Another process may have removed it first; then it is not ours to report.
                    if remove(&stored.path)? {
                        let Stored { key, bytes, last_used, .. } = stored;
                        report.removed.push(RemovedEntry { key, bytes, last_used, reason });
                    }
                }
                None => report.kept.add(&stored),
            }
        }
        Ok(report)
    }

    /// Entry and temporary files in the shard folders; files that vanish meanwhile are skipped
    /// and files of any other name or type are left alone. Neither a shard nor a file may be a
    /// symbolic link (a directory entry's type and metadata are those of the link itself).
    fn scan(&self) -> Result<Scan, CacheError> {
        let mut scan = Scan { entries: Vec::new(), temps: Vec::new() };
        for shard in read_dir(&self.dir)? {
            let shard_name = shard.file_name();
            let Some(shard_name) = shard_name.to_str().filter(|n| n.len() == 2 && n.bytes().all(is_hex)) else {
                continue;
            };
            if !shard.file_type().is_ok_and(|kind| kind.is_dir()) {
                continue;
            }
            for file in read_dir(&shard.path())? {
                let name = file.file_name();
                let Some(name) = name.to_str() else { continue };
                let key = CacheKey::from_hex(name).filter(|_| name.starts_with(shard_name));
                if key.is_none() && !name.starts_with(TEMP_PREFIX) {
                    continue;
                }
                let path = file.path();
                let metadata = match file.metadata() {
                    Ok(metadata) if metadata.is_file() => metadata,
                    Ok(_) => continue,
                    Err(e) if e.kind() == ErrorKind::NotFound => continue,
                    Err(source) => return Err(CacheError::Read { path, source }),
                };
                let last_used = metadata.modified().map_err(|source| CacheError::Read { path: path.clone(), source })?;
                match key {
                    Some(key) => scan.entries.push(Stored { path, key, bytes: metadata.len(), last_used }),
                    None => scan.temps.push((path, last_used)),
                }
            }
        }
        Ok(scan)
    }
}

impl CacheTier for DiskCache {
    fn tier(&self) -> Tier {
        Tier::Disk
    }

    fn get(&self, key: &CacheKey) -> Result<Option<Arc<CacheEntry>>, CacheError> {
        let path = self.path(key);
        let bytes = match read_regular_file(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CacheError::Read { path, source }),
        };
        match CacheEntry::decode(&bytes, key) {
            Ok(entry) => {
                // Best effort: a shared folder may be read-only, or gc may have just removed it.
                let _ = filetime::set_file_mtime(&path, FileTime::now());
                Ok(Some(Arc::new(entry)))
            }
            Err(reason) => {
                // Best effort too: if it stays, the next put of this key replaces it.
                let _ = fs::remove_file(&path);
                Err(CacheError::Corrupt { path, reason })
            }
        }
    }

    fn put(&self, key: &CacheKey, entry: &Arc<CacheEntry>) -> Result<(), CacheError> {
        static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);
        let bytes = entry.encode(key)?;
        let path = self.path(key);
        let shard = path.parent().unwrap_or(&self.dir);
        // Unique within the process by the counter; the clock tells apart processes that share
        // the folder and a process id (containers).
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let count = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let temp = shard.join(format!("{TEMP_PREFIX}{}-{nanos}-{count}", std::process::id()));
        if let Err(source) = write_creating_folder(&temp, &bytes).and_then(|()| fs::rename(&temp, &path)) {
            let _ = fs::remove_file(&temp);
            return Err(CacheError::Write { path, source });
        }
        let threshold = self.limits.max_bytes / 16;
        let written = self.written_since_gc.fetch_add(bytes.len() as u64, Ordering::Relaxed) + bytes.len() as u64;
        // Of the threads crossing the threshold together, the swap lets one run gc.
        if written >= threshold && self.written_since_gc.swap(0, Ordering::Relaxed) >= threshold {
            self.gc()?;
        }
        Ok(())
    }

    fn contains(&self, key: &CacheKey) -> bool {
        self.path(key).is_file()
    }
}

fn is_hex(byte: u8) -> bool {
    byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)
}

/// The entries of a folder, none if it does not exist (yet, or any more).
fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>, CacheError> {
    let error = |source| CacheError::Read { path: dir.to_path_buf(), source };
    match fs::read_dir(dir) {
        Ok(entries) => entries.collect::<Result<_, _>>().map_err(error),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(error(e)),
    }
}

/// `Ok(false)` when the file was already gone.
fn remove(path: &Path) -> Result<bool, CacheError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(source) => Err(CacheError::Remove { path: path.to_path_buf(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: DiskLimits = DiskLimits { max_bytes: 1 << 20, max_age: Duration::from_secs(3600) };

    fn key(n: u8) -> CacheKey {
        CacheKey::from([n; 32])
    }

    fn entry(text: &str) -> Arc<CacheEntry> {
        Arc::new(CacheEntry::new(vec![("js".into(), text.as_bytes().to_vec())]))
    }

    fn age(cache: &DiskCache, key: &CacheKey, seconds_ago: u64) {
        let time = SystemTime::now() - Duration::from_secs(seconds_ago);
        filetime::set_file_mtime(cache.path(key), FileTime::from_system_time(time)).unwrap();
    }

    fn file_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = walk(dir).into_iter().map(|p| p.strip_prefix(dir).unwrap().display().to_string()).collect();
        names.sort();
        names
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] })
            .collect()
    }

    #[test]
    fn stores_sharded_files_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path().join("cache"), LIMITS).unwrap();
        assert_eq!(cache.get(&key(0xab)).unwrap(), None);
        cache.put(&key(0xab), &entry("a")).unwrap();
        cache.put(&key(0xab), &entry("b")).unwrap();
        assert!(cache.contains(&key(0xab)) && !cache.contains(&key(1)));
        assert_eq!(cache.get(&key(0xab)).unwrap(), Some(entry("b")));
        assert_eq!(file_names(cache.dir()), [format!("ab/{}", key(0xab))]);
    }

    #[test]
    fn a_damaged_entry_is_a_reported_miss_and_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), LIMITS).unwrap();
        cache.put(&key(1), &entry("export default 1")).unwrap();
        let path = cache.path(&key(1));
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let error = cache.get(&key(1)).unwrap_err();
        assert!(matches!(&error, CacheError::Corrupt { path: p, .. } if *p == path), "{error}");
        assert!(!path.exists());
        assert_eq!(cache.get(&key(1)).unwrap(), None);
        cache.put(&key(1), &entry("export default 1")).unwrap();
        assert_eq!(cache.get(&key(1)).unwrap(), Some(entry("export default 1")));
    }

    #[test]
    fn gc_drops_expired_entries_then_the_least_recently_used() {
        let dir = tempfile::tempdir().unwrap();
        let text = "x".repeat(100);
        let size = entry(&text).encode(&key(0)).unwrap().len() as u64;
        // Filled through a roomy handle, so that puts do not collect on their own.
        let roomy = DiskCache::open(dir.path(), LIMITS).unwrap();
        for n in 0..5 {
            roomy.put(&key(n), &entry(&text)).unwrap();
        }
        let cache = DiskCache::open(dir.path(), DiskLimits { max_bytes: 2 * size, max_age: Duration::from_secs(100) }).unwrap();
        age(&cache, &key(0), 1000);
        for (n, seconds_ago) in [(1, 50), (2, 40), (3, 30), (4, 20)] {
            age(&cache, &key(n), seconds_ago);
        }
        // A hit makes key 1 the most recently used.
        assert!(cache.get(&key(1)).unwrap().is_some());
        let report = cache.gc().unwrap();
        let removed: Vec<_> = report.removed.iter().map(|r| (r.key, r.reason)).collect();
        assert_eq!(removed, [(key(0), EvictReason::Expired), (key(2), EvictReason::OverSize), (key(3), EvictReason::OverSize)]);
        assert_eq!((report.kept.entries, report.kept.bytes), (2, 2 * size));
        assert!(cache.contains(&key(1)) && cache.contains(&key(4)));
        assert_eq!(cache.gc().unwrap().removed, []);
    }

    #[test]
    fn gc_removes_stale_temporary_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), LIMITS).unwrap();
        fs::create_dir(dir.path().join("ab")).unwrap();
        for name in ["ab/.tmp-1-1", "ab/.tmp-1-2", "ab/notes.txt", "README"] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        let old = SystemTime::now() - 2 * STALE_TEMP;
        filetime::set_file_mtime(dir.path().join("ab/.tmp-1-1"), FileTime::from_system_time(old)).unwrap();
        assert_eq!(cache.gc().unwrap(), GcReport::default());
        assert_eq!(file_names(dir.path()), ["README", "ab/.tmp-1-2", "ab/notes.txt"]);
    }

    #[test]
    fn stats_and_clear() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), LIMITS).unwrap();
        assert_eq!(cache.stats().unwrap(), DiskStats::default());
        for n in 0..3 {
            cache.put(&key(n), &entry("abc")).unwrap();
        }
        age(&cache, &key(2), 60);
        let stats = cache.stats().unwrap();
        assert_eq!(stats.entries, 3);
        assert_eq!(stats.bytes, 3 * fs::metadata(cache.path(&key(0))).unwrap().len());
        assert_eq!(stats.oldest, Some(fs::metadata(cache.path(&key(2))).unwrap().modified().unwrap()));
        assert!(stats.newest > stats.oldest);
        let report = cache.clear().unwrap();
        assert_eq!(report.removed.len(), 3);
        assert!(report.removed.iter().all(|r| r.reason == EvictReason::Cleared));
        assert_eq!(cache.stats().unwrap(), DiskStats::default());
    }

    #[test]
    fn puts_keep_the_folder_near_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), DiskLimits { max_bytes: 16 * 1024, ..LIMITS }).unwrap();
        for n in 0..=255 {
            // Random, so incompressible: each entry takes about 650 bytes.
            let mut data = vec![0; 600];
            blake3::Hasher::new().update(&[n]).finalize_xof().fill(&mut data);
            cache.put(&key(n), &Arc::new(CacheEntry::new(vec![("js".into(), data)]))).unwrap();
            assert!(cache.stats().unwrap().bytes <= 16 * 1024 + 16 * 1024 / 16 + 1024);
        }
    }
}
