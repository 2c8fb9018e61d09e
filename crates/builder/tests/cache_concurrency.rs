//! Threads and processes hammering one disk cache store with puts, gets, gc and clear never
//! read a damaged or wrong entry and never fail, and a process killed in the middle of its
//! writes leaves a store that reads: SQLite's locks and log hold.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use eghact_builder::cache::{CacheEntry, CacheKey, CacheTier, DiskCache, DiskLimits};

const KEYS: u8 = 32;
const OPS: u32 = 400;
/// Room for about eight of the entries below, so puts and gc evict all the time.
const LIMITS: DiskLimits = DiskLimits { max_bytes: 256 * 1024, max_age: Duration::from_secs(3600) };
/// Set in the child processes to the folder they share.
const CHILD_DIR: &str = "EGHACT_CACHE_HAMMER_DIR";
/// Set in the child process that writes until it is killed.
const KILLED_CHILD_DIR: &str = "EGHACT_CACHE_KILLED_DIR";

/// Random (so incompressible) outputs of 1 to 64 KiB: a torn write could not go unseen.
fn expected(k: u8) -> CacheEntry {
    let mut js = vec![0; 1024 + usize::from(k) * 2048];
    blake3::Hasher::new().update(&[k]).finalize_xof().fill(&mut js);
    CacheEntry::new(vec![("js".into(), js), ("css".into(), vec![k; 100])])
}

/// Runs `OPS` random operations through its own handle, as another process would; returns
/// the number of hits.
fn hammer(dir: &Path, seed: u64) -> u32 {
    let cache = DiskCache::open(dir, LIMITS).unwrap();
    let mut state = seed | 1;
    let mut hits = 0;
    for _ in 0..OPS {
        // xorshift64: a fixed sequence per seed, no dependency needed.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let k = (state % u64::from(KEYS)) as u8;
        let key = CacheKey::from([k; 32]);
        match state / u64::from(KEYS) % 16 {
            0..=7 => match cache.get(&key) {
                Ok(Some(entry)) => {
                    assert!(*entry == expected(k), "wrong entry for key {k}");
                    hits += 1;
                }
                Ok(None) => {}
                Err(error) => panic!("get failed: {error}"),
            },
            8..=13 => cache.put(&key, &Arc::new(expected(k))).unwrap(),
            14 => drop(cache.gc().unwrap()),
            _ => drop(cache.clear().unwrap()),
        }
    }
    hits
}

#[test]
fn threads_with_their_own_handles_share_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let hits: u32 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4).map(|seed| scope.spawn(move || hammer(path, seed * 7919 + 1))).collect();
        workers.into_iter().map(|worker| worker.join().unwrap()).sum()
    });
    assert!(hits > 0, "no get ever hit, so nothing was tested");
    // Each handle may overshoot by what it wrote since its last gc, at most a sixteenth of the
    // bound and one entry.
    let stats = DiskCache::open(dir.path(), LIMITS).unwrap().stats().unwrap();
    assert!(stats.bytes <= LIMITS.max_bytes + 4 * (LIMITS.max_bytes / 16 + 70 * 1024), "{stats:?}");
}

/// The test binary runs itself twice more as the two processes.
#[test]
fn processes_share_a_folder() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        let seed = std::process::id().into();
        println!("hits: {}", hammer(Path::new(&dir), seed));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", "processes_share_a_folder", "--nocapture", "--test-threads=1"])
                .env(CHILD_DIR, dir.path())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "a child process failed: {}\n{stdout}", output.status);
        assert!(stdout.contains("hits: "), "the child did not run the test:\n{stdout}");
    }
}

/// A process killed (SIGKILL) in the middle of its writes leaves a store where every entry it
/// finished is intact and nothing is an error.
#[cfg(unix)]
#[test]
fn a_process_killed_while_writing_leaves_a_readable_store() {
    use std::io::BufRead as _;
    let roomy = DiskLimits { max_bytes: 1 << 30, ..LIMITS };
    let key = |k: u8| CacheKey::from([k; 32]);
    if let Some(dir) = std::env::var_os(KILLED_CHILD_DIR) {
        let cache = DiskCache::open(Path::new(&dir), roomy).unwrap();
        // Bounded, so that a child whose parent died stops on its own.
        for round in 0..100 {
            for k in 0..KEYS {
                cache.put(&key(k), &Arc::new(expected(k))).unwrap();
            }
            if round == 0 {
                assert!(cache.flush().is_empty());
                println!("every key written");
            }
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_process_killed_while_writing_leaves_a_readable_store", "--nocapture", "--test-threads=1"])
        .env(KILLED_CHILD_DIR, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let written = stdout.lines().map_while(Result::ok).any(|line| line.contains("every key written"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(written, "the child did not write");

    let cache = DiskCache::open(dir.path(), roomy).unwrap();
    for k in 0..KEYS {
        let entry = cache.get(&key(k)).unwrap_or_else(|error| panic!("key {k}: {error}")).expect("a finished put stays");
        assert!(*entry == expected(k), "wrong entry for key {k}");
    }
}
