//! The cache as a build uses it: keys from a component's inputs, a store, a later process that
//! finds the entry on disk, the recorded inputs naming what changed, and the `eghact cache`
//! operations. Tests that damage the store write to its database as anyone with write access
//! to the folder could.

use std::ffi::OsStr;
use std::fs;
use std::sync::Arc;
use std::time::Duration;

use eghact_builder::cache::{
    CacheConfig, CacheEntry, CacheKeyBuilder, CacheTier, Digest, DiskCache, EvictReason, InputChange, KeyInputs, Tier,
    TieredCache,
};

fn inputs(button_signature: &[u8]) -> KeyInputs {
    CacheKeyBuilder::new("0.1.0", Digest::of(b"<script>let n = 0</script>"))
        .flag("--sourcemap")
        .env("NODE_ENV", Some(OsStr::new("production")))
        .env("EGHACT_DEBUG", None)
        .import("./Button.egh", Digest::of(button_signature))
        .finish()
}

/// The disk store opened behind the cache's back.
fn tamper(disk: &DiskCache) -> rusqlite::Connection {
    rusqlite::Connection::open(disk.store_path()).unwrap()
}

fn outputs() -> Arc<CacheEntry> {
    Arc::new(CacheEntry::new(vec![
        ("js".into(), b"export default function App() {}".to_vec()),
        ("css".into(), b".egh-1 { color: red }".to_vec()),
        ("map".into(), br#"{"version":3}"#.to_vec()),
        ("diagnostics".into(), b"[]".to_vec()),
    ]))
}

#[test]
fn a_later_build_finds_the_entry_and_learns_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let config = CacheConfig::new(dir.path().join(".eghact/cache"));
    let first = inputs(b"props: label");
    let recorded = serde_json::to_string(&first).unwrap();
    {
        let cache = TieredCache::open(&config).unwrap();
        assert!(cache.get(&first.key()).is_none());
        cache.put(&first.key(), &outputs());
    }

    // A new process: the memory tier is empty, the disk tier is not.
    let cache = TieredCache::open(&config).unwrap();
    let same = inputs(b"props: label");
    assert_eq!(same.key(), first.key());
    let hit = cache.get(&same.key()).unwrap();
    assert_eq!((hit.tier, hit.entry.get("css")), (Tier::Disk, Some(&b".egh-1 { color: red }"[..])));
    assert_eq!(cache.get(&same.key()).unwrap().tier, Tier::Memory);

    let changed = inputs(b"props: label, disabled");
    assert!(cache.get(&changed.key()).is_none());
    let previous: KeyInputs = serde_json::from_str(&recorded).unwrap();
    assert_eq!(changed.changes_since(&previous), [InputChange::ImportSignature("./Button.egh".into())]);
    let rates: Vec<_> = cache.counters().iter().map(|c| (c.tier, c.hit_rate())).collect();
    assert_eq!(rates, [(Tier::Memory, Some(1.0 / 3.0)), (Tier::Disk, Some(0.5))]);
    assert!(cache.take_warnings().is_empty());
}

#[test]
fn a_damaged_entry_on_disk_is_a_miss_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let config = CacheConfig::new(dir.path());
    let key = inputs(b"").key();
    TieredCache::open(&config).unwrap().put(&key, &outputs());
    let disk = DiskCache::open(&config.dir, config.disk_limits()).unwrap();
    tamper(&disk).execute("UPDATE entries SET data = substr(data, 1, length(data) / 2)", []).unwrap();

    let cache = TieredCache::open(&config).unwrap();
    assert!(cache.get(&key).is_none());
    let warnings = cache.take_warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!((warnings[0].tier, warnings[0].key), (Tier::Disk, key));
    assert!(warnings[0].to_string().contains(&disk.store_path().display().to_string()), "{}", warnings[0]);
    assert!(!disk.contains(&key));
}

/// A store file that SQLite finds damaged, cut short or overwritten (a crash of the disk, a
/// planted file), is never an error that stops a build: lookups miss, and the store starts over.
#[test]
fn a_damaged_store_reads_as_misses_and_starts_over() {
    let damages: [(&str, fn(&[u8]) -> Vec<u8>); 3] = [
        ("cut in half", |bytes| bytes[..bytes.len() / 2].to_vec()),
        ("pages overwritten", |bytes| [&bytes[..4096], &vec![0x5a; bytes.len() - 4096]].concat()),
        ("not a database", |_| b"not a database at all".repeat(500)),
    ];
    for (damage, apply) in damages {
        let dir = tempfile::tempdir().unwrap();
        let config = CacheConfig::new(dir.path());
        let keys: Vec<_> = (0..200u8).map(|n| inputs(&[n]).key()).collect();
        {
            let disk = DiskCache::open(&config.dir, config.disk_limits()).unwrap();
            for key in &keys {
                disk.put(key, &outputs()).unwrap();
            }
        }
        // The last connection to close has folded the log into the store.
        let store = config.dir.join("entries.sqlite");
        assert!(!config.dir.join("entries.sqlite-wal").exists(), "{damage}");
        fs::write(&store, apply(&fs::read(&store).unwrap())).unwrap();

        let cache = TieredCache::open(&config).unwrap();
        for key in &keys {
            if let Some(hit) = cache.get(key) {
                assert_eq!(hit.entry, outputs(), "{damage}: a hit is an intact entry");
            }
        }
        cache.take_warnings();
        cache.put(&keys[0], &outputs());
        cache.flush();
        let fresh = TieredCache::new(vec![Box::new(DiskCache::open(&config.dir, config.disk_limits()).unwrap())]);
        assert_eq!(fresh.get(&keys[0]).map(|hit| hit.entry), Some(outputs()), "{damage}: the store works again");
        assert!(fresh.take_warnings().is_empty(), "{damage}");
    }
}

#[test]
fn stats_gc_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let config = CacheConfig { max_age: Duration::from_secs(60), ..CacheConfig::new(dir.path()) };
    let disk = DiskCache::open(&config.dir, config.disk_limits()).unwrap();
    let keys: Vec<_> = (0..3u8).map(|n| inputs(&[n]).key()).collect();
    for key in &keys {
        disk.put(key, &outputs()).unwrap();
    }
    assert!(disk.flush().is_empty());
    let sql = "UPDATE entries SET last_used = last_used - 3600000 WHERE key = ?1";
    tamper(&disk).execute(sql, [&keys[0].as_bytes()[..]]).unwrap();

    let stats = disk.stats().unwrap();
    assert_eq!(stats.entries, 3);
    assert!(stats.oldest < stats.newest);
    let report = disk.gc().unwrap();
    assert_eq!(report.removed.len(), 1);
    assert_eq!((report.removed[0].key, report.removed[0].reason), (keys[0], EvictReason::Expired));
    assert_eq!(report.kept.entries, 2);
    assert_eq!(disk.clear().unwrap().removed.len(), 2);
    assert_eq!(disk.stats().unwrap().entries, 0);
}

#[test]
fn an_entry_copied_over_another_keys_entry_is_a_miss_and_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let config = CacheConfig::new(dir.path());
    let disk = DiskCache::open(&config.dir, config.disk_limits()).unwrap();
    let (app, counter) = (inputs(b"app").key(), inputs(b"counter").key());
    disk.put(&app, &outputs()).unwrap();
    disk.put(&counter, &Arc::new(CacheEntry::new(vec![("js".into(), b"export default function Counter() {}".to_vec())])))
        .unwrap();
    assert!(disk.flush().is_empty());
    let sql = "UPDATE entries SET data = (SELECT data FROM entries WHERE key = ?2) WHERE key = ?1";
    tamper(&disk).execute(sql, [&app.as_bytes()[..], &counter.as_bytes()[..]]).unwrap();

    let cache = TieredCache::open(&config).unwrap();
    assert!(cache.get(&app).is_none(), "Counter's module is not App's");
    let warnings = cache.take_warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!((warnings[0].tier, warnings[0].key), (Tier::Disk, app));
    assert!(warnings[0].to_string().ends_with(&format!("written for key {counter}")), "{}", warnings[0]);
    assert!(!disk.contains(&app));
    assert!(cache.get(&counter).is_some(), "Counter's own entry stays");
}

/// `gc` and `clear` delete entries of the cache folder only: a planted link, to a file or as a
/// shard folder, is neither followed nor taken for an entry.
#[cfg(unix)]
#[test]
fn clearing_follows_no_symbolic_link() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let disk = DiskCache::open(dir.path().join("cache"), CacheConfig::new(dir.path()).disk_limits()).unwrap();
    let kept = inputs(b"kept").key();
    disk.put(&kept, &outputs()).unwrap();
    let hex = kept.to_string();
    // An entry-named file outside, reached through a link named as an entry or as a shard.
    let victim = outside.path().join(&hex);
    fs::write(&victim, "precious").unwrap();
    let other_shard = if hex.starts_with("ff") { "fe" } else { "ff" };
    let linked = format!("{other_shard}{}", &hex[2..]);
    fs::write(outside.path().join(&linked), "precious too").unwrap();
    symlink(outside.path(), disk.dir().join(other_shard)).unwrap();
    let planted = inputs(b"planted").key().to_string();
    fs::create_dir_all(disk.dir().join(&planted[..2])).unwrap();
    symlink(&victim, disk.dir().join(&planted[..2]).join(&planted)).unwrap();

    assert_eq!(disk.stats().unwrap().entries, 1);
    let report = disk.clear().unwrap();
    assert_eq!(report.removed.iter().map(|r| r.key).collect::<Vec<_>>(), [kept]);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(fs::read_to_string(outside.path().join(&linked)).unwrap(), "precious too");
    assert_eq!(disk.gc().unwrap().removed, []);
}

/// A link or FIFO planted at one of the store's files makes the disk tier unavailable: it is
/// neither followed, nor waited on, nor removed.
#[cfg(unix)]
#[test]
fn a_link_or_fifo_at_the_store_is_refused_not_followed() {
    for suffix in ["", "-wal", "-shm"] {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let config = CacheConfig::new(dir.path().join("cache"));
        DiskCache::open(&config.dir, config.disk_limits()).unwrap().put(&inputs(b"").key(), &outputs()).unwrap();
        let planted = config.dir.join(format!("entries.sqlite{suffix}"));
        let _ = fs::remove_file(&planted);
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let error = DiskCache::open(&config.dir, config.disk_limits()).err().expect("a link is refused");
        assert!(error.to_string().contains("not a regular file"), "{error}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(fs::symlink_metadata(&planted).unwrap().file_type().is_symlink(), "the link stays");

        fs::remove_file(&planted).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(&planted).status().unwrap().success());
        let error = DiskCache::open(&config.dir, config.disk_limits()).err().expect("a FIFO is refused");
        assert!(error.to_string().contains("not a regular file"), "{error}");
    }
}
