//! L2: encoded entries in one SQLite database per cache folder, `<dir>/entries.sqlite` (with
//! its write-ahead log `-wal` and index `-shm` beside it), not a file per entry: a cold build
//! creates no file per component, and SQLite's locks let any number of threads and processes
//! share the folder.
//! - A row holds a key, its entry encoded as everywhere else (bound to the key, checksummed),
//!   the entry's size and its last use. A read decodes the entry for the key it asked for, so
//!   a row that fails (damaged, or another key's entry) is a reported miss and is deleted.
//! - Puts are written 64 to a transaction (a transaction costs more than a row), and at
//!   `flush`, which a build calls at its end; lookups read a chunk of keys per transaction.
//! - A crash undoes the transactions it interrupted and loses the puts not yet written, never
//!   leaves a torn row (write-ahead log). Nothing is synced: a power cut may damage the store,
//!   and a store SQLite finds damaged (a disk fault, a planted file) is a reported miss and is
//!   replaced by an empty one; the rows that were intact go with it.
//! - Nothing reaches out of the folder: the store's three files must be regular files or
//!   absent (a link, FIFO or device planted there makes the tier unavailable, and SQLite opens
//!   them without following a link), temporary tables stay in memory, `gc` deletes rows only,
//!   and `clear` removes, besides rows, only regular files of the old layout in real folders.
//! - The last use, in milliseconds since the epoch, is updated by a hit when the recorded
//!   one is a minute old or more; `gc` drops rows past the maximum age, then the least
//!   recently used until the sizes fit the bound, in one transaction.
//!
//! Entries of the old layout, a file per entry in `<dir>/<2 hex digits>/`, are never read.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::{CacheEntry, CacheError, CacheKey, CacheTier, DiskLimits, Tier};

/// The store's file in the cache folder; SQLite adds `-wal` and `-shm` to this name.
const STORE_FILE: &str = "entries.sqlite";
const STORE_SUFFIXES: [&str; 3] = ["", "-wal", "-shm"];
/// The table layout, kept in the store's `user_version`.
const STORE_VERSION: i64 = 1;
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS entries (
        key BLOB NOT NULL PRIMARY KEY,
        data BLOB NOT NULL,
        bytes INTEGER NOT NULL,
        last_used INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS entries_by_last_use ON entries (last_used);
    PRAGMA user_version = 1;
";
/// A hit records its use only when the recorded one is older: eviction order to the minute,
/// and the hits of back-to-back builds stay reads.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// Puts written per transaction, and keys looked up per read transaction: a transaction costs
/// more than a row (10,000 puts of 3 KB: 2.2 s one per transaction, 0.42 s in sixty-fours).
const BATCH_ENTRIES: usize = 64;
/// How long a statement waits for another process's transaction (a `gc` of a big store).
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);
/// Temporary files of the old layout's writers.
const OLD_TEMP_PREFIX: &str = ".tmp-";

pub struct DiskCache {
    dir: PathBuf,
    limits: DiskLimits,
    /// Bytes this handle wrote since its last `gc`; past a sixteenth of the size bound, the
    /// batch that crosses it runs `gc`, so the store stays near its bound without a command.
    written_since_gc: AtomicU64,
    /// Every write of this handle goes through one connection: SQLite lets one writer in at a
    /// time, and this lock is cheaper than its retry sleeps. Other processes wait on SQLite.
    writer: Mutex<Connection>,
    /// Idle connections for lookups, one per lookup in flight: reads run in parallel.
    readers: Mutex<Vec<Connection>>,
    /// Puts not yet written: they are written together, in one transaction, once there are
    /// `BATCH_ENTRIES` of them, at `flush` (a build's end), before `stats`, `gc` and `clear`,
    /// and on drop. Lookups see them.
    pending: Mutex<Vec<Row>>,
    /// Counts the times this handle replaced a damaged store: a connection to the old one that
    /// was in use meanwhile is dropped when it comes back, not pooled.
    store_generation: AtomicU64,
}

/// Summary of stored entries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiskStats {
    pub entries: u64,
    pub bytes: u64,
    /// Last use of the least and most recently used entries (seconds since the epoch in JSON).
    #[serde(serialize_with = "unix_seconds_or_null")]
    pub oldest: Option<SystemTime>,
    #[serde(serialize_with = "unix_seconds_or_null")]
    pub newest: Option<SystemTime>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcReport {
    pub removed: Vec<RemovedEntry>,
    pub kept: DiskStats,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedEntry {
    pub key: CacheKey,
    pub bytes: u64,
    #[serde(serialize_with = "unix_seconds")]
    pub last_used: SystemTime,
    pub reason: EvictReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EvictReason {
    /// Unused for longer than the maximum age.
    Expired,
    /// Among the least recently used while the store was over its size bound.
    OverSize,
    /// Removed by `clear`.
    Cleared,
}

/// A put not yet written.
struct Row {
    key: CacheKey,
    data: Vec<u8>,
    last_used: i64,
}

/// One row as `gc` sees it.
struct Stored {
    key: CacheKey,
    bytes: u64,
    last_used: SystemTime,
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
    /// Creates `dir` and the store if needed; replaces a store SQLite finds damaged.
    pub fn open(dir: impl Into<PathBuf>, limits: DiskLimits) -> Result<Self, CacheError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| CacheError::Write { path: dir.clone(), source })?;
        // Without links on the way, so that SQLite can refuse one at the store's own name.
        let dir = fs::canonicalize(&dir).map_err(|source| CacheError::Read { path: dir.clone(), source })?;
        let writer = open_store(&dir.join(STORE_FILE))?;
        Ok(Self {
            dir,
            limits,
            written_since_gc: AtomicU64::new(0),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            pending: Mutex::new(Vec::new()),
            store_generation: AtomicU64::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database file holding every entry.
    pub fn store_path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    pub fn stats(&self) -> Result<DiskStats, CacheError> {
        self.write_pending()?;
        self.read(|db| {
            let sql = "SELECT COUNT(*), COALESCE(SUM(bytes), 0), MIN(last_used), MAX(last_used) FROM entries";
            db.query_row(sql, [], |row| {
                Ok(DiskStats {
                    entries: row.get::<_, i64>(0)?.max(0) as u64,
                    bytes: row.get::<_, i64>(1)?.max(0) as u64,
                    oldest: row.get::<_, Option<i64>>(2)?.map(from_unix_ms),
                    newest: row.get::<_, Option<i64>>(3)?.map(from_unix_ms),
                })
            })
        })
    }

    /// Removes entries unused for longer than the maximum age, then the least recently used
    /// until the rest fit the size bound.
    pub fn gc(&self) -> Result<GcReport, CacheError> {
        self.written_since_gc.store(0, Ordering::Relaxed);
        let now = SystemTime::now();
        let DiskLimits { max_bytes, max_age } = self.limits;
        self.sweep(|stored, total| {
            if now.duration_since(stored.last_used).unwrap_or_default() > max_age {
                Some(EvictReason::Expired)
            } else if total > max_bytes {
                Some(EvictReason::OverSize)
            } else {
                None
            }
        })
    }

    /// Removes every entry, and the files of the old layout.
    pub fn clear(&self) -> Result<GcReport, CacheError> {
        let report = self.sweep(|_, _| Some(EvictReason::Cleared))?;
        self.remove_old_layout()?;
        Ok(report)
    }

    /// Visits entries least recently used first with the total size of those not yet removed,
    /// deleting those `evict` names a reason for, all in one transaction.
    fn sweep(&self, mut evict: impl FnMut(&Stored, u64) -> Option<EvictReason>) -> Result<GcReport, CacheError> {
        self.write_pending()?;
        self.write(|db| {
            let mut report = GcReport::default();
            let transaction = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut select = transaction.prepare("SELECT key, bytes, last_used FROM entries ORDER BY last_used, key")?;
                let rows =
                    select.query_map([], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?)))?;
                let rows = rows.collect::<Result<Vec<_>, _>>()?;
                let mut delete = transaction.prepare("DELETE FROM entries WHERE key = ?1")?;
                let mut total: u64 = rows.iter().map(|(_, bytes, _)| (*bytes).max(0) as u64).sum();
                for (key, bytes, last_used) in rows {
                    let bytes = bytes.max(0) as u64;
                    // A row this store never wrote (planted): dropped, not reported as an entry.
                    let Ok(key) = <[u8; 32]>::try_from(key.as_slice()) else {
                        total -= bytes;
                        delete.execute([&key])?;
                        continue;
                    };
                    let stored = Stored { key: CacheKey::from(key), bytes, last_used: from_unix_ms(last_used) };
                    match evict(&stored, total) {
                        Some(reason) => {
                            total -= bytes;
                            delete.execute([&key[..]])?;
                            let Stored { key, bytes, last_used } = stored;
                            report.removed.push(RemovedEntry { key, bytes, last_used, reason });
                        }
                        None => report.kept.add(&stored),
                    }
                }
            }
            transaction.commit()?;
            if !report.removed.is_empty() {
                // Hands the freed pages back to the file system (the store uses incremental
                // auto-vacuum), so that the folder's size follows the bound.
                db.execute_batch("PRAGMA incremental_vacuum")?;
            }
            Ok(report)
        })
    }

    /// Removes the old layout's entry and temporary files: regular files only, in real shard
    /// folders (a directory entry's type is that of a link itself, so none is followed), then
    /// the shard folders left empty.
    fn remove_old_layout(&self) -> Result<(), CacheError> {
        for shard in read_dir(&self.dir)? {
            let is_shard = shard.file_name().to_str().is_some_and(|name| name.len() == 2 && name.bytes().all(is_hex));
            if !is_shard || !shard.file_type().is_ok_and(|kind| kind.is_dir()) {
                continue;
            }
            for file in read_dir(&shard.path())? {
                let name = file.file_name();
                let Some(name) = name.to_str() else { continue };
                let named_as_entry = CacheKey::from_hex(name).is_some() || name.starts_with(OLD_TEMP_PREFIX);
                if named_as_entry && file.file_type().is_ok_and(|kind| kind.is_file()) {
                    remove(&file.path())?;
                }
            }
            // Fails, as it should, while anything else is left in it.
            let _ = fs::remove_dir(shard.path());
        }
        Ok(())
    }

    /// Runs `query` on an idle read connection (a new one when none is idle).
    fn read<T>(&self, query: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, CacheError> {
        let generation = self.store_generation.load(Ordering::Acquire);
        let idle = lock(&self.readers).pop();
        let db = match idle {
            Some(db) => db,
            None => {
                check_store_files(&self.store_path())?;
                connect(&self.store_path()).map_err(|error| self.failed(error, generation, read_error))?
            }
        };
        let result = query(&db);
        let mut idle = lock(&self.readers);
        if self.store_generation.load(Ordering::Acquire) == generation {
            idle.push(db);
        }
        drop(idle);
        result.map_err(|error| self.failed(error, generation, read_error))
    }

    /// Runs `statements` on the write connection.
    fn write<T>(&self, statements: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, CacheError> {
        let mut writer = lock(&self.writer);
        let generation = self.store_generation.load(Ordering::Acquire);
        let result = statements(&mut writer);
        drop(writer);
        result.map_err(|error| self.failed(error, generation, write_error))
    }

    /// The error to report for a statement that failed on a connection to the store of
    /// `generation`; a store found damaged is replaced first, unless another thread did.
    fn failed(&self, error: rusqlite::Error, generation: u64, kind: fn(PathBuf, std::io::Error) -> CacheError) -> CacheError {
        let path = self.store_path();
        let mut writer = lock(&self.writer);
        if is_damaged(&error) && self.store_generation.load(Ordering::Acquire) == generation {
            let mut idle = lock(&self.readers);
            idle.clear();
            self.store_generation.fetch_add(1, Ordering::AcqRel);
            drop(idle);
            match remove_store(&path).and_then(|()| open_store(&path)) {
                Ok(fresh) => *writer = fresh,
                Err(reset) => return reset,
            }
        }
        kind(path, std::io::Error::other(error))
    }

    /// Looks `keys` up, in the puts not yet written first, then in one read transaction.
    fn get_chunk(&self, keys: &[CacheKey]) -> Vec<Result<Option<Arc<CacheEntry>>, CacheError>> {
        let mut rows: Vec<Option<(Vec<u8>, i64)>> = {
            let pending = lock(&self.pending);
            keys.iter()
                .map(|key| pending.iter().rev().find(|row| row.key == *key).map(|row| (row.data.clone(), row.last_used)))
                .collect()
        };
        if rows.iter().any(Option::is_none) {
            let stored = self.read(|db| {
                let transaction = db.unchecked_transaction()?;
                let mut select = transaction.prepare_cached("SELECT data, last_used FROM entries WHERE key = ?1")?;
                let mut found = Vec::with_capacity(keys.len());
                for (key, row) in keys.iter().zip(&rows) {
                    found.push(match row {
                        Some(_) => None,
                        None => select.query_row([&key.as_bytes()[..]], |row| Ok((row.get(0)?, row.get(1)?))).optional()?,
                    });
                }
                drop(select);
                transaction.commit()?;
                Ok(found)
            });
            match stored {
                Ok(stored) => {
                    for (row, found) in rows.iter_mut().zip(stored) {
                        if row.is_none() {
                            *row = found;
                        }
                    }
                }
                // The error once, for the first key: the others are plain misses.
                Err(error) => {
                    return std::iter::once(Err(error)).chain(keys[1..].iter().map(|_| Ok(None))).collect();
                }
            }
        }
        let now = unix_ms(SystemTime::now());
        let mut used = Vec::new();
        let results = keys
            .iter()
            .zip(rows)
            .map(|(key, row)| {
                let Some((data, last_used)) = row else { return Ok(None) };
                match CacheEntry::decode(&data, key) {
                    Ok(entry) => {
                        if now.saturating_sub(last_used) >= TOUCH_INTERVAL.as_millis() as i64 {
                            used.push(key);
                        }
                        Ok(Some(Arc::new(entry)))
                    }
                    Err(reason) => {
                        // Best effort: if it stays, the next put of this key replaces it.
                        let _ = self.delete_if_unchanged(key, &data);
                        Err(CacheError::Corrupt { path: self.store_path(), reason })
                    }
                }
            })
            .collect();
        if !used.is_empty() {
            // Best effort too: a shared store may be read-only, or gc may have just removed them.
            let _ = self.write(|db| {
                let transaction = db.transaction()?;
                let mut update = transaction.prepare_cached("UPDATE entries SET last_used = ?2 WHERE key = ?1")?;
                for key in used {
                    update.execute(params![&key.as_bytes()[..], now])?;
                }
                drop(update);
                transaction.commit()
            });
        }
        results
    }

    /// Writes the puts not yet written in one transaction, then collects when this handle has
    /// written a sixteenth of the bound since its last collection.
    fn write_pending(&self) -> Result<(), CacheError> {
        let rows = std::mem::take(&mut *lock(&self.pending));
        if rows.is_empty() {
            return Ok(());
        }
        self.write(|db| {
            let transaction = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let sql = "INSERT OR REPLACE INTO entries (key, data, bytes, last_used) VALUES (?1, ?2, ?3, ?4)";
            let mut insert = transaction.prepare_cached(sql)?;
            for Row { key, data, last_used } in &rows {
                insert.execute(params![&key.as_bytes()[..], data, data.len() as i64, last_used])?;
            }
            drop(insert);
            transaction.commit()
        })?;
        let bytes: u64 = rows.iter().map(|row| row.data.len() as u64).sum();
        let threshold = self.limits.max_bytes / 16;
        let written = self.written_since_gc.fetch_add(bytes, Ordering::Relaxed) + bytes;
        // Of the threads crossing the threshold together, the swap lets one run gc.
        if written >= threshold && self.written_since_gc.swap(0, Ordering::Relaxed) >= threshold {
            self.gc()?;
        }
        Ok(())
    }

    fn delete_if_unchanged(&self, key: &CacheKey, data: &[u8]) -> Result<usize, CacheError> {
        // Compares the bytes, so that an entry another process just rewrote stays.
        self.write(|db| {
            db.prepare_cached("DELETE FROM entries WHERE key = ?1 AND data = ?2")?.execute(params![&key.as_bytes()[..], data])
        })
    }
}

impl CacheTier for DiskCache {
    fn tier(&self) -> Tier {
        Tier::Disk
    }

    fn get(&self, key: &CacheKey) -> Result<Option<Arc<CacheEntry>>, CacheError> {
        self.get_many(std::slice::from_ref(key)).pop().unwrap_or(Ok(None))
    }

    /// One read transaction per chunk of keys, chunks in parallel, and one write transaction
    /// per chunk for the uses to record.
    fn get_many(&self, keys: &[CacheKey]) -> Vec<Result<Option<Arc<CacheEntry>>, CacheError>> {
        use rayon::prelude::*;
        keys.par_chunks(BATCH_ENTRIES).flat_map_iter(|chunk| self.get_chunk(chunk)).collect()
    }

    fn put(&self, key: &CacheKey, entry: &Arc<CacheEntry>) -> Result<(), CacheError> {
        let data = entry.encode(key)?;
        let full = {
            let mut pending = lock(&self.pending);
            pending.push(Row { key: *key, data, last_used: unix_ms(SystemTime::now()) });
            pending.len() >= BATCH_ENTRIES
        };
        if full {
            return self.write_pending();
        }
        Ok(())
    }

    fn contains(&self, key: &CacheKey) -> bool {
        if lock(&self.pending).iter().any(|row| row.key == *key) {
            return true;
        }
        let query = |db: &Connection| db.prepare_cached("SELECT 1 FROM entries WHERE key = ?1")?.exists([&key.as_bytes()[..]]);
        self.read(query).unwrap_or(false)
    }

    fn flush(&self) -> Vec<(CacheKey, CacheError)> {
        let first = lock(&self.pending).first().map(|row| row.key);
        match (self.write_pending(), first) {
            (Err(error), Some(key)) => vec![(key, error)],
            _ => Vec::new(),
        }
    }
}

impl Drop for DiskCache {
    fn drop(&mut self) {
        // Best effort, as every write of a cache: what is lost is a later miss.
        let _ = self.write_pending();
    }
}

/// A connection to the store at `path` with its table in place; a store SQLite finds damaged
/// is replaced by an empty one.
fn open_store(path: &Path) -> Result<Connection, CacheError> {
    let open = || {
        check_store_files(path)?;
        Ok(connect(path).and_then(|mut db| create_tables(&mut db).map(|()| db)))
    };
    let error = |source| CacheError::Write { path: path.to_path_buf(), source: std::io::Error::other(source) };
    match open()? {
        Err(damage) if is_damaged(&damage) => {
            remove_store(path)?;
            open()?.map_err(error)
        }
        opened => opened.map_err(error),
    }
}

/// Creates the table in a new store; refuses a store of another layout version.
fn create_tables(db: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = db.pragma_query_value(None, "user_version", |row| row.get(0))?;
    match version {
        STORE_VERSION => Ok(()),
        0 => {
            // Both settings are kept in the file; auto-vacuum only takes before the first table.
            db.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
            db.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
            let transaction = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            transaction.execute_batch(SCHEMA)?;
            transaction.commit()
        }
        other => Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!("a cache store of layout {other}, this eghact reads layout {STORE_VERSION}")),
        )),
    }
}

fn read_error(path: PathBuf, source: std::io::Error) -> CacheError {
    CacheError::Read { path, source }
}

fn write_error(path: PathBuf, source: std::io::Error) -> CacheError {
    CacheError::Write { path, source }
}

/// Refuses anything but regular files at the store's three paths: SQLite would open a FIFO or
/// a device, and it reports a link only as an open that failed.
fn check_store_files(path: &Path) -> Result<(), CacheError> {
    for file in store_files(path) {
        match fs::symlink_metadata(&file) {
            Ok(metadata) if !metadata.is_file() => {
                let source = std::io::Error::new(ErrorKind::InvalidInput, "not a regular file");
                return Err(CacheError::Read { path: file, source });
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(source) => return Err(CacheError::Read { path: file, source }),
        }
    }
    Ok(())
}

/// Opens the store's file, creating it if needed; `check_store_files` comes first.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    // No URI flag: the path is a file name, never options. No link: one planted after the
    // check is refused by SQLite too, and it opens every file with O_NOFOLLOW.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let db = Connection::open_with_flags(path, flags)?;
    db.busy_timeout(BUSY_TIMEOUT)?;
    // The file is untrusted: SQLite's hardening for such files, and no temporary file
    // outside the folder.
    db.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    db.execute_batch(
        "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA temp_store = MEMORY; PRAGMA synchronous = OFF;",
    )?;
    Ok(db)
}

/// The store and the two files SQLite keeps beside it.
fn store_files(path: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    STORE_SUFFIXES.iter().map(move |suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Removes the store's files; `connect` refuses anything but regular files there.
fn remove_store(path: &Path) -> Result<(), CacheError> {
    for file in store_files(path) {
        if fs::symlink_metadata(&file).is_ok_and(|metadata| metadata.is_file()) {
            remove(&file)?;
        }
    }
    Ok(())
}

/// Whether SQLite found the store's file damaged, or no database at all.
fn is_damaged(error: &rusqlite::Error) -> bool {
    matches!(error.sqlite_error_code(), Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere cannot leave a connection half-used: SQLite rolls back on its own.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unix_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
}

/// A time as tools read it (docs/json.md): seconds since the Unix epoch.
fn unix_seconds<S: serde::Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(unix_ms(*time) as f64 / 1000.0)
}

fn unix_seconds_or_null<S: serde::Serializer>(time: &Option<SystemTime>, serializer: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => unix_seconds(time, serializer),
        None => serializer.serialize_none(),
    }
}

fn from_unix_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
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

/// Removes a file; one already gone is no error.
fn remove(path: &Path) -> Result<(), CacheError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(CacheError::Remove { path: path.to_path_buf(), source: e }),
        _ => Ok(()),
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
        cache.write_pending().unwrap();
        let time = unix_ms(SystemTime::now() - Duration::from_secs(seconds_ago));
        let sql = "UPDATE entries SET last_used = ?2 WHERE key = ?1";
        assert_eq!(cache.write(|db| db.execute(sql, params![&key.as_bytes()[..], time])).unwrap(), 1);
    }

    fn stored_bytes(cache: &DiskCache, key: &CacheKey) -> Vec<u8> {
        cache.write_pending().unwrap();
        let sql = "SELECT data FROM entries WHERE key = ?1";
        cache.read(|db| db.query_row(sql, [&key.as_bytes()[..]], |row| row.get(0))).unwrap()
    }

    fn set_stored_bytes(cache: &DiskCache, key: &CacheKey, data: &[u8]) {
        cache.write_pending().unwrap();
        let sql = "UPDATE entries SET data = ?2 WHERE key = ?1";
        assert_eq!(cache.write(|db| db.execute(sql, params![&key.as_bytes()[..], data])).unwrap(), 1);
    }

    fn file_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn stores_entries_in_one_file_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path().join("cache"), LIMITS).unwrap();
        assert_eq!(cache.get(&key(0xab)).unwrap(), None);
        for n in 0..100 {
            cache.put(&key(n), &entry("a")).unwrap();
        }
        cache.put(&key(0xab), &entry("a")).unwrap();
        cache.put(&key(0xab), &entry("b")).unwrap();
        assert!(cache.contains(&key(0xab)) && !cache.contains(&key(0xcd)));
        assert_eq!(cache.get(&key(0xab)).unwrap(), Some(entry("b")));
        assert_eq!(cache.stats().unwrap().entries, 101);
        assert!(file_names(cache.dir()).iter().all(|name| name.starts_with(STORE_FILE)), "{:?}", file_names(cache.dir()));
    }

    #[test]
    fn a_damaged_entry_is_a_reported_miss_and_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), LIMITS).unwrap();
        cache.put(&key(1), &entry("export default 1")).unwrap();
        let bytes = stored_bytes(&cache, &key(1));
        set_stored_bytes(&cache, &key(1), &bytes[..bytes.len() - 3]);
        let error = cache.get(&key(1)).unwrap_err();
        assert!(matches!(&error, CacheError::Corrupt { path, .. } if *path == cache.store_path()), "{error}");
        assert!(!cache.contains(&key(1)));
        assert_eq!(cache.get(&key(1)).unwrap(), None);
        cache.put(&key(1), &entry("export default 1")).unwrap();
        assert_eq!(cache.get(&key(1)).unwrap(), Some(entry("export default 1")));
    }

    #[test]
    fn a_hit_records_its_use_at_most_once_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), LIMITS).unwrap();
        cache.put(&key(1), &entry("a")).unwrap();
        let last_used = || cache.stats().unwrap().newest.unwrap();
        age(&cache, &key(1), 30);
        let recent = last_used();
        assert!(cache.get(&key(1)).unwrap().is_some());
        assert_eq!(last_used(), recent);
        age(&cache, &key(1), 90);
        assert!(cache.get(&key(1)).unwrap().is_some());
        assert!(last_used() > recent);
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
        assert!(roomy.flush().is_empty());
        let cache = DiskCache::open(dir.path(), DiskLimits { max_bytes: 2 * size, max_age: Duration::from_secs(1000) }).unwrap();
        age(&cache, &key(0), 10_000);
        for (n, seconds_ago) in [(1, 500), (2, 400), (3, 300), (4, 200)] {
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
        assert_eq!(stats.bytes, 3 * stored_bytes(&cache, &key(0)).len() as u64);
        assert!(stats.newest > stats.oldest);
        let report = cache.clear().unwrap();
        assert_eq!(report.removed.len(), 3);
        assert_eq!(report.removed[0].key, key(2), "least recently used first");
        assert!(report.removed.iter().all(|r| r.reason == EvictReason::Cleared));
        assert_eq!(cache.stats().unwrap(), DiskStats::default());
    }

    #[test]
    fn clear_removes_the_old_layouts_entries_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), LIMITS).unwrap();
        let old_entry = format!("ab/{}", "ab".repeat(32));
        fs::create_dir_all(dir.path().join("cd")).unwrap();
        fs::create_dir(dir.path().join("ab")).unwrap();
        for name in [&old_entry, "ab/.tmp-1-1", "cd/notes.txt", "README"] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        // An old-layout file is never read as an entry.
        assert_eq!(cache.get(&CacheKey::from([0xab; 32])).unwrap(), None);
        assert_eq!(cache.stats().unwrap().entries, 0);
        assert_eq!(cache.gc().unwrap(), GcReport::default());
        assert!(dir.path().join(&old_entry).exists());
        cache.clear().unwrap();
        let names = file_names(dir.path());
        assert_eq!(names.iter().filter(|name| !name.starts_with(STORE_FILE)).collect::<Vec<_>>(), ["README", "cd"]);
        assert_eq!(file_names(&dir.path().join("cd")), ["notes.txt"]);
    }

    #[test]
    fn puts_keep_the_store_near_its_bound() {
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
