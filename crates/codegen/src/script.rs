//! The `<script>` block of a component: TypeScript stripped by oxc's transformer, then the
//! instance body with reactive assignments wrapped in `$$invalidate`, props read from
//! `$$props`, imports hoisted to module level and `$:` statements ordered by dependency.

use std::collections::{HashMap, HashSet};

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::ast_visit::Visit;
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::{GetSpan, SourceType};
use oxc::transformer::{TransformOptions, Transformer};

pub mod module_context;

use super::js::{Edits, FreeNames, Placement, rule_errors, syntax_errors};
use super::motion;
use super::sourcemap::{offset_of, token_starts};
use eghact_semantics::{load_function, returned_keys};
use eghact_syntax::ast::RawBlock;
use eghact_syntax::diagnostics::{Diagnostic, LineIndex, Span};

/// Import specifiers that name the framework (LANGUAGE.md decision 7); the motion modules are
/// Svelte 3's `svelte/transition`, `svelte/animate`, `svelte/easing` and `svelte/motion`, and
/// Svelte's names are accepted too.
pub(super) const FRAMEWORK_MODULES: &[&str] = &[
    "eghact",
    "@eghact/core",
    "eghact/store",
    "@eghact/store",
    "eghact/transition",
    "eghact/animate",
    "eghact/easing",
    "eghact/motion",
    // Svelte's own names, so that Svelte 3 code imports the framework unchanged.
    "svelte",
    "svelte/store",
    "svelte/transition",
    "svelte/animate",
    "svelte/easing",
    "svelte/motion",
];
/// The magic store of route components: `$route.params.id` (the runtime's `route` store).
pub const ROUTE_STORE: &str = "$route";

/// Whether `name` is `$route` read from the runtime, i.e. the script has no `route` of its own.
pub fn is_route_store(name: &str, declared: &HashSet<String>) -> bool {
    name == ROUTE_STORE && !declared.contains("route")
}

/// Framework exports that real scripts use without importing them (`middleware` of
/// `@eghact/store`): a free reference imports them from the runtime.
const AMBIENT_EXPORTS: &[&str] = &["middleware"];

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
    /// Getters destructured from a framework `createSignal` call (`let [mode, setMode] = …`):
    /// the component subscribes to each so that code reading `mode()` re-runs.
    pub signals: Vec<String>,
    /// Module-level code after the imports: `export async function load(ctx)` of a route, which
    /// the router calls before the component exists.
    pub module: String,
    /// Where a name is ready to use in `body`: the number of lines up to and including the
    /// statement that declares it (0 for imports). A store is subscribed to there, so that the
    /// script can read `$store` from the next statement on, as in Svelte.
    pub ready_at: HashMap<String, usize>,
    /// `export const`, `export function` and `export class` names: read-only properties of the
    /// component instance (`modal.open()` after `bind:this={modal}`), as in Svelte 3; with the
    /// name outside and the variable inside (different under `export { open as show }`).
    pub exposed: Vec<(String, String)>,
    /// The variable of each prop whose name outside differs (`export { className as class }`).
    pub prop_variables: HashMap<String, String>,
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
    /// What each import specifier names in the output (`CompileOptions::specifiers`).
    pub specifiers: &'s std::collections::BTreeMap<String, String>,
    /// Whether copied code carries position marks for the source map (see `sourcemap`).
    pub marks: bool,
    /// What the module script declares (`<script context="module">`), seen by the instance script.
    pub module: &'s ModuleNames,
}

/// The top-level names of a module script.
#[derive(Debug, Default)]
pub struct ModuleNames {
    pub declared: HashSet<String>,
    /// Those it imports, which share the module's scope with the instance script's imports.
    pub imported: HashSet<String>,
}

pub fn compile_script(input: &ScriptInput<'_>, diagnostics: &mut Vec<Diagnostic>) -> Script {
    with_javascript(input, diagnostics, |js, program, positions, diagnostics| analyze(js, program, positions, input, diagnostics))
        .unwrap_or_default()
}

/// The script block as JavaScript (TypeScript stripped), handed to `analyse` with where its
/// tokens come from in the `.egh` file; `None` after a syntax error, which is reported.
fn with_javascript<R>(
    input: &ScriptInput<'_>,
    diagnostics: &mut Vec<Diagnostic>,
    analyse: impl for<'a> FnOnce(&'a str, Program<'a>, &Positions, &mut Vec<Diagnostic>) -> R,
) -> Option<R> {
    let allocator = Allocator::default();
    let content = input.block.content;
    let typescript = input.block.is_typescript();
    // Parsed in place, so oxc's spans and line numbers are those of the .egh file.
    let padded = eghact_semantics::script_in_place(input.source, input.block);
    let source_type = if typescript { SourceType::ts() } else { SourceType::mjs() };
    let parsed = Parser::new(&allocator, &padded, source_type).parse();
    if !parsed.diagnostics.is_empty() || parsed.panicked {
        diagnostics.extend(syntax_errors(&parsed.diagnostics, 0, "E0202", content));
        return None;
    }
    // Code that parses can still break a rule of JavaScript (a name declared twice) or of where
    // the compiler puts it; the tree is whole, so the analysis goes on for the other diagnostics.
    let semantic = SemanticBuilder::new().with_check_syntax_error(true).with_enum_eval(true).build(&parsed.program);
    let semantic_diagnostics = semantic.diagnostics.to_vec();
    diagnostics.extend(rule_errors(&parsed.program, Placement::Script, || semantic_diagnostics, 0, "E0208", content));
    if !typescript {
        let positions = Positions::in_place(&padded, content.start, content.end, input.marks);
        return Some(analyse(&padded, parsed.program, &positions, diagnostics));
    }
    // TypeScript: strip types with oxc's transformer, then analyse the JavaScript it prints,
    // keeping oxc's source map to find where in the .egh file each printed token comes from.
    let scoping = semantic.semantic.into_scoping();
    let mut program = parsed.program;
    // Imports used only by the template look unused to TypeScript: keep every import that
    // is not marked `type`, as Svelte's preprocessors do.
    let mut options = TransformOptions::default();
    options.typescript.only_remove_type_imports = true;
    let transformed =
        Transformer::new(&allocator, std::path::Path::new("component.ts"), &options).build_with_scoping(scoping, &mut program);
    diagnostics.extend(syntax_errors(&transformed.diagnostics, 0, "E0202", content));
    let printed = Codegen::new()
        .with_options(CodegenOptions { source_map_path: Some("component.egh".into()), ..CodegenOptions::default() })
        .build(&program);
    let js = allocator.alloc_str(&printed.code);
    let reparsed = Parser::new(&allocator, js, SourceType::mjs()).parse();
    if !reparsed.diagnostics.is_empty() {
        diagnostics.extend(syntax_errors(&reparsed.diagnostics, 0, "E0202", content));
        return None;
    }
    let positions = match &printed.map {
        Some(map) => Positions::printed(js, &padded, map),
        None => Positions::default(),
    };
    Some(analyse(js, reparsed.program, &positions, diagnostics))
}

/// Where the analysed JavaScript comes from in the `.egh` file, at token starts: itself for a
/// JavaScript script (parsed in place), oxc's source map for TypeScript printed by oxc.
#[derive(Default)]
struct Positions {
    /// (offset in the analysed JavaScript, offset in the `.egh` file), sorted by the first.
    tokens: Vec<(u32, u32)>,
    identity: bool,
}

impl Positions {
    /// `tokens`: whether to list the token starts (only marks need them; positions of an
    /// in-place script are themselves).
    fn in_place(js: &str, start: u32, end: u32, tokens: bool) -> Self {
        let text = js.get(start as usize..end as usize).filter(|_| tokens).unwrap_or("");
        let tokens = token_starts(text).map(|i| (start + i as u32, start + i as u32)).collect();
        Self { tokens, identity: true }
    }

    fn printed(js: &str, egh: &str, map: &oxc_sourcemap::SourceMap<'_>) -> Self {
        let (js_lines, egh_lines) = (LineIndex::new(js), LineIndex::new(egh));
        let mut tokens: Vec<(u32, u32)> = map
            .get_tokens()
            .filter_map(|t| {
                let from = offset_of(js, &js_lines, t.get_dst_line(), t.get_dst_col())?;
                let to = offset_of(egh, &egh_lines, t.get_src_line(), t.get_src_col())?;
                Some((from, to))
            })
            .collect();
        tokens.sort_unstable();
        tokens.dedup_by_key(|t| t.0);
        Self { tokens, identity: false }
    }

    /// The `.egh` offset of JavaScript offset `at`: that of the token at or before it.
    fn egh(&self, at: u32) -> u32 {
        if self.identity {
            return at;
        }
        match self.tokens.partition_point(|t| t.0 <= at) {
            0 => self.tokens.first().map_or(0, |t| t.1),
            i => self.tokens[i - 1].1,
        }
    }

    /// A span of the analysed JavaScript in the `.egh` file (names keep their length).
    fn span(&self, span: oxc::span::Span) -> Span {
        let start = self.egh(span.start);
        Span::new(start, start + span.size())
    }

    /// The `.egh` offset that JavaScript `[start, end)` (one line) comes from: its first token.
    fn line_origin(&self, start: u32, end: u32) -> u32 {
        let i = self.tokens.partition_point(|t| t.0 < start);
        match self.tokens.get(i) {
            Some(&(at, to)) if at < end && !self.identity => to,
            _ => self.egh(start),
        }
    }
}

fn analyze<'a>(
    js: &'a str,
    program: Program<'a>,
    positions: &Positions,
    input: &ScriptInput<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Script {
    let mut script = Script::default();
    let mut edits = Edits::default();
    let mut state_candidates = Vec::new();
    // Local names of framework imports, with the name each imports (`sig` → `createSignal`).
    let mut framework: Vec<(String, String)> = Vec::new();
    let mut imported: HashSet<String> = HashSet::new();

    // Pass 1: top-level declarations.
    for statement in &program.body {
        match statement {
            Statement::ImportDeclaration(import) => {
                if let Some(specifiers) = &import.specifiers {
                    unknown_motion_imports(import, positions, diagnostics);
                    for specifier in specifiers {
                        script.ready_at.insert(specifier.local().name.to_string(), 0);
                        script.declared.insert(specifier.local().name.to_string());
                        imported.insert(specifier.local().name.to_string());
                        if let ImportDeclarationSpecifier::ImportSpecifier(named) = specifier {
                            if FRAMEWORK_MODULES.contains(&import.source.value.as_str()) {
                                framework.push((named.local.name.to_string(), named.imported.name().to_string()));
                            }
                        }
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
                    for declarator in &decl.declarations {
                        match decl.kind == VariableDeclarationKind::Let {
                            true => {
                                if let BindingPattern::BindingIdentifier(id) = &declarator.id {
                                    script.props.push(id.name.to_string());
                                }
                            }
                            false => {
                                let mut names = Vec::new();
                                collect_binding_names(&declarator.id, &mut names);
                                script.exposed.extend(names.into_iter().map(|name| (name.clone(), name)));
                            }
                        }
                    }
                }
                Declaration::FunctionDeclaration(f) => {
                    if let Some(id) = &f.id {
                        script.declared.insert(id.name.to_string());
                        // A route's `load` stays with the module, for the router.
                        if load_function(statement).is_none() {
                            script.exposed.push((id.name.to_string(), id.name.to_string()));
                        }
                    }
                }
                Declaration::ClassDeclaration(c) => {
                    if let Some(id) = &c.id {
                        script.declared.insert(id.name.to_string());
                        script.exposed.push((id.name.to_string(), id.name.to_string()));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    // `export { local as name }`: a top-level `let` becomes the prop `name`, anything else a
    // read-only property of the instance.
    let aliases = export_aliases(&program, &script);
    for (local, name) in &aliases {
        match state_candidates.contains(local) && !script.props.contains(local) {
            true => {
                script.props.push(name.clone());
                if name != local {
                    script.prop_variables.insert(name.clone(), local.clone());
                }
            }
            false => script.exposed.push((name.clone(), local.clone())),
        }
    }
    // Implicit declarations: `$: name = …` for a name declared nowhere.
    let mut implicit = Vec::new();
    for statement in &program.body {
        if let Some(body) = reactive_body(statement) {
            for name in assigned_identifiers(body) {
                if !script.declared.contains(&name) && !implicit.contains(&name) {
                    implicit.push(name);
                }
            }
        }
    }
    script.declared.extend(implicit.iter().cloned());
    for statement in &program.body {
        if let Statement::VariableDeclaration(decl) = statement {
            script.signals.extend(decl.declarations.iter().filter_map(|d| signal_getter(d, &framework)));
        }
    }
    // A signal's getter is state even when declared with `const`: its reads must re-run.
    script.state.extend(script.signals.iter().cloned());
    script.state.extend(state_candidates);
    script.state.extend(implicit.iter().cloned());
    let load = program.body.iter().find(|s| load_function(s).is_some());
    let loaded = match load.and_then(load_function) {
        Some(load) => declare_loaded(load, &mut script, positions, diagnostics),
        None => Vec::new(),
    };
    diagnostics.extend(module_conflicts(&program, input.module, positions));
    let mut stores: HashSet<String> = script.declared.iter().chain(&input.module.declared).map(|n| format!("${n}")).collect();
    diagnostics.extend(store_names_declared(&program, &stores, positions));
    if is_route_store(ROUTE_STORE, &script.declared) {
        stores.insert(ROUTE_STORE.to_string());
    }
    if let Some(load) = load {
        check_load_scope(load, &script, &imported, &stores, positions, diagnostics);
    }
    if input.marks {
        for &(at, origin) in &positions.tokens {
            edits.mark(at, origin);
        }
    }

    // Pass 2: wrap writes to state, then emit statements.
    let scan = FreeNames::of_statements(&program.body);
    script.stores = scan.names.iter().filter(|n| stores.contains(*n)).cloned().collect();
    for name in AMBIENT_EXPORTS.iter().filter(|n| scan.names.iter().any(|m| m == *n) && !script.declared.contains(**n)) {
        script.imports.push_str(&format!("import {{ {name} }} from {:?};\n", input.runtime_import));
    }
    for write in &scan.writes {
        if write.names.iter().any(|n| is_route_store(n, &script.declared)) {
            diagnostics.push(route_write_error(positions.span(write.span)));
        }
        wrap_write(&mut edits, write, &script.state, &stores);
    }
    let mut reactive: Vec<(FreeNames, Vec<String>, String)> = Vec::new();
    for statement in &program.body {
        let (start, end) = (statement.span().start, statement.span().end);
        match statement {
            Statement::ImportDeclaration(import) => push_import(import, js, &mut edits, input, &mut script.imports),
            Statement::ExportDeclaration(_) if load_function(statement).is_some() => {
                script.module.push_str(&edits.apply(js, start, end));
                script.module.push('\n');
            }
            Statement::ExportDeclaration(export) => {
                let declaration = &export.declaration;
                let decl_start = declaration.span().start;
                if let Declaration::VariableDeclaration(decl) = declaration {
                    if decl.kind == VariableDeclarationKind::Let {
                        props_from_declaration(js, &mut edits, decl, &Vec::new(), positions, diagnostics);
                    }
                }
                edits.remove(start, decl_start);
                push_lines(&mut script.body, &edits.apply(js, start, end), js, positions, start);
                if let Declaration::VariableDeclaration(decl) = declaration {
                    ready_after(decl, &mut script);
                }
            }
            // Its names became props and properties above.
            Statement::ExportNamedDeclaration(_) => {}
            Statement::ExportFromDeclaration(_) => {
                diagnostics.push(
                    Diagnostic::error("E0203", "`export { … } from` is not supported in a component script", script_span(input))
                        .with_help("import the names, then declare props with `export let name`"),
                );
            }
            Statement::ExportDefaultDeclaration(_) => {
                diagnostics.push(
                    Diagnostic::error("E0201", "Options-API components (`export default { … }`) are not supported", script_span(input))
                        .with_help("declare state with `let count = 0`, props with `export let title`, and import components with `import Child from './Child.egh'`"),
                );
            }
            Statement::ExportAllDeclaration(_) => {
                diagnostics.push(Diagnostic::error(
                    "E0203",
                    "`export * from` is not supported in a component script",
                    script_span(input),
                ));
            }
            _ => match reactive_body(statement) {
                Some(body) => {
                    let names = FreeNames::of_statement(body);
                    let assigned = assigned_identifiers(body);
                    // `break $` leaves the statement early: the label must stay on it.
                    let from = if breaks_out_of_label(body) { start } else { body.span().start };
                    let code = edits.apply(js, from, body.span().end);
                    reactive.push((names, assigned, code));
                }
                None => {
                    if let Statement::VariableDeclaration(decl) = statement {
                        if decl.kind == VariableDeclarationKind::Let && aliases.iter().any(|(local, _)| declares(decl, local)) {
                            props_from_declaration(js, &mut edits, decl, &aliases, positions, diagnostics);
                        }
                    }
                    push_lines(&mut script.body, &edits.apply(js, start, end), js, positions, start);
                    if let Statement::VariableDeclaration(decl) = statement {
                        ready_after(decl, &mut script);
                    }
                }
            },
        }
    }
    for name in &implicit {
        script.body.push((format!("let {name};"), None));
    }
    // What `load` returns arrives as props; these lines come first so the script can use them.
    let loaded: Vec<(String, Option<u32>)> =
        loaded.into_iter().map(|name| (format!("let {name} = $$props.{name};"), None)).collect();
    for line in script.ready_at.values_mut().filter(|line| **line > 0) {
        *line += loaded.len();
    }
    script.body.splice(0..0, loaded);
    // The module script's names are ready before the instance runs.
    for name in input.module.declared.iter().filter(|name| !script.declared.contains(*name)) {
        script.ready_at.insert(name.clone(), 0);
    }
    script.reactive = order_reactive(reactive, &script, diagnostics, input);
    script
}

/// Adds `import`, its specifier rewritten for the output, to `imports` (type-only imports are
/// erased).
fn push_import(import: &ImportDeclaration<'_>, js: &str, edits: &mut Edits, input: &ScriptInput<'_>, imports: &mut String) {
    let (start, end) = (import.span.start, import.span.end);
    let specifier = import.source.value.as_str();
    let rewritten = rewrite_import(specifier, input.runtime_import, input.specifiers);
    if import.import_kind.is_type() {
        return;
    }
    // The runtime is one module: `* as easing` would be all of it.
    if let (Some(namespace), Some([ImportDeclarationSpecifier::ImportNamespaceSpecifier(local)])) =
        (motion::namespace(specifier), import.specifiers.as_ref().map(|list| list.as_slice()))
    {
        imports.push_str(&format!("import {{ {namespace} as {} }} from {rewritten:?};\n", local.local.name));
        return;
    }
    edits.wrap(import.source.span.start, import.source.span.end, String::new(), String::new());
    imports.push_str(&edits.apply(js, start, import.source.span.start));
    imports.push_str(&format!("{rewritten:?}"));
    imports.push_str(&edits.apply(js, import.source.span.end, end));
    imports.push('\n');
}

/// Each top-level name `program` declares, where, and whether an import declares it.
fn top_level_bindings<'p>(program: &'p Program<'_>) -> Vec<(&'p str, oxc::span::Span, bool)> {
    let mut bindings = Vec::new();
    let declaration = |declaration: &'p Declaration<'_>, bindings: &mut Vec<(&'p str, oxc::span::Span, bool)>| match declaration {
        Declaration::VariableDeclaration(decl) => {
            for id in decl.declarations.iter().flat_map(|d| d.id.get_binding_identifiers()) {
                bindings.push((id.name.as_str(), id.span, false));
            }
        }
        Declaration::FunctionDeclaration(f) => bindings.extend(f.id.iter().map(|id| (id.name.as_str(), id.span, false))),
        Declaration::ClassDeclaration(c) => bindings.extend(c.id.iter().map(|id| (id.name.as_str(), id.span, false))),
        _ => {}
    };
    for statement in &program.body {
        match statement {
            Statement::ImportDeclaration(import) if !import.import_kind.is_type() => {
                bindings.extend(import.specifiers.iter().flatten().map(|s| (s.local().name.as_str(), s.local().span, true)));
            }
            Statement::ExportDeclaration(export) => declaration(&export.declaration, &mut bindings),
            _ => {
                if let Some(decl) = statement.as_declaration() {
                    declaration(decl, &mut bindings);
                }
            }
        }
    }
    bindings
}

/// E0214 where the instance script declares a name the module script imports, or imports a
/// name the module script declares: imports of both scripts share the module's scope.
fn module_conflicts(program: &Program<'_>, module: &ModuleNames, positions: &Positions) -> Vec<Diagnostic> {
    top_level_bindings(program)
        .into_iter()
        .filter(|(name, _, import)| module.imported.contains(*name) || (*import && module.declared.contains(*name)))
        .map(|(name, span, _)| {
            Diagnostic::error("E0214", format!("`{name}` is declared by both scripts, and one of them imports it"), positions.span(span))
                .with_help("imports of `<script context=\"module\">` and of the instance script share one scope: rename one, or import it once")
        })
        .collect()
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

/// Declares the keys of the objects `load` returns that the script does not declare, as props
/// (the router passes what `load` returns as props); returns them.
fn declare_loaded(
    f: &Function<'_>,
    script: &mut Script,
    positions: &Positions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut added = Vec::new();
    for (key, span) in returned_keys(f) {
        if script.props.contains(&key) || added.contains(&key) || key == "load" {
            continue;
        }
        if script.declared.contains(&key) {
            diagnostics.push(
                Diagnostic::warning(
                    "W0201",
                    format!("`load` returns `{key}`, but the script declares its own `{key}`"),
                    positions.span(span),
                )
                .with_help(format!("declare it `export let {key}` to receive the loaded value")),
            );
            continue;
        }
        script.declared.insert(key.clone());
        script.state.insert(key.clone());
        script.props.push(key.clone());
        added.push(key);
    }
    added
}

/// `load` runs before the component exists: it may use imports, globals and its argument,
/// never the instance's variables.
fn check_load_scope(
    load: &Statement<'_>,
    script: &Script,
    imported: &HashSet<String>,
    stores: &HashSet<String>,
    positions: &Positions,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let free = FreeNames::of_statement(load);
    for (name, &span) in free.names.iter().zip(&free.first_uses) {
        let instance = (script.declared.contains(name) && !imported.contains(name) && name != "load") || stores.contains(name);
        if instance {
            diagnostics.push(
                Diagnostic::error(
                    "E0206",
                    format!("`load` cannot use `{name}`: it runs before the component is created"),
                    positions.span(span),
                )
                .with_help(
                    "`load` may use imports and its argument `{ params, fetch, url, route }`; move what it needs inside it",
                ),
            );
        }
    }
}

pub fn route_write_error(span: Span) -> Diagnostic {
    Diagnostic::error("E0207", "`$route` is read-only", span).with_help("navigate with `goto(url)` from 'eghact' or with a link")
}

/// `mode` in `let [mode, setMode] = createSignal(…)`, when `createSignal` is the framework's.
fn signal_getter(declarator: &VariableDeclarator<'_>, framework: &[(String, String)]) -> Option<String> {
    let Some(Expression::CallExpression(call)) = declarator.init.as_ref().map(|e| e.get_inner_expression()) else { return None };
    let Expression::Identifier(callee) = &call.callee else { return None };
    if !framework.iter().any(|(local, imported)| local == callee.name.as_str() && imported == "createSignal") {
        return None;
    }
    let BindingPattern::ArrayPattern(array) = &declarator.id else { return None };
    match array.elements.first() {
        Some(Some(BindingPattern::BindingIdentifier(getter))) => Some(getter.name.to_string()),
        _ => None,
    }
}

/// E0213 for each top-level declaration of `$name` where `name` is declared too: `$name`
/// is the value of the store `name`, which the compiler declares (Svelte reserves every `$`
/// name; here only those that clash).
fn store_names_declared(program: &Program<'_>, stores: &HashSet<String>, positions: &Positions) -> Vec<Diagnostic> {
    let declarations = program.body.iter().filter_map(|statement| match statement {
        Statement::VariableDeclaration(decl) => Some(&**decl),
        Statement::ExportDeclaration(export) => match &export.declaration {
            Declaration::VariableDeclaration(decl) => Some(&**decl),
            _ => None,
        },
        _ => None,
    });
    let mut errors = Vec::new();
    for declarator in declarations.flat_map(|decl| &decl.declarations) {
        let mut names = Vec::new();
        collect_binding_names(&declarator.id, &mut names);
        for name in names.into_iter().filter(|name| !name.starts_with("$$") && stores.contains(name)) {
            let span = positions.span(declarator.id.span());
            errors.push(
                Diagnostic::error(
                    "E0213",
                    format!("`{name}` is the value of the store `{}`: it cannot be declared", &name[1..]),
                    span,
                )
                .with_help(format!("read the store as `{name}` without declaring it, or rename the variable")),
            );
        }
    }
    errors
}

/// `(local, exported)` names of `export { local as exported }`, in source order.
type Aliases = Vec<(String, String)>;

/// `export { local as name }` of the script (without `from`): each local name with the name
/// it is exported as (one the script does not declare is oxc's E0208).
fn export_aliases(program: &Program<'_>, script: &Script) -> Aliases {
    let named = program.body.iter().filter_map(|statement| match statement {
        Statement::ExportNamedDeclaration(named) => Some(named),
        _ => None,
    });
    named
        .flat_map(|named| &named.specifiers)
        .map(|specifier| (specifier.local.name().to_string(), specifier.exported.name().to_string()))
        .filter(|(local, _)| script.declared.contains(local))
        .collect()
}

/// Whether `decl` declares `name`.
fn declares(decl: &VariableDeclaration<'_>, name: &str) -> bool {
    decl.declarations.iter().any(|declarator| declares_binding(&declarator.id, name))
}

fn declares_binding(pattern: &BindingPattern<'_>, name: &str) -> bool {
    let mut names = Vec::new();
    collect_binding_names(pattern, &mut names);
    names.iter().any(|n| n == name)
}

/// Marks the names `decl` declares as ready after the body's last line.
fn ready_after(decl: &VariableDeclaration<'_>, script: &mut Script) {
    let mut names = Vec::new();
    for declarator in &decl.declarations {
        collect_binding_names(&declarator.id, &mut names);
    }
    for name in names {
        script.ready_at.insert(name, script.body.len());
    }
}

/// Whether `body` of a `$:` statement has a `break $`.
fn breaks_out_of_label(body: &Statement<'_>) -> bool {
    #[derive(Default)]
    struct Breaks(bool);
    impl<'a> Visit<'a> for Breaks {
        fn visit_break_statement(&mut self, it: &BreakStatement<'a>) {
            self.0 |= it.label.as_ref().is_some_and(|label| label.name == "$");
        }
    }
    let mut breaks = Breaks::default();
    breaks.visit_statement(body);
    breaks.0
}

/// The statement labelled `$:`, if this is one.
fn reactive_body<'s, 'a>(statement: &'s Statement<'a>) -> Option<&'s Statement<'a>> {
    match statement {
        Statement::LabeledStatement(labeled) if labeled.label.name == "$" => Some(&labeled.body),
        _ => None,
    }
}

/// `name` in `name = expr;`.
/// The variables `$: name = …` or `$: ({ a, b } = …)` assigns (Svelte 3 declares those the
/// script does not).
fn assigned_identifiers(statement: &Statement<'_>) -> Vec<String> {
    let Statement::ExpressionStatement(expr) = statement else { return Vec::new() };
    let Expression::AssignmentExpression(assign) = expr.expression.without_parentheses() else { return Vec::new() };
    match &assign.left {
        AssignmentTarget::AssignmentTargetIdentifier(id) => vec![id.name.to_string()],
        target if target.as_assignment_target_pattern().is_some() => super::js::pattern_target_names(target),
        _ => Vec::new(),
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
    match names {
        [] => {}
        [_] => edits.wrap(span.start, span.end, format!("$$invalidate({}, ", names_literal(names)), ")".into()),
        // V8 rejects `f(["a","b"], [a, b] = [b, a])` ("Invalid destructuring assignment
        // target") after an array literal of strings: the write goes in parentheses.
        _ => edits.wrap(span.start, span.end, format!("$$invalidate({}, (", names_literal(names)), "))".into()),
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
fn props_from_declaration(
    js: &str,
    edits: &mut Edits,
    decl: &VariableDeclaration<'_>,
    aliases: &Aliases,
    positions: &Positions,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let exported = !aliases.is_empty();
    for declarator in &decl.declarations {
        // In a plain `let` (`export { a as b }` below it), only the exported names are props.
        if exported && !aliases.iter().any(|(local, _)| declares_binding(&declarator.id, local)) {
            continue;
        }
        let BindingPattern::BindingIdentifier(id) = &declarator.id else {
            diagnostics.push(Diagnostic::error(
                "E0204",
                "a prop must be a plain name: `export let name = default`",
                positions.span(declarator.span),
            ));
            continue;
        };
        let name =
            aliases.iter().find(|(local, _)| local == id.name.as_str()).map_or(id.name.as_str(), |(_, name)| name.as_str());
        let plain = name.starts_with(|c: char| !c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        let prop = if plain { format!("$$props.{name}") } else { format!("$$props[{name:?}]") };
        match &declarator.init {
            Some(init) => {
                edits.wrap(init.span().start, init.span().end, format!("{prop} === undefined ? ("), format!(") : {prop}"))
            }
            None => edits.append(id.span.end, format!(" = {prop}")),
        }
    }
    // `export let name` ended by a line break alone: with an initializer, the next line could
    // continue it (`(…)` would call the prop), so the declaration gets its semicolon.
    if !js[..decl.span.end as usize].ends_with(';') {
        edits.append(decl.span.end, ";".into());
    }
}

/// E0415 for a name a motion module (`eghact/transition`, …) does not export: the browser would
/// refuse the whole module.
fn unknown_motion_imports(import: &ImportDeclaration<'_>, positions: &Positions, diagnostics: &mut Vec<Diagnostic>) {
    let specifier = import.source.value.as_str();
    let Some(exports) = motion::exports(specifier) else { return };
    for imported in import.specifiers.iter().flatten() {
        let (name, span) = match imported {
            ImportDeclarationSpecifier::ImportSpecifier(named) => (named.imported.name(), named.imported.span()),
            ImportDeclarationSpecifier::ImportDefaultSpecifier(default) => ("default".into(), default.span),
            ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => continue,
        };
        if exports.contains(&name.as_str()) {
            continue;
        }
        let close: Vec<&str> = exports.iter().copied().filter(|export| export.eq_ignore_ascii_case(&name)).collect();
        diagnostics.push(
            Diagnostic::error("E0415", format!("`{specifier}` has no export `{name}`"), positions.span(span))
                .with_label(match close.first() {
                    Some(export) => format!("did you mean `{export}`?"),
                    None => "not one of its exports".to_string(),
                })
                .with_help(format!("`{specifier}` exports {}", exports.join(", "))),
        );
    }
}

/// How a compiled module (a component's or a script module's) names what `specifier` names:
/// the runtime for the framework, the output file the project's resolution found
/// (`specifiers`), else the specifier with `.egh` and `.ts` made `.js` when it is relative.
pub(crate) fn rewrite_import(
    specifier: &str,
    runtime_import: &str,
    specifiers: &std::collections::BTreeMap<String, String>,
) -> String {
    if FRAMEWORK_MODULES.contains(&specifier) {
        return runtime_import.to_string();
    }
    if let Some(output) = specifiers.get(specifier) {
        return output.clone();
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

/// Adds the lines of `text`, the edited JavaScript `[start, …)` of `js`, each with the `.egh`
/// offset its start comes from (edits never add or remove line breaks).
fn push_lines(body: &mut Vec<(String, Option<u32>)>, text: &str, js: &str, positions: &Positions, start: u32) {
    let mut line_start = start;
    for line in text.split('\n') {
        let line_end =
            js.get(line_start as usize..).and_then(|rest| rest.find('\n')).map_or(js.len() as u32, |i| line_start + i as u32);
        body.push((line.to_string(), Some(positions.line_origin(line_start, line_end))));
        line_start = line_end + 1;
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
        let next = (0..count)
            .find(|&i| !done[i] && (0..count).all(|j| done[j] || j == i || !statements[j].1.iter().any(|a| deps[i].contains(a))));
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
