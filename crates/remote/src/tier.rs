//! [`RemoteCache`]: the engine's `CacheTier` over either protocol. Lookups read the
//! ActionCache, check that the result was stored for the key asked (a result of another key is
//! an error, so a warning and a miss), then read the entry's blobs; stores upload the blobs,
//! then the ActionResult (so a result is never visible before its blobs).
//!
//! Invariants: no method blocks longer than the retries of one call allow, none panics, and
//! after `max_failures` failed operations in a row the tier answers "miss" at once for the rest
//! of the build, announced by one last error.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use bazel_remote_apis::build::bazel::remote::execution::v2::ActionResult;
use eghact_builder::cache::{CacheEntry, CacheError, CacheKey, CacheTier, Tier};
use prost::Message as _;

use crate::action::{self, DigestFunction};
use crate::http::{HttpCache, Store};
use crate::reapi::ReapiClient;
use crate::{Endpoint, Protocol, RemoteError, RemoteOptions};

/// A remote cache tier. It owns a small tokio runtime, and its synchronous `CacheTier` methods
/// block on it; so it must be used (and dropped) outside any async context, as the engine's
/// build threads are.
pub struct RemoteCache {
    runtime: tokio::runtime::Runtime,
    remote: Arc<Remote>,
    writable: bool,
    /// Stores run in the background, at most this many at once: a build does not wait for the
    /// round trips of its uploads, only for a free place (and for all of them in `flush`).
    in_flight: Arc<tokio::sync::Semaphore>,
    pending: Mutex<Vec<tokio::task::JoinHandle<Option<FailedStore>>>>,
}

/// A background store that failed, for `flush`.
type FailedStore = (CacheKey, CacheError);

/// Stores in flight at once.
const MAX_IN_FLIGHT: usize = 8;

/// The server and the tier's failure count, shared with background stores.
struct Remote {
    backend: Backend,
    endpoint: String,
    max_failures: u32,
    failures: AtomicU32,
    disabled: AtomicBool,
}

enum Backend {
    Reapi(ReapiClient),
    Http(HttpCache),
}

impl RemoteCache {
    /// Connects and checks that the server answers (REAPI: Capabilities; HTTP: a `HEAD`), so an
    /// unreachable cache is found once, before the build, rather than on every lookup.
    pub fn connect(endpoint: &Endpoint, options: &RemoteOptions) -> Result<Self, RemoteError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("eghact-remote")
            .enable_all()
            .build()
            .map_err(RemoteError::Runtime)?;
        let (backend, writable) = match endpoint.protocol {
            Protocol::Grpc => {
                let client = runtime.block_on(ReapiClient::connect(endpoint, options))?;
                let writable = options.upload && client.capabilities().action_cache_updates;
                (Backend::Reapi(client), writable)
            }
            Protocol::Http => {
                let client = HttpCache::new(endpoint, options)?;
                let probe = HttpCache::DIGEST_FUNCTION.hash(b"eghact probe");
                runtime.block_on(client.contains(Store::Ac, &probe))?;
                (Backend::Http(client), options.upload)
            }
        };
        let remote = Remote {
            backend,
            endpoint: endpoint.to_string(),
            max_failures: options.max_failures.max(1),
            failures: AtomicU32::new(0),
            disabled: AtomicBool::new(false),
        };
        Ok(Self {
            runtime,
            remote: Arc::new(remote),
            writable,
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
            pending: Mutex::new(Vec::new()),
        })
    }

    pub fn digest_function(&self) -> DigestFunction {
        self.remote.digest_function()
    }

    /// Whether repeated failures switched the tier off.
    pub fn is_disabled(&self) -> bool {
        self.remote.is_disabled()
    }
}

impl Remote {
    fn digest_function(&self) -> DigestFunction {
        match &self.backend {
            Backend::Reapi(client) => client.digest_function(),
            Backend::Http(_) => HttpCache::DIGEST_FUNCTION,
        }
    }

    fn is_disabled(&self) -> bool {
        self.disabled.load(Ordering::Relaxed)
    }

    async fn action_result(&self, key: &CacheKey) -> Result<Option<ActionResult>, RemoteError> {
        let action = action::action_digest(self.digest_function(), key);
        match &self.backend {
            Backend::Reapi(client) => client.get_action_result(&action).await,
            Backend::Http(client) => match client.get(Store::Ac, &action.hash).await? {
                Some(bytes) => Ok(Some(ActionResult::decode(bytes.as_slice())?)),
                None => Ok(None),
            },
        }
    }

    async fn lookup(&self, key: &CacheKey) -> Result<Option<CacheEntry>, RemoteError> {
        let Some(result) = self.action_result(key).await? else { return Ok(None) };
        if !action::is_stored_for(self.digest_function(), &result, key) {
            return Err(RemoteError::Protocol(format!("the result under key {key} was stored for another key")));
        }
        let Some(wanted) = action::blobs_to_fetch(&result) else { return Ok(None) };
        let blobs = match &self.backend {
            Backend::Reapi(client) => client.read(&wanted).await?,
            Backend::Http(client) => {
                let mut blobs = std::collections::HashMap::new();
                for digest in &wanted {
                    if let Some(data) = client.get_blob(&digest.hash).await? {
                        blobs.insert(digest.hash.clone(), data);
                    }
                }
                blobs
            }
        };
        Ok(action::entry_from(&result, |digest| blobs.get(&digest.hash).cloned()))
    }

    async fn store(&self, key: &CacheKey, entry: &CacheEntry) -> Result<(), RemoteError> {
        let function = self.digest_function();
        let action = action::action_digest(function, key);
        let (result, blobs) = action::action_result(function, key, entry);
        match &self.backend {
            Backend::Reapi(client) => {
                client.upload(&blobs).await?;
                client.update_action_result(&action, &result).await
            }
            Backend::Http(client) => {
                for (digest, data) in &blobs {
                    client.put(Store::Cas, &digest.hash, data).await?;
                }
                client.put(Store::Ac, &action.hash, &result.encode_to_vec()).await
            }
        }
    }

    async fn has(&self, key: &CacheKey) -> Result<bool, RemoteError> {
        match &self.backend {
            Backend::Reapi(_) => Ok(self.action_result(key).await?.is_some()),
            Backend::Http(client) => client.contains(Store::Ac, &action::action_digest(self.digest_function(), key).hash).await,
        }
    }

    /// Counts failures in a row; the one that reaches the limit switches the tier off.
    fn settle<T>(&self, result: Result<T, RemoteError>) -> Result<T, CacheError> {
        match result {
            Ok(value) => {
                self.failures.store(0, Ordering::Relaxed);
                Ok(value)
            }
            Err(error) => {
                let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
                let error = if failures >= self.max_failures && !self.disabled.swap(true, Ordering::Relaxed) {
                    RemoteError::Disabled { failures, last: Box::new(error) }
                } else {
                    error
                };
                Err(CacheError::Remote { endpoint: self.endpoint.clone(), source: Box::new(error) })
            }
        }
    }
}

impl CacheTier for RemoteCache {
    fn tier(&self) -> Tier {
        Tier::Remote
    }

    fn get(&self, key: &CacheKey) -> Result<Option<Arc<CacheEntry>>, CacheError> {
        if self.is_disabled() {
            return Ok(None);
        }
        let found = self.remote.settle(self.runtime.block_on(self.remote.lookup(key)))?;
        Ok(found.map(Arc::new))
    }

    /// Lookups overlapped, as many at once as stores may be.
    fn get_many(&self, keys: &[CacheKey]) -> Vec<Result<Option<Arc<CacheEntry>>, CacheError>> {
        use futures_util::StreamExt as _;
        if self.is_disabled() {
            return keys.iter().map(|_| Ok(None)).collect();
        }
        let lookups = futures_util::stream::iter(keys).map(|key| self.remote.lookup(key)).buffered(MAX_IN_FLIGHT);
        let results: Vec<_> = self.runtime.block_on(lookups.collect());
        results.into_iter().map(|result| self.remote.settle(result).map(|found| found.map(Arc::new))).collect()
    }

    /// Starts the store in the background; its failure comes out of `flush`.
    fn put(&self, key: &CacheKey, entry: &Arc<CacheEntry>) -> Result<(), CacheError> {
        if !self.writable || self.is_disabled() {
            return Ok(());
        }
        // The semaphore is never closed, so acquiring fails only if it were.
        let Ok(place) = self.runtime.block_on(self.in_flight.clone().acquire_owned()) else { return Ok(()) };
        let (remote, key, entry) = (self.remote.clone(), *key, entry.clone());
        let store = self.runtime.spawn(async move {
            let stored = if remote.is_disabled() { Ok(()) } else { remote.store(&key, &entry).await };
            drop(place);
            remote.settle(stored).err().map(|error| (key, error))
        });
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(store);
        Ok(())
    }

    fn flush(&self) -> Vec<(CacheKey, CacheError)> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        self.runtime
            .block_on(async { futures_util::future::join_all(pending).await })
            .into_iter()
            .filter_map(|r| r.ok().flatten())
            .collect()
    }

    fn contains(&self, key: &CacheKey) -> bool {
        !self.is_disabled() && self.remote.settle(self.runtime.block_on(self.remote.has(key))).unwrap_or(false)
    }

    fn is_writable(&self) -> bool {
        self.writable
    }
}
