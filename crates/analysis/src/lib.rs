//! The incremental database of a project (salsa): its files, the resolution of imports and
//! images, the import graph and its cycles, and the queries every front end reads: a file's
//! tree, outline, signature, diagnostics and compiled output.

pub mod db;
pub mod paths;
