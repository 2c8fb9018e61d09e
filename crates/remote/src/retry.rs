//! Retries with exponential backoff for transient failures ([`RemoteError::is_transient`]).
//! Bounded in attempts, so a dead server costs a build a fixed, small delay per call.

use std::future::Future;
use std::time::Duration;

use crate::RemoteError;

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Delay before the second attempt; each later one waits twice as long, up to `max_delay`.
    pub initial_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 3, initial_delay: Duration::from_millis(100), max_delay: Duration::from_secs(2) }
    }
}

impl RetryPolicy {
    /// Runs `call` until it succeeds, fails for good, or runs out of attempts.
    pub(crate) async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, RemoteError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RemoteError>>,
    {
        let mut delay = self.initial_delay;
        let mut attempt = 1;
        loop {
            match call().await {
                Err(error) if error.is_transient() && attempt < self.attempts => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.max_delay);
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn unavailable() -> RemoteError {
        RemoteError::Grpc { call: "test", code: tonic::Code::Unavailable, message: String::new() }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy { attempts: 3, initial_delay: Duration::from_millis(1), max_delay: Duration::from_millis(2) }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn transient_failures_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result =
            policy().run(|| async { if calls.fetch_add(1, Ordering::SeqCst) < 2 { Err(unavailable()) } else { Ok(7) } }).await;
        assert_eq!(result.ok(), Some(7));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn attempts_are_bounded_and_permanent_failures_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = policy()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(unavailable())
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicU32::new(0);
        let result: Result<(), _> = policy()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(RemoteError::Grpc { call: "test", code: tonic::Code::PermissionDenied, message: String::new() })
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
