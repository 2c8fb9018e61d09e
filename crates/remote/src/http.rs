//! A client for the Bazel HTTP cache protocol: `GET`, `PUT` and `HEAD` of `<base>/ac/<hash>`
//! (a serialized ActionResult) and `<base>/cas/<hash>` (a blob), hashes in SHA-256, the
//! protocol's only function. Any server that stores files by path works (nginx with WebDAV
//! `PUT`, bazel-remote, a bucket behind a proxy).
//!
//! Async reqwest on the tier's one tokio runtime rather than `reqwest::blocking`: the blocking
//! client starts a hidden runtime of its own per client (and panics inside another runtime), while
//! the tier already owns a runtime for gRPC; one runtime serves both protocols.

use std::time::Duration;

use reqwest::StatusCode;

use crate::action::DigestFunction;
use crate::{Endpoint, RemoteError, RemoteOptions, RetryPolicy};

/// The two stores of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// Action results, by Action digest.
    Ac,
    /// Blobs, by content digest.
    Cas,
}

impl Store {
    fn path(self) -> &'static str {
        match self {
            Store::Ac => "ac",
            Store::Cas => "cas",
        }
    }
}

#[derive(Clone)]
pub struct HttpCache {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
    retry: RetryPolicy,
}

impl HttpCache {
    pub const DIGEST_FUNCTION: DigestFunction = DigestFunction::Sha256;

    pub fn new(endpoint: &Endpoint, options: &RemoteOptions) -> Result<Self, RemoteError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.deadline)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(format!("eghact/{} ({})", options.tool_version, options.invocation_id));
        // Added to the webpki roots reqwest starts from, as for gRPC.
        if endpoint.tls
            && let Some(pem) = endpoint.ca_pem()?
            && let Some(path) = &endpoint.ca
        {
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|error| RemoteError::Ca { path: path.clone(), reason: error.to_string() })?;
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder.build().map_err(|source| RemoteError::Http { call: "client", source })?;
        Ok(Self { client, base: endpoint.url.clone(), token: endpoint.token.clone(), retry: options.retry })
    }

    fn url(&self, store: Store, hash: &str) -> String {
        format!("{}/{}/{hash}", self.base, store.path())
    }

    fn request(&self, method: reqwest::Method, store: Store, hash: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(store, hash));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// `None` when the server does not have it (404).
    pub async fn get(&self, store: Store, hash: &str) -> Result<Option<Vec<u8>>, RemoteError> {
        self.retry
            .run(|| async {
                let call = "GET";
                let response = self.request(reqwest::Method::GET, store, hash).send().await;
                let response = response.map_err(|source| RemoteError::Http { call, source })?;
                match response.status() {
                    StatusCode::NOT_FOUND => Ok(None),
                    status if status.is_success() => {
                        let body = response.bytes().await.map_err(|source| RemoteError::Http { call, source })?;
                        Ok(Some(body.to_vec()))
                    }
                    status => Err(RemoteError::HttpStatus { call, status: status.as_u16() }),
                }
            })
            .await
    }

    /// A blob read from CAS, checked against its hash (`None` when absent).
    pub async fn get_blob(&self, hash: &str) -> Result<Option<Vec<u8>>, RemoteError> {
        let data = self.get(Store::Cas, hash).await?;
        if let Some(data) = &data
            && Self::DIGEST_FUNCTION.hash(data) != hash
        {
            return Err(RemoteError::Corrupt { hash: hash.to_string() });
        }
        Ok(data)
    }

    pub async fn put(&self, store: Store, hash: &str, data: &[u8]) -> Result<(), RemoteError> {
        self.retry
            .run(|| async {
                let call = "PUT";
                let request = self.request(reqwest::Method::PUT, store, hash).body(data.to_vec());
                let response = request.send().await.map_err(|source| RemoteError::Http { call, source })?;
                match response.status() {
                    status if status.is_success() => Ok(()),
                    status => Err(RemoteError::HttpStatus { call, status: status.as_u16() }),
                }
            })
            .await
    }

    pub async fn contains(&self, store: Store, hash: &str) -> Result<bool, RemoteError> {
        self.retry
            .run(|| async {
                let call = "HEAD";
                let response = self.request(reqwest::Method::HEAD, store, hash).send().await;
                match response.map_err(|source| RemoteError::Http { call, source })?.status() {
                    StatusCode::NOT_FOUND => Ok(false),
                    status if status.is_success() => Ok(true),
                    status => Err(RemoteError::HttpStatus { call, status: status.as_u16() }),
                }
            })
            .await
    }
}
