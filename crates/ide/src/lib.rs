//! What an editor asks of a project, answered from the analysis database as plain data
//! (spans and strings, no protocol types). [`AnalysisHost`] owns the database and applies
//! changes; [`Analysis`], a snapshot it hands out, answers every request: diagnostics,
//! completion, hover, references and rename, symbols, selection ranges, formatting and
//! refactors. The modules below are its implementation.

mod analysis;
pub mod completion;
pub mod format;
mod host;
pub mod hover;
pub mod names;
pub mod refactor;
pub mod search;
mod selection;
mod symbols;

pub use analysis::{Analysis, Cancellable, Cancelled, Depth, InlayHint, InlayKind, Target};
/// Which files are components, and the glob of the files a project watches.
pub use eghact_analysis::paths::{COMPONENT_EXTENSION, is_component, text_files_glob};
pub use host::{AnalysisHost, FileChange};
pub use selection::selection_ranges;
pub use symbols::{Symbol, SymbolKind, document_symbols, folding_ranges, tag_pair_at};
