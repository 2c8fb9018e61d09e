//! JavaScript pieces of a component through oxc: parsing with spans mapped into the `.egh`
//! file, the rules that parsing alone does not check (oxc's semantic checks, and where the
//! compiler puts the code: `import`/`export` only at the script's top level, no `await`
//! outside an async function), a scan for free names (what an expression depends on and what
//! it assigns), and text edits that wrap assignments so the runtime learns what changed.
//!
//! Invariant: code that passes [`rule_errors`] is valid where the compiler copies it, so the
//! module it builds is valid (`codegen::module_error` checks every module again).

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::ast::builder::AstBuilder;
use oxc::ast_visit::{Visit, walk};
use oxc::diagnostics::{OxcDiagnostic, Severity};
use oxc::semantic::SemanticBuilder;
use oxc::span::GetSpan;
use oxc::syntax::scope::ScopeFlags;

use super::sourcemap::push_mark;
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// Converts oxc's diagnostics for text that starts at `base` in the `.egh` file. An error that
/// names several places points at the primary one, else at the last in the text (for a
/// redeclaration, the second declaration, not the first).
pub fn syntax_errors(errors: &[OxcDiagnostic], base: u32, code: &'static str, fallback: Span) -> Vec<Diagnostic> {
    errors
        .iter()
        .map(|error| {
            let labels: &[oxc::diagnostics::LabeledSpan] = &error.labels;
            let place = labels.iter().find(|l| l.primary()).or_else(|| labels.iter().max_by_key(|l| l.offset()));
            let span = place
                .map(|label| {
                    let start = base + label.offset() as u32;
                    Span::new(start, start + label.len() as u32)
                })
                .unwrap_or(fallback);
            let mut d = Diagnostic::error(code, error.message.to_string(), span);
            if labels.len() > 1 {
                d.label = place.and_then(|l| l.label()).map(str::to_string);
            }
            d.help = error.help.as_ref().map(|h| h.to_string());
            d
        })
        .collect()
}

/// Where the compiler copies a piece of code: every piece ends up inside a plain function of
/// the module (the instance function, an effect, a listener), never an async one; only the
/// script's top-level `import`s and `export`s are hoisted or turned into props.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Script,
    /// A template expression: `{…}`, an attribute value, a handler written `@click={…}`.
    Expression,
    /// The statements of a quoted handler: `@click="…"`.
    Handler,
}

impl Placement {
    fn await_help(self) -> &'static str {
        match self {
            Placement::Script => {
                "the script runs as the component is created and cannot wait; await inside `onMount(async () => { … })` or an async function, or show a promise with `{#await}`"
            }
            Placement::Expression => "show a promise with `{#await promise}…{:then value}…{/await}`",
            Placement::Handler => "write the handler as an async function: `@click={async () => { await … }}`",
        }
    }
}

/// The errors of parsed code that cannot run where `placement` copies it: the placement rules
/// (E0209 `import`/`export` not at the script's top level, E0210 `await` outside an async
/// function, E0212 a declared name the compiler reserves), then oxc's semantic errors
/// (`semantic`, reported with `code`), one per place.
/// `semantic` runs only where it can find something: an expression declares nothing outside
/// the functions and classes it holds (one semantic pass per expression would cost as much as
/// the rest of the compile).
pub fn rule_errors(
    program: &Program<'_>,
    placement: Placement,
    semantic: impl FnOnce() -> Vec<OxcDiagnostic>,
    base: u32,
    code: &'static str,
    fallback: Span,
) -> Vec<Diagnostic> {
    let mut rules =
        PlacementRules { placement, base, asyncs: Vec::new(), depth: 0, ts_modules: 0, bodies: 0, errors: Vec::new() };
    for statement in &program.body {
        rules.visit_statement(statement);
    }
    let semantic = if placement != Placement::Expression || rules.bodies > 0 { semantic() } else { Vec::new() };
    let mut errors = rules.errors;
    // oxc reports some of the same places (an `import` in a function of a JavaScript script).
    let ours: Vec<u32> = errors.iter().map(|e| e.span.start).collect();
    let semantic: Vec<OxcDiagnostic> = semantic.into_iter().filter(|e| e.severity == Severity::Error).collect();
    errors.extend(syntax_errors(&semantic, base, code, fallback).into_iter().filter(|e| !ours.contains(&e.span.start)));
    errors
}

/// oxc's semantic errors of `program` (redeclarations, labels, `break` targets…).
pub fn semantic_errors(program: &Program<'_>) -> Vec<OxcDiagnostic> {
    SemanticBuilder::new().with_check_syntax_error(true).build(program).diagnostics.into_vec()
}

/// E0212 for a name the code declares that the compiler reserves: its own names start with
/// `$$` (`$$props`, `$$invalidate`, the runtime `$$`, element variables), and a declaration
/// would clash with them or hide them.
fn reserved_name(name: &str, span: Span) -> Option<Diagnostic> {
    name.starts_with("$$").then(|| {
        Diagnostic::error("E0212", format!("`{name}`: names that start with `$$` are reserved for the compiler"), span)
            .with_help("rename it")
    })
}

/// Checks where `import`, `export` and `await` stand (oxc's parser accepts them anywhere in a
/// module, its semantic check skips TypeScript, and a piece of code here is not a module),
/// and the names code declares.
struct PlacementRules {
    placement: Placement,
    base: u32,
    /// Whether each enclosing function is async, innermost last.
    asyncs: Vec<bool>,
    /// Statements enclosing the current one: 0 at the top level.
    depth: u32,
    /// Enclosing TypeScript namespace bodies, where `export` is the namespace's own.
    ts_modules: u32,
    /// Functions and classes seen: the only places an expression can declare names.
    bodies: u32,
    errors: Vec<Diagnostic>,
}

impl<'a> Visit<'a> for PlacementRules {
    fn visit_statement(&mut self, it: &Statement<'a>) {
        let hoisted = self.placement == Placement::Script && self.depth == 0;
        if it.is_module_declaration() && !hoisted && self.ts_modules == 0 {
            let keyword = if matches!(it, Statement::ImportDeclaration(_)) { "import" } else { "export" };
            let help = match keyword {
                "import" => "move the import to the top level of the script",
                _ => "props are declared at the top level of the script: `export let name`",
            };
            let start = it.span().start;
            self.errors.push(
                Diagnostic::error(
                    "E0209",
                    format!("`{keyword}` can only be used at the top level of the script"),
                    self.span(start, 6),
                )
                .with_help(help),
            );
        }
        self.depth += 1;
        walk::walk_statement(self, it);
        self.depth -= 1;
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        if let Some(error) = reserved_name(&it.name, self.span(it.span.start, it.span.size())) {
            self.errors.push(error);
        }
    }

    fn visit_ts_module_block(&mut self, it: &TSModuleBlock<'a>) {
        self.ts_modules += 1;
        walk::walk_ts_module_block(self, it);
        self.ts_modules -= 1;
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        self.bodies += 1;
        walk::walk_class(self, it);
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        self.bodies += 1;
        self.asyncs.push(it.r#async);
        walk::walk_function(self, it, flags);
        self.asyncs.pop();
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        self.bodies += 1;
        self.asyncs.push(it.r#async);
        walk::walk_arrow_function_expression(self, it);
        self.asyncs.pop();
    }

    fn visit_await_expression(&mut self, it: &AwaitExpression<'a>) {
        self.check_await(it.span.start, "await".len() as u32);
        walk::walk_await_expression(self, it);
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        if it.r#await {
            self.check_await(it.span.start, "for".len() as u32);
        }
        walk::walk_for_of_statement(self, it);
    }
}

impl PlacementRules {
    fn span(&self, start: u32, len: u32) -> Span {
        Span::new(self.base + start, self.base + start + len)
    }

    fn check_await(&mut self, start: u32, len: u32) {
        if self.asyncs.last().copied().unwrap_or(false) {
            return;
        }
        let where_ = match self.placement {
            Placement::Script => "at the top level of the script",
            Placement::Expression => "in a template expression",
            Placement::Handler => "in an event handler's statements",
        };
        self.errors.push(
            Diagnostic::error("E0210", format!("`await` outside an async function {where_}"), self.span(start, len))
                .with_help(self.placement.await_help()),
        );
    }
}

/// A write to free names: the assignment or update expression and the names it changes.
#[derive(Debug)]
pub struct Write {
    pub span: oxc::span::Span,
    pub names: Vec<String>,
}

/// What a piece of code reads and writes outside itself. Names bound inside the code
/// (parameters, local variables of nested functions, catch parameters) are not free.
#[derive(Debug, Default)]
pub struct FreeNames {
    /// Free names read or written, in first-use order, without repeats.
    pub names: Vec<String>,
    /// Where each of `names` is first used.
    pub first_uses: Vec<oxc::span::Span>,
    pub writes: Vec<Write>,
}

impl FreeNames {
    pub fn of_expression(expr: &Expression<'_>) -> Self {
        let mut scan = Scan::default();
        scan.visit_expression(expr);
        scan.result
    }

    pub fn of_statements(statements: &[Statement<'_>]) -> Self {
        let mut scan = Scan::default();
        for statement in statements {
            scan.visit_statement(statement);
        }
        scan.result
    }

    pub fn of_statement(statement: &Statement<'_>) -> Self {
        Self::of_statements(std::slice::from_ref(statement))
    }

    fn add(&mut self, name: &str, span: oxc::span::Span) {
        if !self.names.iter().any(|n| n == name) {
            self.names.push(name.to_string());
            self.first_uses.push(span);
        }
    }
}

#[derive(Default)]
struct Scan {
    /// Names bound by the enclosing functions and catch clauses, innermost last.
    scopes: Vec<Vec<String>>,
    result: FreeNames,
}

impl Scan {
    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|scope| scope.iter().any(|n| n == name))
    }

    fn record_write(&mut self, span: oxc::span::Span, target_names: Vec<String>) {
        let names: Vec<String> = target_names.into_iter().filter(|n| !self.is_local(n)).collect();
        if !names.is_empty() {
            self.result.writes.push(Write { span, names });
        }
    }
}

impl<'a> Visit<'a> for Scan {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if !self.is_local(&it.name) {
            self.result.add(&it.name, it.span);
        }
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        self.record_write(it.span, assignment_target_names(&it.left));
        walk::walk_assignment_expression(self, it);
    }

    fn visit_update_expression(&mut self, it: &UpdateExpression<'a>) {
        self.record_write(it.span, simple_target_names(&it.argument));
        walk::walk_update_expression(self, it);
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        let mut bound = Bindings::default();
        bound.visit_formal_parameters(&it.params);
        if let Some(body) = &it.body {
            for statement in &body.statements {
                bound.visit_statement(statement);
            }
        }
        // A named function expression sees its own name.
        if let Some(id) = it.id.as_ref().filter(|_| it.is_expression()) {
            bound.names.push(id.name.to_string());
        }
        self.scopes.push(bound.names);
        walk::walk_function(self, it, flags);
        self.scopes.pop();
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        let mut bound = Bindings::default();
        bound.visit_formal_parameters(&it.params);
        if let ArrowFunctionBody::FunctionBody(body) = &it.body {
            for statement in &body.statements {
                bound.visit_statement(statement);
            }
        }
        self.scopes.push(bound.names);
        walk::walk_arrow_function_expression(self, it);
        self.scopes.pop();
    }

    fn visit_catch_clause(&mut self, it: &CatchClause<'a>) {
        let mut bound = Bindings::default();
        if let Some(param) = &it.param {
            bound.visit_binding_pattern(&param.pattern);
        }
        self.scopes.push(bound.names);
        walk::walk_catch_clause(self, it);
        self.scopes.pop();
    }

    fn visit_block_statement(&mut self, it: &BlockStatement<'a>) {
        // Block-level declarations shadow outer names inside the block.
        let mut bound = Bindings::default();
        for statement in &it.body {
            if let Statement::VariableDeclaration(decl) = statement {
                if decl.kind != VariableDeclarationKind::Var {
                    bound.visit_variable_declaration(decl);
                }
            }
        }
        self.scopes.push(bound.names);
        walk::walk_block_statement(self, it);
        self.scopes.pop();
    }

    fn visit_for_statement(&mut self, it: &ForStatement<'a>) {
        let mut bound = Bindings::default();
        if let Some(ForStatementInit::VariableDeclaration(decl)) = &it.init {
            bound.visit_variable_declaration(decl);
        }
        self.scopes.push(bound.names);
        walk::walk_for_statement(self, it);
        self.scopes.pop();
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        let mut bound = Bindings::default();
        if let ForStatementLeft::VariableDeclaration(decl) = &it.left {
            bound.visit_variable_declaration(decl);
        }
        self.scopes.push(bound.names);
        walk::walk_for_of_statement(self, it);
        self.scopes.pop();
    }

    fn visit_for_in_statement(&mut self, it: &ForInStatement<'a>) {
        let mut bound = Bindings::default();
        if let ForStatementLeft::VariableDeclaration(decl) = &it.left {
            bound.visit_variable_declaration(decl);
        }
        self.scopes.push(bound.names);
        walk::walk_for_in_statement(self, it);
        self.scopes.pop();
    }
}

/// The variables a `$:` assignment's destructuring pattern assigns (`({ a, b: [c] } = v)`
/// assigns `a` and `c`): not the reads of its defaults, computed keys or member targets.
pub fn pattern_target_names(target: &AssignmentTarget<'_>) -> Vec<String> {
    let mut targets = PatternTargets::default();
    targets.visit_assignment_target(target);
    targets.names
}

#[derive(Default)]
struct PatternTargets {
    names: Vec<String>,
}

impl<'a> Visit<'a> for PatternTargets {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        self.names.push(it.name.to_string());
    }

    // Defaults, computed keys and the objects of member targets are read, not assigned.
    fn visit_expression(&mut self, _it: &Expression<'a>) {}
}

/// Collects the names a function body or pattern binds, without entering nested functions
/// (whose own declarations are theirs), but with the names of nested function declarations.
#[derive(Default)]
struct Bindings {
    names: Vec<String>,
}

impl<'a> Visit<'a> for Bindings {
    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        self.names.push(it.name.to_string());
    }

    fn visit_function(&mut self, it: &Function<'a>, _flags: ScopeFlags) {
        if it.is_declaration() {
            if let Some(id) = &it.id {
                self.names.push(id.name.to_string());
            }
        }
    }

    fn visit_arrow_function_expression(&mut self, _it: &ArrowFunctionExpression<'a>) {}

    fn visit_class(&mut self, it: &Class<'a>) {
        if let Some(id) = &it.id {
            self.names.push(id.name.to_string());
        }
    }

    // Reads inside initialisers are not bindings; only patterns are walked.
    fn visit_expression(&mut self, _it: &Expression<'a>) {}
}

/// Names changed by assigning to `target`: for `a.b[c] = v` that is `a`.
fn assignment_target_names(target: &AssignmentTarget<'_>) -> Vec<String> {
    match target.as_simple_assignment_target() {
        Some(simple) => simple_target_names(simple),
        None => {
            // Destructuring: every identifier in the pattern (defaults may add reads; an
            // extra invalidation only costs an update).
            let mut names = NameCollector::default();
            names.visit_assignment_target(target);
            names.names
        }
    }
}

fn simple_target_names(target: &SimpleAssignmentTarget<'_>) -> Vec<String> {
    let root = match target {
        SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => return vec![id.name.to_string()],
        _ => match target.as_member_expression() {
            Some(member) => root_identifier(member.object()),
            None => match target {
                SimpleAssignmentTarget::TSAsExpression(e) => root_identifier(&e.expression),
                SimpleAssignmentTarget::TSSatisfiesExpression(e) => root_identifier(&e.expression),
                SimpleAssignmentTarget::TSNonNullExpression(e) => root_identifier(&e.expression),
                SimpleAssignmentTarget::TSTypeAssertion(e) => root_identifier(&e.expression),
                _ => None,
            },
        },
    };
    root.into_iter().collect()
}

fn root_identifier(mut expr: &Expression<'_>) -> Option<String> {
    loop {
        expr = expr.get_inner_expression();
        match expr {
            Expression::Identifier(id) => return Some(id.name.to_string()),
            _ => expr = expr.as_member_expression()?.object(),
        }
    }
}

#[derive(Default)]
struct NameCollector {
    names: Vec<String>,
}

impl<'a> Visit<'a> for NameCollector {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        self.names.push(it.name.to_string());
    }
}

/// Insertions into a text, applied in one pass. Wrapping `[start, end)` twice nests
/// correctly: outer prefixes come first, inner suffixes first.
#[derive(Default)]
pub struct Edits {
    /// (offset, order, insertion): order sorts suffixes before prefixes at one offset, inner
    /// suffixes before outer ones, and outer prefixes before inner ones.
    inserts: Vec<(u32, (u8, i64), Insert)>,
    /// Whether `inserts` is sorted (`apply` runs once per statement; sorting each time would
    /// make long scripts quadratic).
    sorted: bool,
    /// Ranges to drop, `[start, end)`.
    removals: Vec<(u32, u32)>,
}

enum Insert {
    Text(String),
    /// A source-map mark for this `.egh` offset (kept as a number until written).
    Mark(u32),
}

impl Edits {
    fn push(&mut self, at: u32, order: (u8, i64), insert: Insert) {
        self.inserts.push((at, order, insert));
        self.sorted = false;
    }

    pub fn wrap(&mut self, start: u32, end: u32, prefix: String, suffix: String) {
        self.push(start, (1, -(end as i64)), Insert::Text(prefix));
        self.push(end, (0, -(start as i64)), Insert::Text(suffix));
    }

    /// Adds `text` after the code that ends at `at` (a suffix: it stays with a range ending there).
    pub fn append(&mut self, at: u32, text: String) {
        self.push(at, (0, i64::MIN), Insert::Text(text));
    }

    /// Marks `at` as coming from `.egh` offset `origin`, after any prefix there, so that the
    /// mark lands right before the original text at `at`.
    pub fn mark(&mut self, at: u32, origin: u32) {
        self.push(at, (1, i64::MAX), Insert::Mark(origin));
    }

    pub fn remove(&mut self, start: u32, end: u32) {
        self.removals.push((start, end));
    }

    /// Applies the edits that fall inside `[start, end)` of `text` and returns that range.
    /// A prefix at `end` belongs to the next range, a suffix at `start` to the previous one.
    pub fn apply(&mut self, text: &str, start: u32, end: u32) -> String {
        if !self.sorted {
            self.inserts.sort_by_key(|(at, order, _)| (*at, *order));
            self.sorted = true;
        }
        self.removals.sort_unstable();
        let mut out = String::with_capacity((end - start) as usize + 64);
        let mut cursor = start;
        let mut removals = self.removals.iter().copied().filter(|&(s, e)| s >= start && e <= end).peekable();
        let first = self.inserts.partition_point(|(at, _, _)| *at < start);
        for (at, (kind, _), insert) in &self.inserts[first..] {
            let (at, is_prefix) = (*at, *kind == 1);
            if at > end || (at == end && is_prefix) {
                break;
            }
            if at == start && !is_prefix {
                continue;
            }
            while let Some((removed_start, removed_end)) = removals.next_if(|&(s, _)| s <= at) {
                out.push_str(&text[cursor as usize..removed_start.max(cursor) as usize]);
                cursor = cursor.max(removed_end);
            }
            if at > cursor {
                out.push_str(&text[cursor as usize..at as usize]);
                cursor = at;
            }
            match insert {
                Insert::Text(text) => out.push_str(text),
                Insert::Mark(origin) => push_mark(&mut out, *origin),
            }
        }
        for (removed_start, removed_end) in removals {
            out.push_str(&text[cursor as usize..removed_start.max(cursor) as usize]);
            cursor = cursor.max(removed_end);
        }
        if cursor < end {
            out.push_str(&text[cursor as usize..end as usize]);
        }
        out
    }
}

/// Parses a template expression (JavaScript) that starts at `base` in the `.egh` file: E0130
/// when it does not parse, E0209–E0212 when it cannot run in the function it is copied into.
pub fn parse_expression<'a>(allocator: &'a Allocator, text: &'a str, base: u32) -> Result<Expression<'a>, Vec<Diagnostic>> {
    let source_type = oxc::span::SourceType::mjs();
    let whole = Span::new(base, base + text.len() as u32);
    let expression = oxc::parser::Parser::new(allocator, text, source_type)
        .parse_expression()
        .map_err(|errors| syntax_errors(&errors, base, "E0130", whole))?;
    // oxc's checks run on programs: the expression is the one statement of one, then comes back out.
    let builder = AstBuilder::new(allocator);
    let span = expression.span();
    let statement = Statement::new_expression_statement(span, expression, &builder);
    let mut program = Program::new(span, source_type, text, [], None, [], [statement], &builder);
    let errors = rule_errors(&program, Placement::Expression, || semantic_errors(&program), base, "E0211", whole);
    if !errors.is_empty() {
        return Err(errors);
    }
    match program.body.pop() {
        Some(Statement::ExpressionStatement(statement)) => Ok(statement.unbox().expression),
        _ => unreachable!("the program was built with one expression statement"),
    }
}

/// Parses statements (a quoted event handler body) that start at `base`, with the checks of
/// [`parse_expression`].
pub fn parse_statements<'a>(allocator: &'a Allocator, text: &'a str, base: u32) -> Result<Program<'a>, Vec<Diagnostic>> {
    let whole = Span::new(base, base + text.len() as u32);
    let parsed = oxc::parser::Parser::new(allocator, text, oxc::span::SourceType::mjs()).parse();
    if !parsed.diagnostics.is_empty() || parsed.panicked {
        return Err(syntax_errors(&parsed.diagnostics, base, "E0130", whole));
    }
    let errors = rule_errors(&parsed.program, Placement::Handler, || semantic_errors(&parsed.program), base, "E0211", whole);
    if errors.is_empty() { Ok(parsed.program) } else { Err(errors) }
}
