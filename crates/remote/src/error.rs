//! Everything that can go wrong talking to a remote cache or executor, or running a worker, and
//! which of it is worth trying again. Every module of the crate reports through [`RemoteError`];
//! this file names none of them.

/// Everything that can go wrong talking to a remote cache.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("invalid remote endpoint {url:?}: {reason}")]
    Endpoint { url: String, reason: String },
    #[error("cannot start the remote cache's runtime: {0}")]
    Runtime(std::io::Error),
    /// The causes are part of the message (tonic's own says only "transport error"), so a
    /// certificate the client does not trust is named in the warning a build prints.
    #[error("cannot connect: {}", causes(.0))]
    Connect(tonic::transport::Error),
    #[error("cannot use the CA certificates in {}: {reason}", path.display())]
    Ca { path: std::path::PathBuf, reason: String },
    #[error("{call}: {code:?}: {message}")]
    Grpc { call: &'static str, code: tonic::Code, message: String },
    #[error("{call}: {source}")]
    Http { call: &'static str, source: reqwest::Error },
    #[error("{call}: HTTP status {status}")]
    HttpStatus { call: &'static str, status: u16 },
    #[error("the server offers neither BLAKE3 nor SHA-256 digests")]
    NoDigestFunction,
    #[error("blob {hash} came back with other contents")]
    Corrupt { hash: String },
    #[error("blob {hash}: {message}")]
    Blob { hash: String, message: String },
    #[error("not an ActionResult: {0}")]
    Decode(#[from] prost::DecodeError),
    /// The action could not be run to the end: the status of an ExecuteResponse or a failed
    /// Operation (a worker that died for good, a timeout, missing inputs). Not a transport failure.
    #[error("remote execution failed: {code:?}: {message}")]
    Execution { code: tonic::Code, message: String },
    /// The server answered with something this client cannot use.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// A remote worker's local failure: its work directory, a command it could not start.
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    /// A worker that must isolate its actions cannot (see `worker::Isolation`).
    #[error("actions cannot be isolated here: {0} (for development only: --allow-unisolated)")]
    Isolation(String),
    #[error("switched off for the rest of this build after {failures} failures in a row, last: {last}")]
    Disabled { failures: u32, last: Box<RemoteError> },
}

/// `error` and its sources, outermost first; a source that only repeats the error it wraps
/// (an io::Error around a rustls error) is said once.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

impl RemoteError {
    pub(crate) fn grpc(call: &'static str, status: tonic::Status) -> Self {
        RemoteError::Grpc { call, code: status.code(), message: status.message().to_string() }
    }

    /// Whether trying the same call again may succeed: the server was briefly away, slow or
    /// overloaded. Every call this crate makes is idempotent (content-addressed writes,
    /// whole-value cache updates), so "safe to retry" is only a question of the failure.
    pub fn is_transient(&self) -> bool {
        match self {
            RemoteError::Grpc { code, .. } => {
                matches!(code, tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::ResourceExhausted)
            }
            RemoteError::Http { source, .. } => source.is_timeout() || source.is_connect() || source.is_request(),
            RemoteError::HttpStatus { status, .. } => matches!(status, 408 | 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}
