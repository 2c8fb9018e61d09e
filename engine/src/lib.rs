//! The Eghact engine: parsing, analysis and compilation of `.egh` components, and builds of
//! whole projects. It knows nothing of editors or the command line.

pub mod assets;
pub mod build;
pub mod cache;
pub mod codegen;
pub mod db;
pub mod diagnostics;
pub mod format;
pub mod output;
pub mod project;
pub mod refactor;
pub mod routes;
pub mod search;
pub mod semantics;
pub mod stack;
pub mod syntax;
pub mod types;

pub use codegen::{CompileOptions, CompileOutput, compile};
