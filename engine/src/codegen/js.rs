//! JavaScript pieces of a component through oxc: parsing with spans mapped into the `.egh`
//! file, a scan for free names (what an expression depends on and what it assigns), and
//! text edits that wrap assignments so the runtime learns what changed.

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::ast_visit::{Visit, walk};
use oxc::diagnostics::OxcDiagnostic;
use oxc::syntax::scope::ScopeFlags;

use super::sourcemap::push_mark;
use crate::diagnostics::{Diagnostic, Span};

/// Converts oxc's diagnostics for text that starts at `base` in the `.egh` file.
pub fn syntax_errors(errors: &[OxcDiagnostic], base: u32, code: &'static str, fallback: Span) -> Vec<Diagnostic> {
    errors
        .iter()
        .map(|error| {
            let span = error
                .labels
                .first()
                .map(|label| {
                    let start = base + label.offset() as u32;
                    Span::new(start, start + label.len() as u32)
                })
                .unwrap_or(fallback);
            let mut d = Diagnostic::error(code, error.message.to_string(), span);
            d.help = error.help.as_ref().map(|h| h.to_string());
            d
        })
        .collect()
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

    pub fn insert(&mut self, at: u32, text: String) {
        self.push(at, (1, i64::MIN), Insert::Text(text));
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

/// Parses a template expression (JavaScript) that starts at `base` in the `.egh` file.
pub fn parse_expression<'a>(allocator: &'a Allocator, text: &'a str, base: u32) -> Result<Expression<'a>, Vec<Diagnostic>> {
    let source_type = oxc::span::SourceType::mjs();
    oxc::parser::Parser::new(allocator, text, source_type)
        .parse_expression()
        .map_err(|errors| syntax_errors(&errors, base, "E0130", Span::new(base, base + text.len() as u32)))
}

/// Parses statements (a quoted event handler body) that start at `base`.
pub fn parse_statements<'a>(allocator: &'a Allocator, text: &'a str, base: u32) -> Result<Program<'a>, Vec<Diagnostic>> {
    let parsed = oxc::parser::Parser::new(allocator, text, oxc::span::SourceType::mjs()).parse();
    if parsed.diagnostics.is_empty() && !parsed.panicked {
        Ok(parsed.program)
    } else {
        Err(syntax_errors(&parsed.diagnostics, base, "E0130", Span::new(base, base + text.len() as u32)))
    }
}
