//! What the type checker tells an editor about the code of a component: the name at an
//! offset (its type and declaration), its references, where its type is declared, the
//! call around the cursor, the types of `$:` declarations and the semantic tokens.

use eghact_analysis::db::{FilePath, Resolution, SourceFile, file_at, parse, resolve_specifier};
use eghact_semantics::{SemanticToken, types};
use eghact_syntax::{self as syntax, diagnostics::Span};

/// The name at `offset` of a component, its type and its declaration: for hover, definition
/// and completion in an editor.
pub fn name_at(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<types::NameInfo> {
    types::name_at(file.text(db), &parse(db, file).component, offset)
}

/// The declaration of the name at `offset` and its uses in the component.
pub fn references_at(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<(Span, Vec<Span>)> {
    types::references_at(file.text(db), &parse(db, file).component, offset)
}

/// Where the type of the name at `offset` is declared, as a project path and the span of
/// the declaration's name (`0..0` for a component, whose file is its declaration).
pub fn type_definition(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<(String, Span)> {
    match types::type_definition(file.text(db), &parse(db, file).component, offset)? {
        types::TypeOrigin::Local(span) => Some((file.path(db).clone(), span)),
        types::TypeOrigin::Imported { specifier, name } => match resolve_specifier(db, file, &specifier) {
            Resolution::Component(component) => Some((component.path(db).clone(), Span::new(0, 0))),
            Resolution::File(path) => {
                let module = file_at(db, FilePath::new(db, path.clone()))?;
                let span = exported_type_declaration(module.text(db), &path, &name)?;
                Some((path, span))
            }
            _ => None,
        },
    }
}

/// The span of the name of the type `name` a script module exports (an interface, a type
/// alias, a class or an enum).
fn exported_type_declaration(text: &str, path: &str, name: &str) -> Option<Span> {
    if syntax::nesting::too_deep(text).is_some() {
        return None;
    }
    eghact_syntax::stack::ensure(|| exported_type_declaration_on_stack(text, path, name))
}

fn exported_type_declaration_on_stack(text: &str, path: &str, name: &str) -> Option<Span> {
    use oxc::ast::ast::{Declaration, Statement};
    let allocator = oxc::allocator::Allocator::default();
    let source_type = oxc::span::SourceType::from_path(path).unwrap_or_else(|_| oxc::span::SourceType::ts());
    let parsed = oxc::parser::Parser::new(&allocator, text, source_type).parse();
    parsed.program.body.iter().find_map(|statement| {
        let Statement::ExportDeclaration(export) = statement else { return None };
        let id = match &export.declaration {
            Declaration::TSInterfaceDeclaration(d) => &d.id,
            Declaration::TSTypeAliasDeclaration(d) => &d.id,
            Declaration::TSEnumDeclaration(d) => &d.id,
            Declaration::ClassDeclaration(d) => d.id.as_ref()?,
            _ => return None,
        };
        (id.name == name).then(|| Span::new(id.span.start, id.span.end))
    })
}

/// The names `$:` statements declare, with their types (inlay hints).
pub fn reactive_declarations(db: &dyn salsa::Database, file: SourceFile) -> Vec<(Span, types::Type)> {
    types::reactive_declarations(file.text(db), &parse(db, file).component)
}

/// The function called around `offset` and the parameter there (signature help).
pub fn signature_help(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<types::SignatureHelp> {
    types::signature_help(file.text(db), offset)
}

/// The semantic tokens of a component: its markup and its names, resolved.
pub fn semantic_tokens(db: &dyn salsa::Database, file: SourceFile) -> Vec<SemanticToken> {
    types::semantic_tokens(file.text(db), &parse(db, file).component)
}
