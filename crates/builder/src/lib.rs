//! Builds of a whole project on top of the database: the host that owns the inputs, the
//! affected set of a change, the cache, the image stage, the parallel scheduler and the
//! build report.
//!
//! Invariants:
//! - Output bytes depend only on the sources and the options, never on the thread count,
//!   the cache state or the order of events: a hit restores exactly what a compile wrote.
//! - A component with errors writes nothing; every write is a temporary file renamed.
//! - A component is compiled only when its key (source, flags, environment, the signatures
//!   of what it imports and the keys of the images it references) has no entry in any cache
//!   tier.

mod builder;
pub mod cache;
pub mod dependencies;
mod files;
mod images;
pub mod offload;
pub mod output;
pub mod project;
mod report;
mod runtime;
mod sources;
mod state;
mod version;
pub mod watch;

pub use builder::{BuildOptions, Builder};
// The owner of the database lives in `ide` (the editor holds one without a builder).
pub use eghact_ide::{AnalysisHost as Host, FileChange};
pub use project::{WORK_DIR, cache_config};
pub use report::{BuildError, BuildEvent, BuildReport, CacheState, FileBuild, ImageBuild, Phases, Skipped};
pub use runtime::{peak_memory_kib, start_rayon};
pub use sources::{SourceRead, read_paths, read_sources};
pub use state::{BuildState, DependenciesState, ImageOutput, ImageState, Imported, OutputVariant, Stamp};
pub use version::compiler_version;
