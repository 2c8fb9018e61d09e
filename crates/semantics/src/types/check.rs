//! Checks of one component that need names and types: unknown identifiers in the script and
//! the template (with "did you mean" suggestions). Its cases are the fixtures of
//! `crates/analysis/tests/fixtures/check/rules`, with their diagnostics written inline.

use std::collections::HashSet;

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::semantic::Scoping;
use oxc::span::GetSpan;

use std::collections::HashMap;

use oxc::ast_visit::{Visit, walk};

use super::Type;
use super::globals::is_global;
use super::infer::Infer;
use super::program::{Role, VirtualProgram};
use crate::Signature;
use eghact_syntax::ast::{AttrValue, AttributeKind, Component, ElementKind, ValuePart, walk_elements};
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// Names the runtime provides to every component without an import: the current route
/// store and the middlewares of `@eghact/store` (LANGUAGE.md).
const AMBIENT: &[&str] = &["$route", "middleware"];

/// The diagnostics of names and types. `children` are the signatures of the components the
/// script imports, by local name. A script or template expression with syntax errors is left
/// to the compiler, which reports them.
pub fn check_component(
    source: &str,
    component: &Component,
    children: &HashMap<String, Signature>,
    imported: super::ModuleTypes,
    settings: &super::TypeSettings,
) -> Vec<Diagnostic> {
    eghact_syntax::stack::ensure(|| check_on_stack(source, component, children, imported, settings))
}

fn check_on_stack(
    source: &str,
    component: &Component,
    children: &HashMap<String, Signature>,
    imported: super::ModuleTypes,
    settings: &super::TypeSettings,
) -> Vec<Diagnostic> {
    let program = VirtualProgram::new(source, component);
    let allocator = Allocator::default();
    let Some(parsed) = program.parse(&allocator, true) else { return Vec::new() };
    let semantic = super::program::semantic(&parsed);
    let scoping = semantic.scoping();
    let implicit = implicit_declarations(&parsed, scoping);
    let root = scoping.root_scope_id();

    let mut diagnostics = Vec::new();
    for (name, references) in scoping.root_unresolved_references() {
        let name = name.as_str();
        let known = is_global(name)
            || implicit.contains(name)
            || name.starts_with("$$")
            || AMBIENT.contains(&name)
            // `$store` reads the store `store` declared in the script.
            || name.strip_prefix('$').is_some_and(|store| scoping.get_binding(root, store.into()).is_some() || implicit.contains(store));
        if known {
            continue;
        }
        for &reference_id in references.iter() {
            let reference = scoping.get_reference(reference_id);
            if !reference.is_value() {
                continue;
            }
            let node = semantic.nodes().get_node(reference.node_id());
            let span = node.kind().span();
            let (Some(start), Some(end)) = (program.original(span.start), program.original(span.end)) else { continue };
            let mut visible: Vec<&str> = Vec::new();
            for scope in scoping.scope_ancestors(node.scope_id()) {
                visible.extend(scoping.get_bindings(scope).keys().map(|k| k.as_str()));
            }
            visible.extend(implicit.iter().map(String::as_str));
            let mut diagnostic = Diagnostic::error("E0601", format!("cannot find name `{name}`"), Span::new(start, end))
                .with_label("not declared in the script, the template or the browser");
            if let Some(suggestion) = closest(name, visible.into_iter().chain(super::globals::GLOBALS.iter().copied())) {
                diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
            }
            diagnostics.push(diagnostic);
        }
    }
    diagnostics.extend(local_lifecycle_functions(&parsed, &program));
    diagnostics.extend(unused_declarations(&parsed, &semantic, &program));
    let infer = Infer::new(source, &semantic, &program, &parsed, imported);
    let mut types = TypeChecks {
        source,
        program: &program,
        infer: &infer,
        children,
        diagnostics: &mut diagnostics,
        returns: Vec::new(),
        settings,
    };
    types.roles();
    types.static_props(component);
    types.visit_program(&parsed);
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    diagnostics
}

struct TypeChecks<'c, 's, 'a> {
    source: &'c str,
    program: &'c VirtualProgram,
    infer: &'c Infer<'s, 'a>,
    children: &'c HashMap<String, Signature>,
    diagnostics: &'c mut Vec<Diagnostic>,
    /// What the functions around the visited code return, innermost last (`None`: not written,
    /// or a generator).
    returns: Vec<Option<Returns>>,
    settings: &'c super::TypeSettings,
}

/// What a function is written to return.
#[derive(Clone)]
struct Returns {
    /// From its body: `T` of `Promise<T>` when async.
    ty: Type,
    /// An async function may return a promise of `ty` too.
    is_async: bool,
}

impl<'a> TypeChecks<'_, '_, 'a> {
    /// The `.egh` span of a program span, when it was copied from the file.
    fn span(&self, span: oxc::span::Span) -> Option<Span> {
        self.program.original_span(span)
    }

    /// E0608 when `value` certainly cannot be stored where `expected` is declared (`what`
    /// says where: "`count`", "the argument `x` of `f`", "the return value").
    fn assignment(&mut self, value: &Expression<'a>, expected: &Type, what: impl FnOnce() -> String) {
        let ty = self.infer.expression(value);
        self.mismatch(value, ty, expected, what);
    }

    fn returned(&mut self, value: &Expression<'a>, returns: &Returns) {
        let ty = match (returns.is_async, self.infer.expression(value)) {
            (true, Type::Promise(inner)) => *inner,
            (_, ty) => ty,
        };
        self.mismatch(value, ty, &returns.ty, || "the return value".into());
    }

    /// Only TypeScript reaches here: annotations and return types are written in TypeScript,
    /// and calls are checked in TypeScript components only (`visit_call_expression`).
    fn mismatch(&mut self, value: &Expression<'a>, ty: Type, expected: &Type, what: impl FnOnce() -> String) {
        // `null` and `undefined` pass anywhere unless `strictNullChecks` is on.
        let ty = match self.settings.strict_null_checks {
            true => ty,
            false => {
                Type::union(ty.members().iter().filter(|m| !matches!(m, Type::Null | Type::Undefined | Type::Void)).cloned())
            }
        };
        if ty.assignable_to(expected) {
            return;
        }
        let Some(span) = self.span(value.span()) else { return };
        self.diagnostics.push(
            Diagnostic::error("E0608", format!("type `{ty}` is not assignable to `{expected}`"), span)
                .with_label(format!("type `{ty}`"))
                .with_help(format!("{} is declared `{expected}`; convert the value or change the declaration", what())),
        );
    }

    /// E0608 when the handler of element event `event` takes an event object of another class
    /// (`@click={(e: KeyboardEvent) => …}`).
    fn handler_parameter(&mut self, event: &str, handler: &Type, span: Span) {
        let Type::Function(function) = handler else { return };
        let Some(param) = function.params.first().filter(|p| !p.rest) else { return };
        let sent = Type::Named(crate::html::event_class(event).to_string());
        if !sent.assignable_to(&param.ty) {
            self.diagnostics.push(
                Diagnostic::error("E0608", format!("type `{sent}` is not assignable to `{}`", param.ty), span)
                    .with_label(format!("`{event}` sends a `{sent}`"))
                    .with_help(format!(
                        "declare the parameter `{}: {sent}` (or a class it extends, such as `Event`)",
                        param.name
                    )),
            );
        }
    }

    /// Checks that depend on what a template expression is for.
    fn roles(&mut self) {
        let mut roles: Vec<(&u32, &Role)> = self.program.roles.iter().collect();
        roles.sort_by_key(|(start, _)| **start);
        for (start, role) in roles {
            let Some(expression) = self.infer.expression_at(*start) else { continue };
            let Some(span) = self.span(expression.span()) else { continue };
            let text = span.text(self.source).trim();
            let ty = self.infer.expression(expression);
            match role {
                Role::EachList if ty.iterated().is_err() => self.diagnostics.push(
                    Diagnostic::error("E0602", format!("`{{#each}}` needs a list, but `{text}` is `{ty}`"), span)
                        .with_label(format!("type `{ty}`"))
                        .with_help("iterate over an array (or anything iterable), e.g. `Object.entries(…)` for an object"),
                ),
                Role::Handler { event, .. } if ty.is_callable() == Some(false) => self.diagnostics.push(
                    Diagnostic::error("E0603", format!("the handler of `@{event}` is not a function: `{text}` is `{ty}`"), span)
                        .with_label("not callable")
                        .with_help(format!("pass a function (`@{event}={{() => …}}`) or statements (`@{event}=\"count += 1\"`)")),
                ),
                Role::Handler { event, element: true } if self.program.typescript => self.handler_parameter(event, &ty, span),
                Role::Prop { component, name } => {
                    let Some(prop) = self.children.get(component).and_then(|s| s.prop(name)) else { continue };
                    let Some(expected) = prop.ty.as_deref().map(super::annotation::from_text) else { continue };
                    if !ty.assignable_to(&expected) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "E0604",
                                format!("`{component}` expects `{name}` of type `{expected}`, not `{ty}`"),
                                span,
                            )
                            .with_label(format!("type `{ty}`"))
                            .with_help(format!(
                                "`{name}` is declared `export let {name}: {}` in `{component}`",
                                prop.ty.as_deref().unwrap_or("")
                            )),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

impl TypeChecks<'_, '_, '_> {
    /// `<Child tone="warn">`: a static text value is a string literal.
    fn static_props(&mut self, component: &Component) {
        let Some(template) = &component.template else { return };
        let mut found = Vec::new();
        walk_elements(&template.nodes, &mut |element| {
            if element.kind != ElementKind::Component {
                return;
            }
            for attribute in &element.attributes {
                let AttributeKind::Plain { name, value: AttrValue::Text(parts) } = &attribute.kind else { continue };
                let [ValuePart::Text(text)] = parts.as_slice() else { continue };
                found.push((element.name.text.clone(), name.text.clone(), text.value.clone(), text.span));
            }
        });
        for (component, name, value, span) in found {
            let ty = Type::Literal(super::Literal::String(value));
            self.prop_type(&component, &name, &ty, span);
        }
    }

    /// E0604 when `ty` cannot be passed as `name` of `component`.
    fn prop_type(&mut self, component: &str, name: &str, ty: &Type, span: Span) {
        let Some(prop) = self.children.get(component).and_then(|s| s.prop(name)) else { return };
        let Some(expected) = prop.ty.as_deref().map(super::annotation::from_text) else { return };
        if !ty.assignable_to(&expected) {
            self.diagnostics.push(
                Diagnostic::error("E0604", format!("`{component}` expects `{name}` of type `{expected}`, not `{ty}`"), span)
                    .with_label(format!("type `{ty}`"))
                    .with_help(format!(
                        "`{name}` is declared `export let {name}: {}` in `{component}`",
                        prop.ty.as_deref().unwrap_or("")
                    )),
            );
        }
    }
}

impl<'a> Visit<'a> for TypeChecks<'_, '_, 'a> {
    fn visit_variable_declarator(&mut self, declarator: &VariableDeclarator<'a>) {
        if let (Some(annotation), Some(init), BindingPattern::BindingIdentifier(id)) =
            (&declarator.type_annotation, &declarator.init, &declarator.id)
        {
            let expected = self.infer.annotation(annotation);
            self.assignment(init, &expected, || format!("`{}`", id.name));
        }
        walk::walk_variable_declarator(self, declarator);
    }

    fn visit_assignment_expression(&mut self, assignment: &AssignmentExpression<'a>) {
        if let (AssignmentOperator::Assign, AssignmentTarget::AssignmentTargetIdentifier(id)) =
            (assignment.operator, &assignment.left)
        {
            if let Some(expected) = self.infer.annotated(id) {
                self.assignment(&assignment.right, &expected, || format!("`{}`", id.name));
            }
        }
        walk::walk_assignment_expression(self, assignment);
    }

    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        // TypeScript's errors, not JavaScript's: a JavaScript script may pass `'5'` to
        // `Math.floor`, as svelte-check lets it without `// @ts-check`.
        let callee = if self.program.typescript { self.infer.expression(&call.callee) } else { Type::Unknown };
        if let Type::Function(function) = callee {
            let (program, source, span) = (self.program, self.source, call.callee.span());
            let name = move || program.original_span(span).map_or_else(String::new, |span| span.text(source).trim().to_string());
            for (argument, param) in call.arguments.iter().zip(&function.params) {
                // After a spread, arguments no longer line up with parameters.
                let (Some(value), false) = (argument.as_expression(), param.rest) else { break };
                self.assignment(value, &param.ty, || format!("the parameter `{}` of `{}`", param.name, name()));
            }
        }
        walk::walk_call_expression(self, call);
    }

    fn visit_function(&mut self, function: &Function<'a>, flags: oxc::semantic::ScopeFlags) {
        let written = function.return_type.as_ref().filter(|_| !function.generator).map(|t| self.infer.annotation(t));
        self.returns.push(written.map(|ty| Returns::of(ty, function.r#async)));
        walk::walk_function(self, function, flags);
        self.returns.pop();
    }

    fn visit_arrow_function_expression(&mut self, arrow: &ArrowFunctionExpression<'a>) {
        let written = arrow.return_type.as_ref().map(|t| Returns::of(self.infer.annotation(t), arrow.r#async));
        if let (Some(expected), Some(body)) = (&written, arrow.get_expression()) {
            self.returned(body, expected);
        }
        self.returns.push(written);
        walk::walk_arrow_function_expression(self, arrow);
        self.returns.pop();
    }

    fn visit_return_statement(&mut self, statement: &ReturnStatement<'a>) {
        if let (Some(Some(expected)), Some(value)) = (self.returns.last().cloned(), &statement.argument) {
            self.returned(value, &expected);
        }
        walk::walk_return_statement(self, statement);
    }

    fn visit_binary_expression(&mut self, binary: &BinaryExpression<'a>) {
        use BinaryOperator::*;
        let operator = binary.operator.as_str();
        match binary.operator {
            Subtraction | Multiplication | Division | Remainder | Exponential => {
                for operand in [&binary.left, &binary.right] {
                    let ty = self.infer.expression(operand);
                    if ty.is_numeric() == Some(false) {
                        if let Some(span) = self.span(operand.span()) {
                            self.diagnostics.push(
                                Diagnostic::error("E0605", format!("`{operator}` needs numbers, but this is `{ty}`"), span)
                                    .with_label(format!("type `{ty}`"))
                                    .with_help("convert it first, e.g. `Number(value)`, or use `+` to join strings"),
                            );
                        }
                    }
                }
            }
            Equality | Inequality | StrictEquality | StrictInequality => {
                let (left, right) = (self.infer.expression(&binary.left), self.infer.expression(&binary.right));
                // Comparing with `null` or `undefined` is how code checks for them: never reported.
                let nullish = |t: &Type| t.members().iter().any(|m| matches!(m, Type::Null | Type::Undefined | Type::Void));
                if !nullish(&left) && !nullish(&right) && !left.overlaps(&right) {
                    if let Some(span) = self.span(binary.span) {
                        let always = if matches!(binary.operator, Equality | StrictEquality) { "false" } else { "true" };
                        self.diagnostics.push(
                            Diagnostic::error(
                                "E0606",
                                format!("this comparison is always {always}: `{left}` and `{right}` have nothing in common"),
                                span,
                            )
                            .with_label(format!("`{left}` {operator} `{right}`"))
                            .with_help("compare values of the same type; convert one side first if needed"),
                        );
                    }
                }
            }
            _ => {}
        }
        walk::walk_binary_expression(self, binary);
    }
}

impl Returns {
    fn of(written: Type, is_async: bool) -> Self {
        let ty = match (is_async, written) {
            (true, Type::Promise(inner)) => *inner,
            (true, _) => Type::Unknown,
            (false, ty) => ty,
        };
        Returns { ty, is_async }
    }
}

/// A top-level `function onMount() {…}` is a local function that nothing calls, not the
/// lifecycle hook (LANGUAGE.md decision 7): a hint, since the code is valid.
fn local_lifecycle_functions(ast: &Program<'_>, program: &VirtualProgram) -> Vec<Diagnostic> {
    const HOOKS: &[&str] = &["onMount", "onDestroy", "beforeUpdate", "afterUpdate"];
    let mut hints = Vec::new();
    for statement in &ast.body {
        let Statement::FunctionDeclaration(function) = statement else { continue };
        let Some(id) = function.id.as_ref().filter(|id| HOOKS.contains(&id.name.as_str())) else { continue };
        let (Some(start), Some(end)) = (program.original(id.span.start), program.original(id.span.end)) else { continue };
        let name = id.name.as_str();
        hints.push(
            Diagnostic::hint(
                "H0201",
                format!("`{name}` here is a local function, not the lifecycle hook"),
                Span::new(start, end),
            )
            .with_label("declared here; nothing calls it")
            .with_help(format!(
                "to run code at that point, `import {{ {name} }} from 'eghact'` and call `{name}(() => {{ … }})`"
            )),
        );
    }
    hints
}

/// Props and state (`let`) of the script that nothing reads, in the script or the template.
/// Names starting with `_` are meant to be unused; a store read as `$name` is used.
fn unused_declarations(ast: &Program<'_>, semantic: &oxc::semantic::Semantic<'_>, program: &VirtualProgram) -> Vec<Diagnostic> {
    let scoping = semantic.scoping();
    let unresolved = scoping.root_unresolved_references();
    let mut warnings = Vec::new();
    for statement in &ast.body {
        let (declaration, prop) = match statement {
            Statement::VariableDeclaration(decl) => (decl, false),
            Statement::ExportDeclaration(export) => match &export.declaration {
                Declaration::VariableDeclaration(decl) => (decl, true),
                _ => continue,
            },
            _ => continue,
        };
        if declaration.kind != VariableDeclarationKind::Let {
            continue;
        }
        for declarator in &declaration.declarations {
            for id in declarator.id.get_binding_identifiers() {
                let name = id.name.as_str();
                let Some(symbol) = id.symbol_id.get() else { continue };
                let read = scoping.get_resolved_reference_ids(symbol).iter().any(|r| scoping.get_reference(*r).is_read());
                if read || name.starts_with('_') || unresolved.contains_key(format!("${name}").as_str()) {
                    continue;
                }
                let (Some(start), Some(end)) = (program.original(id.span.start), program.original(id.span.end)) else { continue };
                let span = Span::new(start, end);
                warnings.push(match prop {
                    true => Diagnostic::warning("W0601", format!("the prop `{name}` is never used"), span)
                        .with_label("declared with `export let`, read nowhere")
                        .with_help("use it in the script or the template, or remove it from the component's props"),
                    false => Diagnostic::warning("W0602", format!("`{name}` is never read"), span)
                        .with_label("assigned, never read")
                        .with_help(format!("remove it, or rename it `_{name}` if it is meant to be unused")),
                });
            }
        }
    }
    warnings
}

/// Names declared without a declaration: `$: name = …` at the top level when nothing else
/// declares `name`, and the keys of what a route's `load` returns.
fn implicit_declarations(program: &Program<'_>, scoping: &Scoping) -> HashSet<String> {
    let mut names = reactive_names(program, scoping);
    if let Some(load) = program.body.iter().find_map(crate::load_function) {
        names.extend(crate::returned_keys(load).into_iter().map(|(key, _)| key));
    }
    names
}

/// The names top-level `$: name = …` statements declare (destructuring targets included): those
/// nothing else declares.
pub(super) fn reactive_names(program: &Program<'_>, scoping: &Scoping) -> HashSet<String> {
    let root = scoping.root_scope_id();
    let mut names = HashSet::new();
    for assignment in super::program::reactive_assignments(program) {
        match &assignment.left {
            AssignmentTarget::AssignmentTargetIdentifier(id) if scoping.get_binding(root, id.name).is_none() => {
                names.insert(id.name.to_string());
            }
            AssignmentTarget::ObjectAssignmentTarget(_) | AssignmentTarget::ArrayAssignmentTarget(_) => {
                // `$: ({ a, b } = obj)`: every identifier target is declared.
                let mut targets = Vec::new();
                collect_targets(&assignment.left, &mut targets);
                names.extend(targets.into_iter().filter(|t| scoping.get_binding(root, t.as_str().into()).is_none()));
            }
            _ => {}
        }
    }
    names
}

fn collect_targets(target: &AssignmentTarget<'_>, out: &mut Vec<String>) {
    match target {
        AssignmentTarget::AssignmentTargetIdentifier(id) => out.push(id.name.to_string()),
        AssignmentTarget::ObjectAssignmentTarget(object) => {
            for property in &object.properties {
                match property {
                    AssignmentTargetProperty::AssignmentTargetPropertyIdentifier(p) => out.push(p.binding.name.to_string()),
                    AssignmentTargetProperty::AssignmentTargetPropertyProperty(p) => collect_maybe_default(&p.binding, out),
                }
            }
        }
        AssignmentTarget::ArrayAssignmentTarget(array) => {
            for element in array.elements.iter().flatten() {
                collect_maybe_default(element, out);
            }
        }
        _ => {}
    }
}

fn collect_maybe_default(target: &AssignmentTargetMaybeDefault<'_>, out: &mut Vec<String>) {
    match target {
        AssignmentTargetMaybeDefault::AssignmentTargetWithDefault(d) => collect_targets(&d.binding, out),
        other => {
            if let Some(target) = other.as_assignment_target() {
                collect_targets(target, out);
            }
        }
    }
}

/// The candidate closest to `name` by edit distance, if close enough to be a typo.
fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len(), *c))
        .map(|(_, c)| c)
}

/// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}
