//! Syntax of `.egh` files: blocks and template markup, the spans and diagnostics every later
//! layer reports with, and the CSS tokenizer. Knows nothing of salsa, codegen or LSP.

pub mod ast;
pub mod css;
pub mod diagnostics;
mod entities;
pub mod nesting;
mod parser;
pub mod scan;
pub mod stack;

pub use parser::{Parse, parse};
