//! Running a request's work off the async runtime: on tokio's blocking pool, where a query
//! cancelled by a newer write answers `ContentModified` (the client asks again if it still
//! cares) and a panic answers an internal error while the server goes on.

use std::panic::AssertUnwindSafe;

use eghact_ide::Cancellable;
use tower_lsp_server::jsonrpc::{Error, Result};

/// Runs `f` on the blocking pool.
pub async fn run<T: Send + 'static>(f: impl FnOnce() -> Cancellable<T> + Send + 'static) -> Result<T> {
    let outcome = tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(f))).await;
    match outcome {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(_cancelled))) => Err(Error::content_modified()),
        // A query outside the façade's catch (the session's own reads) unwinds the same way.
        Ok(Err(payload)) if payload.is::<eghact_ide::Cancelled>() => Err(Error::content_modified()),
        Ok(Err(payload)) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error { message: format!("internal error: {message}").into(), ..Error::internal_error() })
        }
        Err(join) => Err(Error { message: format!("internal error: {join}").into(), ..Error::internal_error() }),
    }
}
