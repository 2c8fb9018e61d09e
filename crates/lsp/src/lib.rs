//! The Eghact language server as a library: `main.rs` runs it over stdio; the framing decoder
//! ([`transport::Decoder`]) is public so that fuzz targets can drive it directly.
//!
//! Protocol only: `server.rs` dispatches to `handlers/` (one file per request), which call the
//! `ide` façade; `state.rs` is the session, `task.rs` runs work off the runtime, `publish.rs`
//! pushes diagnostics after writes. No module imports one that imports it back.

mod build;
mod convert;
mod handlers;
mod indexing;
mod log;
mod progress;
mod publish;
pub mod server;
mod state;
mod task;
pub mod transport;
