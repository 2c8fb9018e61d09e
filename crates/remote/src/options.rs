//! How the clients talk to a server: timeouts, retries, when a failing tier gives up, and what
//! each request says about the tool that sent it.

use std::time::Duration;

use crate::RetryPolicy;

/// How the clients talk to a server. The defaults suit a cache on the same network.
#[derive(Clone, Debug)]
pub struct RemoteOptions {
    /// Store local compiles remotely (`[remote] upload`); reading never needs permission.
    pub upload: bool,
    /// Bound on opening a connection, so an unreachable server costs seconds, not minutes.
    pub connect_timeout: Duration,
    /// Deadline of one call (one attempt): a cache lookup slower than this is worth less than a compile.
    pub deadline: Duration,
    pub retry: RetryPolicy,
    /// Failed operations in a row after which the tier switches itself off for the build.
    pub max_failures: u32,
    /// Sent in `RequestMetadata.tool_details.tool_version`.
    pub tool_version: String,
    /// Sent in `RequestMetadata.tool_invocation_id`: one per `eghact` run, so server logs group a build.
    pub invocation_id: String,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            upload: true,
            connect_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(20),
            retry: RetryPolicy::default(),
            max_failures: 3,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            invocation_id: uuid::Uuid::new_v4().to_string(),
        }
    }
}
