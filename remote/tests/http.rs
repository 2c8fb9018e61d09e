//! The Bazel HTTP cache client and the remote tier against nginx with WebDAV PUT.

mod common;

use common::{assert_round_trip, http_url, quick_options, service, unique_bytes, unique_entry};
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

#[test]
fn an_unreachable_http_cache_fails_at_connect() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = Endpoint::parse(&format!("http://127.0.0.1:{port}/cache")).unwrap();
    assert!(RemoteCache::connect(&endpoint, &quick_options()).is_err());
}
