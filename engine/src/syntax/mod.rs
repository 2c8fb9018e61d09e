//! Syntax of `.egh` files: blocks and template markup. Knows nothing of salsa, codegen or LSP.

pub mod ast;
mod entities;
mod parser;
pub mod scan;

pub use parser::{Parse, parse};
