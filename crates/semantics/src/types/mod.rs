//! The type checker's types: a TypeScript subset that is exact where it speaks and
//! [`Type::Unknown`] everywhere else.
//!
//! Invariant: every relation answers "don't know" for `Unknown` and `Any`, and a check only
//! reports what is certain: zero false positives on valid code is the rule.

mod annotation;
mod check;
mod globals;
mod highlight;
mod infer;
mod model;
mod program;
mod query;
mod stdlib;

pub use annotation::{ModuleTypes, TypeEnv, expand_annotations, from_annotation};
pub use check::check_component;
pub use highlight::semantic_tokens;
pub use model::{FunctionType, Literal, Member, Param, Type, TypeSettings};
pub use query::{
    Completion, NameInfo, SignatureHelp, TypeOrigin, complete, members, name_at, reactive_declarations, references_at,
    signature_help, type_definition,
};
