//! Compiles sent elsewhere. The engine chooses which misses may go (components without
//! images, whose outputs depend only on texts), asks the policy whether sending them is
//! worth it, and hands them to an [`Offloader`] (`eghact-remote`'s REAPI executor), which
//! compiles them in batches with this same compiler's `compile-batch` mode and returns cache
//! entries.
//!
//! Invariants:
//! - An entry is used only for a key the build asked for, and an offloader that fails, in
//!   part or in whole, costs a warning: what did not come back is compiled here.
//! - The engine knows nothing of the protocol; the offloader knows nothing of components.

mod batch;
mod policy;

pub use batch::{BatchError, BatchOutput, batch_options, batch_output_path, run_compile_batch};
pub(crate) use policy::predicted_ms;
pub use policy::{Offload, OffloadJob, OffloadMode, OffloadPolicy, OffloadProgress, OffloadResult, Offloader};
