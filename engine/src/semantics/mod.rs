//! What a component shows to the rest of the project: its signature (props, events, slots)
//! and its imports. These are the firewall of incremental builds: a file's importers
//! depend on its [`Signature`] only, so they must not change when a body or a style does.
//! Also what an editor is told of markup (`completion`, `hover`), from the HTML and DOM
//! tables of `html` that the compiler and the checker share.
//!
//! Invariant: a [`Signature`] holds no spans, so an edit of a body or a style gives an equal
//! signature (and an equal hash).

mod a11y;
pub mod completion;
pub mod hover;
pub mod html;
mod load;
mod outline;
mod signature;
mod symbols;

pub use a11y::a11y;
pub use load::{load_function, returned_keys};
pub use outline::{Import, Outline, outline, script_in_place};
pub use signature::{Event, Prop, Signature};
pub use symbols::{Symbol, SymbolKind, document_symbols, folding_ranges, tag_pair_at};
