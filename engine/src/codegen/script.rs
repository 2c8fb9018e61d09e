//! The `<script>` block of a component: TypeScript stripped by oxc's transformer, then the
//! instance body with reactive assignments wrapped in `$$invalidate`, props read from
//! `$$props`, imports hoisted to module level and `$:` statements ordered by dependency.

use std::collections::HashSet;

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::{GetSpan, SourceType};
use oxc::transformer::{TransformOptions, Transformer};

use super::js::{Edits, FreeNames, syntax_errors};
use crate::diagnostics::{Diagnostic, LineIndex, Span};
use crate::syntax::ast::RawBlock;

/// Import specifiers that name the framework (LANGUAGE.md decision 7).
pub(super) const FRAMEWORK_MODULES: &[&str] = &["eghact", "@eghact/core", "eghact/store", "@eghact/store"];

#[derive(Debug, Default)]
pub struct Script {
    /// Import declarations, rewritten for the output folder, one per line.
    pub imports: String,
    /// The instance body, as JavaScript lines each with the `.egh` line it comes from.
    pub body: Vec<(String, Option<u32>)>,
    pub reactive: Vec<Reactive>,
    pub props: Vec<String>,
    /// Every top-level name of the script (imports, variables, functions, classes, implicit `$:` names).
    pub declared: HashSet<String>,
    /// Names whose assignment must update the component: top-level `let`s and implicit `$:` names.
    pub state: HashSet<String>,
    /// `$name` store reads of the script.
    pub stores: HashSet<String>,
}

#[derive(Debug)]
pub struct Reactive {
    pub deps: Vec<String>,
    /// The name a `$: name = …` statement assigns.
    pub assigns: Option<String>,
    pub code: String,
}

pub struct ScriptInput<'s> {
    pub source: &'s str,
    pub block: &'s RawBlock,
    /// Where framework imports point in the output (the runtime module).
    pub runtime_import: &'s str,
}

pub fn compile_script(input: &ScriptInput<'_>, diagnostics: &mut Vec<Diagnostic>) -> Script {
    let allocator = Allocator::default();
    let content = input.block.content;
    let typescript = input.block.is_typescript();
    // Parsed in place, so oxc's spans and line numbers are those of the .egh file.
    let padded = crate::semantics::script_in_place(input.source, input.block);
    let source_type = if typescript { SourceType::ts() } else { SourceType::mjs() };
    let parsed = Parser::new(&allocator, &padded, source_type).parse();
    if !parsed.diagnostics.is_empty() || parsed.panicked {
        diagnostics.extend(syntax_errors(&parsed.diagnostics, 0, "E0202", content));
        return Script::default();
    }
    if !typescript {
        return analyze(&padded, parsed.program, None, input, diagnostics);
    }
    // TypeScript: strip types with oxc's transformer, then analyse the JavaScript it prints,
    // keeping oxc's source map to find the .egh line of each output line.
    let mut program = parsed.program;
    let scoping = SemanticBuilder::new().build(&program).semantic.into_scoping();
    // Imports used only by the template look unused to TypeScript: keep every import that
    // is not marked `type`, as Svelte's preprocessors do.
    let mut options = TransformOptions::default();
    options.typescript.only_remove_type_imports = true;
    let transformed = Transformer::new(&allocator, std::path::Path::new("component.ts"), &options)
        .build_with_scoping(scoping, &mut program);
    diagnostics.extend(syntax_errors(&transformed.diagnostics, 0, "E0202", content));
    let printed = Codegen::new()
        .with_options(CodegenOptions { source_map_path: Some("component.egh".into()), ..CodegenOptions::default() })
        .build(&program);
    let js = allocator.alloc_str(&printed.code);
    let reparsed = Parser::new(&allocator, js, SourceType::mjs()).parse();
    if !reparsed.diagnostics.is_empty() {
        diagnostics.extend(syntax_errors(&reparsed.diagnostics, 0, "E0202", content));
        return Script::default();
    }
    analyze(js, reparsed.program, printed.map.as_ref(), input, diagnostics)
}

/// Where each line of the analysed JavaScript comes from in the `.egh` file.
struct Origins<'m> {
    map: Option<(&'m oxc_sourcemap::SourceMap<'m>, Vec<&'m [oxc_sourcemap::Token]>)>,
}

impl Origins<'_> {
    /// The 0-based `.egh` line of JavaScript line `line`.
    fn line(&self, line: u32) -> Option<u32> {
        match &self.map {
            None => Some(line),
            Some((map, table)) => map.lookup_token(table, line, u32::MAX).map(|t| t.get_src_line()),
        }
    }
}

fn analyze<'a>(
    js: &'a str,
    program: Program<'a>,
    map: Option<&oxc_sourcemap::SourceMap<'_>>,
    input: &ScriptInput<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Script {
    let mut script = Script::default();
    let origins = Origins { map: map.map(|m| (m, m.generate_lookup_table())) };
    let lines = LineIndex::new(js);
    let mut edits = Edits::default();
    let mut state_candidates = Vec::new();

    // Pass 1: top-level declarations.
    for statement in &program.body {
        match statement {
            Statement::ImportDeclaration(import) => {
                if let Some(specifiers) = &import.specifiers {
                    for specifier in specifiers {
                        script.declared.insert(specifier.local().name.to_string());
                    }
                }
            }
            Statement::VariableDeclaration(decl) => declare(decl, &mut script, &mut state_candidates),
            Statement::FunctionDeclaration(f) => {
                if let Some(id) = &f.id {
                    script.declared.insert(id.name.to_string());
                }
            }
            Statement::ClassDeclaration(c) => {
                if let Some(id) = &c.id {
                    script.declared.insert(id.name.to_string());
                }
            }
            Statement::ExportDeclaration(export) => match &export.declaration {
                Declaration::VariableDeclaration(decl) => {
                    declare(decl, &mut script, &mut state_candidates);
                    if decl.kind == VariableDeclarationKind::Let {
                        for declarator in &decl.declarations {
                            if let BindingPattern::BindingIdentifier(id) = &declarator.id {
                                script.props.push(id.name.to_string());
                            }
                        }
                    }
                }
                Declaration::FunctionDeclaration(f) => {
                    if let Some(id) = &f.id {
                        script.declared.insert(id.name.to_string());
                    }
                }
                Declaration::ClassDeclaration(c) => {
                    if let Some(id) = &c.id {
                        script.declared.insert(id.name.to_string());
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    // Implicit declarations: `$: name = …` for a name declared nowhere.
    let mut implicit = Vec::new();
    for statement in &program.body {
        if let Some(body) = reactive_body(statement) {
            if let Some(name) = assigned_identifier(body) {
                if !script.declared.contains(&name) && !implicit.contains(&name) {
                    implicit.push(name);
                }
            }
        }
    }
    script.declared.extend(implicit.iter().cloned());
    script.state.extend(state_candidates);
    script.state.extend(implicit.iter().cloned());
    let stores: HashSet<String> = script.declared.iter().map(|n| format!("${n}")).collect();

    // Pass 2: wrap writes to state, then emit statements.
    let scan = FreeNames::of_statements(&program.body);
    script.stores = scan.names.iter().filter(|n| stores.contains(*n)).cloned().collect();
    for write in &scan.writes {
        wrap_write(&mut edits, write, &script.state, &stores);
    }
    let mut reactive: Vec<(FreeNames, Vec<String>, String)> = Vec::new();
    for statement in &program.body {
        let (start, end) = (statement.span().start, statement.span().end);
        match statement {
            Statement::ImportDeclaration(import) => {
                let specifier = import.source.value.as_str();
                let rewritten = rewrite_import(specifier, input.runtime_import);
                if import.import_kind.is_type() {
                    continue;
                }
                edits.wrap(import.source.span.start, import.source.span.end, String::new(), String::new());
                let text = edits.apply(js, start, import.source.span.start);
                script.imports.push_str(&text);
                script.imports.push_str(&format!("{rewritten:?}"));
                script.imports.push_str(&edits.apply(js, import.source.span.end, end));
                script.imports.push('\n');
            }
            Statement::ExportDeclaration(export) => {
                let declaration = &export.declaration;
                let decl_start = declaration.span().start;
                if let Declaration::VariableDeclaration(decl) = declaration {
                    if decl.kind == VariableDeclarationKind::Let {
                        props_from_declaration(&mut edits, decl, diagnostics);
                    }
                }
                edits.remove(start, decl_start);
                push_lines(&mut script.body, &edits.apply(js, start, end), &lines, &origins, start);
            }
            Statement::ExportNamedDeclaration(_) | Statement::ExportFromDeclaration(_) => {
                diagnostics.push(
                    Diagnostic::error("E0203", "`export { … }` is not supported in a component script", script_span(input))
                        .with_help("declare props with `export let name`"),
                );
            }
            Statement::ExportDefaultDeclaration(_) => {
                diagnostics.push(
                    Diagnostic::error("E0201", "Options-API components (`export default { … }`) are not supported", script_span(input))
                        .with_help("declare state with `let count = 0`, props with `export let title`, and import components with `import Child from './Child.egh'`"),
                );
            }
            Statement::ExportAllDeclaration(_) => {
                diagnostics.push(Diagnostic::error("E0203", "`export * from` is not supported in a component script", script_span(input)));
            }
            _ => match reactive_body(statement) {
                Some(body) => {
                    let names = FreeNames::of_statement(body);
                    let assigned = assigned_identifier(body).into_iter().collect();
                    let code = edits.apply(js, body.span().start, body.span().end);
                    reactive.push((names, assigned, code));
                }
                None => push_lines(&mut script.body, &edits.apply(js, start, end), &lines, &origins, start),
            },
        }
    }
    for name in &implicit {
        script.body.push((format!("let {name};"), None));
    }
    script.reactive = order_reactive(reactive, &script, diagnostics, input);
    script
}

fn script_span(input: &ScriptInput<'_>) -> Span {
    let start = input.block.span.start;
    Span::new(start, start + "<script".len() as u32)
}

fn declare(decl: &VariableDeclaration<'_>, script: &mut Script, state: &mut Vec<String>) {
    let mut names = Vec::new();
    for declarator in &decl.declarations {
        collect_binding_names(&declarator.id, &mut names);
    }
    if decl.kind == VariableDeclarationKind::Let {
        state.extend(names.iter().cloned());
    }
    script.declared.extend(names);
}

pub fn collect_binding_names(pattern: &BindingPattern<'_>, out: &mut Vec<String>) {
    match pattern {
        BindingPattern::BindingIdentifier(id) => out.push(id.name.to_string()),
        BindingPattern::ObjectPattern(object) => {
            for property in &object.properties {
                collect_binding_names(&property.value, out);
            }
            if let Some(rest) = &object.rest {
                collect_binding_names(&rest.argument, out);
            }
        }
        BindingPattern::ArrayPattern(array) => {
            for element in array.elements.iter().flatten() {
                collect_binding_names(element, out);
            }
            if let Some(rest) = &array.rest {
                collect_binding_names(&rest.argument, out);
            }
        }
        BindingPattern::AssignmentPattern(assign) => collect_binding_names(&assign.left, out),
    }
}

/// The statement labelled `$:`, if this is one.
fn reactive_body<'s, 'a>(statement: &'s Statement<'a>) -> Option<&'s Statement<'a>> {
    match statement {
        Statement::LabeledStatement(labeled) if labeled.label.name == "$" => Some(&labeled.body),
        _ => None,
    }
}

/// `name` in `name = expr;`.
fn assigned_identifier(statement: &Statement<'_>) -> Option<String> {
    let Statement::ExpressionStatement(expr) = statement else { return None };
    let Expression::AssignmentExpression(assign) = &expr.expression else { return None };
    match &assign.left {
        AssignmentTarget::AssignmentTargetIdentifier(id) => Some(id.name.to_string()),
        _ => None,
    }
}

/// Wraps an assignment so the runtime learns which state it changed; `$store` writes also
/// set the store.
fn wrap_write(edits: &mut Edits, write: &super::js::Write, state: &HashSet<String>, stores: &HashSet<String>) {
    let changed: Vec<&String> = write.names.iter().filter(|n| state.contains(*n)).collect();
    wrap_invalidate(edits, write.span, &changed);
    for name in write.names.iter().filter(|n| stores.contains(*n)) {
        wrap_store_set(edits, write.span, name);
    }
}

pub fn wrap_invalidate(edits: &mut Edits, span: oxc::span::Span, names: &[&String]) {
    if !names.is_empty() {
        edits.wrap(span.start, span.end, format!("$$invalidate({}, ", names_literal(names)), ")".into());
    }
}

/// `$count += 1` updates the local copy, then sets the store `count` to it.
pub fn wrap_store_set(edits: &mut Edits, span: oxc::span::Span, dollar_name: &str) {
    let store = &dollar_name[1..];
    edits.wrap(span.start, span.end, format!("(($$v) => ({store}.set({dollar_name}), $$v))("), ")".into());
}

/// `"a"` for one name, `["a","b"]` for several.
pub fn names_literal(names: &[&String]) -> String {
    match names {
        [one] => format!("{one:?}"),
        _ => format!("[{}]", names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(",")),
    }
}

/// `export let x: T = d` becomes `let x = $$props.x === undefined ? (d) : $$props.x`.
fn props_from_declaration(edits: &mut Edits, decl: &VariableDeclaration<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for declarator in &decl.declarations {
        let BindingPattern::BindingIdentifier(id) = &declarator.id else {
            diagnostics.push(Diagnostic::error(
                "E0204",
                "a prop must be a plain name: `export let name = default`",
                Span::new(declarator.span.start, declarator.span.end),
            ));
            continue;
        };
        let name = id.name.as_str();
        match &declarator.init {
            Some(init) => edits.wrap(
                init.span().start,
                init.span().end,
                format!("$$props.{name} === undefined ? ("),
                format!(") : $$props.{name}"),
            ),
            None => edits.insert(id.span.end, format!(" = $$props.{name}")),
        }
    }
}

fn rewrite_import(specifier: &str, runtime_import: &str) -> String {
    if FRAMEWORK_MODULES.contains(&specifier) {
        return runtime_import.to_string();
    }
    for (from, to) in [(".egh", ".js"), (".ts", ".js")] {
        if let Some(stem) = specifier.strip_suffix(from) {
            if specifier.starts_with('.') {
                return format!("{stem}{to}");
            }
        }
    }
    specifier.to_string()
}

fn push_lines(body: &mut Vec<(String, Option<u32>)>, text: &str, lines: &LineIndex, origins: &Origins<'_>, start: u32) {
    let first_line = lines.line_of(start) as u32;
    for (i, line) in text.split('\n').enumerate() {
        body.push((line.to_string(), origins.line(first_line + i as u32)));
    }
}

/// Orders `$:` statements so that each runs after those that assign what it reads
/// (source order otherwise); a cycle is reported and keeps source order.
fn order_reactive(
    statements: Vec<(FreeNames, Vec<String>, String)>,
    script: &Script,
    diagnostics: &mut Vec<Diagnostic>,
    input: &ScriptInput<'_>,
) -> Vec<Reactive> {
    let count = statements.len();
    let deps: Vec<Vec<String>> = statements
        .iter()
        .map(|(names, assigned, _)| {
            names
                .names
                .iter()
                .filter(|n| !assigned.contains(n) && (script.state.contains(*n) || n.starts_with('$')))
                .cloned()
                .collect()
        })
        .collect();
    let mut done = vec![false; count];
    let mut order = Vec::with_capacity(count);
    while order.len() < count {
        let next = (0..count).find(|&i| {
            !done[i]
                && (0..count).all(|j| done[j] || j == i || !statements[j].1.iter().any(|a| deps[i].contains(a)))
        });
        let i = match next {
            Some(i) => i,
            None => {
                diagnostics.push(
                    Diagnostic::error("E0205", "cyclic `$:` statements: each depends on another's result", script_span(input))
                        .with_help("break the cycle; reactive statements run once per update in dependency order"),
                );
                (0..count).find(|&i| !done[i]).unwrap_or(0)
            }
        };
        done[i] = true;
        order.push(i);
    }
    let mut statements: Vec<Option<(FreeNames, Vec<String>, String)>> = statements.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| {
            let (_, assigned, code) = statements[i].take()?;
            Some(Reactive { deps: deps[i].clone(), assigns: assigned.into_iter().next(), code })
        })
        .collect()
}
