//! The `<template>` block compiled to a render function: DOM creation code plus effects,
//! each effect registered with the exact state names its expressions read, so an update
//! touches only the DOM that depends on what changed.

use std::collections::HashSet;
use std::fmt::Write as _;

use oxc::allocator::Allocator;
use oxc::ast::ast::{Expression, Statement};
use oxc::span::GetSpan;

use super::js::{Edits, FreeNames, parse_expression, parse_statements};
use super::script::{is_route_store, names_literal, route_write_error, wrap_invalidate, wrap_store_set};
use super::sourcemap::token_starts;
use eghact_semantics::assets::{ComponentImages, ImageAsset, srcset_urls};
use eghact_semantics::html::{
    EVENT_MODIFIERS, HTML_ATTRIBUTES, KEY_MODIFIERS, is_event_handler_attribute, script_url_in, svelte_event_modifier,
};
use eghact_syntax::ast::*;
use eghact_syntax::diagnostics::{Diagnostic, Span};

mod special;
mod transitions;

/// What `bind:` reads from `<audio>` and `<video>` (`MEDIA_EVENTS` of the runtime).
const MEDIA_BINDINGS: [&str; 14] = [
    "currentTime",
    "paused",
    "volume",
    "muted",
    "playbackRate",
    "duration",
    "buffered",
    "seekable",
    "played",
    "seeking",
    "ended",
    "readyState",
    "videoWidth",
    "videoHeight",
];

/// `sizes` of a processed image the author gave none: the image may fill the viewport's width,
/// which picks a large enough variant everywhere.
const DEFAULT_SIZES: &str = "100vw";

pub struct TemplateInput<'s> {
    pub source: &'s str,
    pub scope_class: &'s str,
    /// Top-level names of the script.
    pub declared: &'s HashSet<String>,
    /// Script names whose assignment updates the component.
    pub state: &'s HashSet<String>,
    /// `$: name = …` statements: what each derived name is computed from.
    pub derived: &'s [super::script::Reactive],
    /// Whether copied code carries position marks for the source map (see `sourcemap`).
    pub marks: bool,
    /// The processed images, by the specifier the template writes.
    pub images: &'s ComponentImages,
}

pub struct RenderFunction {
    /// Lines of JavaScript, each with the `.egh` offset it comes from.
    pub lines: Vec<(String, Option<u32>)>,
    /// `$name` store reads anywhere in the template.
    pub stores: HashSet<String>,
    /// The lines call `$$asset(url)`, which the module defines: an attribute set from script
    /// resolves against the document, so asset URLs are resolved against the module.
    pub uses_assets: bool,
    /// What `<svelte:options>` asks of the module.
    pub options: ComponentOptions,
}

/// What the template's `<svelte:options>` asks of the component module (`special`).
#[derive(Debug, Default)]
pub struct ComponentOptions {
    /// `accessors`: every prop is also a property of the component instance.
    pub accessors: bool,
}

/// A name bound by the template itself (`{#each}` item, `let:`, `{:then}` value) and the
/// state to invalidate when code assigns through it.
#[derive(Clone)]
struct Local {
    name: String,
    invalidates: Vec<String>,
    /// Where the template declares it: a second declaration in one block is reported there.
    declared_at: Span,
}

struct Compiled {
    code: String,
    deps: Vec<String>,
}

/// One `{@const pattern = value}`: what it declares and what its value reads.
struct ConstDeclaration {
    start: u32,
    names: Vec<String>,
    pattern: Span,
    value: Span,
    /// Free names of the value, a `{@const}` of the same block among them.
    reads: Vec<String>,
}

/// Where a node goes: appended to an element, or inserted into the current block's range.
#[derive(Clone)]
enum Parent {
    Element(String),
    Block,
}

impl Parent {
    fn position(&self) -> String {
        match self {
            Parent::Element(var) => format!("{var}, null"),
            Parent::Block => "$$b.end.parentNode, $$b.end".into(),
        }
    }

    fn insert(&self, node: &str) -> String {
        match self {
            Parent::Element(var) => format!("{var}.appendChild({node});"),
            Parent::Block => format!("$$.insert($$b, {node});"),
        }
    }
}

/// `options` are the `<svelte:options>` elements written outside the `<template>` block.
pub fn compile_template(
    input: &TemplateInput<'_>,
    options: &[Element],
    nodes: &[Node],
    diagnostics: &mut Vec<Diagnostic>,
) -> RenderFunction {
    let mut compiler = Compiler {
        input,
        allocator: Allocator::default(),
        locals: Vec::new(),
        lines: Vec::new(),
        next_id: 0,
        depth: 1,
        stores: HashSet::new(),
        diagnostics,
        in_svg: false,
        after_children: Vec::new(),
        uses_assets: false,
        options: ComponentOptions::default(),
        animatable: HashSet::new(),
        slotted: HashSet::new(),
        block_locals: 0,
    };
    for element in options {
        compiler.options(element);
    }
    compiler.fragment(nodes, &Parent::Block);
    RenderFunction {
        lines: compiler.lines,
        stores: compiler.stores,
        uses_assets: compiler.uses_assets,
        options: compiler.options,
    }
}

struct Compiler<'s, 'd> {
    input: &'s TemplateInput<'s>,
    allocator: Allocator,
    locals: Vec<Local>,
    lines: Vec<(String, Option<u32>)>,
    next_id: usize,
    depth: usize,
    stores: HashSet<String>,
    diagnostics: &'d mut Vec<Diagnostic>,
    in_svg: bool,
    /// Lines of the elements being built that must run after their children exist (effects
    /// that need the options of a select, actions).
    after_children: Vec<String>,
    uses_assets: bool,
    options: ComponentOptions,
    /// Where the elements that may take `animate:` start: each the only element of a keyed
    /// `{#each}`'s body.
    animatable: HashSet<u32>,
    /// Where the elements given to a component's slot with `slot="…"` start: their `let:`
    /// directives bind slot props.
    slotted: HashSet<u32>,
    /// Where the names of the innermost render function start in `locals` (its arguments,
    /// then its `{@const}` names): one block declares each name once.
    block_locals: usize,
}

impl<'s> Compiler<'s, '_> {
    fn emit(&mut self, code: String, origin: Option<u32>) {
        let indent = "  ".repeat(self.depth);
        self.lines.push((indent + &code, origin));
    }

    /// The reusable arena for parsing one piece of JavaScript, emptied; give it back by
    /// assigning `self.allocator` so the next piece reuses its memory.
    fn take_allocator(&mut self) -> Allocator {
        let mut allocator = std::mem::take(&mut self.allocator);
        allocator.reset();
        allocator
    }

    fn var(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("$${prefix}{}", self.next_id)
    }

    fn local(&self, name: &str) -> Option<&Local> {
        self.locals.iter().rev().find(|l| l.name == name)
    }

    fn is_store(&self, name: &str) -> bool {
        (name.len() > 1 && name.starts_with('$') && !name.starts_with("$$") && self.input.declared.contains(&name[1..]))
            || is_route_store(name, self.input.declared)
    }

    /// What assigning to free name `name` must invalidate.
    fn invalidates(&self, name: &str) -> Vec<String> {
        match self.local(name) {
            Some(local) => local.invalidates.clone(),
            None if self.input.state.contains(name) => vec![name.to_string()],
            None => Vec::new(),
        }
    }

    /// The names an update must mark dirty for code that reads `names` to re-run.
    fn deps_of(&mut self, names: &[String]) -> Vec<String> {
        let mut deps = Vec::new();
        for name in names {
            let dep = if self.local(name).is_some() || self.input.state.contains(name) {
                Some(name.clone())
            } else if self.is_store(name) {
                self.stores.insert(name.clone());
                Some(name.clone())
            } else {
                None
            };
            if let Some(dep) = dep.filter(|d| !deps.contains(d)) {
                deps.push(dep);
            }
        }
        deps
    }

    /// Compiles an expression of the template: checks it, finds its dependencies and wraps
    /// the assignments it makes.
    fn expression(&mut self, expr: Expr) -> Option<Compiled> {
        let text = expr.span.text(self.input.source);
        if text.trim().is_empty() {
            return None;
        }
        let allocator = self.take_allocator();
        let result = match parse_expression(&allocator, text, expr.span.start) {
            Ok(parsed) => Some(self.rewrite(text, expr.span.start, text.len(), &FreeNames::of_expression(&parsed))),
            Err(errors) => {
                self.diagnostics.extend(errors);
                None
            }
        };
        self.allocator = allocator;
        result
    }

    /// Compiles the statements of a quoted handler such as `@click="count--"`.
    fn statements(&mut self, expr: Expr) -> Option<Compiled> {
        let text = expr.span.text(self.input.source);
        let allocator = self.take_allocator();
        let result = match parse_statements(&allocator, text, expr.span.start) {
            Ok(program) => Some(self.rewrite(text, expr.span.start, text.len(), &FreeNames::of_statements(&program.body))),
            Err(errors) => {
                self.diagnostics.extend(errors);
                None
            }
        };
        self.allocator = allocator;
        result
    }

    /// `text[..copied]` is copied from the `.egh` file at `base`: it gets position marks.
    fn rewrite(&mut self, text: &str, base: u32, copied: usize, names: &FreeNames) -> Compiled {
        let mut edits = Edits::default();
        if self.input.marks {
            for at in token_starts(text.get(..copied).unwrap_or(text)) {
                edits.mark(at as u32, base + at as u32);
            }
        }
        for write in &names.writes {
            if write.names.iter().any(|n| self.local(n).is_none() && is_route_store(n, self.input.declared)) {
                let start = base + write.span.start;
                self.diagnostics.push(route_write_error(Span::new(start, start + write.span.size())));
            }
            let mut changed: Vec<String> = Vec::new();
            for name in &write.names {
                for dep in self.invalidates(name) {
                    if !changed.contains(&dep) {
                        changed.push(dep);
                    }
                }
            }
            let refs: Vec<&String> = changed.iter().collect();
            wrap_invalidate(&mut edits, write.span, &refs);
            for name in write.names.iter().filter(|n| self.local(n).is_none() && self.is_store(n)) {
                wrap_store_set(&mut edits, write.span, name);
            }
        }
        let code = edits.apply(text, 0, text.len() as u32);
        let deps = self.deps_of(&names.names);
        Compiled { code, deps }
    }

    fn deps_literal(deps: &[String]) -> String {
        let refs: Vec<&String> = deps.iter().collect();
        format!("[{}]", names_literal(&refs).trim_start_matches('[').trim_end_matches(']'))
    }

    // ---- fragments ----

    fn fragment(&mut self, nodes: &[Node], parent: &Parent) {
        let nodes: Vec<&Node> = nodes.iter().collect();
        self.fragment_of(&nodes, parent);
    }

    /// The nodes of one fragment, in order: whitespace is collapsed across all of them, and
    /// dropped only before the first and after the last node that renders something.
    fn fragment_of(&mut self, nodes: &[&Node], parent: &Parent) {
        let first_shown = nodes.iter().position(|n| !n.is_blank());
        let last_shown = nodes.iter().rposition(|n| !n.is_blank());
        for (i, node) in nodes.iter().enumerate() {
            match node {
                Node::Comment(_) => {}
                Node::Text(text) => {
                    let first = first_shown.is_none_or(|f| i <= f);
                    let last = last_shown.is_none_or(|l| i >= l);
                    let value = collapse_whitespace(&text.value, first, last);
                    if value.is_empty() {
                        continue;
                    }
                    let var = self.var("t");
                    self.emit(format!("const {var} = $$.text({value:?});"), Some(text.span.start));
                    self.emit(parent.insert(&var), None);
                }
                Node::Mustache(m) => self.mustache(m, parent),
                Node::Html(m) => {
                    if let Some(c) = self.expression(m.expr) {
                        let deps = Self::deps_literal(&c.deps);
                        self.emit(
                            format!("$$.html($$b, {}, {deps}, () => ({}));", parent.position(), c.code),
                            Some(m.span.start),
                        );
                    }
                }
                Node::Element(element) => self.element(element, parent),
                Node::If(block) => self.if_block(block, parent),
                Node::Each(block) => self.each_block(block, parent),
                Node::Await(block) => self.await_block(block, parent),
                Node::Key(block) => self.key_block(block, parent),
                Node::Debug(tag) => self.debug_tag(tag),
                // `block_fragment` takes the ones that stand where Svelte allows them.
                Node::Const(tag) => self.diagnostics.push(
                    Diagnostic::error("E0123", "`{@const}` must be a direct child of a block or of a component", tag.span)
                        .with_help(
                            "move it inside `{#if}`, `{:else}`, `{#each}`, `{:then}`, `{:catch}`, a component's children or \
                             `<svelte:fragment>`, or declare the value in the script",
                        ),
                ),
            }
        }
    }

    /// The content of a block that may hold `{@const}` tags: they are computed first, each
    /// after the ones whose names it reads (as Svelte sorts them), as names of the block;
    /// then the rest renders.
    fn block_fragment(&mut self, nodes: &[&Node]) {
        let mut consts = Vec::new();
        let mut rest = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node {
                Node::Const(tag) => consts.extend(self.parse_const(tag)),
                _ => rest.push(*node),
            }
        }
        // Every name is declared before any value compiles, so that a value reading a later
        // `{@const}` depends on it.
        consts.retain(|c| {
            c.names.iter().fold(true, |all, name| {
                let local = Local { name: name.clone(), invalidates: Vec::new(), declared_at: c.pattern };
                self.declare(local) && all
            })
        });
        for tag in self.const_order(&consts) {
            self.emit_const(tag);
        }
        self.fragment_of(&rest, &Parent::Block);
    }

    fn block_children(&mut self, nodes: &[Node]) {
        let nodes: Vec<&Node> = nodes.iter().collect();
        self.block_fragment(&nodes);
    }

    /// The parts of `{@const pattern = value}`, or its errors (E0124 for anything but one
    /// declaration with a value).
    fn parse_const(&mut self, tag: &ConstTag) -> Option<ConstDeclaration> {
        const PREFIX: &str = "const ";
        let declaration = tag.declaration.span;
        let statement = format!("{PREFIX}{};", declaration.text(self.input.source));
        let allocator = self.take_allocator();
        let parsed = parse_statements(&allocator, allocator.alloc_str(&statement), declaration.start - PREFIX.len() as u32);
        let at = |offset: u32| declaration.start + offset - PREFIX.len() as u32;
        let parts = match &parsed {
            Ok(program) => match program.body.as_slice() {
                [Statement::VariableDeclaration(decl)] if decl.declarations.len() == 1 => {
                    let declarator = &decl.declarations[0];
                    declarator.init.as_ref().map(|init| {
                        let mut names = Vec::new();
                        super::script::collect_binding_names(&declarator.id, &mut names);
                        let pattern = declarator.id.span();
                        ConstDeclaration {
                            start: tag.span.start,
                            names,
                            pattern: Span::new(at(pattern.start), at(pattern.end)),
                            value: Span::new(at(init.span().start), at(init.span().end)),
                            reads: FreeNames::of_expression(init).names,
                        }
                    })
                }
                _ => None,
            },
            Err(_) => None,
        };
        match parsed {
            Err(errors) => self.diagnostics.extend(errors),
            Ok(_) if parts.is_none() => self.diagnostics.push(
                Diagnostic::error("E0124", "`{@const}` declares one name: `{@const name = value}`", tag.span)
                    .with_help("write `{@const area = width * height}`"),
            ),
            Ok(_) => {}
        }
        self.allocator = allocator;
        parts
    }

    /// The `{@const}` tags of one block in the order they are computed: each after the others
    /// whose names it reads, otherwise in source order. Tags that read each other in a circle
    /// are E0127 and left out.
    fn const_order<'c>(&mut self, consts: &'c [ConstDeclaration]) -> Vec<&'c ConstDeclaration> {
        // What each tag waits for: the other tags that declare a name it reads.
        let waits: Vec<Vec<usize>> = consts
            .iter()
            .map(|c| (0..consts.len()).filter(|&other| consts[other].names.iter().any(|name| c.reads.contains(name))).collect())
            .collect();
        let mut done = vec![false; consts.len()];
        let mut order = Vec::with_capacity(consts.len());
        while order.len() < consts.len() {
            let ready = (0..consts.len()).find(|&i| !done[i] && waits[i].iter().all(|&w| done[w]));
            let Some(next) = ready else {
                self.const_cycle(consts, &waits, &done);
                break;
            };
            done[next] = true;
            order.push(&consts[next]);
        }
        order
    }

    /// E0127 for the first circle among the tags not `done`, at the tag it starts from.
    fn const_cycle(&mut self, consts: &[ConstDeclaration], waits: &[Vec<usize>], done: &[bool]) {
        // Every tag left waits for another one left: following them must come back around.
        let Some(mut at) = (0..consts.len()).find(|&i| !done[i]) else { return };
        let mut path: Vec<usize> = Vec::new();
        while !path.contains(&at) {
            path.push(at);
            let Some(&next) = waits[at].iter().find(|&&w| !done[w]) else { return };
            at = next;
        }
        let circle = &path[path.iter().position(|&i| i == at).unwrap_or(0)..];
        let mut names: Vec<&str> = circle.iter().map(|&i| consts[i].names.first().map_or("?", String::as_str)).collect();
        names.push(names[0]);
        let first = &consts[circle[0]];
        self.diagnostics.push(
            Diagnostic::error(
                "E0127",
                format!("`{{@const}}` tags read each other in a circle: {}", names.join(" → ")),
                first.pattern,
            )
            .with_label("this value needs itself to be computed first")
            .with_help("compute one of them from values outside the circle"),
        );
    }

    /// `let pattern = value;`, recomputed when what `value` reads changes (then what reads the
    /// names updates too); the names are locals of the block, declared by `block_fragment`.
    fn emit_const(&mut self, tag: &ConstDeclaration) {
        let Some(value) = self.expression(Expr { span: tag.value }) else { return };
        let pattern = tag.pattern.text(self.input.source).to_string();
        self.emit(format!("let {pattern} = ({});", value.code), Some(tag.start));
        if !value.deps.is_empty() {
            self.emit(
                format!(
                    "$$.consts($$b, {}, {}, () => {{ const $$v = ({}); {} }});",
                    Self::deps_literal(&value.deps),
                    Self::deps_literal(&tag.names),
                    value.code,
                    assign_pattern(&pattern, &tag.names, "$$v")
                ),
                None,
            );
        }
    }

    /// `{#key expression}`: the content is built again whenever the value changes.
    fn key_block(&mut self, block: &KeyBlock, parent: &Parent) {
        let Some(Compiled { code, deps }) = self.expression(block.expression) else { return };
        let deps = Self::deps_literal(&deps);
        self.emit(format!("$$.key_block($$b, {}, {deps}, () => ({code}),", parent.position()), Some(block.span.start));
        self.render_function("", &[], Vec::new(), |c| c.fragment(&block.children, &Parent::Block));
        self.emit("true);".into(), None);
    }

    /// `{@debug a, b}`: logs the values when one changes, then stops in the debugger;
    /// `{@debug}` alone on every update.
    fn debug_tag(&mut self, tag: &DebugTag) {
        let mut deps = Vec::new();
        let mut shown = Vec::new();
        for name in &tag.names {
            let Some(c) = self.expression(Expr { span: name.span }) else { return };
            merge(&mut deps, &c.deps);
            shown.push(format!("{}: {}", name.text, c.code));
        }
        let line = match tag.names.is_empty() {
            true => "$$.effect($$b, null, () => { debugger; });".to_string(),
            false => format!(
                "$$.effect($$b, {}, () => {{ console.log({{ {} }}); debugger; }});",
                Self::deps_literal(&deps),
                shown.join(", ")
            ),
        };
        self.emit(line, Some(tag.span.start));
    }

    fn mustache(&mut self, m: &Mustache, parent: &Parent) {
        let Some(c) = self.expression(m.expr) else { return };
        let var = self.var("t");
        if c.deps.is_empty() {
            self.emit(format!("const {var} = $$.text($$.str({}));", c.code), Some(m.span.start));
            self.emit(parent.insert(&var), None);
        } else {
            self.emit(format!("const {var} = $$.text(\"\");"), Some(m.span.start));
            self.emit(parent.insert(&var), None);
            let deps = Self::deps_literal(&c.deps);
            self.emit(format!("$$.effect($$b, {deps}, () => $$.set_text({var}, {}));", c.code), None);
        }
    }

    /// Emits `($$b, …args) => { … }` around `body`, with `locals` bound from the arguments.
    fn render_function(&mut self, args: &str, prologue: &[String], locals: Vec<Local>, body: impl FnOnce(&mut Self)) -> String {
        // `{@const}` tags of the body add locals too: all go at the end.
        let before = self.locals.len();
        let outer_block = std::mem::replace(&mut self.block_locals, before);
        let names: Vec<String> = locals.iter().map(|l| l.name.clone()).collect();
        for local in locals {
            self.declare(local);
        }
        self.emit(format!("($$b{args}) => {{"), None);
        self.depth += 1;
        for line in prologue {
            self.emit(line.clone(), None);
        }
        if !names.is_empty() {
            let refs: Vec<&String> = names.iter().collect();
            let literal = names_literal(&refs);
            let literal = if names.len() == 1 { format!("[{literal}]") } else { literal };
            self.emit(format!("$$b.names = {literal};"), None);
        }
        body(self);
        self.depth -= 1;
        self.emit("},".into(), None);
        self.locals.truncate(before);
        self.block_locals = outer_block;
        String::new()
    }

    /// Adds a name of the current block, or reports E0126 if the block already declares it
    /// (the generated `let` would be declared twice; Svelte: "has already been declared").
    fn declare(&mut self, local: Local) -> bool {
        if !self.locals[self.block_locals..].iter().any(|l| l.name == local.name) {
            self.locals.push(local);
            return true;
        }
        let name = &local.name;
        self.diagnostics.push(
            Diagnostic::error("E0126", format!("`{name}` is already declared in this block"), local.declared_at)
                .with_label(format!("a second `{name}`"))
                .with_help("rename one of them: a block's item, index, `let:` names and `{@const}` names share one scope"),
        );
        false
    }

    fn if_block(&mut self, block: &IfBlock, parent: &Parent) {
        let mut conditions = Vec::new();
        let mut deps = Vec::new();
        for branch in &block.branches {
            let Some(c) = self.expression(branch.condition) else { return };
            merge(&mut deps, &c.deps);
            conditions.push(c.code);
        }
        let fallback = if block.else_branch.is_some() { conditions.len() as i64 } else { -1 };
        let mut select = String::new();
        for (i, condition) in conditions.iter().enumerate() {
            let _ = write!(select, "({condition}) ? {i} : ");
        }
        let _ = write!(select, "{fallback}");
        let deps = Self::deps_literal(&deps);
        self.emit(format!("$$.if_block($$b, {}, {deps}, () => {select}, [", parent.position()), Some(block.span.start));
        self.depth += 1;
        for branch in &block.branches {
            self.render_function("", &[], Vec::new(), |c| c.block_children(&branch.children));
        }
        if let Some(children) = &block.else_branch {
            self.render_function("", &[], Vec::new(), |c| c.block_children(children));
        }
        self.depth -= 1;
        self.emit("]);".into(), None);
    }

    fn pattern_names(&mut self, pattern: Expr) -> Option<Vec<String>> {
        let text = pattern.span.text(self.input.source);
        // Read the names through a parse of `(PATTERN) => 0`, which also reports what cannot
        // be bound in a module: a reserved word (`class`), `eval`, `arguments`, `$$` names.
        let wrapped = format!("({text}) => 0");
        let allocator = self.take_allocator();
        let wrapped = allocator.alloc_str(&wrapped);
        let names = match parse_expression(&allocator, wrapped, pattern.span.start.saturating_sub(1)) {
            Ok(Expression::ArrowFunctionExpression(arrow)) => {
                let mut names = Vec::new();
                for param in &arrow.params.items {
                    super::script::collect_binding_names(&param.pattern, &mut names);
                }
                Some(names)
            }
            // A pattern that parses but breaks a rule (a reserved name, `await` in a default).
            Err(errors) if errors.iter().all(|e| e.code != "E0130") => {
                self.diagnostics.extend(errors);
                None
            }
            _ => {
                self.diagnostics.push(Diagnostic::error("E0131", "invalid binding pattern", pattern.span));
                None
            }
        };
        self.allocator = allocator;
        names
    }

    fn each_block(&mut self, block: &EachBlock, parent: &Parent) {
        let Some(list) = self.expression(block.list) else { return };
        let Some(names) = self.pattern_names(block.pattern) else { return };
        let pattern = block.pattern.span.text(self.input.source).to_string();
        // Writing through an item (`bind:checked={todo.done}`) changes the list's state, and
        // for a derived list (`$: visible = todos.filter(…)`) the state it is derived from,
        // since the items are shared.
        let mut invalidates = Vec::new();
        for dep in &list.deps {
            merge(&mut invalidates, &self.invalidates(dep));
            if self.is_store(dep) {
                merge(&mut invalidates, std::slice::from_ref(dep));
            }
        }
        let mut i = 0;
        while i < invalidates.len() {
            let name = invalidates[i].clone();
            for reactive in self.input.derived.iter().filter(|r| r.assigns.as_ref() == Some(&name)) {
                merge(&mut invalidates, &reactive.deps);
            }
            i += 1;
        }
        let mut locals: Vec<Local> = names
            .iter()
            .map(|n| Local { name: n.clone(), invalidates: invalidates.clone(), declared_at: block.pattern.span })
            .collect();
        let index = block.index.as_ref().map(|i| i.text.clone());
        if let Some(index) = &block.index {
            if self.pattern_names(Expr { span: index.span }).is_none() {
                return;
            }
            locals.push(Local { name: index.text.clone(), invalidates: Vec::new(), declared_at: index.span });
        }
        let key = match block.key {
            Some(key_expr) => {
                self.locals.extend(locals.iter().cloned());
                let compiled = self.expression(key_expr);
                self.locals.truncate(self.locals.len() - locals.len());
                let Some(compiled) = compiled else { return };
                if !compiled.deps.iter().any(|d| names.contains(d) || index.as_ref() == Some(d)) {
                    self.diagnostics.push(
                        Diagnostic::warning("W0403", "the `{#each}` key does not use the item", key_expr.span)
                            .with_help("key each item by something of its own, such as `(item.id)`"),
                    );
                }
                format!("({pattern}, {}) => ({})", index.as_deref().unwrap_or("$$i"), compiled.code)
            }
            None => "null".into(),
        };
        let deps = Self::deps_literal(&list.deps);
        self.emit(
            format!("$$.each_block($$b, {}, {deps}, () => ({}), {key},", parent.position(), list.code),
            Some(block.span.start),
        );
        self.depth += 1;
        let index_name = index.clone().unwrap_or_else(|| "$$i".into());
        let prologue = vec![
            format!("let {pattern} = $$v, {index_name} = $$k;"),
            format!("$$b.assign = ($$v, $$k) => {{ {} {index_name} = $$k; }};", assign_pattern(&pattern, &names, "$$v")),
        ];
        // `animate:` is for the one element of a keyed each's body.
        let significant: Vec<&Node> = block.children.iter().filter(|node| !node.is_blank()).collect();
        if let (Some(_), [Node::Element(only)]) = (block.key, significant.as_slice()) {
            self.animatable.insert(only.span.start);
        }
        self.render_function(", $$v, $$k", &prologue, locals, |c| c.block_children(&block.children));
        match &block.else_branch {
            Some(children) => {
                self.render_function("", &[], Vec::new(), |c| c.block_children(children));
            }
            None => self.emit("null".into(), None),
        }
        self.depth -= 1;
        self.emit(");".into(), None);
    }

    fn await_block(&mut self, block: &AwaitBlock, parent: &Parent) {
        let Some(promise) = self.expression(block.promise) else { return };
        let deps = Self::deps_literal(&promise.deps);
        self.emit(
            format!("$$.await_block($$b, {}, {deps}, () => ({}),", parent.position(), promise.code),
            Some(block.span.start),
        );
        self.depth += 1;
        if block.pending.iter().all(Node::is_blank) {
            self.emit("null,".into(), None);
        } else {
            self.render_function("", &[], Vec::new(), |c| c.fragment(&block.pending, &Parent::Block));
        }
        for branch in [&block.then, &block.catch] {
            match branch {
                None => self.emit("null,".into(), None),
                Some(branch) => self.await_branch(branch),
            }
        }
        self.depth -= 1;
        self.emit(");".into(), None);
    }

    fn await_branch(&mut self, branch: &AwaitBranch) {
        let (prologue, locals) = match branch.pattern {
            Some(pattern) => {
                let Some(names) = self.pattern_names(pattern) else { return };
                let text = pattern.span.text(self.input.source).to_string();
                (
                    vec![
                        format!("let {text} = $$v;"),
                        format!("$$b.assign = ($$v) => {{ {} }};", assign_pattern(&text, &names, "$$v")),
                    ],
                    names.into_iter().map(|name| Local { name, invalidates: Vec::new(), declared_at: pattern.span }).collect(),
                )
            }
            None => (Vec::new(), Vec::new()),
        };
        self.render_function(", $$v", &prologue, locals, |c| c.block_children(&branch.children));
    }

    // ---- elements ----

    fn element(&mut self, element: &Element, parent: &Parent) {
        match element.kind {
            ElementKind::Component => return self.component(element, parent),
            ElementKind::Slot => return self.slot(element, parent),
            ElementKind::Html | ElementKind::Template => {}
        }
        if let Some(special) = element.name.text.strip_prefix("svelte:") {
            return self.special_element(special, element, parent);
        }
        if self.script_made_from_expressions(element) {
            return;
        }
        self.html_element(element, parent, &format!("{:?}", element.name.text));
    }

    /// An element whose tag name is the value of `tag` (a string literal, or `$$this` for
    /// `<svelte:element>`, whose `this` attribute it then skips).
    fn html_element(&mut self, element: &Element, parent: &Parent, tag: &str) {
        let var = self.var("e");
        let was_svg = self.in_svg;
        self.in_svg |= element.name.text == "svg";
        let constructor = if self.in_svg { "svg_element" } else { "element" };
        // Looked up once: an element may have any number of attributes.
        let image = self.processed_image(element);
        let input_type = element.static_attribute("type").unwrap_or("");
        // Several formats of a processed image: a `<picture>` with a `<source>` per preferred
        // format holds the `<img>`, which carries the fallback format.
        let picture = image
            .filter(|image| image.sources.len() > 1 && element.plain_attribute("srcset").is_none())
            .map(|image| self.picture(element, image, parent));
        // The scope class goes where the author's `class` is, or after the attributes, so
        // attributes come in Svelte's order (`<input type="text" class="x">` stays so).
        self.emit(format!("const {var} = $$.{constructor}({tag});"), Some(element.span.start));
        match picture {
            Some(picture) => self.emit(format!("{picture}.appendChild({var});"), None),
            None => self.emit(parent.insert(&var), None),
        }
        // What this element's attributes defer runs after its own children.
        let deferred_from = self.after_children.len();
        // `style:` directives come after the `style` attribute, which would replace them, and run
        // again whenever it does: they win over it, as in Svelte.
        // `class:` directives come after the attributes, as in Svelte, so a `class` attribute
        // written after one does not wipe it.
        let (directives, attributes): (Vec<&Attribute>, Vec<&Attribute>) = element
            .attributes
            .iter()
            .filter(|attribute| !is_this_of_special(element, attribute))
            .partition(|attribute| matches!(attribute.kind, AttributeKind::Style { .. }));
        let (class_toggles, attributes): (Vec<&Attribute>, Vec<&Attribute>) =
            attributes.into_iter().partition(|attribute| matches!(attribute.kind, AttributeKind::Class { .. }));
        for attribute in attributes {
            self.element_attribute(element, image, input_type, attribute, &var);
        }
        let has_class = element.attributes.iter().any(|attribute| match &attribute.kind {
            AttributeKind::Plain { name, .. } => name.text == "class",
            AttributeKind::Shorthand(expr) => expr.span.text(self.input.source).trim() == "class",
            _ => false,
        });
        if !has_class {
            self.emit(format!("{var}.classList.add({:?});", self.input.scope_class), None);
        }
        for attribute in class_toggles {
            self.element_attribute(element, image, input_type, attribute, &var);
        }
        if !directives.is_empty() {
            let style_deps = element.plain_attribute("style").and_then(|value| self.attribute_value(value)).map(|c| c.deps);
            for attribute in directives {
                if let AttributeKind::Style { name, value } = &attribute.kind {
                    self.style_directive(&var, name, value, style_deps.as_deref().unwrap_or_default());
                }
            }
        }
        self.element_transitions(element, &var);
        let children_parent = if element.kind == ElementKind::Template { format!("{var}.content") } else { var.clone() };
        if element.is_preformatted() {
            for child in &element.children {
                if let Node::Text(text) = child {
                    self.emit(format!("{children_parent}.appendChild($$.text({:?}));", text.value), None);
                } else {
                    self.fragment(std::slice::from_ref(child), &Parent::Element(children_parent.clone()));
                }
            }
        } else {
            self.fragment(&element.children, &Parent::Element(children_parent));
        }
        for line in self.after_children.split_off(deferred_from) {
            self.emit(line, None);
        }
        self.in_svg = was_svg;
    }

    /// E0407 for a `<script>` of the template with an attribute or content from an expression:
    /// inserted into the page it runs, so its `src` or text would be data run as code. A
    /// static one is the author's, and kept.
    fn script_made_from_expressions(&mut self, element: &Element) -> bool {
        if !element.name.text.eq_ignore_ascii_case("script") {
            return false;
        }
        let static_attribute = |a: &Attribute| match &a.kind {
            AttributeKind::Plain { value: AttrValue::True, .. } => true,
            AttributeKind::Plain { value: AttrValue::Text(parts), .. } => parts.iter().all(|p| matches!(p, ValuePart::Text(_))),
            _ => false,
        };
        let static_child = |n: &Node| matches!(n, Node::Text(_) | Node::Comment(_));
        if element.attributes.iter().all(static_attribute) && element.children.iter().all(static_child) {
            return false;
        }
        self.diagnostics.push(
            Diagnostic::error("E0407", "a `<script>` of the template would run code made from expressions", element.name.span)
                .with_label("its `src`, type and text decide what runs")
                .with_help(
                    "run code from the component's own `<script>` block; hand data to other scripts through a `data-…` \
                     attribute or a property set after `bind:this`",
                ),
        );
        true
    }

    /// What the build made of the image of an `<img src="./a.png">`.
    fn processed_image(&self, element: &Element) -> Option<&'s ImageAsset> {
        if element.kind != ElementKind::Html || element.name.text != "img" {
            return None;
        }
        self.input.images.get(element.static_attribute("src")?)
    }

    /// `<picture>` and a `<source>` for each format of `image` but the fallback; returns the
    /// picture's variable, for the `<img>` to go into.
    fn picture(&mut self, element: &Element, image: &ImageAsset, parent: &Parent) -> String {
        let picture = self.var("e");
        let scope = self.input.scope_class;
        self.emit(format!("const {picture} = $$.element(\"picture\", {scope:?});"), Some(element.span.start));
        self.emit(parent.insert(&picture), None);
        let sizes = element.static_attribute("sizes").unwrap_or(DEFAULT_SIZES);
        for source in &image.sources[..image.sources.len() - 1] {
            let var = self.var("e");
            self.emit(format!("const {var} = $$.element(\"source\", {scope:?});"), None);
            self.emit(format!("{picture}.appendChild({var});"), None);
            self.emit(format!("{var}.setAttribute(\"type\", {:?});", source.mime), None);
            let srcset = self.srcset_code(&source.candidates);
            self.emit(format!("{var}.setAttribute(\"srcset\", {srcset});"), None);
            self.emit(format!("{var}.setAttribute(\"sizes\", {sizes:?});"), None);
        }
        picture
    }

    /// The attributes of an `<img>` whose `src` names a processed image: `src` becomes the
    /// fallback format's widest variant; `srcset` (every width of that format), `sizes`,
    /// `width`/`height` (intrinsic, so the page does not shift while it loads) and the
    /// `data-lqip` placeholder are added unless the author wrote them. The placeholder is no
    /// inline style: an author's `style` and a strict CSP stay as they are.
    fn image_attributes(&mut self, element: &Element, image: &ImageAsset, var: &str, origin: Option<u32>) {
        let Some(fallback) = image.sources.last() else { return };
        let source = self.input.source;
        let written = |name: &str| {
            element.attributes.iter().any(|a| match &a.kind {
                AttributeKind::Plain { name: n, .. } => n.text == name,
                AttributeKind::Shorthand(expr) => expr.span.text(source).trim() == name,
                _ => false,
            })
        };
        let mut set = vec![];
        if !written("width") && !written("height") {
            set.push(("width", format!("{:?}", image.width.to_string())));
            set.push(("height", format!("{:?}", image.height.to_string())));
        }
        if !written("srcset") {
            set.push(("srcset", self.srcset_code(&fallback.candidates)));
            if !written("sizes") {
                set.push(("sizes", format!("{DEFAULT_SIZES:?}")));
            }
        }
        if !written("data-lqip") {
            set.push(("data-lqip", format!("{:?}", image.placeholder)));
        }
        for (name, code) in set {
            self.emit(format!("{var}.setAttribute({name:?}, {code});"), None);
        }
        // Where the author wrote it: the browser picks a candidate only once the render's
        // task is over, with every attribute set.
        let src = self.asset_code(image.fallback_url());
        self.emit(format!("{var}.setAttribute(\"src\", {src});"), origin);
    }

    /// A static `srcset` of an `<img>` with its processed candidates pointing at their images;
    /// `None` when none is processed.
    fn rewritten_srcset(&mut self, value: &str) -> Option<String> {
        let mut parts = Vec::new();
        let mut copied = 0;
        for range in srcset_urls(value) {
            let Some(image) = self.input.images.get(&value[range.clone()]) else { continue };
            parts.push(format!("{:?}", &value[copied..range.start]));
            parts.push(self.asset_code(image.fallback_url()));
            copied = range.end;
        }
        if parts.is_empty() {
            return None;
        }
        parts.push(format!("{:?}", &value[copied..]));
        parts.retain(|part| part != "\"\"");
        Some(parts.join(" + "))
    }

    /// `url 640w, url 1280w` as JavaScript.
    fn srcset_code(&mut self, candidates: &[(String, u32)]) -> String {
        let mut parts = Vec::new();
        for (i, (url, width)) in candidates.iter().enumerate() {
            let separator = if i + 1 < candidates.len() { ", " } else { "" };
            parts.push(self.asset_code(url));
            parts.push(format!("{:?}", format!(" {width}w{separator}")));
        }
        parts.join(" + ")
    }

    fn asset_code(&mut self, url: &str) -> String {
        self.uses_assets = true;
        format!("$$asset({url:?})")
    }

    /// JavaScript for an attribute value, with its dependencies.
    fn attribute_value(&mut self, value: &AttrValue) -> Option<Compiled> {
        match value {
            AttrValue::True => Some(Compiled { code: "true".into(), deps: Vec::new() }),
            AttrValue::Expr(expr) => self.expression(*expr).map(|c| Compiled { code: format!("({})", c.code), deps: c.deps }),
            AttrValue::Text(parts) => {
                let mut code = Vec::new();
                let mut deps = Vec::new();
                for part in parts {
                    match part {
                        ValuePart::Text(text) => code.push(format!("{:?}", text.value)),
                        ValuePart::Expr(expr) => {
                            let c = self.expression(*expr)?;
                            merge(&mut deps, &c.deps);
                            code.push(format!("$$.str({})", c.code));
                        }
                    }
                }
                if code.is_empty() {
                    code.push("\"\"".into());
                }
                Some(Compiled { code: code.join(" + "), deps })
            }
        }
    }

    fn effect(&mut self, deps: &[String], code: String) {
        let line = Self::effect_line(deps, code);
        self.emit(line, None);
    }

    /// `code` run now, and again when one of `deps` changes.
    fn effect_line(deps: &[String], code: String) -> String {
        if deps.is_empty() { format!("{code};") } else { format!("$$.effect($$b, {}, () => {code});", Self::deps_literal(deps)) }
    }

    /// `image`: what the build made of the element's image; `input_type`: its static `type`.
    fn element_attribute(
        &mut self,
        element: &Element,
        image: Option<&ImageAsset>,
        input_type: &str,
        attribute: &Attribute,
        var: &str,
    ) {
        let origin = Some(attribute.span.start);
        match &attribute.kind {
            AttributeKind::Plain { name, value } => {
                if let Some(image) = image.filter(|_| name.text == "src") {
                    return self.image_attributes(element, image, var, origin);
                }
                let srcset = match (name.text.as_str(), value.static_text()) {
                    ("srcset", Some(text)) if element.name.text == "img" => self.rewritten_srcset(text),
                    _ => None,
                };
                if let Some(code) = srcset {
                    self.check_static_url("srcset", value.static_text().unwrap_or(""), attribute.span);
                    self.emit(format!("{var}.setAttribute(\"srcset\", {code});"), origin);
                    return;
                }
                let written = &name.text;
                let name = self.attribute_name(written);
                // An attribute without a value is static too; `attr(el, name, true)` would refuse
                // a handler or HTML attribute the author wrote.
                let lower = name.to_ascii_lowercase();
                let static_text = match value {
                    AttrValue::Text(_) => value.static_text(),
                    AttrValue::True if is_event_handler_attribute(&lower) || HTML_ATTRIBUTES.contains(&lower.as_str()) => {
                        Some("")
                    }
                    _ => None,
                };
                if let Some(text) = static_text {
                    self.check_static_url(&name, text, attribute.span);
                    let text = if name == "class" { format!("{text} {}", self.input.scope_class) } else { text.to_string() };
                    self.emit(format!("{var}.setAttribute({name:?}, {text:?});"), origin);
                    return;
                }
                if !self.may_come_from_expression(&name, attribute.span) {
                    return;
                }
                let Some(value) = self.attribute_value(value) else { return };
                self.set_attribute(var, &name, value);
            }
            AttributeKind::Shorthand(expr) => {
                let name = self.attribute_name(expr.span.text(self.input.source));
                if !self.may_come_from_expression(&name, attribute.span) {
                    return;
                }
                if let Some(value) = self.attribute_value(&AttrValue::Expr(*expr)) {
                    self.set_attribute(var, &name, value);
                }
            }
            AttributeKind::Spread(expr) => {
                if let Some(c) = self.expression(*expr) {
                    self.effect(&c.deps, format!("$$.spread({var}, ({}), {:?})", c.code, self.input.scope_class));
                }
            }
            AttributeKind::Event { name, modifiers, handler } => {
                let Some(handler) = self.handler(handler) else { return };
                let modifiers = self.modifiers(modifiers);
                self.emit(format!("$$.listen($$b, {var}, {:?}, {handler}, {modifiers});", name.text), origin);
            }
            AttributeKind::Bind { name, target } => self.bind_element(element, input_type, var, name, *target),
            AttributeKind::Class { name, condition } => {
                if let Some(c) = self.expression(*condition) {
                    self.effect(&c.deps, format!("$$.toggle_class({var}, {:?}, ({}))", name.text, c.code));
                }
            }
            AttributeKind::Style { name, value } => self.style_directive(var, name, value, &[]),
            AttributeKind::Use { name, argument } => self.action(var, name, *argument),
            // All of an element's transitions at once: `element_transitions`.
            AttributeKind::Transition { .. } => {}
            // The slot function binds a slotted element's `let:` names.
            AttributeKind::Let { .. } if self.slotted.contains(&element.span.start) => {}
            AttributeKind::Let { .. } => self.misplaced_let(attribute.span),
        }
    }

    /// E0404: `let:` on something that receives no slot props.
    fn misplaced_let(&mut self, span: Span) {
        self.diagnostics.push(
            Diagnostic::error("E0404", "`let:` only works on a component or on slot content given to one", span).with_help(
                "put it on the component, on `<svelte:fragment slot=\"…\">` or on an element with `slot=\"…\"` inside it",
            ),
        );
    }

    /// `use:name={argument}`: the action runs once the element's children exist.
    fn action(&mut self, var: &str, name: &Name, argument: Option<Expr>) {
        let Some(action) = self.expression(Expr { span: name.span }) else { return };
        let line = match argument.map(|argument| self.expression(argument)) {
            None => format!("$$.use_action($$b, {var}, {}, null, null);", action.code),
            Some(None) => return,
            Some(Some(params)) => format!(
                "$$.use_action($$b, {var}, {}, {}, () => ({}));",
                action.code,
                Self::deps_literal(&params.deps),
                params.code
            ),
        };
        self.after_children.push(line);
    }

    /// An attribute's name as the browser stores it: HTML lower-cases names, SVG keeps their case
    /// (`viewBox`).
    fn attribute_name(&self, written: &str) -> String {
        if self.in_svg { written.to_string() } else { written.to_ascii_lowercase() }
    }

    /// W0406 for a URL the author wrote that runs as script (`href="javascript:…"`): it is kept
    /// as written, as the script is, but it is rarely what a link should do.
    fn check_static_url(&mut self, name: &str, text: &str, span: Span) {
        if let Some(scheme) = script_url_in(&name.to_ascii_lowercase(), text) {
            self.diagnostics.push(
                Diagnostic::warning("W0406", format!("`{name}` holds a `{scheme}:` URL"), span)
                    .with_label("kept as written: the browser runs it as script when it follows or loads it")
                    .with_help(match name {
                        "href" | "xlink:href" => "use a `<button @click={…}>` for an action; a link should lead somewhere".into(),
                        _ => format!("point `{name}` at a file the site serves"),
                    }),
            );
        }
    }

    /// Whether attribute `name` may take its value from an expression (or from `bind:`): an
    /// event handler's value is code (E0405) and `srcdoc`'s is HTML (E0406), and neither may be
    /// made from data. The runtime refuses both too, whatever their case, in a spread.
    fn may_come_from_expression(&mut self, name: &str, span: Span) -> bool {
        let lower = name.to_ascii_lowercase();
        if is_event_handler_attribute(&lower) {
            let event = lower[2..].trim_start_matches(':');
            self.diagnostics.push(
                Diagnostic::error("E0405", format!("`{name}` would run code made from an expression"), span)
                    .with_label("the value of an `on…` attribute is JavaScript")
                    .with_help(format!("listen with `@{event}={{handler}}`")),
            );
            return false;
        }
        if HTML_ATTRIBUTES.contains(&lower.as_str()) {
            let help = if lower == "srcdoc" {
                "write the document as static text, or load it with `src`; for HTML you trust, set `srcdoc` in the script \
                 after `bind:this`"
            } else {
                "use `{@html …}` for HTML you trust, or `bind:textContent` for text"
            };
            self.diagnostics.push(
                Diagnostic::error("E0406", format!("`{name}` would render HTML made from an expression"), span)
                    .with_label("the browser parses this value as HTML, scripts included")
                    .with_help(help),
            );
            return false;
        }
        true
    }

    /// Every dynamic attribute goes through the runtime's `attr` (or a setter built on it),
    /// which checks URLs and refuses handlers and HTML whatever the name's case.
    fn set_attribute(&mut self, var: &str, name: &str, value: Compiled) {
        let code = value.code;
        let call = match name {
            "class" => format!("$$.set_class({var}, {code}, {:?})", self.input.scope_class),
            "value" => format!("$$.set_input_value({var}, {code})"),
            "checked" | "selected" | "muted" => format!("{var}.{name} = !!{code}"),
            _ => format!("$$.attr({var}, {name:?}, {code})"),
        };
        self.effect(&value.deps, call);
    }

    /// `style:prop={value}` or `style:prop|important={value}`, set again when `style_deps` (those
    /// of the element's `style` attribute) change.
    fn style_directive(&mut self, var: &str, name: &Name, value: &AttrValue, style_deps: &[String]) {
        let (property, important) = match name.text.split_once('|') {
            Some((property, "important")) => (property, true),
            Some((property, modifier)) => {
                let at = name.span.start + property.len() as u32 + 1;
                self.diagnostics.push(
                    Diagnostic::error("E0420", format!("unknown `style:` modifier `|{modifier}`"), Span::new(at, name.span.end))
                        .with_help("the one modifier of `style:` is `|important`"),
                );
                return;
            }
            None => (name.text.as_str(), false),
        };
        // `style:color` alone reads the variable `color`.
        let shorthand = Expr { span: Span::new(name.span.start, name.span.start + property.len() as u32) };
        let compiled = match value {
            AttrValue::True => self.expression(shorthand),
            _ => self.attribute_value(value),
        };
        let Some(mut c) = compiled else { return };
        merge(&mut c.deps, style_deps);
        let important = if important { ", true" } else { "" };
        self.effect(&c.deps, format!("$$.set_style({var}, {property:?}, {}{important})", c.code));
    }

    fn handler(&mut self, handler: &Handler) -> Option<String> {
        Some(match handler {
            // `@click` without a value forwards the event to the component's own listeners, as Svelte's
            // `on:click` does (after the modifiers it carries).
            Handler::None => "function ($$e) { $$.bubble($$b, $$e); }".into(),
            Handler::Expr(expr) | Handler::Reference(expr) => {
                let c = self.expression(*expr)?;
                format!(
                    "function ($$e) {{ const $$h = ({}); if (typeof $$h === \"function\") return $$h.call(this, $$e); }}",
                    c.code
                )
            }
            Handler::Statements(expr) => {
                let c = self.statements(*expr)?;
                format!("function (event) {{ {}\n{}}}", c.code, "  ".repeat(self.depth))
            }
        })
    }

    fn modifiers(&mut self, modifiers: &[Name]) -> String {
        let mut flags = Vec::new();
        let mut keys = Vec::new();
        for modifier in modifiers {
            let m = modifier.text.as_str();
            // The parser keeps names as written; Svelte's `|` form has its own names and no keys.
            let svelte_form = self.input.source.as_bytes().get((modifier.span.start as usize).wrapping_sub(1)) == Some(&b'|');
            if svelte_form {
                match svelte_event_modifier(m) {
                    Some(flag) => flags.push(format!("{flag}: true")),
                    None => self.diagnostics.push(
                        Diagnostic::error("E0408", format!("unknown event modifier `|{m}`"), modifier.span).with_help(
                            "modifiers are preventDefault, stopPropagation, stopImmediatePropagation, passive, nonpassive, \
                             capture, once, self and trusted",
                        ),
                    ),
                }
            } else if EVENT_MODIFIERS.contains(&m) {
                flags.push(format!("{m}: true"));
            } else if KEY_MODIFIERS.contains(&m) {
                keys.push(format!("{m:?}"));
            } else {
                self.diagnostics.push(
                    Diagnostic::warning("W0402", format!("unknown event modifier `.{m}`"), modifier.span).with_help(
                        "modifiers are prevent, stop, stopImmediate, once, capture, self, passive, nonpassive, trusted and \
                         key names such as enter or escape",
                    ),
                );
            }
        }
        if !keys.is_empty() {
            flags.push(format!("keys: [{}]", keys.join(", ")));
        }
        format!("{{{}}}", flags.join(", "))
    }

    /// `target = value` compiled like a template assignment; `None` when the target is not
    /// assignable.
    fn assignment(&mut self, target: Expr, value: &str) -> Option<String> {
        let text = target.span.text(self.input.source);
        let valid = {
            let allocator = self.take_allocator();
            let valid = match parse_expression(&allocator, text, target.span.start) {
                Ok(expr) => Some(matches!(
                    expr.get_inner_expression(),
                    Expression::Identifier(_) | Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_)
                )),
                Err(errors) => {
                    self.diagnostics.extend(errors);
                    None
                }
            };
            self.allocator = allocator;
            valid?
        };
        if !valid {
            self.diagnostics.push(
                Diagnostic::error("E0401", "`bind:` needs a variable or a member such as `user.name`", target.span)
                    .with_help("bind to a `let` of the script or a field of one"),
            );
            return None;
        }
        let allocator = self.take_allocator();
        let statement = allocator.alloc_str(&format!("{text} = {value}"));
        let result = parse_statements(&allocator, statement, target.span.start).ok().map(|program| {
            let names = match program.body.first() {
                Some(s @ Statement::ExpressionStatement(_)) => FreeNames::of_statement(s),
                _ => FreeNames::default(),
            };
            self.rewrite(statement, target.span.start, text.len(), &names).code
        });
        self.allocator = allocator;
        result
    }

    fn bind_element(&mut self, element: &Element, input_type: &str, var: &str, name: &Name, target: Expr) {
        let Some(current) = self.expression(target) else { return };
        match name.text.as_str() {
            "this" => {
                if let Some(assign) = self.assignment(target, var) {
                    self.emit(format!("{assign};"), Some(target.span.start));
                }
            }
            "value" => {
                let event = if element.name.text == "select" { "change" } else { "input" };
                let set = format!("$$.set_input_value({var}, {})", current.code);
                if element.name.text == "select" {
                    // A select can only take its value once its options exist; bound to
                    // undefined, it first gives the variable the value of the option the
                    // browser selected (Svelte 3).
                    if let Some(assign) = self.assignment(target, &format!("$$.input_value({var})")) {
                        self.after_children.push(format!("if (({}) === undefined) {{ {assign}; }}", current.code));
                    }
                    self.after_children.push(Self::effect_line(&current.deps, set));
                } else {
                    self.effect(&current.deps, set);
                }
                if let Some(assign) = self.assignment(target, "$$.input_value(this)") {
                    self.emit(
                        format!("$$.listen($$b, {var}, {event:?}, function () {{ {assign}; }}, {{}});"),
                        Some(target.span.start),
                    );
                }
            }
            "group" if input_type == "checkbox" || input_type == "radio" => {
                // One group per component and expression text, and per value of the `{#each}`
                // names the expression reads (`bind:group={item.tags}`), as in Svelte.
                let text = target.span.text(self.input.source).trim().to_string();
                let mut key = format!("{text:?}");
                for local in current.deps.iter().filter(|d| self.local(d).is_some()) {
                    key.push_str(&format!(", {local}"));
                }
                let group = format!("{var}_group");
                self.emit(format!("const {group} = $$.binding_group($$b, $$self, [{key}], {var});"), Some(target.span.start));
                // After the `value` attribute, whichever order they are written in.
                let set = format!("$$.set_group_checked({var}, ({}))", current.code);
                self.after_children.push(Self::effect_line(&current.deps, set));
                if let Some(assign) = self.assignment(target, &format!("$$.group_value({group}, this)")) {
                    self.emit(format!("$$.listen($$b, {var}, \"change\", function () {{ {assign}; }}, {{}});"), None);
                }
            }
            "clientWidth" | "clientHeight" | "offsetWidth" | "offsetHeight" => {
                if let Some(assign) = self.assignment(target, "$$v") {
                    let size = format!("$$.bind_size($$b, {var}, {:?}, ($$v) => {{ {assign}; }});", name.text);
                    self.emit(size, Some(target.span.start));
                }
            }
            media if MEDIA_BINDINGS.contains(&media) && matches!(element.name.text.as_str(), "audio" | "video") => {
                if let Some(assign) = self.assignment(target, "$$v") {
                    let deps = Self::deps_literal(&current.deps);
                    self.emit(
                        format!(
                            "$$.bind_media($$b, {var}, {media:?}, {deps}, () => ({}), ($$v) => {{ {assign}; }});",
                            current.code
                        ),
                        Some(target.span.start),
                    );
                }
            }
            "files" if input_type == "file" => {
                // A FileList can be set back (one the page got from another input or a drop).
                self.effect(&current.deps, format!("({0}) instanceof FileList && ({var}.files = ({0}))", current.code));
                if let Some(assign) = self.assignment(target, "this.files") {
                    self.emit(
                        format!("$$.listen($$b, {var}, \"change\", function () {{ {assign}; }}, {{}});"),
                        Some(target.span.start),
                    );
                }
            }
            "checked" | "group" if input_type == "checkbox" || input_type == "radio" || name.text == "checked" => {
                self.effect(&current.deps, format!("{var}.checked = !!({})", current.code));
                if let Some(assign) = self.assignment(target, "this.checked") {
                    self.emit(
                        format!("$$.listen($$b, {var}, \"change\", function () {{ {assign}; }}, {{}});"),
                        Some(target.span.start),
                    );
                }
            }
            property => {
                if !self.may_come_from_expression(property, name.span) {
                    return;
                }
                self.effect(&current.deps, format!("$$.prop({var}, {property:?}, ({}))", current.code));
                let assign = self.assignment(target, &format!("this[{property:?}]"));
                if let Some(assign) = assign {
                    self.emit(
                        format!("$$.listen($$b, {var}, \"input\", function () {{ {assign}; }}, {{}});"),
                        Some(target.span.start),
                    );
                }
            }
        }
    }

    // ---- components and slots ----

    fn component(&mut self, element: &Element, parent: &Parent) {
        let name = &element.name.text;
        let root = name.split('.').next().unwrap_or(name);
        if !self.input.declared.contains(root) && self.local(root).is_none() {
            self.diagnostics.push(
                Diagnostic::error("E0403", format!("component `{name}` is not imported"), element.name.span)
                    .with_help(format!("add `import {name} from './{name}.egh'` to the script")),
            );
            return;
        }
        self.component_with(element, parent, name);
    }

    /// A component made by `constructor` (its name, or code such as `$$this` for
    /// `<svelte:component>`, whose `this` attribute it then skips).
    fn component_with(&mut self, element: &Element, parent: &Parent, constructor: &str) {
        let name = &element.name.text;
        let mut props = Vec::new();
        let mut deps = Vec::new();
        let mut events = Vec::new();
        let mut binds = Vec::new();
        let mut default_lets = Vec::new();
        let mut this_target = None;
        for attribute in element.attributes.iter().filter(|attribute| !is_this_of_special(element, attribute)) {
            match &attribute.kind {
                AttributeKind::Plain { name, value } => {
                    if let Some(c) = self.attribute_value(value) {
                        merge(&mut deps, &c.deps);
                        props.push(format!("{:?}: {}", name.text, c.code));
                    }
                }
                AttributeKind::Shorthand(expr) => {
                    if let Some(c) = self.expression(*expr) {
                        merge(&mut deps, &c.deps);
                        props.push(format!("{:?}: {}", expr.span.text(self.input.source).trim(), c.code));
                    }
                }
                AttributeKind::Spread(expr) => {
                    if let Some(c) = self.expression(*expr) {
                        merge(&mut deps, &c.deps);
                        props.push(format!("...({})", c.code));
                    }
                }
                AttributeKind::Event { name, handler, .. } => {
                    if let Some(h) = self.handler(handler) {
                        events.push(format!("{:?}: {h}", name.text));
                    }
                }
                AttributeKind::Bind { name, target } if name.text == "this" => this_target = Some(*target),
                AttributeKind::Bind { name, target } => {
                    let Some(current) = self.expression(*target) else { continue };
                    merge(&mut deps, &current.deps);
                    props.push(format!("{:?}: ({})", name.text, current.code));
                    if let Some(assign) = self.assignment(*target, "$$value") {
                        binds.push(format!("{:?}: ($$value) => {{ {assign}; }}", name.text));
                    }
                }
                AttributeKind::Let { name, alias } => default_lets.push((name.clone(), *alias)),
                _ => {
                    self.diagnostics.push(Diagnostic::error(
                        "E0402",
                        format!("this directive is not supported on component `<{name}>`"),
                        attribute.span,
                    ));
                }
            }
        }
        let var = self.var("c");
        let deps_literal = Self::deps_literal(&deps);
        self.emit(
            format!(
                "const {var} = $$.mount_component($$b, {}, {constructor}, () => ({{ {} }}), {deps_literal}, {{",
                parent.position(),
                props.join(", ")
            ),
            Some(element.span.start),
        );
        self.depth += 1;
        self.emit(format!("events: {{ {} }},", events.join(", ")), None);
        self.emit(format!("bind: {{ {} }},", binds.join(", ")), None);
        self.emit("slots: {".into(), None);
        self.depth += 1;
        self.slot_contents(element, default_lets);
        self.depth -= 1;
        self.emit("},".into(), None);
        self.depth -= 1;
        self.emit("});".into(), None);
        // `bind:this`: the instance, and null once it is destroyed.
        let set = this_target.and_then(|target| Some((self.assignment(target, &var)?, self.assignment(target, "null")?)));
        if let Some((set, clear)) = set {
            self.emit(format!("{set};"), None);
            self.emit(format!("$$b.cleanups.push(() => {{ {clear}; }});"), None);
        }
    }

    /// The slot render functions a component's children make: `slot="x"` children go to
    /// slot `x`, `<template slot="x" let:a>` (or `<svelte:fragment …>`) groups them, the rest
    /// fill the default slot.
    fn slot_contents(&mut self, element: &Element, default_lets: Vec<(Name, Option<Expr>)>) {
        let mut named: Vec<(String, Vec<&Node>, Vec<(Name, Option<Expr>)>)> = Vec::new();
        let mut default: Vec<&Node> = Vec::new();
        for child in &element.children {
            // `<svelte:fragment>` without `slot` holds content for the default slot.
            let slot = match child {
                Node::Element(e) => match e.static_attribute("slot") {
                    Some(slot) => Some((slot.to_string(), e)),
                    None if e.name.text == "svelte:fragment" => Some(("default".to_string(), e)),
                    None => None,
                },
                _ => None,
            };
            match slot {
                Some((slot_name, e)) => {
                    let lets: Vec<(Name, Option<Expr>)> = e
                        .attributes
                        .iter()
                        .filter_map(|a| match &a.kind {
                            AttributeKind::Let { name, alias } => Some((name.clone(), *alias)),
                            _ => None,
                        })
                        .collect();
                    let entry = match named.iter_mut().find(|(n, _, _)| *n == slot_name) {
                        Some(entry) => entry,
                        None => {
                            named.push((slot_name, Vec::new(), Vec::new()));
                            named.last_mut().expect("just pushed")
                        }
                    };
                    entry.1.push(child);
                    entry.2.extend(lets);
                    // Its `let:` directives are the slot function's, not attributes.
                    self.slotted.insert(e.span.start);
                }
                None => default.push(child),
            }
        }
        let has_default = default.iter().any(|n| !n.is_blank());
        if let Some((_, nodes, _)) = named.iter().find(|(name, _, _)| name == "default").filter(|_| has_default) {
            let span = nodes.first().map_or(element.span, |node| node.span());
            self.diagnostics.push(
                Diagnostic::error("E0128", format!("`<{}>` gets content for its default slot twice", element.name.text), span)
                    .with_label("content for the default slot")
                    .with_help(
                        "the children without `slot` fill the default slot: move them inside this element, or name its slot",
                    ),
            );
            return;
        }
        let mut default_lets = Some(default_lets);
        if has_default {
            self.slot_function("default", &default, default_lets.take().unwrap_or_default(), false);
        }
        for (slot_name, nodes, mut lets) in named {
            // The component's own `let:` names are the default slot's.
            if let Some(component_lets) = default_lets.take_if(|_| slot_name == "default") {
                lets.splice(0..0, component_lets);
            }
            self.slot_function(&slot_name, &nodes, lets, true);
        }
    }

    fn slot_function(&mut self, slot_name: &str, nodes: &[&Node], lets: Vec<(Name, Option<Expr>)>, named: bool) {
        let mut prologue = Vec::new();
        let mut assigns = Vec::new();
        let mut locals = Vec::new();
        for (name, alias) in &lets {
            // `let:name` binds the slot prop `name`; `let:name={pattern}` binds the pattern to it.
            let binding = alias.map_or(name.span, |alias| alias.span);
            if alias.is_none() && !eghact_syntax::scan::is_identifier(&name.text) {
                self.diagnostics.push(
                    Diagnostic::error("E0131", format!("`let:{}` needs a variable name", name.text), name.span)
                        .with_help(format!("name the variable: `let:{}={{value}}`", name.text)),
                );
                continue;
            }
            let Some(names) = self.pattern_names(Expr { span: binding }) else { continue };
            let pattern = binding.text(self.input.source).to_string();
            let value = match eghact_syntax::scan::is_identifier(&name.text) {
                true => format!("$$p.{}", name.text),
                false => format!("$$p[{:?}]", name.text),
            };
            prologue.push(format!("let {pattern} = {value};"));
            assigns.push(assign_pattern(&pattern, &names, &value));
            locals.extend(names.into_iter().map(|name| Local { name, invalidates: Vec::new(), declared_at: binding }));
        }
        if !assigns.is_empty() {
            prologue.push(format!("$$b.assign = ($$p) => {{ {} }};", assigns.join(" ")));
        }
        // `<template slot="x">` and `<svelte:fragment slot="x">` render only their children; other elements keep their `slot`
        // attribute, as in Svelte. Everything the slot gets is one fragment, so the space in
        // `<Widget>Hello {name}</Widget>` stays.
        let mut content: Vec<&Node> = Vec::new();
        for node in nodes {
            match node {
                Node::Element(e) if named && (e.kind == ElementKind::Template || e.name.text == "svelte:fragment") => {
                    content.extend(&e.children)
                }
                _ => content.push(node),
            }
        }
        self.emit(format!("{slot_name:?}:"), None);
        self.render_function(", $$p", &prologue, locals, |c| c.block_fragment(&content));
    }

    fn slot(&mut self, element: &Element, parent: &Parent) {
        let slot_name = element.static_attribute("name").unwrap_or("default").to_string();
        let mut props = Vec::new();
        let mut deps = Vec::new();
        for attribute in &element.attributes {
            match &attribute.kind {
                AttributeKind::Plain { name, value } if name.text != "name" => {
                    if let Some(c) = self.attribute_value(value) {
                        merge(&mut deps, &c.deps);
                        props.push(format!("{:?}: {}", name.text, c.code));
                    }
                }
                AttributeKind::Shorthand(expr) => {
                    if let Some(c) = self.expression(*expr) {
                        merge(&mut deps, &c.deps);
                        props.push(format!("{:?}: {}", expr.span.text(self.input.source).trim(), c.code));
                    }
                }
                _ => {}
            }
        }
        let props = if props.is_empty() { "null".to_string() } else { format!("() => ({{ {} }})", props.join(", ")) };
        let deps = Self::deps_literal(&deps);
        self.emit(
            format!("$$.slot($$b, {}, $$self, {slot_name:?}, {props}, {deps},", parent.position()),
            Some(element.span.start),
        );
        self.depth += 1;
        if element.children.iter().all(Node::is_blank) {
            self.emit("null".into(), None);
        } else {
            self.render_function("", &[], Vec::new(), |c| c.fragment(&element.children, &Parent::Block));
        }
        self.depth -= 1;
        self.emit(");".into(), None);
    }
}

fn merge(into: &mut Vec<String>, names: &[String]) {
    for name in names {
        if !into.contains(name) {
            into.push(name.clone());
        }
    }
}

/// A node that renders nothing: a comment, or text that is only whitespace.
/// The `this` attribute of `<svelte:component>` or `<svelte:element>`: what to render, not a
/// prop or an attribute.
fn is_this_of_special(element: &Element, attribute: &Attribute) -> bool {
    element.name.text.starts_with("svelte:")
        && matches!(&attribute.kind, AttributeKind::Plain { name, .. } if name.text == "this")
}

/// Collapses runs of whitespace to one space, as HTML renders them; whitespace at the start
/// or end of a fragment disappears.
fn collapse_whitespace(text: &str, first: bool, last: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            in_space = true;
        } else {
            if in_space && !(first && out.is_empty()) {
                out.push(' ');
            }
            in_space = false;
            out.push(c);
        }
    }
    if in_space && !last && !(first && out.is_empty()) {
        out.push(' ');
    }
    if out.is_empty() && in_space && !first && !last {
        out.push(' ');
    }
    out
}

/// `pattern = value;` as a statement: a destructuring pattern is wrapped whole, since
/// `({ a } = $$v)` is an assignment and `({ a }) = $$v` is a syntax error.
fn assign_pattern(pattern: &str, names: &[String], value: &str) -> String {
    if names.len() == 1 && names[0] == pattern { format!("{pattern} = {value};") } else { format!("({pattern} = {value});") }
}
