//! Builds of a whole project on top of the database: the host that owns the inputs, the
//! affected set of a change, the cache, the parallel scheduler and the build report.

mod host;

pub use host::{FileChange, Host};
