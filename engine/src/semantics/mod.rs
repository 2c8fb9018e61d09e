//! What a component shows to the rest of the project: its signature (props, events, slots)
//! and its imports. These are the firewall of incremental builds: a file's importers
//! depend on its [`Signature`] only, so they must not change when a body or a style does.
//! Also what an editor is told of markup (`completion`, `hover`), from the HTML and DOM
//! tables of `html` that the compiler and the checker share.
//!
//! Invariant: a [`Signature`] holds no spans, so an edit of a body or a style gives an equal
//! signature (and an equal hash).
//!
//! Also the editor's views of one file that need no name resolution (symbols, folding, tag
//! pairs, selection ranges, the markup's semantic tokens): pure functions of the text and its
//! tree that return spans.

mod a11y;
pub mod completion;
pub mod hover;
pub mod html;
mod load;
mod outline;
mod selection;
mod signature;
mod symbols;
mod tokens;

pub use a11y::a11y;
pub use load::{load_function, returned_keys};
pub use outline::{Import, Outline, outline, script_in_place};
pub use selection::selection_ranges;
pub use signature::{Event, Prop, Signature};
pub use symbols::{Symbol, SymbolKind, document_symbols, folding_ranges, tag_pair_at};
pub use tokens::{Modifiers, SemanticToken, TokenKind, TokenModifier, markup_tokens, normalized};
