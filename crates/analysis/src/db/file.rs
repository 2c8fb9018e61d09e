//! The queries of one file read on its own: its tree, its outline and the signature its importers
//! read, the specifiers it imports, and the types a script module exports. None of them looks at
//! another file.

use eghact_semantics::{self as semantics, Outline, Signature, types};
use eghact_syntax::{self as syntax, Parse};

use super::inputs::SourceFile;

/// Trees are large: only the 256 most recently used are kept (the rest are parsed again
/// when asked for), so memory stays bounded on big projects.
#[salsa::tracked(returns(ref), no_eq, lru = 256)]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> Parse {
    syntax::parse(file.text(db))
}

/// The component's imports and signature. Prop types that name the component's own
/// interfaces and aliases are written out in full, so that importers can read them (and see
/// a new signature when those declarations change).
#[salsa::tracked(returns(ref))]
pub fn outline(db: &dyn salsa::Database, file: SourceFile) -> Outline {
    // Parsed here rather than through `parse`, so that a build (which needs the outline of
    // every changed file) does not keep every tree in memory.
    let (path, text) = (file.path(db), file.text(db));
    if !crate::paths::is_component(path) {
        // A script module: its imports only.
        return Outline { imports: eghact_codegen::module_imports(path, text), ..Outline::default() };
    }
    let component = syntax::parse(text).component;
    let mut outline = semantics::outline(text, &component);
    let local_names = |ty: &str| {
        ty.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
    };
    let props = &mut outline.signature.props;
    if let Some(script) =
        component.script.filter(|s| s.is_typescript() && props.iter().any(|p| p.ty.as_deref().is_some_and(local_names)))
    {
        let annotations: Vec<&str> = props.iter().map(|p| p.ty.as_deref().unwrap_or("")).collect();
        let expanded = types::expand_annotations(&semantics::script_in_place(text, &script), &annotations);
        for (prop, expanded) in props.iter_mut().zip(expanded) {
            if let Some(expanded) = expanded {
                prop.ty = Some(expanded);
            }
        }
    }
    outline
}

/// The component's contract with its importers: the firewall of incremental builds.
#[salsa::tracked(returns(ref))]
pub fn signature(db: &dyn salsa::Database, file: SourceFile) -> Signature {
    outline(db, file).signature.clone()
}

/// The import specifiers of a component, without spans, so that moving an import line does
/// not re-resolve.
#[salsa::tracked(returns(ref))]
pub fn import_specifiers(db: &dyn salsa::Database, file: SourceFile) -> Vec<String> {
    outline(db, file).imports.iter().filter(|i| !i.type_only).map(|i| i.specifier.clone()).collect()
}

/// The images a component references, without spans (moving an `<img>` does not resolve
/// again).
#[salsa::tracked(returns(ref))]
pub fn image_specifiers(db: &dyn salsa::Database, file: SourceFile) -> Vec<String> {
    let mut specifiers: Vec<String> = outline(db, file).images.iter().map(|i| i.specifier.clone()).collect();
    specifiers.sort();
    specifiers.dedup();
    specifiers
}

/// The interfaces, type aliases and typed functions a script module exports, by name.
#[salsa::tracked(returns(ref))]
pub fn module_types(db: &dyn salsa::Database, file: SourceFile) -> types::ModuleTypes {
    // A script module is not an `.egh` file: its nesting is checked here (the compiler
    // never reads it; a module too deep simply exports no types).
    if syntax::nesting::too_deep(file.text(db)).is_some() {
        return types::ModuleTypes::default();
    }
    eghact_syntax::stack::ensure(|| module_types_on_stack(db, file))
}

fn module_types_on_stack(db: &dyn salsa::Database, file: SourceFile) -> types::ModuleTypes {
    let allocator = oxc::allocator::Allocator::default();
    let source_type = oxc::span::SourceType::from_path(file.path(db)).unwrap_or_else(|_| oxc::span::SourceType::ts());
    let parsed = oxc::parser::Parser::new(&allocator, file.text(db), source_type).parse();
    if parsed.panicked {
        return types::ModuleTypes::default();
    }
    types::TypeEnv::of(&parsed.program.body).exports(&parsed.program.body)
}
