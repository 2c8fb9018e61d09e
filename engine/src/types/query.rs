//! What an editor asks of a position: the type of the name there (hover), where that name is
//! declared (definition), and the members of a type (completion after `.`).

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::{GetSpan, SourceType};

use super::infer::Infer;
use super::program::VirtualProgram;
use super::{Member, Type};
use crate::diagnostics::Span;
use crate::syntax::ast::Component;

/// The name at a position of a component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameInfo {
    pub name: String,
    /// The name's span in the `.egh` file.
    pub span: Span,
    pub ty: Type,
    /// Where the name is declared in the `.egh` file; `None` for globals and the runtime's names.
    pub declaration: Option<Span>,
}

/// The identifier (a use or a declaration, or the property of `a.b`) at `offset`.
pub fn name_at(source: &str, component: &Component, offset: u32) -> Option<NameInfo> {
    let program = VirtualProgram::new(source, component);
    let at = program.to_program(offset)?;
    let allocator = Allocator::default();
    let source_type = if program.typescript { SourceType::ts() } else { SourceType::mjs() };
    let parsed = Parser::new(&allocator, &program.text, source_type).parse();
    if parsed.panicked {
        return None;
    }
    let semantic = SemanticBuilder::new().with_build_nodes(true).build(&parsed.program).semantic;
    let infer = Infer::new(source, &semantic, &program, &parsed.program, Default::default());
    let scoping = semantic.scoping();
    let to_file = |span: oxc::span::Span| Some(Span::new(program.original(span.start)?, program.original(span.end)?));
    // The innermost identifier-like node that covers the offset.
    let node = semantic
        .nodes()
        .iter()
        .filter(|n| {
            let span = n.kind().span();
            span.start <= at
                && at <= span.end
                && matches!(
                    n.kind(),
                    AstKind::IdentifierReference(_) | AstKind::BindingIdentifier(_) | AstKind::StaticMemberExpression(_)
                )
        })
        .min_by_key(|n| n.kind().span().size())?;
    match node.kind() {
        AstKind::IdentifierReference(ident) => {
            let symbol = ident.reference_id.get().and_then(|r| scoping.get_reference(r).symbol_id());
            Some(NameInfo {
                name: ident.name.to_string(),
                span: to_file(ident.span)?,
                ty: infer.reference(ident),
                declaration: symbol.and_then(|s| to_file(scoping.symbol_span(s))),
            })
        }
        AstKind::BindingIdentifier(id) => {
            let symbol = id.symbol_id.get()?;
            Some(NameInfo {
                name: id.name.to_string(),
                span: to_file(id.span)?,
                ty: infer.symbol(symbol),
                declaration: to_file(id.span),
            })
        }
        AstKind::StaticMemberExpression(member) if member.property.span.start <= at => {
            let object = infer.expression(&member.object);
            Some(NameInfo {
                name: member.property.name.to_string(),
                span: to_file(member.property.span)?,
                ty: object.member(&member.property.name).unwrap_or(Type::Unknown),
                declaration: None,
            })
        }
        _ => None,
    }
}

/// The members an editor offers after `value.` for a value of type `ty`.
pub fn members(ty: &Type) -> Vec<Member> {
    let method = |name: &str| Member { name: name.to_string(), ty: Type::Unknown, optional: false };
    match ty {
        Type::Object(members) => members.clone(),
        Type::Array(_) | Type::Tuple(_) => {
            let mut members = vec![Member { name: "length".into(), ty: Type::Number, optional: false }];
            for name in [
                "at",
                "concat",
                "every",
                "filter",
                "find",
                "findIndex",
                "flatMap",
                "forEach",
                "includes",
                "indexOf",
                "join",
                "map",
                "pop",
                "push",
                "reduce",
                "reverse",
                "shift",
                "slice",
                "some",
                "sort",
                "splice",
                "unshift",
            ] {
                members
                    .push(ty.member(name).map_or_else(|| method(name), |t| Member { name: name.into(), ty: t, optional: false }));
            }
            members
        }
        Type::String | Type::Literal(super::Literal::String(_)) => {
            let mut members = vec![Member { name: "length".into(), ty: Type::Number, optional: false }];
            for name in [
                "at",
                "charAt",
                "endsWith",
                "includes",
                "indexOf",
                "padEnd",
                "padStart",
                "replace",
                "replaceAll",
                "slice",
                "split",
                "startsWith",
                "substring",
                "toLowerCase",
                "toUpperCase",
                "trim",
                "trimEnd",
                "trimStart",
            ] {
                members.push(method(name));
            }
            members
        }
        Type::Union(types) => {
            // Members common to every non-null member of the union.
            let mut candidates: Option<Vec<Member>> = None;
            for member_type in types.iter().filter(|t| !matches!(t, Type::Null | Type::Undefined)) {
                let these = members(member_type);
                candidates = Some(match candidates {
                    None => these,
                    Some(previous) => previous.into_iter().filter(|m| these.iter().any(|t| t.name == m.name)).collect(),
                });
            }
            candidates.unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn at(source: &str, needle: &str, nth: usize) -> Option<NameInfo> {
        let offset = source.match_indices(needle).nth(nth).map(|(i, _)| i as u32 + 1)?;
        name_at(source, &syntax::parse(source).component, offset)
    }

    #[test]
    fn hover_and_definition_across_script_and_template() {
        let source = "<script lang=\"ts\">\ninterface Row { id: number; text: string }\nexport let rows: Row[] = [];\nlet count = 0;\n</script>\n<template>{#each rows as row}{row.text}{/each}{count}</template>";
        let count = at(source, "count", 1).unwrap();
        assert_eq!(count.ty, Type::Number);
        assert_eq!(count.declaration.map(|s| s.text(source)), Some("count"));
        assert_eq!(count.declaration.unwrap().start as usize, source.find("count").unwrap());
        let row = at(source, "row.", 0).unwrap();
        assert_eq!(row.ty.to_string(), "{ id: number; text: string }");
        assert_eq!(row.declaration.map(|s| s.text(source)), Some("row"));
        let text = at(source, "text}", 0).unwrap();
        assert_eq!((text.name.as_str(), text.ty.clone()), ("text", Type::String));
        assert_eq!(members(&at(source, "rows", 1).unwrap().ty).first().map(|m| m.name.as_str()), Some("length"));
    }

    #[test]
    fn optional_chains_and_unions() {
        let source =
            "<script lang=\"ts\">\nexport let user: { name: string } | null = null;\n</script><template>{user?.name}</template>";
        let name = at(source, "name}", 0).unwrap();
        assert_eq!(name.ty.to_string(), "string | undefined");
    }

    #[test]
    fn handlers_receive_dom_events() {
        let source = "<script>let n = 0;</script><template><input @keydown={(e) => e.key} /><button @click=\"n = event.detail\">{n}</button></template>";
        assert_eq!(at(source, "e)", 0).unwrap().ty, Type::Named("KeyboardEvent".into()));
        assert_eq!(at(source, "event", 0).unwrap().ty, Type::Named("MouseEvent".into()));
    }
}
