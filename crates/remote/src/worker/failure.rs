//! How a lease fails: the status the server gets when an action cannot be run to a result.

use bazel_remote_apis::build::bazel::remote::execution::v2::Digest;

use crate::RemoteError;

/// A failure that ends a lease without a result, with the status the server gets. Retryable
/// codes (`UNAVAILABLE`, `INTERNAL`) make BuildGrid requeue the action.
#[derive(Debug)]
pub(super) struct LeaseFailure {
    pub(super) code: tonic::Code,
    pub(super) message: String,
}

impl LeaseFailure {
    pub(super) fn new(code: tonic::Code, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub(super) fn io(what: impl std::fmt::Display, error: std::io::Error) -> Self {
        Self::new(tonic::Code::Internal, format!("{what}: {error}"))
    }

    pub(super) fn remote(error: RemoteError) -> Self {
        let code = if error.is_transient() { tonic::Code::Unavailable } else { tonic::Code::Internal };
        Self::new(code, error.to_string())
    }
}

pub(super) fn missing(what: &str, digest: &Digest) -> LeaseFailure {
    // REAPI: a missing input is FAILED_PRECONDITION, so the client uploads it and tries again.
    LeaseFailure::new(tonic::Code::FailedPrecondition, format!("{what} ({}/{}) is not in CAS", digest.hash, digest.size_bytes))
}
