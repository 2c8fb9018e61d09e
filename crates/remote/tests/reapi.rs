//! The REAPI client and the remote tier against a real BuildGrid.

mod common;

use std::sync::Arc;
use std::time::Instant;

use bazel_remote_apis::build::bazel::remote::execution::v2::{ActionResult, OutputFile};
use common::{CuttableProxy, assert_round_trip, quick_options, random_key, reapi_url, service, unique_bytes, unique_entry};
use eghact_builder::cache::{CacheEntry, CacheTier, Tier};
use eghact_remote::action::{DigestFunction, action_digest};
use eghact_remote::reapi::ReapiClient;
use eghact_remote::{Endpoint, RemoteCache, RemoteError, RemoteOptions};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn client(rt: &tokio::runtime::Runtime) -> ReapiClient {
    rt.block_on(ReapiClient::connect(&service(&reapi_url()), &RemoteOptions::default())).unwrap()
}

#[test]
fn capabilities_choose_the_digest_function_and_the_batch_limit() {
    let rt = runtime();
    let capabilities = client(&rt).capabilities();
    // BuildGrid 0.4 offers SHA-256 only; BLAKE3 would be chosen where offered (unit-tested).
    assert_eq!(capabilities.digest_function, DigestFunction::Sha256);
    assert_eq!(capabilities.max_batch_bytes, 4_193_280);
    assert!(capabilities.action_cache_updates);
}

#[test]
fn small_blobs_round_trip_through_batches() {
    let rt = runtime();
    let client = client(&rt);
    let f = client.digest_function();
    let blobs: Vec<Vec<u8>> = (0..40).map(|i| unique_bytes(150_000 + i, "small")).collect();
    let with_digests: Vec<_> = blobs.iter().map(|b| (f.digest(b), b.as_slice())).collect();
    let digests: Vec<_> = with_digests.iter().map(|(d, _)| d.clone()).collect();
    assert_eq!(rt.block_on(client.find_missing(&digests)).unwrap().len(), 40);
    // 40 × 150 kB is 6 MB: more than one batch.
    rt.block_on(client.upload(&with_digests)).unwrap();
    assert!(rt.block_on(client.find_missing(&digests)).unwrap().is_empty());
    let read = rt.block_on(client.read(&digests)).unwrap();
    for (digest, data) in &with_digests {
        assert_eq!(read.get(&digest.hash).map(Vec::as_slice), Some(*data));
    }
}

#[test]
fn blobs_above_the_batch_limit_go_through_bytestream() {
    let rt = runtime();
    let client = client(&rt);
    let data = unique_bytes(9 << 20, "large");
    let digest = client.digest_function().digest(&data);
    assert_eq!(rt.block_on(client.read_stream(&digest)).unwrap(), None, "not there yet");
    rt.block_on(client.upload(&[(digest.clone(), &data)])).unwrap();
    assert!(rt.block_on(client.find_missing(std::slice::from_ref(&digest))).unwrap().is_empty());
    let read = rt.block_on(client.read(std::slice::from_ref(&digest))).unwrap();
    assert!(read.get(&digest.hash) == Some(&data), "the large blob came back whole");
}

#[test]
fn action_results_round_trip_through_the_action_cache() {
    let rt = runtime();
    let client = client(&rt);
    let f = client.digest_function();
    let action = action_digest(f, &random_key());
    assert_eq!(rt.block_on(client.get_action_result(&action)).unwrap(), None);
    let blob = unique_bytes(100, "output");
    let digest = f.digest(&blob);
    rt.block_on(client.upload(&[(digest.clone(), &blob)])).unwrap();
    let result = ActionResult {
        output_files: vec![OutputFile { path: "js".into(), digest: Some(digest), ..Default::default() }],
        ..Default::default()
    };
    rt.block_on(client.update_action_result(&action, &result)).unwrap();
    let stored = rt.block_on(client.get_action_result(&action)).unwrap().expect("a cached result");
    assert_eq!(stored.output_files, result.output_files);
}

#[test]
fn the_tier_stores_and_restores_entries() {
    let tier = RemoteCache::connect(&service(&reapi_url()), &RemoteOptions::default()).unwrap();
    assert_eq!(tier.tier(), Tier::Remote);
    assert_round_trip(&tier, unique_entry(5 << 20));
}

#[test]
fn a_read_only_tier_writes_nothing() {
    let options = RemoteOptions { upload: false, ..RemoteOptions::default() };
    let tier = RemoteCache::connect(&service(&reapi_url()), &options).unwrap();
    assert!(!tier.is_writable());
    let key = random_key();
    tier.put(&key, &Arc::new(CacheEntry::new(vec![("js".into(), b"x".to_vec())]))).unwrap();
    assert_eq!(tier.get(&key).unwrap(), None);
}

#[test]
fn an_unreachable_server_fails_at_connect_quickly() {
    let started = Instant::now();
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = Endpoint::parse(&format!("grpc://127.0.0.1:{port}")).unwrap();
    let error = RemoteCache::connect(&endpoint, &quick_options()).err().expect("no server");
    assert!(matches!(error, RemoteError::Connect(_)), "{error}");
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

#[test]
fn a_port_that_accepts_and_drops_fails_at_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || listener.incoming().for_each(drop));
    let endpoint = Endpoint::parse(&format!("grpc://127.0.0.1:{port}")).unwrap();
    let started = Instant::now();
    assert!(RemoteCache::connect(&endpoint, &quick_options()).is_err());
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn a_server_lost_mid_build_gives_misses_then_switches_the_tier_off() {
    let upstream = service(&reapi_url()).url.trim_start_matches("http://").to_string();
    let proxy = CuttableProxy::start(upstream);
    let endpoint = Endpoint::parse(&format!("grpc://127.0.0.1:{}", proxy.port)).unwrap();
    let tier = RemoteCache::connect(&endpoint, &quick_options()).unwrap();
    let entry = Arc::new(CacheEntry::new(vec![("js".into(), unique_bytes(64, "mid"))]));
    let key = random_key();
    tier.put(&key, &entry).unwrap();
    assert!(tier.flush().is_empty(), "stores run in the background until flushed");
    assert_eq!(tier.get(&key).unwrap(), Some(entry.clone()));

    proxy.cut();
    let errors: Vec<String> = (0..3).map(|_| tier.get(&key).expect_err("the server is gone").to_string()).collect();
    assert!(errors[2].contains("switched off for the rest of this build"), "{errors:?}");
    assert!(tier.is_disabled());
    let started = Instant::now();
    assert_eq!(tier.get(&key).unwrap(), None, "a switched-off tier is a plain miss");
    tier.put(&key, &entry).unwrap();
    assert!(tier.flush().is_empty(), "stores run in the background until flushed");
    assert!(!tier.contains(&key));
    assert!(started.elapsed().as_millis() < 50, "no network once off: {:?}", started.elapsed());
}

#[test]
fn a_store_that_fails_in_the_background_is_reported_by_flush_once() {
    let upstream = service(&reapi_url()).url.trim_start_matches("http://").to_string();
    let proxy = CuttableProxy::start(upstream);
    let endpoint = Endpoint::parse(&format!("grpc://127.0.0.1:{}", proxy.port)).unwrap();
    let tier = RemoteCache::connect(&endpoint, &quick_options()).unwrap();
    proxy.cut();
    let key = random_key();
    tier.put(&key, &Arc::new(CacheEntry::new(vec![("js".into(), unique_bytes(64, "lost"))]))).unwrap();
    let failed = tier.flush();
    assert_eq!(failed.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [key], "{failed:?}");
    assert!(tier.flush().is_empty(), "reported once");
}

#[test]
fn many_lookups_at_once_answer_in_order() {
    let tier = RemoteCache::connect(&service(&reapi_url()), &RemoteOptions::default()).unwrap();
    let keys: Vec<_> = (0..20).map(|_| random_key()).collect();
    let entries: Vec<_> = keys.iter().map(|_| unique_entry(100)).collect();
    // Every other key stored.
    for (key, entry) in keys.iter().zip(&entries).step_by(2) {
        tier.put(key, entry).unwrap();
    }
    assert!(tier.flush().is_empty());
    let found = tier.get_many(&keys);
    for (i, (found, entry)) in found.into_iter().zip(&entries).enumerate() {
        assert_eq!(found.unwrap(), (i % 2 == 0).then(|| entry.clone()), "key {i}");
    }
}
