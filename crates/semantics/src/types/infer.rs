//! Types of names and expressions of a component's virtual program: from annotations, from
//! initializers, and from the list of an `{#each}` for its item.
//!
//! Invariant: what is not certain is `Unknown`. In a JavaScript (not TypeScript) script a
//! `let` that is assigned again keeps no type from its initializer.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use oxc::ast::AstKind;
use oxc::ast::ast::*;
use oxc::semantic::{Semantic, SymbolId};
use oxc::span::GetSpan;

use super::annotation::number_text;
use super::program::VirtualProgram;
use super::{FunctionType, Literal, Member, Param, Type, TypeEnv};

pub struct Infer<'s, 'a> {
    source: &'s str,
    semantic: &'s Semantic<'a>,
    program: &'s VirtualProgram,
    env: TypeEnv<'a>,
    /// The functions imported from script modules, by local name.
    imported_values: std::collections::BTreeMap<String, Type>,
    /// `$: name = expr` declarations, by name.
    implicit: HashMap<String, &'a Expression<'a>>,
    /// Expressions by their start offset, for `{#each}` lists.
    expressions: HashMap<u32, &'a Expression<'a>>,
    symbols: RefCell<HashMap<SymbolId, Type>>,
    in_progress: RefCell<HashSet<SymbolId>>,
}

impl<'s, 'a> Infer<'s, 'a> {
    pub fn new(
        source: &'s str,
        semantic: &'s Semantic<'a>,
        program: &'s VirtualProgram,
        ast: &'a Program<'a>,
        imported: super::ModuleTypes,
    ) -> Self {
        let implicit = super::program::reactive_assignments(ast)
            .filter_map(|assignment| match &assignment.left {
                AssignmentTarget::AssignmentTargetIdentifier(id) => Some((id.name.to_string(), &assignment.right)),
                _ => None,
            })
            .collect();
        let mut expressions = HashMap::new();
        for node in semantic.nodes().iter() {
            if let AstKind::ParenthesizedExpression(paren) = node.kind() {
                expressions.insert(paren.expression.span().start, &paren.expression);
            }
        }
        Self {
            source,
            semantic,
            program,
            env: TypeEnv::of(&ast.body).with_imported(imported.types),
            imported_values: imported.values,
            implicit,
            expressions,
            symbols: RefCell::default(),
            in_progress: RefCell::default(),
        }
    }

    /// The template expression that starts at `start` in the program.
    pub fn expression_at(&self, start: u32) -> Option<&'a Expression<'a>> {
        self.expressions.get(&start).copied()
    }

    /// The type of a name at a reference, `Unknown` when not certain.
    pub fn reference(&self, ident: &IdentifierReference<'a>) -> Type {
        let scoping = self.semantic.scoping();
        let symbol = ident.reference_id.get().and_then(|r| scoping.get_reference(r).symbol_id());
        let declared = match symbol {
            Some(symbol) => self.symbol(symbol),
            None => match ident.name.as_str() {
                "undefined" => return Type::Undefined,
                "NaN" | "Infinity" => return Type::Number,
                name => match self.implicit.get(name) {
                    Some(expression) => self.guarded_implicit(name, expression),
                    None => return super::stdlib::global(name).cloned().unwrap_or(Type::Unknown),
                },
            },
        };
        self.narrowed(ident, symbol, declared)
    }

    /// The type written on the declaration `ident` refers to (`let count: number`, a typed
    /// prop or parameter); `None` when the declaration has no annotation.
    pub fn annotated(&self, ident: &IdentifierReference<'a>) -> Option<Type> {
        let scoping = self.semantic.scoping();
        let symbol = ident.reference_id.get().and_then(|r| scoping.get_reference(r).symbol_id())?;
        let written = match self.semantic.nodes().kind(scoping.symbol_declaration(symbol)) {
            AstKind::VariableDeclarator(declarator) => declarator.type_annotation.is_some(),
            AstKind::FormalParameter(parameter) => parameter.type_annotation.is_some(),
            _ => false,
        };
        written.then(|| self.symbol(symbol))
    }

    /// The type an annotation writes.
    pub fn annotation(&self, annotation: &TSTypeAnnotation<'a>) -> Type {
        super::from_annotation(&annotation.type_annotation, &self.env)
    }

    /// `ty` as the conditions around `ident` leave it: the branches of `if`, `? :`, `&&` and
    /// `||` whose test reads the same name (truthiness, `typeof`, `===` with a literal, `null`).
    fn narrowed(&self, ident: &IdentifierReference<'a>, symbol: Option<SymbolId>, mut ty: Type) -> Type {
        if ty.is_unknown() {
            return ty;
        }
        // Script code may assign the variable between the test and the use; flow analysis is
        // out of the subset, so only names nothing reassigns narrow there.
        let scoping = self.semantic.scoping();
        let reassigned =
            symbol.is_none_or(|s| scoping.get_resolved_reference_ids(s).iter().any(|r| scoping.get_reference(*r).is_write()));
        if reassigned && ident.span.start < self.program.template_start {
            return ty;
        }
        let nodes = self.semantic.nodes();
        let mut inner = ident.span;
        for ancestor in nodes.ancestors(ident.node_id.get()) {
            let within = |outer: oxc::span::Span| outer.start <= inner.start && inner.end <= outer.end;
            match ancestor.kind() {
                AstKind::IfStatement(statement) if within(statement.consequent.span()) => {
                    ty = self.narrow(ty, &statement.test, true, ident, symbol);
                }
                AstKind::IfStatement(statement) if statement.alternate.as_ref().is_some_and(|a| within(a.span())) => {
                    ty = self.narrow(ty, &statement.test, false, ident, symbol);
                }
                AstKind::ConditionalExpression(c) if within(c.consequent.span()) => {
                    ty = self.narrow(ty, &c.test, true, ident, symbol)
                }
                AstKind::ConditionalExpression(c) if within(c.alternate.span()) => {
                    ty = self.narrow(ty, &c.test, false, ident, symbol)
                }
                AstKind::LogicalExpression(l) if within(l.right.span()) => match l.operator {
                    LogicalOperator::And => ty = self.narrow(ty, &l.left, true, ident, symbol),
                    LogicalOperator::Or => ty = self.narrow(ty, &l.left, false, ident, symbol),
                    LogicalOperator::Coalesce => {}
                },
                // A function body may run later, when the conditions no longer hold.
                AstKind::Function(_) | AstKind::ArrowFunctionExpression(_) => {
                    if !self.is_template_scope(ancestor.kind().span()) {
                        break;
                    }
                }
                _ => {}
            }
            inner = ancestor.kind().span();
        }
        ty
    }

    /// The arrow functions the virtual program wraps template scopes in run at once.
    fn is_template_scope(&self, span: oxc::span::Span) -> bool {
        self.program.original(span.start).is_none()
    }

    /// Whether `expression` reads the same variable as `ident`.
    fn same_name(&self, expression: &Expression<'a>, ident: &IdentifierReference<'a>, symbol: Option<SymbolId>) -> bool {
        let Expression::Identifier(other) = expression.without_parentheses() else { return false };
        let scoping = self.semantic.scoping();
        let other_symbol = other.reference_id.get().and_then(|r| scoping.get_reference(r).symbol_id());
        other.name == ident.name && other_symbol == symbol
    }

    fn narrow(
        &self,
        ty: Type,
        test: &Expression<'a>,
        branch: bool,
        ident: &IdentifierReference<'a>,
        symbol: Option<SymbolId>,
    ) -> Type {
        let keep = |ty: &Type, f: &dyn Fn(&Type) -> bool| Type::union(ty.members().iter().filter(|m| f(m)).cloned());
        match test.without_parentheses() {
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                self.narrow(ty, &u.argument, !branch, ident, symbol)
            }
            e if self.same_name(e, ident, symbol) => match branch {
                true => keep(&ty, &|m| !is_falsy_only(m)),
                false => ty,
            },
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::And && branch => {
                let ty = self.narrow(ty, &l.left, true, ident, symbol);
                self.narrow(ty, &l.right, true, ident, symbol)
            }
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or && !branch => {
                let ty = self.narrow(ty, &l.left, false, ident, symbol);
                self.narrow(ty, &l.right, false, ident, symbol)
            }
            Expression::BinaryExpression(b) => {
                let (equal, strict) = match b.operator {
                    BinaryOperator::StrictEquality => (true, true),
                    BinaryOperator::StrictInequality => (false, true),
                    BinaryOperator::Equality => (true, false),
                    BinaryOperator::Inequality => (false, false),
                    _ => return ty,
                };
                let holds = equal == branch;
                let (subject, other) = if self.same_name(&b.left, ident, symbol) || is_typeof_of(&b.left, self, ident, symbol) {
                    (&b.left, &b.right)
                } else {
                    (&b.right, &b.left)
                };
                if let Expression::UnaryExpression(u) = subject.without_parentheses() {
                    // `typeof x === 'string'`
                    if u.operator != UnaryOperator::Typeof || !self.same_name(&u.argument, ident, symbol) {
                        return ty;
                    }
                    let Expression::StringLiteral(kind) = other.without_parentheses() else { return ty };
                    let kind = kind.value.as_str();
                    return match holds {
                        true => keep(&ty, &|m| typeof_may_be(m, kind)),
                        false => keep(&ty, &|m| !(typeof_certain(m) && typeof_may_be(m, kind))),
                    };
                }
                if !self.same_name(subject, ident, symbol) {
                    return ty;
                }
                let nullish = |m: &Type| matches!(m, Type::Null | Type::Undefined | Type::Void);
                match (self.expression(other), holds) {
                    // `x == null` also matches `undefined`.
                    (Type::Null | Type::Undefined, true) if !strict => keep(&ty, &|m| nullish(m)),
                    (Type::Null | Type::Undefined, false) if !strict => keep(&ty, &|m| !nullish(m)),
                    (value @ (Type::Literal(_) | Type::Null | Type::Undefined), true) if ty.overlaps(&value) => value,
                    (value @ (Type::Literal(_) | Type::Null | Type::Undefined), false) => keep(&ty, &|m| *m != value),
                    _ => ty,
                }
            }
            _ => ty,
        }
    }

    fn guarded_implicit(&self, name: &str, expression: &'a Expression<'a>) -> Type {
        // Implicit declarations have no symbol: guard recursion by a name-keyed pseudo id.
        thread_local! {
            static ACTIVE: RefCell<HashSet<String>> = RefCell::default();
        }
        if !ACTIVE.with(|a| a.borrow_mut().insert(name.to_string())) {
            return Type::Unknown;
        }
        let ty = self.expression(expression).widened();
        ACTIVE.with(|a| a.borrow_mut().remove(name));
        ty
    }

    pub fn symbol(&self, symbol: SymbolId) -> Type {
        if let Some(ty) = self.symbols.borrow().get(&symbol) {
            return ty.clone();
        }
        if !self.in_progress.borrow_mut().insert(symbol) {
            return Type::Unknown;
        }
        let ty = self.declared(symbol);
        self.in_progress.borrow_mut().remove(&symbol);
        self.symbols.borrow_mut().insert(symbol, ty.clone());
        ty
    }

    fn declared(&self, symbol: SymbolId) -> Type {
        let scoping = self.semantic.scoping();
        let node = scoping.symbol_declaration(symbol);
        match self.semantic.nodes().kind(node) {
            AstKind::VariableDeclarator(declarator) => {
                let BindingPattern::BindingIdentifier(id) = &declarator.id else { return Type::Unknown };
                if let Some(annotation) = &declarator.type_annotation {
                    let ty = super::from_annotation(&annotation.type_annotation, &self.env);
                    // `export let x?: T` (the `?` was blanked in the program, not in the file).
                    return match self.optional_prop(id.span.end) {
                        true => Type::union([ty, Type::Undefined]),
                        false => ty,
                    };
                }
                let Some(init) = &declarator.init else { return Type::Unknown };
                let reassigned = scoping.get_resolved_reference_ids(symbol).iter().any(|r| scoping.get_reference(*r).is_write());
                match self.semantic.nodes().parent_kind(node) {
                    AstKind::VariableDeclaration(decl) if decl.kind.is_const() => self.expression(init),
                    _ if reassigned && !self.program.typescript => Type::Unknown,
                    _ => self.expression(init).widened(),
                }
            }
            AstKind::Function(function) => self.function(function),
            AstKind::ImportSpecifier(specifier) => {
                self.imported_values.get(specifier.local.name.as_str()).cloned().unwrap_or(Type::Unknown)
            }
            AstKind::FormalParameter(parameter) => {
                if let Some(list) = self.program.each_items.get(&parameter.pattern.span().start) {
                    if !matches!(parameter.pattern, BindingPattern::BindingIdentifier(_)) {
                        return Type::Unknown;
                    }
                    let list = self.expressions.get(list).map_or(Type::Unknown, |e| self.expression(e));
                    return list.iterated().ok().flatten().unwrap_or(Type::Unknown);
                }
                if let Some(annotation) = &parameter.type_annotation {
                    return super::from_annotation(&annotation.type_annotation, &self.env);
                }
                self.event_parameter(node, parameter).unwrap_or(Type::Unknown)
            }
            _ => Type::Unknown,
        }
    }

    /// The event a handler receives: `event` in `@click="…"`, or the first parameter of an
    /// arrow given as `@click={(e) => …}`, typed from the DOM's table of events.
    fn event_parameter(&self, node: oxc::semantic::NodeId, parameter: &FormalParameter<'a>) -> Option<Type> {
        let start = parameter.pattern.span().start;
        if let Some(event) = self.program.event_params.get(&start) {
            return Some(dom_event(event));
        }
        let nodes = self.semantic.nodes();
        let params = nodes.parent_node(node);
        let AstKind::FormalParameters(list) = params.kind() else { return None };
        if list.items.first().map(|p| p.span.start) != Some(parameter.span.start) {
            return None;
        }
        let AstKind::ArrowFunctionExpression(arrow) = nodes.parent_kind(params.id()) else { return None };
        match self.program.roles.get(&arrow.span.start) {
            Some(super::program::Role::Handler { event, .. }) => Some(dom_event(event)),
            _ => None,
        }
    }

    /// `export let x?: T`: the program has a space where the file has the `?`.
    fn optional_prop(&self, end: u32) -> bool {
        self.program.original(end).is_some_and(|at| self.source.as_bytes().get(at as usize) == Some(&b'?'))
    }

    fn function(&self, function: &Function<'a>) -> Type {
        self.env.function(function)
    }

    fn params(&self, params: &FormalParameters<'a>) -> Vec<Param> {
        self.env.params(params)
    }

    /// The type of an expression.
    pub fn expression(&self, expression: &Expression<'a>) -> Type {
        match expression {
            Expression::BooleanLiteral(b) => Type::Literal(Literal::Boolean(b.value)),
            Expression::NumericLiteral(n) => Type::Literal(Literal::Number(number_text(n.value))),
            Expression::StringLiteral(s) => Type::Literal(Literal::String(s.value.to_string())),
            Expression::TemplateLiteral(_) => Type::String,
            Expression::NullLiteral(_) => Type::Null,
            Expression::BigIntLiteral(_) => Type::BigInt,
            Expression::Identifier(ident) => self.reference(ident),
            Expression::ParenthesizedExpression(p) => self.expression(&p.expression),
            Expression::ArrayExpression(array) => {
                let mut items = Vec::new();
                for element in &array.elements {
                    match element.as_expression() {
                        Some(e) => items.push(self.expression(e).widened()),
                        None => return Type::Unknown,
                    }
                }
                Type::Array(Box::new(if items.is_empty() { Type::Unknown } else { Type::union(items) }))
            }
            Expression::ObjectExpression(object) => {
                let mut members = Vec::new();
                for property in &object.properties {
                    let ObjectPropertyKind::ObjectProperty(p) = property else { return Type::Unknown };
                    let Some(name) = p.key.static_name().filter(|_| !p.computed) else { return Type::Unknown };
                    members.push(Member { name: name.to_string(), ty: self.expression(&p.value).widened(), optional: false });
                }
                Type::Object(members)
            }
            Expression::ArrowFunctionExpression(arrow) => {
                let params = self.params(&arrow.params);
                let ret = match (&arrow.return_type, arrow.get_expression()) {
                    (Some(t), _) => super::from_annotation(&t.type_annotation, &self.env),
                    (None, Some(body)) if !arrow.r#async => self.expression(body).widened(),
                    _ => Type::Unknown,
                };
                Type::Function(Box::new(FunctionType { params, ret }))
            }
            Expression::FunctionExpression(function) => self.function(function),
            Expression::UnaryExpression(unary) => match unary.operator {
                UnaryOperator::LogicalNot | UnaryOperator::Delete => Type::Boolean,
                UnaryOperator::Typeof => Type::String,
                UnaryOperator::Void => Type::Undefined,
                UnaryOperator::UnaryNegation | UnaryOperator::UnaryPlus | UnaryOperator::BitwiseNot => {
                    match self.expression(&unary.argument) {
                        Type::BigInt if unary.operator != UnaryOperator::UnaryPlus => Type::BigInt,
                        _ => Type::Number,
                    }
                }
            },
            Expression::BinaryExpression(binary) => self.binary(binary),
            Expression::ConditionalExpression(c) => Type::union([self.expression(&c.consequent), self.expression(&c.alternate)]),
            Expression::AssignmentExpression(a) if a.operator == AssignmentOperator::Assign => self.expression(&a.right),
            Expression::SequenceExpression(s) => s.expressions.last().map_or(Type::Unknown, |e| self.expression(e)),
            Expression::TSAsExpression(e) => super::from_annotation(&e.type_annotation, &self.env),
            Expression::TSSatisfiesExpression(e) => self.expression(&e.expression),
            Expression::TSNonNullExpression(e) => Type::union(
                self.expression(&e.expression).members().iter().filter(|m| !matches!(m, Type::Null | Type::Undefined)).cloned(),
            ),
            Expression::AwaitExpression(a) => match self.expression(&a.argument) {
                Type::Promise(inner) => *inner,
                Type::Unknown | Type::Any => Type::Unknown,
                other if other.members().iter().any(|m| matches!(m, Type::Promise(_) | Type::Named(_) | Type::Object(_))) => {
                    Type::Unknown
                }
                other => other,
            },
            Expression::StaticMemberExpression(member) if !member.optional => {
                self.expression(&member.object).member(&member.property.name).unwrap_or(Type::Unknown)
            }
            // `a?.b`, `a?.b.c`: what the chain reads, or `undefined` where it stops.
            Expression::ChainExpression(chain) => match &chain.expression {
                ChainElement::StaticMemberExpression(member) => {
                    self.expression(&member.object).member(&member.property.name).unwrap_or(Type::Unknown)
                }
                _ => Type::Unknown,
            },
            Expression::CallExpression(call) if !call.optional => match self.expression(&call.callee) {
                Type::Function(function) => function.ret,
                _ => Type::Unknown,
            },
            _ => Type::Unknown,
        }
    }

    fn binary(&self, binary: &BinaryExpression<'a>) -> Type {
        use BinaryOperator::*;
        match binary.operator {
            Equality | Inequality | StrictEquality | StrictInequality | LessThan | LessEqualThan | GreaterThan
            | GreaterEqualThan | In | Instanceof => Type::Boolean,
            Subtraction | Multiplication | Division | Remainder | Exponential => {
                match (self.expression(&binary.left), self.expression(&binary.right)) {
                    (Type::BigInt, Type::BigInt) => Type::BigInt,
                    (l, r) if l.is_unknown() || r.is_unknown() => Type::Unknown,
                    _ => Type::Number,
                }
            }
            Addition => {
                let (left, right) = (self.expression(&binary.left), self.expression(&binary.right));
                let is_string = |t: &Type| matches!(t, Type::String | Type::Literal(Literal::String(_)));
                if is_string(&left) || is_string(&right) {
                    Type::String
                } else if left.is_numeric() == Some(true) && right.is_numeric() == Some(true) && left != Type::BigInt {
                    Type::Number
                } else {
                    Type::Unknown
                }
            }
            ShiftLeft | ShiftRight | ShiftRightZeroFill | BitwiseOR | BitwiseXOR | BitwiseAnd => Type::Number,
        }
    }
}

/// A member that is never truthy.
fn is_falsy_only(ty: &Type) -> bool {
    matches!(ty, Type::Null | Type::Undefined | Type::Void | Type::Literal(Literal::Boolean(false)))
        || matches!(ty, Type::Literal(Literal::String(s)) if s.is_empty())
        || matches!(ty, Type::Literal(Literal::Number(n)) if n == "0")
}

/// `typeof x` on the left of a comparison.
fn is_typeof_of<'a>(
    expression: &Expression<'a>,
    infer: &Infer<'_, 'a>,
    ident: &IdentifierReference<'a>,
    symbol: Option<SymbolId>,
) -> bool {
    matches!(expression.without_parentheses(), Expression::UnaryExpression(u) if u.operator == UnaryOperator::Typeof && infer.same_name(&u.argument, ident, symbol))
}

/// Whether `typeof` of a value of type `ty` may give `kind`.
fn typeof_may_be(ty: &Type, kind: &str) -> bool {
    match ty {
        Type::String | Type::Literal(Literal::String(_)) => kind == "string",
        Type::Number | Type::Literal(Literal::Number(_)) => kind == "number",
        Type::Boolean | Type::Literal(Literal::Boolean(_)) => kind == "boolean",
        Type::BigInt => kind == "bigint",
        Type::Symbol => kind == "symbol",
        Type::Undefined | Type::Void => kind == "undefined",
        Type::Function(_) => kind == "function",
        Type::Null | Type::Object(_) | Type::Array(_) | Type::Tuple(_) | Type::Record(..) | Type::Promise(_) => kind == "object",
        // `Named` classes may be callable; unknown types may be anything.
        _ => true,
    }
}

/// Whether `typeof_may_be` is exact for `ty` (it is not for unknown and named types).
fn typeof_certain(ty: &Type) -> bool {
    !matches!(ty, Type::Unknown | Type::Any | Type::Named(_) | Type::Never)
}

/// The DOM's type for an event by name; `Event` for the rest.
fn dom_event(name: &str) -> Type {
    Type::Named(crate::html::event_class(name).to_string())
}
