//! Rolldown as this crate runs it: one bundler on a small tokio runtime of its own (the
//! engine's stack size on its threads), and its errors as text.

use rolldown::{BundleOutput, BundlerOptions};
use std::path::Path;
use std::sync::Arc;

use rolldown_plugin::Pluginable;
use rolldown_utils::indexmap::FxIndexMap;

use crate::model::BundleError;

/// What bundled code sees of its environment: the production build of libraries that branch on
/// `process.env.NODE_ENV`, as Vite's build defines it.
pub(crate) fn production_defines() -> FxIndexMap<String, String> {
    FxIndexMap::from_iter([("process.env.NODE_ENV".to_string(), "\"production\"".to_string())])
}

/// Runs one bundle of `options` with `plugins` and returns what Rolldown generated, in memory.
pub(crate) fn generate(
    cwd: &Path,
    options: BundlerOptions,
    plugins: Vec<Arc<dyn Pluginable>>,
) -> Result<BundleOutput, BundleError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(eghact_syntax::stack::THREAD_STACK)
        .enable_all()
        .build()
        .map_err(BundleError::Runtime)?;
    let rolldown_error = |errors: rolldown_error::BatchedBuildDiagnostic| {
        let options = rolldown_error::DiagnosticOptions { cwd: cwd.to_path_buf() };
        let messages: Vec<String> = errors.into_vec().iter().map(|error| error.to_message_with(&options)).collect();
        BundleError::Rolldown(messages.join("\n"))
    };
    runtime.block_on(async {
        let mut bundler = rolldown::Bundler::with_plugins(options, plugins).map_err(rolldown_error)?;
        let output = bundler.generate().await.map_err(rolldown_error);
        bundler.close().await.map_err(rolldown_error)?;
        output
    })
}
