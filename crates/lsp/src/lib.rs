//! The Eghact language server as a library: `main.rs` runs it over stdio; the framing decoder
//! ([`transport::Decoder`]) is public so that fuzz targets can drive it directly.

mod build;
mod code_action;
mod completion;
mod convert;
mod definition;
mod diagnostics;
mod folding;
mod formatting;
mod hover;
mod indexing;
mod inlay_hints;
mod linked_editing;
mod progress;
mod references;
mod rename;
mod selection_range;
mod semantic_tokens;
pub mod server;
mod session;
mod signature_help;
mod symbols;
pub mod transport;
mod workspace_symbols;
