//! The Bazel HTTP cache client and the remote tier against nginx with WebDAV PUT.

mod common;

use common::{assert_round_trip, http_url, quick_options, random_key, service, unique_bytes, unique_entry};
use eghact_builder::cache::CacheTier as _;
use eghact_remote::action::{DigestFunction, action_digest};
use eghact_remote::http::{HttpCache, Store};
use eghact_remote::{Endpoint, RemoteCache, RemoteError, RemoteOptions};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn blobs_and_results_round_trip_with_get_put_head() {
    let rt = runtime();
    let client = HttpCache::new(&service(&http_url()), &RemoteOptions::default()).unwrap();
    let data = unique_bytes(70_000, "http");
    let hash = HttpCache::DIGEST_FUNCTION.hash(&data);
    assert_eq!(rt.block_on(client.get(Store::Cas, &hash)).unwrap(), None);
    assert!(!rt.block_on(client.contains(Store::Cas, &hash)).unwrap());
    rt.block_on(client.put(Store::Cas, &hash, &data)).unwrap();
    assert!(rt.block_on(client.contains(Store::Cas, &hash)).unwrap());
    assert_eq!(rt.block_on(client.get_blob(&hash)).unwrap(), Some(data.clone()));
    rt.block_on(client.put(Store::Ac, &hash, b"result")).unwrap();
    assert_eq!(rt.block_on(client.get(Store::Ac, &hash)).unwrap(), Some(b"result".to_vec()));
}

#[test]
fn a_blob_with_other_contents_is_refused() {
    let rt = runtime();
    let client = HttpCache::new(&service(&http_url()), &RemoteOptions::default()).unwrap();
    let hash = HttpCache::DIGEST_FUNCTION.hash(&unique_bytes(32, "claimed"));
    rt.block_on(client.put(Store::Cas, &hash, b"something else")).unwrap();
    assert!(matches!(rt.block_on(client.get_blob(&hash)), Err(RemoteError::Corrupt { .. })));
}

#[test]
fn the_tier_stores_and_restores_entries() {
    let tier = RemoteCache::connect(&service(&http_url()), &RemoteOptions::default()).unwrap();
    assert_round_trip(&tier, unique_entry(2000));
}

/// An ActionResult copied on the server under another key's name is refused, not served as
/// that key's entry.
#[test]
fn a_result_copied_under_another_keys_name_is_refused() {
    let rt = runtime();
    let endpoint = service(&http_url());
    let tier = RemoteCache::connect(&endpoint, &RemoteOptions::default()).unwrap();
    let (counter, app) = (random_key(), random_key());
    tier.put(&counter, &unique_entry(100)).unwrap();
    assert!(tier.flush().is_empty());
    let client = HttpCache::new(&endpoint, &RemoteOptions::default()).unwrap();
    let action = |key| action_digest(DigestFunction::Sha256, key).hash;
    let stored = rt.block_on(client.get(Store::Ac, &action(&counter))).unwrap().unwrap();
    rt.block_on(client.put(Store::Ac, &action(&app), &stored)).unwrap();
    let error = tier.get(&app).unwrap_err().to_string();
    assert!(error.contains("stored for another key"), "{error}");
    assert!(tier.get(&counter).unwrap().is_some());
}

#[test]
fn an_unreachable_http_cache_fails_at_connect() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = Endpoint::parse(&format!("http://127.0.0.1:{port}/cache")).unwrap();
    assert!(RemoteCache::connect(&endpoint, &quick_options()).is_err());
}
