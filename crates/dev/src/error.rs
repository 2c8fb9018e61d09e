//! The dev and preview servers' errors.

use std::path::PathBuf;

use eghact_builder::project::ProjectError;

#[derive(Debug, thiserror::Error)]
pub enum DevError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: std::io::Error },
    #[error(transparent)]
    Watch(#[from] eghact_builder::watch::WatchError),
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}
