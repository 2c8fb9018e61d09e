//! What a component shows to the rest of the project: its signature (props, events, slots)
//! and its imports. These are the firewall of incremental builds: a file's importers
//! depend on its [`Signature`] only, so they must not change when a body or a style does.
//! The HTML and DOM tables of `html` that the compiler, the checker and the editor share;
//! the images a component references (`assets`); file-system routes (`routes`); the type
//! checker (`types`); the markup's semantic tokens. Everything here is a pure function of
//! one file's text and tree (and, for the checker, of the signatures it is given).
//!
//! Invariant: a [`Signature`] holds no spans, so an edit of a body or a style gives an equal
//! signature (and an equal hash).

mod a11y;
pub mod assets;
pub mod html;
mod load;
mod outline;
pub mod routes;
mod signature;
mod tokens;
pub mod types;

pub use a11y::a11y;
pub use load::{load_function, returned_keys};
pub use outline::{Import, Outline, outline, script_in_place};
pub use signature::{Event, ImplicitObjects, Prop, Signature};
pub use tokens::{Modifiers, SemanticToken, TokenKind, TokenModifier, markup_tokens, normalized};
