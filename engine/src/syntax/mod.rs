//! Syntax of `.egh` files: blocks and template markup. Knows nothing of salsa, codegen or LSP.

pub mod ast;
mod entities;
pub mod nesting;
mod parser;
pub mod scan;

pub use parser::{Parse, parse};
