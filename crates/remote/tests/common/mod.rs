//! The services these tests talk to, started by `scripts/remote-cluster/up.sh` (which
//! `scripts/test.sh` runs): BuildGrid for REAPI, nginx with WebDAV PUT for the HTTP cache, a
//! second BuildGrid behind TLS (a private CA) and JWT tokens; and in-process workers for
//! BuildGrid. Shared with the root package's and the language server's remote tests.

#![allow(dead_code)] // each test file uses a part

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eghact_remote::worker::{WorkerOptions, WorkerStatus, run_worker};
use eghact_remote::{Endpoint, RemoteError, RemoteOptions, RetryPolicy};

pub fn reapi_url() -> String {
    std::env::var("EGHACT_TEST_REAPI").unwrap_or_else(|_| "grpc://127.0.0.1:50071".into())
}

pub fn http_url() -> String {
    std::env::var("EGHACT_TEST_HTTP_CACHE").unwrap_or_else(|_| "http://127.0.0.1:18071/cache".into())
}

pub fn secure_url() -> String {
    std::env::var("EGHACT_TEST_SECURE_REAPI").unwrap_or_else(|_| "grpcs://127.0.0.1:50073".into())
}

fn cluster_file(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable).map(PathBuf::from).unwrap_or_else(|| {
        let root = std::env::var_os("EGHACT_CLUSTER_DIR").unwrap_or_else(|| "/tmp/eghact-remote-cluster".into());
        PathBuf::from(root).join("secure").join(name)
    })
}

/// The private CA that signed the secure server's certificate.
pub fn test_ca() -> PathBuf {
    cluster_file("EGHACT_TEST_CA", "ca.pem")
}

/// A token the secure server accepts.
pub fn test_token() -> String {
    let path = cluster_file("EGHACT_TEST_TOKEN_FILE", "token");
    let token =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}: run scripts/remote-cluster/up.sh", path.display()));
    token.trim().to_string()
}

/// The endpoint, after checking that something listens there.
pub fn service(url: &str) -> Endpoint {
    let endpoint = Endpoint::parse(url).unwrap();
    let address = endpoint.url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_string();
    let reachable = address
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .is_some_and(|address| TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok());
    assert!(reachable, "no service at {url}: start the test services with scripts/remote-cluster/up.sh (scripts/test.sh does)");
    endpoint
}

/// Short deadlines and few retries, so fault tests finish in seconds.
pub fn quick_options() -> RemoteOptions {
    RemoteOptions {
        connect_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(3),
        retry: RetryPolicy { attempts: 2, initial_delay: Duration::from_millis(10), max_delay: Duration::from_millis(20) },
        ..RemoteOptions::default()
    }
}

/// Bytes no earlier run stored, so a hit can only come from this run.
pub fn unique_bytes(len: usize, salt: &str) -> Vec<u8> {
    let seed = format!("{salt} {}", uuid::Uuid::new_v4());
    let mut hasher = blake3::Hasher::new();
    hasher.update(seed.as_bytes());
    let mut bytes = vec![0; len];
    hasher.finalize_xof().fill(&mut bytes);
    bytes
}

/// A TCP proxy in front of a service that can be cut: then every open connection is closed and
/// new ones are accepted and dropped at once, as when a server dies mid-build.
pub struct CuttableProxy {
    pub port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl CuttableProxy {
    pub fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (cut2, open2) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if cut2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                let mut open = open2.lock().unwrap();
                open.extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Self { port, cut, open }
    }

    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.drop_connections();
    }

    /// Closes the open connections but accepts new ones, as when a connection breaks and the
    /// server is still there.
    pub fn drop_connections(&self) {
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buffer = [0; 64 << 10];
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 || to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// A worker on a thread and runtime of its own, so that it is shut down properly (BOT_TERMINATING)
/// even when its test panics: a session left open would be given other tests' work until it expires.
pub struct TestWorker {
    /// What its slots are doing.
    pub status: WorkerStatus,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), RemoteError>>>,
    dir: tempfile::TempDir,
}

impl TestWorker {
    pub fn start(name: &str, capacity: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut options = WorkerOptions::new(format!("eghact-test-{name}"), dir.path().join("work"));
        options.capacity = capacity;
        Self::start_with(options, dir)
    }

    /// A worker with these options (its work folder inside `dir`, which it keeps).
    pub fn start_with(options: WorkerOptions, dir: tempfile::TempDir) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let endpoint = service(&reapi_url());
        let status = options.status.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(run_worker(&endpoint, options, async {
                let _ = stopped.await;
            }))
        });
        Self { status, stop: Some(stop), thread: Some(thread), dir }
    }

    pub fn stop(&mut self) -> Option<Result<(), RemoteError>> {
        let _ = self.stop.take()?.send(());
        Some(self.thread.take()?.join().expect("the worker thread does not panic"))
    }

    /// Stops the worker; how long it took to end.
    pub fn shut_down(mut self) -> Duration {
        let started = Instant::now();
        tokio::task::block_in_place(|| self.stop()).unwrap().expect("the worker ends without an error");
        let took = started.elapsed();
        let left: Vec<_> = std::fs::read_dir(self.dir.path().join("work"))
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name())
            .filter(|name| name != ".inputs")
            .collect();
        assert!(left.is_empty(), "action directories are removed: {left:?}");
        took
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A key no earlier run used.
pub fn random_key() -> eghact_builder::cache::CacheKey {
    eghact_builder::cache::CacheKey::from(*blake3::hash(&unique_bytes(16, "key")).as_bytes())
}

/// An entry like a component's, its blobs new to the server; `map_bytes` above the batch limit
/// sends that blob through ByteStream.
pub fn unique_entry(map_bytes: usize) -> Arc<eghact_builder::cache::CacheEntry> {
    Arc::new(eghact_builder::cache::CacheEntry::new(vec![
        ("js".into(), unique_bytes(3000, "js")),
        ("map".into(), unique_bytes(map_bytes, "map")),
        ("css".into(), Vec::new()),
        ("diagnostics".into(), b"[]".to_vec()),
    ]))
}

/// Stores `entry` under a new key through `tier`, waits for the background store, and reads
/// it back.
pub fn assert_round_trip(tier: &eghact_remote::RemoteCache, entry: Arc<eghact_builder::cache::CacheEntry>) {
    use eghact_builder::cache::CacheTier as _;
    let key = random_key();
    assert_eq!(tier.get(&key).unwrap(), None);
    assert!(!tier.contains(&key));
    tier.put(&key, &entry).unwrap();
    assert!(tier.flush().is_empty(), "stores run in the background until flushed");
    assert!(tier.contains(&key));
    assert_eq!(tier.get(&key).unwrap(), Some(entry));
}
