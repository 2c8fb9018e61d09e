//! A REAPI v2 client for caching: Capabilities (digest function, batch limit), CAS
//! (FindMissingBlobs, BatchUpdateBlobs, BatchReadBlobs), ByteStream for blobs above the batch
//! limit, and the ActionCache. Every call carries the deadline, the bearer token and a
//! `RequestMetadata` header (tool `eghact`, its version, the invocation id), and transient
//! failures are retried with backoff.
//!
//! Invariant: every blob read is checked against its digest before it is returned.

use std::collections::HashMap;
use std::time::Duration;

use bazel_remote_apis::build::bazel::remote::execution::v2::{
    ActionResult, BatchReadBlobsRequest, BatchUpdateBlobsRequest, Digest, FindMissingBlobsRequest, GetActionResultRequest,
    GetCapabilitiesRequest, RequestMetadata, ToolDetails, UpdateActionResultRequest, action_cache_client::ActionCacheClient,
    batch_update_blobs_request, capabilities_client::CapabilitiesClient,
    content_addressable_storage_client::ContentAddressableStorageClient,
};
use bazel_remote_apis::google::bytestream::{ReadRequest, WriteRequest, byte_stream_client::ByteStreamClient};
use prost::Message as _;
use tonic::metadata::{AsciiMetadataValue, BinaryMetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

use crate::action::DigestFunction;
use crate::{Endpoint, RemoteError, RemoteOptions, RetryPolicy};

/// The batch limit assumed when a server announces none: gRPC's default message size.
const DEFAULT_MAX_BATCH: usize = 4 << 20;
/// Room per blob in a batch for its digest and framing, so a full batch stays under the limit.
const BLOB_OVERHEAD: usize = 256;
/// Data per ByteStream message: well under any message limit, large enough to stream fast.
const STREAM_CHUNK: usize = 1 << 20;
const METADATA_HEADER: &str = "build.bazel.remote.execution.v2.requestmetadata-bin";
/// The slowest transfer a ByteStream call is given time for, on top of a call's deadline (a
/// 150 MB binary gets 19 s more): large blobs on a loaded machine must not time out for ever.
const SLOWEST_STREAM_BYTES_PER_SEC: f64 = 8e6;

/// Checks blob bytes against their digest.
fn verify(function: DigestFunction, digest: &Digest, data: &[u8]) -> Result<(), RemoteError> {
    if data.len() as i64 != digest.size_bytes || function.hash(data) != digest.hash {
        return Err(RemoteError::Corrupt { hash: digest.hash.clone() });
    }
    Ok(())
}

/// What the server told us in Capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    pub digest_function: DigestFunction,
    /// Largest total size of one BatchUpdateBlobs or BatchReadBlobs call.
    pub max_batch_bytes: usize,
    /// Whether clients may write to the ActionCache.
    pub action_cache_updates: bool,
    /// Whether the server runs actions (Execute), not only caches.
    pub execution: bool,
}

#[derive(Clone)]
pub struct ReapiClient {
    channel: Channel,
    instance: String,
    capabilities: Capabilities,
    metadata: BinaryMetadataValue,
    authorization: Option<AsciiMetadataValue>,
    deadline: Duration,
    retry: RetryPolicy,
}

impl ReapiClient {
    /// Connects and asks for the server's capabilities.
    pub async fn connect(endpoint: &Endpoint, options: &RemoteOptions) -> Result<Self, RemoteError> {
        let invalid = |reason: String| RemoteError::Endpoint { url: endpoint.to_string(), reason };
        let mut transport = tonic::transport::Endpoint::from_shared(endpoint.url.clone())
            .map_err(|e| invalid(e.to_string()))?
            .connect_timeout(options.connect_timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(false);
        if endpoint.tls {
            // A private CA is trusted besides the public roots, not instead of them.
            let mut tls = ClientTlsConfig::new().with_webpki_roots();
            if let Some(pem) = endpoint.ca_pem()? {
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            transport = transport.tls_config(tls).map_err(RemoteError::Connect)?;
        }
        let channel = transport.connect().await.map_err(RemoteError::Connect)?;
        let metadata = RequestMetadata {
            tool_details: Some(ToolDetails { tool_name: "eghact".into(), tool_version: options.tool_version.clone() }),
            tool_invocation_id: options.invocation_id.clone(),
            ..RequestMetadata::default()
        };
        let authorization = match &endpoint.token {
            Some(token) => {
                Some(format!("Bearer {token}").parse().map_err(|_| invalid("the token is not valid in a header".into()))?)
            }
            None => None,
        };
        let mut client = Self {
            channel,
            instance: endpoint.instance.clone(),
            // Replaced below; SHA-256 is what every server accepts while we ask.
            capabilities: Capabilities {
                digest_function: DigestFunction::Sha256,
                max_batch_bytes: DEFAULT_MAX_BATCH,
                action_cache_updates: false,
                execution: false,
            },
            metadata: BinaryMetadataValue::from_bytes(&metadata.encode_to_vec()),
            authorization,
            deadline: options.deadline,
            retry: options.retry,
        };
        client.capabilities = client.fetch_capabilities().await?;
        Ok(client)
    }

    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    pub fn digest_function(&self) -> DigestFunction {
        self.capabilities.digest_function
    }

    async fn fetch_capabilities(&self) -> Result<Capabilities, RemoteError> {
        let reply = self
            .retry
            .run(|| async {
                let request = self.request(GetCapabilitiesRequest { instance_name: self.instance.clone() });
                CapabilitiesClient::new(self.channel.clone())
                    .get_capabilities(request)
                    .await
                    .map_err(|s| RemoteError::grpc("GetCapabilities", s))
            })
            .await?
            .into_inner();
        let cache = reply.cache_capabilities.unwrap_or_default();
        let digest_function = DigestFunction::choose(&cache.digest_functions).ok_or(RemoteError::NoDigestFunction)?;
        let max_batch_bytes = match usize::try_from(cache.max_batch_total_size_bytes) {
            Ok(0) | Err(_) => DEFAULT_MAX_BATCH,
            Ok(limit) => limit.min(DEFAULT_MAX_BATCH),
        };
        let action_cache_updates = cache.action_cache_update_capabilities.is_none_or(|c| c.update_enabled);
        let execution = reply.execution_capabilities.is_some_and(|e| e.exec_enabled);
        Ok(Capabilities { digest_function, max_batch_bytes, action_cache_updates, execution })
    }

    /// A request with the deadline and the headers every call carries.
    pub(crate) fn request<T>(&self, message: T) -> tonic::Request<T> {
        self.request_with_deadline(message, self.deadline)
    }

    /// A request with the headers every call carries and its own deadline, for calls that
    /// legitimately last longer than one cache call (an Execute stream, a worker's long poll).
    pub(crate) fn request_with_deadline<T>(&self, message: T, deadline: Duration) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(deadline);
        request.metadata_mut().insert_bin(METADATA_HEADER, self.metadata.clone());
        if let Some(authorization) = &self.authorization {
            request.metadata_mut().insert("authorization", authorization.clone());
        }
        request
    }

    pub(crate) fn channel(&self) -> Channel {
        self.channel.clone()
    }

    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    fn cas(&self) -> ContentAddressableStorageClient<Channel> {
        let limit = self.capabilities.max_batch_bytes + (64 << 10);
        ContentAddressableStorageClient::new(self.channel.clone())
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit)
    }

    /// Whether a blob of `size` bytes travels in a batch call rather than through ByteStream.
    fn fits_batch(&self, size: usize) -> bool {
        size + BLOB_OVERHEAD <= self.capabilities.max_batch_bytes
    }

    /// Splits blobs into groups whose sizes stay within the batch limit.
    fn batches<T>(&self, items: Vec<T>, size: impl Fn(&T) -> usize) -> Vec<Vec<T>> {
        let mut batches: Vec<Vec<T>> = Vec::new();
        let mut used = usize::MAX;
        for item in items {
            let needed = size(&item) + BLOB_OVERHEAD;
            if used.saturating_add(needed) > self.capabilities.max_batch_bytes {
                batches.push(Vec::new());
                used = 0;
            }
            used += needed;
            if let Some(batch) = batches.last_mut() {
                batch.push(item);
            }
        }
        batches
    }

    pub async fn find_missing(&self, digests: &[Digest]) -> Result<Vec<Digest>, RemoteError> {
        if digests.is_empty() {
            return Ok(Vec::new());
        }
        let reply = self
            .retry
            .run(|| async {
                let request = self.request(FindMissingBlobsRequest {
                    instance_name: self.instance.clone(),
                    blob_digests: digests.to_vec(),
                    digest_function: self.digest_function().proto(),
                });
                self.cas().find_missing_blobs(request).await.map_err(|s| RemoteError::grpc("FindMissingBlobs", s))
            })
            .await?;
        Ok(reply.into_inner().missing_blob_digests)
    }

    /// Stores the blobs (distinct) the server lacks: small ones in batches, large ones through ByteStream.
    pub async fn upload(&self, blobs: &[(Digest, &[u8])]) -> Result<(), RemoteError> {
        let digests: Vec<Digest> = blobs.iter().map(|(d, _)| d.clone()).collect();
        let missing = self.find_missing(&digests).await?;
        let mut small = Vec::new();
        for (digest, data) in blobs.iter().filter(|(d, _)| missing.contains(d)) {
            if self.fits_batch(data.len()) {
                small.push((digest.clone(), *data));
            } else {
                self.write_stream(digest, data).await?;
            }
        }
        for batch in self.batches(small, |(_, data)| data.len()) {
            self.batch_update(&batch).await?;
        }
        Ok(())
    }

    async fn batch_update(&self, blobs: &[(Digest, &[u8])]) -> Result<(), RemoteError> {
        let reply = self
            .retry
            .run(|| async {
                let requests = blobs
                    .iter()
                    .map(|(digest, data)| batch_update_blobs_request::Request {
                        digest: Some(digest.clone()),
                        data: data.to_vec(),
                        ..Default::default()
                    })
                    .collect();
                let request = self.request(BatchUpdateBlobsRequest {
                    instance_name: self.instance.clone(),
                    requests,
                    digest_function: self.digest_function().proto(),
                });
                self.cas().batch_update_blobs(request).await.map_err(|s| RemoteError::grpc("BatchUpdateBlobs", s))
            })
            .await?;
        for response in reply.into_inner().responses {
            if let Some(status) = response.status.filter(|s| s.code != tonic::Code::Ok as i32) {
                let hash = response.digest.map(|d| d.hash).unwrap_or_default();
                return Err(RemoteError::Blob { hash, message: format!("upload refused ({}): {}", status.code, status.message) });
            }
        }
        Ok(())
    }

    /// Reads blobs, verified; a blob the server does not have is absent from the answer.
    pub async fn read(&self, digests: &[Digest]) -> Result<HashMap<String, Vec<u8>>, RemoteError> {
        let mut found = HashMap::new();
        let mut small = Vec::new();
        for digest in digests {
            let size = usize::try_from(digest.size_bytes).unwrap_or(usize::MAX);
            if self.fits_batch(size) {
                small.push(digest.clone());
            } else if let Some(data) = self.read_stream(digest).await? {
                found.insert(digest.hash.clone(), data);
            }
        }
        for batch in self.batches(small, |d| usize::try_from(d.size_bytes).unwrap_or(usize::MAX)) {
            let reply = self
                .retry
                .run(|| async {
                    let request = self.request(BatchReadBlobsRequest {
                        instance_name: self.instance.clone(),
                        digests: batch.clone(),
                        digest_function: self.digest_function().proto(),
                        ..Default::default()
                    });
                    self.cas().batch_read_blobs(request).await.map_err(|s| RemoteError::grpc("BatchReadBlobs", s))
                })
                .await?;
            for response in reply.into_inner().responses {
                let Some(digest) = response.digest else { continue };
                match response.status.map_or(tonic::Code::Ok as i32, |s| s.code) {
                    code if code == tonic::Code::Ok as i32 => {
                        verify(self.digest_function(), &digest, &response.data)?;
                        found.insert(digest.hash, response.data);
                    }
                    code if code == tonic::Code::NotFound as i32 => {}
                    code => return Err(RemoteError::Blob { hash: digest.hash, message: format!("read failed ({code})") }),
                }
            }
        }
        Ok(found)
    }

    /// `[instance/]blobs/[function/]hash/size`: SHA-256 keeps the original form; newer functions
    /// are named in the path (REAPI 2.3).
    fn blob_resource(&self, digest: &Digest) -> String {
        let function = match self.digest_function() {
            DigestFunction::Sha256 => "",
            DigestFunction::Blake3 => "blake3/",
        };
        let instance = if self.instance.is_empty() { String::new() } else { format!("{}/", self.instance) };
        format!("{instance}blobs/{function}{}/{}", digest.hash, digest.size_bytes)
    }

    pub async fn write_stream(&self, digest: &Digest, data: &[u8]) -> Result<(), RemoteError> {
        let reply = self
            .retry
            .run(|| async {
                // A fresh upload id per attempt: a half-written upload is never resumed.
                let resource =
                    self.blob_resource(digest).replacen("blobs/", &format!("uploads/{}/blobs/", uuid::Uuid::new_v4()), 1);
                let chunks: Vec<&[u8]> = if data.is_empty() { vec![&[]] } else { data.chunks(STREAM_CHUNK).collect() };
                let last = chunks.len() - 1;
                let messages: Vec<WriteRequest> = chunks
                    .into_iter()
                    .enumerate()
                    .map(|(i, chunk)| WriteRequest {
                        resource_name: if i == 0 { resource.clone() } else { String::new() },
                        write_offset: (i * STREAM_CHUNK) as i64,
                        finish_write: i == last,
                        data: chunk.to_vec(),
                    })
                    .collect();
                let request = self.request_with_deadline(tokio_stream::iter(messages), self.stream_deadline(data.len()));
                ByteStreamClient::new(self.channel.clone())
                    .write(request)
                    .await
                    .map_err(|s| RemoteError::grpc("ByteStream.Write", s))
            })
            .await?;
        let committed = reply.into_inner().committed_size;
        if committed != digest.size_bytes {
            let message = format!("the server committed {committed} of {} bytes", digest.size_bytes);
            return Err(RemoteError::Blob { hash: digest.hash.clone(), message });
        }
        Ok(())
    }

    /// `None` when the server does not have the blob.
    pub async fn read_stream(&self, digest: &Digest) -> Result<Option<Vec<u8>>, RemoteError> {
        let size = usize::try_from(digest.size_bytes).unwrap_or(0);
        // What earlier attempts received: a retry asks for the rest, so a large blob read over a
        // slow or loaded connection gains with every attempt instead of starting again.
        let received = std::sync::Mutex::new(Vec::with_capacity(size.min(1 << 30)));
        let received_len = || received.lock().map_or(0, |data| data.len());
        let found = self
            .retry
            .run(|| async {
                let offset = received_len();
                let resource_name = self.blob_resource(digest);
                let deadline = self.stream_deadline(size.saturating_sub(offset));
                let request = self
                    .request_with_deadline(ReadRequest { resource_name, read_offset: offset as i64, read_limit: 0 }, deadline);
                let call = "ByteStream.Read";
                let mut stream = match ByteStreamClient::new(self.channel.clone()).read(request).await {
                    Ok(reply) => reply.into_inner(),
                    Err(status) if status.code() == tonic::Code::NotFound => return Ok(false),
                    Err(status) => return Err(RemoteError::grpc(call, status)),
                };
                loop {
                    match stream.message().await {
                        Ok(Some(message)) => {
                            if let Ok(mut data) = received.lock() {
                                data.extend_from_slice(&message.data);
                            }
                        }
                        Ok(None) => return Ok(true),
                        Err(status) if status.code() == tonic::Code::NotFound => return Ok(false),
                        Err(status) => return Err(RemoteError::grpc(call, status)),
                    }
                }
            })
            .await?;
        if !found {
            return Ok(None);
        }
        let data = received.into_inner().unwrap_or_default();
        let (function, expected) = (self.digest_function(), digest.clone());
        // Hashing a large blob takes long enough to hold up the runtime's other tasks (a worker's
        // heartbeats): a blocking thread does it.
        let checked = tokio::task::spawn_blocking(move || verify(function, &expected, &data).map(|()| data))
            .await
            .map_err(|error| RemoteError::Protocol(format!("verifying a blob failed: {error}")))?;
        checked.map(Some)
    }

    /// A stream's deadline: the call's, plus time for `bytes` at a slow rate.
    fn stream_deadline(&self, bytes: usize) -> Duration {
        self.deadline + Duration::from_secs_f64(bytes as f64 / SLOWEST_STREAM_BYTES_PER_SEC)
    }

    /// `None` when the ActionCache has no result for `action`.
    pub async fn get_action_result(&self, action: &Digest) -> Result<Option<ActionResult>, RemoteError> {
        self.retry
            .run(|| async {
                let request = self.request(GetActionResultRequest {
                    instance_name: self.instance.clone(),
                    action_digest: Some(action.clone()),
                    digest_function: self.digest_function().proto(),
                    ..Default::default()
                });
                match ActionCacheClient::new(self.channel.clone()).get_action_result(request).await {
                    Ok(reply) => Ok(Some(reply.into_inner())),
                    Err(status) if status.code() == tonic::Code::NotFound => Ok(None),
                    Err(status) => Err(RemoteError::grpc("GetActionResult", status)),
                }
            })
            .await
    }

    pub async fn update_action_result(&self, action: &Digest, result: &ActionResult) -> Result<(), RemoteError> {
        self.retry
            .run(|| async {
                let request = self.request(UpdateActionResultRequest {
                    instance_name: self.instance.clone(),
                    action_digest: Some(action.clone()),
                    action_result: Some(result.clone()),
                    digest_function: self.digest_function().proto(),
                    ..Default::default()
                });
                let reply = ActionCacheClient::new(self.channel.clone()).update_action_result(request).await;
                reply.map(drop).map_err(|s| RemoteError::grpc("UpdateActionResult", s))
            })
            .await
    }
}
