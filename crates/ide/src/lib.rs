//! What an editor asks of a project, answered from the analysis database as plain data
//! (spans and strings, no protocol types): completion, hover, references and rename,
//! symbols, selection ranges, formatting and refactors.

pub mod completion;
pub mod format;
pub mod hover;
pub mod names;
pub mod refactor;
pub mod search;
mod selection;
mod symbols;

pub use selection::selection_ranges;
pub use symbols::{Symbol, SymbolKind, document_symbols, folding_ranges, tag_pair_at};
