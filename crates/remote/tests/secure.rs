//! TLS with a private CA and bearer tokens, against the secure BuildGrid of
//! `scripts/remote-cluster/up.sh`: a certificate of the test CA, JWT (HS256) authorization.

mod common;

use common::{assert_round_trip, http_url, quick_options, secure_url, service, test_ca, test_token, unique_entry};
use eghact_builder::cache::CacheTier;
use eghact_remote::{Endpoint, RemoteCache, RemoteError};

/// The secure server with the test CA and a valid token.
fn trusted() -> Endpoint {
    service(&secure_url()).with_ca(Some(test_ca())).with_token(Some(test_token()))
}

/// The token with its signature replaced: what a token signed with another key looks like.
fn forged_token() -> String {
    let token = test_token();
    let (claims, signature) = token.rsplit_once('.').unwrap();
    format!("{claims}.{}", "A".repeat(signature.len()))
}

fn connect_error(endpoint: &Endpoint) -> RemoteError {
    RemoteCache::connect(endpoint, &quick_options()).err().expect("the connection is refused")
}

#[test]
fn with_the_ca_and_a_token_entries_round_trip() {
    let tier = RemoteCache::connect(&trusted(), &quick_options()).unwrap();
    assert!(tier.is_writable());
    // The large blob goes through ByteStream, a streaming call that must carry the token too.
    assert_round_trip(&tier, unique_entry(5 << 20));
}

#[test]
fn without_a_token_the_server_refuses() {
    let endpoint = service(&secure_url()).with_ca(Some(test_ca()));
    let error = connect_error(&endpoint);
    assert!(matches!(&error, RemoteError::Grpc { call: "GetCapabilities", code: tonic::Code::Unauthenticated, .. }), "{error}");
    assert!(error.to_string().contains("Unauthenticated"), "{error}");
    // What a build prints: the endpoint and the reason, and then it builds locally.
    let settings = eghact_remote::RemoteSettings::default();
    let warning = eghact_remote::cache_tier(&endpoint, &settings, "test").err().expect("no tier");
    assert!(warning.contains(&secure_url()) && warning.contains("Unauthenticated"), "{warning}");
}

#[test]
fn a_wrong_token_is_refused_and_never_shown() {
    let forged = forged_token();
    let endpoint = service(&secure_url()).with_ca(Some(test_ca())).with_token(Some(forged.clone()));
    let error = connect_error(&endpoint);
    assert!(matches!(&error, RemoteError::Grpc { code: tonic::Code::Unauthenticated, .. }), "{error}");
    let shown = format!("{error} {error:?} {endpoint} {endpoint:?}");
    let signature = forged.rsplit_once('.').unwrap().1;
    assert!(!shown.contains(signature) && !shown.contains(&test_token()), "{shown}");
}

#[test]
fn without_the_ca_the_server_certificate_is_not_trusted() {
    // The public roots only: the private CA's certificate has an unknown issuer.
    let endpoint = service(&secure_url()).with_token(Some(test_token()));
    let error = connect_error(&endpoint);
    assert!(matches!(error, RemoteError::Connect(_)), "{error}");
    let message = error.to_string();
    assert!(message.contains("certificate") && message.contains("UnknownIssuer"), "{message}");
    assert_eq!(message.matches("UnknownIssuer").count(), 1, "each cause said once: {message}");
}

#[test]
fn a_ca_file_that_cannot_be_used_is_a_clear_error_before_any_network() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-ca.pem");
    let not_a_certificate = dir.path().join("token.pem");
    std::fs::write(&not_a_certificate, test_token()).unwrap();
    // An HTTP cache takes the same CA option; nothing listens at the unused gRPC port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for url in [secure_url(), format!("grpcs://127.0.0.1:{port}"), http_url().replace("http://", "https://")] {
        for (path, reason) in [(&missing, "cannot read it"), (&not_a_certificate, "no PEM certificate")] {
            let endpoint = Endpoint::parse(&url).unwrap().with_ca(Some(path.clone())).with_token(Some(test_token()));
            let error = connect_error(&endpoint);
            assert!(matches!(error, RemoteError::Ca { .. }), "{url}: {error}");
            let message = error.to_string();
            assert!(message.contains(&path.display().to_string()) && message.contains(reason), "{url}: {message}");
            assert!(!message.contains(&test_token()), "{message}");
        }
    }
}
