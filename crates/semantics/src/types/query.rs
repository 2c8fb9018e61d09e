//! What an editor asks of a position: the type of the name there (hover), where that name is
//! declared (definition), the members of a type (completion after `.`), and the function a
//! call calls (signature help).

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::semantic::SymbolId;
use oxc::span::GetSpan;

use super::infer::Infer;
use super::program::VirtualProgram;
use super::{FunctionType, Member, Type};
use eghact_syntax::ast::Component;
use eghact_syntax::diagnostics::Span;

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
    let Some(parsed) = program.parse(&allocator, false) else { return None };
    let semantic = super::program::semantic(&parsed);
    let infer = Infer::new(source, &semantic, &program, &parsed, Default::default());
    let scoping = semantic.scoping();
    let to_file = |span: oxc::span::Span| program.original_span(span);
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

/// The declaration of the name at `offset` and every use of it in the component (script and
/// template), as `.egh` spans; `None` for globals and names the component does not declare.
pub fn references_at(source: &str, component: &Component, offset: u32) -> Option<(Span, Vec<Span>)> {
    let program = VirtualProgram::new(source, component);
    let at = program.to_program(offset)?;
    let allocator = Allocator::default();
    let Some(parsed) = program.parse(&allocator, false) else { return None };
    let semantic = super::program::semantic(&parsed);
    let scoping = semantic.scoping();
    let to_file = |span: oxc::span::Span| program.original_span(span);
    let symbol = symbol_at(&semantic, at)?;
    let declaration = to_file(scoping.symbol_span(symbol))?;
    let uses = scoping
        .get_resolved_reference_ids(symbol)
        .iter()
        .filter_map(|r| to_file(semantic.nodes().get_node(scoping.get_reference(*r).node_id()).kind().span()))
        .collect();
    Some((declaration, uses))
}

/// The symbol of the identifier (a use or a declaration) at program offset `at`.
fn symbol_at(semantic: &oxc::semantic::Semantic, at: u32) -> Option<SymbolId> {
    let scoping = semantic.scoping();
    semantic.nodes().iter().find_map(|n| match n.kind() {
        AstKind::IdentifierReference(id) if id.span.start <= at && at <= id.span.end => {
            id.reference_id.get().and_then(|r| scoping.get_reference(r).symbol_id())
        }
        AstKind::BindingIdentifier(id) if id.span.start <= at && at <= id.span.end => id.symbol_id.get(),
        _ => None,
    })
}

/// Where the type of a name is declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeOrigin {
    /// An interface, type alias, class or enum of the component's script (its name's span).
    Local(Span),
    /// An import of the script: its specifier and the imported name (`default` for a
    /// default import, such as a component).
    Imported { specifier: String, name: String },
}

/// Where the type of the name at `offset` is declared: the type its annotation names (the
/// element type of `T[]`, the first named member of a union), or, for a name bound by an
/// import (a component), that import.
pub fn type_definition(source: &str, component: &Component, offset: u32) -> Option<TypeOrigin> {
    let program = VirtualProgram::new(source, component);
    let at = program.to_program(offset)?;
    let allocator = Allocator::default();
    let parsed = program.parse(&allocator, false)?;
    let semantic = super::program::semantic(&parsed);
    let scoping = semantic.scoping();
    let nodes = semantic.nodes();
    let symbol = symbol_at(&semantic, at)?;
    let declaration = scoping.symbol_declaration(symbol);
    let annotation = match nodes.kind(declaration) {
        AstKind::VariableDeclarator(declarator) => declarator.type_annotation.as_ref(),
        AstKind::FormalParameter(parameter) => parameter.type_annotation.as_ref(),
        _ => None,
    };
    let origin_symbol = match annotation {
        Some(annotation) => {
            let reference = named_type(&annotation.type_annotation)?;
            reference.reference_id.get().and_then(|r| scoping.get_reference(r).symbol_id())?
        }
        None => symbol,
    };
    let origin = scoping.symbol_declaration(origin_symbol);
    let imported = match nodes.kind(origin) {
        AstKind::ImportSpecifier(specifier) => Some(specifier.imported.name().to_string()),
        AstKind::ImportDefaultSpecifier(_) => Some("default".to_string()),
        _ => None,
    };
    match imported {
        Some(name) => {
            let import = nodes.ancestors(origin).find_map(|n| match n.kind() {
                AstKind::ImportDeclaration(import) => Some(import.source.value.to_string()),
                _ => None,
            })?;
            Some(TypeOrigin::Imported { specifier: import, name })
        }
        // A name declared with a value, not a type: there is nothing to go to.
        None if annotation.is_none() => None,
        None => Some(TypeOrigin::Local(Span::new(
            program.original(scoping.symbol_span(origin_symbol).start)?,
            program.original(scoping.symbol_span(origin_symbol).end)?,
        ))),
    }
}

/// The type name an annotation refers to.
fn named_type<'t, 'a>(ty: &'t oxc::ast::ast::TSType<'a>) -> Option<&'t oxc::ast::ast::IdentifierReference<'a>> {
    use oxc::ast::ast::{TSType, TSTypeName};
    match ty {
        TSType::TSTypeReference(reference) => match &reference.type_name {
            TSTypeName::IdentifierReference(name) => Some(name),
            _ => None,
        },
        TSType::TSArrayType(array) => named_type(&array.element_type),
        TSType::TSUnionType(union) => union.types.iter().find_map(named_type),
        _ => None,
    }
}

/// The names `$: name = …` declares, with their types: an editor shows them as inlay hints.
pub fn reactive_declarations(source: &str, component: &Component) -> Vec<(Span, Type)> {
    let program = VirtualProgram::new(source, component);
    let allocator = Allocator::default();
    let Some(parsed) = program.parse(&allocator, false) else { return Vec::new() };
    let semantic = super::program::semantic(&parsed);
    let scoping = semantic.scoping();
    let infer = Infer::new(source, &semantic, &program, &parsed, Default::default());
    let mut found = Vec::new();
    for assignment in super::program::reactive_assignments(&parsed) {
        let oxc::ast::ast::AssignmentTarget::AssignmentTargetIdentifier(id) = &assignment.left else { continue };
        if scoping.get_binding(scoping.root_scope_id(), id.name.into()).is_some() {
            continue;
        }
        if let (Some(start), Some(end)) = (program.original(id.span.start), program.original(id.span.end)) {
            found.push((Span::new(start, end), infer.expression(&assignment.right).widened()));
        }
    }
    found
}

/// What an editor may offer at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// After `value.`: the members of its type.
    Members(Vec<Member>),
    /// Elsewhere in code: the names visible there (innermost first), with their types.
    Names(Vec<(String, Type)>),
}

/// The placeholder a completion request inserts, so that unfinished code (`{user.}`) parses.
const PLACEHOLDER: &str = "__eghact_complete__";

/// Completion at `offset` of `source`: members after a `.`, otherwise the names in scope.
/// `None` outside script code and template expressions.
pub fn complete(source: &str, offset: u32) -> Option<Completion> {
    let offset = offset as usize;
    if offset > source.len() || !source.is_char_boundary(offset) {
        return None;
    }
    // The word being typed is replaced by the placeholder.
    let word_start = source[..offset].rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).map_or(0, |i| i + 1);
    let patched = format!("{}{PLACEHOLDER}{}", &source[..word_start], &source[offset..]);
    let component = eghact_syntax::parse(&patched).component;
    let program = VirtualProgram::new(&patched, &component);
    let at = program.to_program(word_start as u32)?;
    let allocator = Allocator::default();
    let Some(parsed) = program.parse(&allocator, false) else { return None };
    let semantic = super::program::semantic(&parsed);
    let infer = Infer::new(&patched, &semantic, &program, &parsed, Default::default());
    let scoping = semantic.scoping();
    let node = semantic.nodes().iter().find(|n| match n.kind() {
        AstKind::IdentifierReference(id) => id.span.start == at,
        AstKind::StaticMemberExpression(m) => m.property.span.start == at,
        _ => false,
    })?;
    match node.kind() {
        AstKind::StaticMemberExpression(member) => Some(Completion::Members(members(&infer.expression(&member.object)))),
        _ => {
            let mut names = Vec::new();
            for scope in scoping.scope_ancestors(node.scope_id()) {
                let mut here: Vec<_> =
                    scoping.get_bindings(scope).iter().map(|(name, symbol)| (name.to_string(), *symbol)).collect();
                here.sort();
                for (name, symbol) in here {
                    // Interfaces and type aliases are no values to write in an expression;
                    // an import may be either.
                    let flags = scoping.symbol_flags(symbol);
                    let value = flags.is_value() || flags.is_import();
                    if value && name != PLACEHOLDER && !names.iter().any(|(n, _): &(String, Type)| *n == name) {
                        names.push((name, infer.symbol(symbol)));
                    }
                }
            }
            // Names that `$: name = …` declares without a `let`.
            for assignment in super::program::reactive_assignments(&parsed) {
                let oxc::ast::ast::AssignmentTarget::AssignmentTargetIdentifier(id) = &assignment.left else { continue };
                if !names.iter().any(|(n, _)| n.as_str() == id.name.as_str()) {
                    names.push((id.name.to_string(), infer.expression(&assignment.right).widened()));
                }
            }
            Some(Completion::Names(names))
        }
    }
}

/// The function a call calls and the parameter the cursor is at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHelp {
    /// `format(value: number, digits?: number): string`
    pub label: String,
    /// Each parameter's byte range in `label`.
    pub params: Vec<(u32, u32)>,
    /// The parameter the cursor is at (a rest parameter takes every argument from its own on);
    /// `None` past the last parameter.
    pub active: Option<usize>,
}

/// The signature of the innermost call whose parentheses hold `offset`, in the script or a
/// template expression, when the type of what it calls is a known function.
pub fn signature_help(source: &str, offset: u32) -> Option<SignatureHelp> {
    let at = offset as usize;
    if at > source.len() || !source.is_char_boundary(at) {
        return None;
    }
    // While a call is typed its `)` is often missing: then the text closed at the cursor.
    signature_help_in(source, offset).or_else(|| signature_help_in(&format!("{}){}", &source[..at], &source[at..]), offset))
}

fn signature_help_in(source: &str, offset: u32) -> Option<SignatureHelp> {
    let component = eghact_syntax::parse(source).component;
    let program = VirtualProgram::new(source, &component);
    let at = program.to_program(offset)? as usize;
    let allocator = Allocator::default();
    let parsed = program.parse(&allocator, false)?;
    let semantic = super::program::semantic(&parsed);
    let text = program.text.as_str();
    // Where the arguments start: the `(` after the callee and its type arguments.
    let arguments_start = |call: &oxc::ast::ast::CallExpression| {
        let after = call.type_arguments.as_ref().map_or(call.callee.span().end, |t| t.span.end) as usize;
        text[after..].find('(').map(|i| after + i)
    };
    let call = semantic
        .nodes()
        .iter()
        .filter_map(|n| match n.kind() {
            AstKind::CallExpression(call) => Some(call),
            _ => None,
        })
        .filter(|call| arguments_start(call).is_some_and(|open| open < at) && at < call.span.end as usize)
        .min_by_key(|call| call.span.size())?;
    let infer = Infer::new(source, &semantic, &program, &parsed, Default::default());
    let function = called_function(infer.expression(&call.callee))?;
    // The arguments whose `,` comes before the cursor.
    let before = call
        .arguments
        .iter()
        .take_while(|argument| {
            let end = argument.span().end as usize;
            let comma = end + (text[end..].len() - text[end..].trim_start().len());
            text[comma..].starts_with(',') && comma < at
        })
        .count();
    let name = match &call.callee {
        oxc::ast::ast::Expression::Identifier(id) => id.name.as_str(),
        oxc::ast::ast::Expression::StaticMemberExpression(member) => member.property.name.as_str(),
        _ => "",
    };
    let mut label = format!("{name}(");
    let mut params = Vec::new();
    for (i, param) in function.params.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        let start = label.len() as u32;
        label.push_str(&param.to_string());
        params.push((start, label.len() as u32));
    }
    label.push(')');
    if !function.ret.is_unknown() {
        label.push_str(&format!(": {}", function.ret));
    }
    let active = match function.params.last() {
        Some(last) if last.rest => Some(before.min(function.params.len() - 1)),
        _ => (before < function.params.len()).then_some(before),
    };
    Some(SignatureHelp { label, params, active })
}

/// The function a value of type `ty` certainly is (`null` and `undefined` aside).
fn called_function(ty: Type) -> Option<FunctionType> {
    let mut functions = ty.members().iter().filter(|m| !matches!(m, Type::Null | Type::Undefined));
    match (functions.next(), functions.next()) {
        (Some(Type::Function(function)), None) => Some((**function).clone()),
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
    use eghact_syntax as syntax;

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
    fn completion_offers_members_and_names_in_scope() {
        let source = "<script lang=\"ts\">\nlet user = { name: 'a', age: 1 };\nlet items: number[] = [];\n</script>\n<template>{user.}{#each items as item}{it}{/each}</template>";
        let members = complete(source, source.find("user.}").unwrap() as u32 + 5).unwrap();
        let Completion::Members(members) = members else { panic!("{members:?}") };
        assert_eq!(members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["name", "age"]);
        let source = source.replace("{user.}", "{user.name}");
        let names = complete(&source, source.find("{it}").unwrap() as u32 + 3).unwrap();
        let Completion::Names(names) = names else { panic!("{names:?}") };
        let names: Vec<_> = names.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        assert_eq!(names, ["item: number", "items: number[]", "user: { name: string; age: number }"]);
        // `$:` names without a `let` are offered; interfaces are not values.
        let source = "<script lang=\"ts\">\ninterface Row { id: number }\nlet rows: Row[] = [];\n$: total = rows.length;\n</script>\n<template>{to}</template>";
        let names = complete(source, source.find("{to}").unwrap() as u32 + 3).unwrap();
        let Completion::Names(names) = names else { panic!("{names:?}") };
        let names: Vec<_> = names.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        assert_eq!(names, ["rows: { id: number }[]", "total: number"]);
    }

    #[test]
    fn signature_help_in_script_and_template_calls() {
        let source = "<script lang=\"ts\">\nfunction format(value: number, digits?: number): string { return ''; }\nlet items: number[] = [];\nformat(1, );\nconst log = (...parts: string[]) => {};\n</script>\n<template>{format(items.length, 2)}{items.join()}{log('a', 'b', 'c')}</template>";
        let help = |needle: &str| {
            let offset = source.find(needle).unwrap_or_else(|| panic!("{needle}")) + needle.len();
            signature_help(source, offset as u32)
        };
        let script = help("format(1, ").unwrap();
        assert_eq!(script.label, "format(value: number, digits?: number): string");
        let parameter = |h: &SignatureHelp, i: usize| h.label[h.params[i].0 as usize..h.params[i].1 as usize].to_string();
        assert_eq!((parameter(&script, 0), parameter(&script, 1)), ("value: number".into(), "digits?: number".into()));
        assert_eq!(script.active, Some(1));
        assert_eq!(help("{format(item").unwrap().active, Some(0));
        assert_eq!(help("{format(items.length, ").unwrap().active, Some(1));
        assert_eq!(help("items.join(").unwrap().label, "join(separator?: string): string", "the innermost call");
        assert_eq!(help("log('a', 'b', ").unwrap().active, Some(0), "a rest parameter takes the rest");
        assert_eq!(help("{format"), None, "not inside the parentheses");
        // While typing, before the `)` exists.
        let typing = "<script>function f(a, b) {}\nf(1, </script>";
        let help = signature_help(typing, typing.len() as u32 - "</script>".len() as u32).unwrap();
        assert_eq!((help.label.as_str(), help.active), ("f(a: unknown, b: unknown)", Some(1)));
        assert_eq!(signature_help("<script>let g = 1; g(2);</script>", 22), None, "not a function");
    }

    #[test]
    fn references_cover_script_and_template() {
        let source = "<script>let count = 0;\nfunction up() { count += 1; }</script><template><button @click={up}>{count}</button>{#each [1] as count}{count}{/each}</template>";
        let (declaration, uses) =
            references_at(source, &syntax::parse(source).component, source.find("{count}").unwrap() as u32 + 2).unwrap();
        assert_eq!(declaration.start as usize, source.find("count").unwrap());
        let starts: Vec<usize> = uses.iter().map(|s| s.start as usize).collect();
        assert_eq!(starts, [source.find("count +=").unwrap(), source.find("{count}").unwrap() + 1]);
    }

    #[test]
    fn reactive_declarations_have_types() {
        let source = "<script>let count = 0;\n$: doubled = count * 2;\n$: label = `n=${count}`;\n$: count = 1;</script>";
        let found: Vec<(String, String)> = reactive_declarations(source, &syntax::parse(source).component)
            .into_iter()
            .map(|(span, ty)| (span.text(source).to_string(), ty.to_string()))
            .collect();
        assert_eq!(found, [("doubled".to_string(), "unknown".to_string()), ("label".to_string(), "string".to_string())]);
    }

    #[test]
    fn handlers_receive_dom_events() {
        let source = "<script>let n = 0;</script><template><input @keydown={(e) => e.key} /><button @click=\"n = event.detail\">{n}</button></template>";
        assert_eq!(at(source, "e)", 0).unwrap().ty, Type::Named("KeyboardEvent".into()));
        assert_eq!(at(source, "event", 0).unwrap().ty, Type::Named("MouseEvent".into()));
    }
}
