//! `export async function load(ctx)` of a route page: the keys of what it returns become
//! variables of the page (LANGUAGE.md, "Other exports").

use oxc::ast::ast::*;
use oxc::ast_visit::Visit;
use oxc::span::GetSpan;

/// `export async function load(ctx)` (or without `async`), if `statement` is one.
pub fn load_function<'s, 'a>(statement: &'s Statement<'a>) -> Option<&'s Function<'a>> {
    let Statement::ExportDeclaration(export) = statement else { return None };
    match &export.declaration {
        Declaration::FunctionDeclaration(f) if f.id.as_ref().is_some_and(|id| id.name == "load") => Some(f),
        _ => None,
    }
}

/// The keys of the object literals `load` returns (not those of nested functions), with the
/// spans of the keys.
pub fn returned_keys(load: &Function<'_>) -> Vec<(String, oxc::span::Span)> {
    let mut returns = ReturnedKeys::default();
    if let Some(body) = &load.body {
        for statement in &body.statements {
            returns.visit_statement(statement);
        }
    }
    returns.keys
}

/// Keys of the object literals a function body returns (not those of nested functions).
#[derive(Default)]
struct ReturnedKeys {
    keys: Vec<(String, oxc::span::Span)>,
}

impl<'a> Visit<'a> for ReturnedKeys {
    fn visit_return_statement(&mut self, it: &ReturnStatement<'a>) {
        let Some(Expression::ObjectExpression(object)) = it.argument.as_ref().map(|e| e.get_inner_expression()) else { return };
        for property in &object.properties {
            if let ObjectPropertyKind::ObjectProperty(p) = property {
                if let Some(name) = p.key.static_name().filter(|n| !p.computed && eghact_syntax::scan::is_identifier(n)) {
                    self.keys.push((name.to_string(), p.key.span()));
                }
            }
        }
    }

    fn visit_function(&mut self, _it: &Function<'a>, _flags: oxc::syntax::scope::ScopeFlags) {}

    fn visit_arrow_function_expression(&mut self, _it: &ArrowFunctionExpression<'a>) {}
}
